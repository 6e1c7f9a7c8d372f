// @ts-check
// Charts of per-quarter figures, drawn as SVG (axes, ticks, labels, legend), each with the same
// numbers as a table beside it for screen readers and copying: the answer record (record.js), its
// answer obligations, and the quarterly report (quarter.js).

import { formatNumber, t } from "./i18n.js";
import { h } from "./dom.js";

/**
 * Grouped bars per quarter, one bar per series; the y axis has whole-number ticks from 0 to a round
 * maximum. `name(key)` is a series' label (legend and tooltips), `label` the chart's accessible name.
 * @param {Array<{quarter: string, [key: string]: any}>} rows
 * @param {string[]} series
 * @param {{name: (key: string) => string, label: string, axisY: string, role?: string}} text
 */
export function barChart(rows, series, text) {
  const width = 560;
  const height = 260;
  const left = 40;
  const right = 12;
  const top = 16;
  const bottom = 44;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const highest = Math.max(1, ...rows.map((q) => Math.max(...series.map((o) => q[o]))));
  const step = Math.max(1, Math.ceil(highest / 5));
  const yMax = step * Math.ceil(highest / step);
  const y = (v) => top + plotH - (v / yMax) * plotH;
  const group = plotW / Math.max(1, rows.length);
  const barW = Math.min(28, (group * 0.8) / series.length);
  const parts = [];
  for (let v = 0; v <= yMax; v += step) {
    parts.push(h("svg:line", { class: "grid", x1: left, x2: width - right, y1: y(v), y2: y(v) }));
    parts.push(h("svg:text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, formatNumber(v)));
  }
  rows.forEach((q, i) => {
    const start = left + i * group + (group - barW * series.length) / 2;
    series.forEach((o, j) => {
      const x = start + j * barW;
      parts.push(
        h(
          "svg:rect",
          { class: `bar bar-${o}`, x, y: y(q[o]), width: Math.max(1, barW - 2), height: Math.max(0, y(0) - y(q[o])), "data-quarter": q.quarter, "data-series": o },
          h("svg:title", null, `${q.quarter} ${text.name(o)} ${q[o]}`),
        ),
      );
    });
    parts.push(h("svg:text", { x: left + i * group + group / 2, y: height - bottom + 16, "text-anchor": "middle" }, q.quarter));
  });
  parts.push(h("svg:line", { class: "axis", x1: left, x2: left, y1: top, y2: y(0) }));
  parts.push(h("svg:line", { class: "axis", x1: left, x2: width - right, y1: y(0), y2: y(0) }));
  parts.push(h("svg:text", { x: left + plotW / 2, y: height - 6, "text-anchor": "middle", class: "axis-label" }, t("record.axisX")));
  parts.push(h("svg:text", { x: 12, y: top + plotH / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${top + plotH / 2})`, class: "axis-label" }, text.axisY));
  return h(
    "figure",
    { class: "record-chart" },
    h("svg:svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": text.label, "data-role": text.role || "record-chart" }, parts),
    h(
      "figcaption",
      { class: "record-legend" },
      series.map((o) => h("span", null, h("span", { class: `swatch swatch-${o}`, "aria-hidden": "true" }), text.name(o))),
    ),
  );
}

/**
 * The same numbers as a table: a row per quarter, a column per series, and a total.
 * @param {Array<{quarter: string, [key: string]: any}>} rows
 * @param {string[]} series
 * @param {{name: (key: string) => string, caption: string, role?: string, link?: (quarter: string) => string}} text
 */
export function dataTable(rows, series, text) {
  const total = (q) => series.reduce((sum, o) => sum + q[o], 0);
  return h(
    "table",
    { class: "record-table", "data-role": text.role || "record-table" },
    h("caption", null, text.caption),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, t("record.quarter")), series.map((o) => h("th", { scope: "col" }, text.name(o))), h("th", { scope: "col" }, t("record.total")))),
    h(
      "tbody",
      null,
      rows.map((q) =>
        h(
          "tr",
          { "data-quarter": q.quarter },
          h("th", { scope: "row" }, text.link ? h("a", { href: text.link(q.quarter) }, q.quarter) : q.quarter),
          series.map((o) => h("td", { "data-series": o, "data-outcome": o }, formatNumber(q[o]))),
          h("td", null, formatNumber(q.total ?? total(q))),
        ),
      ),
    ),
  );
}
