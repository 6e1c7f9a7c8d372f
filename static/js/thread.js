// A thread: the proposal, official answers, comments with one level of replies, live updates.
//
// Loading: REST first (thread, then every page of comments), then `thread:{id}` with
// since = the thread's seq, so nothing falls between. Events are applied idempotently (a comment
// already shown is not shown twice), in seq order; live.js drops anything at or below the last seq.
// New content never moves what the reader is looking at: every insertion keeps the element at the
// top of the viewport where it was.

import { api, ApiError, query } from "./api.js";
import { composer, countedField, errorMessage, LIMITS } from "./composer.js";
import { h, replace, uid } from "./dom.js";
import { authorLabel, t } from "./i18n.js";
import { authorEl, kindBadge, outcomeBadge, statusBadge, statusBadges } from "./labels.js";
import { renderNotFound } from "./notfound.js";
import { apply, initial, patchComment, patchThread } from "./thread-state.js";
import { currentUser, isModerator, isStaff } from "./session.js";
import { linkPicker } from "./links.js";
import { confirmPanel, editedMark, editForm } from "./editing.js";
import { timeEl } from "./time.js";
import { engaged, followButton } from "./notices.js";

const COMMENT_PAGE = 200;
// Several comments in a burst become one announcement instead of a queue of them.
const ANNOUNCE_DELAY_MS = 1_200;
const OUTCOMES = ["accepted", "partially_accepted", "declined"];

function paragraphs(text) {
  return h("div", { class: "prose" }, text);
}

