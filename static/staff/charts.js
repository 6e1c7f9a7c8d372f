// Small SVG line charts drawn by hand: a filled line over time buckets with a labelled y axis
// (0, half, peak), time labels on the x axis, a tooltip on every point, and the same numbers as a
// table for screen readers (the drawing itself is hidden from them).

import { h } from "../js/dom.js";
import { formatNumber, t } from "../js/i18n.js";
import { hourMinute } from "./format.js";

const W = 320;
const H = 112;
const LEFT = 26; // room for the y labels
const RIGHT = 6;
const TOP = 8;
const BOTTOM = 18; // room for the x labels

/** A chart of `values` (one per bucket, oldest first) starting at `fromMs`, `stepMs` apart. */
export function lineChart({ title, values, fromMs, stepMs }) {
  const max = Math.max(1, ...values);
  const n = Math.max(values.length, 2);
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const x = (i) => LEFT + (i / (n - 1)) * plotW;
  const y = (v) => TOP + (1 - v / max) * plotH;
  const at = (i) => fromMs + stepMs * i;
  const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  const area = `M${x(0)},${y(0)} L${points.join(" L")} L${x(values.length - 1).toFixed(1)},${y(0)} Z`;
  const total = values.reduce((a, b) => a + b, 0);
  const last = values.length ? values[values.length - 1] : 0;
  const ticks = [...new Set([0, Math.round(max / 2), max])];
  const xTicks = values.length > 2 ? [0, Math.floor((values.length - 1) / 2), values.length - 1] : [0, values.length - 1];
  const svg = h(
    "svg:svg",
    { viewBox: `0 0 ${W} ${H}`, class: "chart", "aria-hidden": "true", focusable: "false" },
    ticks.map((v) => [
      h("svg:line", { x1: LEFT, x2: W - RIGHT, y1: y(v), y2: y(v), class: v === 0 ? "axis" : "grid" }),
      h("svg:text", { x: LEFT - 4, y: y(v) + 3, class: "tick y" }, formatNumber(v)),
    ]),
    h("svg:line", { x1: LEFT, x2: LEFT, y1: TOP, y2: y(0), class: "axis" }),
    xTicks.map((i) => h("svg:text", { x: x(i), y: H - 4, class: `tick x${i === 0 ? " start" : i === values.length - 1 ? " end" : ""}` }, hourMinute(at(i)))),
    values.length ? h("svg:path", { d: area, class: "area" }) : null,
    values.length ? h("svg:polyline", { points: points.join(" "), class: "line" }) : null,
    // A wide invisible target per point carries its tooltip (the browser shows <title> on hover).
    values.map((v, i) =>
      h(
        "svg:circle",
        { cx: x(i), cy: y(v), r: 4, class: v === max && v > 0 ? "point peak" : "point" },
        h("svg:title", null, t("staff.chart.point", { time: hourMinute(at(i)), value: formatNumber(v) })),
      ),
    ),
  );
  const table = h(
    "table",
    { class: "sr-only" },
    h("caption", null, title),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, t("staff.chart.time")), h("th", { scope: "col" }, t("staff.chart.value")))),
    h("tbody", null, values.map((v, i) => h("tr", null, h("td", null, hourMinute(at(i))), h("td", null, formatNumber(v))))),
  );
  return h(
    "figure",
    { class: "chart-box" },
    h(
      "figcaption",
      { title: t("staff.chart.summary", { title, total, max, now: last }) },
      h("span", {}, title),
      h("strong", { class: "chart-now" }, formatNumber(last)),
    ),
    svg,
    table,
  );
}
