// @ts-check
// The recommend (추천) button of a thread or a comment: it shows a count and whether this reader
// recommends, and toggles through PUT/DELETE on `path`.

import { api } from "../api.js";
import { errorMessage } from "../composer.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { currentUser } from "../session.js";

/** @typedef {HTMLButtonElement & {update: (count: number, pressed: boolean) => void}} RecommendButton */

/**
 * @param {object} options
 * @param {number} options.count
 * @param {boolean} options.on  this reader recommends it
 * @param {boolean} options.mine  this reader wrote it: cannot recommend
 * @param {string} options.target  what it recommends, for screen readers
 * @param {string} options.text
 * @param {string} options.path
 * @param {(text: string, kind?: string) => void} options.toast
 * @param {(result: {count: number, recommended: boolean}) => void} options.onResult
 * @param {boolean} [options.small]
 * @returns {RecommendButton}
 */
export function recommendButton({ count, on, mine, target, text, path, toast, onResult, small = false }) {
  const countEl = h("span", { class: "rec-count" });
  // Named by what it shows ("추천 6"), with what it recommends for screen readers after it: an
  // aria-label different from the visible text fails WCAG 2.5.3 (label in name).
  const button = /** @type {RecommendButton} */ (
    h(
      "button",
      { type: "button", class: `rec${small ? " rec-small" : ""}`, "aria-pressed": String(on) },
      h("span", { class: "rec-icon", "aria-hidden": "true" }, "▲"),
      h("span", { class: "rec-text" }, text),
      " ",
      countEl,
      h("span", { class: "sr-only" }, target),
    )
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
      toast(t("thread.loginToRecommend"));
      return;
    }
    button.disabled = true;
    try {
      const result = current.on ? await api.del(path) : await api.put(path);
      onResult(result);
      button.update(result.count, result.recommended);
    } catch (err) {
      toast(errorMessage(err, "error.generic"), "error");
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
