// @ts-check
// The bell: the unread count and the list of the account's notices (GET /api/me/notices), kept
// live on every tab through the `me` channel (`notice` and `unread` frames). A notice carries
// public labels only (the thread's title, 기업 3); its text is written here from its kind.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { addStrings, authorLabel, formatNumber, onLangChange, t } from "./i18n.js";
import { currentUser, onSessionChange } from "./session.js";
import { timeEl } from "./time.js";

addStrings({
  ko: {
    "bell.label": "알림",
    "bell.unreadSuffix": "개 읽지 않음",
    "bell.title": "알림",
    "bell.empty": "알림이 없습니다.",
    "bell.markAll": "모두 읽음",
    "bell.more": "내 활동에서 모두 보기",
    "bell.unread": "읽지 않음",
    "bell.failed": "알림을 불러오지 못했습니다.",
    "notice.answerFinal": "‘{title}’에 최종 답변이 등록되었습니다.",
    "notice.answerInterim": "‘{title}’에 중간 답변이 등록되었습니다.",
    "notice.status": "‘{title}’의 처리 상태가 ‘{status}’(으)로 바뀌었습니다.",
    "notice.change": "‘{title}’이(가) ‘{change}’에 반영되었습니다.",
    "notice.reply": "{author}이(가) ‘{title}’의 내 댓글에 답글을 달았습니다.",
    "notice.comments": "‘{title}’에 새 댓글 {n}개",
    "notice.mod.hidden.thread": "운영자가 내 제안을 숨겼습니다. 사유: {reason}",
    "notice.mod.hidden.comment": "운영자가 ‘{title}’의 내 댓글을 숨겼습니다. 사유: {reason}",
    "notice.mod.rejected.held": "운영자가 ‘{title}’에 쓴 내 댓글을 게시하지 않았습니다. 사유: {reason}",
    "notice.mod.suspended.suspension": "운영자가 {until}까지 내 글쓰기를 정지했습니다. 사유: {reason}",
    "notice.mod.erased.erasure": "운영자가 내 글을 삭제했습니다. 사유: {reason}",
    "notice.mod.appeal_upheld": "이의 신청이 받아들여지지 않았습니다. 사유: {reason}",
    "notice.mod.appeal_reversed": "이의 신청이 받아들여져 조치를 취소했습니다. 사유: {reason}",
    "appeal.open": "이의 신청",
    "appeal.label": "이의 신청 내용",
    "appeal.send": "신청",
    "appeal.sent": "이의 신청을 접수했습니다.",
  },
  en: {
    "bell.label": "Notices",
    "bell.unreadSuffix": " unread",
    "bell.title": "Notices",
    "bell.empty": "No notices.",
    "bell.markAll": "Mark all read",
    "bell.more": "See all in My activity",
    "bell.unread": "Unread",
    "bell.failed": "Could not load the notices.",
    "notice.answerFinal": "A final answer was posted on “{title}”.",
    "notice.answerInterim": "An interim answer was posted on “{title}”.",
    "notice.status": "“{title}” is now “{status}”.",
    "notice.change": "“{title}” was addressed in “{change}”.",
    "notice.reply": "{author} replied to your comment on “{title}”.",
    "notice.comments": { one: "{n} new comment on “{title}”", other: "{n} new comments on “{title}”" },
    "notice.mod.hidden.thread": "A moderator hid your proposal. Reason: {reason}",
    "notice.mod.hidden.comment": "A moderator hid your comment on “{title}”. Reason: {reason}",
    "notice.mod.rejected.held": "A moderator did not publish your comment on “{title}”. Reason: {reason}",
    "notice.mod.suspended.suspension": "A moderator suspended your writing until {until}. Reason: {reason}",
    "notice.mod.erased.erasure": "A moderator erased your post. Reason: {reason}",
    "notice.mod.appeal_upheld": "Your appeal was not accepted. Reason: {reason}",
    "notice.mod.appeal_reversed": "Your appeal was accepted and the action undone. Reason: {reason}",
    "appeal.open": "Appeal",
    "appeal.label": "Why the action was wrong",
    "appeal.send": "Send",
    "appeal.sent": "Appeal received.",
  },
});

