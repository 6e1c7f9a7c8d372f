// @ts-check
// 답변 기록: the answer clock's public figures (GET /api/stats/answers, the same computation the
// staff dashboard shows), a bar chart of outcomes per quarter drawn as SVG here (axes, ticks,
// labels, legend), and the same numbers as a table beside it for screen readers and copying.

import { api } from "./api.js";
import { errorMessage } from "./composer.js";
import { formatNumber, t } from "./i18n.js";
import { h, replace } from "./dom.js";
import { timeEl } from "./time.js";
import { barChart, dataTable } from "./charts.js";
import { OBLIGATION_KINDS, obligationName } from "./obligation.js";
import { currentQuarter } from "./quarter.js";

const OUTCOMES = ["accepted", "partially_accepted", "declined"];

export function days(value) {
  return value === null || value === undefined ? t("record.none") : t("record.days", { n: formatNumber(value) });
}

export function share(value) {
  return value === null || value === undefined ? t("record.none") : `${Math.round(value * 100)}%`;
}

/** The board's one-line figure: median days and the share within the target, linking here. */
export function recordLine(stats) {
  return h(
    "p",
    { class: "board-record", "data-role": "board-record" },
    h("span", null, t("record.header", { median: days(stats.median_days_recent ?? stats.median_days), share: share(stats.within_target_share) })),
    h("a", { href: "/record" }, t("record.headerLink")),
  );
}

function figure(role, label, value, note) {
  return h("div", { class: "record-figure", "data-role": role }, h("dt", null, label), h("dd", null, value, note ? h("span", { class: "note" }, note) : null));
}

const outcomeName = (o) => t(`outcome.${o}`);

/** Grouped bars per quarter of the final answers' outcomes. */
export function quarterChart(quarters) {
  return barChart(quarters, OUTCOMES, { name: outcomeName, label: t("record.chartLabel"), axisY: t("record.axisY") });
}

export function quarterTable(quarters) {
  return dataTable(quarters, OUTCOMES, { name: outcomeName, caption: t("record.tableCaption"), link: (q) => `/record/${q}` });
}

/** Answer obligations (v1.2): the totals, then per quarter of the due date as a chart and a table. */
export function obligationSection(stats) {
  const totals = stats.obligations || { met: 0, late: 0, open: 0 };
  const rows = stats.obligation_quarters || [];
  return h(
    "section",
    { class: "record-obligations", "data-role": "record-obligations", "aria-labelledby": "obligations-title" },
    h("h2", { id: "obligations-title" }, t("obligation.title")),
    stats.obligation_threshold
      ? h("p", { class: "muted" }, t("obligation.intro", { n: stats.obligation_threshold, days: stats.target_days }))
      : h("p", { class: "muted" }, t("obligation.off")),
    h(
      "dl",
      { class: "record-figures" },
      figure("obligations-met", obligationName("met"), formatNumber(totals.met), null),
      figure("obligations-late", obligationName("late"), formatNumber(totals.late), null),
      figure("obligations-open", obligationName("open"), formatNumber(totals.open), totals.overdue ? t("obligation.overdueNote", { n: totals.overdue }) : null),
    ),
    rows.length
      ? h(
          "div",
          { class: "record-quarters" },
          barChart(rows, OBLIGATION_KINDS, { name: obligationName, label: t("obligation.chartLabel"), axisY: t("obligation.axisY"), role: "obligation-chart" }),
          dataTable(rows, OBLIGATION_KINDS, { name: obligationName, caption: t("obligation.tableCaption"), role: "obligation-table" }),
        )
      : h("p", { class: "muted" }, t("obligation.empty")),
  );
}

export function mountRecord(root) {
  const body = h("div", { class: "record-body", "aria-busy": "true" }, h("p", { class: "muted" }, t("board.loading")));
  replace(
    root,
    h("div", { class: "record" }, h("section", { class: "board-hero" }, h("div", null, h("h1", null, t("record.title")), h("p", { class: "lede" }, t("record.intro")))), body),
  );
  document.title = `${t("record.title")} · ${t("app.name")}`;

  async function load() {
    try {
      const stats = await api.get("/api/stats/answers");
      const n = stats.target_days;
      replace(
        body,
        h(
          "dl",
          { class: "record-figures" },
          figure("median", t("record.median", { n: stats.recent_days }), days(stats.median_days_recent), t("record.medianAll", { v: days(stats.median_days) })),
          figure("within", t("record.within", { n }), share(stats.within_target_share), t("record.withinNote", { n: stats.answered })),
          figure("overdue", t("record.overdue", { n }), formatNumber(stats.overdue), t("record.overdueNote", { n: stats.waiting })),
        ),
        h("h2", null, t("record.quarters")),
        stats.quarters.length
          ? h("div", { class: "record-quarters" }, quarterChart(stats.quarters), quarterTable(stats.quarters))
          : h("p", { class: "muted" }, t("record.empty")),
        obligationSection(stats),
        h("p", { "data-role": "quarter-report-link" }, h("a", { href: `/record/${currentQuarter()}` }, t("quarter.link"))),
        h("p", { class: "muted small" }, t("record.updated"), " ", timeEl(stats.generated_at)),
      );
    } catch (err) {
      replace(body, h("p", { class: "form-error", role: "alert" }, errorMessage(err, "error.generic")));
    } finally {
      body.setAttribute("aria-busy", "false");
    }
  }
  return { ready: load(), unmount() {} };
}
