// @ts-check
// "비슷한 제안": proposals like this one, from the search index (not live; once per visit).

import { api, query } from "../api.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { statusBadges } from "../labels.js";

export function similarPart() {
  const el = h("aside", { class: "similar-threads", "aria-labelledby": "similar-title", hidden: true, "data-role": "similar-threads" });

  async function load(thread) {
    if (thread.kind !== "proposal") return;
    let items = [];
    try {
      items = (await api.get("/api/threads/similar" + query({ title: thread.title, exclude: thread.id }))).items;
    } catch {
      return; // A reader loses nothing but the hint.
    }
    if (!items.length) return;
    replace(
      el,
      h("h2", { id: "similar-title", class: "similar-title" }, t("thread.similar")),
      h(
        "ul",
        { class: "similar-list" },
        items.map((item) => h("li", { class: "similar-item", "data-thread-id": item.id }, h("a", { href: `/threads/${item.id}` }, item.title), statusBadges(item))),
      ),
    );
    el.hidden = false;
  }

  return { el, load };
}
