// @ts-check
// Badges and author labels shared by the board, the thread and the staff dashboard.

import { h } from "./dom.js";
import { authorLabel, t } from "./i18n.js";
import { dueBadge } from "./obligation.js";

export function statusBadge(status) {
  if (!status) return null;
  return h("span", { class: `badge badge-status status-${status}` }, t(`status.${status}`));
}

export function outcomeBadge(outcome) {
  if (!outcome) return null;
  return h("span", { class: `badge badge-outcome outcome-${outcome}` }, t(`outcome.${outcome}`));
}

export function kindBadge(kind) {
  return h("span", { class: `badge badge-kind kind-${kind}` }, t(`kind.${kind}`));
}

/** The status, and for an answered proposal its outcome beside it (for one that must be
 *  answered, its due date: v1.2's answer obligation). */
export function statusBadges(item) {
  return h(
    "span",
    { class: "badges", "data-role": "status" },
    statusBadge(item.status),
    item.status === "answered" ? outcomeBadge(item.outcome) : null,
    dueBadge(item),
  );
}

/** "기업 2 [작성자] [내 글]" – a pseudonym, never an account. */
export function authorEl(author, { mine = false, showOp = true } = {}) {
  const staff = author.kind === "staff";
  return h(
    "span",
    { class: `author author-${author.kind}` },
    staff ? h("span", { class: "badge badge-pps" }, t("author.staff")) : null,
    staff
      ? author.department
        ? h("span", { class: "author-dept" }, author.department)
        : null
      : h("span", { class: "author-label" }, authorLabel(author)),
    author.is_op && showOp ? h("span", { class: "badge badge-op", title: t("author.op") }, t("author.op")) : null,
    mine ? h("span", { class: "badge badge-mine" }, t("author.mine")) : null,
  );
}
