// @ts-check
// The browser app: shell (header, footer, announcer), history-API router, one live connection.

import { h, replace, toast } from "./dom.js";
import { lang, onLangChange, setLang, t } from "./i18n.js";
import { Live } from "./live.js";
import { currentUser, isStaff, loadSession, logOut, onSessionChange } from "./session.js";
import { refreshTimes, startClock } from "./time.js";
import { mountBoard } from "./board.js";
import { mountThread } from "./thread.js";
import { mountLogin } from "./login.js";
import { mountNotFound } from "./notfound.js";
import { mountRecord } from "./record.js";
import { mountQuarter } from "./quarter.js";
import { mountAccount, mountMailLink } from "./account.js";
import { mountResetPassword } from "./passwords.js";
import { Bell } from "./notices.js";
import { mountActivity } from "./activity.js";

const live = new Live();
const bell = new Bell(live);
const main = document.getElementById("main");
const header = document.getElementById("site-header");
const footer = document.getElementById("site-footer");
const announcer = document.getElementById("announcer");

let view = null;
let firstRender = true;

// --- announcements and toasts --------------------------------------------------------------

let announceTimer = null;
/** Say something to screen readers (polite), without showing it. */
export function announce(text) {
  clearTimeout(announceTimer);
  announcer.textContent = "";
  // A fresh text node in a later task is announced even when the text repeats.
  announceTimer = setTimeout(() => (announcer.textContent = text), 60);
}

export { toast };

// --- routing -------------------------------------------------------------------------------

/** @type {[RegExp, (m: RegExpExecArray, ctx: AppContext) => {ready: Promise<unknown>, unmount(): void}][]} */
const ROUTES = [
  [/^\/$/, (m, ctx) => mountBoard(main, ctx)],
  [/^\/threads\/(\d+)$/, (m, ctx) => mountThread(main, Number(m[1]), ctx)],
  [/^\/login$/, (m, ctx) => mountLogin(main, ctx)],
  [/^\/record$/, () => mountRecord(main)],
  [/^\/record\/(2\d{3}-Q[1-4])$/, (m) => mountQuarter(main, m[1])],
  [/^\/account$/, (m, ctx) => mountAccount(main, ctx)],
  [/^\/me$/, (m, ctx) => mountActivity(main, ctx)],
  [/^\/mail\/(confirm|unsubscribe)$/, (m, ctx) => mountMailLink(main, ctx, m[1])],
  [/^\/reset-password$/, (m, ctx) => mountResetPassword(main, ctx)],
];

function isAppPath(pathname) {
  return ROUTES.some(([re]) => re.test(pathname));
}

export function navigate(url, { replace: replaceState = false, keepScroll = false } = {}) {
  const target = new URL(url, location.href);
  if (target.origin !== location.origin || !isAppPath(target.pathname)) {
    location.href = target.href;
    return;
  }
  if (!replaceState) history.replaceState({ ...(history.state || {}), scrollY: window.scrollY }, "");
  const state = { scrollY: 0 };
  if (replaceState) history.replaceState(state, "", target.pathname + target.search + target.hash);
  else history.pushState(state, "", target.pathname + target.search + target.hash);
  render({ scrollY: keepScroll ? null : 0, focus: !replaceState });
}

/**
 * What a view gets when it is mounted.
 * @typedef {object} AppContext
 * @property {(text: string, kind?: string) => void} toast
 * @property {(text: string) => void} announce
 * @property {Live} live  the tab's one WebSocket
 * @property {typeof navigate} navigate
 * @property {URLSearchParams} params  the address's query
 */

/** @returns {AppContext} */
function context() {
  return { live, navigate, announce, toast, params: new URLSearchParams(location.search) };
}

async function render({ scrollY = null, focus = true } = {}) {
  if (view) {
    try {
      view.unmount();
    } catch (err) {
      console.error("unmount failed", err);
    }
    view = null;
  }
  const path = location.pathname;
  let mounted = null;
  for (const [re, mount] of ROUTES) {
    const match = re.exec(path);
    if (match) {
      mounted = mount(match, context());
      break;
    }
  }
  if (!mounted) mounted = mountNotFound(main);
  view = mounted;
  renderHeader();
  const current = view;
  try {
    await mounted.ready;
  } catch (err) {
    console.error(err);
  }
  if (view !== current) return;
  if (scrollY !== null) window.scrollTo(0, scrollY);
  if (focus && !firstRender) {
    const heading = main.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }
  firstRender = false;
}

