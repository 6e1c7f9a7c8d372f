// 계정 (admins): search and filter accounts, enable or disable them, change staff roles, and create
// accounts from a CSV file (each is mailed an invitation). The list never shows posts, and the last
// login is a date only (an exact time would link an account to its posts).

import { explain } from "../js/errors.js";
import { api } from "../js/api.js";
import { $, h, replace, uid } from "../js/dom.js";
import { t } from "../js/i18n.js";

const ROLES = ["moderator", "admin", "approver"];
const PAGE = 50;

export class Accounts {
  constructor(me) {
    this.me = me;
    this.cursor = null;
    this.count = 0;
  }

  async start() {
    const form = $("#accounts-form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.load();
    });
    $("#accounts-more").addEventListener("click", () => this.load(this.cursor));
    const importing = $("#import-form");
    importing.addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = /** @type {HTMLInputElement} */ (importing.elements.namedItem("file")).files?.[0];
      if (file) await this.importCsv(await file.text());
    });
    await this.load();
  }

  query(cursor) {
    const data = new FormData($("#accounts-form"));
    const params = new URLSearchParams({ limit: String(PAGE) });
    for (const key of ["q", "kind", "role", "state"]) {
      const value = String(data.get(key) || "").trim();
      if (value) params.set(key, value);
    }
    if (cursor) params.set("cursor", cursor);
    return `/api/admin/accounts?${params}`;
  }

  /** The first page (no cursor) or the next one, appended. */
  async load(cursor = null) {
    const page = await api.get(this.query(cursor));
    const body = $("#accounts tbody");
    const rows = page.items.map((a) => this.row(a));
    if (cursor) body.append(...rows);
    else replace(body, rows);
    this.count = (cursor ? this.count : 0) + page.items.length;
    this.cursor = page.next_cursor;
    $("#accounts-more").hidden = !this.cursor;
    $("#accounts-count").textContent = this.count ? t("staff.acc.count", { count: this.count }) : t("staff.acc.none");
  }

  async change(account, changes) {
    try {
      const changed = await api.patch(`/api/admin/accounts/${account.id}`, changes);
      const old = $(`#accounts [data-account-id="${account.id}"]`);
      const row = this.row(changed);
      old?.replaceWith(row);
      $("#accounts-result").textContent = t("staff.acc.saved", { login: changed.login });
      /** @type {HTMLElement | null} */ (row.querySelector("[data-focus]"))?.focus();
    } catch (error) {
      $("#accounts-result").textContent = explain(error);
    }
  }

  row(a) {
    const disabled = a.state === "disabled";
    const toggle = h(
      "button",
      {
        type: "button",
        "data-focus": "",
        "aria-label": t(disabled ? "staff.acc.enableLabel" : "staff.acc.disableLabel", { login: a.login }),
        onclick: () => this.change(a, { state: disabled ? "active" : "disabled" }),
      },
      t(disabled ? "staff.acc.enable" : "staff.acc.disable"),
    );
    let roles = h("span", null, a.roles.map((r) => t(`staff.acc.role.${r}`)).join(", "));
    if (a.kind === "staff") {
      const boxes = ROLES.map((role) => {
        const id = uid("role");
        return h(
          "span",
          { class: "check" },
          h("input", { type: "checkbox", id, name: "roles", value: role, checked: a.roles.includes(role) }),
          h("label", { for: id, "aria-label": t("staff.acc.roleLabel", { login: a.login, role: t(`staff.acc.role.${role}`) }) }, t(`staff.acc.role.${role}`)),
        );
      });
      roles = h(
        "form",
        {
          class: "inline-form roles",
          "aria-label": t("staff.acc.rolesLabel", { login: a.login }),
          onsubmit: (event) => {
            event.preventDefault();
            const chosen = new FormData(event.target).getAll("roles").map(String);
            this.change(a, { roles: chosen });
          },
        },
        boxes,
        h("button", { type: "submit", "aria-label": t("staff.acc.saveRolesLabel", { login: a.login }) }, t("staff.acc.saveRoles")),
      );
    }
    return h(
      "tr",
      { "data-account-id": a.id, class: disabled ? "muted" : "" },
      h("td", { class: "num" }, String(a.id)),
      h("th", { scope: "row" }, a.login),
      h("td", null, t(`staff.kind.${a.kind}`)),
      h("td", null, t(disabled ? "staff.acc.disabled" : "staff.acc.active")),
      h("td", null, t(a.via === "oidc" ? "staff.acc.viaOidc" : "staff.acc.viaPassword")),
      h("td", null, a.created || ""),
      h("td", null, a.last_login || t("staff.acc.never")),
      h("td", null, roles),
      h("td", null, toggle),
    );
  }

  async importCsv(text) {
    $("#import-error").replaceChildren();
    $("#import-result").textContent = "";
    try {
      const done = await api.post("/api/admin/accounts/import", { csv: text });
      $("#import-result").textContent = t("staff.acc.imported", { count: done.created.length });
      /** @type {HTMLFormElement} */ ($("#import-form")).reset();
      await this.load();
    } catch (error) {
      const fields = error.fields || {};
      const lines = Object.entries(fields).filter(([key]) => /^\d+/.test(key));
      if (!lines.length) {
        $("#import-error").textContent = explain(error);
        return;
      }
      replace(
        $("#import-error"),
        h("p", null, t("staff.acc.importErrors")),
        h(
          "ul",
          null,
          lines.map(([key, code]) => {
            const [line, column = ""] = key.split(".");
            return h("li", null, t("staff.acc.importLine", { line, column, code }));
          }),
        ),
      );
    }
  }
}
