// 현황: live figures, activity charts, hot threads and the live event stream.

import { api, query } from "../js/api.js";
import { lineChart } from "./charts.js";
import { $, h, replace } from "../js/dom.js";
import { ATTENTION, EVENT_LABELS, actorText, clock, eventLabel, summary, truncate } from "./format.js";

const STREAM_MAX = 300;
const PAUSED_MAX = 2000;
const RATE_WINDOW_MS = 60_000;
const ACTIVITY_REFRESH_MS = 60_000;

// Filter choices of the stream: a group of types, or one type.
export const STREAM_GROUPS = [
  ["", "전체"],
  ["comment.created", "댓글"],
  ["recommendation.added,recommendation.withdrawn", "추천"],
  ["report.filed,report.dismissed,comment.hidden,comment.restored,comment.held,comment.released,comment.rejected", "신고·조치·보류"],
  ["thread.created,answer.posted,thread.status_changed,thread.links_changed", "글·답변·상태"],
  ["author.revealed", "작성자 확인"],
  ["account.created,session.started", "계정·로그인"],
];

export class Monitor {
  constructor() {
    this.stats = null;
    this.rates = { "comment.created": [], "recommendation.added": [] };
    this.paused = false;
    this.pending = [];
    this.filter = "";
    this.activity = null;
    this.heldCount = 0;
  }

  async start() {
    const select = $("#stream-filter");
    replace(select, STREAM_GROUPS.map(([value, label]) => h("option", { value }, label)));
    select.addEventListener("change", () => {
      this.filter = select.value;
      this._applyFilter();
    });
    $("#stream-pause").addEventListener("click", () => this.togglePause());
    $("#chart-hours").addEventListener("change", () => this.loadActivity());
    this._renderFigures();
    await Promise.all([this.loadStats(), this.loadActivity(), this.loadRecent(), this.loadRates()]);
    setInterval(() => this._renderFigures(), 2000);
    setInterval(() => this.loadActivity(), ACTIVITY_REFRESH_MS);
  }

  async loadStats() {
    this.onStats(await api.get("/api/staff/stats"));
  }

  async loadRecent() {
    const seal = await api.get("/api/staff/seal");
    const latest = seal.latest_event_id || 0;
    const page = await api.get(`/api/staff/events${query({ after_id: Math.max(0, latest - 100), limit: 100 })}`);
    for (const event of page.items) this._addToStream(event);
  }

  async loadRates() {
    const since = new Date(Date.now() - RATE_WINDOW_MS).toISOString();
    const page = await api.get(
      `/api/staff/events${query({ type: "comment.created,recommendation.added", from: since, limit: 1000 })}`,
    );
    for (const event of page.items) this.rates[event.type].push(Date.parse(event.created_at));
    this._renderFigures();
  }

  async loadActivity() {
    const hours = Number($("#chart-hours").value);
    this.activity = await api.get(`/api/staff/activity${query({ hours })}`);
    this.activity.connectionValues = this._connectionBuckets();
    this._renderCharts();
  }

  /** Every event-log row as it commits (and the rows paged after a reconnect). */
  onEvent(event) {
    if (this.rates[event.type]) this.rates[event.type].push(Date.parse(event.created_at) || Date.now());
    this._bumpActivity(event);
    if (this.paused) {
      this.pending.push(event);
      if (this.pending.length > PAUSED_MAX) this.pending.shift();
      this._renderPaused();
    } else {
      this._addToStream(event);
    }
    this._renderFigures();
  }

  onStats(stats) {
    this.stats = stats;
    if (this.activity) {
      const values = this.activity.connectionValues;
      if (values && values.length) values[values.length - 1] = Math.max(values[values.length - 1], stats.connections);
      this._renderCharts();
    }
    this._renderFigures();
    this._renderHot();
  }

  setHeldCount(n) {
    this.heldCount = n;
    this._renderFigures();
  }

  togglePause() {
    this.paused = !this.paused;
    const button = $("#stream-pause");
    button.setAttribute("aria-pressed", String(this.paused));
    button.textContent = this.paused ? "다시 보기" : "일시 정지";
    if (!this.paused) {
      for (const event of this.pending) this._addToStream(event);
      this.pending = [];
    }
    this._renderPaused();
  }

  _renderPaused() {
    const note = $("#stream-paused");
    note.hidden = !this.paused;
    note.textContent = `일시 정지됨 · 새 기록 ${this.pending.length}건이 기다리고 있습니다.`;
  }

  _rate(type) {
    const cutoff = Date.now() - RATE_WINDOW_MS;
    const stamps = this.rates[type].filter((t) => t >= cutoff);
    this.rates[type] = stamps;
    return stamps.length;
  }

