// Small SVG charts drawn by hand: a filled line over time buckets, with the peak labelled.

import { h } from "../js/dom.js";

const W = 320;
const H = 84;
const PAD_TOP = 14;
const PAD_BOTTOM = 16;

/** A chart of `values` (one per bucket, oldest first) starting at `fromMs`, `stepMs` apart. */
export function lineChart({ title, values, fromMs, stepMs, unit = "" }) {
  const max = Math.max(1, ...values);
  const n = Math.max(values.length, 2);
  const x = (i) => (i / (n - 1)) * W;
  const y = (v) => PAD_TOP + (1 - v / max) * (H - PAD_TOP - PAD_BOTTOM);
  const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  const area = `M0,${y(0)} L${points.join(" L")} L${x(values.length - 1).toFixed(1)},${y(0)} Z`;
  const total = values.reduce((a, b) => a + b, 0);
  const last = values.length ? values[values.length - 1] : 0;
  const label = (ms) =>
    new Intl.DateTimeFormat("ko-KR", { timeZone: "Asia/Seoul", hour: "2-digit", minute: "2-digit", hour12: false })
      .format(new Date(ms));
  const svg = h(
    "svg:svg",
    { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": `${title}: 합계 ${total}${unit}, 최고 ${max}` },
    h("svg:line", { x1: 0, x2: W, y1: y(0), y2: y(0), class: "axis" }),
    h("svg:line", { x1: 0, x2: W, y1: y(max), y2: y(max), class: "grid" }),
    values.length ? h("svg:path", { d: area, class: "area" }) : null,
    values.length ? h("svg:polyline", { points: points.join(" "), class: "line" }) : null,
    h("svg:text", { x: 2, y: 10, class: "tick" }, `최고 ${max}`),
    h("svg:text", { x: 2, y: H - 3, class: "tick" }, label(fromMs)),
    h("svg:text", { x: W - 2, y: H - 3, class: "tick end" }, label(fromMs + stepMs * (values.length - 1))),
  );
  return h(
    "figure",
    { class: "chart-box" },
    h("figcaption", {}, h("span", {}, title), h("strong", { class: "chart-now" }, `${last}${unit}`)),
    svg,
  );
}
