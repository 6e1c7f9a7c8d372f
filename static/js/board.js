// @ts-check
// The board: proposals and change threads, sorted and filtered; new threads wait behind a
// "새 글 N개" bar instead of pushing the list down while someone reads it.
//
// Pages and live frames go through pure functions (board-state.js); the list (board/list.js)
// draws the state before and after each change.

import { api, query } from "./api.js";
import { errorMessage } from "./composer.js";
import { h, replace } from "./dom.js";
import { t } from "./i18n.js";
import { currentUser } from "./session.js";
import { recordLine } from "./record.js";
import * as board from "./board-state.js";
import { listPart } from "./board/list.js";
import { newThreadForm, requestClose } from "./board/new-thread.js";
import { toolbar } from "./board/toolbar.js";
import { knowCategories } from "./board/categories.js";

export { categoryName, loadCategories } from "./board/categories.js";
export { fillCard } from "./board/cards.js";

const PAGE = 20;

/** @typedef {import("./board-state.js").BoardState} BoardState */
/** @typedef {import("./board-state.js").Filters} Filters */

/**
 * @param {HTMLElement} root
 * @param {import("./app.js").AppContext} ctx
 */
export function mountBoard(root, ctx) {
  const f = board.filtersFrom(ctx.params);
  let state = board.empty();
  let loading = false;
  let alive = true;

  /** @param {Partial<Filters>} changes */
  function setFilters(changes) {
    const next = { ...f, ...changes };
    // A new search starts by relevance; clearing it goes back to the default order.
    if ("q" in changes && !("sort" in changes) && changes.q !== f.q) next.sort = board.defaultSort(next);
    const sort = next.sort === board.defaultSort(next) ? "" : next.sort;
    const params = { kind: next.kind, category: next.category, status: next.status, outcome: next.outcome, sort, q: next.q, since: next.since, until: next.until };
    ctx.navigate("/" + query(params), { replace: true, keepScroll: true });
  }

  const tools = toolbar(f, setFilters);
  const list = listPart({ onMore: () => loadMore(), onShowWaiting: () => showWaiting(), announce: ctx.announce });

  /**
   * @param {BoardState} next
   * @param {{quiet?: boolean}} [options]
   */
  function change(next, options) {
    const before = state;
    if (next === before) return;
    state = next;
    list.update(before, next, options);
  }

  // --- new thread form ---
  const composerSlot = h("div", { class: "new-thread-slot" });
  // The answer record's headline figure (the same computation as the staff dashboard's).
  const recordSlot = h("div", { class: "record-slot" });
  async function loadRecord() {
    try {
      const stats = await api.get("/api/stats/answers");
      if (alive) replace(recordSlot, recordLine(stats));
    } catch {
      // The board works without it.
    }
  }
  // Pressed again while the form is open, it closes the form as the form's cancel does (asking first).
  const proposeButton = currentUser()
    ? h("button", { type: "button", class: "btn btn-primary", "aria-expanded": "false", onclick: () => (composerSlot.firstElementChild ? requestClose(/** @type {HTMLElement} */ (composerSlot.firstElementChild)) : toggleComposer()) }, t("board.propose"))
    : h("a", { class: "btn btn-primary", href: "/login?next=/" }, t("board.propose"));

  function toggleComposer() {
    if (composerSlot.firstChild) {
      composerSlot.replaceChildren();
      proposeButton.setAttribute("aria-expanded", "false");
      proposeButton.focus();
      return;
    }
    proposeButton.setAttribute("aria-expanded", "true");
    composerSlot.append(newThreadForm(ctx, () => toggleComposer()));
    /** @type {HTMLElement} */ (composerSlot.querySelector("input, textarea, select")).focus();
  }

  replace(
    root,
    h(
      "div",
      { class: "board" },
      h(
        "section",
        { class: "board-hero" },
        h("div", null, h("h1", null, t("board.title")), h("p", { class: "lede" }, t("board.intro")), recordSlot),
        h("div", { class: "hero-actions" }, proposeButton),
      ),
      composerSlot,
      tools.el,
      list.bar,
      list.status,
      list.el,
      list.more,
    ),
  );
  document.title = `${t("board.title")} · ${t("app.name")}`;

  // --- loading ---
  /** @param {string} [cursor] */
  function listUrl(cursor) {
    const sort = f.sort === board.defaultSort(f) ? "" : f.sort;
    return "/api/threads" + query({ kind: f.kind, category: f.category, status: f.status, outcome: f.outcome, sort, q: f.q, since: f.since, until: f.until, cursor, limit: PAGE });
  }

  async function loadFirst() {
    loading = true;
    list.busy(true);
    list.status.textContent = t("board.loading");
    try {
      const [page] = await Promise.all([api.get(listUrl()), knowCategories()]);
      if (!alive) return;
      change(board.firstPage(state, page));
      list.status.textContent = page.items.length ? "" : t("board.empty");
    } catch (err) {
      list.status.textContent = errorMessage(err, "error.generic");
    } finally {
      loading = false;
      list.busy(false);
      list.more.hidden = !state.nextCursor;
    }
  }

  async function loadMore() {
    if (loading || !state.nextCursor) return;
    loading = true;
    list.more.disabled = true;
    try {
      const page = await api.get(listUrl(state.nextCursor));
      if (!alive) return;
      change(board.nextPage(state, page));
    } catch (err) {
      ctx.toast(errorMessage(err, "error.generic"), "error");
    } finally {
      loading = false;
      list.more.disabled = false;
      list.more.hidden = !state.nextCursor;
    }
  }

  async function showWaiting() {
    await loadFirst();
    /** @type {HTMLElement | null} */ (list.el.querySelector(".card-link"))?.focus({ preventScroll: true });
    const top = tools.el.getBoundingClientRect().top + window.scrollY - 80;
    window.scrollTo({ top: Math.max(0, top) });
  }

  // --- live ---
  function onEvent(frame) {
    change(board.apply(state, frame, { filters: f, chosen: tools.chosen, loading }));
  }

  function onCounts(frame) {
    change(board.watchers(state, frame.data || {}));
  }

  async function onReconnect() {
    try {
      const page = await api.get(listUrl());
      if (!alive) return;
      change(board.reconnected(state, page), { quiet: true });
    } catch {
      // The next reconnect tries again.
    }
  }

  const sub = ctx.live.subscribe("board", { onEvent, onCounts, onReconnect });
  const ready = Promise.all([loadFirst(), tools.loadChips(() => alive), loadRecord()]);
  return {
    ready,
    unmount() {
      alive = false;
      sub.close();
    },
  };
}
