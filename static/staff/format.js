// Labels and times as staff read them: Korean or English, times always in KST.

import { lang, t } from "../js/i18n.js";

export const EVENT_TYPES = [
  "thread.created",
  "comment.created",
  "recommendation.added",
  "recommendation.withdrawn",
  "report.filed",
  "report.dismissed",
  "comment.hidden",
  "comment.restored",
  "comment.held",
  "comment.released",
  "comment.rejected",
  "comment.edited",
  "comment.withdrawn",
  "answer.posted",
  "answer.edited",
  "thread.status_changed",
  "thread.updated",
  "thread.links_changed",
  "author.revealed",
  "account.created",
  "session.started",
  "thread.hidden",
  "thread.restored",
  "author.suspended",
  "author.suspension_lifted",
  "appeal.filed",
  "appeal.decided",
  "answer.drafted",
  "answer.submitted",
  "answer.returned",
  "thread.assigned",
  "note.added",
  "note.edited",
];

// Types a moderator acts on, shown with a stronger colour in the stream.
export const ATTENTION = new Set(["report.filed", "comment.held", "author.revealed", "comment.hidden", "thread.hidden", "author.suspended", "appeal.filed"]);

export const eventLabel = (type) => (EVENT_TYPES.includes(type) ? t(`ev.${type}`) : type);
export const kindLabel = (kind) => (kind ? t(`staff.kind.${kind}`) : "—");
export const statusLabel = (status) => (status ? t(`status.${status}`) : "—");

const formats = new Map();
function format(name, options) {
  const key = `${lang()}:${name}`;
  if (!formats.has(key)) {
    formats.set(key, new Intl.DateTimeFormat(lang() === "ko" ? "ko-KR" : "en-GB", { timeZone: "Asia/Seoul", hour12: false, ...options }));
  }
  return formats.get(key);
}

export const clock = (iso) => format("clock", { hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(new Date(iso));
export const hourMinute = (ms) => format("hm", { hour: "2-digit", minute: "2-digit" }).format(new Date(ms));
export const dateTime = (iso) =>
  format("dateTime", { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
export const day = (iso) => format("day", { year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(iso));

export function actorText(actor) {
  if (!actor) return t("staff.system");
  return `${kindLabel(actor.kind)} · ${actor.key.slice(0, 6)}`;
}

const ref = (kind, id) => t(kind === "thread" ? "staff.threadRef" : "staff.commentRef", { id: String(id) });
const reason = (p) => t("staff.sum.reason", { reason: p.reason || "" });

/** One line saying what an event was about, from its payload. */
export function summary(event) {
  const p = event.payload || {};
  switch (event.type) {
    case "thread.created":
      return p.thread ? p.thread.title : "";
    case "comment.created":
      return p.comment && p.comment.body ? p.comment.body : "";
    case "comment.hidden":
    case "comment.restored":
      return [p.comment ? ref("comment", p.comment.id) : "", p.reason ? reason(p) : ""].filter(Boolean).join(" · ");
    case "report.filed":
      return `${p.target === "thread" ? ref("thread", p.thread_id) : ref("comment", p.comment_id)} · ${p.reason || ""}`;
    case "report.dismissed":
      return `${p.target === "thread" ? ref("thread", p.thread_id) : ref("comment", p.comment_id)} · ${reason(p)}`;
    case "thread.hidden":
    case "thread.restored":
      return [ref("thread", p.thread_id), p.reason ? reason(p) : ""].filter(Boolean).join(" · ");
    case "author.suspended":
      return `${p.post ? ref(p.post.kind, p.post.id) : ""} · ${t("staff.sum.suspended", { until: p.until ? dateTime(p.until) : "" })} · ${reason(p)}`;
    case "author.suspension_lifted":
      return `${p.post ? ref(p.post.kind, p.post.id) : ""}${p.reason ? ` · ${reason(p)}` : ""}`;
    case "appeal.filed":
      return `${t("staff.appeal.ref", { id: String(p.appeal_id) })} · ${p.text || ""}`;
    case "appeal.decided":
      return `${t("staff.appeal.ref", { id: String(p.appeal_id) })} · ${t(`staff.appeal.${p.decision}`)} · ${reason(p)}`;
    case "comment.held":
      return t("staff.sum.words", { body: p.body || "", words: (p.words || []).join(", ") });
    case "comment.released":
      return t("staff.sum.released", { held: String(p.held_id), comment: String(p.comment_id) });
    case "comment.rejected":
      return `${t("staff.sum.held", { held: String(p.held_id) })} · ${reason(p)}`;
    case "answer.posted":
    case "answer.edited":
      return p.answer ? p.answer.body : "";
    case "comment.edited":
      // Moderators read the new text here; the public history has every version.
      return p.comment ? `${ref("comment", p.comment.id)} · ${p.comment.body || ""}` : "";
    case "comment.withdrawn":
      return p.comment ? ref("comment", p.comment.id) : "";
    case "thread.updated":
      return p.thread ? p.thread.title : "";
    case "thread.status_changed":
      return `${statusLabel(p.previous)} → ${statusLabel(p.status)}`;
    case "recommendation.added":
    case "recommendation.withdrawn":
      // Written out: "댓글 #24 추천 (누적 1)", not "댓글 #24 (1)".
      return t(event.type === "recommendation.added" ? "staff.sum.recommended" : "staff.sum.unrecommended", {
        target: t(p.target === "comment" ? "staff.reveal.comment" : "staff.reveal.thread"),
        id: String(p.target_id),
        count: p.count,
      });
    case "author.revealed":
      return `${p.post ? ref(p.post.kind, p.post.id) : ""} · ${reason(p)}`;
    case "thread.links_changed":
      return t("staff.sum.links", { ids: (p.links || []).map((i) => `#${i}`).join(", ") });
    // The answer workflow (v1.2): staff text, staff-only rows.
    case "answer.drafted":
      return p.draft ? p.draft.body : "";
    case "answer.returned":
      return reason(p);
    case "thread.assigned":
      return p.assignment && p.assignment.department ? p.assignment.department.name : "";
    case "note.added":
    case "note.edited":
      return p.note ? p.note.body : "";
    default:
      return "";
  }
}

export function truncate(text, n = 120) {
  const chars = Array.from(text || "");
  return chars.length > n ? `${chars.slice(0, n).join("")}…` : chars.join("");
}
