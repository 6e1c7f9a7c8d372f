// @ts-check
// Links to one comment or answer (#comment-N, #answer-N): the copy button and the highlight of
// the card the address points at.

import { h } from "../dom.js";
import { t } from "../i18n.js";

/**
 * Mark the comment or answer the address points at, and bring it into view.
 * @param {HTMLElement} root
 */
export function highlightTarget(root, scroll = true) {
  for (const el of root.querySelectorAll(".is-target")) el.classList.remove("is-target");
  const id = decodeURIComponent(location.hash.slice(1));
  if (!/^(comment|answer)-\d+$/.test(id)) return;
  const target = document.getElementById(id);
  if (!target) return;
  const card = /** @type {HTMLElement} */ (target.matches(".comment") ? target.querySelector(":scope > .comment-card") : target);
  card.classList.add("is-target");
  if (scroll) {
    card.scrollIntoView({ block: "center" });
    card.focus({ preventScroll: true });
  }
}

/**
 * @param {import("./view.js").ThreadView} view
 * @param {string} anchor  "comment-12", "answer-3"
 */
export function copyLinkButton(view, anchor) {
  return h(
    "button",
    { type: "button", class: "btn btn-small btn-ghost", "data-role": "copy-link", onclick: () => copyLink(view, anchor) },
    t("comment.copyLink"),
  );
}

async function copyLink(view, anchor) {
  const url = `${location.origin}${location.pathname}#${anchor}`;
  history.replaceState(history.state, "", `#${anchor}`);
  highlightTarget(view.root, false);
  try {
    await navigator.clipboard.writeText(url);
    view.ctx.toast(t("comment.linkCopied"));
  } catch {
    // No clipboard (an insecure origin, a refused permission): the address bar has the link now.
    view.ctx.toast(t("comment.linkInAddressBar"));
  }
}
