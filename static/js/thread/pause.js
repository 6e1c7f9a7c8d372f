// @ts-check
// Pausing live updates: while paused, events wait (the note says how many) and counts are merged;
// resuming applies them in order. Watchers are presence, not content, and are shown even while
// paused (the page applies them itself).

import { h } from "../dom.js";
import { t } from "../i18n.js";

/** @typedef {import("./view.js").Frame} Frame */

/**
 * Two counts frames' data as one: later values win, comment recommendations merge by comment.
 * @param {Record<string, any> | null} into
 * @param {Record<string, any>} data
 */
export function mergeCounts(into, data) {
  const merged = { ...(into || {}), ...data };
  merged.comment_recommendations = { ...((into && into.comment_recommendations) || {}), ...(data.comment_recommendations || {}) };
  return merged;
}

/**
 * @param {(frames: Frame[], counts: Record<string, any> | null) => void} release  applies what waited
 */
export function pausePart(release) {
  let paused = false;
  /** @type {Frame[]} */
  let pending = [];
  /** @type {Record<string, any> | null} */
  let pendingCounts = null;

  const button = h("button", { type: "button", class: "btn btn-small btn-outline", "aria-pressed": "false", onclick: () => setPaused(!paused) });
  const note = h("p", { class: "paused-note", role: "status", hidden: true });

  function render() {
    button.setAttribute("aria-pressed", String(paused));
    button.textContent = paused ? t("thread.resume") : t("thread.pause");
    note.hidden = !paused;
    note.textContent = pending.length ? t("thread.pausedNote", { n: pending.length }) : t("thread.pausedNoteEmpty");
  }

  function setPaused(next) {
    paused = next;
    if (!paused) {
      const frames = pending;
      const counts = pendingCounts;
      pending = [];
      pendingCounts = null;
      release(frames, counts);
    }
    render();
  }

  return {
    button,
    note,
    render,
    get paused() {
      return paused;
    },
    /** An event frame to apply later. */
    holdEvent(/** @type {Frame} */ frame) {
      pending.push(frame);
      render();
    },
    /** A counts frame's data to apply later. */
    holdCounts(/** @type {Record<string, any>} */ data) {
      pendingCounts = mergeCounts(pendingCounts, data);
    },
    /** A reload shows everything: nothing waits any more. */
    clear() {
      pending = [];
      pendingCounts = null;
    },
  };
}
