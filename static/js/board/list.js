// @ts-check
// The board's list: cards in the state's order, the "새 글 N개" bar for threads that wait, the
// "more" button while there is a next page. It draws the board state (board-state.js) before and
// after each change: new cards inserted, changed ones filled again, the rest untouched (a card
// being read or focused stays where it is).

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { card, fillCard } from "./cards.js";

/** @typedef {import("../board-state.js").BoardState} BoardState */

/**
 * @param {{onMore: () => void, onShowWaiting: () => void, announce: (text: string) => void}} handlers
 */
export function listPart({ onMore, onShowWaiting, announce }) {
  const el = h("section", { class: "thread-list", "aria-busy": "true", "aria-label": t("board.listLabel") });
  const more = h("button", { type: "button", class: "btn btn-outline btn-block", hidden: true, onclick: () => onMore() }, t("board.more"));
  const bar = h("button", { type: "button", class: "new-bar", hidden: true, onclick: () => onShowWaiting() });
  const status = h("p", { class: "list-status muted", role: "status" });

  /** @param {number} id */
  const cardOf = (id) => /** @type {HTMLElement | null} */ (el.querySelector(`[data-thread-id="${id}"]`));

  /** Cards in `order`: missing ones made, gone ones removed, the others moved only if out of place. */
  function arrange(/** @type {BoardState} */ state) {
    /** @type {Map<number, HTMLElement>} */
    const cards = new Map();
    for (const child of /** @type {HTMLCollectionOf<HTMLElement>} */ (el.children)) cards.set(Number(child.dataset.threadId), child);
    for (const [id, child] of cards) if (!state.shown.has(id)) child.remove();
    let cursor = el.firstElementChild;
    for (const id of state.order) {
      const child = cards.get(id) || card(state.shown.get(id));
      if (child === cursor) cursor = cursor.nextElementSibling;
      else el.insertBefore(child, cursor);
    }
  }

  function renderBar(/** @type {BoardState} */ state) {
    const n = state.waiting.size;
    bar.hidden = n === 0;
    bar.textContent = t("board.newShow", { n });
  }

  /**
   * @param {BoardState} before
   * @param {BoardState} after
   * @param {{quiet?: boolean}} [options]  quiet: threads found waiting after a reconnect are not announced
   */
  function update(before, after, { quiet = false } = {}) {
    if (before.order !== after.order) arrange(after);
    if (before.shown !== after.shown) {
      for (const [id, summary] of after.shown) {
        const was = before.shown.get(id);
        if (was && was !== summary) {
          const child = cardOf(id);
          if (child) fillCard(child, summary);
        }
      }
    }
    if (after.order.length && !before.order.length) status.textContent = "";
    if (before.waiting !== after.waiting) {
      renderBar(after);
      if (!quiet && after.waiting.size > before.waiting.size) announce(t("board.new", { n: after.waiting.size }));
    }
    more.hidden = !after.nextCursor;
  }

  return {
    el,
    more,
    bar,
    status,
    update,
    /** @param {boolean} busy */
    busy(busy) {
      el.setAttribute("aria-busy", String(busy));
    },
  };
}
