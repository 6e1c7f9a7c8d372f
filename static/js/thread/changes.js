// @ts-check
// What a change of the thread's state means for the page: which parts must be drawn again, which
// comments and answers arrived. Pure functions of the reducer's before and after (no DOM), so
// Node's test runner checks them on recorded frames (tests/js/thread-changes.test.mjs); the parts
// only carry out what these say.

/** @typedef {import("../thread-state.js").ThreadState} ThreadState */
/** @typedef {import("../thread-state.js").Comment} Comment */
/** @typedef {import("../thread-state.js").Answer} Answer */

// The thread fields the head draws beyond its badges and counts: a change to one redraws the head.
const HEAD_FIELDS = ["id", "kind", "title", "body", "category", "author", "mine", "created_at", "edited_at", "revision", "links", "changed_in", "hidden", "hidden_reason", "erased", "attachments"];

/** @param {ThreadState} state */
export const isClosed = (state) => state.thread.status === "withdrawn";

/** @param {ThreadState} before @param {ThreadState} after */
export function statusChanged(before, after) {
  return before.thread.status !== after.thread.status || before.thread.outcome !== after.thread.outcome;
}

/**
 * What of the head a change needs: all of it, its status badges, or nothing (its counts change in
 * place whenever they differ).
 * @param {ThreadState} before
 * @param {ThreadState} after
 * @returns {"head" | "badges" | null}
 */
export function headChange(before, after) {
  const a = before.thread;
  const b = after.thread;
  if (HEAD_FIELDS.some((key) => a[key] !== b[key])) return "head";
  const status = statusChanged(before, after);
  // The withdrawn note, and the author's buttons: edit closes with the first official answer,
  // withdraw with the final one.
  if (status && (isClosed(before) || isClosed(after) || b.mine)) return "head";
  // "반영되었습니다" or "관련 변경" follows the outcome.
  if (status && (b.changed_in || []).length) return "head";
  if (b.mine && (before.answers.size === 0) !== (after.answers.size === 0)) return "head";
  return status || dueChanged(before, after) ? "badges" : null;
}

/** The proposal became one that must be answered (`thread.answer_due`): its badges show the date.
 * @param {ThreadState} before @param {ThreadState} after */
export function dueChanged(before, after) {
  return (before.thread.answer_due ?? null) !== (after.thread.answer_due ?? null);
}

/** @param {ThreadState} before @param {ThreadState} after */
export function countsChanged(before, after) {
  return before.thread.counts !== after.thread.counts || before.thread.recommended !== after.thread.recommended;
}

/**
 * Answers the state gained, in seq order.
 * @param {ThreadState} before
 * @param {ThreadState} after
 * @returns {Answer[]}
 */
export function addedAnswers(before, after) {
  if (before.answers === after.answers) return [];
  return [...after.answers.values()].filter((a) => !before.answers.has(a.id)).sort((a, b) => a.seq - b.seq);
}

/**
 * Change threads that now answer this proposal and did not before (`thread.changed_in`).
 * @param {ThreadState} before
 * @param {ThreadState} after
 */
export function addedChanges(before, after) {
  const had = new Set((before.thread.changed_in || []).map((item) => item.id));
  return (after.thread.changed_in || []).filter((item) => !had.has(item.id));
}

/**
 * Whether two versions of a comment draw alike except for the recommend button (a counts frame,
 * this reader's own recommendation): then only the button changes, and a form open under the
 * comment stays open.
 * @param {Comment} a
 * @param {Comment} b
 */
function alikeButCounts(a, b) {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (key !== "counts" && key !== "recommended" && a[key] !== b[key]) return false;
  return true;
}

/**
 * @typedef {object} CommentChanges
 * @property {boolean} whole  the list must be drawn again (reply buttons come and go with withdrawal)
 * @property {Comment[]} added  comments before replies, each in seq order, so a reply finds its comment
 * @property {boolean} arrived  the reducer counted the added comment (comment.created): one that
 *   first appears hidden, edited or restored (a replay) is drawn quietly
 * @property {Comment[]} redrawn  known comments whose card changes
 * @property {Comment[]} recounted  known comments whose recommend button alone changes
 */

/**
 * @param {ThreadState} before
 * @param {ThreadState} after
 * @returns {CommentChanges}
 */
export function commentChanges(before, after) {
  const none = { whole: false, added: [], arrived: false, redrawn: [], recounted: [] };
  if (isClosed(before) !== isClosed(after)) return { ...none, whole: true };
  if (before.comments === after.comments && before.reasons === after.reasons) return none;
  const added = [];
  const redrawn = [];
  const recounted = [];
  for (const [id, c] of after.comments) {
    const was = before.comments.get(id);
    if (was === c) continue;
    if (!was) added.push(c);
    else if (alikeButCounts(was, c)) recounted.push(c);
    else redrawn.push(c);
  }
  added.sort((a, b) => (a.parent_id ? 1 : 0) - (b.parent_id ? 1 : 0) || a.seq - b.seq);
  const arrived = (after.thread.counts.comments || 0) > (before.thread.counts.comments || 0);
  return { whole: false, added, arrived, redrawn, recounted };
}
