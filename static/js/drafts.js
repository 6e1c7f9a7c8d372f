// @ts-check
// Drafts kept on the server (`/api/me/drafts/{key}`): the proposal form (`new-thread`) and each
// thread's comment box (`thread-{id}`) save what is typed a moment after typing stops, and a form
// that opens empty fills itself from the saved draft, on any device. Posting deletes the draft on
// the server (in the post's own transaction); `settle()` before posting makes sure no save is still
// on its way to bring it back. Leaving the page while some text is not saved yet asks first
// (beforeunload), and what is left is sent with `keepalive` as the page goes.

import { ApiError, api } from "./api.js";
import { h } from "./dom.js";
import { errorText } from "./errors.js";
import { addStrings, t } from "./i18n.js";

addStrings({
  ko: {
    "draft.saving": "초안 저장 중…",
    "draft.saved": "초안이 저장되었습니다. 다른 기기에서도 이어서 쓸 수 있습니다.",
    "draft.restored": "저장해 둔 초안을 불러왔습니다.",
    "draft.failed": "초안을 저장하지 못했습니다: {message}",
    "draft.discard": "초안 지우기",
    "draft.discarded": "초안을 지웠습니다.",
    "draft.closeConfirm": "작성 중인 글이 있습니다. 글을 버리고 닫을까요?",
  },
  en: {
    "draft.saving": "Saving draft…",
    "draft.saved": "Draft saved. You can go on writing on another device.",
    "draft.restored": "Your saved draft was restored.",
    "draft.failed": "The draft was not saved: {message}",
    "draft.discard": "Discard draft",
    "draft.discarded": "Draft discarded.",
    "draft.closeConfirm": "You have text in this form. Discard it and close?",
  },
});

// Long enough that a save is not sent between two keystrokes, short enough that a reload right
// after a sentence finds it saved.
export const SAVE_DELAY_MS = 800;

/** @typedef {{title: string, body: string}} Text */

/** @type {Set<Keeper>} */
const open = new Set();

/**
 * @typedef {object} Keeper
 * @property {HTMLElement} status  "saved", "restored" or why not; `data-state` says which for tests
 * @property {() => Promise<boolean>} restore  fill the empty form from the saved draft (true if it did)
 * @property {() => boolean} hasText  something typed in the form
 * @property {() => boolean} unsaved  something typed that the server does not have yet
 * @property {() => Promise<void>} settle  no save waiting, none on its way (before posting)
 * @property {() => Promise<void>} flush  a waiting save sent now, and done
 * @property {() => void} schedule  save a moment from now (what typing does)
 * @property {() => void} posted  the post deleted the draft on the server: the form starts anew
 * @property {() => Promise<void>} discard  the writer throws the text away: the server's copy too
 * @property {() => void} leave  the page goes: send what is not saved yet (keepalive)
 * @property {() => boolean} connected  the form is on the page
 * @property {() => boolean} waiting  a save is waiting for its moment
 */

/**
 * @param {{key: string, body: HTMLInputElement | HTMLTextAreaElement, title?: HTMLInputElement | HTMLTextAreaElement | null}} options
 * @returns {Keeper}
 */
