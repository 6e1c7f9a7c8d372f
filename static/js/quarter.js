// @ts-check
// 분기 보고서: one KST quarter of the board in figures (GET /api/stats/quarters/{yyyy}-Q{n}):
// proposals received and answered, outcomes, the median days to a final answer, answer
// obligations met, and the change threads posted ("이렇게 바꾸었습니다"), each chart with the same
// numbers as a table, and the whole report as CSV.

import { api } from "./api.js";
import { barChart, dataTable } from "./charts.js";
import { errorMessage } from "./composer.js";
import { h, replace } from "./dom.js";
import { addStrings, formatNumber, lang, t } from "./i18n.js";
import { OBLIGATION_KINDS, obligationName } from "./obligation.js";
import { timeEl } from "./time.js";

addStrings({
  ko: {
    "quarter.link": "분기 보고서 보기",
    "quarter.title": "{year}년 {n}분기 보고서",
    "quarter.intro": "{from}부터 {to}까지 접수된 제안, 최종 답변과 그 결과, 답변 의무 이행, 그리고 '이렇게 바꾸었습니다' 글입니다.",
    "quarter.running": "진행 중인 분기입니다. 수치는 분기가 끝날 때까지 바뀝니다.",
    "quarter.previous": "이전 분기",
    "quarter.next": "다음 분기",
    "quarter.csv": "CSV 내려받기",
    "quarter.record": "답변 기록으로",
    "quarter.received": "접수된 제안",
    "quarter.withdrawnNote": "그중 철회 {n}건",
    "quarter.answered": "최종 답변",
    "quarter.median": "최종 답변까지 (중앙값)",
    "quarter.withinNote": "목표({days}일) 안 {n}건",
    "quarter.obligationsMet": "답변 의무 기한 내 이행",
    "quarter.obligationsNote": "기한이 이 분기인 {n}건 중",
    "quarter.outcomes": "최종 답변 결과",
    "quarter.outcomesChart": "이 분기 최종 답변 결과 막대그래프: 반영, 부분반영, 불채택 건수",
    "quarter.outcomesTable": "이 분기 최종 답변 결과 (표)",
    "quarter.obligations": "답변 의무",
    "quarter.obligationsChart": "기한이 이 분기인 답변 의무 막대그래프: 기한 내, 기한 후, 대기 건수",
    "quarter.obligationsTable": "기한이 이 분기인 답변 의무 (표)",
    "quarter.changes": "이렇게 바꾸었습니다",
    "quarter.changesIntro": "이 분기에 올라온 변경 안내 글 {n}개",
    "quarter.changesNone": "이 분기에 올라온 '이렇게 바꾸었습니다' 글이 없습니다.",
    "quarter.linked": "관련 제안 {n}건",
    "quarter.hidden": "(가려진 글)",
  },
  en: {
    "quarter.link": "See the quarterly report",
    "quarter.title": "Quarterly report, {year} Q{n}",
    "quarter.intro": "Proposals received from {from} to {to}, final answers and their outcomes, answer obligations met, and the change threads posted.",
    "quarter.running": "This quarter is still running: the figures change until it ends.",
    "quarter.previous": "Previous quarter",
    "quarter.next": "Next quarter",
    "quarter.csv": "Download CSV",
    "quarter.record": "Back to the answer record",
    "quarter.received": "Proposals received",
    "quarter.withdrawnNote": { one: "{n} withdrawn since", other: "{n} withdrawn since" },
    "quarter.answered": "Final answers",
    "quarter.median": "Median time to a final answer",
    "quarter.withinNote": "{n} within the target ({days} days)",
    "quarter.obligationsMet": "Obligations met on time",
    "quarter.obligationsNote": { one: "of {n} falling due this quarter", other: "of {n} falling due this quarter" },
    "quarter.outcomes": "Outcomes of the final answers",
    "quarter.outcomesChart": "Bar chart of this quarter's outcomes: accepted, partially accepted, declined",
    "quarter.outcomesTable": "This quarter's outcomes (table)",
    "quarter.obligations": "Answer obligations",
    "quarter.obligationsChart": "Bar chart of the obligations falling due this quarter: on time, late, waiting",
    "quarter.obligationsTable": "Obligations falling due this quarter (table)",
    "quarter.changes": "What we changed",
    "quarter.changesIntro": { one: "{n} change thread posted this quarter", other: "{n} change threads posted this quarter" },
    "quarter.changesNone": "No change thread was posted this quarter.",
    "quarter.linked": { one: "{n} proposal", other: "{n} proposals" },
    "quarter.hidden": "(hidden)",
  },
});

const OUTCOMES = ["accepted", "partially_accepted", "declined"];

/** The KST quarter of a moment: "2026-Q4". */
export function currentQuarter(now = Date.now()) {
  const kst = new Date(now + 9 * 3600 * 1000);
  return `${kst.getUTCFullYear()}-Q${Math.floor(kst.getUTCMonth() / 3) + 1}`;
}

