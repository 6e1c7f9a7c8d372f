// @ts-check
// Small forms that open under a comment or an answer: a button that toggles its form, and a form
// that asks for a reason (report, hide).

import { countedField, errorMessage, LIMITS } from "../composer.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

/**
 * A button that opens the form `build` makes in `forms` (and closes it when pressed again).
 * @param {HTMLElement} forms
 * @param {string} label
 * @param {(close: () => void) => HTMLElement} build
 * @param {string} [extra]  button class
 * @param {string | null} [role]  data-role
 */
export function inlineFormButton(forms, label, build, extra = "btn-ghost", role = null) {
  const button = h("button", { type: "button", class: `btn btn-small ${extra}`, "aria-expanded": "false", "data-role": role }, label);
  button.addEventListener("click", () => {
    if (forms.firstChild) {
      forms.replaceChildren();
      button.setAttribute("aria-expanded", "false");
      return;
    }
    button.setAttribute("aria-expanded", "true");
    forms.append(build(() => (forms.replaceChildren(), button.setAttribute("aria-expanded", "false"), button.focus())));
    /** @type {HTMLElement | null} */ (forms.querySelector("input, textarea") || forms.querySelector('[data-role="confirm-no"]'))?.focus();
  });
  return button;
}

/**
 * A form asking for a reason, for inlineFormButton.
 * @param {{label: string, submitLabel: string, onSend: (reason: string) => Promise<void>, danger?: boolean}} options
 * @returns {(close: () => void) => HTMLElement}
 */
export function reasonForm({ label, submitLabel, onSend, danger = false }) {
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
