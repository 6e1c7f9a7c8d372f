// @ts-check
// What the board knows, and how pages and live frames change it: pure functions, state -> state,
// as thread-state.js is for a thread. No DOM, no I/O (tests/js/board-state.test.mjs).
//
// `shown` are the cards in the list, in `order`; `waiting` are new threads behind the "새 글 N개"
// bar, shown when the reader asks (a new thread never pushes down the list someone is reading).
// The input state is never modified: what changed is copied, so the page compares before and after.

const SORTS = ["latest", "recommended", "active", "commented"];
const STATUSES = ["received", "reviewing", "answered"];
const OUTCOMES = ["accepted", "partially_accepted", "declined"];
const KINDS = ["", "proposal", "change"];

export { KINDS, OUTCOMES, SORTS, STATUSES };

/**
 * A thread as the board lists it (GET /api/threads items, `thread.created`/`thread.summary` frames).
 * @typedef {{id: number, kind: string, title: string, status: string, outcome?: string | null,
 *   category?: string | null, mine?: boolean, recommended?: boolean,
 *   counts: {recommendations: number, comments: number, watchers?: number}, [field: string]: any}} Summary
 */
/** @typedef {{sort: string, status: string, outcome: string, kind: string, q: string, since: string, until: string, category: string}} Filters */
/** @typedef {{slug: string, name: string, [field: string]: any}} Category */
/** @typedef {{items: Summary[], next_cursor?: string | null}} Page */
/**
 * @typedef {object} BoardState
 * @property {Map<number, Summary>} shown  id -> summary, as drawn
 * @property {number[]} order  the ids of `shown`, top to bottom
 * @property {Map<number, Summary>} waiting  id -> summary, behind the bar
 * @property {string | null} nextCursor  the next page, if any
 */

/**
 * The board's filters from its address. A search (q) is sorted by relevance unless another sort
 * is chosen; the URL then has no sort.
 * @param {URLSearchParams} params
 * @returns {Filters}
 */
export function filtersFrom(params) {
  const q = (params.get("q") || "").trim();
  const asked = params.get("sort");
  const sort = SORTS.includes(asked) || (q && asked === "relevance") ? asked : q ? "relevance" : "latest";
  const status = STATUSES.includes(params.get("status")) ? params.get("status") : "";
  const outcome = OUTCOMES.includes(params.get("outcome")) ? params.get("outcome") : "";
  const kind = KINDS.includes(params.get("kind")) ? params.get("kind") : "";
  const since = params.get("since") || "";
  const until = params.get("until") || "";
  const category = (params.get("category") || "").trim();
  return { sort, status, outcome, kind, q, since, until, category };
}

/** @param {Filters} f */
export function defaultSort(f) {
  return f.q ? "relevance" : "latest";
}

/**
 * Whether a new thread belongs on this board as filtered.
 * @param {Summary} thread
 * @param {Filters} f
 * @param {Category | null} chosen  the category `f.category` names, once the list is loaded
 */
export function matches(thread, f, chosen) {
  if (f.kind && thread.kind !== f.kind) return false;
  if (f.category && (!chosen || thread.category !== chosen.name)) return false;
  if (f.status && thread.status !== f.status) return false;
  if (f.outcome && thread.outcome !== f.outcome) return false;
  // Whether a new thread matches a search is the server's to say (Korean analysis): a search
  // shows new threads when it is run again.
  if (f.q || f.since || f.until) return false;
  return true;
}

/** @returns {BoardState} */
export function empty() {
  return { shown: new Map(), order: [], waiting: new Map(), nextCursor: null };
}

/**
 * The first page (a load, or the bar pressed): it replaces the list, and nothing waits any more.
 * @param {BoardState} state
 * @param {Page} page
 * @returns {BoardState}
 */
export function firstPage(state, page) {
  return {
    ...state,
    shown: new Map(page.items.map((item) => [item.id, item])),
    order: page.items.map((item) => item.id),
    waiting: new Map(),
    nextCursor: page.next_cursor ?? null,
  };
}

