// @ts-check
// What a thread page knows, and how each live frame changes it: a pure reducer,
// apply(state, frame) -> state, as Zulip's web app applies server events. No DOM, no I/O, so Node's
// test runner checks it on the frames a server test recorded (tests/js/thread-state.test.mjs).
//
// The input state is never modified: changed parts are copied, unchanged parts are shared, so the
// page can compare before and after (`before.comments !== after.comments`) to decide what to draw.
// Applying a frame twice is harmless: a comment already known is not counted again.

/**
 * A comment as the API and the frames show it (only the fields this page reads are named).
 * @typedef {{id: number, seq: number, parent_id: number | null, author: any, created_at: string,
 *   body?: string | null, hidden?: boolean, withdrawn?: boolean, mine?: boolean, recommended?: boolean,
 *   counts: {recommendations: number}, [field: string]: any}} Comment
 */
/** @typedef {{id: number, seq: number, status: string, outcome?: string | null, body: string, [field: string]: any}} Answer */
/**
 * @typedef {{id: number, kind: string, title: string, body: string, status: string, mine?: boolean,
 *   recommended?: boolean, counts: {comments: number, recommendations: number, watchers: number},
 *   [field: string]: any}} Thread
 */
/**
 * What a thread page knows. Maps are replaced, never changed, when an entry changes.
 * @typedef {object} ThreadState
 * @property {Thread} thread  the thread without its answers
 * @property {Map<number, Answer>} answers
 * @property {Map<number, Comment>} comments
 * @property {Map<number, string>} reasons  comment id -> hide reason seen live
 * @property {number} seq  the last seq applied
 * @property {string | null} epoch  the history `seq` belongs to (PROTOCOL.md "Epoch")
 */
/**
 * A live frame (PROTOCOL.md), or what a REST call answered dressed as the frame that reports it.
 * @typedef {{type: string, event?: string, seq?: number, epoch?: string, data?: any, [field: string]: any}} Frame
 */

/**
 * The state a REST load gives: GET /api/threads/{id} and every page of its comments.
 * @param {{thread: any, comments?: Comment[], since?: number | null}} loaded
 * @returns {ThreadState}
 */
export function initial({ thread, comments = [], since = null }) {
  const { answers = [], ...rest } = thread;
  return {
    thread: { ...rest, counts: { ...rest.counts } },
    answers: new Map(answers.map((a) => [a.id, a])),
    comments: new Map(comments.map((c) => [c.id, c])),
    reasons: new Map(), // comment id -> hide reason seen live
    seq: since ?? thread.seq ?? 0,
    epoch: null,
  };
}

function withComment(state, comment) {
  const comments = new Map(state.comments);
  comments.set(comment.id, comment);
  return { ...state, comments };
}

function withThread(state, changes) {
  return { ...state, thread: { ...state.thread, ...changes } };
}

function withCounts(state, changes) {
  return withThread(state, { counts: { ...state.thread.counts, ...changes } });
}

function commentCreated(state, comment) {
  if (!comment || state.comments.has(comment.id)) return state;
  // v1.1: a comment alone sends no counts frame; the client counts the comments it applies.
  const next = withComment(state, comment);
  return withCounts(next, { comments: (state.thread.counts.comments || 0) + 1 });
}

/** hidden, restored, edited, withdrawn: the comment's current public form replaces what we had. */
function commentChanged(state, comment, reason, event) {
  if (!comment) return state;
  const known = state.comments.get(comment.id);
  const merged = known
    ? {
        ...known,
        ...comment,
        counts: { ...known.counts, ...(comment.counts || {}) },
      }
    : comment;
  let next = withComment(state, merged);
  if (event === "comment.hidden" || event === "comment.restored") {
    const reasons = new Map(next.reasons);
    if (merged.hidden && reason) reasons.set(merged.id, reason);
    if (!merged.hidden) reasons.delete(merged.id);
    next = { ...next, reasons };
  }
  return next;
}

function answerChanged(state, answer, data) {
  if (!answer) return state;
  const answers = new Map(state.answers);
  answers.set(answer.id, { ...(state.answers.get(answer.id) || {}), ...answer });
  let next = { ...state, answers };
  if (data.status !== undefined) next = withThread(next, { status: data.status, outcome: data.outcome ?? null });
  return next;
}

const THREAD_FIELDS = ["title", "body", "category", "status", "outcome", "edited_at", "revision"];

