// 이의 신청: appeals waiting for a decision (v1.2). Each shows the action, the post as written and
// the appellant's actor key (never who); a moderator upholds it or reverses it (the action is
// undone: restore, release, lift) with a reason the appellant is told.

import { explain } from "../js/errors.js";
import { api } from "../js/api.js";
import { $, h, replace, toast } from "../js/dom.js";
import { t } from "../js/i18n.js";
import { actorText, dateTime, truncate } from "./format.js";

const RELOAD_ON = new Set(["appeal.filed", "appeal.decided"]);

export class AppealQueue {
  constructor(me, { onCount }) {
    this.moderator = me.roles.includes("moderator");
    this.onCount = onCount;
  }

  async start() {
    await this.load();
  }

  onEvent(event) {
    if (!RELOAD_ON.has(event.type)) return;
    clearTimeout(this._soon);
    this._soon = setTimeout(() => this.load(), 300);
  }

  async load() {
    const data = await api.get("/api/staff/appeals");
    $("#appeals-count").textContent = t("staff.mod.count", { n: data.items.length });
    const list = $("#appeals");
    if (!data.items.length) replace(list, h("li", { class: "empty" }, t("staff.appeals.none")));
    else replace(list, data.items.map((item) => this._card(item)));
    if (this.onCount) this.onCount(data.items.length);
  }

  _card(item) {
    const a = item.action;
    const post = item.post || {};
    const reason = h("input", { class: "reason", maxlength: 1000, "aria-label": t("staff.mod.reasonRequired", { action: t("staff.mod.decision") }), placeholder: t("staff.mod.reasonRequired", { action: t("staff.mod.decision") }), "data-role": "appeal-reason" });
    const decide = async (decision) => {
      const text = reason.value.trim();
      if (!text) {
        reason.focus();
        toast(t("staff.mod.needReason"), "error");
        return;
      }
      try {
        await api.post(`/api/staff/appeals/${item.id}`, { decision, reason: text });
        toast(t("staff.mod.done", { action: t(`staff.appeal.${decision}`) }));
        await this.load();
      } catch (error) {
        toast(explain(error), "error");
      }
    };
    const disabled = !this.moderator;
    const where = post.thread_id ? h("a", { href: `/threads/${post.thread_id}` }, t("staff.threadRef", { id: String(post.thread_id) })) : null;
    return h(
      "li",
      { class: "card appeal", dataset: { appeal: item.id } },
      h("div", { class: "card-head" },
        h("strong", {}, t("staff.appeal.ref", { id: String(item.id) })), " ",
        where,
        h("span", { class: "muted" }, ` · ${actorText(item.appellant)} · ${dateTime(item.created_at)}`)),
      h("p", { class: "muted" }, t("staff.appeal.action", { action: t(`staff.appeal.act.${a.action}`), reason: a.reason })),
      post.title || post.body ? h("blockquote", { class: "body" }, truncate([post.title, post.body].filter(Boolean).join(" — "), 400)) : null,
      h("p", { class: "appeal-text", "data-role": "appeal-text" }, item.text),
      h("div", { class: "actions" },
        reason,
        h("button", { type: "button", disabled, "data-role": "appeal-uphold", onclick: () => decide("upheld") }, t("staff.appeal.upheld")),
        h("button", { type: "button", class: "primary", disabled, "data-role": "appeal-reverse", onclick: () => decide("reversed") }, t("staff.appeal.reversed"))),
    );
  }
}
