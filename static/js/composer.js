// @ts-check
// Text fields with a character counter that enforces the server's limits (code points after
// trimming), and a composer that keeps the text when sending fails and shows the server's message.

import { api, query } from "./api.js";
import { attachmentPicker } from "./attachments.js";
import { codePoints, h, marked, toast, uid } from "./dom.js";
import { keepDraft } from "./drafts.js";
import { errorText } from "./errors.js";
import { t } from "./i18n.js";
import { statusBadges } from "./labels.js";

export const LIMITS = { comment: 4_000, title: 200, threadBody: 20_000, category: 50, reason: 1_000 };

/**
 * An input or textarea with a label and a live "n / max" counter.
 * @param {{multiline?: boolean, label: string, max: number, placeholder?: string, rows?: number, name?: string, value?: string, required?: boolean}} options
 */
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

/**
 * A comment or reply composer. `send(text)` returns a promise; on failure the text stays and the
 * error is shown; on success the field is cleared (and `{note}`, when the promise gives one, shown).
 */
/**
 * @param {object} options
 * @param {string} options.label
 * @param {number} [options.max]
 * @param {string} options.placeholder
 * @param {number} [options.rows]
 * @param {string} [options.draftKey]  the server draft the unsent text is kept in (drafts.js:
 *   `thread-{id}`); none: not kept
 * @param {(text: string, attachments: number[]) => Promise<{note?: string} | undefined | null | void>} options.send
 * @param {() => void} [options.onCancel]  none: no cancel button
 * @param {boolean} [options.compact]
 * @param {boolean} [options.attachments]  a file picker under the text (v1.2)
 */
export function composer({ label, max = LIMITS.comment, placeholder, rows = 4, draftKey, send, onCancel, compact = false, attachments = false }) {
  const text = countedField({ label, max, placeholder, rows });
  const draft = draftKey ? keepDraft({ key: draftKey, body: text.input }) : null;
  if (draft) draft.restore().catch(() => {});
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  // What the server said about an accepted text that is not shown yet (a held comment).
  const note = h("p", { class: "form-note", role: "status", hidden: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, t("composer.submit"));
  const cancel = onCancel
    ? h("button", { type: "button", class: "btn btn-ghost", onclick: () => onCancel() }, t("comment.cancel"))
    : null;
  const picker = attachments ? attachmentPicker() : null;
  const form = h(
    "form",
    { class: `composer${compact ? " composer-compact" : ""}`, novalidate: true },
    text.field,
    picker ? picker.el : null,
    draft ? draft.status : null,
    error,
    note,
    h("div", { class: "form-actions" }, cancel, submit),
  );
  let sending = false;
  const refresh = () => {
    submit.disabled = sending || !text.ok || !!(picker && picker.busy);
  };
  if (picker) picker.onChange(refresh);
  text.onChange(refresh);
  refresh();
  text.input.addEventListener("keydown", (/** @type {KeyboardEvent} */ event) => {
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
      // No save still on its way to bring back the draft the post deletes.
      if (draft) await draft.settle();
      const result = await send(text.input.value.trim(), picker ? picker.ids() : []);
      if (result && typeof result.note === "string") {
        note.textContent = result.note;
        note.hidden = false;
      }
      text.input.value = "";
      if (picker) picker.clear();
      if (draft) draft.posted();
      text.update();
    } catch (err) {
      error.textContent = errorMessage(err);
      error.hidden = false;
      // The text stays on the screen: kept as a draft again.
      if (draft) draft.schedule();
    } finally {
      sending = false;
      submit.textContent = t("composer.submit");
      refresh();
    }
  });
  return { el: form, input: text.input, focus: () => text.input.focus() };
}

const SIMILAR_DELAY_MS = 400;

/**
 * "비슷한 제안이 이미 있습니다": up to five existing proposals like the title being written, from
 * the search index, each with its status and outcome, a link (a new tab: the draft stays) and a
 * button to recommend it instead. `schedule(title)` while typing (debounced), `check(title)`
 * before posting (resolves to the proposals shown).
 */
export function similarProposals() {
  const titleId = uid("similar");
  const list = h("ul", { class: "similar-list" });
  const box = h(
    "section",
    { class: "similar notice", hidden: true, "aria-labelledby": titleId, "data-role": "similar" },
    h("h3", { id: titleId, class: "similar-title" }, t("similar.title")),
    h("p", { class: "muted similar-hint" }, t("similar.hint")),
    list,
  );
  const live = h("p", { class: "sr-only", role: "status" });
  let timer = null;
  let asked = 0;
  let shown = [];

  function item(thread) {
    const recommend = h(
      "button",
      { type: "button", class: "btn btn-small btn-outline", "aria-pressed": String(!!thread.recommended), disabled: !!thread.recommended || !!thread.mine },
      thread.recommended ? t("similar.recommended") : t("similar.recommend"),
    );
    recommend.addEventListener("click", async () => {
      recommend.disabled = true;
      try {
        await api.put(`/api/threads/${thread.id}/recommendation`);
        recommend.textContent = t("similar.recommended");
        recommend.setAttribute("aria-pressed", "true");
        toast(t("similar.recommendedToast"));
      } catch (err) {
        recommend.disabled = false;
        toast(errorMessage(err, "error.generic"), "error");
      }
    });
    const title = thread.match === "title" && thread.highlight ? marked(thread.highlight) : thread.title;
    return h(
      "li",
      { class: "similar-item", "data-thread-id": thread.id },
      h("a", { href: `/threads/${thread.id}`, target: "_blank", rel: "noopener", class: "similar-link" }, title, h("span", { class: "sr-only" }, ` (${t("similar.newTab")})`)),
      statusBadges(thread),
      recommend,
    );
  }

  function render(items) {
    shown = items;
    list.replaceChildren(...items.map(item));
    box.hidden = items.length === 0;
    live.textContent = items.length ? t("similar.found", { n: items.length }) : "";
  }

  async function fetchFor(title) {
    const mine = ++asked;
    const text = title.trim();
    if (codePoints(text) < 2) {
      render([]);
      return [];
    }
    const data = await api.get("/api/threads/similar" + query({ title: text }));
    if (mine === asked) render(data.items);
    return data.items;
  }

  return {
    el: h("div", { class: "similar-slot" }, box, live),
    get shown() {
      return shown;
    },
    schedule(title) {
      clearTimeout(timer);
      timer = setTimeout(() => fetchFor(title).catch(() => {}), SIMILAR_DELAY_MS);
    },
    check(title) {
      clearTimeout(timer);
      return fetchFor(title).catch(() => []);
    },
  };
}
