// @ts-check
// Official answers (조달청): interim ones and the final one, each with its status and outcome; staff
// correct an answer in place. An answer that arrives live is marked new for a while and announced.

import { attachmentList } from "../attachments.js";
import { api } from "../api.js";
import { LIMITS } from "../composer.js";
import { h, replace } from "../dom.js";
import { editedMark, editForm } from "../editing.js";
import { t } from "../i18n.js";
import { authorEl, outcomeBadge, statusBadge } from "../labels.js";
import { isStaff } from "../session.js";
import { timeEl } from "../time.js";
import { addedAnswers } from "./changes.js";
import { inlineFormButton } from "./forms.js";
import { copyLinkButton } from "./permalinks.js";
import { paragraphs } from "./view.js";

/** @typedef {import("./view.js").ThreadState} ThreadState */

// How long a live answer keeps its "new" mark (the same as a new comment's).
const FRESH_MS = 15_000;

/** @param {import("./view.js").ThreadView} view */
export function answersPart(view) {
  const el = h("section", { class: "answers", "aria-labelledby": "answers-title" });
  /** Answers that arrived live, marked for sighted readers too (the announcement is for screen readers). */
  const fresh = new Set();
  /** @type {Set<ReturnType<typeof setTimeout>>} */
  const timers = new Set();

  function answerForm(a, close) {
    return editForm({
      label: t("edit.answerLabel"),
      fields: [{ name: "body", label: t("edit.answerLabel"), max: LIMITS.threadBody, value: a.body, rows: 6 }],
      close,
      save: async (values) => {
        const answer = await api.patch(`/api/answers/${a.id}`, values);
        view.dispatch({ type: "event", event: "answer.edited", data: { answer } }, { quiet: true });
        view.ctx.toast(t("edit.saved"));
      },
    }).form;
  }

  function answerCard(a) {
    const forms = h("div", { class: "answer-forms" });
    const final = a.status === "answered";
    const isFresh = fresh.has(a.id);
    return h(
      "article",
      {
        class: `answer-card${final ? " answer-final" : ""}${isFresh ? " is-new" : ""}`,
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
        isFresh ? h("span", { class: "badge badge-new" }, t("thread.answerNew")) : null,
        timeEl(a.created_at),
        editedMark(a, `/api/answers/${a.id}/revisions`, t("thread.answers")),
      ),
      h("div", { class: "answer-body" }, paragraphs(a.body)),
      attachmentList(a.attachments),
      h(
        "div",
        { class: "answer-actions" },
        copyLinkButton(view, `answer-${a.id}`),
        isStaff() ? inlineFormButton(forms, t("edit.correct"), (close) => answerForm(a, close), "btn-ghost", "answer-edit") : null,
      ),
      forms,
    );
  }

  /** @param {ThreadState} state */
  function render(state) {
    if (state.thread.kind !== "proposal") {
      el.hidden = true;
      return;
    }
    el.hidden = false;
    const answers = [...state.answers.values()].sort((a, b) => a.seq - b.seq);
    replace(
      el,
      h("h2", { id: "answers-title" }, h("span", { class: "badge badge-pps" }, t("author.staff")), " ", t("thread.answers")),
      answers.length ? answers.map(answerCard) : h("p", { class: "muted no-answer" }, t("thread.noAnswer")),
    );
  }

  function markFresh(id) {
    fresh.add(id);
    const timer = setTimeout(() => {
      timers.delete(timer);
      fresh.delete(id);
      const card = el.querySelector(`[data-answer-id="${id}"]`);
      if (!card) return;
      card.classList.remove("is-new");
      card.querySelector(".badge-new")?.remove();
    }, FRESH_MS);
    timers.add(timer);
  }

  /** @type {import("./view.js").Part["update"]} */
  function update(before, after, { quiet }) {
    if (before.answers === after.answers && before.thread.kind === after.thread.kind) return;
    const added = addedAnswers(before, after);
    if (!quiet) for (const a of added) markFresh(a.id);
    view.keepingScroll(() => render(after));
    const latest = added.at(-1);
    if (latest && !quiet) view.ctx.announce(t("thread.announceAnswer", { status: t(`status.${latest.status}`) }));
  }

  function unmount() {
    for (const timer of timers) clearTimeout(timer);
  }

  return { el, render, update, unmount };
}
