// 답변 시계: proposals waiting for an official answer, oldest first, against the target.

import { api } from "../js/api.js";
import { $, h, replace } from "../js/dom.js";
import { t } from "../js/i18n.js";
import { day, statusLabel, truncate } from "./format.js";
import { obligationSection, quarterChart, quarterTable } from "../js/record.js";

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
    $("#clock-target").textContent = t("staff.clock.summary", { target, total: clock.total, overdue: clock.overdue });
    const figure = (label, value, note, alert) =>
      h("div", { class: `figure${alert ? " alert" : ""}` },
        h("span", { class: "figure-label" }, label),
        h("strong", { class: "figure-value" }, value ?? "–"),
        note ? h("span", { class: "figure-note" }, note) : null);
    const share = stats.within_target_share === null ? "–" : `${Math.round(stats.within_target_share * 100)}%`;
    replace(
      $("#answer-figures"),
      figure(t("staff.clock.waiting"), clock.total, t("staff.clock.waitingNote")),
      figure(t("staff.clock.overdue"), clock.overdue, t("staff.clock.overdueNote", { n: target }), clock.overdue > 0),
      figure(t("staff.clock.median"), stats.median_days === null ? "–" : t("staff.clock.days", { n: stats.median_days }), t("staff.clock.medianNote", { n: stats.answered })),
      figure(t("staff.clock.recent", { n: stats.recent_days }), stats.median_days_recent === null ? "–" : t("staff.clock.days", { n: stats.median_days_recent }), t("staff.clock.recentNote")),
      figure(t("staff.clock.within"), share, t("staff.clock.withinNote", { n: target })),
    );
    // The same quarters, chart and table the public record page shows (one computation), and its
    // answer obligations.
    replace(
      $("#answer-quarters"),
      stats.quarters.length
        ? h("div", { class: "record-quarters" }, quarterChart(stats.quarters), quarterTable(stats.quarters))
        : h("p", { class: "muted" }, t("record.empty")),
      // Proposals that must be answered (v1.2): met on time, late, open, per quarter.
      obligationSection(stats),
    );
    const body = $("#clock tbody");
    if (!clock.items.length) {
      replace(body, h("tr", {}, h("td", { colspan: 5, class: "empty" }, t("staff.clock.empty"))));
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
            item.interim_answers ? h("span", { class: "muted small" }, t("staff.clock.interim", { n: item.interim_answers })) : null),
          h("td", {}, h("span", { class: `badge s-${item.status}` }, statusLabel(item.status))),
          h("td", {}, day(item.created_at)),
          h("td", { class: "age" }, t("staff.clock.days", { n: Number(item.age_days.toFixed(1)) }),
            item.overdue
              ? h("span", { class: "badge overdue-badge" }, t("staff.clock.over", { n: Math.ceil(-left) }))
              : h("span", { class: "muted small" }, t("staff.clock.left", { n: Math.max(0, Math.floor(left)) }))),
          h("td", { class: "bar-cell" },
            h("meter", {
              min: 0, max: target, low: target * 0.6, high: target * 0.85, optimum: 0,
              value: Math.min(item.age_days, target), title: `${item.age_days.toFixed(1)} / ${t("staff.clock.days", { n: target })}`,
              "aria-label": t("staff.col.target"),
            })),
        );
      }),
    );
  }
}
