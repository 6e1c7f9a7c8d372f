// The API's error codes in the reader's language (static/js/errors.js): a known code is translated
// and the server's English message is not shown; an unknown code falls back to it.
// Run: node --test tests/js/

import assert from "node:assert/strict";
import { test } from "node:test";

// i18n.js sets the page's language when it loads; a bare stand-in for the page is enough here.
globalThis.document = { documentElement: {} };
const { errorText, explain } = await import("../../static/js/errors.js");
const { lang } = await import("../../static/js/i18n.js");

test("Korean is the default, and field codes name the field", () => {
  assert.equal(lang(), "ko");
  const err = { code: "validation_error", message: "title must not be empty", fields: { title: "empty" } };
  assert.equal(errorText(err), "제목이(가) 비어 있습니다.");
  assert.ok(!explain(err).includes("must not be empty"));
});

test("the personal-information refusal names the kinds in one language", () => {
  const err = {
    code: "personal_information",
    message: "The text contains a phone number that could identify the author; nothing was stored.",
    fields: { body: "phone_number", title: "email_address,phone_number" },
  };
  const text = errorText(err);
  assert.match(text, /전화번호, 이메일 주소/);
  assert.doesNotMatch(text, /[A-Za-z]/);
});

test("a code without fields is translated by itself", () => {
  assert.equal(errorText({ code: "own_post", message: "you cannot recommend your own post", fields: {} }), "자신의 글은 추천할 수 없습니다.");
});

test("an unknown code falls back to the server's message", () => {
  const err = { code: "brand_new", message: "something new", fields: {} };
  assert.equal(errorText(err), null);
  assert.equal(explain(err), "something new");
});