  _renderFigures() {
    const s = this.stats || {};
    const figure = (key, label, value, note, alert) =>
      h("div", { class: `figure${alert ? " alert" : ""}`, dataset: { figure: key } },
        h("span", { class: "figure-label" }, label),
        h("strong", { class: "figure-value" }, value ?? "–"),
        note ? h("span", { class: "figure-note" }, note) : null);
    replace(
      $("#figures"),
      figure("connections", "접속 중", s.connections, "실시간 연결"),
      figure("comments", "분당 댓글", this._rate("comment.created"), `최근 1시간 ${s.comments_last_hour ?? "–"}건`),
      figure("recommendations", "분당 추천", this._rate("recommendation.added"), `최근 1시간 ${s.recommendations_last_hour ?? "–"}건`),
      figure("proposals", "오늘 새 제안", s.proposals_today, "KST 0시부터"),
      figure("waiting", "답변 대기", s.waiting_for_answer, "공식 답변 전 제안"),
      figure("reports", "처리할 신고", s.open_reports, "신고된 댓글", (s.open_reports || 0) > 0),
      figure("held", "보류 댓글", this.heldCount, "담당자 확인 대기", this.heldCount > 0),
    );
  }

  _renderHot() {
    const rows = (this.stats && this.stats.hot_threads) || [];
    const body = $("#hot tbody");
    if (!rows.length) {
      replace(body, h("tr", {}, h("td", { colspan: 3, class: "empty" }, "최근 1시간 동안 활동한 글이 없습니다.")));
      return;
    }
    replace(
      body,
      rows.map((t) =>
        h("tr", {},
          h("td", {}, h("a", { href: `/threads/${t.id}` }, truncate(t.title, 60))),
          h("td", { class: "num" }, t.watchers),
          h("td", { class: "num" }, t.comments))),
    );
  }

  _connectionBuckets() {
    const a = this.activity;
    const n = a.series.comments.length;
    const from = Date.parse(a.from);
    const step = a.bucket_seconds * 1000;
    const values = new Array(n).fill(0);
    for (const [at, count] of a.connections) {
      const i = Math.floor((Date.parse(at) - from) / step);
      if (i >= 0 && i < n) values[i] = Math.max(values[i], count);
    }
    if (this.stats && n) values[n - 1] = Math.max(values[n - 1], this.stats.connections);
    return values;
  }

  _bumpActivity(event) {
    const a = this.activity;
    if (!a) return;
    const name = {
      "comment.created": "comments",
      "recommendation.added": "recommendations",
      "thread.created": "threads",
      "report.filed": "reports",
    }[event.type];
    if (!name) return;
    const step = a.bucket_seconds * 1000;
    const bucketOf = (ms) => Math.floor((ms - Date.parse(a.from)) / step);
    const at = Date.parse(event.created_at);
    const series = a.series[name];
    const shift = bucketOf(at) - series.length + 1;
    if (shift > 0) {
      // A new bucket began since the last load: move every series left by the difference.
      for (const values of [...Object.values(a.series), a.connectionValues]) {
        values.splice(0, shift);
        for (let i = 0; i < shift; i++) values.push(0);
      }
      a.from = new Date(Date.parse(a.from) + shift * step).toISOString();
    }
    const index = bucketOf(at);
    if (index < 0 || index >= series.length) return;
    series[index] += 1;
    this._renderCharts();
  }

  _renderCharts() {
    const a = this.activity;
    if (!a) return;
    const fromMs = Date.parse(a.from);
    const stepMs = a.bucket_seconds * 1000;
    const per = `${a.bucket_seconds / 60}분당`;
    replace(
      $("#charts"),
      lineChart({ title: `댓글 (${per})`, values: a.series.comments, fromMs, stepMs }),
      lineChart({ title: `추천 (${per})`, values: a.series.recommendations, fromMs, stepMs }),
      lineChart({ title: `새 글 (${per})`, values: a.series.threads, fromMs, stepMs }),
      lineChart({ title: "접속 (최대)", values: a.connectionValues, fromMs, stepMs }),
    );
  }

  _matches(type) {
    return !this.filter || this.filter.split(",").includes(type);
  }

  _applyFilter() {
    for (const item of $("#stream").children) item.hidden = !this._matches(item.dataset.type);
  }

  _addToStream(event) {
    const list = $("#stream");
    if (list.querySelector(`[data-id="${event.id}"]`)) return;
    const text = summary(event);
    const item = h(
      "li",
      { class: `ev${ATTENTION.has(event.type) ? " attention" : ""}`, dataset: { id: event.id, type: event.type } },
      h("time", { datetime: event.created_at, class: "ev-time" }, clock(event.created_at)),
      h("span", { class: `ev-type t-${event.type.replace(".", "-")}` }, eventLabel(event.type)),
      event.thread_id
        ? h("a", { class: "ev-thread", href: `/threads/${event.thread_id}` }, `글 #${event.thread_id}`)
        : h("span", { class: "ev-thread muted" }, "—"),
      h("span", { class: "ev-actor" }, actorText(event.actor)),
      h("span", { class: "ev-text" }, truncate(text, 140)),
      h("span", { class: "ev-id muted" }, `#${event.id}`),
    );
    item.hidden = !this._matches(event.type);
    // Newest first; rows paged in after a reconnect may be older than what is shown.
    const after = [...list.children].find((li) => Number(li.dataset.id) < event.id);
    list.insertBefore(item, after || null);
    while (list.children.length > STREAM_MAX) list.lastElementChild.remove();
  }
}

export const KNOWN_TYPES = Object.keys(EVENT_LABELS);
