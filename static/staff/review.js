// 기록 검토: the event log filtered by time, thread, type and actor kind; paged by keyset
// (`after_id`), never by offset; exported as CSV (opens in Excel) or JSON Lines.

import { explain } from "../js/errors.js";
import { api, query } from "../js/api.js";
import { $, h, replace, toast } from "../js/dom.js";
import { EVENT_LABELS, actorText, dateTime, eventLabel, summary, truncate } from "./format.js";

const PAGE = 100;

export class Review {
  async start() {
    const select = $("#review-type");
    replace(select, h("option", { value: "" }, "전체"),
      Object.entries(EVENT_LABELS).map(([type, label]) => h("option", { value: type }, `${label} (${type})`)));
    const form = $("#review-form");
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.search();
    });
    form.addEventListener("input", () => this._exportLinks());
    form.addEventListener("change", () => this._exportLinks());
    $("#review-more").addEventListener("click", () => this.more());
    this._exportLinks();
    await Promise.all([this.search(), this.loadSeal()]);
  }

  filters() {
    const form = new FormData($("#review-form"));
    const values = {};
    for (const key of ["from", "to", "thread_id", "type", "actor_kind"]) values[key] = String(form.get(key) || "").trim();
    // datetime-local has no zone; the API reads a time without one as KST, as staff mean it.
    return values;
  }

  _exportLinks() {
    const f = this.filters();
    // Korean headers and KST times: the file staff open in Excel reads like the screen.
    $("#export-csv").href = `/api/staff/events${query({ ...f, format: "csv", lang: "ko" })}`;
    $("#export-jsonl").href = `/api/staff/events${query({ ...f, format: "jsonl" })}`;
  }

  async search() {
    this.after = null;
    this.shown = 0;
    replace($("#review-table tbody"));
    await this.more();
  }

  async more() {
    try {
      const page = await api.get(`/api/staff/events${query({ ...this.filters(), after_id: this.after, limit: PAGE })}`);
      const body = $("#review-table tbody");
      for (const event of page.items) {
        body.append(
          h("tr", { dataset: { id: event.id } },
            h("td", { class: "num" }, event.id),
            h("td", { class: "nowrap" }, dateTime(event.created_at)),
            h("td", {}, eventLabel(event.type)),
            h("td", {}, event.thread_id ? h("a", { href: `/threads/${event.thread_id}` }, `#${event.thread_id}`) : "—"),
            h("td", { class: "nowrap" }, actorText(event.actor)),
            h("td", {}, truncate(summary(event), 100))),
        );
      }
      this.shown += page.items.length;
      this.after = page.next_after_id;
      $("#review-more").hidden = !page.next_after_id;
      $("#review-info").textContent = this.shown
        ? `${this.shown}건 표시${page.next_after_id ? " · 더 있음" : " · 끝"}`
        : "조건에 맞는 기록이 없습니다.";
    } catch (error) {
      toast(explain(error), "error");
    }
  }

  async loadSeal() {
    const seal = await api.get("/api/staff/seal");
    $("#seal-status").textContent = seal.sealed_through
      ? `변조 방지 봉인: 기록 #${seal.sealed_through}까지 해시 체인으로 봉인됨 (최신 #${seal.latest_event_id}) · ` +
        `체인 ${seal.chain_hash.slice(0, 16)}… · 검증: tong audit verify`
      : "변조 방지 봉인: 아직 봉인된 기록이 없습니다.";
  }
}
