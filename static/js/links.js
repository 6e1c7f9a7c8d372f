// @ts-check
// Staff pick the proposals a change thread ("이렇게 바꾸었습니다") resolves: search as you type over
// GET /api/threads?q=&kind=proposal, add with a button (keyboard: Tab to it, Enter), remove from
// the chosen list. Used by the new-thread form and by the change thread's "edit links" tool.

import { api, query } from "./api.js";
import { h, replace, uid } from "./dom.js";
import { t } from "./i18n.js";
import { statusBadges } from "./labels.js";

const SEARCH_DELAY_MS = 200;
const RESULTS = 8;

/**
 * linkPicker({label, initial}) -> {field, ids(), chosen()}
 * `initial`: [{id, title, status?, outcome?}] already linked.
 */
/**
 * @param {{label?: string, initial?: {id: number, title: string, status?: string, outcome?: string | null}[]}} [options]
 */
export function linkPicker({ label, initial = [] } = {}) {
  const chosen = new Map(initial.map((item) => [item.id, item]));
  const inputId = uid("link-q");
  const resultsId = uid("link-results");
  const hintId = uid("link-hint");
  const input = h("input", {
    id: inputId,
    type: "search",
    class: "input",
    autocomplete: "off",
    maxlength: "200", // the API's longest query (422 past it)
    "aria-describedby": hintId,
    "aria-controls": resultsId,
    "data-role": "link-search",
    placeholder: t("links.searchPlaceholder"),
  });
  const results = h("ul", { id: resultsId, class: "link-results", "aria-label": t("links.results") });
  const resultStatus = h("p", { class: "muted small", role: "status", "data-role": "link-status" });
  const picked = h("ul", { class: "link-chosen", "data-role": "link-chosen", "aria-label": t("links.chosen") });
  const pickedStatus = h("p", { class: "sr-only", role: "status" });

  function row(item, { action, text, visible, onclick, role }) {
    return h(
      "li",
      { class: "link-row", "data-thread-id": item.id },
      h("a", { href: `/threads/${item.id}`, target: "_blank", rel: "noopener" }, item.title),
      " ",
      statusBadges(item),
      h("button", { type: "button", class: `btn btn-small ${action}`, "data-role": role, "aria-label": text, onclick }, visible),
    );
  }

  function renderChosen() {
    const items = [...chosen.values()];
    replace(
      picked,
      items.length
        ? items.map((item) =>
            row(item, {
              action: "btn-ghost",
              role: "link-remove",
              visible: t("links.remove"),
              text: t("links.removeLabel", { title: item.title }),
              onclick: () => {
                chosen.delete(item.id);
                renderChosen();
                pickedStatus.textContent = t("links.removed", { title: item.title });
                input.focus();
              },
            }),
          )
        : h("li", { class: "muted" }, t("links.none")),
    );
  }

  let timer = null;
  let asked = 0;
  async function search() {
    const q = input.value.trim();
    const mine = ++asked;
    if (!q) {
      results.replaceChildren();
      resultStatus.textContent = "";
      return;
    }
    let data;
    try {
      data = await api.get("/api/threads" + query({ q, kind: "proposal", limit: RESULTS }));
    } catch {
      if (mine === asked) resultStatus.textContent = t("error.generic");
      return;
    }
    if (mine !== asked) return; // an older answer arriving after a newer question
    const items = data.items.filter((item) => !chosen.has(item.id));
    replace(
      results,
      items.map((item) =>
        row(item, {
          action: "btn-outline",
          role: "link-add",
          visible: t("links.add"),
          text: t("links.addLabel", { title: item.title }),
          onclick: (event) => {
            chosen.set(item.id, item);
            renderChosen();
            pickedStatus.textContent = t("links.added", { title: item.title });
            const li = event.target.closest("li");
            const next = li.nextElementSibling || li.previousElementSibling;
            li.remove();
            (next ? next.querySelector("button") : input).focus();
          },
        }),
      ),
    );
    resultStatus.textContent = items.length ? t("links.found", { n: items.length }) : t("links.noResults");
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, SEARCH_DELAY_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      // Enter searches at once instead of submitting the form around it.
      event.preventDefault();
      clearTimeout(timer);
      search();
    } else if (event.key === "ArrowDown") {
      const first = results.querySelector("button");
      if (first) {
        event.preventDefault();
        first.focus();
      }
    }
  });
  renderChosen();

  const field = h(
    "fieldset",
    { class: "field link-picker", "data-role": "link-picker" },
    h("legend", null, label || t("links.pick")),
    h("h3", { class: "link-subtitle" }, t("links.chosen")),
    picked,
    h("label", { for: inputId }, t("links.search")),
    h("p", { id: hintId, class: "muted small" }, t("links.searchHint")),
    input,
    resultStatus,
    results,
    pickedStatus,
  );
  return { field, ids: () => [...chosen.keys()], chosen: () => [...chosen.values()] };
}