export function mountThread(root, threadId, ctx) {
  const me = currentUser();
  const state = {
    thread: null,
    answers: new Map(),
    comments: new Map(), // id -> comment
    reasons: new Map(), // comment id -> hide reason seen live
    paused: false,
    pending: [],
    pendingCounts: null,
    quietUntil: 0,
    // Ids the server returned for this tab's own POSTs: "mine" is decided by id, never by text
    // (two readers posting the same "동의합니다." at once must not be confused).
    ownIds: new Set(),
    freshAnswers: new Set(), // answers that arrived live, marked for a while
  };
  let alive = true;
  let sub = null;
  const els = {};
  const unseen = new Set();
  let announceQueue = [];
  let announceTimer = null;

  // --- scroll keeping ---
  function anchorElement() {
    const headerBottom = document.getElementById("site-header").getBoundingClientRect().bottom;
    const candidates = root.querySelectorAll("[data-anchor]");
    for (const el of candidates) {
      const rect = el.getBoundingClientRect();
      if (rect.bottom > headerBottom + 4) return el;
    }
    return null;
  }

  function keepingScroll(mutate) {
    const anchor = anchorElement();
    const before = anchor ? anchor.getBoundingClientRect().top : 0;
    mutate();
    if (anchor && anchor.isConnected) {
      const shift = anchor.getBoundingClientRect().top - before;
      if (Math.abs(shift) > 0.5) window.scrollBy(0, shift);
    }
  }

  // --- announcements ---
  function queueAnnouncement(comment) {
    announceQueue.push(comment);
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      // A comment hidden since it arrived (a replay brings both) is not read out.
      const batch = announceQueue.filter((c) => !c.hidden);
      announceQueue = [];
      if (batch.length === 1) {
        const c = batch[0];
        const text = (c.body || "").slice(0, 120);
        ctx.announce(t("thread.announceComment", { author: authorLabel(c.author), text }));
      } else if (batch.length > 1) {
        ctx.announce(t("thread.announceComments", { n: batch.length }));
      }
    }, ANNOUNCE_DELAY_MS);
  }

  // --- "new below" pill ---
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) {
          unseen.delete(entry.target);
          observer.unobserve(entry.target);
        }
      }
      renderNewBelow();
    },
    { threshold: 0.4 },
  );

  function markUnseen(el) {
    const rect = el.getBoundingClientRect();
    if (rect.top >= window.innerHeight) {
      unseen.add(el);
      observer.observe(el);
      renderNewBelow();
    }
  }

  function renderNewBelow() {
    for (const el of [...unseen]) if (!el.isConnected) unseen.delete(el);
    els.newBelow.hidden = unseen.size === 0;
    els.newBelow.textContent = t("thread.newBelow", { n: unseen.size });
  }

  function jumpToUnseen() {
    const first = [...unseen].sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)[0];
    if (!first) return;
    const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    first.scrollIntoView({ block: "center", behavior: reduce ? "auto" : "smooth" });
    first.focus({ preventScroll: true });
  }

  // --- skeleton ---
  els.head = h("div", { class: "thread-head" });
  els.answers = h("section", { class: "answers", "aria-labelledby": "answers-title" });
  els.staff = h("section", { class: "staff-tools", "aria-labelledby": "staff-title", hidden: true });
  els.commentsTitle = h("h2", { id: "comments-title" });
  els.pauseButton = h("button", { type: "button", class: "btn btn-small btn-outline", "aria-pressed": "false", onclick: () => setPaused(!state.paused) });
  els.pausedNote = h("p", { class: "paused-note", role: "status" });
  els.list = h("ol", { class: "comment-list" });
  els.empty = h("p", { class: "muted empty-comments" }, t("thread.noComments"));
  els.composer = h("div", { class: "composer-slot" });
  els.newBelow = h("button", { type: "button", class: "new-below", hidden: true, onclick: jumpToUnseen });
  els.status = h("div", { class: "thread-status" });
  // The author's edit form or withdraw confirmation: kept across redraws of the head.
  els.authorForms = h("div", { class: "author-forms" });
  els.similar = h("aside", { class: "similar-threads", "aria-labelledby": "similar-title", hidden: true, "data-role": "similar-threads" });

  replace(
    root,
    h(
      "div",
      { class: "thread-page" },
      h("nav", { class: "crumbs", "aria-label": t("nav.board") }, h("a", { href: "/", class: "back-link" }, "← ", t("thread.back"))),
      els.status,
      h("article", { class: "thread", "aria-labelledby": "thread-title" }, els.head),
      els.answers,
      els.similar,
      els.staff,
      h(
        "section",
        { class: "comments", "aria-labelledby": "comments-title" },
        h("div", { class: "comments-head" }, els.commentsTitle, h("div", { class: "comments-tools" }, els.pauseButton)),
        els.pausedNote,
        els.list,
        els.empty,
        els.composer,
      ),
      els.newBelow,
    ),
  );
  els.head.append(h("p", { class: "muted" }, t("board.loading")));
  els.pausedNote.hidden = true;

  // --- rendering: thread head ---
  function renderHead() {
    const th = state.thread;
    const recommend = recommendButton({
      count: th.counts.recommendations,
      on: !!th.recommended,
      mine: !!th.mine,
      target: t("thread.recommendTarget"),
      text: t("thread.recommend"),
      path: `/api/threads/${th.id}/recommendation`,
      onResult: (result) => {
        commit(patchThread(model(), { recommended: result.recommended, counts: { recommendations: result.count } }));
        if (result.recommended) engaged(th.id);
      },
    });
    recommend.dataset.role = "thread-recommend";
    replace(
      els.head,
      h(
        "div",
        { class: "thread-badges" },
        kindBadge(th.kind),
        statusBadges(th),
        th.category ? h("a", { class: "chip", href: `/?category=${encodeURIComponent(th.category)}` }, th.category) : null,
      ),
      h("h1", { id: "thread-title", class: "thread-title", tabindex: "-1" }, th.title),
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
      h("div", { class: "thread-body", "data-anchor": "body" }, paragraphs(th.body)),
      linkedThreads(th),
      h(
        "div",
        { class: "thread-actions" },
        recommend,
        h("span", { class: "stat", "data-role": "comment-count" }, t("count.comments", { n: th.counts.comments })),
        authorTools(th),
        followButton(th, (message) => ctx.toast(message, "error")),
      ),
      els.authorForms,
    );
    document.title = `${th.title} · ${t("app.name")}`;
  }

  /** The author's own buttons: edit (until the first official answer) and withdraw (until the final one). */
  function authorTools(th) {
    if (!th.mine) return null;
    const proposal = th.kind === "proposal";
    const editable = !proposal || (th.status !== "withdrawn" && state.answers.size === 0);
    const withdrawable = proposal && th.status !== "withdrawn" && th.status !== "answered";
    if (!editable && !withdrawable) return null;
    const open = (build) => {
      els.authorForms.replaceChildren();
      const closeForm = () => {
        els.authorForms.replaceChildren();
        els.head.querySelector('[data-role="thread-edit"]')?.focus();
      };
      const made = build(closeForm);
      els.authorForms.append(made.form || made.panel);
      made.focus();
    };
    return h(
      "span",
      { class: "author-tools" },
      editable
        ? h("button", { type: "button", class: "btn btn-small btn-outline", "data-role": "thread-edit", onclick: () => open((close) => editForm({
            label: t("edit.edit"),
            fields: [
              { name: "title", label: t("edit.titleLabel"), max: LIMITS.title, value: state.thread.title, multiline: false },
              { name: "body", label: t("edit.bodyLabel"), max: LIMITS.threadBody, value: state.thread.body, rows: 8 },
            ],
            close,
            save: async (values) => {
              const updated = await api.patch(`/api/threads/${th.id}`, values);
              applyFrame({ type: "event", event: "thread.updated", data: { thread: updated } }, { quiet: true });
              ctx.toast(t("edit.saved"));
            },
          })) }, t("edit.edit"))
        : null,
      withdrawable
        ? h("button", { type: "button", class: "btn btn-small btn-danger-ghost", "data-role": "thread-withdraw", onclick: () => open((close) => confirmPanel({
            message: t("edit.withdrawConfirm"),
            yes: t("edit.withdrawYes"),
            close,
            onConfirm: async () => {
              const updated = await api.post(`/api/threads/${th.id}/withdraw`, {});
              applyStatus(updated.status, updated.outcome);
              ctx.toast(t("edit.withdrawn"));
            },
          })) }, t("edit.withdraw"))
        : null,
    );
  }

  /** A change thread lists the proposals it answers with their outcome (staff can edit the
   *  list); a proposal a change thread answers says so, with a link to it. */
  function linkedThreads(th) {
    if (th.kind !== "change") {
      const items = th.changed_in || [];
      if (!items.length) return null;
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
    const slot = h("div", { class: "links-editor-slot" });
    const editButton = staff
      ? h("button", { type: "button", class: "btn btn-small btn-outline", "data-role": "links-edit", "aria-expanded": "false", onclick: () => toggleEditor() }, t("links.edit"))
      : null;
    function toggleEditor() {
      if (slot.firstChild) {
        slot.replaceChildren();
        editButton.setAttribute("aria-expanded", "false");
        editButton.focus();
        return;
      }
      editButton.setAttribute("aria-expanded", "true");
      const picker = linkPicker({ label: t("links.pick"), initial: state.thread.links || [] });
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
          await api.put(`/api/threads/${th.id}/links`, { links: picker.ids() });
          // The stored list with each proposal's status and outcome, as everyone now sees it.
          const fresh = await api.get(`/api/threads/${th.id}`);
          commit({ thread: { ...state.thread, links: fresh.links } });
          keepingScroll(() => renderHead());
          ctx.toast(t("links.saved"));
          els.head.querySelector('[data-role="links-edit"]')?.focus();
        } catch (err) {
          error.textContent = errorMessage(err);
          error.hidden = false;
          save.disabled = false;
        }
      });
      slot.append(form);
      picker.field.querySelector("input").focus();
    }
    return h(
      "nav",
      { class: "linked-threads", "aria-label": t("thread.links"), "data-role": "links" },
      h("h2", { class: "linked-title" }, t("thread.links")),
      items.length
        ? h("ul", null, items.map((item) => h("li", { "data-thread-id": item.id }, h("a", { href: `/threads/${item.id}` }, item.title), " ", statusBadges(item))))
        : h("p", { class: "muted" }, t("links.none")),
      editButton,
      slot,
    );
  }

  function renderCounts() {
    const th = state.thread;
    const w = els.head.querySelector('[data-role="watchers"]');
    if (w) w.lastChild.textContent = t("count.watchers", { n: th.counts.watchers });
    const c = els.head.querySelector('[data-role="comment-count"]');
    if (c) c.textContent = t("count.comments", { n: th.counts.comments });
    els.commentsTitle.textContent = t("thread.commentsCount", { n: th.counts.comments });
    const r = els.head.querySelector('[data-role="thread-recommend"]');
    if (r) r.update(th.counts.recommendations, !!th.recommended);
  }

  function renderBadges() {
    const holder = els.head.querySelector('.thread-badges [data-role="status"]');
    if (holder) holder.replaceWith(statusBadges(state.thread));
  }

  // --- rendering: answers ---
  function answerForm(a, close) {
    const made = editForm({
      label: t("edit.answerLabel"),
      fields: [{ name: "body", label: t("edit.answerLabel"), max: LIMITS.threadBody, value: a.body, rows: 6 }],
      close,
      save: async (values) => {
        const answer = await api.patch(`/api/answers/${a.id}`, values);
        applyFrame({ type: "event", event: "answer.edited", data: { answer } }, { quiet: true });
        ctx.toast(t("edit.saved"));
      },
    });
    return made.form;
  }

  function answerCard(a) {
    const forms = h("div", { class: "answer-forms" });
    const final = a.status === "answered";
    const fresh = state.freshAnswers.has(a.id);
    return h(
      "article",
      {
        class: `answer-card${final ? " answer-final" : ""}${fresh ? " is-new" : ""}`,
        id: `answer-${a.id}`,
        tabindex: "-1",
        "data-anchor": "answer",
        "data-answer-id": a.id,
      },
      h(
        "header",
        { class: "answer-head" },
        authorEl(a.author),
        h("span", { class: "answer-kind" }, final ? t("thread.answerFinal") : t("thread.answerInterim")),
        h("span", { class: "badges" }, statusBadge(a.status), outcomeBadge(a.outcome)),
        fresh ? h("span", { class: "badge badge-new" }, t("thread.answerNew")) : null,
        timeEl(a.created_at),
        editedMark(a, `/api/answers/${a.id}/revisions`, t("thread.answers")),
      ),
      h("div", { class: "answer-body" }, paragraphs(a.body)),
      h("div", { class: "answer-actions" }, copyLinkButton(`answer-${a.id}`), isStaff() ? inlineFormButton(forms, t("edit.correct"), (close) => answerForm(a, close), "btn-ghost", "answer-edit") : null),
      forms,
    );
  }

  // --- permalinks ---
  function copyLinkButton(anchor) {
    return h(
      "button",
      { type: "button", class: "btn btn-small btn-ghost", "data-role": "copy-link", onclick: () => copyLink(anchor) },
      t("comment.copyLink"),
    );
  }

  async function copyLink(anchor) {
    const url = `${location.origin}${location.pathname}#${anchor}`;
    history.replaceState(history.state, "", `#${anchor}`);
    highlightTarget(false);
    try {
      await navigator.clipboard.writeText(url);
      ctx.toast(t("comment.linkCopied"));
    } catch {
      // No clipboard (an insecure origin, a refused permission): the address bar has the link now.
      ctx.toast(t("comment.linkInAddressBar"));
    }
  }

  /** Mark the comment or answer the address points at (#comment-N, #answer-N), and bring it into view. */
  function highlightTarget(scroll = true) {
    for (const el of root.querySelectorAll(".is-target")) el.classList.remove("is-target");
    const id = decodeURIComponent(location.hash.slice(1));
    if (!/^(comment|answer)-\d+$/.test(id)) return;
    const target = document.getElementById(id);
    if (!target) return;
    const card = target.matches(".comment") ? target.querySelector(":scope > .comment-card") : target;
    card.classList.add("is-target");
    if (scroll) {
      card.scrollIntoView({ block: "center" });
      card.focus({ preventScroll: true });
    }
  }

  function renderAnswers() {
    const th = state.thread;
    if (th.kind !== "proposal") {
      els.answers.hidden = true;
      return;
    }
    els.answers.hidden = false;
    const answers = [...state.answers.values()].sort((a, b) => a.seq - b.seq);
    replace(
      els.answers,
      h("h2", { id: "answers-title" }, h("span", { class: "badge badge-pps" }, t("author.staff")), " ", t("thread.answers")),
      answers.length ? answers.map(answerCard) : h("p", { class: "muted no-answer" }, t("thread.noAnswer")),
    );
  }

  // --- rendering: staff tools ---
  function renderStaff() {
    const th = state.thread;
    if (!isStaff() || th.kind !== "proposal") {
      els.staff.hidden = true;
      els.staff.replaceChildren();
      return;
    }
    els.staff.hidden = false;
    if (els.staff.firstChild) {
      // Keep what the staff member is typing; only the status part changes.
      els.staff.querySelector('[data-role="status-tools"]').replaceWith(statusTools());
      return;
    }
    const body = countedField({ label: t("staff.answerBody"), max: LIMITS.threadBody, rows: 5, name: "answer" });
    const outcomeId = uid("outcome");
    const helpId = uid("help");
    const outcome = h(
      "select",
      { id: outcomeId, class: "select", name: "outcome", "aria-describedby": helpId },
      h("option", { value: "" }, t("staff.outcomeNone")),
      OUTCOMES.map((o) => h("option", { value: o }, t(`outcome.${o}`))),
    );
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const submit = h("button", { type: "submit", class: "btn btn-primary" }, t("staff.answerSubmit"));
    body.onChange(() => (submit.disabled = !body.ok));
    submit.disabled = !body.ok;
    const form = h(
      "form",
      { class: "answer-form", novalidate: true },
      h("h3", null, t("staff.answer")),
      body.field,
      h("div", { class: "field" }, h("label", { for: outcomeId }, t("staff.outcome")), outcome, h("p", { id: helpId, class: "help" }, t("staff.outcomeHelp"))),
      error,
      h("div", { class: "form-actions" }, submit),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!body.ok) return;
      submit.disabled = true;
      error.hidden = true;
      const payload = { body: body.input.value.trim() };
      if (outcome.value) payload.outcome = outcome.value;
      try {
        const answer = await api.post(`/api/threads/${th.id}/answers`, payload);
        applyAnswer(answer);
        body.input.value = "";
        outcome.value = "";
        body.update();
      } catch (err) {
        error.textContent = errorMessage(err);
        error.hidden = false;
      } finally {
        submit.disabled = !body.ok;
      }
    });
    replace(
      els.staff,
      h("h2", { id: "staff-title" }, t("staff.tools")),
      h("div", { class: "staff-grid" }, form, statusTools()),
    );
  }

  function statusTools() {
    const th = state.thread;
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const buttons = ["received", "reviewing"].map((status) =>
      h(
        "button",
        {
          type: "button",
          class: "btn btn-outline",
          disabled: th.status === status,
          onclick: async (event) => {
            event.target.disabled = true;
            error.hidden = true;
            try {
              const updated = await api.patch(`/api/threads/${th.id}`, { status });
              applyStatus(updated.status, updated.outcome);
            } catch (err) {
              error.textContent = errorMessage(err, "error.generic");
              error.hidden = false;
              event.target.disabled = false;
            }
          },
        },
        t(`staff.statusSet.${status}`),
      ),
    );
    return h(
      "div",
      { class: "status-tools", "data-role": "status-tools" },
      h("h3", null, t("staff.status")),
      h("p", { class: "status-current" }, t("staff.statusCurrent", { status: "" }), statusBadges(th)),
      h("div", { class: "button-row" }, buttons),
      error,
    );
  }

  // --- rendering: comments ---
  function commentBody(c) {
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
    return h("div", { class: "comment-body" }, paragraphs(c.body || ""));
  }

  function fillComment(card, c) {
    const forms = h("div", { class: "comment-forms" });
    const actions = h("div", { class: "comment-actions" });
    const closed = state.thread && state.thread.status === "withdrawn";
    if (!c.hidden && !c.withdrawn) {
      const rec = recommendButton({
        count: c.counts.recommendations,
        on: !!c.recommended,
        mine: !!c.mine,
        target: t("comment.recommendTarget"),
        text: t("thread.recommend"),
        path: `/api/comments/${c.id}/recommendation`,
        small: true,
        onResult: (result) => {
          commit(patchComment(model(), c.id, { recommended: result.recommended, counts: { recommendations: result.count } }));
          if (result.recommended) engaged(threadId);
        },
      });
      rec.dataset.role = "comment-recommend";
      actions.append(rec);
      if (me) {
        if (!closed) {
          actions.append(
            h(
              "button",
              { type: "button", class: "btn btn-small btn-ghost", onclick: () => openReply(c) },
              t("comment.reply"),
            ),
          );
        }
        if (c.mine) {
          actions.append(inlineFormButton(forms, t("edit.edit"), (close) => commentEditForm(c, close), "btn-ghost", "comment-edit"));
          actions.append(inlineFormButton(forms, t("edit.delete"), (close) => commentDeletePanel(c, close), "btn-danger-ghost", "comment-delete"));
        }
        // Moderators act on comments directly (hide below); reporting to themselves makes no sense.
        if (!c.mine && !isModerator()) actions.append(inlineFormButton(forms, t("comment.report"), reportForm(c)));
      }
      actions.append(copyLinkButton(`comment-${c.id}`));
    }
    if (isModerator() && !c.withdrawn) {
      if (c.hidden) {
        actions.append(
          h(
            "button",
            {
              type: "button",
              class: "btn btn-small btn-outline",
              onclick: async (event) => {
                event.target.disabled = true;
                try {
                  applyModeration(await api.post(`/api/comments/${c.id}/restore`, {}), null);
                } catch (err) {
                  ctx.toast(errorMessage(err, "error.generic"), "error");
                  event.target.disabled = false;
                }
              },
            },
            t("comment.restore"),
          ),
        );
      } else {
        actions.append(inlineFormButton(forms, t("comment.hide"), hideForm(c), "btn-danger-ghost"));
      }
    }
    card.className = `comment-card${c.hidden || c.withdrawn ? " is-hidden" : ""}${c.mine ? " is-mine" : ""}${card.classList.contains("is-new") ? " is-new" : ""}${card.classList.contains("is-target") ? " is-target" : ""}`;
    replace(
      card,
      h(
        "header",
        { class: "comment-head" },
        authorEl(c.author, { mine: c.mine }),
        timeEl(c.created_at),
        c.hidden || c.withdrawn ? null : editedMark(c, `/api/comments/${c.id}/revisions`, authorLabel(c.author)),
        card.classList.contains("is-new") ? h("span", { class: "badge badge-new" }, t("comment.new")) : null,
      ),
      commentBody(c),
      actions.childNodes.length ? actions : null,
      forms,
    );
  }

  function commentEditForm(c, close) {
    return editForm({
      label: t("edit.commentLabel"),
      fields: [{ name: "body", label: t("edit.commentLabel"), max: LIMITS.comment, value: c.body || "", rows: 3 }],
      close,
      save: async (values) => {
        const comment = await api.patch(`/api/comments/${c.id}`, values);
        applyFrame({ type: "event", event: "comment.edited", data: { comment } }, { quiet: true });
        ctx.toast(t("edit.saved"));
      },
    }).form;
  }

  function commentDeletePanel(c, close) {
    return confirmPanel({
      message: t("edit.deleteConfirm"),
      yes: t("edit.deleteYes"),
      close,
      onConfirm: async () => {
        const comment = await api.del(`/api/comments/${c.id}`);
        applyFrame({ type: "event", event: "comment.withdrawn", data: { comment } }, { quiet: true });
        ctx.toast(t("edit.deleted"));
      },
    }).panel;
  }

  function commentItem(c) {
    const card = h("article", { class: "comment-card", "data-anchor": "comment", tabindex: "-1", "aria-label": authorLabel(c.author) });
    fillComment(card, c);
    const li = h("li", { class: c.parent_id ? "comment reply" : "comment", id: `comment-${c.id}`, "data-comment-id": c.id, "data-seq": c.seq }, card);
    if (!c.parent_id) li.append(h("ol", { class: "replies" }));
    return li;
  }

  function rerenderComment(c) {
    const card = els.list.querySelector(`[data-comment-id="${c.id}"] > .comment-card`);
    if (card) keepingScroll(() => fillComment(card, c));
  }

  function insertComment(c) {
    const li = commentItem(c);
    if (c.parent_id) {
      const parent = els.list.querySelector(`[data-comment-id="${c.parent_id}"] > .replies`);
      if (parent) {
        const slot = parent.querySelector(":scope > .reply-slot");
        parent.insertBefore(li, slot);
        return li;
      }
    }
    els.list.append(li);
    return li;
  }

  function renderComments() {
    els.list.replaceChildren();
    const all = [...state.comments.values()].sort((a, b) => a.seq - b.seq);
    for (const c of all.filter((x) => !x.parent_id)) insertComment(c);
    for (const c of all.filter((x) => x.parent_id)) insertComment(c);
    els.empty.hidden = state.comments.size > 0;
  }

  function renderComposer() {
    if (state.thread && state.thread.status === "withdrawn") {
      replace(els.composer, h("p", { class: "muted", "data-role": "composer-closed" }, t("thread.withdrawnNote")));
      return;
    }
    if (!me) {
      replace(
        els.composer,
        h(
          "p",
          { class: "login-prompt" },
          h("a", { href: `/login?next=${encodeURIComponent(location.pathname)}`, class: "btn btn-outline" }, t("nav.login")),
          " ",
          t("thread.loginToComment"),
        ),
      );
      return;
    }
    const c = composer({
      label: t("composer.comment"),
      placeholder: t("composer.placeholder"),
      draftKey: `tong.draft.${threadId}`,
      send: (text) => postComment(text, null),
    });
    replace(els.composer, c.el);
  }

  // --- comment actions ---
  async function postComment(text, parentId) {
    const body = { body: text };
    if (parentId) body.parent_id = parentId;
    const posted = await api.post(`/api/threads/${threadId}/comments`, body);
    // Held for a moderator (pre-moderation outside office hours): not a comment yet, and its id
    // is a held id, not a comment id. It appears through its frame once released.
    if (posted.held) return { note: t("comment.held") };
    engaged(threadId);
    state.ownIds.add(posted.id);
    const existing = state.comments.get(posted.id);
    if (existing) {
      // Its frame came before the POST's answer: it was shown as someone else's new comment.
      // Take back the "new" mark and the announcement, and mark it as mine.
      commit(patchComment(model(), posted.id, { mine: true, recommended: posted.recommended ?? existing.recommended }));
      announceQueue = announceQueue.filter((c) => c.id !== posted.id);
      const card = els.list.querySelector(`[data-comment-id="${posted.id}"] > .comment-card`);
      if (card) card.classList.remove("is-new");
      const li = card && card.parentElement;
      if (li) unseen.delete(li);
      rerenderComment(state.comments.get(posted.id));
      renderNewBelow();
    } else {
      // The same path as its frame (which live.js will then drop as already seen, and the reducer
      // would ignore anyway): counted once, drawn once, not announced.
      applyFrame({ type: "event", event: "comment.created", data: { comment: posted } });
    }
    return posted;
  }

  function openReply(c) {
    const topId = c.parent_id || c.id;
    const top = state.comments.get(topId);
    const replies = els.list.querySelector(`[data-comment-id="${topId}"] > .replies`);
    if (!replies) return;
    let slot = replies.querySelector(":scope > .reply-slot");
    if (!slot) {
      slot = h("li", { class: "reply-slot" });
      replies.append(slot);
    }
    const close = () => {
      slot.remove();
    };
    const reply = composer({
      label: t("comment.replyTo", { author: authorLabel(c.author) }),
      placeholder: t("composer.placeholder"),
      rows: 3,
      compact: true,
      send: async (text) => {
        const result = await postComment(text, top ? top.id : topId);
        // A held reply keeps the composer open to show why it does not appear yet.
        if (result && result.note) return result;
        close();
        return undefined;
      },
      onCancel: close,
    });
    replace(slot, reply.el);
    reply.focus();
  }

  function inlineFormButton(forms, label, build, extra = "btn-ghost", role = null) {
    const button = h("button", { type: "button", class: `btn btn-small ${extra}`, "aria-expanded": "false", "data-role": role }, label);
    button.addEventListener("click", () => {
      if (forms.firstChild) {
        forms.replaceChildren();
        button.setAttribute("aria-expanded", "false");
        return;
      }
      button.setAttribute("aria-expanded", "true");
      forms.append(build(() => (forms.replaceChildren(), button.setAttribute("aria-expanded", "false"), button.focus())));
      (forms.querySelector("input, textarea") || forms.querySelector('[data-role="confirm-no"]'))?.focus();
    });
    return button;
  }

  function reasonForm({ label, submitLabel, onSend, danger = false }) {
    return (close) => {
      const reason = countedField({ multiline: false, label, max: LIMITS.reason, name: "reason" });
      const error = h("p", { class: "form-error", role: "alert", hidden: true });
      const submit = h("button", { type: "submit", class: `btn btn-small ${danger ? "btn-danger" : "btn-primary"}` }, submitLabel);
      reason.onChange(() => (submit.disabled = !reason.ok));
      submit.disabled = true;
      const form = h(
        "form",
        { class: "reason-form", novalidate: true },
        reason.field,
        error,
        h("div", { class: "form-actions" }, h("button", { type: "button", class: "btn btn-small btn-ghost", onclick: close }, t("comment.cancel")), submit),
      );
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (!reason.ok) return;
        submit.disabled = true;
        try {
          await onSend(reason.input.value.trim());
          close();
        } catch (err) {
          error.textContent = errorMessage(err, "error.generic");
          error.hidden = false;
          submit.disabled = false;
        }
      });
      return form;
    };
  }

  function reportForm(c) {
    return reasonForm({
      label: t("comment.reportReason"),
      submitLabel: t("comment.reportSend"),
      onSend: async (reason) => {
        await api.post(`/api/comments/${c.id}/reports`, { reason });
        ctx.toast(t("comment.reported"));
      },
    });
  }

  function hideForm(c) {
    return reasonForm({
      label: t("comment.hideReason"),
      submitLabel: t("comment.hideSend"),
      danger: true,
      onSend: async (reason) => {
        const hidden = await api.post(`/api/comments/${c.id}/hide`, { reason });
        applyModeration(hidden, reason);
      },
    });
  }

  // --- applying changes: the reducer decides the state, the functions below only draw it ---
  function model() {
    return { thread: state.thread, answers: state.answers, comments: state.comments, reasons: state.reasons, seq: state.seq, epoch: state.epoch };
  }

  function commit(next) {
    Object.assign(state, next);
  }

  /** Draw a comment the state just gained: inserted in place, marked and announced unless quiet. */
  function showComment(c, { own = false, quiet = false } = {}) {
    let li;
    keepingScroll(() => {
      li = insertComment(c);
      els.empty.hidden = true;
    });
    if (!own && !quiet && !c.hidden) {
      const card = li.firstChild;
      card.classList.add("is-new");
      fillComment(card, c);
      setTimeout(() => {
        card.classList.remove("is-new");
        card.querySelector(".badge-new")?.remove();
      }, 15_000);
      markUnseen(li);
      queueAnnouncement(c);
    }
  }

  /** A moderation result from REST goes through the reducer like the frame that reports it. */
  function applyModeration(comment, reason) {
    applyFrame({ type: "event", event: comment.hidden ? "comment.hidden" : "comment.restored", data: { comment, reason } }, { quiet: true });
  }

  function applyAnswer(answer) {
    applyFrame({ type: "event", event: "answer.posted", data: { answer, status: answer.status, outcome: answer.outcome } }, { quiet: true });
  }

  function applyStatus(status, outcome) {
    applyFrame({ type: "event", event: "thread.status_changed", data: { status, outcome } }, { quiet: true });
  }

  function applyCounts(data) {
    applyFrame({ type: "counts", data });
  }

  /** One frame through the reducer, then the parts of the page that changed are drawn again. */
  function applyFrame(frame, { quiet: forceQuiet = false } = {}) {
    const before = model();
    const after = apply(before, frame);
    if (after === before) return;
    commit(after);
    const quiet = forceQuiet || (typeof frame.seq === "number" && frame.seq <= state.quietUntil);
    const data = frame.data || {};
    if (frame.type === "counts") {
      for (const id of Object.keys(data.comment_recommendations || {})) {
        const c = after.comments.get(Number(id));
        const button = els.list.querySelector(`[data-comment-id="${id}"] > .comment-card [data-role="comment-recommend"]`);
        if (c && button) button.update(c.counts.recommendations, !!c.recommended);
      }
      renderCounts();
      return;
    }
    switch (frame.event) {
      case "comment.created": {
        // Already shown (its POST answered first, or a replay overlapped): only the seq moved.
        if (before.comments.has(data.comment.id)) break;
        const c = after.comments.get(data.comment.id);
        showComment(c, { own: state.ownIds.has(c.id), quiet });
        renderCounts();
        break;
      }
      case "comment.hidden":
      case "comment.restored":
      case "comment.edited":
      case "comment.withdrawn": {
        const c = after.comments.get(data.comment.id);
        if (before.comments.has(c.id)) rerenderComment(c);
        else showComment(c, { quiet: true });
        break;
      }
      case "answer.posted":
      case "answer.edited": {
        const isNew = !before.answers.has(data.answer.id);
        if (isNew && !quiet) markFreshAnswer(data.answer.id);
        keepingScroll(() => {
          renderAnswers();
          renderBadges();
          renderStaff();
          // The author's edit button closes with the first official answer.
          if (isNew && state.thread.mine) renderHead();
        });
        if (isNew && !quiet) ctx.announce(t("thread.announceAnswer", { status: t(`status.${data.status}`) }));
        break;
      }
      case "thread.changed_in": {
        keepingScroll(() => {
          renderHead();
          renderCounts();
        });
        const latest = (data.changed_in || []).at(-1);
        if (latest && !quiet) ctx.announce(t("changedIn.announce", { title: latest.title }));
        break;
      }
      case "thread.status_changed":
        renderBadges();
        renderStaff();
        if (data.status === "withdrawn" || before.thread.status === "withdrawn") {
          keepingScroll(() => {
            renderHead();
            renderCounts();
            renderComments();
            renderComposer();
          });
        }
        if (!quiet) ctx.announce(t("thread.announceStatus", { status: t(`status.${data.status}`) }));
        break;
      case "thread.updated":
        keepingScroll(() => {
          renderHead();
          renderCounts();
        });
        break;
      default:
        break;
    }
  }

  function applyEvent(frame) {
    applyFrame(frame);
  }

  /** A live answer is marked for sighted readers too, as new comments are (the announcement is for screen readers). */
  function markFreshAnswer(id) {
    state.freshAnswers.add(id);
    setTimeout(() => {
      state.freshAnswers.delete(id);
      const card = els.answers.querySelector(`[data-answer-id="${id}"]`);
      if (!card) return;
      card.classList.remove("is-new");
      card.querySelector(".badge-new")?.remove();
    }, 15_000);
  }

  // --- pause ---
  function setPaused(paused) {
    state.paused = paused;
    if (!paused) {
      const events = state.pending;
      const counts = state.pendingCounts;
      state.pending = [];
      state.pendingCounts = null;
      for (const frame of events) applyEvent(frame);
      if (counts) applyCounts(counts);
    }
    renderPause();
  }

  function renderPause() {
    els.pauseButton.setAttribute("aria-pressed", String(state.paused));
    els.pauseButton.textContent = state.paused ? t("thread.resume") : t("thread.pause");
    els.pausedNote.hidden = !state.paused;
    els.pausedNote.textContent = state.pending.length
      ? t("thread.pausedNote", { n: state.pending.length })
      : t("thread.pausedNoteEmpty");
  }

  function mergeCounts(into, data) {
    const merged = { ...(into || {}), ...data };
    merged.comment_recommendations = { ...((into && into.comment_recommendations) || {}), ...(data.comment_recommendations || {}) };
    return merged;
  }

  // --- live handlers ---
  function onEvent(frame) {
    if (!state.thread) return;
    if (state.paused) {
      state.pending.push(frame);
      renderPause();
      return;
    }
    applyEvent(frame);
  }

  function onCounts(frame) {
    if (!state.thread) return;
    const data = frame.data || {};
    // Watchers are presence, not content: shown even while paused.
    if (typeof data.watchers === "number") commit(apply(model(), { type: "counts", data: { watchers: data.watchers } }));
    if (state.paused) {
      state.pendingCounts = mergeCounts(state.pendingCounts, data);
      renderCounts();
      return;
    }
    applyCounts(data);
  }

  async function onResync() {
    try {
      const loaded = await load();
      if (!alive) return;
      show(loaded, { keep: true });
      sub.resubscribe(loaded.since);
    } catch (err) {
      if (!alive) return;
      // Try again on the next reconnect; keep showing what we have.
      console.warn("resync failed", err);
      setTimeout(() => alive && sub.resyncing && onResync(), 3_000);
    }
  }

  function onError(frame) {
    if (frame.code === "not_found") showError(t("thread.notFound"));
  }

  // --- loading ---
  async function loadComments() {
    const items = [];
    let after = null;
    for (;;) {
      const page = await api.get(`/api/threads/${threadId}/comments?limit=${COMMENT_PAGE}${after !== null ? `&after_seq=${after}` : ""}`);
      items.push(...page.items);
      if (!page.has_more || !page.items.length) return items;
      after = page.items[page.items.length - 1].seq;
    }
  }

  async function load() {
    const thread = await api.get(`/api/threads/${threadId}`);
    let comments = [];
    let since = thread.seq;
    try {
      comments = await loadComments();
    } catch (err) {
      if (!(err instanceof ApiError) || err.status < 500) throw err;
      // The comments endpoint failed: rebuild the list from the channel's replay instead.
      console.warn("comments could not be loaded through REST; replaying them from the live channel", err);
      since = 0;
    }
    return { thread, comments, since };
  }

  function show(loaded, { keep = false } = {}) {
    const { thread, comments, since } = loaded;
    const firstTime = !state.thread;
    commit(initial({ thread, comments, since }));
    state.pending = [];
    state.pendingCounts = null;
    state.quietUntil = since === 0 ? thread.seq : 0;
    const render = () => {
      renderHead();
      renderAnswers();
      renderStaff();
      renderComments();
      renderCounts();
      renderPause();
      if (firstTime) renderComposer();
    };
    if (firstTime) loadSimilar(thread);
    if (keep) keepingScroll(render);
    else render();
  }

  /** "비슷한 제안": proposals like this one, from the search index (not live; once per visit). */
  async function loadSimilar(thread) {
    if (thread.kind !== "proposal") return;
    let items = [];
    try {
      items = (await api.get("/api/threads/similar" + query({ title: thread.title, exclude: thread.id }))).items;
    } catch {
      return; // A reader loses nothing but the hint.
    }
    if (!items.length) return;
    replace(
      els.similar,
      h("h2", { id: "similar-title", class: "similar-title" }, t("thread.similar")),
      h(
        "ul",
        { class: "similar-list" },
        items.map((item) =>
          h("li", { class: "similar-item", "data-thread-id": item.id }, h("a", { href: `/threads/${item.id}` }, item.title), statusBadges(item)),
        ),
      ),
    );
    els.similar.hidden = false;
  }

  function showError(message, retry) {
    replace(
      els.status,
      h(
        "div",
        { class: "notice notice-error", role: "alert" },
        h("p", null, message),
        retry ? h("button", { type: "button", class: "btn btn-outline", onclick: retry }, t("thread.retry")) : null,
      ),
    );
  }

  async function start() {
    els.status.replaceChildren();
    try {
      const loaded = await load();
      if (!alive) return;
      show(loaded);
      sub = ctx.live.subscribe(`thread:${threadId}`, { since: loaded.since, onEvent, onCounts, onResync, onError });
      highlightTarget();
    } catch (err) {
      if (!alive) return;
      if (err instanceof ApiError && err.status === 404) {
        // No comments card, no composer: the whole page says the thread is not there.
        renderNotFound(root, { thread: true });
      } else {
        replace(els.head, h("h1", { class: "thread-title" }, t("thread.loadError")));
        showError(errorMessage(err, "error.generic"), () => start());
      }
    }
  }

  const onHash = () => highlightTarget();
  window.addEventListener("hashchange", onHash);
  const ready = start();
  return {
    ready,
    unmount() {
      alive = false;
      window.removeEventListener("hashchange", onHash);
      clearTimeout(announceTimer);
      observer.disconnect();
      if (sub) sub.close();
    },
    get state() {
      return state;
    },
  };

  // --- recommend buttons ---
  function recommendButton({ count, on, mine, target, text, path, small = false, onResult }) {
    const countEl = h("span", { class: "rec-count" });
    // Named by what it shows ("추천 6"), with what it recommends for screen readers after it: an
    // aria-label different from the visible text fails WCAG 2.5.3 (label in name).
    const button = h(
      "button",
      { type: "button", class: `rec${small ? " rec-small" : ""}`, "aria-pressed": String(on) },
      h("span", { class: "rec-icon", "aria-hidden": "true" }, "▲"),
      h("span", { class: "rec-text" }, text),
      " ",
      countEl,
      h("span", { class: "sr-only" }, target),
    );
    let current = { count, on };
    button.update = (n, pressed) => {
      current = { count: n, on: pressed };
      countEl.textContent = String(n);
      button.setAttribute("aria-pressed", String(pressed));
    };
    button.update(count, on);
    if (mine) {
      button.disabled = true;
      button.title = t("error.ownPost");
    }
    button.addEventListener("click", async () => {
      if (!currentUser()) {
        ctx.toast(t("thread.loginToRecommend"));
        return;
      }
      button.disabled = true;
      try {
        const result = current.on ? await api.del(path) : await api.put(path);
        onResult(result);
        button.update(result.count, result.recommended);
      } catch (err) {
        ctx.toast(errorMessage(err, "error.generic"), "error");
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }
}
