// Labels and times as staff read them: Korean, times in KST.

export const EVENT_LABELS = {
  "thread.created": "새 글",
  "comment.created": "댓글",
  "recommendation.added": "추천",
  "recommendation.withdrawn": "추천 취소",
  "report.filed": "신고",
  "report.dismissed": "신고 기각",
  "comment.hidden": "댓글 숨김",
  "comment.restored": "댓글 복원",
  "comment.held": "댓글 보류",
  "comment.released": "보류 게시",
  "comment.rejected": "보류 거절",
  "answer.posted": "공식 답변",
  "thread.status_changed": "상태 변경",
  "thread.updated": "글 수정",
  "thread.links_changed": "제안 연결",
  "author.revealed": "작성자 확인",
  "account.created": "계정 생성",
  "session.started": "로그인",
};

// Types a moderator acts on, shown with a stronger colour in the stream.
export const ATTENTION = new Set(["report.filed", "comment.held", "author.revealed", "comment.hidden"]);

const KINDS = { company: "기업", agency: "기관", staff: "조달청" };
const STATUSES = { received: "접수", reviewing: "검토중", answered: "답변완료" };

export const eventLabel = (type) => EVENT_LABELS[type] || type;
export const kindLabel = (kind) => KINDS[kind] || kind || "—";
export const statusLabel = (status) => STATUSES[status] || status || "—";

const timeFormat = new Intl.DateTimeFormat("ko-KR", {
  timeZone: "Asia/Seoul", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
});
const dateTimeFormat = new Intl.DateTimeFormat("ko-KR", {
  timeZone: "Asia/Seoul", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hour12: false,
});
const dateFormat = new Intl.DateTimeFormat("ko-KR", {
  timeZone: "Asia/Seoul", year: "numeric", month: "2-digit", day: "2-digit",
});

export const clock = (iso) => timeFormat.format(new Date(iso));
export const dateTime = (iso) => dateTimeFormat.format(new Date(iso));
export const day = (iso) => dateFormat.format(new Date(iso));

export function actorText(actor) {
  if (!actor) return "시스템";
  return `${kindLabel(actor.kind)} · ${actor.key.slice(0, 6)}`;
}

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
      return [p.comment ? `댓글 #${p.comment.id}` : "", p.reason ? `사유: ${p.reason}` : ""].filter(Boolean).join(" · ");
    case "report.filed":
      return `댓글 #${p.comment_id} · ${p.reason || ""}`;
    case "report.dismissed":
      return `댓글 #${p.comment_id} · 사유: ${p.reason || ""}`;
    case "comment.held":
      return `${p.body || ""} (단어: ${(p.words || []).join(", ")})`;
    case "comment.released":
      return `보류 #${p.held_id} → 댓글 #${p.comment_id}`;
    case "comment.rejected":
      return `보류 #${p.held_id} · 사유: ${p.reason || ""}`;
    case "answer.posted":
      return p.answer ? p.answer.body : "";
    case "thread.status_changed":
      return `${statusLabel(p.previous)} → ${statusLabel(p.status)}`;
    case "recommendation.added":
    case "recommendation.withdrawn":
      return `${p.target === "comment" ? "댓글" : "글"} #${p.target_id} (${p.count})`;
    case "author.revealed":
      return `${p.post ? `${p.post.kind === "thread" ? "글" : "댓글"} #${p.post.id}` : ""} · 사유: ${p.reason || ""}`;
    case "thread.links_changed":
      return `제안 ${(p.links || []).map((i) => `#${i}`).join(", ")}`;
    default:
      return "";
  }
}

export function truncate(text, n = 120) {
  const chars = Array.from(text || "");
  return chars.length > n ? `${chars.slice(0, n).join("")}…` : chars.join("");
}
