// 신고·보류: the reports queue (hide / restore / dismiss, each with a reason), held comments
// (release / reject) and author reveals (admins only, with a reason, always in the log).

import { explain } from "../js/errors.js";
import { api, query } from "../js/api.js";
import { $, h, replace, toast } from "../js/dom.js";
import { t } from "../js/i18n.js";
import { linked } from "../js/linkify.js";
import { actorText, dateTime, kindLabel, summary, truncate } from "./format.js";
import { withStepUp } from "../js/mfa.js";

const RELOAD_ON = new Set([
  "report.filed", "report.dismissed", "comment.hidden", "comment.restored",
  "comment.held", "comment.released", "comment.rejected", "thread.hidden", "thread.restored",
]);

export class Moderation {
  constructor(me, { onCounts }) {
    this.me = me;
    this.moderator = me.roles.includes("moderator");
    this.admin = me.roles.includes("admin");
    this.onCounts = onCounts;
  }

  async start() {
    const form = $("#reveal-form");
    form.hidden = !this.admin;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.reveal(new FormData(form));
    });
    await Promise.all([this.loadReports(), this.loadHeld(), this.loadReveals()]);
  }

  onEvent(event) {
    if (event.type === "author.revealed") this._addReveal(event);
    if (!RELOAD_ON.has(event.type)) return;
    clearTimeout(this._soon);
    this._soon = setTimeout(() => Promise.all([this.loadReports(), this.loadHeld()]), 300);
  }

  async loadReports() {
    const data = await api.get("/api/staff/reports");
    this.reportCount = data.items.length;
    $("#reports-count").textContent = t("staff.mod.count", { n: data.items.length });
    const list = $("#reports");
    if (!data.items.length) {
      replace(list, h("li", { class: "empty" }, t("staff.mod.noReports")));
    } else {
      replace(list, data.items.map((item) => this._reportCard(item)));
    }
    this._counts();
  }

  async loadHeld() {
    const data = await api.get("/api/staff/held");
    this.heldCount = data.items.length;
    const p = data.policy;
    const days = t("staff.mod.weekdays").split(",");
    $("#held-policy").textContent = p.enabled
      ? t("staff.mod.policyOn", {
          days: p.office_days.length ? `${p.office_days.map((d) => days[d]).join("")} ` : t("staff.mod.noDays"),
          hours: p.office_hours,
          words: p.words.join(", ") || t("staff.mod.none"),
          now: t(p.in_office_hours ? "staff.mod.inHours" : "staff.mod.outHours"),
        })
      : t("staff.mod.policyOff");
    $("#held-count").textContent = t("staff.mod.count", { n: data.items.length });
    const list = $("#held");
    if (!data.items.length) {
      replace(list, h("li", { class: "empty" }, t("staff.mod.noHeld")));
    } else {
      replace(list, data.items.map((item) => this._heldCard(item)));
    }
    this._counts();
  }

  _counts() {
    if (this.onCounts) this.onCounts({ reports: this.reportCount || 0, held: this.heldCount || 0 });
  }

  _reasonInput(action, required) {
    return h("input", {
      class: "reason", placeholder: t(required ? "staff.mod.reasonRequired" : "staff.mod.reasonFor", { action }),
      "aria-label": t("staff.mod.reasonFor", { action }), maxlength: 1000,
    });
  }

  /** Suspend whoever wrote a post (never named here): days and a reason (v1.2). */
  _suspendControl(kind, id) {
    const days = h("input", { type: "number", min: 1, max: 365, value: 7, class: "short", "aria-label": t("staff.mod.suspendDays"), "data-role": "suspend-days" });
    // Not `.reason`: that is the card's one reason field for hide, restore and dismiss.
    const reason = h("input", {
      class: "suspend-reason", placeholder: t("staff.mod.reasonRequired", { action: t("staff.mod.suspend") }),
      "aria-label": t("staff.mod.reasonFor", { action: t("staff.mod.suspend") }), maxlength: 1000, "data-role": "suspend-reason",
    });
    const go = async () => {
      if (!reason.value.trim()) {
        reason.focus();
        toast(t("staff.mod.needReason"), "error");
        return;
      }
      try {
        const done = await api.post(`/api/staff/posts/${kind}/${id}/author/suspension`, { days: Number(days.value), reason: reason.value.trim() });
        toast(done.already_suspended_until
          ? t("staff.mod.alreadySuspended", { already: dateTime(done.already_suspended_until), until: dateTime(done.until) })
          : t("staff.mod.suspended", { until: dateTime(done.until) }));
      } catch (error) {
        toast(explain(error), "error");
      }
    };
    return h("span", { class: "suspend" }, days, reason,
      h("button", { type: "button", class: "danger", disabled: !this.moderator, "data-role": "suspend", onclick: go }, t("staff.mod.suspend")));
  }

  _reasonLine(r) {
    const category = r.category ? ` · ${t(`staff.mod.category.${r.category}`)}` : "";
    return h("li", {}, h("span", {}, r.reason), h("span", { class: "muted small" }, `${category} · ${kindLabel(r.reporter.kind)} · ${dateTime(r.created_at)}`));
  }

  /** A report card, a proposal's or a comment's: `kind` and `id` the post, `base` its API path. */
  _reportCardOf(item, { kind, id, base, dismiss, head, body, hidden }) {
    const reason = this._reasonInput(t("staff.mod.action"), true);
    const act = async (path, label, needsReason) => {
      const text = reason.value.trim();
      if (needsReason && !text) {
        reason.focus();
        toast(t("staff.mod.needReason"), "error");
        return;
      }
      try {
        await api.post(path, text ? { reason: text } : {});
        toast(t("staff.mod.done", { action: label }));
        await this.loadReports();
      } catch (error) {
        toast(explain(error), "error");
      }
    };
    const disabled = !this.moderator;
    return h(
      "li",
      { class: "card report", dataset: { [kind]: id } },
      h("div", { class: "card-head" },
        ...head,
        h("span", { class: "badge count" }, t("staff.mod.reportCount", { n: item.count })),
        hidden ? h("span", { class: "badge hidden-badge" }, t("staff.mod.hidden")) : null),
      h("blockquote", { class: "body" }, body),
      h("ul", { class: "reasons" }, item.reasons.map((r) => this._reasonLine(r))),
      h("div", { class: "actions" },
        reason,
        hidden
          ? h("button", { type: "button", disabled, onclick: () => act(`${base}/restore`, t("staff.mod.restore"), false) }, t("staff.mod.restore"))
          : h("button", { type: "button", class: "danger", disabled, "data-role": `hide-${kind}`, onclick: () => act(`${base}/hide`, t("staff.mod.hideDone"), true) }, t("staff.mod.hide")),
        h("button", { type: "button", disabled, onclick: () => act(dismiss, t("staff.mod.dismiss"), true) }, t("staff.mod.dismiss")),
        disabled ? h("span", { class: "muted small" }, t("staff.mod.moderatorsOnly")) : null),
      h("div", { class: "actions" }, this._suspendControl(kind, id)),
    );
  }

  _reportCard(item) {
    if (item.kind === "thread") {
      const th = item.thread;
      return this._reportCardOf(item, {
        kind: "thread",
        id: th.id,
        base: `/api/threads/${th.id}`,
        dismiss: `/api/staff/reports/threads/${th.id}/dismiss`,
        head: [h("strong", {}, t("staff.mod.threadReported")), " ", h("a", { href: `/threads/${th.id}` }, truncate(th.title, 50))],
        body: truncate(th.body, 400),
        hidden: th.hidden,
      });
    }
    const c = item.comment;
    return this._reportCardOf(item, {
      kind: "comment",
      id: c.id,
      base: `/api/comments/${c.id}`,
      dismiss: `/api/staff/reports/${c.id}/dismiss`,
      head: [
        h("a", { href: `/threads/${item.thread.id}` }, truncate(item.thread.title, 50)),
        h("span", { class: "muted" }, ` · ${t("staff.commentRef", { id: String(c.id) })} · ${c.author.label}`),
      ],
      body: linked(c.body),
      hidden: c.hidden,
    });
  }

  _heldCard(item) {
    const reason = this._reasonInput(t("staff.mod.decision"), false);
    const act = async (action, label) => {
      const text = reason.value.trim();
      if (action === "reject" && !text) {
        reason.focus();
        toast(t("staff.mod.needRejectReason"), "error");
        return;
      }
      try {
        await api.post(`/api/staff/held/${item.id}/${action}`, text ? { reason: text } : {});
        toast(t("staff.mod.done", { action: label }));
        await this.loadHeld();
      } catch (error) {
        toast(explain(error), "error");
      }
    };
    const disabled = !this.moderator;
    return h(
      "li",
      { class: "card held", dataset: { held: item.id } },
      h("div", { class: "card-head" },
        h("a", { href: `/threads/${item.thread.id}` }, truncate(item.thread.title, 50)),
        h("span", { class: "muted" }, ` · ${actorText(item.author)} · ${dateTime(item.created_at)}`),
        h("span", { class: "badge count" }, item.words.join(", "))),
      h("blockquote", { class: "body" }, linked(item.body)),
      h("div", { class: "actions" },
        reason,
        h("button", { type: "button", class: "primary", disabled, onclick: () => act("release", t("staff.mod.release")) }, t("staff.mod.release")),
        h("button", { type: "button", class: "danger", disabled, onclick: () => act("reject", t("staff.mod.reject")) }, t("staff.mod.reject"))),
    );
  }

  async loadReveals() {
    const page = await api.get(`/api/staff/events${query({ type: "author.revealed", limit: 1000 })}`);
    replace($("#reveals"));
    for (const event of page.items.slice(-30)) this._addReveal(event);
  }

  _addReveal(event) {
    const list = $("#reveals");
    if (list.querySelector(`[data-id="${event.id}"]`)) return;
    list.prepend(
      h("li", { class: "ev attention", dataset: { id: event.id, type: event.type } },
        h("time", { class: "ev-time", datetime: event.created_at }, dateTime(event.created_at)),
        h("span", { class: "ev-actor" }, actorText(event.actor)),
        event.thread_id ? h("a", { class: "ev-thread", href: `/threads/${event.thread_id}` }, t("staff.threadRef", { id: String(event.thread_id) })) : null,
        h("span", { class: "ev-text" }, summary(event))),
    );
  }

  async reveal(form) {
    const kind = form.get("kind");
    const id = String(form.get("id")).trim();
    const reason = String(form.get("reason")).trim();
    try {
      // Unmasking asks for the second factor again when the last one is over 5 minutes old.
      const result = await withStepUp(() => api.get(`/api/admin/posts/${kind}/${encodeURIComponent(id)}/author${query({ reason })}`));
      const a = result.account;
      replace($("#reveal-result"),
        h("strong", {}, `${t(kind === "thread" ? "staff.threadRef" : "staff.commentRef", { id })}: `),
        `${a.login} (${kindLabel(a.kind)}${a.department ? `, ${a.department}` : ""})${t("staff.reveal.logged")}`);
    } catch (error) {
      replace($("#reveal-result"), h("span", { class: "error" }, explain(error)));
    }
  }
}