export function keepDraft({ key, body, title = null }) {
  const path = `/api/me/drafts/${encodeURIComponent(key)}`;
  const status = h("p", { class: "draft-status muted small", "data-role": "draft-status", "data-state": "idle" });
  /** @type {Text} what the server holds, as far as this tab knows */
  let saved = { title: "", body: "" };
  let timer = null;
  /** @type {Promise<void>} the saves, one after another */
  let queue = Promise.resolve();

  /** @returns {Text} */
  const current = () => ({ title: title ? title.value.trim() : "", body: body.value.trim() });
  const same = (/** @type {Text} */ a, /** @type {Text} */ b) => a.title === b.title && a.body === b.body;
  const empty = (/** @type {Text} */ x) => !x.title && !x.body;

  /** @param {string} state @param {string} text */
  function show(state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }

  function save() {
    timer = null;
    queue = queue.then(async () => {
      const text = current();
      if (same(text, saved)) return;
      show("saving", t("draft.saving"));
      try {
        if (empty(text)) await api.del(path);
        else await api.put(path, title ? { title: text.title || null, body: text.body } : { body: text.body });
        saved = text;
        show("saved", empty(text) ? "" : t("draft.saved"));
      } catch (err) {
        show("error", t("draft.failed", { message: errorText(err) || (err && err.message) || String(err) }));
      }
    });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY_MS);
  }

  for (const field of [title, body]) if (field) field.addEventListener("input", schedule);

  /** @type {Keeper} */
  const keeper = {
    status,
    async restore() {
      let draft;
      try {
        draft = await api.get(path);
      } catch (err) {
        // None saved (404), or the server is away: the form starts empty either way.
        if (!(err instanceof ApiError)) throw err;
        return false;
      }
      // Typed into before the draft arrived: what is being typed wins.
      if (!draft || !empty(current())) return false;
      if (title) {
        title.value = draft.title || "";
        title.dispatchEvent(new Event("input"));
      }
      body.value = draft.body || "";
      body.dispatchEvent(new Event("input"));
      clearTimeout(timer);
      saved = current();
      show("restored", t("draft.restored"));
      return true;
    },
    schedule,
    hasText: () => !empty(current()),
    connected: () => body.isConnected,
    waiting: () => timer !== null,
    unsaved: () => !same(current(), saved),
    async settle() {
      clearTimeout(timer);
      timer = null;
      await queue;
    },
    async flush() {
      if (timer !== null) {
        clearTimeout(timer);
        save();
      }
      await queue;
    },
    posted() {
      clearTimeout(timer);
      timer = null;
      saved = { title: "", body: "" };
      show("idle", "");
    },
    async discard() {
      await keeper.settle();
      saved = { title: "", body: "" };
      show("idle", t("draft.discarded"));
      queue = queue.then(() => api.del(path).catch(() => {}));
      await queue;
    },
    leave() {
      if (!keeper.unsaved()) return;
      const text = current();
      const payload = title ? { title: text.title || null, body: text.body } : { body: text.body };
      // Past the page's life: fetch with keepalive is the one request a browser lets finish.
      fetch(path, {
        method: empty(text) ? "DELETE" : "PUT",
        keepalive: true,
        credentials: "same-origin",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: empty(text) ? undefined : JSON.stringify(payload),
      }).catch(() => {});
    },
  };
  // A form removed from the page (another view) still sends its waiting save when the timer
  // fires; once it has none it is forgotten.
  for (const other of open) if (!other.connected() && !other.waiting()) open.delete(other);
  open.add(keeper);
  listen();
  return keeper;
}

let listening = false;

/** The page's two listeners, added with the first form that keeps a draft. */
function listen() {
  if (listening) return;
  listening = true;
  // Leaving the page (reload, another site, closing the tab) with text not saved yet asks first.
  window.addEventListener("beforeunload", (event) => {
    for (const keeper of open) {
      if ((keeper.connected() || keeper.waiting()) && keeper.unsaved()) {
        event.preventDefault();
        // Older browsers ask only when returnValue is set.
        event.returnValue = "";
        return;
      }
    }
  });
  window.addEventListener("pagehide", () => {
    for (const keeper of open) if (keeper.connected() || keeper.waiting()) keeper.leave();
  });
}

/**
 * Closing a form with text in it asks first; yes discards the draft (here and on the server).
 * @param {Keeper} keeper
 * @returns {Promise<boolean>} whether the form may close
 */
export async function confirmClose(keeper) {
  if (!keeper.hasText()) {
    // Emptied by hand: the server's copy goes too.
    await keeper.flush();
    return true;
  }
  if (!window.confirm(t("draft.closeConfirm"))) return false;
  await keeper.discard();
  return true;
}
