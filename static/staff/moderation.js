// 신고·보류: the reports queue (hide / restore / dismiss, each with a reason), held comments
// (release / reject) and author reveals (admins only, with a reason, always in the log).

import { explain } from "../js/errors.js";
import { api, query } from "../js/api.js";
import { $, h, replace, toast } from "../js/dom.js";
import { actorText, dateTime, kindLabel, summary, truncate } from "./format.js";

const RELOAD_ON = new Set([
  "report.filed", "report.dismissed", "comment.hidden", "comment.restored",
  "comment.held", "comment.released", "comment.rejected",
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
    $("#reports-count").textContent = `${data.items.length}건`;
    const list = $("#reports");
    if (!data.items.length) {
      replace(list, h("li", { class: "empty" }, "처리할 신고가 없습니다."));
    } else {
      replace(list, data.items.map((item) => this._reportCard(item)));
    }
    this._counts();
  }

  async loadHeld() {
    const data = await api.get("/api/staff/held");
    this.heldCount = data.items.length;
    const p = data.policy;
    const days = ["월", "화", "수", "목", "금", "토", "일"];
    $("#held-policy").textContent = p.enabled
      ? `사전 검토 켜짐: 근무 시간(${p.office_days.length ? `${p.office_days.map((d) => days[d]).join("")} ` : "근무일 없음, "}${p.office_hours} KST) 밖에는 ` +
        `지정 단어(${p.words.join(", ") || "없음"})가 든 댓글이 여기서 기다립니다. 지금은 ${p.in_office_hours ? "근무 시간" : "근무 시간 외"}입니다.`
      : "사전 검토는 꺼져 있습니다 (TONG_HOLD_ENABLED).";
    $("#held-count").textContent = `${data.items.length}건`;
    const list = $("#held");
    if (!data.items.length) {
      replace(list, h("li", { class: "empty" }, "보류된 댓글이 없습니다."));
    } else {
      replace(list, data.items.map((item) => this._heldCard(item)));
    }
    this._counts();
  }

  _counts() {
    if (this.onCounts) this.onCounts({ reports: this.reportCount || 0, held: this.heldCount || 0 });
  }

  _reasonInput(label, required) {
    return h("input", {
      class: "reason", placeholder: required ? `${label} 사유 (필수)` : `${label} 사유`,
      "aria-label": `${label} 사유`, maxlength: 1000,
    });
  }

  _reportCard(item) {
    const c = item.comment;
    const reason = this._reasonInput("조치", true);
    const act = async (path, label, needsReason) => {
      const text = reason.value.trim();
      if (needsReason && !text) {
        reason.focus();
        toast("사유를 적어 주세요.", "error");
        return;
      }
      try {
        await api.post(path, text ? { reason: text } : {});
        toast(`${label} 처리했습니다.`);
        await this.loadReports();
      } catch (error) {
        toast(explain(error), "error");
      }
    };
    const disabled = !this.moderator;
    return h(
      "li",
      { class: "card report", dataset: { comment: c.id } },
      h("div", { class: "card-head" },
        h("a", { href: `/threads/${item.thread.id}` }, truncate(item.thread.title, 50)),
        h("span", { class: "muted" }, ` · 댓글 #${c.id} · ${c.author.label}`),
        h("span", { class: "badge count" }, `신고 ${item.count}건`),
        c.hidden ? h("span", { class: "badge hidden-badge" }, "숨김") : null),
      h("blockquote", { class: "body" }, c.body),
      h("ul", { class: "reasons" },
        item.reasons.map((r) =>
          h("li", {}, h("span", {}, r.reason), h("span", { class: "muted small" }, ` · ${kindLabel(r.reporter.kind)} · ${dateTime(r.created_at)}`)))),
      h("div", { class: "actions" },
        reason,
        c.hidden
          ? h("button", { type: "button", disabled, onclick: () => act(`/api/comments/${c.id}/restore`, "복원", false) }, "복원")
          : h("button", { type: "button", class: "danger", disabled, onclick: () => act(`/api/comments/${c.id}/hide`, "숨김", true) }, "숨기기"),
        h("button", { type: "button", disabled, onclick: () => act(`/api/staff/reports/${c.id}/dismiss`, "기각", true) }, "기각"),
        disabled ? h("span", { class: "muted small" }, "조치는 모더레이터만 할 수 있습니다.") : null),
    );
  }

  _heldCard(item) {
    const reason = this._reasonInput("결정", false);
    const act = async (action, label) => {
      const text = reason.value.trim();
      if (action === "reject" && !text) {
        reason.focus();
        toast("거절 사유를 적어 주세요.", "error");
        return;
      }
      try {
        await api.post(`/api/staff/held/${item.id}/${action}`, text ? { reason: text } : {});
        toast(`${label}했습니다.`);
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
      h("blockquote", { class: "body" }, item.body),
      h("div", { class: "actions" },
        reason,
        h("button", { type: "button", class: "primary", disabled, onclick: () => act("release", "게시") }, "게시"),
        h("button", { type: "button", class: "danger", disabled, onclick: () => act("reject", "거절") }, "거절")),
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
        event.thread_id ? h("a", { class: "ev-thread", href: `/threads/${event.thread_id}` }, `글 #${event.thread_id}`) : null,
        h("span", { class: "ev-text" }, summary(event))),
    );
  }

  async reveal(form) {
    const kind = form.get("kind");
    const id = String(form.get("id")).trim();
    const reason = String(form.get("reason")).trim();
    try {
      const result = await api.get(`/api/admin/posts/${kind}/${encodeURIComponent(id)}/author${query({ reason })}`);
      const a = result.account;
      replace($("#reveal-result"),
        h("strong", {}, `${kind === "thread" ? "글" : "댓글"} #${id}: `),
        `${a.login} (${kindLabel(a.kind)}${a.department ? `, ${a.department}` : ""}) — 이 확인은 기록에 남았습니다.`);
    } catch (error) {
      replace($("#reveal-result"), h("span", { class: "error" }, explain(error)));
    }
  }
}
