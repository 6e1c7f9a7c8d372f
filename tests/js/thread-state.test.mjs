// The thread page's reducer on real frames: tests/test_recorded_frames.py records a thread's REST
// state, every frame an anonymous watcher got while it changed, and the REST state after.
// Run: node --test tests/js/

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { apply, initial, patchComment } from "../../static/js/thread-state.js";

const recorded = JSON.parse(readFileSync(new URL("./fixtures/thread-frames.json", import.meta.url), "utf8"));
const { start, frames, end } = recorded;

function load(snapshot) {
  return initial({ thread: snapshot.thread, comments: snapshot.comments, since: snapshot.thread.seq });
}

function fold(state, list) {
  return list.reduce(apply, state);
}

function deepFreeze(value) {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    const children = value instanceof Map ? [...value.values()] : Object.values(value);
    for (const child of children) deepFreeze(child);
  }
  return value;
}

/** What a reader sees of a thread: the parts REST and the frames must agree on. */
function visible(state) {
  const { watchers, ...counts } = state.thread.counts;
  return {
    title: state.thread.title,
    body: state.thread.body,
    revision: state.thread.revision ?? 1,
    status: state.thread.status,
    outcome: state.thread.outcome ?? null,
    counts,
    answers: [...state.answers.values()]
      .sort((a, b) => a.id - b.id)
      .map((a) => ({
        id: a.id,
        body: a.body,
        status: a.status,
        outcome: a.outcome ?? null,
        revision: a.revision ?? 1,
      })),
    comments: [...state.comments.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((c) => ({
        id: c.id,
        parent_id: c.parent_id,
        hidden: c.hidden,
        withdrawn: c.withdrawn ?? false,
        revision: c.revision ?? 1,
        body: c.body,
        recommendations: c.counts.recommendations,
      })),
  };
}

test("the recorded frames take the first REST state to the last", () => {
  assert.deepEqual(visible(fold(load(start), frames)), visible(load(end)));
});

test("the last seq applied is the thread's seq after the changes", () => {
  assert.equal(fold(load(start), frames).seq, end.thread.seq);
});

test("applying never modifies the state it is given", () => {
  const first = deepFreeze(load(start));
  let state = first;
  for (const frame of frames) state = apply(deepFreeze(state), deepFreeze(structuredClone(frame)));
  assert.deepEqual(visible(first), visible(load(start)));
});

test("every frame applied twice changes nothing more (a replay overlapping live frames)", () => {
  const once = fold(load(start), frames);
  const twice = frames.reduce((state, frame) => apply(apply(state, frame), frame), load(start));
  assert.deepEqual(visible(twice), visible(once));
});

test("a comment already shown is not counted again", () => {
  const created = frames.find((f) => f.type === "event" && f.event === "comment.created");
  const after = apply(load(start), created);
  assert.equal(apply(after, created), after);
  assert.equal(after.thread.counts.comments, start.thread.counts.comments + 1);
});

test("the comment count comes from the comment.created events applied, never from a counts frame", () => {
  const state = fold(load(start), frames);
  assert.equal(state.thread.counts.comments, end.thread.counts.comments);
  // v1.1: no counts frame is sent for a comment alone, and one that carries `comments` anyway
  // (read on the server before the page applied the events it includes) leaves the count alone.
  const created = frames.filter((f) => f.type === "event" && f.event === "comment.created").length;
  assert.equal(frames.filter((f) => f.type === "counts").length < created, true);
  const ahead = apply(state, { type: "counts", channel: frames[0].channel, data: { comments: 999, watchers: 3 } });
  assert.equal(ahead.thread.counts.comments, state.thread.counts.comments);
  assert.equal(ahead.thread.counts.watchers, 3);
});

test("a hidden comment keeps its place with no body, and its reason is kept until restored", () => {
  const hidden = frames.find((f) => f.type === "event" && f.event === "comment.hidden");
  const restored = frames.find((f) => f.type === "event" && f.event === "comment.restored");
  const until = frames.indexOf(hidden);
  const state = fold(load(start), frames.slice(0, until + 1));
  const c = state.comments.get(hidden.data.comment.id);
  assert.equal(c.hidden, true);
  assert.equal(c.body, null);
  assert.equal(state.reasons.get(c.id), hidden.data.reason);
  const back = fold(state, frames.slice(until + 1, frames.indexOf(restored) + 1));
  assert.equal(back.reasons.has(c.id), false);
  assert.equal(back.comments.get(c.id).hidden, false);
});

test("an answer sets the thread's status and outcome; the final one wins", () => {
  const answers = frames.filter((f) => f.type === "event" && f.event === "answer.posted");
  assert.ok(answers.length >= 2);
  const interim = fold(load(start), frames.slice(0, frames.indexOf(answers[0]) + 1));
  assert.equal(interim.thread.status, "reviewing");
  const final = fold(load(start), frames);
  assert.equal(final.thread.status, end.thread.status);
  assert.equal(final.thread.outcome, end.thread.outcome);
});

test("counts frames set recommendations exactly, for the thread and for changed comments only", () => {
  const counts = frames.filter((f) => f.type === "counts");
  assert.ok(counts.length >= 1);
  const state = fold(load(start), frames);
  const last = counts[counts.length - 1].data;
  assert.equal(state.thread.counts.recommendations, last.recommendations);
  for (const [id, n] of Object.entries(last.comment_recommendations)) {
    assert.equal(state.comments.get(Number(id)).counts.recommendations, n);
  }
});

test("frames that carry no content leave the state as it was", () => {
  const state = load(start);
  assert.equal(apply(state, { type: "resync", channel: frames[0].channel }), state);
  assert.equal(apply(state, { type: "error", code: "bad_frame", message: "x" }), state);
  assert.equal(apply(state, { type: "event", event: "some.future_event", data: {} }).comments, state.comments);
});

test("this reader's own REST results patch one comment without touching the others", () => {
  const state = load(start);
  const [first, second] = start.comments;
  const next = patchComment(state, first.id, { mine: true, recommended: true, counts: { recommendations: 7 } });
  assert.equal(next.comments.get(first.id).counts.recommendations, 7);
  assert.equal(next.comments.get(first.id).mine, true);
  assert.equal(next.comments.get(second.id), state.comments.get(second.id));
  assert.equal(state.comments.get(first.id).counts.recommendations, first.counts.recommendations);
});

test("an edited comment keeps the files its creation carried (the edit's frame carries text only)", () => {
  const thread = { id: 7, title: "t", body: "b", seq: 1, status: "received", counts: { comments: 0, recommendations: 0, watchers: 0 } };
  const files = [{ id: 3, name: "a.pdf", size: 10, type: "application/pdf", url: "/api/attachments/3" }];
  const comment = { id: 11, thread_id: 7, parent_id: null, seq: 2, body: "첨부", hidden: false, counts: { recommendations: 0 } };
  let state = initial({ thread, comments: [], since: 1 });
  state = apply(state, { type: "event", channel: "thread:7", seq: 2, event: "comment.created", data: { comment: { ...comment, attachments: files } } });
  state = apply(state, { type: "event", channel: "thread:7", seq: 3, event: "comment.edited", data: { comment: { ...comment, seq: 2, body: "고침", revision: 2 } } });
  assert.deepEqual(state.comments.get(11).attachments, files);
  assert.equal(state.comments.get(11).body, "고침");
});
