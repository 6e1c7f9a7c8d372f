// @ts-check
// A thread: the proposal, official answers, comments with one level of replies, live updates.
//
// Loading: REST first (thread, then every page of comments), then `thread:{id}` with
// since = the thread's seq, so nothing falls between. Every change, a live frame or what this
// reader's REST call answered, goes through the pure reducer (thread-state.js); the parts of the
// page (thread/*.js) then redraw from the state before and after it. live.js drops anything at or
// below the last seq, and the reducer ignores a comment it already has.
// New content never moves what the reader is looking at: every insertion keeps the element at the
// top of the viewport where it was (thread/view.js).

import { api, ApiError } from "./api.js";
import { errorMessage } from "./composer.js";
import { h, replace } from "./dom.js";
import { t } from "./i18n.js";
import { renderNotFound } from "./notfound.js";
import { apply, initial } from "./thread-state.js";
import { answersPart } from "./thread/answers.js";
import { commentsPart } from "./thread/comments.js";
import { composerPart } from "./thread/composer-slot.js";
import { headPart } from "./thread/head.js";
import { pausePart } from "./thread/pause.js";
import { highlightTarget } from "./thread/permalinks.js";
import { similarPart } from "./thread/similar.js";
import { staffPart } from "./thread/staff.js";
import { keepingScroll } from "./thread/view.js";
import { knowCategories } from "./board/categories.js";

/** @typedef {import("./thread-state.js").ThreadState} ThreadState */
/** @typedef {import("./thread-state.js").Frame} Frame */
/** @typedef {import("./thread/view.js").AppContext} AppContext */

const COMMENT_PAGE = 200;
// A reload whose comments failed retries after this long, while the channel still needs it.
const RESYNC_RETRY_MS = 3_000;

/**
 * @param {HTMLElement} root
 * @param {number} threadId
 * @param {AppContext} ctx
 */
