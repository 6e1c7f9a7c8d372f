// @ts-check
// The thread's head: badges, title, author, body, the proposals a change thread answers (or the
// change threads that answer this proposal), recommend and follow, the author's edit and withdraw.

import { attachmentList } from "../attachments.js";
import { api } from "../api.js";
import { errorMessage, LIMITS } from "../composer.js";
import { h, replace } from "../dom.js";
import { confirmPanel, editedMark, editForm } from "../editing.js";
import { t } from "../i18n.js";
import { authorEl, kindBadge, statusBadges } from "../labels.js";
import { linkPicker } from "../links.js";
import { dueDate } from "../obligation.js";
import { engaged, followButton } from "../notices.js";
import { patchThread } from "../thread-state.js";
import { currentUser, isModerator, isStaff } from "../session.js";
import { timeEl } from "../time.js";
import { categoryLabel } from "../board/categories.js";
import { addedChanges, countsChanged, dueChanged, headChange, statusChanged } from "./changes.js";
import { recommendButton } from "./recommend.js";
import { paragraphs } from "./view.js";
import { inlineFormButton, reasonForm } from "./forms.js";

const REPORT_CATEGORIES = ["abuse", "defamation", "personal_info", "advertising", "other"];

/** @typedef {import("./view.js").ThreadState} ThreadState */
/** @typedef {import("./recommend.js").RecommendButton} RecommendButton */

