// 기록 검토: the event log filtered by time, thread, type and actor kind; paged by keyset
// (`after_id`), never by offset; exported as CSV (opens in Excel) or JSON Lines.

import { explain } from "../js/errors.js";
import { api, query } from "../js/api.js";
import { $, h, replace, toast } from "../js/dom.js";
import { lang, t } from "../js/i18n.js";
import { EVENT_TYPES, actorText, dateTime, eventLabel, summary, truncate } from "./format.js";

const PAGE = 100;

export class Review {
  async start() {
    const select = $("#review-type");
    replace(select, h("option", { value: "" }, t("staff.all")),
      EVENT_TYPES.map((type) => h("option", { value: type }, `${eventLabel(type)} (${type})`)));
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
    $("#export-csv").href = `/api/staff/events${query({ ...f, format: "csv", lang: lang() })}`;
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
        ? t("staff.review.shown", { n: this.shown }) + t(page.next_after_id ? "staff.review.moreLeft" : "staff.review.end")
        : t("staff.review.none");
    } catch (error) {
      toast(explain(error), "error");
    }
  }

  async loadSeal() {
    const seal = await api.get("/api/staff/seal");
    $("#seal-status").textContent = seal.sealed_through
      ? t("staff.review.sealed", { through: String(seal.sealed_through), latest: String(seal.latest_event_id), hash: seal.chain_hash.slice(0, 16) })
      : t("staff.review.unsealed");
  }
}
