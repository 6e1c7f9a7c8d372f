// @ts-check
// Staff tools under a proposal: post an official answer (with an outcome for the final one) and
// set the processing status. What a staff member is typing survives every redraw.

import { api } from "../api.js";
import { attachmentPicker } from "../attachments.js";
import { countedField, errorMessage, LIMITS } from "../composer.js";
import { h, replace, uid } from "../dom.js";
import { t } from "../i18n.js";
import { statusBadges } from "../labels.js";
import { isStaff } from "../session.js";
import { statusChanged } from "./changes.js";

/** @typedef {import("./view.js").ThreadState} ThreadState */

const OUTCOMES = ["accepted", "partially_accepted", "declined"];

/** @param {import("./view.js").ThreadView} view */
export function staffPart(view) {
  const el = h("section", { class: "staff-tools", "aria-labelledby": "staff-title", hidden: true });

  function answerForm() {
    const body = countedField({ label: t("staff.answerBody"), max: LIMITS.threadBody, rows: 5, name: "answer" });
    const outcomeId = uid("outcome");
    const helpId = uid("help");
    const outcome = /** @type {HTMLSelectElement} */ (
      h(
        "select",
        { id: outcomeId, class: "select", name: "outcome", "aria-describedby": helpId },
        h("option", { value: "" }, t("staff.outcomeNone")),
        OUTCOMES.map((o) => h("option", { value: o }, t(`outcome.${o}`))),
      )
    );
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const submit = /** @type {HTMLButtonElement} */ (h("button", { type: "submit", class: "btn btn-primary" }, t("staff.answerSubmit")));
    const files = attachmentPicker();
    const refresh = () => (submit.disabled = !body.ok || files.busy);
    body.onChange(refresh);
    files.onChange(refresh);
    refresh();
    const form = h(
      "form",
      { class: "answer-form", novalidate: true },
      h("h3", null, t("staff.answer")),
      body.field,
      files.el,
      h("div", { class: "field" }, h("label", { for: outcomeId }, t("staff.outcome")), outcome, h("p", { id: helpId, class: "help" }, t("staff.outcomeHelp"))),
      error,
      h("div", { class: "form-actions" }, submit),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!body.ok) return;
      submit.disabled = true;
      error.hidden = true;
      /** @type {{body: string, outcome?: string, attachments?: number[]}} */
      const payload = { body: body.input.value.trim() };
      if (outcome.value) payload.outcome = outcome.value;
      if (files.ids().length) payload.attachments = files.ids();
      try {
        const answer = await api.post(`/api/threads/${view.threadId}/answers`, payload);
        view.dispatch({ type: "event", event: "answer.posted", data: { answer, status: answer.status, outcome: answer.outcome } }, { quiet: true });
        body.input.value = "";
        outcome.value = "";
        files.clear();
        body.update();
      } catch (err) {
        error.textContent = errorMessage(err);
        error.hidden = false;
      } finally {
        refresh();
      }
    });
    return form;
  }

  /** @param {ThreadState} state */
  function statusTools(state) {
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
            const button = event.currentTarget;
            button.disabled = true;
            error.hidden = true;
            try {
              const updated = await api.patch(`/api/threads/${th.id}`, { status });
              view.dispatch({ type: "event", event: "thread.status_changed", data: { status: updated.status, outcome: updated.outcome } }, { quiet: true });
            } catch (err) {
              error.textContent = errorMessage(err, "error.generic");
              error.hidden = false;
              button.disabled = false;
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

  /** @param {ThreadState} state */
  function render(state) {
    if (!isStaff() || state.thread.kind !== "proposal") {
      el.hidden = true;
      el.replaceChildren();
      return;
    }
    el.hidden = false;
    const current = el.querySelector('[data-role="status-tools"]');
    if (current) {
      // Keep what the staff member is typing; only the status part changes.
      current.replaceWith(statusTools(state));
      return;
    }
    replace(el, h("h2", { id: "staff-title" }, t("staff.tools")), h("div", { class: "staff-grid" }, answerForm(), statusTools(state)));
  }

  /** @type {import("./view.js").Part["update"]} */
  function update(before, after) {
    if (statusChanged(before, after) || before.answers !== after.answers) {
      view.keepingScroll(() => render(after));
    }
  }

  return { el, render, update };
}
