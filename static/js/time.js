// @ts-check
// Relative times ("3분 전") in the text, the absolute time in KST in the title.

import { h } from "./dom.js";
import { lang, t } from "./i18n.js";

const SEOUL = "Asia/Seoul";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Past a month, "5개월 전" says less than the date itself.
const RELATIVE_LIMIT = 30 * DAY;

const cache = new Map();
function formatter(kind) {
  const key = `${lang()}:${kind}`;
  if (!cache.has(key)) {
    const locale = lang() === "ko" ? "ko-KR" : "en-GB";
    let fmt;
    if (kind === "relative") fmt = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
    else if (kind === "absolute")
      fmt = new Intl.DateTimeFormat(locale, { timeZone: SEOUL, dateStyle: "long", timeStyle: "short" });
    else fmt = new Intl.DateTimeFormat(locale, { timeZone: SEOUL, year: "numeric", month: "short", day: "numeric" });
    cache.set(key, fmt);
  }
  return cache.get(key);
}

export function absolute(iso) {
  return t("time.kst", { time: formatter("absolute").format(new Date(iso)) });
}

export function relative(iso, now = Date.now()) {
  const then = new Date(iso).getTime();
  const diff = then - now;
  const ago = -diff;
  if (ago < 45_000 && ago > -MINUTE) return t("time.justNow");
  if (ago >= RELATIVE_LIMIT) return formatter("date").format(new Date(iso));
  const rtf = formatter("relative");
  if (Math.abs(diff) < HOUR) return rtf.format(Math.round(diff / MINUTE), "minute");
  if (Math.abs(diff) < DAY) return rtf.format(Math.round(diff / HOUR), "hour");
  return rtf.format(Math.round(diff / DAY), "day");
}

/** A <time> element that keeps itself current (see refreshTimes). */
export function timeEl(iso, attrs = {}) {
  return h("time", { datetime: iso, title: absolute(iso), class: "reltime", ...attrs }, relative(iso));
}

export function refreshTimes(root = document) {
  const now = Date.now();
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll("time.reltime"))) {
    const iso = el.getAttribute("datetime");
    const text = relative(iso, now);
    if (el.textContent !== text) el.textContent = text;
    el.title = absolute(iso);
  }
}

let timer = null;
export function startClock() {
  if (timer === null) timer = setInterval(() => refreshTimes(), 30_000);
}
