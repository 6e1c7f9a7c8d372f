// @ts-check
// The answer obligation (v1.2): a proposal whose recommendations reached the threshold carries
// `answer_due` (a KST date, "2026-12-24") and shows "답변 대상 · 기한 12월 24일" on its card and
// page until it has its final answer.

import { h } from "./dom.js";
import { addStrings, lang, t } from "./i18n.js";

addStrings({
  ko: {
    "due.badge": "답변 대상 · 기한 {date}",
    "due.title": "추천이 기준에 이르러 조달청이 이 날짜까지 답변해야 하는 제안입니다.",
    "due.overdue": "기한 지남",
    "obligation.title": "답변 의무",
    "obligation.intro": "추천 {n}개에 이른 제안은 {days}일 안에 최종 답변해야 합니다. 기한이 속한 분기별로 셉니다.",
    "obligation.off": "답변 의무 기준이 설정되어 있지 않습니다.",
    "obligation.met": "기한 내 답변",
    "obligation.late": "기한 후 답변",
    "obligation.open": "답변 대기",
    "obligation.overdueNote": "그중 기한 지남 {n}건",
    "obligation.chartLabel": "분기별 답변 의무 막대그래프: 가로축 기한이 속한 분기, 세로축 제안 수 (기한 내, 기한 후, 대기)",
    "obligation.axisY": "제안 수",
    "obligation.tableCaption": "분기별 답변 의무 이행 (표)",
    "obligation.empty": "아직 답변 의무가 생긴 제안이 없습니다.",
  },
  en: {
    "due.badge": "Answer due · by {date}",
    "due.title": "Recommendations reached the threshold: the Public Procurement Service must answer by this date.",
    "due.overdue": "overdue",
    "obligation.title": "Answer obligation",
    "obligation.intro": "A proposal that reaches {n} recommendations must get a final answer within {days} days. Counted by the quarter of the due date.",
    "obligation.off": "No recommendation threshold is set.",
    "obligation.met": "Answered on time",
    "obligation.late": "Answered late",
    "obligation.open": "Waiting",
    "obligation.overdueNote": { one: "{n} of them overdue", other: "{n} of them overdue" },
    "obligation.chartLabel": "Bar chart of answer obligations per quarter: quarter of the due date across, proposals up (on time, late, waiting)",
    "obligation.axisY": "Proposals",
    "obligation.tableCaption": "Answer obligations per quarter (table)",
    "obligation.empty": "No proposal has reached the threshold yet.",
  },
});

/**
 * "12월 24일" / "Dec 24" for a date "2026-12-24" (read as the calendar date it is, no time zone).
 * @param {string} day
 */
export function dueDate(day) {
  const [y, m, d] = day.split("-").map(Number);
  if (lang() === "ko") return `${m}월 ${d}일`;
  return new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** Today's date in Korea, "2026-12-07". */
export function todayKst(now = Date.now()) {
  return new Date(now + 9 * 3600 * 1000).toISOString().slice(0, 10);
}

/**
 * The badge of a proposal that must be answered, while it waits for its final answer.
 * @param {{answer_due?: string | null, status?: string | null}} item
 */
export function dueBadge(item, now = Date.now()) {
  if (!item.answer_due || item.status === "answered" || item.status === "withdrawn") return null;
  const overdue = item.answer_due < todayKst(now);
  return h(
    "span",
    { class: `badge badge-due${overdue ? " due-overdue" : ""}`, "data-role": "answer-due", "data-due": item.answer_due, title: t("due.title") },
    t("due.badge", { date: dueDate(item.answer_due) }),
    overdue ? ` (${t("due.overdue")})` : null,
  );
}

export const OBLIGATION_KINDS = ["met", "late", "open"];

/** @param {string} kind */
export const obligationName = (kind) => t(`obligation.${kind}`);
