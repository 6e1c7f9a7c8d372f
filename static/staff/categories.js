// 분류 관리: the managed category list. Staff add, rename (the name moves to every thread in it),
// retire (stays on its threads, cannot be chosen) and restore categories.

import { explain } from "../js/errors.js";
import { api } from "../js/api.js";
import { $, h, replace, uid } from "../js/dom.js";
import { t } from "../js/i18n.js";

export class CategoryList {
  async start() {
    const form = $("#category-form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const body = { name: String(data.get("name") || "").trim() };
      for (const key of ["name_en", "slug"]) {
        const value = String(data.get(key) || "").trim();
        if (value) body[key] = value;
      }
      $("#category-error").textContent = "";
      try {
        const added = await api.post("/api/staff/categories", body);
        form.reset();
        $("#categories-result").textContent = t("staff.cat.added", { name: added.name });
        await this.load();
      } catch (error) {
        $("#category-error").textContent = explain(error);
      }
    });
    await this.load();
  }

  /** Another staff member changed the list, or a new thread changed a count: show it. */
  onEvent(event) {
    if (!["category.created", "category.changed", "thread.created"].includes(event.type)) return;
    clearTimeout(this._soon);
    this._soon = setTimeout(() => this.load(), 300);
  }

  async load() {
    const data = await api.get("/api/categories");
    replace($("#categories tbody"), data.items.map((c) => this.row(c)));
  }

  async change(category, changes) {
    try {
      const changed = await api.patch(`/api/staff/categories/${category.id}`, changes);
      $("#categories-result").textContent = t("staff.cat.saved", { name: changed.name });
      await this.load();
      $(`#categories [data-category-id="${category.id}"] button`)?.focus();
    } catch (error) {
      $("#categories-result").textContent = explain(error);
    }
  }

  row(c) {
    const nameId = uid("cat-name");
    const enId = uid("cat-en");
    const rename = h(
      "form",
      {
        class: "inline-form",
        onsubmit: (event) => {
          event.preventDefault();
          const data = new FormData(event.target);
          const changes = {};
          const name = String(data.get("name") || "").trim();
          const nameEn = String(data.get("name_en") || "").trim();
          if (name && name !== c.name) changes.name = name;
          if (nameEn && nameEn !== (c.name_en || "")) changes.name_en = nameEn;
          if (Object.keys(changes).length) this.change(c, changes);
        },
      },
      h("label", { for: nameId, class: "sr-only" }, t("staff.cat.renameLabel", { name: c.name })),
      h("input", { id: nameId, name: "name", value: c.name, maxlength: 50, required: true, class: "short-name" }),
      h("label", { for: enId, class: "sr-only" }, t("staff.cat.renameEnLabel", { name: c.name })),
      h("input", { id: enId, name: "name_en", value: c.name_en || "", maxlength: 50, class: "short-name" }),
      h("button", { type: "submit" }, t("staff.cat.save")),
    );
    const toggle = c.retired
      ? h("button", { type: "button", "aria-label": t("staff.cat.restoreLabel", { name: c.name }), onclick: () => this.change(c, { retired: false }) }, t("staff.cat.restore"))
      : h("button", { type: "button", "aria-label": t("staff.cat.retireLabel", { name: c.name }), onclick: () => this.change(c, { retired: true }) }, t("staff.cat.retire"));
    return h(
      "tr",
      { "data-category-id": c.id, class: c.retired ? "muted" : "" },
      h("th", { scope: "row" }, c.name),
      h("td", null, c.name_en || ""),
      h("td", null, h("a", { href: `/?category=${encodeURIComponent(c.slug)}` }, c.slug)),
      h("td", { class: "num" }, String(c.count)),
      h("td", null, c.retired ? t("staff.cat.retired") : t("staff.cat.active")),
      h("td", null, rename, toggle),
    );
  }
}
