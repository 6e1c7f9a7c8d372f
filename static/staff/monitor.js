// 현황: live figures, activity charts, hot threads and the live event stream.

import { api, query } from "../js/api.js";
import { $, h, replace } from "../js/dom.js";
import { t } from "../js/i18n.js";
import { lineChart } from "./charts.js";
import { ATTENTION, actorText, clock, eventLabel, summary, truncate } from "./format.js";

const STREAM_MAX = 300;
const PAUSED_MAX = 2000;
const RATE_WINDOW_MS = 60_000;
const ACTIVITY_REFRESH_MS = 60_000;

// Filter choices of the stream: a group of types, or one type.
export const STREAM_GROUPS = [
  ["", "staff.all"],
  ["comment.created,comment.edited", "staff.group.comments"],
  ["recommendation.added,recommendation.withdrawn", "staff.group.recommendations"],
  ["report.filed,report.dismissed,comment.hidden,comment.restored,comment.held,comment.released,comment.rejected,comment.withdrawn", "staff.group.moderation"],
  ["thread.created,thread.updated,answer.posted,answer.edited,thread.status_changed,thread.links_changed", "staff.group.threads"],
  ["author.revealed", "staff.group.reveals"],
  ["account.created,session.started", "staff.group.accounts"],
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
    replace(select, STREAM_GROUPS.map(([value, key]) => h("option", { value }, t(key))));
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
    button.textContent = this.paused ? t("staff.monitor.resume") : t("staff.monitor.pause");
    if (!this.paused) {
      for (const event of this.pending) this._addToStream(event);
      this.pending = [];
    }
    this._renderPaused();
  }

  _renderPaused() {
    const note = $("#stream-paused");
    note.hidden = !this.paused;
    note.textContent = t("staff.monitor.paused", { n: this.pending.length });
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
      figure("connections", t("staff.fig.connections"), s.connections, t("staff.fig.connectionsNote")),
      figure("comments", t("staff.fig.comments"), this._rate("comment.created"), t("staff.fig.lastHour", { n: s.comments_last_hour ?? "–" })),
      figure("recommendations", t("staff.fig.recommendations"), this._rate("recommendation.added"), t("staff.fig.lastHour", { n: s.recommendations_last_hour ?? "–" })),
      figure("proposals", t("staff.fig.proposals"), s.proposals_today, t("staff.fig.proposalsNote")),
      figure("waiting", t("staff.fig.waiting"), s.waiting_for_answer, t("staff.fig.waitingNote")),
      figure("reports", t("staff.fig.reports"), s.open_reports, t("staff.fig.reportsNote"), (s.open_reports || 0) > 0),
      figure("held", t("staff.fig.held"), this.heldCount, t("staff.fig.heldNote"), this.heldCount > 0),
    );
  }

  _renderHot() {
    const rows = (this.stats && this.stats.hot_threads) || [];
    const body = $("#hot tbody");
    if (!rows.length) {
      replace(body, h("tr", {}, h("td", { colspan: 3, class: "empty" }, t("staff.monitor.hotEmpty"))));
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
    const per = t("staff.chart.per", { n: a.bucket_seconds / 60 });
    replace(
      $("#charts"),
      lineChart({ title: `${t("staff.chart.comments")} (${per})`, values: a.series.comments, fromMs, stepMs }),
      lineChart({ title: `${t("staff.chart.recommendations")} (${per})`, values: a.series.recommendations, fromMs, stepMs }),
      lineChart({ title: `${t("staff.chart.threads")} (${per})`, values: a.series.threads, fromMs, stepMs }),
      lineChart({ title: t("staff.chart.connections"), values: a.connectionValues, fromMs, stepMs }),
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
    // Every row has the same cells in the same grid columns, so rows line up whatever they hold;
    // a cell cut short keeps its whole text in its title.
    const actor = actorText(event.actor);
    const item = h(
      "li",
      { class: `ev${ATTENTION.has(event.type) ? " attention" : ""}`, dataset: { id: event.id, type: event.type } },
      h("time", { datetime: event.created_at, class: "ev-time" }, clock(event.created_at)),
      h("span", { class: `ev-type t-${event.type.replace(".", "-")}`, title: eventLabel(event.type) }, eventLabel(event.type)),
      event.thread_id
        ? h("a", { class: "ev-thread", href: `/threads/${event.thread_id}` }, t("staff.threadRef", { id: String(event.thread_id) }))
        : h("span", { class: "ev-thread muted" }, "—"),
      h("span", { class: "ev-actor", title: actor }, actor),
      h("span", { class: "ev-text", title: text }, truncate(text, 140)),
      h("span", { class: "ev-id muted" }, `#${event.id}`),
    );
    item.hidden = !this._matches(event.type);
    // Newest first; rows paged in after a reconnect may be older than what is shown.
    const after = [...list.children].find((li) => Number(li.dataset.id) < event.id);
    list.insertBefore(item, after || null);
    while (list.children.length > STREAM_MAX) list.lastElementChild.remove();
  }
}

