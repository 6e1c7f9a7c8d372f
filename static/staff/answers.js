// 답변 시계: proposals waiting for an official answer, oldest first, against the target.

import { api } from "../js/api.js";
import { $, h, replace } from "../js/dom.js";
import { day, statusLabel, truncate } from "./format.js";

const REFRESH_MS = 60_000;

export class AnswerClock {
  async start() {
    $("#clock-refresh").addEventListener("click", () => this.load());
    await this.load();
    setInterval(() => this.load(), REFRESH_MS);
  }

  /** Events that change what waits: reload soon, once for a burst. */
  onEvent(event) {
    if (!["answer.posted", "thread.status_changed", "thread.created"].includes(event.type)) return;
    clearTimeout(this._soon);
    this._soon = setTimeout(() => this.load(), 500);
  }

  async load() {
    const [clock, stats] = await Promise.all([api.get("/api/staff/answer-clock"), api.get("/api/stats/answers")]);
    this.render(clock, stats);
  }

  render(clock, stats) {
    const target = clock.target_days;
    $("#clock-target").textContent = `목표 ${target}일 · 대기 ${clock.total}건 · 기한 초과 ${clock.overdue}건`;
    const figure = (label, value, note, alert) =>
      h("div", { class: `figure${alert ? " alert" : ""}` },
        h("span", { class: "figure-label" }, label),
        h("strong", { class: "figure-value" }, value ?? "–"),
        note ? h("span", { class: "figure-note" }, note) : null);
    const share = stats.within_target_share === null ? "–" : `${Math.round(stats.within_target_share * 100)}%`;
    replace(
      $("#answer-figures"),
      figure("답변 대기", clock.total, "공식 답변 전 제안"),
      figure("기한 초과", clock.overdue, `접수 후 ${target}일 넘음`, clock.overdue > 0),
      figure("답변까지 중앙값", stats.median_days === null ? "–" : `${stats.median_days}일`, `답변 ${stats.answered}건 기준 (공개)`),
      figure(`최근 ${stats.recent_days}일 중앙값`, stats.median_days_recent === null ? "–" : `${stats.median_days_recent}일`, "공개 게시판에 표시"),
      figure("목표 안에 답변", share, `${target}일 이내`),
    );
    const body = $("#clock tbody");
    if (!clock.items.length) {
      replace(body, h("tr", {}, h("td", { colspan: 5, class: "empty" }, "답변을 기다리는 제안이 없습니다.")));
      return;
    }
    replace(
      body,
      clock.items.map((item) => {
        const left = target - item.age_days;
        return h(
          "tr",
          { class: item.overdue ? "overdue" : left <= 3 ? "soon" : "", dataset: { id: item.id } },
          h("td", {}, h("a", { href: `/threads/${item.id}` }, truncate(item.title, 70)),
            item.interim_answers ? h("span", { class: "muted small" }, ` · 중간 답변 ${item.interim_answers}`) : null),
          h("td", {}, h("span", { class: `badge s-${item.status}` }, statusLabel(item.status))),
          h("td", {}, day(item.created_at)),
          h("td", { class: "age" }, `${item.age_days.toFixed(1)}일`,
            item.overdue
              ? h("span", { class: "badge overdue-badge" }, `${Math.ceil(-left)}일 초과`)
              : h("span", { class: "muted small" }, ` (${Math.max(0, Math.floor(left))}일 남음)`)),
          h("td", { class: "bar-cell" },
            h("meter", {
              min: 0, max: target, low: target * 0.6, high: target * 0.85, optimum: 0,
              value: Math.min(item.age_days, target), title: `${item.age_days.toFixed(1)} / ${target}일`,
            })),
        );
      }),
    );
  }
}
