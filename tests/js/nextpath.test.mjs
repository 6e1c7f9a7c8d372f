// The login page's `next` (static/js/nextpath.js) follows the server's rule (server/text/nextpath.py)
// on the same cases: only paths on this site; "\", tabs, line breaks, other hosts and their encoded
// forms lead to "/".
// Run: node --test tests/js/

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { sameOriginPath } from "../../static/js/nextpath.js";

const { cases } = JSON.parse(readFileSync(new URL("../fixtures/next_paths.json", import.meta.url)));

test("every shared case leads where the server's checker says", () => {
  for (const [given, expected] of cases) {
    assert.equal(sameOriginPath(given, "https://tong.example"), expected, JSON.stringify(given));
  }
});

test("a path it keeps stays on the page's origin", () => {
  for (const [given, expected] of cases) {
    const url = new URL(sameOriginPath(given, "https://tong.example"), "https://tong.example");
    assert.equal(url.origin, "https://tong.example", JSON.stringify(given));
  }
});
