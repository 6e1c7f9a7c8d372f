// The answer obligation on the thread page: `thread.answer_due` (its shape as
// tests/test_answer_obligation.py receives it) sets the date, redraws the badges only, and the
// badge's date reads as a Korean calendar date.
// Run: node --test tests/js/

import assert from "node:assert/strict";
import { test } from "node:test";

import { apply, initial } from "../../static/js/thread-state.js";
import { dueChanged, headChange } from "../../static/js/thread/changes.js";

// i18n.js sets the page's language when it loads; a bare stand-in for the page is enough here.
globalThis.document = { documentElement: {} };
const { dueDate, todayKst } = await import("../../static/js/obligation.js");

const thread = {
  id: 7, kind: "proposal", title: "제안", body: "본문", status: "received", outcome: null, seq: 3, answer_due: null,
  author: { kind: "company", label: "기업 1", is_op: true }, counts: { comments: 0, recommendations: 49, watchers: 1 },
};
const frame = {
  type: "event", channel: "thread:7", seq: 4, event: "thread.answer_due",
  data: { thread_id: 7, answer_due: "2026-12-24", recommendations: 50, threshold: 50 },
};

test("thread.answer_due sets the date and the seq, and redraws the badges, not the head", () => {
  const before = initial({ thread, since: 3 });
  const after = apply(before, frame);
  assert.equal(after.thread.answer_due, "2026-12-24");
  assert.equal(after.seq, 4);
  assert.equal(dueChanged(before, after), true);
  assert.equal(headChange(before, after), "badges");
  // Applied twice (a replay after a live frame): nothing more changes.
  const again = apply(after, frame);
  assert.equal(dueChanged(after, again), false);
  assert.equal(headChange(after, again), null);
});

test("the due date is a calendar date: 12월 24일, and today is Korea's", () => {
  assert.equal(dueDate("2026-12-24"), "12월 24일");
  // 15:30 UTC on 31 December is already 1 January in Korea.
  assert.equal(todayKst(Date.UTC(2026, 11, 31, 15, 30)), "2027-01-01");
});