/** @param {string} quarter */
function titleOf(quarter) {
  const [year, n] = quarter.split("-Q");
  return t("quarter.title", { year, n });
}

/** "2026-10-01" as the reader's language writes a date. */
function day(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Intl.DateTimeFormat(lang() === "ko" ? "ko-KR" : "en-GB", { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

function figure(role, label, value, note) {
  return h("div", { class: "record-figure", "data-role": role }, h("dt", null, label), h("dd", null, value, note ? h("span", { class: "note" }, note) : null));
}

function days(value) {
  return value === null || value === undefined ? t("record.none") : t("record.days", { n: formatNumber(value) });
}

/** @param {any} report */
export function quarterBody(report) {
  const ob = report.obligations;
  const falling = ob.met + ob.late + ob.open;
  const row = { quarter: report.quarter, ...report.outcomes, ...ob };
  return [
    report.complete ? null : h("p", { class: "notice", "data-role": "quarter-running" }, t("quarter.running")),
    h(
      "dl",
      { class: "record-figures" },
      figure("received", t("quarter.received"), formatNumber(report.received), report.withdrawn ? t("quarter.withdrawnNote", { n: report.withdrawn }) : null),
      figure("answered", t("quarter.answered"), formatNumber(report.answered), null),
      figure("median", t("quarter.median"), days(report.median_days), t("quarter.withinNote", { n: report.within_target, days: report.target_days })),
      figure("obligations-met", t("quarter.obligationsMet"), formatNumber(ob.met), t("quarter.obligationsNote", { n: falling })),
    ),
    h("h2", null, t("quarter.outcomes")),
    h(
      "div",
      { class: "record-quarters" },
      barChart([row], OUTCOMES, { name: (o) => t(`outcome.${o}`), label: t("quarter.outcomesChart"), axisY: t("record.axisY"), role: "quarter-outcomes-chart" }),
      dataTable([row], OUTCOMES, { name: (o) => t(`outcome.${o}`), caption: t("quarter.outcomesTable"), role: "quarter-outcomes-table" }),
    ),
    h("h2", null, t("quarter.obligations")),
    h(
      "div",
      { class: "record-quarters" },
      barChart([row], OBLIGATION_KINDS, { name: obligationName, label: t("quarter.obligationsChart"), axisY: t("obligation.axisY"), role: "quarter-obligations-chart" }),
      dataTable([row], OBLIGATION_KINDS, { name: obligationName, caption: t("quarter.obligationsTable"), role: "quarter-obligations-table" }),
    ),
    h("h2", null, t("quarter.changes")),
    report.change_threads.length
      ? h(
          "div",
          null,
          h("p", { class: "muted" }, t("quarter.changesIntro", { n: report.change_threads.length })),
          h(
            "ul",
            { class: "quarter-changes", "data-role": "quarter-changes" },
            report.change_threads.map((c) =>
              h("li", { "data-thread-id": c.id }, h("a", { href: `/threads/${c.id}` }, c.title ?? t("quarter.hidden")), " ", h("span", { class: "muted" }, t("quarter.linked", { n: c.links })), " ", timeEl(c.created_at)),
            ),
          ),
        )
      : h("p", { class: "muted" }, t("quarter.changesNone")),
    h("p", { class: "muted small" }, t("record.updated"), " ", timeEl(report.generated_at)),
  ];
}

/**
 * @param {HTMLElement} root
 * @param {string} quarter
 */
export function mountQuarter(root, quarter) {
  const body = h("div", { class: "record-body", "aria-busy": "true" }, h("p", { class: "muted" }, t("board.loading")));
  const intro = h("p", { class: "lede" });
  const nav = h("nav", { class: "quarter-nav", "aria-label": titleOf(quarter) });
  replace(
    root,
    h("div", { class: "record quarter", "data-quarter": quarter }, h("section", { class: "board-hero" }, h("div", null, h("h1", null, titleOf(quarter)), intro)), nav, body),
  );
  document.title = `${titleOf(quarter)} · ${t("app.name")}`;

  async function load() {
    try {
      const report = await api.get(`/api/stats/quarters/${quarter}`);
      intro.textContent = t("quarter.intro", { from: day(report.from), to: day(report.to) });
      replace(
        nav,
        h("a", { href: `/record/${report.previous}`, rel: "prev" }, `← ${t("quarter.previous")}`),
        report.complete ? h("a", { href: `/record/${report.next}`, rel: "next" }, `${t("quarter.next")} →`) : null,
        h("a", { href: `/api/stats/quarters/${quarter}.csv`, download: `tong-${quarter}.csv`, "data-role": "quarter-csv" }, t("quarter.csv")),
        h("a", { href: "/record" }, t("quarter.record")),
      );
      replace(body, ...quarterBody(report));
    } catch (err) {
      replace(body, h("p", { class: "form-error", role: "alert" }, errorMessage(err, "error.generic")));
    } finally {
      body.setAttribute("aria-busy", "false");
    }
  }
  return { ready: load(), unmount() {} };
}