/** What a notice says, from its kind and its public labels. */
export function noticeText(n) {
  const title = (n.data && n.data.title) || "";
  switch (n.kind) {
    case "answer":
      return t(n.data.outcome ? "notice.answerFinal" : "notice.answerInterim", { title });
    case "status":
      return t("notice.status", { title, status: t(`status.${n.data.status}`) });
    case "change":
      return t("notice.change", { title, change: (n.data.change && n.data.change.title) || "" });
    case "reply":
      return t("notice.reply", { title, author: authorLabel({ kind: labelKind(n.data.author), label: n.data.author }) });
    case "comments":
      return t("notice.comments", { title, n: n.count });
    case "moderation": {
      const key = n.data.decision ? `notice.mod.${n.data.action}` : `notice.mod.${n.data.action}.${n.data.target}`;
      const until = n.data.until ? new Date(n.data.until).toLocaleString() : "";
      return t(key, { title, reason: n.data.reason || "", until });
    }
    default:
      return title;
  }
}

function labelKind(label) {
  if (!label) return "staff";
  if (label.startsWith("기업")) return "company";
  if (label.startsWith("기관")) return "agency";
  return "staff";
}

/** Where a notice leads: the exact answer or comment, or the change thread. */
export function noticeHref(n) {
  const thread = `/threads/${n.thread_id}`;
  if (n.kind === "change" && n.data.change) return `/threads/${n.data.change.id}`;
  if (n.answer_id) return `${thread}#answer-${n.answer_id}`;
  if (n.comment_id) return `${thread}#comment-${n.comment_id}`;
  return thread;
}

export async function markSeen(ids) {
  return api.post("/api/me/notices/seen", ids ? { ids } : {});
}

/** One notice as a list item (the bell's panel and the activity page share it). */
/**
 * @param {any} n
 * @param {{onOpen?: (n: any) => void}} [options]
 */
export function noticeItem(n, { onOpen } = {}) {
  return h(
    "li",
    { class: `notice-item${n.seen ? "" : " is-unread"}`, "data-notice-id": n.id },
    h(
      "a",
      {
        href: noticeHref(n),
        class: "notice-link",
        onclick: () => {
          if (!n.seen) markSeen([n.id]).catch(() => {});
          if (onOpen) onOpen(n);
        },
      },
      n.seen ? null : h("span", { class: "sr-only" }, t("bell.unread") + ": "),
      h("span", { class: "notice-text" }, noticeText(n)),
    ),
    h("span", { class: "notice-time" }, timeEl(n.updated_at || n.created_at)),
    n.kind === "moderation" && n.data.appeal ? appealControl(n.data.appeal) : null,
  );
}

/** The author's one appeal against a moderation action (POST /api/me/appeals, v1.2). */
function appealControl(appeal) {
  const slot = h("div", { class: "appeal-slot" });
  const open = h("button", { type: "button", class: "btn btn-small btn-outline", "data-role": "appeal-open", "aria-expanded": "false" }, t("appeal.open"));
  open.addEventListener("click", (event) => {
    event.stopPropagation();
    if (slot.firstChild) {
      slot.replaceChildren();
      open.setAttribute("aria-expanded", "false");
      return;
    }
    open.setAttribute("aria-expanded", "true");
    const text = h("textarea", { name: "appeal", rows: "3", maxlength: "4000", "aria-label": t("appeal.label"), "data-role": "appeal-text" });
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const form = h("form", { class: "appeal-form", novalidate: true }, text, error, h("button", { type: "submit", class: "btn btn-small btn-primary", "data-role": "appeal-send" }, t("appeal.send")));
    form.addEventListener("click", (e) => e.stopPropagation());
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!text.value.trim()) return;
      try {
        await api.post("/api/me/appeals", { kind: appeal.kind, id: appeal.id, text: text.value.trim() });
        replace(slot, h("p", { class: "muted", "data-role": "appeal-sent" }, t("appeal.sent")));
        open.remove();
      } catch (err) {
        error.textContent = err && err.message ? err.message : String(err);
        error.hidden = false;
      }
    });
    slot.append(form);
    text.focus();
  });
  return h("div", { class: "appeal" }, open, slot);
}

