// An erased post on the thread page: `post.erased` (its shape as tests/test_erasure.py receives it)
// replaces a comment by its erased form, or takes the proposal's text away and redraws the head.
// Run: node --test tests/js/

import assert from "node:assert/strict";
import { test } from "node:test";

import { apply, initial } from "../../static/js/thread-state.js";
import { headChange } from "../../static/js/thread/changes.js";

const thread = {
  id: 7, kind: "proposal", title: "제안", body: "본문", status: "received", outcome: null, seq: 3,
  author: { kind: "company", label: "기업 1", is_op: true }, counts: { comments: 1, recommendations: 0, watchers: 1 },
};
const comment = { id: 11, body: "지울 댓글", author: { kind: "agency", label: "기관 1", is_op: false }, counts: { recommendations: 0 } };

test("post.erased of a comment replaces it with its erased form, counted once", () => {
  const before = apply(initial({ thread, since: 2 }), { type: "event", channel: "thread:7", seq: 3, event: "comment.created", data: { comment } });
  const erased = { ...comment, body: null, erased: true };
  const frame = { type: "event", channel: "thread:7", seq: 4, event: "post.erased", data: { post: { kind: "comment", id: 11 }, comment: erased } };
  const after = apply(before, frame);
  assert.equal(after.comments.get(11).body, null);
  assert.equal(after.comments.get(11).erased, true);
  assert.equal(after.thread.counts.comments, before.thread.counts.comments);
  assert.equal(after.seq, 4);
});

test("post.erased of the proposal takes its title and body away and redraws the head", () => {
  const before = initial({ thread, since: 3 });
  const frame = { type: "event", channel: "thread:7", seq: 4, event: "post.erased", data: { post: { kind: "thread", id: 7 }, thread: { id: 7, title: null, erased: true } } };
  const after = apply(before, frame);
  assert.equal(after.thread.erased, true);
  assert.equal(after.thread.title, null);
  assert.equal(after.thread.body, null);
  assert.equal(headChange(before, after), "head");
});
