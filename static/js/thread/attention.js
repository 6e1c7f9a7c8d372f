// @ts-check
// Telling the reader about new comments without moving the page: a "new below" pill that counts
// the new comments under the viewport (and jumps to the first), and announcements for screen
// readers, several comments in a burst read out as one.

import { h } from "../dom.js";
import { authorLabel, t } from "../i18n.js";

// Several comments in a burst become one announcement instead of a queue of them.
const ANNOUNCE_DELAY_MS = 1_200;

/** @param {(text: string) => void} announce */
export function commentAnnouncer(announce) {
  /** @type {any[]} */
  let queue = [];
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  return {
    /** A comment that arrived live: read out with the others of its burst. */
    queue(comment) {
      queue.push(comment);
      clearTimeout(timer);
      timer = setTimeout(() => {
        // A comment hidden since it arrived (a replay brings both) is not read out.
        const batch = queue.filter((c) => !c.hidden);
        queue = [];
        if (batch.length === 1) {
          const c = batch[0];
          const text = (c.body || "").slice(0, 120);
          announce(t("thread.announceComment", { author: authorLabel(c.author), text }));
        } else if (batch.length > 1) {
          announce(t("thread.announceComments", { n: batch.length }));
        }
      }, ANNOUNCE_DELAY_MS);
    },
    /** The comment turned out to be this reader's own: not read out. */
    drop(/** @type {number} */ id) {
      queue = queue.filter((c) => c.id !== id);
    },
    cancel() {
      clearTimeout(timer);
    },
  };
}

/** The "new below" pill: comments that arrived under the viewport and were not seen yet. */
export function newBelow() {
  /** @type {Set<Element>} */
  const unseen = new Set();
  const el = h("button", { type: "button", class: "new-below", hidden: true, onclick: jumpToUnseen });
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) {
          unseen.delete(entry.target);
          observer.unobserve(entry.target);
        }
      }
      render();
    },
    { threshold: 0.4 },
  );

  function render() {
    for (const item of [...unseen]) if (!item.isConnected) unseen.delete(item);
    el.hidden = unseen.size === 0;
    el.textContent = t("thread.newBelow", { n: unseen.size });
  }

  function jumpToUnseen() {
    const first = /** @type {HTMLElement | undefined} */ (
      [...unseen].sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)[0]
    );
    if (!first) return;
    const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    first.scrollIntoView({ block: "center", behavior: reduce ? "auto" : "smooth" });
    first.focus({ preventScroll: true });
  }

  return {
    el,
    render,
    /** Counted while it is below the viewport, until it scrolls into view. */
    mark(/** @type {Element} */ item) {
      if (item.getBoundingClientRect().top >= window.innerHeight) {
        unseen.add(item);
        observer.observe(item);
        render();
      }
    },
    forget(/** @type {Element} */ item) {
      unseen.delete(item);
      render();
    },
    disconnect() {
      observer.disconnect();
    },
  };
}
