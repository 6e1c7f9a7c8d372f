// @ts-check
// /me (내 활동): my proposals with their status and outcome, my comments with their thread, the
// threads I follow, my notices, and whether commenting or recommending follows a thread. Only the
// logged-in account reads it (GET /api/me/activity, /api/me/notices); nothing on it is public.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { addStrings, t } from "./i18n.js";
import { statusBadges } from "./labels.js";
import { linked } from "./linkify.js";
import { noticeItem } from "./notices.js";
import { currentUser } from "./session.js";
import { timeEl } from "./time.js";

addStrings({
  ko: {
    "activity.title": "내 활동",
    "activity.loginFirst": "내 활동은 로그인한 뒤에 볼 수 있습니다.",
    "activity.private": "이 페이지는 나만 볼 수 있습니다.",
    "activity.notices": "내 알림",
    "activity.proposals": "내 제안",
    "activity.comments": "내 댓글",
    "activity.following": "팔로우하는 글",
    "activity.none": "아직 없습니다.",
    "activity.hidden": "숨겨진 댓글",
    "activity.autoFollow": "댓글을 달거나 추천한 글을 자동으로 팔로우",
    "activity.saved": "저장했습니다.",
    "activity.failed": "불러오지 못했습니다.",
  },
  en: {
    "activity.title": "My activity",
    "activity.loginFirst": "Log in to see your activity.",
    "activity.private": "Only you can see this page.",
    "activity.notices": "My notices",
    "activity.proposals": "My proposals",
    "activity.comments": "My comments",
    "activity.following": "Threads I follow",
    "activity.none": "Nothing yet.",
    "activity.hidden": "Hidden comment",
    "activity.autoFollow": "Follow threads I comment on or recommend",
    "activity.saved": "Saved.",
    "activity.failed": "Could not load.",
  },
});

function section(key, role, children, empty) {
  return h(
    "section",
    { class: "card activity-section", "aria-labelledby": `activity-${role}`, "data-role": role },
    h("h2", { id: `activity-${role}` }, t(key)),
    empty ? h("p", { class: "muted" }, t("activity.none")) : children,
  );
}

function threadItem(thread) {
  return h(
    "li",
    { class: "activity-thread" },
    h("a", { href: `/threads/${thread.id}` }, thread.title),
    " ",
    statusBadges(thread),
    thread.created_at ? h("span", { class: "muted" }, " · ", timeEl(thread.created_at)) : null,
  );
}

function commentItem(comment) {
  return h(
    "li",
    { class: "activity-comment" },
    h("a", { href: `/threads/${comment.thread.id}#comment-${comment.id}` }, comment.thread.title),
    h("p", { class: "activity-excerpt" }, comment.hidden ? t("activity.hidden") : linked(comment.body)),
    h("span", { class: "muted" }, timeEl(comment.created_at)),
  );
}

function autoFollowToggle() {
  const box = h("input", { type: "checkbox", id: "auto-follow", "data-role": "auto-follow", disabled: true });
  const note = h("span", { class: "muted", role: "status" });
  api.get("/api/me/preferences").then((p) => {
    box.checked = p.auto_follow;
    box.disabled = false;
  });
  box.addEventListener("change", async () => {
    box.disabled = true;
    try {
      const p = await api.patch("/api/me/preferences", { auto_follow: box.checked });
      box.checked = p.auto_follow;
      note.textContent = t("activity.saved");
    } catch {
      note.textContent = t("activity.failed");
    }
    box.disabled = false;
  });
  return h("p", { class: "activity-pref" }, box, " ", h("label", { for: "auto-follow" }, t("activity.autoFollow")), " ", note);
}

export function mountActivity(root, ctx) {
  document.title = `${t("activity.title")} · ${t("app.name")}`;
  if (!currentUser()) {
    replace(root, h("section", { class: "card" }, h("h1", null, t("activity.title")), h("p", null, h("a", { href: "/login?next=/me" }, t("activity.loginFirst")))));
    return { ready: Promise.resolve(), unmount() {} };
  }
  const body = h("div", { class: "activity-body" }, h("p", { class: "muted" }, t("board.loading")));
  replace(root, h("div", { class: "activity-page" }, h("h1", null, t("activity.title")), h("p", { class: "muted" }, t("activity.private")), autoFollowToggle(), body));
  const ready = Promise.all([api.get("/api/me/activity"), api.get("/api/me/notices")]).then(
    ([mine, notices]) => {
      replace(
        body,
        section("activity.notices", "my-notices", h("ul", { class: "notice-list" }, notices.items.map((n) => noticeItem(n))), !notices.items.length),
        section("activity.proposals", "my-proposals", h("ul", { class: "activity-list" }, mine.threads.map(threadItem)), !mine.threads.length),
        section("activity.comments", "my-comments", h("ul", { class: "activity-list" }, mine.comments.map(commentItem)), !mine.comments.length),
        section("activity.following", "my-follows", h("ul", { class: "activity-list" }, mine.following.map(threadItem)), !mine.following.length),
      );
    },
    () => replace(body, h("p", { class: "notice notice-error", role: "alert" }, t("activity.failed"))),
  );
  return { ready, unmount() {} };
}

