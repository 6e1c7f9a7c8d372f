// @ts-check
// Comments with one level of replies: each card with its recommend, reply, edit, delete, report
// and (for moderators) hide/restore; posting a comment or a reply. New comments from others are
// marked, counted in the "new below" pill and announced; this reader's own are not.

import { attachmentList } from "../attachments.js";
import { api } from "../api.js";
import { composer, errorMessage, LIMITS } from "../composer.js";
import { h, replace } from "../dom.js";
import { confirmPanel, editedMark, editForm } from "../editing.js";
import { authorLabel, t } from "../i18n.js";
import { authorEl } from "../labels.js";
import { engaged } from "../notices.js";
import { currentUser, isModerator } from "../session.js";
import { patchComment } from "../thread-state.js";
import { timeEl } from "../time.js";
import { commentAnnouncer, newBelow } from "./attention.js";
import { commentChanges, isClosed } from "./changes.js";
import { inlineFormButton, reasonForm } from "./forms.js";
import { copyLinkButton } from "./permalinks.js";
import { recommendButton } from "./recommend.js";
import { paragraphs } from "./view.js";

/** @typedef {import("./view.js").ThreadState} ThreadState */
/** @typedef {import("../thread-state.js").Comment} Comment */
/** @typedef {import("./recommend.js").RecommendButton} RecommendButton */

// How long a comment from someone else keeps its "new" mark.
const NEW_MARK_MS = 15_000;

/** @param {ThreadState} state */
const closed = (state) => !!state.thread && isClosed(state);

