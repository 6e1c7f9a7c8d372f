// The staff dashboard: log in as staff, then tabs fed by REST and the live `staff` channel. It uses
// the public app's dom, api, live and i18n modules.

import { explain } from "../js/errors.js";
import { api } from "../js/api.js";
import { $, toast } from "../js/dom.js";
import { addStrings, lang, setLang, t, translateStatic } from "../js/i18n.js";
import { Live } from "../js/live.js";
import { mountSecondStep } from "../js/mfa.js";
import { Accounts } from "./accounts.js";
import { AnswerClock } from "./answers.js";
import { CategoryList } from "./categories.js";
import { Moderation } from "./moderation.js";
import { AppealQueue } from "./appeals.js";
import { Monitor } from "./monitor.js";
import { Review } from "./review.js";
import { Workflow } from "./workflow.js";
import { en, ko } from "./strings.js";

addStrings({ ko, en });

const TABS = ["monitor", "answers", "moderation", "review", "categories", "appeals"];
// 계정 is an admin's tab (v1.2): the page adds it after login when the account holds the role.
const ADMIN_TABS = ["accounts"];

function showTab() {
  const wanted = location.hash.slice(1);
  const tab = TABS.includes(wanted) ? wanted : "monitor";
  for (const name of TABS) $(`#tab-${name}`).hidden = name !== tab;
  for (const link of document.querySelectorAll("#tabs a")) {
    if (link.dataset.tab === tab) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function showLogin(message) {
  $("#loading").hidden = true;
  $("#login").hidden = false;
  if (message) $("#login-hint").textContent = message;
  const form = $("#login-form");
  form.onsubmit = async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    try {
      const answer = await api.post("/api/session", { login: data.get("login"), password: data.get("password") });
      if (answer.mfa_required) showSecondStep(answer);
      else location.reload();
    } catch (error) {
      $("#login-error").textContent = error.status === 401 ? t("login.wrong") : explain(error);
    }
  };
}

/** A staff session that still owes its second factor (v1.2): enrol one or give it, then reload. */
function showSecondStep(state) {
  $("#loading").hidden = true;
  const section = $("#login");
  section.hidden = false;
  mountSecondStep(section, state, () => location.reload());
}

function setUpPage() {
  translateStatic();
  document.title = `${t("app.name")} · ${t("staff.title")}`;
  const toggle = $("#lang");
  toggle.lang = lang() === "ko" ? "en" : "ko";
  // Everything on the dashboard comes from the server again in a moment: a reload redraws it all
  // in the other language without every module having to re-render itself.
  toggle.addEventListener("click", () => {
    setLang(lang() === "ko" ? "en" : "ko");
    location.reload();
  });
}

async function boot() {
  setUpPage();
  // /api/session answers an anonymous visitor without a 401 in the console.
  const session = await api.get("/api/session");
  if (session.mfa_required) return showSecondStep(session);
  const me = session.account;
  if (!me) return showLogin();
  if (me.kind !== "staff") return showLogin(t("staff.login.notStaff", { login: me.login }));
  $("#loading").hidden = true;
  $("#tabs").hidden = false;
  $("#who").textContent = `${me.department || t("staff.kind.staff")} · ${me.login}`;
  const logout = $("#logout");
  logout.hidden = false;
  logout.addEventListener("click", async () => {
    await api.del("/api/session");
    location.reload();
  });
  const admin = (me.roles || []).includes("admin");
  if (admin) {
    TABS.push(...ADMIN_TABS);
    $("#tab-link-accounts").hidden = false;
  }
  window.addEventListener("hashchange", showTab);
  showTab();

  const monitor = new Monitor();
  const clock = new AnswerClock();
  const moderation = new Moderation(me, {
    onCounts({ reports, held }) {
      $("#tab-count-moderation").textContent = reports + held ? String(reports + held) : "";
      monitor.setHeldCount(held);
    },
  });
  const review = new Review();
  const categories = new CategoryList();
  const appeals = new AppealQueue(me, {
    onCount(n) {
      $("#tab-count-appeals").textContent = n ? String(n) : "";
    },
  });
  const workflow = new Workflow(me);
  let lastId = 0;
  const deliver = (event) => {
    lastId = Math.max(lastId, event.id);
    monitor.onEvent(event);
    clock.onEvent(event);
    moderation.onEvent(event);
    categories.onEvent(event);
    appeals.onEvent(event);
    workflow.onEvent(event);
  };
  // The public app's connection: back-off with jitter, heartbeat, offline/online, 1012/1013.
  const live = new Live();
  let denied = false;
  // "live" once the staff channel answered, not merely when the socket opened.
  let subscribed = false;
  const showConn = () => {
    const conn = $("#conn");
    const state = denied ? "denied" : live.state === "live" && !subscribed ? "connecting" : live.state;
    conn.dataset.state = state;
    conn.textContent = t(`staff.conn.${state}`);
  };
  live.addEventListener("state", () => {
    if (live.state !== "live") subscribed = false;
    showConn();
  });
  live.start();
  showConn();
  live.subscribe("staff", {
    onSubscribed() {
      subscribed = true;
      showConn();
    },
    onEvent: (frame) => deliver(frame.data.event),
    onFrame(frame) {
      if (frame.type === "stats") monitor.onStats(frame.data);
    },
    // Rows committed while the socket was down: page them from the last id seen.
    async onReconnect() {
      let after = lastId;
      for (;;) {
        const page = await api.get(`/api/staff/events?after_id=${after}&limit=1000`);
        page.items.forEach(deliver);
        if (!page.next_after_id) break;
        after = page.next_after_id;
      }
    },
    onError() {
      // The staff channel refused this account: retrying would be refused again.
      denied = true;
      live.stop();
      showConn();
    },
  });
  window.__tongStaff = { live, monitor };
  const starting = [monitor.start(), clock.start(), moderation.start(), review.start(), categories.start(), appeals.start(), workflow.start()];
  if (admin) starting.push(new Accounts(me).start());
  const results = await Promise.allSettled(starting);
  for (const r of results) if (r.status === "rejected") toast(explain(r.reason), "error");
  document.body.dataset.ready = "true";
}

boot().catch((error) => {
  $("#loading").textContent = t("staff.loadFailed", { message: explain(error) });
});