export function mountThread(root, threadId, ctx) {
  /** @type {ThreadState | null} */
  let state = null;
  // Frames at or below this seq are a replay of what REST could not load: drawn, not announced.
  let quietUntil = 0;
  let alive = true;
  /** @type {import("./live.js").Subscription | null} */
  let sub = null;

  /** @type {import("./thread/view.js").ThreadView} */
  const view = {
    root,
    threadId,
    ctx,
    current: () => state,
    dispatch,
    change,
    keepingScroll: (mutate) => keepingScroll(root, mutate),
  };
  const head = headPart(view);
  const answers = answersPart(view);
  const similar = similarPart();
  const staff = staffPart(view);
  const comments = commentsPart(view);
  const composerSlot = composerPart(view, comments.post);
  const pause = pausePart(release);
  /** @type {import("./thread/view.js").Part[]} */
  const parts = [head, answers, staff, comments, composerSlot];
  const status = h("div", { class: "thread-status" });

  replace(
    root,
    h(
      "div",
      { class: "thread-page" },
      h("nav", { class: "crumbs", "aria-label": t("nav.board") }, h("a", { href: "/", class: "back-link" }, "← ", t("thread.back"))),
      status,
      h("article", { class: "thread", "aria-labelledby": "thread-title" }, head.el),
      answers.el,
      similar.el,
      staff.el,
      h(
        "section",
        { class: "comments", "aria-labelledby": "comments-title" },
        h("div", { class: "comments-head" }, head.commentsTitle, h("div", { class: "comments-tools" }, pause.button)),
        pause.note,
        comments.list,
        comments.empty,
        composerSlot.el,
      ),
      comments.pill,
    ),
  );

  // --- changes: the reducer decides the state, the parts only draw it ---
  /**
   * @param {ThreadState} next
   * @param {{quiet?: boolean}} [options]
   */
  function change(next, { quiet = false } = {}) {
    const before = state;
    if (!before || next === before) return;
    state = next;
    for (const part of parts) part.update(before, next, { quiet });
  }

  /**
   * @param {Frame} frame
   * @param {{quiet?: boolean}} [options]
   */
  function dispatch(frame, { quiet = false } = {}) {
    if (!state) return;
    const replayed = typeof frame.seq === "number" && frame.seq <= quietUntil;
    change(apply(state, frame), { quiet: quiet || replayed });
    // A restored proposal's text is not in its frame: read the thread again (v1.2).
    if (frame.event === "thread.restored" && sub) onResync();
  }

  /** What waited while paused, in order. */
  function release(frames, counts) {
    for (const frame of frames) dispatch(frame);
    if (counts) dispatch({ type: "counts", data: counts });
  }

  // --- live handlers ---
  function onEvent(frame) {
    if (!state) return;
    if (pause.paused) pause.holdEvent(frame);
    else dispatch(frame);
  }

  function onCounts(frame) {
    if (!state) return;
    const data = frame.data || {};
    // Watchers are presence, not content: shown even while paused.
    if (typeof data.watchers === "number") dispatch({ type: "counts", data: { watchers: data.watchers } });
    if (pause.paused) pause.holdCounts(data);
    else dispatch({ type: "counts", data });
  }

  async function onResync() {
    try {
      const loaded = await load();
      if (!alive) return;
      show(loaded, { keep: true });
      sub.resubscribe(loaded.since);
    } catch (err) {
      if (!alive) return;
      // Try again on the next reconnect; keep showing what we have.
      console.warn("resync failed", err);
      setTimeout(() => alive && sub.resyncing && onResync(), RESYNC_RETRY_MS);
    }
  }

  function onError(frame) {
    if (frame.code === "not_found") showError(t("thread.notFound"));
  }

  // --- loading ---
  async function loadComments() {
    const items = [];
    let after = null;
    for (;;) {
      const page = await api.get(`/api/threads/${threadId}/comments?limit=${COMMENT_PAGE}${after !== null ? `&after_seq=${after}` : ""}`);
      items.push(...page.items);
      if (!page.has_more || !page.items.length) return items;
      after = page.items[page.items.length - 1].seq;
    }
  }

  async function load() {
    const [thread] = await Promise.all([api.get(`/api/threads/${threadId}`), knowCategories()]);
    let comments = [];
    let since = thread.seq;
    try {
      comments = await loadComments();
    } catch (err) {
      if (!(err instanceof ApiError) || err.status < 500) throw err;
      // The comments endpoint failed: rebuild the list from the channel's replay instead.
      console.warn("comments could not be loaded through REST; replaying them from the live channel", err);
      since = 0;
    }
    return { thread, comments, since };
  }

  /** A load (the first, or after a resync) replaces the state: every part draws it whole. */
  function show(loaded, { keep = false } = {}) {
    const { thread, comments: items, since } = loaded;
    const firstTime = !state;
    state = initial({ thread, comments: items, since });
    pause.clear();
    quietUntil = since === 0 ? thread.seq : 0;
    const draw = () => {
      head.render(state);
      answers.render(state);
      staff.render(state);
      comments.render(state);
      pause.render();
      // Drawn once: a reload keeps the draft being typed.
      if (firstTime) composerSlot.render(state);
    };
    if (firstTime) similar.load(thread);
    if (keep) view.keepingScroll(draw);
    else draw();
  }

  function showError(message, retry = null) {
    replace(
      status,
      h(
        "div",
        { class: "notice notice-error", role: "alert" },
        h("p", null, message),
        retry ? h("button", { type: "button", class: "btn btn-outline", onclick: retry }, t("thread.retry")) : null,
      ),
    );
  }

  async function start() {
    status.replaceChildren();
    try {
      const loaded = await load();
      if (!alive) return;
      show(loaded);
      sub = ctx.live.subscribe(`thread:${threadId}`, { since: loaded.since, onEvent, onCounts, onResync, onError });
      highlightTarget(root);
    } catch (err) {
      if (!alive) return;
      if (err instanceof ApiError && err.status === 404) {
        // No comments card, no composer: the whole page says the thread is not there.
        renderNotFound(root, { thread: true });
      } else {
        replace(head.el, h("h1", { class: "thread-title" }, t("thread.loadError")));
        showError(errorMessage(err, "error.generic"), () => start());
      }
    }
  }

  const onHash = () => highlightTarget(root);
  window.addEventListener("hashchange", onHash);
  const ready = start();
  return {
    ready,
    unmount() {
      alive = false;
      window.removeEventListener("hashchange", onHash);
      comments.unmount();
      answers.unmount();
      if (sub) sub.close();
    },
    /** The reducer's state (debugging). */
    get state() {
      return state;
    },
  };
}