/**
 * The next page, under the list (a thread already shown is not shown twice).
 * @param {BoardState} state
 * @param {Page} page
 * @returns {BoardState}
 */
export function nextPage(state, page) {
  const fresh = page.items.filter((item) => !state.shown.has(item.id));
  const shown = new Map(state.shown);
  for (const item of fresh) shown.set(item.id, item);
  return { ...state, shown, order: [...state.order, ...fresh.map((item) => item.id)], nextCursor: page.next_cursor ?? null };
}

/**
 * A summary merged into the card that shows it: frames carry no viewer marks and no watcher
 * count, so what REST told this reader stays.
 * @param {Summary} shown
 * @param {Summary} summary
 * @returns {Summary}
 */
function merged(shown, summary) {
  return {
    ...shown,
    ...summary,
    mine: shown.mine,
    recommended: shown.recommended,
    counts: { ...summary.counts, watchers: shown.counts.watchers },
  };
}

/**
 * @param {BoardState} state
 * @param {Summary} summary
 * @returns {BoardState}  unchanged when the thread is not shown
 */
function updated(state, summary) {
  const shown = state.shown.get(summary.id);
  if (!shown) return state;
  return { ...state, shown: new Map(state.shown).set(summary.id, merged(shown, summary)) };
}

/**
 * @param {BoardState} state
 * @param {Summary} summary
 * @returns {BoardState}
 */
function waitingWith(state, summary) {
  return { ...state, waiting: new Map(state.waiting).set(summary.id, summary) };
}

/**
 * A board frame: `thread.created` waits behind the bar (or shows at once on an empty list that
 * is not loading), `thread.summary` updates a card in place.
 * @param {BoardState} state
 * @param {import("./thread-state.js").Frame} frame
 * @param {{filters: Filters, chosen: Category | null, loading: boolean}} context
 * @returns {BoardState}
 */
export function apply(state, frame, { filters, chosen, loading }) {
  const summary = frame.data && frame.data.thread;
  if (!summary) return state;
  if (frame.event === "thread.created") {
    if (state.shown.has(summary.id) || !matches(summary, filters, chosen)) return state;
    // Nothing to push down: shown at once.
    if (state.order.length === 0 && !loading) {
      return { ...state, shown: new Map(state.shown).set(summary.id, summary), order: [summary.id, ...state.order] };
    }
    return waitingWith(state, summary);
  }
  if (frame.event === "thread.summary") {
    const next = updated(state, summary);
    if (next === state && state.waiting.has(summary.id)) return waitingWith(state, summary);
    return next;
  }
  return state;
}

/**
 * The board's watcher digest (a `counts` frame every few seconds): {"watchers": {"<id>": n}}.
 * @param {BoardState} state
 * @param {{watchers?: Record<string, number>}} data
 * @returns {BoardState}
 */
export function watchers(state, data) {
  let shown = null;
  for (const [id, n] of Object.entries(data.watchers || {})) {
    const current = (shown || state.shown).get(Number(id));
    if (!current || typeof n !== "number" || current.counts.watchers === n) continue;
    shown = shown || new Map(state.shown);
    shown.set(current.id, { ...current, counts: { ...current.counts, watchers: n } });
  }
  return shown ? { ...state, shown } : state;
}

/**
 * After a reconnect: the board channel has no seq, so the first page is compared with what is
 * shown; shown threads are updated, newer ones wait behind the bar.
 * @param {BoardState} state
 * @param {Page} page
 * @returns {BoardState}
 */
export function reconnected(state, page) {
  const newest = Math.max(0, ...state.shown.keys());
  let next = state;
  for (const item of page.items) {
    const after = updated(next, item);
    if (after !== next) next = after;
    else if (item.id > newest && !next.waiting.has(item.id)) next = waitingWith(next, item);
  }
  return next;
}
