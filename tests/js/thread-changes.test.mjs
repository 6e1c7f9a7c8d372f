// What each recorded frame means for the thread page (static/js/thread/changes.js): which parts
// are drawn again, which comments and answers arrive. The page's parts only carry this out.
// Run: node --test tests/js/

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { apply, initial, patchComment, patchThread } from "../../static/js/thread-state.js";
import { addedAnswers, addedChanges, commentChanges, headChange } from "../../static/js/thread/changes.js";

const { start, frames } = JSON.parse(readFileSync(new URL("./fixtures/thread-frames.json", import.meta.url), "utf8"));

/** Every frame with the state before and after it. */
function steps() {
  let state = initial({ thread: start.thread, comments: start.comments, since: start.thread.seq });
  const out = [];
  for (const frame of frames) {
    const after = apply(state, frame);
    out.push({ frame, before: state, after });
    state = after;
  }
  return out;
}

test("each comment.created frame adds one counted comment and redraws nothing else", () => {
  const created = steps().filter((s) => s.frame.event === "comment.created");
  assert.ok(created.length > 0);
  for (const { frame, before, after } of created) {
    const changes = commentChanges(before, after);
    assert.deepEqual(changes.added.map((c) => c.id), [frame.data.comment.id]);
    assert.equal(changes.arrived, true);
    assert.deepEqual(changes.redrawn, []);
    assert.equal(headChange(before, after), null);
  }
});

test("a comment created again (its POST answered first) changes nothing drawn", () => {
  const [{ frame, after }] = steps().filter((s) => s.frame.event === "comment.created");
  const again = apply(after, frame);
  const changes = commentChanges(after, again);
  assert.deepEqual([changes.added, changes.redrawn, changes.recounted], [[], [], []]);
});

test("hidden, restored, edited and withdrawn comments are redrawn, not added", () => {
  const changed = steps().filter((s) => /^comment\.(hidden|restored|edited|withdrawn)$/.test(s.frame.event));
  assert.ok(changed.length >= 4);
  for (const { frame, before, after } of changed) {
    const changes = commentChanges(before, after);
    assert.deepEqual(changes.redrawn.map((c) => c.id), [frame.data.comment.id], frame.event);
    assert.deepEqual(changes.added, []);
  }
});

test("a comment first seen through a later event (a replay) is added quietly", () => {
  const hidden = steps().find((s) => s.frame.event === "comment.hidden");
  const { id } = hidden.frame.data.comment;
  const without = { ...hidden.before, comments: new Map([...hidden.before.comments].filter(([key]) => key !== id)) };
  const changes = commentChanges(without, apply(without, hidden.frame));
  assert.deepEqual(changes.added.map((c) => c.id), [id]);
  assert.equal(changes.arrived, false);
});

test("a recommendation count changes only the comment's button", () => {
  const { after: state } = steps().at(-1);
  const [comment] = [...state.comments.values()].filter((c) => !c.hidden && !c.withdrawn);
  const counted = apply(state, { type: "counts", data: { comment_recommendations: { [comment.id]: 7 } } });
  const mine = patchComment(state, comment.id, { recommended: true, counts: { recommendations: 1 } });
  for (const after of [counted, mine]) {
    const changes = commentChanges(state, after);
    assert.deepEqual(changes.recounted.map((c) => c.id), [comment.id]);
    assert.deepEqual(changes.redrawn, []);
  }
  assert.equal(commentChanges(state, patchComment(state, comment.id, { mine: true })).redrawn.length, 1);
});

test("answers arrive once each; their status changes the head's badges", () => {
  const posted = steps().filter((s) => s.frame.event === "answer.posted");
  assert.ok(posted.length > 0);
  for (const { frame, before, after } of posted) {
    assert.deepEqual(addedAnswers(before, after).map((a) => a.id), [frame.data.answer.id]);
    if (before.thread.status !== after.thread.status) assert.equal(headChange(before, after), "badges");
  }
  const edited = steps().find((s) => s.frame.event === "answer.edited");
  assert.deepEqual(addedAnswers(edited.before, edited.after), []);
});

test("an edit of the thread redraws its head; counts alone do not", () => {
  const updated = steps().find((s) => s.frame.event === "thread.updated");
  assert.equal(headChange(updated.before, updated.after), "head");
  const { after: state } = steps().at(-1);
  assert.equal(headChange(state, patchThread(state, { recommended: true, counts: { recommendations: 9 } })), null);
});

test("withdrawal redraws the whole comment list and the head", () => {
  const { after: state } = steps().at(-1);
  const withdrawn = apply(state, { type: "event", event: "thread.status_changed", data: { status: "withdrawn" } });
  assert.equal(commentChanges(state, withdrawn).whole, true);
  assert.equal(headChange(state, withdrawn), "head");
});

test("the author's head is redrawn when the first official answer closes editing", () => {
  const mine = initial({ thread: { ...start.thread, mine: true, answers: [] }, comments: [] });
  const answered = steps().find((s) => s.frame.event === "answer.posted").frame;
  assert.equal(headChange(mine, apply(mine, answered)), "head");
});

test("a newly linked change thread is announced, an unlinked one is not", () => {
  const state = initial({ thread: { ...start.thread, changed_in: [{ id: 8, title: "바꾼 것" }] } });
  const linked = apply(state, { type: "event", event: "thread.changed_in", data: { changed_in: [{ id: 8, title: "바꾼 것" }, { id: 9, title: "또 바꾼 것" }] } });
  assert.deepEqual(addedChanges(state, linked).map((item) => item.id), [9]);
  assert.equal(headChange(state, linked), "head");
  const unlinked = apply(linked, { type: "event", event: "thread.changed_in", data: { changed_in: [{ id: 8, title: "바꾼 것" }] } });
  assert.deepEqual(addedChanges(linked, unlinked), []);
});
