// @ts-check
// The board's filters: kind tabs, category chips with counts, status, outcome, sort, search. Each
// choice is the address (`?kind=…&category=…`), so a filtered board can be shared; choosing
// navigates, and the board is mounted again from the new address.

import { h, replace, uid } from "../dom.js";
import { t } from "../i18n.js";
import { KINDS, OUTCOMES, SORTS, STATUSES } from "../board-state.js";
import { categoryName, loadCategories } from "./categories.js";

/** @typedef {import("../board-state.js").Filters} Filters */
/** @typedef {import("./categories.js").Category} Category */

/**
 * @param {Filters} f  the filters of this address
 * @param {(changes: Partial<Filters>) => void} setFilters
 */
export function toolbar(f, setFilters) {
  const kindTabs = h(
    "div",
    { class: "tabs", role: "group", "aria-label": t("kind.filter") },
    KINDS.map((kind) =>
      h(
        "button",
        {
          type: "button",
          class: "tab",
          "aria-pressed": String(f.kind === kind),
          onclick: () => setFilters({ kind, status: kind === "change" ? "" : f.status, outcome: kind === "change" ? "" : f.outcome }),
        },
        kind ? t(`kind.${kind}`) : t("kind.all"),
      ),
    ),
  );
  const statusId = uid("status");
  const statusSelect = h(
    "select",
    { id: statusId, class: "select", disabled: f.kind === "change", onchange: (e) => setFilters({ status: e.target.value }) },
    h("option", { value: "" }, t("status.all")),
    STATUSES.map((s) => h("option", { value: s, selected: f.status === s }, t(`status.${s}`))),
  );
  const sortId = uid("sort");
  const sortSelect = h(
    "select",
    { id: sortId, class: "select", onchange: (e) => setFilters({ sort: e.target.value }) },
    (f.q ? ["relevance", ...SORTS] : SORTS).map((s) => h("option", { value: s, selected: f.sort === s }, t(`sort.${s}`))),
  );
  const outcomeId = uid("outcome");
  const outcomeSelect = h(
    "select",
    { id: outcomeId, class: "select", disabled: f.kind === "change", onchange: (e) => setFilters({ outcome: e.target.value, status: e.target.value ? "answered" : f.status }) },
    h("option", { value: "" }, t("outcome.all")),
    OUTCOMES.map((o) => h("option", { value: o, selected: f.outcome === o }, t(`outcome.${o}`))),
  );
  const searchId = uid("q");
  const searchInput = h("input", { id: searchId, type: "search", class: "input", name: "q", value: f.q, placeholder: t("search.placeholder"), autocomplete: "off", maxlength: "200" });
  const searchForm = h(
    "form",
    { class: "search", role: "search", onsubmit: (e) => (e.preventDefault(), setFilters({ q: searchInput.value.trim() })) },
    h("label", { for: searchId, class: "sr-only" }, t("search.label")),
    searchInput,
    h("button", { type: "submit", class: "btn btn-primary" }, t("search.submit")),
  );

  // Filter chips: one per category (retired ones only while threads carry them), with counts;
  // the choice is the URL's `?category=<slug>`.
  /** @type {Category | null} */
  let chosen = null;
  const chips = h("div", { class: "category-chips", role: "group", "aria-label": t("category.filter"), "data-role": "category-chips" });
  /**
   * @param {string} slug
   * @param {string} label
   * @param {number | null} count
   */
  function chip(slug, label, count) {
    // A shared address may name the category by slug or (from a thread's chip) by its name.
    const on = slug ? !!chosen && chosen.slug === slug : !f.category;
    return h(
      "button",
      { type: "button", class: "tab chip-filter", "aria-pressed": String(on), "data-category": slug, onclick: () => setFilters({ category: slug }) },
      label,
      count === null ? null : h("span", { class: "chip-count" }, h("span", { class: "sr-only" }, " "), t("category.count", { n: count })),
    );
  }

  /** @param {() => boolean} alive  false once the board is gone */
  async function loadChips(alive) {
    let items;
    try {
      items = await loadCategories(f.kind);
    } catch {
      return;
    }
    if (!alive()) return;
    chosen = items.find((c) => c.slug === f.category || c.name === f.category) || null;
    const shown = items.filter((c) => !c.retired || c.count > 0 || c === chosen);
    replace(chips, chip("", t("category.all"), null), shown.map((c) => chip(c.slug, categoryName(c) + (c.retired ? ` (${t("category.retired")})` : ""), c.count)));
  }

  // On a phone the chips and selects would fill the first screen before any proposal: they wait
  // behind a "필터" button there (CSS shows the button and hides the panel below 640 px only).
  const active = [f.category, f.status, f.outcome, f.q].filter(Boolean).length;
  const moreId = uid("filters");
  const more = h(
    "div",
    { class: "toolbar-more", id: moreId },
    chips,
    h(
      "div",
      { class: "toolbar-row" },
      h("div", { class: "control" }, h("label", { for: statusId }, t("status.label")), statusSelect),
      h("div", { class: "control" }, h("label", { for: outcomeId }, t("outcome.label")), outcomeSelect),
      h("div", { class: "control" }, h("label", { for: sortId }, t("sort.label")), sortSelect),
      searchForm,
    ),
  );
  const disclose = h(
    "button",
    {
      type: "button",
      class: "btn btn-outline toolbar-toggle",
      "aria-expanded": "false",
      "aria-controls": moreId,
      "data-role": "filters-toggle",
      onclick: () => {
        const open = disclose.getAttribute("aria-expanded") !== "true";
        disclose.setAttribute("aria-expanded", String(open));
        el.classList.toggle("is-open", open);
      },
    },
    active ? t("filters.toggleActive", { n: active }) : t("filters.toggle"),
  );
  const el = h("div", { class: "toolbar" }, h("div", { class: "toolbar-head" }, kindTabs, disclose), more);

  return {
    el,
    loadChips,
    /** The category the address names, once the list is loaded (new threads are matched against it). */
    get chosen() {
      return chosen;
    },
  };
}
