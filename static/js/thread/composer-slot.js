// @ts-check
// Under the comments: the comment composer (its draft kept on the server, drafts.js), a login prompt for a
// reader who is not logged in, or a note that a withdrawn proposal takes no more comments.

import { composer } from "../composer.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { currentUser } from "../session.js";

/** @typedef {import("./view.js").ThreadState} ThreadState */

/**
 * @param {import("./view.js").ThreadView} view
 * @param {(text: string, parentId: number | null, attachments?: number[]) => Promise<{note?: string}>} post
 */
export function composerPart(view, post) {
  const el = h("div", { class: "composer-slot" });

  /** @param {ThreadState} state */
  function render(state) {
    if (state.thread.status === "withdrawn") {
      replace(el, h("p", { class: "muted", "data-role": "composer-closed" }, t("thread.withdrawnNote")));
      return;
    }
    if (!currentUser()) {
      replace(
        el,
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
      draftKey: `thread-${view.threadId}`,
      attachments: true,
      send: (text, files) => post(text, null, files),
    });
    replace(el, c.el);
  }

  /** @type {import("./view.js").Part["update"]} */
  function update(before, after) {
    // Drawn once (a reload keeps the draft being typed), and again when the thread is withdrawn.
    if ((before.thread.status === "withdrawn") !== (after.thread.status === "withdrawn")) view.keepingScroll(() => render(after));
  }

  return { el, render, update };
}
