// @ts-check
// 답변 기록: the answer clock's public figures (GET /api/stats/answers, the same computation the
// staff dashboard shows), a bar chart of outcomes per quarter drawn as SVG here (axes, ticks,
// labels, legend), and the same numbers as a table beside it for screen readers and copying.

import { api } from "./api.js";
import { errorMessage } from "./composer.js";
import { formatNumber, t } from "./i18n.js";
import { h, replace } from "./dom.js";
import { timeEl } from "./time.js";

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

/** Grouped bars per quarter; the y axis has whole-number ticks from 0 to a round maximum. */
export function quarterChart(quarters) {
  const width = 560;
  const height = 260;
  const left = 40;
  const right = 12;
  const top = 16;
  const bottom = 44;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const highest = Math.max(1, ...quarters.map((q) => Math.max(...OUTCOMES.map((o) => q[o]))));
  const step = Math.max(1, Math.ceil(highest / 5));
  const yMax = step * Math.ceil(highest / step);
  const y = (v) => top + plotH - (v / yMax) * plotH;
  const group = plotW / Math.max(1, quarters.length);
  const barW = Math.min(28, (group * 0.8) / OUTCOMES.length);
  const parts = [];
  for (let v = 0; v <= yMax; v += step) {
    parts.push(h("svg:line", { class: "grid", x1: left, x2: width - right, y1: y(v), y2: y(v) }));
    parts.push(h("svg:text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, formatNumber(v)));
  }
  quarters.forEach((q, i) => {
    const start = left + i * group + (group - barW * OUTCOMES.length) / 2;
    OUTCOMES.forEach((o, j) => {
      const x = start + j * barW;
      parts.push(
        h(
          "svg:rect",
          { class: `bar bar-${o}`, x, y: y(q[o]), width: Math.max(1, barW - 2), height: Math.max(0, y(0) - y(q[o])), "data-quarter": q.quarter, "data-outcome": o },
          h("svg:title", null, `${q.quarter} ${t(`outcome.${o}`)} ${q[o]}`),
        ),
      );
    });
    parts.push(h("svg:text", { x: left + i * group + group / 2, y: height - bottom + 16, "text-anchor": "middle" }, q.quarter));
  });
  parts.push(h("svg:line", { class: "axis", x1: left, x2: left, y1: top, y2: y(0) }));
  parts.push(h("svg:line", { class: "axis", x1: left, x2: width - right, y1: y(0), y2: y(0) }));
  parts.push(h("svg:text", { x: left + plotW / 2, y: height - 6, "text-anchor": "middle", class: "axis-label" }, t("record.axisX")));
  parts.push(h("svg:text", { x: 12, y: top + plotH / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${top + plotH / 2})`, class: "axis-label" }, t("record.axisY")));
  return h(
    "figure",
    { class: "record-chart" },
    h("svg:svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": t("record.chartLabel"), "data-role": "record-chart" }, parts),
    h(
      "figcaption",
      { class: "record-legend" },
      OUTCOMES.map((o) => h("span", null, h("span", { class: `swatch swatch-${o}`, "aria-hidden": "true" }), t(`outcome.${o}`))),
    ),
  );
}

export function quarterTable(quarters) {
  return h(
    "table",
    { class: "record-table", "data-role": "record-table" },
    h("caption", null, t("record.tableCaption")),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, t("record.quarter")), OUTCOMES.map((o) => h("th", { scope: "col" }, t(`outcome.${o}`))), h("th", { scope: "col" }, t("record.total")))),
    h(
      "tbody",
      null,
      quarters.map((q) => h("tr", { "data-quarter": q.quarter }, h("th", { scope: "row" }, q.quarter), OUTCOMES.map((o) => h("td", { "data-outcome": o }, formatNumber(q[o]))), h("td", null, formatNumber(q.total)))),
    ),
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