/** @param {import("./view.js").ThreadView} view */
export function headPart(view) {
  const el = h("div", { class: "thread-head" }, h("p", { class: "muted" }, t("board.loading")));
  const commentsTitle = h("h2", { id: "comments-title" });
  // The author's edit form or withdraw confirmation: kept across redraws of the head.
  const authorForms = h("div", { class: "author-forms" });
  // The report and hide forms (v1.2): kept across redraws too.
  const moderationForms = h("div", { class: "moderation-forms", "data-role": "thread-moderation-forms" });

  /** @param {ThreadState} state */
  function render(state) {
    const th = state.thread;
    const recommend = recommendButton({
      count: th.counts.recommendations,
      on: !!th.recommended,
      mine: !!th.mine,
      target: t("thread.recommendTarget"),
      text: t("thread.recommend"),
      path: `/api/threads/${th.id}/recommendation`,
      toast: view.ctx.toast,
      onResult: (result) => {
        view.change(patchThread(view.current(), { recommended: result.recommended, counts: { recommendations: result.count } }));
        if (result.recommended) engaged(th.id);
      },
    });
    recommend.dataset.role = "thread-recommend";
    replace(
      el,
      h(
        "div",
        { class: "thread-badges" },
        kindBadge(th.kind),
        statusBadges(th),
        th.category ? h("a", { class: "chip", href: `/?category=${encodeURIComponent(th.category)}` }, categoryLabel(th.category)) : null,
      ),
      h("h1", { id: "thread-title", class: th.hidden || th.erased ? "thread-title thread-hidden" : "thread-title", tabindex: "-1" }, th.erased ? t("thread.erasedTitle") : th.hidden ? t("thread.hiddenTitle") : th.title),
      h(
        "div",
        { class: "thread-meta" },
        authorEl(th.author, { mine: th.mine }),
        h("span", { class: "meta-sep", "aria-hidden": "true" }, "·"),
        timeEl(th.created_at),
        editedMark(th, `/api/threads/${th.id}/revisions`, th.title),
        h("span", { class: "watchers", "data-role": "watchers" }, h("span", { class: "live-dot", "aria-hidden": "true" }), t("count.watchers", { n: th.counts.watchers })),
      ),
      th.status === "withdrawn" ? h("p", { class: "notice withdrawn-note", "data-role": "withdrawn-note" }, t("thread.withdrawnNote")) : null,
      th.erased
        ? h("div", { class: "thread-body thread-placeholder", "data-role": "erased-thread", "data-anchor": "body" }, h("p", null, t("thread.erasedTitle")))
        : th.hidden
        ? h("div", { class: "thread-body thread-placeholder", "data-role": "hidden-thread", "data-anchor": "body" }, h("p", null, t("thread.hiddenTitle")), th.hidden_reason ? h("p", { class: "muted" }, t("thread.hiddenReason", { reason: th.hidden_reason })) : null)
        : h("div", { class: "thread-body", "data-anchor": "body" }, paragraphs(th.body)),
      th.hidden || th.erased ? null : attachmentList(th.attachments),
      linkedThreads(th),
      h(
        "div",
        { class: "thread-actions" },
        recommend,
        h("span", { class: "stat", "data-role": "comment-count" }, t("count.comments", { n: th.counts.comments })),
        th.hidden ? null : authorTools(state),
        followButton(th, (message) => view.ctx.toast(message, "error")),
        moderationTools(th),
      ),
      authorForms,
      moderationForms,
    );
    document.title = `${th.erased ? t("thread.erasedTitle") : th.hidden ? t("thread.hiddenTitle") : th.title} · ${t("app.name")}`;
    renderCounts(state);
  }

  /** @param {ThreadState} state */
  function renderCounts(state) {
    const th = state.thread;
    const w = el.querySelector('[data-role="watchers"]');
    if (w) w.lastChild.textContent = t("count.watchers", { n: th.counts.watchers });
    const c = el.querySelector('[data-role="comment-count"]');
    if (c) c.textContent = t("count.comments", { n: th.counts.comments });
    commentsTitle.textContent = t("thread.commentsCount", { n: th.counts.comments });
    const r = /** @type {RecommendButton | null} */ (el.querySelector('[data-role="thread-recommend"]'));
    if (r) r.update(th.counts.recommendations, !!th.recommended);
  }

  /** @param {ThreadState} state */
  function renderBadges(state) {
    const holder = el.querySelector('.thread-badges [data-role="status"]');
    if (holder) holder.replaceWith(statusBadges(state.thread));
  }

  /** 신고 for a reader who did not write it; hide and restore for moderators (v1.2). */
  function moderationTools(th) {
    if (!currentUser()) return null;
    if (isModerator()) {
      if (th.hidden) {
        return h("button", { type: "button", class: "btn btn-small btn-outline", "data-role": "thread-restore", onclick: async () => {
          try {
            await api.post(`/api/threads/${th.id}/restore`, {});
          } catch (err) {
            view.ctx.toast(errorMessage(err), "error");
          }
        } }, t("thread.restore"));
      }
      const hide = reasonForm({
        label: t("thread.hideReason"),
        submitLabel: t("thread.hide"),
        danger: true,
        onSend: async (reason) => {
          const done = await api.post(`/api/threads/${th.id}/hide`, { reason });
          view.dispatch({ type: "event", event: "thread.hidden", seq: done.seq, data: { thread_id: th.id, hidden: true, reason } }, { quiet: true });
        },
      });
      return inlineFormButton(moderationForms, t("thread.hide"), hide, "btn-danger-ghost", "thread-hide");
    }
    if (th.mine || th.hidden) return null;
    const report = (close) => {
      const select = h("select", { name: "category", "data-role": "report-category" }, h("option", { value: "" }, "—"), REPORT_CATEGORIES.map((c) => h("option", { value: c }, t(`category.${c}`))));
      const form = reasonForm({
        label: t("comment.reportReason"),
        submitLabel: t("comment.reportSend"),
        onSend: async (reason) => {
          await api.post(`/api/threads/${th.id}/reports`, { reason, category: select.value || null });
          view.ctx.toast(t("thread.reported"));
        },
      })(close);
      form.prepend(h("label", { class: "field" }, h("span", null, t("thread.reportCategory")), select));
      return form;
    };
    return inlineFormButton(moderationForms, t("thread.report"), report, "btn-ghost", "thread-report");
  }

  /** The author's own buttons: edit (until the first official answer) and withdraw (until the final one). */
  function authorTools(state) {
    const th = state.thread;
    if (!th.mine) return null;
    const proposal = th.kind === "proposal";
    const editable = !proposal || (th.status !== "withdrawn" && state.answers.size === 0);
    const withdrawable = proposal && th.status !== "withdrawn" && th.status !== "answered";
    if (!editable && !withdrawable) return null;
    const open = (build) => {
      authorForms.replaceChildren();
      const closeForm = () => {
        authorForms.replaceChildren();
        /** @type {HTMLElement | null} */ (el.querySelector('[data-role="thread-edit"]'))?.focus();
      };
      const made = build(closeForm);
      authorForms.append(made.form || made.panel);
      made.focus();
    };
    const edit = (close) => {
      const now = view.current().thread;
      return editForm({
        label: t("edit.edit"),
        fields: [
          { name: "title", label: t("edit.titleLabel"), max: LIMITS.title, value: now.title, multiline: false },
          { name: "body", label: t("edit.bodyLabel"), max: LIMITS.threadBody, value: now.body, rows: 8 },
        ],
        close,
        save: async (values) => {
          const updated = await api.patch(`/api/threads/${th.id}`, values);
          view.dispatch({ type: "event", event: "thread.updated", data: { thread: updated } }, { quiet: true });
          view.ctx.toast(t("edit.saved"));
        },
      });
    };
    const withdraw = (close) =>
      confirmPanel({
        message: t("edit.withdrawConfirm"),
        yes: t("edit.withdrawYes"),
        close,
        onConfirm: async () => {
          const updated = await api.post(`/api/threads/${th.id}/withdraw`, {});
          view.dispatch({ type: "event", event: "thread.status_changed", data: { status: updated.status, outcome: updated.outcome } }, { quiet: true });
          view.ctx.toast(t("edit.withdrawn"));
        },
      });
    return h(
      "span",
      { class: "author-tools" },
      editable
        ? h("button", { type: "button", class: "btn btn-small btn-outline", "data-role": "thread-edit", onclick: () => open(edit) }, t("edit.edit"))
        : null,
      withdrawable
        ? h("button", { type: "button", class: "btn btn-small btn-danger-ghost", "data-role": "thread-withdraw", onclick: () => open(withdraw) }, t("edit.withdraw"))
        : null,
    );
  }

  /** A change thread lists the proposals it answers with their outcome (staff can edit the
   *  list); a proposal a change thread answers says so, with a link to it. */
  function linkedThreads(th) {
    if (th.kind !== "change") {
      const items = th.changed_in || [];
      if (!items.length) return null;
      // "반영되었습니다" only when the answer says so; a proposal still under review, or declined,
      // shows the change thread as a related one (v1.2, issue 22 part 5).
      if (!realised(th)) {
        return h(
          "section",
          { class: "changed-in-related", "data-role": "changed-in", "aria-labelledby": "changed-in-title" },
          h("h2", { id: "changed-in-title", class: "linked-title" }, t("changedIn.related")),
          h("ul", null, items.map((item) => h("li", null, h("a", { href: `/threads/${item.id}` }, t("changedIn.see", { title: item.title ?? t("thread.hiddenTitle") }))))),
        );
      }
      return h(
        "section",
        { class: "changed-in-notice", "data-role": "changed-in", "aria-labelledby": "changed-in-title" },
        h("h2", { id: "changed-in-title", class: "linked-title" }, h("span", { class: "changed-in-mark", "aria-hidden": "true" }, "✓"), " ", t("changedIn.notice")),
        h("ul", null, items.map((item) => h("li", null, h("a", { href: `/threads/${item.id}` }, t("changedIn.see", { title: item.title }))))),
      );
    }
    const items = th.links || [];
    const staff = isStaff();
    if (!items.length && !staff) return null;
    return h(
      "nav",
      { class: "linked-threads", "aria-label": t("thread.links"), "data-role": "links" },
      h("h2", { class: "linked-title" }, t("thread.links")),
      items.length
        ? h("ul", null, items.map((item) => h("li", { "data-thread-id": item.id }, h("a", { href: `/threads/${item.id}` }, item.title ?? t("thread.hiddenTitle")), " ", statusBadges(item))))
        : h("p", { class: "muted" }, t("links.none")),
      staff ? linksEditor(th) : null,
    );
  }

  /** Staff edit which proposals a change thread answers. */
  function linksEditor(th) {
    const slot = h("div", { class: "links-editor-slot" });
    const editButton = h("button", { type: "button", class: "btn btn-small btn-outline", "data-role": "links-edit", "aria-expanded": "false", onclick: () => toggleEditor() }, t("links.edit"));
    function toggleEditor() {
      if (slot.firstChild) {
        slot.replaceChildren();
        editButton.setAttribute("aria-expanded", "false");
        editButton.focus();
        return;
      }
      editButton.setAttribute("aria-expanded", "true");
      const picker = linkPicker({ label: t("links.pick"), initial: view.current().thread.links || [] });
      const error = h("p", { class: "form-error", role: "alert", hidden: true });
      const save = h("button", { type: "submit", class: "btn btn-primary", "data-role": "links-save" }, t("links.save"));
      const form = h(
        "form",
        { class: "links-editor", novalidate: true },
        picker.field,
        error,
        h("div", { class: "form-actions" }, h("button", { type: "button", class: "btn btn-ghost", onclick: () => toggleEditor() }, t("links.cancel")), save),
      );
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        save.disabled = true;
        error.hidden = true;
        try {
          const stored = await api.put(`/api/threads/${th.id}/links`, { links: picker.ids() });
          // The stored list with each proposal's status and outcome, as everyone now sees it (and
          // in the order GET /api/threads/{id} gives it).
          const links = [...stored.links].sort((a, b) => a.id - b.id);
          view.change(patchThread(view.current(), { links }));
          view.ctx.toast(t("links.saved"));
          /** @type {HTMLElement | null} */ (el.querySelector('[data-role="links-edit"]'))?.focus();
        } catch (err) {
          error.textContent = errorMessage(err);
          error.hidden = false;
          save.disabled = false;
        }
      });
      slot.append(form);
      picker.field.querySelector("input").focus();
    }
    return [editButton, slot];
  }

  /** @type {import("./view.js").Part["update"]} */
  function update(before, after, { quiet }) {
    const change = headChange(before, after);
    if (change === "head") view.keepingScroll(() => render(after));
    else {
      if (change === "badges") renderBadges(after);
      if (countsChanged(before, after)) renderCounts(after);
    }
    if (quiet) return;
    // A status that came with an official answer is announced with the answer (answers.js).
    if (statusChanged(before, after) && before.answers === after.answers) {
      view.ctx.announce(t("thread.announceStatus", { status: t(`status.${after.thread.status}`) }));
    }
    if (dueChanged(before, after) && after.thread.answer_due) {
      view.ctx.announce(t("due.badge", { date: dueDate(after.thread.answer_due) }));
    }
    const linked = addedChanges(before, after).at(-1);
    if (linked) view.ctx.announce(t(realised(after.thread) ? "changedIn.announce" : "changedIn.relatedAnnounce", { title: linked.title }));
    if (after.thread.hidden && !before.thread.hidden) view.ctx.announce(t("thread.announceHidden"));
  }

  return { el, commentsTitle, render, update };
}

/** Whether a proposal's answer put it into practice (반영, 부분반영). */
function realised(th) {
  return th.outcome === "accepted" || th.outcome === "partially_accepted";
}