/** @param {import("./view.js").ThreadView} view */
export function commentsPart(view) {
  const me = currentUser();
  const list = h("ol", { class: "comment-list" });
  const empty = h("p", { class: "muted empty-comments" }, t("thread.noComments"));
  const pill = newBelow();
  const announcer = commentAnnouncer(view.ctx.announce);
  // Ids the server returned for this tab's own POSTs: "mine" is decided by id, never by text
  // (two readers posting the same "동의합니다." at once must not be confused).
  /** @type {Set<number>} */
  const ownIds = new Set();

  /** @param {number} id */
  const cardOf = (id) => /** @type {HTMLElement | null} */ (list.querySelector(`[data-comment-id="${id}"] > .comment-card`));

  // --- one comment ---
  function commentBody(c, state) {
    if (c.erased) return h("div", { class: "comment-placeholder", "data-role": "erased" }, h("p", null, t("comment.erased")));
    if (c.withdrawn) return h("div", { class: "comment-placeholder", "data-role": "withdrawn" }, h("p", null, t("comment.withdrawn")));
    if (c.hidden) {
      const reason = state.reasons.get(c.id);
      return h(
        "div",
        { class: "comment-placeholder" },
        h("p", null, t("comment.hidden")),
        reason ? h("p", { class: "muted" }, t("comment.hiddenReason", { reason })) : null,
      );
    }
    return h("div", { class: "comment-body" }, paragraphs(c.body || ""), attachmentList(c.attachments));
  }

  /** A moderation result from REST goes through the reducer like the frame that reports it. */
  function moderated(comment, reason) {
    view.dispatch({ type: "event", event: comment.hidden ? "comment.hidden" : "comment.restored", data: { comment, reason } }, { quiet: true });
  }

  function reportForm(c) {
    return reasonForm({
      label: t("comment.reportReason"),
      submitLabel: t("comment.reportSend"),
      onSend: async (reason) => {
        await api.post(`/api/comments/${c.id}/reports`, { reason });
        view.ctx.toast(t("comment.reported"));
      },
    });
  }

  function hideForm(c) {
    return reasonForm({
      label: t("comment.hideReason"),
      submitLabel: t("comment.hideSend"),
      danger: true,
      onSend: async (reason) => moderated(await api.post(`/api/comments/${c.id}/hide`, { reason }), reason),
    });
  }

  function editCommentForm(c, close) {
    return editForm({
      label: t("edit.commentLabel"),
      fields: [{ name: "body", label: t("edit.commentLabel"), max: LIMITS.comment, value: c.body || "", rows: 3 }],
      close,
      save: async (values) => {
        const comment = await api.patch(`/api/comments/${c.id}`, values);
        view.dispatch({ type: "event", event: "comment.edited", data: { comment } }, { quiet: true });
        view.ctx.toast(t("edit.saved"));
      },
    }).form;
  }

  function deleteCommentPanel(c, close) {
    return confirmPanel({
      message: t("edit.deleteConfirm"),
      yes: t("edit.deleteYes"),
      close,
      onConfirm: async () => {
        const comment = await api.del(`/api/comments/${c.id}`);
        view.dispatch({ type: "event", event: "comment.withdrawn", data: { comment } }, { quiet: true });
        view.ctx.toast(t("edit.deleted"));
      },
    }).panel;
  }

  function restoreButton(c) {
    return h(
      "button",
      {
        type: "button",
        class: "btn btn-small btn-outline",
        onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          try {
            moderated(await api.post(`/api/comments/${c.id}/restore`, {}), null);
          } catch (err) {
            view.ctx.toast(errorText(err), "error");
            button.disabled = false;
          }
        },
      },
      t("comment.restore"),
    );
  }

  /**
   * Draw comment `c` into its card (kept: its "new" and "target" marks stay).
   * @param {HTMLElement} card
   * @param {Comment} c
   * @param {ThreadState} state
   */
  function fillComment(card, c, state) {
    const forms = h("div", { class: "comment-forms" });
    const actions = h("div", { class: "comment-actions" });
    if (!c.hidden && !c.withdrawn && !c.erased) {
      const rec = recommendButton({
        count: c.counts.recommendations,
        on: !!c.recommended,
        mine: !!c.mine,
        target: t("comment.recommendTarget"),
        text: t("thread.recommend"),
        path: `/api/comments/${c.id}/recommendation`,
        small: true,
        toast: view.ctx.toast,
        onResult: (result) => {
          view.change(patchComment(view.current(), c.id, { recommended: result.recommended, counts: { recommendations: result.count } }));
          if (result.recommended) engaged(view.threadId);
        },
      });
      rec.dataset.role = "comment-recommend";
      actions.append(rec);
      if (me) {
        if (!closed(state)) {
          actions.append(h("button", { type: "button", class: "btn btn-small btn-ghost", onclick: () => openReply(c) }, t("comment.reply")));
        }
        if (c.mine) {
          actions.append(inlineFormButton(forms, t("edit.edit"), (close) => editCommentForm(c, close), "btn-ghost", "comment-edit"));
          actions.append(inlineFormButton(forms, t("edit.delete"), (close) => deleteCommentPanel(c, close), "btn-danger-ghost", "comment-delete"));
        }
        // Moderators act on comments directly (hide below); reporting to themselves makes no sense.
        if (!c.mine && !isModerator()) actions.append(inlineFormButton(forms, t("comment.report"), reportForm(c)));
      }
      actions.append(copyLinkButton(view, `comment-${c.id}`));
    }
    if (isModerator() && !c.withdrawn) {
      actions.append(c.hidden ? restoreButton(c) : inlineFormButton(forms, t("comment.hide"), hideForm(c), "btn-danger-ghost"));
    }
    const isNew = card.classList.contains("is-new");
    card.className = `comment-card${c.hidden || c.withdrawn || c.erased ? " is-hidden" : ""}${c.mine ? " is-mine" : ""}${isNew ? " is-new" : ""}${card.classList.contains("is-target") ? " is-target" : ""}`;
    replace(
      card,
      h(
        "header",
        { class: "comment-head" },
        authorEl(c.author, { mine: c.mine }),
        timeEl(c.created_at),
        c.hidden || c.withdrawn || c.erased ? null : editedMark(c, `/api/comments/${c.id}/revisions`, authorLabel(c.author)),
        isNew ? h("span", { class: "badge badge-new" }, t("comment.new")) : null,
      ),
      commentBody(c, state),
      actions.childNodes.length ? actions : null,
      forms,
    );
  }

  function commentItem(c, state) {
    const card = h("article", { class: "comment-card", "data-anchor": "comment", tabindex: "-1", "aria-label": authorLabel(c.author) });
    fillComment(card, c, state);
    const li = h("li", { class: c.parent_id ? "comment reply" : "comment", id: `comment-${c.id}`, "data-comment-id": c.id, "data-seq": c.seq }, card);
    if (!c.parent_id) li.append(h("ol", { class: "replies" }));
    return li;
  }

  /** A reply goes under its comment (before an open reply form); a comment at the end. */
  function insertComment(c, state) {
    const li = commentItem(c, state);
    if (c.parent_id) {
      const parent = list.querySelector(`[data-comment-id="${c.parent_id}"] > .replies`);
      if (parent) {
        parent.insertBefore(li, parent.querySelector(":scope > .reply-slot"));
        return li;
      }
    }
    list.append(li);
    return li;
  }

  /** A comment the state just gained: inserted in place, marked and announced unless quiet or own. */
  function showComment(c, state, { quiet }) {
    /** @type {HTMLElement} */
    let li;
    view.keepingScroll(() => {
      li = insertComment(c, state);
      empty.hidden = true;
    });
    if (quiet || ownIds.has(c.id) || c.hidden) return;
    const card = /** @type {HTMLElement} */ (li.firstChild);
    card.classList.add("is-new");
    fillComment(card, c, state);
    setTimeout(() => {
      card.classList.remove("is-new");
      card.querySelector(".badge-new")?.remove();
    }, NEW_MARK_MS);
    pill.mark(li);
    announcer.queue(c);
  }

  // --- posting ---
  /**
   * POST a comment (a reply when parentId is given). The same path as its frame follows, which
   * live.js drops as already seen and the reducer would ignore anyway: counted once, drawn once,
   * not announced.
   * @param {string} text
   * @param {number | null} parentId
   * @param {number[]} [files]  upload ids to attach
   * @returns {Promise<{note?: string}>}  a note to show under the composer (a held comment)
   */
  async function post(text, parentId, files = []) {
    /** @type {{body: string, parent_id?: number, attachments?: number[]}} */
    const body = { body: text };
    if (parentId) body.parent_id = parentId;
    if (files.length) body.attachments = files;
    const posted = await api.post(`/api/threads/${view.threadId}/comments`, body);
    // Held for a moderator (pre-moderation outside office hours): not a comment yet, and its id
    // is a held id, not a comment id. It appears through its frame once released.
    if (posted.held) return { note: t("comment.held") };
    engaged(view.threadId);
    ownIds.add(posted.id);
    const existing = view.current().comments.get(posted.id);
    if (existing) {
      // Its frame came before the POST's answer: it was shown as someone else's new comment.
      // Take back the "new" mark and the announcement, and mark it as mine.
      announcer.drop(posted.id);
      const card = cardOf(posted.id);
      if (card) {
        card.classList.remove("is-new");
        pill.forget(card.parentElement);
      }
      view.change(patchComment(view.current(), posted.id, { mine: true, recommended: posted.recommended ?? existing.recommended }));
    } else {
      view.dispatch({ type: "event", event: "comment.created", data: { comment: posted } });
    }
    return {};
  }

  function openReply(c) {
    const topId = c.parent_id || c.id;
    const replies = list.querySelector(`[data-comment-id="${topId}"] > .replies`);
    if (!replies) return;
    let slot = replies.querySelector(":scope > .reply-slot");
    if (!slot) {
      slot = h("li", { class: "reply-slot" });
      replies.append(slot);
    }
    const close = () => slot.remove();
    const reply = composer({
      label: t("comment.replyTo", { author: authorLabel(c.author) }),
      placeholder: t("composer.placeholder"),
      rows: 3,
      compact: true,
      send: async (text) => {
        const result = await post(text, topId);
        // A held reply keeps the composer open to show why it does not appear yet.
        if (result.note) return result;
        close();
        return undefined;
      },
      onCancel: close,
    });
    replace(slot, reply.el);
    reply.focus();
  }

  // --- the list ---
  /** @param {ThreadState} state */
  function render(state) {
    list.replaceChildren();
    const all = [...state.comments.values()].sort((a, b) => a.seq - b.seq);
    for (const c of all.filter((x) => !x.parent_id)) insertComment(c, state);
    for (const c of all.filter((x) => x.parent_id)) insertComment(c, state);
    empty.hidden = state.comments.size > 0;
  }

  /** @type {import("./view.js").Part["update"]} */
  function update(before, after, { quiet }) {
    const changes = commentChanges(before, after);
    if (changes.whole) {
      view.keepingScroll(() => render(after));
      return;
    }
    for (const c of changes.recounted) {
      const button = /** @type {RecommendButton | null} */ (cardOf(c.id)?.querySelector('[data-role="comment-recommend"]'));
      if (button) button.update(c.counts.recommendations, !!c.recommended);
    }
    for (const c of changes.redrawn) {
      const card = cardOf(c.id);
      if (card) view.keepingScroll(() => fillComment(card, c, after));
    }
    for (const c of changes.added) showComment(c, after, { quiet: quiet || !changes.arrived });
  }

  function unmount() {
    announcer.cancel();
    pill.disconnect();
  }

  return { list, empty, pill: pill.el, render, update, post, unmount };
}

/** @param {unknown} err */
function errorText(err) {
  return errorMessage(err, "error.generic");
}