/**
 * The header's bell, one per tab: `element` is reinserted whenever the header re-renders.
 * `live` is the tab's connection; `navigate` opens a notice inside the app.
 */

const SVG = "http://www.w3.org/2000/svg";

// The bell as an SVG drawing, not the emoji 🔔: a machine with only a CJK font showed an empty box.
function bellIcon() {
  const svg = document.createElementNS(SVG, "svg");
  for (const [name, value] of Object.entries({
    class: "bell-icon",
    viewBox: "0 0 24 24",
    width: "16",
    height: "16",
    fill: "none",
    stroke: "currentColor",
    "stroke-width": "2",
    "stroke-linecap": "round",
    "stroke-linejoin": "round",
    "aria-hidden": "true",
    focusable: "false",
  })) {
    svg.setAttribute(name, value);
  }
  for (const d of ["M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9", "M10.3 21a1.94 1.94 0 0 0 3.4 0"]) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
  }
  return svg;
}

export class Bell {
  constructor(live) {
    this.live = live;
    this.items = [];
    this.unread = 0;
    this.open = false;
    this.sub = null;
    this.failed = false;
    // Named by what it shows ("알림 3", then "개 읽지 않음" for screen readers): an aria-label
    // differing from the visible text fails WCAG 2.5.3 (label in name).
    this.count = h("span", { class: "bell-count", "data-role": "bell-count" });
    this.word = h("span", { class: "bell-text" });
    this.suffix = h("span", { class: "sr-only" });
    this.button = h(
      "button",
      {
        type: "button",
        class: "btn btn-small btn-ghost bell",
        "aria-expanded": "false",
        "aria-controls": "bell-panel",
        "data-role": "bell",
        onclick: () => this.toggle(),
      },
      bellIcon(),
      this.word,
      " ",
      this.count,
      this.suffix,
    );
    this.list = h("ul", { class: "notice-list", "data-role": "notice-list" });
    this.panel = h("div", { id: "bell-panel", class: "bell-panel", role: "region", hidden: true });
    this.element = h("div", { class: "bell-wrap" }, this.button, this.panel);
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        this.toggle(false);
        this.button.focus();
      }
    });
    document.addEventListener("click", (event) => {
      if (this.open && !this.element.contains(/** @type {Node} */ (event.target))) this.toggle(false);
    });
    onSessionChange(() => this.sessionChanged());
    onLangChange(() => this.render());
    this.sessionChanged();
  }

  sessionChanged() {
    const me = currentUser();
    if (!me) {
      if (this.sub) this.sub.close();
      this.sub = null;
      this.items = [];
      this.unread = 0;
      this.toggle(false);
      return;
    }
    if (this.sub) return;
    this.retried = false;
    this.sub = this.live.subscribe("me", {
      // Subscribed (first time or after a reconnect): what came meanwhile is read through REST.
      onSubscribed: () => this.load(),
      onFrame: (frame) => this.frame(frame),
      onError: (frame) => {
        // The socket opened before the login carries no session: reconnect once with the cookie.
        if (frame.code === "unauthorized" && currentUser() && !this.retried) {
          this.retried = true;
          this.live.drop();
        }
      },
    });
  }

  async load() {
    try {
      const page = await api.get("/api/me/notices");
      this.items = page.items;
      this.unread = page.unread;
      this.failed = false;
    } catch {
      this.failed = true;
    }
    this.render();
  }

  frame(frame) {
    if (frame.type === "unread") {
      this.unread = frame.data.count;
      if (this.unread === 0) this.items = this.items.map((n) => ({ ...n, seen: true }));
    } else if (frame.type === "notice") {
      const notice = frame.data.notice;
      // A batched notice grows in place: the newest version moves to the top.
      this.items = [notice, ...this.items.filter((n) => n.id !== notice.id)].slice(0, 30);
    }
    this.render();
  }

  toggle(force) {
    const next = force === undefined ? !this.open : force;
    this.open = next;
    this.button.setAttribute("aria-expanded", String(next));
    this.panel.hidden = !next;
    if (next) {
      this.render();
      const first = /** @type {HTMLElement | null} */ (this.panel.querySelector("a, button"));
      if (first) first.focus();
    }
  }

  render() {
    const n = this.unread;
    this.count.textContent = n ? (n > 99 ? "99+" : formatNumber(n)) : "";
    this.count.hidden = !n;
    this.word.textContent = t("bell.label");
    this.suffix.textContent = n ? t("bell.unreadSuffix") : "";
    this.element.hidden = !currentUser();
    if (!this.open) return;
    replace(
      this.list,
      this.items.map((item) => noticeItem(item, { onOpen: () => this.toggle(false) })),
    );
    replace(
      this.panel,
      h(
        "div",
        { class: "bell-head" },
        h("h2", { class: "bell-title" }, t("bell.title")),
        h(
          "button",
          {
            type: "button",
            class: "btn btn-small btn-outline",
            "data-role": "mark-all",
            disabled: !this.unread,
            onclick: async () => {
              await markSeen(null).catch(() => {});
              this.unread = 0;
              this.items = this.items.map((item) => ({ ...item, seen: true }));
              this.render();
            },
          },
          t("bell.markAll"),
        ),
      ),
      this.failed ? h("p", { class: "muted" }, t("bell.failed")) : null,
      this.items.length ? this.list : h("p", { class: "muted" }, t("bell.empty")),
      h("a", { href: "/me", class: "bell-more", onclick: () => this.toggle(false) }, t("bell.more")),
    );
  }
}

