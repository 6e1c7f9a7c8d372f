// @ts-check
// One thread on the board: badges, title (with a search's highlight), excerpt or where a search
// matched, who proposed it, when, and its counts.

import { query } from "../api.js";
import { h, marked, replace } from "../dom.js";
import { t } from "../i18n.js";
import { authorEl, kindBadge, statusBadges } from "../labels.js";
import { timeEl } from "../time.js";
import { categoryLabel } from "./categories.js";

/** @typedef {import("../board-state.js").Summary} Summary */

/**
 * Where a search matched, when not in the title: "댓글에서: ...<mark>입찰</mark>..."
 * @param {Summary} thread
 */
function searchSnippet(thread) {
  if (!thread.highlight || thread.match === "title") return null;
  return h(
    "p",
    { class: "card-excerpt search-snippet", "data-role": "snippet" },
    h("span", { class: "snippet-where" }, t(`search.in.${thread.match}`)),
    " ",
    marked(thread.highlight),
  );
}

/**
 * @param {string} role
 * @param {string} text
 */
function stat(role, text, extra = "") {
  return h("span", { class: `stat ${extra}`, "data-role": role }, text);
}

/**
 * Who proposed it, as the board says it: the proposer is always the thread's first company (or
 * agency) label, so "기업 1" on every card would read as one company writing everything.
 * @param {Summary} thread
 */
function proposer(thread) {
  const kind = thread.author.kind;
  if (kind === "staff") return authorEl(thread.author, { mine: thread.mine, showOp: false });
  return h(
    "span",
    { class: "author" },
    h("span", { class: "author-label" }, t(`board.by.${kind}`)),
    thread.mine ? h("span", { class: "badge badge-mine" }, t("author.mine")) : null,
  );
}

/**
 * Draw `thread` into its card (the link keeps focus when it had it).
 * @param {HTMLElement} card
 * @param {Summary} thread
 */
export function fillCard(card, thread) {
  const hadFocus = card.contains(document.activeElement);
  card.dataset.threadId = String(thread.id);
  const title = thread.erased ? t("thread.erasedTitle") : thread.hidden ? t("thread.hiddenTitle") : thread.match === "title" && thread.highlight ? marked(thread.highlight) : thread.title;
  const link = h("a", { href: `/threads/${thread.id}`, class: thread.hidden || thread.erased ? "card-link card-hidden" : "card-link" }, title);
  replace(
    card,
    h(
      "div",
      { class: "card-top" },
      thread.kind === "change" ? kindBadge("change") : null,
      statusBadges(thread),
      thread.category ? h("a", { class: "chip", href: "/" + query({ category: thread.category }) }, categoryLabel(thread.category)) : null,
    ),
    h("h2", { class: "card-title" }, link),
    thread.hidden
      ? h("p", { class: "card-excerpt muted", "data-role": "hidden-reason" }, t("thread.hiddenReason", { reason: thread.hidden_reason || "" }))
      : searchSnippet(thread) || (thread.excerpt ? h("p", { class: "card-excerpt" }, thread.excerpt) : null),
    h(
      "div",
      { class: "card-meta" },
      h("span", { class: "meta-author" }, proposer(thread)),
      h("span", { class: "meta-sep", "aria-hidden": "true" }, "·"),
      timeEl(thread.created_at),
      h(
        "span",
        { class: "card-stats" },
        stat("recommendations", t("count.recommend", { n: thread.counts.recommendations }), thread.recommended ? "stat-on" : ""),
        stat("comments", t("count.comments", { n: thread.counts.comments })),
        thread.counts.watchers > 0 ? stat("watchers", t("count.watchers", { n: thread.counts.watchers }), "stat-live") : null,
      ),
    ),
  );
  if (hadFocus) link.focus();
  return card;
}

/** @param {Summary} thread */
export function card(thread) {
  return fillCard(h("article", { class: `thread-card kind-${thread.kind}` }), thread);
}
