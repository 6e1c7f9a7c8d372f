// The staff dashboard: log in as staff, then tabs fed by REST and the live `staff` channel.

import { explain } from "../js/errors.js";
import { api } from "../js/api.js";
import { AnswerClock } from "./answers.js";
import { $, toast } from "../js/dom.js";
import { Live } from "../js/live.js";
import { Moderation } from "./moderation.js";
import { Monitor } from "./monitor.js";
import { Review } from "./review.js";

const TABS = ["monitor", "answers", "moderation", "review"];
const CONNECTION = {
  connecting: "연결 중…",
  live: "실시간",
  reconnecting: "다시 연결 중…",
  offline: "오프라인",
  denied: "권한 없음",
  off: "연결 전",
};

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
      await api.post("/api/session", { login: data.get("login"), password: data.get("password") });
      location.reload();
    } catch (error) {
      $("#login-error").textContent = explain(error);
    }
  };
}

async function boot() {
  // /api/session answers an anonymous visitor without a 401 in the console.
  const me = (await api.get("/api/session")).account;
  if (!me) return showLogin();
  if (me.kind !== "staff") {
    return showLogin(`지금 로그인한 계정(${me.login})은 조달청 직원 계정이 아닙니다. 직원 계정으로 로그인해 주세요.`);
  }
  $("#loading").hidden = true;
  $("#tabs").hidden = false;
  $("#who").textContent = `${me.department || "조달청"} · ${me.login}`;
  const logout = $("#logout");
  logout.hidden = false;
  logout.addEventListener("click", async () => {
    await api.del("/api/session");
    location.reload();
  });
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
  let lastId = 0;
  const deliver = (event) => {
    lastId = Math.max(lastId, event.id);
    monitor.onEvent(event);
    clock.onEvent(event);
    moderation.onEvent(event);
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
    conn.textContent = CONNECTION[state] || state;
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
  const results = await Promise.allSettled([monitor.start(), clock.start(), moderation.start(), review.start()]);
  for (const r of results) if (r.status === "rejected") toast(explain(r.reason), "error");
  document.body.dataset.ready = "true";
}

boot().catch((error) => {
  $("#loading").textContent = `불러오지 못했습니다: ${explain(error)}`;
});