addStrings({
  ko: {
    "follow.follow": "팔로우",
    "follow.following": "팔로우 중",
    "follow.help": "답변, 상태 변경, 반영 소식과 내 댓글의 답글을 알림으로 받습니다.",
    "follow.followers": "팔로워 {n}명 (직원에게만 보임)",
    "follow.failed": "팔로우를 바꾸지 못했습니다.",
  },
  en: {
    "follow.follow": "Follow",
    "follow.following": "Following",
    "follow.help": "Get notices of answers, status changes, changes made and replies to your comments.",
    "follow.followers": { one: "{n} follower (staff only)", other: "{n} followers (staff only)" },
    "follow.failed": "Could not change following.",
  },
});

/** Dispatched on `document` when this reader commented on or recommended in a thread. */
export const ENGAGED = "tong:engaged";

/** Tell the follow button that the reader took part in thread `threadId` (see followButton). */
export function engaged(threadId) {
  document.dispatchEvent(new CustomEvent(ENGAGED, { detail: { threadId } }));
}

/** The thread's follow toggle (logged-in readers), with the follower count staff see. */
export function followButton(thread, onError) {
  if (!currentUser()) return null;
  let on = !!thread.following;
  const text = h("span", null);
  const button = h(
    "button",
    { type: "button", class: "btn btn-small btn-outline follow", "data-role": "follow", title: t("follow.help") },
    text,
  );
  const show = () => {
    text.textContent = on ? t("follow.following") : t("follow.follow");
    button.setAttribute("aria-pressed", String(on));
  };
  show();
  // Commenting or recommending follows the thread on the server (unless the account turned that
  // off): thread.js announces it, and the button reads the thread's `following` again.
  const engaged = async (event) => {
    if (!button.isConnected) {
      document.removeEventListener(ENGAGED, engaged);
      return;
    }
    if (on || event.detail.threadId !== thread.id) return;
    try {
      on = !!(await api.get(`/api/threads/${thread.id}`)).following;
      show();
    } catch {
      // The next page load shows it.
    }
  };
  document.addEventListener(ENGAGED, engaged);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const path = `/api/threads/${thread.id}/follow`;
      on = (on ? await api.del(path) : await api.put(path)).following;
      show();
    } catch {
      if (onError) onError(t("follow.failed"));
    } finally {
      button.disabled = false;
    }
  });
  const count =
    typeof thread.followers === "number"
      ? h("span", { class: "stat", "data-role": "followers" }, t("follow.followers", { n: thread.followers }))
      : null;
  return h("span", { class: "follow-wrap" }, button, count);
}
