// The revision history's diff (static/js/diff.js). Run: node --test tests/js/

import assert from "node:assert/strict";
import { test } from "node:test";

import { diffText } from "../../static/js/diff.js";

function side(parts, keep) {
  return parts.filter((p) => p.type === "same" || p.type === keep).map((p) => p.text).join("");
}

const CASES = [
  ["", ""],
  ["", "새 글"],
  ["지울 글", ""],
  ["견적 제출 기간을 늘려 주세요", "견적 제출 기간을 영업일 5일로 늘려 주십시오"],
  ["반영하겠습니디", "반영하겠습니다"],
  ["a b c d", "d c b a"],
  ["줄 하나\n줄 둘", "줄 하나\n\n줄 셋"],
];

test("the parts rebuild both versions exactly", () => {
  for (const [before, after] of CASES) {
    const parts = diffText(before, after);
    assert.equal(side(parts, "del"), before, `${before} -> ${after}`);
    assert.equal(side(parts, "ins"), after, `${before} -> ${after}`);
  }
});

test("an added phrase is one insertion between kept words", () => {
  const parts = diffText("기간을 늘려 주세요", "기간을 5일로 늘려 주세요");
  assert.deepEqual(parts, [
    { type: "same", text: "기간을 " },
    { type: "ins", text: "5일로 " },
    { type: "same", text: "늘려 주세요" },
  ]);
});

test("a typo inside a Korean word is shown as the syllable that changed", () => {
  assert.deepEqual(diffText("반영하겠습니디", "반영하겠습니다"), [
    { type: "same", text: "반영하겠습니" },
    { type: "del", text: "디" },
    { type: "ins", text: "다" },
  ]);
});

test("texts too large for the table still diff, as one block out and one in", () => {
  const before = "가 ".repeat(3000);
  const after = "나 ".repeat(3000);
  const parts = diffText(before, after);
  assert.equal(side(parts, "del"), before);
  assert.equal(side(parts, "ins"), after);
});