document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  const link = /** @type {HTMLAnchorElement | null} */ (/** @type {Element} */ (event.target).closest("a[href]"));
  if (!link || link.target || link.hasAttribute("download")) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || !isAppPath(url.pathname)) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  event.preventDefault();
  navigate(url.href);
});

window.addEventListener("popstate", (event) => {
  render({ scrollY: event.state && typeof event.state.scrollY === "number" ? event.state.scrollY : 0 });
});

// --- header and footer -----------------------------------------------------------------------

const connText = h("span", { class: "conn-text" });
const connEl = h("span", { class: "conn", role: "status" }, h("span", { class: "conn-dot", "aria-hidden": "true" }), connText);

function renderConn() {
  const state = live.state;
  connEl.className = `conn conn-${state}`;
  connEl.dataset.state = state;
  connText.textContent = t(`conn.${state}`);
  connEl.title = t("conn.label", { state: t(`conn.${state}`) });
}
live.addEventListener("state", renderConn);

function renderHeader() {
  const me = currentUser();
  const next = location.pathname === "/login" ? "/" : location.pathname + location.search;
  const account = me
    ? h(
        "div",
        { class: "account" },
        isStaff() ? h("a", { href: "/staff", class: "header-link" }, t("app.staffDashboard")) : null,
        bell.element,
        h("a", { href: "/me", class: "header-link", "data-role": "my-activity" }, t("nav.myActivity")),
        h("a", { href: "/account", class: "account-name" }, t("nav.signedInAs", { login: me.login })),
        h(
          "button",
          {
            type: "button",
            class: "btn btn-small btn-ghost",
            onclick: async () => {
              const providerLogout = await logOut().catch(() => null);
              if (providerLogout) {
                window.location.assign(providerLogout);
                return;
              }
              render({ focus: false });
            },
          },
          t("nav.logout"),
        ),
      )
    : h(
        "div",
        { class: "account" },
        h("a", { href: "/login?next=" + encodeURIComponent(next), class: "btn btn-small btn-outline" }, t("nav.login")),
      );
  replace(
    header,
    h(
      "div",
      { class: "header-inner" },
      h(
        "a",
        // Named by its visible text (WCAG 2.5.3: an aria-label that differs from it fails).
        { href: "/", class: "brand" },
        h("span", { class: "brand-mark", "aria-hidden": "true" }, "通"),
        h("span", { class: "brand-text" }, h("span", { class: "brand-name" }, t("app.name")), " ", h("span", { class: "brand-sub" }, t("app.subtitle"))),
      ),
      h(
        "div",
        { class: "header-tools" },
        connEl,
        h(
          "button",
          {
            type: "button",
            class: "btn btn-small btn-ghost lang-toggle",
            lang: lang() === "ko" ? "en" : "ko",
            "aria-label": t("lang.switchLabel"),
            onclick: () => setLang(lang() === "ko" ? "en" : "ko"),
          },
          t("lang.switch"),
        ),
        account,
      ),
    ),
  );
  renderConn();
  document.getElementById("skip-link").textContent = t("app.skip");
  replace(
    footer,
    h(
      "div",
      { class: "footer-inner" },
      h("p", null, t("app.footer")),
      // Pages the server draws from Markdown (server/web/routes/legal.py), linked from every page.
      h(
        "nav",
        { class: "legal-links", "aria-label": t("legal.nav") },
        h("a", { href: "/privacy" }, t("legal.privacy")),
        " · ",
        h("a", { href: "/terms" }, t("legal.terms")),
      ),
    ),
  );
}

onLangChange(() => render({ scrollY: window.scrollY, focus: false }));
onSessionChange(() => renderHeader());
bell.render();

// --- start ---------------------------------------------------------------------------------

history.scrollRestoration = "manual";
/** @type {any} */ (window).__tong = { live, navigate, announce, lang, version: 1 };
startClock();
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") refreshTimes();
});

live.start();
loadSession().finally(() => render({ scrollY: null, focus: false }));
