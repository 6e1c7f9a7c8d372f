// Text fields with a character counter that enforces the server's limits (code points after
// trimming), and a composer that keeps the text when sending fails and shows the server's message.

import { codePoints, h, uid } from "./dom.js";
import { errorText } from "./errors.js";
import { t } from "./i18n.js";

export const LIMITS = { comment: 4_000, title: 200, threadBody: 20_000, category: 50, reason: 1_000 };

/** An input or textarea with a label and a live "n / max" counter. */
export function countedField({ multiline = true, label, max, placeholder = "", rows = 4, name, value = "", required = true }) {
  const id = uid("field");
  const counterId = `${id}-counter`;
  const input = multiline
    ? h("textarea", { id, name, rows, placeholder, "aria-describedby": counterId, class: "input" })
    : h("input", { id, name, type: "text", placeholder, "aria-describedby": counterId, class: "input", autocomplete: "off" });
  input.value = value;
  const counter = h("span", { id: counterId, class: "counter" });
  const field = h(
    "div",
    { class: "field" },
    h("div", { class: "field-head" }, h("label", { for: id }, label), counter),
    input,
  );
  const listeners = new Set();
  const state = {
    field,
    input,
    counter,
    length: 0,
    get ok() {
      return (this.length > 0 || !required) && this.length <= max;
    },
    onChange(fn) {
      listeners.add(fn);
    },
    update,
  };
  function update() {
    const n = codePoints(input.value);
    state.length = n;
    const over = n - max;
    counter.textContent = over > 0 ? t("composer.over", { n: over }) : t("composer.counter", { n, max });
    counter.classList.toggle("over", over > 0);
    counter.classList.toggle("near", over <= 0 && n >= max * 0.9);
    if (over > 0) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    for (const fn of listeners) fn(state);
  }
  input.addEventListener("input", update);
  update();
  return state;
}

/** Turn an ApiError into the sentence a person reads: its code translated (errors.js); the
 * server's English message only for a code this app does not know. */
export function errorMessage(err, key = "composer.failed") {
  if (err && err.network) return t("composer.network");
  return t(key, { message: errorText(err) || (err && err.message) || String(err) });
}

function readDraft(key) {
  if (!key) return "";
  try {
    return sessionStorage.getItem(key) || "";
  } catch {
    return "";
  }
}

function writeDraft(key, text) {
  if (!key) return;
  try {
    if (text) sessionStorage.setItem(key, text);
    else sessionStorage.removeItem(key);
  } catch {
    // A draft that cannot be saved is still on the screen.
  }
}

/**
 * A comment or reply composer. `send(text)` returns a promise; on failure the text stays and the
 * error is shown; on success the field is cleared (and `{note}`, when the promise gives one, shown).
 */
export function composer({ label, max = LIMITS.comment, placeholder, rows = 4, draftKey, send, onCancel, compact = false }) {
  const text = countedField({ label, max, placeholder, rows, value: readDraft(draftKey) });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  // What the server said about an accepted text that is not shown yet (a held comment).
  const note = h("p", { class: "form-note", role: "status", hidden: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, t("composer.submit"));
  const cancel = onCancel
    ? h("button", { type: "button", class: "btn btn-ghost", onclick: () => onCancel() }, t("comment.cancel"))
    : null;
  const form = h(
    "form",
    { class: `composer${compact ? " composer-compact" : ""}`, novalidate: true },
    text.field,
    error,
    note,
    h("div", { class: "form-actions" }, cancel, submit),
  );
  let sending = false;
  const refresh = () => {
    submit.disabled = sending || !text.ok;
  };
  text.onChange(() => {
    refresh();
    writeDraft(draftKey, text.input.value);
  });
  refresh();
  text.input.addEventListener("keydown", (event) => {
    // Ctrl/Cmd+Enter sends, as in most comment boxes.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending || !text.ok) return;
    sending = true;
    refresh();
    submit.textContent = t("composer.sending");
    error.hidden = true;
    note.hidden = true;
    try {
      const result = await send(text.input.value.trim());
      if (result && typeof result.note === "string") {
        note.textContent = result.note;
        note.hidden = false;
      }
      text.input.value = "";
      writeDraft(draftKey, "");
      text.update();
    } catch (err) {
      error.textContent = errorMessage(err);
      error.hidden = false;
    } finally {
      sending = false;
      submit.textContent = t("composer.submit");
      refresh();
    }
  });
  return { el: form, input: text.input, focus: () => text.input.focus() };
}
