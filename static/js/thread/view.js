// @ts-check
// What every part of a thread page gets from the page (../thread.js): the reducer's state, two ways
// to change it, and the app's services. A part draws state; it never keeps its own copy of the
// thread. After every change the page hands each part the state before and after, and each part
// redraws what differs for it (`before.comments !== after.comments`: the reducer copies only
// what changed).

import { h } from "../dom.js";
import { linked } from "../linkify.js";

/** @typedef {import("../thread-state.js").ThreadState} ThreadState */
/** @typedef {import("../thread-state.js").Frame} Frame */

/** @typedef {import("../app.js").AppContext} AppContext */

/**
 * @typedef {object} ThreadView
 * @property {HTMLElement} root
 * @property {number} threadId
 * @property {AppContext} ctx
 * @property {() => ThreadState} current  the state as the reducer left it
 * @property {(frame: Frame, options?: {quiet?: boolean}) => void} dispatch  a frame (or what a REST call answered, as the frame that reports it) through the reducer
 * @property {(next: ThreadState) => void} change  a state the reducer's helpers made from `current()`
 * @property {(mutate: () => void) => void} keepingScroll
 */

/**
 * @typedef {object} DrawOptions
 * @property {boolean} quiet  this reader's own change or a replay: nothing announced or marked new
 */

/**
 * One part of the page: a full drawing (load, resync), and a drawing of a change.
 * @typedef {object} Part
 * @property {(state: ThreadState) => void} render
 * @property {(before: ThreadState, after: ThreadState, options: DrawOptions) => void} update
 */

/** The first element marked `data-anchor` whose bottom is below the sticky header. */
function anchorElement(root) {
  const header = document.getElementById("site-header");
  const headerBottom = header ? header.getBoundingClientRect().bottom : 0;
  for (const el of root.querySelectorAll("[data-anchor]")) {
    if (el.getBoundingClientRect().bottom > headerBottom + 4) return el;
  }
  return null;
}

/**
 * New content never moves what the reader is looking at: the element at the top of the viewport
 * stays where it was while `mutate` inserts or redraws above it.
 * @param {HTMLElement} root
 * @param {() => void} mutate
 */
export function keepingScroll(root, mutate) {
  const anchor = anchorElement(root);
  const before = anchor ? anchor.getBoundingClientRect().top : 0;
  mutate();
  if (anchor && anchor.isConnected) {
    const shift = anchor.getBoundingClientRect().top - before;
    if (Math.abs(shift) > 0.5) window.scrollBy(0, shift);
  }
}

/** User text as the page shows it (text nodes only; CSS keeps its line breaks); its http(s)
 * URLs are links (linkify.js), and nothing else in it is markup. */
export function paragraphs(text) {
  return h("div", { class: "prose" }, linked(text));
}