/** A moderator hid the proposal (v1.2): its text and its comments' bodies are null until restored. */
function threadHidden(state, data) {
  const comments = new Map();
  for (const [id, c] of state.comments) comments.set(id, c.body == null ? c : { ...c, body: null });
  return { ...withThread(state, { hidden: true, hidden_reason: data.reason ?? null, title: null, body: null }), comments };
}

function eventFrame(state, frame) {
  const data = frame.data || {};
  let next;
  switch (frame.event) {
    case "comment.created":
      next = commentCreated(state, data.comment);
      break;
    case "comment.hidden":
    case "comment.restored":
    case "comment.edited":
    case "comment.withdrawn":
      next = commentChanged(state, data.comment, data.reason, frame.event);
      break;
    case "answer.posted":
    case "answer.edited":
      next = answerChanged(state, data.answer, data);
      break;
    case "thread.status_changed":
      next = withThread(state, { status: data.status, outcome: data.outcome ?? null });
      break;
    case "thread.hidden":
      next = threadHidden(state, data);
      break;
    case "post.erased":
      // An admin erased a post (v1.2): a comment's erased form replaces it; a proposal keeps its
      // place with no text.
      if (data.comment) next = commentChanged(state, data.comment, null, frame.event);
      else if (data.thread) next = withThread(state, { erased: true, title: null, body: null, attachments: [] });
      else next = state;
      break;
    case "thread.restored":
      // The restored text is not in the frame: the page reads the thread again (`restored`).
      next = { ...withThread(state, { hidden: false, hidden_reason: null }), restored: (state.restored || 0) + 1 };
      break;
    case "thread.changed_in":
      // A change thread linked (or unlinked) this proposal: the list as it is now.
      next = withThread(state, { changed_in: data.changed_in || [] });
      break;
    case "thread.answer_due":
      // Recommendations reached the obligation's threshold: the date it must be answered by.
      next = withThread(state, { answer_due: data.answer_due ?? null });
      break;
    case "thread.updated": {
      const changed = data.thread || data;
      const picked = {};
      for (const key of THREAD_FIELDS) if (key in changed) picked[key] = changed[key];
      next = withThread(state, picked);
      break;
    }
    default:
      next = state;
  }
  if (typeof frame.seq === "number" && frame.seq > next.seq) next = { ...next, seq: frame.seq };
  return next;
}

// A counts frame's `comments` (optional since v1.1) is exact when it is read on the server, which
// may be before this page has applied (or, paused, before it shows) the comment.created events it
// includes: taking it would count those comments twice. The page counts the events it applies.
function countsFrame(state, data) {
  const counts = {};
  for (const key of ["recommendations", "watchers"]) {
    if (typeof data[key] === "number") counts[key] = data[key];
  }
  let next = Object.keys(counts).length ? withCounts(state, counts) : state;
  const changed = Object.entries(data.comment_recommendations || {});
  if (changed.length) {
    const comments = new Map(next.comments);
    for (const [id, count] of changed) {
      const c = comments.get(Number(id));
      if (c) comments.set(c.id, { ...c, counts: { ...c.counts, recommendations: count } });
    }
    next = { ...next, comments };
  }
  return next;
}

/** state + frame -> state. Frames of other types (subscribed, resync, error) change nothing here
 *  except the epoch a `subscribed` frame carries. */
/**
 * @param {ThreadState} state
 * @param {Frame} frame
 * @returns {ThreadState}
 */
export function apply(state, frame) {
  switch (frame.type) {
    case "event":
      return eventFrame(state, frame);
    case "counts":
      return countsFrame(state, frame.data || {});
    case "subscribed":
      return frame.epoch && frame.epoch !== state.epoch ? { ...state, epoch: frame.epoch } : state;
    default:
      return state;
  }
}

/**
 * A comment's own fields as this reader's REST calls left them (mine, recommended, counts).
 * @param {ThreadState} state
 * @param {number} id
 * @param {Partial<Omit<Comment, "counts">> & {counts?: Partial<Comment["counts"]>}} changes
 * @returns {ThreadState}
 */
export function patchComment(state, id, changes) {
  const c = state.comments.get(id);
  if (!c) return state;
  return withComment(state, { ...c, ...changes, counts: { ...c.counts, ...(changes.counts || {}) } });
}

/**
 * The thread's own fields after this reader's REST call (recommended, counts, links).
 * @param {ThreadState} state
 * @param {Partial<Omit<Thread, "counts">> & {counts?: Partial<Thread["counts"]>}} changes
 * @returns {ThreadState}
 */
export function patchThread(state, changes) {
  return withThread(state, { ...changes, counts: { ...state.thread.counts, ...(changes.counts || {}) } });
}
