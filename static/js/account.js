// @ts-check
// /account: the account's e-mail address (confirmed through a mailed link), how notices are
// mailed (immediately, a daily digest in KST, or not at all), and its password.
// /mail/confirm and /mail/unsubscribe: the pages the links in mails open (token in the query);
// nothing changes until the reader presses the button (link scanners only GET).

import { api, query } from "./api.js";
import { h, replace, uid } from "./dom.js";
import { addStrings, t } from "./i18n.js";
import { errorMessage } from "./composer.js";
import { currentUser } from "./session.js";

addStrings({
  ko: {
    "account.title": "계정 설정",
    "account.loginFirst": "계정 설정은 로그인한 뒤에 볼 수 있습니다.",
    "account.mail": "이메일 알림",
    "account.mailDisabled": "이 서버는 알림 메일을 보내지 않습니다. 알림은 사이트 안에서만 볼 수 있습니다.",
    "account.address": "이메일 주소",
    "account.verified": "확인된 주소입니다.",
    "account.pending": "확인 메일을 보냈습니다. 메일의 링크를 열어야 알림 메일을 받습니다.",
    "account.none": "등록된 주소가 없습니다.",
    "account.saveAddress": "주소 저장",
    "account.removeAddress": "주소 삭제",
    "account.delivery": "알림 메일 받기",
    "account.delivery.immediate": "바로 받기",
    "account.delivery.daily": "하루 한 번 모아 받기 (한국 시간 기준, 다음 날 아침)",
    "account.delivery.none": "받지 않기",
    "account.saved": "저장했습니다.",
    "account.failed": "저장하지 못했습니다: {message}",
    "account.password": "비밀번호 변경",
    "account.current": "현재 비밀번호",
    "account.new": "새 비밀번호",
    "account.repeat": "새 비밀번호 확인",
    "account.mismatch": "새 비밀번호가 서로 다릅니다.",
    "account.changePassword": "비밀번호 변경",
    "account.passwordChanged": "비밀번호를 바꾸었습니다. 다른 곳의 로그인은 끝났습니다.",
    "mailLink.confirmTitle": "이메일 주소 확인",
    "mailLink.confirmHelp": "아래 버튼을 누르면 이 주소로 알림 메일을 받습니다.",
    "mailLink.confirm": "주소 확인",
    "mailLink.confirmed": "{address} 주소를 확인했습니다.",
    "mailLink.unsubscribeTitle": "알림 메일 그만 받기",
    "mailLink.unsubscribeHelp": "아래 버튼을 누르면 더 이상 알림 메일을 보내지 않습니다. 사이트 안의 알림은 그대로입니다.",
    "mailLink.unsubscribe": "그만 받기",
    "mailLink.unsubscribed": "알림 메일을 더 보내지 않습니다. 계정 설정에서 다시 켤 수 있습니다.",
    "mailLink.failed": "처리하지 못했습니다: {message}",
    "mailLink.toAccount": "계정 설정으로",
  },
  en: {
    "account.title": "Account settings",
    "account.loginFirst": "Log in to see your account settings.",
    "account.mail": "E-mail notices",
    "account.mailDisabled": "This server sends no e-mail. Notices are shown on the site only.",
    "account.address": "E-mail address",
    "account.verified": "This address is confirmed.",
    "account.pending": "A confirmation mail was sent. Open its link to start receiving notices.",
    "account.none": "No address yet.",
    "account.saveAddress": "Save address",
    "account.removeAddress": "Remove address",
    "account.delivery": "Mail me notices",
    "account.delivery.immediate": "Right away",
    "account.delivery.daily": "Once a day (Korean time, the next morning)",
    "account.delivery.none": "Never",
    "account.saved": "Saved.",
    "account.failed": "Not saved: {message}",
    "account.password": "Change password",
    "account.current": "Current password",
    "account.new": "New password",
    "account.repeat": "New password again",
    "account.mismatch": "The new passwords differ.",
    "account.changePassword": "Change password",
    "account.passwordChanged": "Password changed. Your other logins have ended.",
    "mailLink.confirmTitle": "Confirm e-mail address",
    "mailLink.confirmHelp": "Press the button to receive notices at this address.",
    "mailLink.confirm": "Confirm address",
    "mailLink.confirmed": "{address} is confirmed.",
    "mailLink.unsubscribeTitle": "Stop notice mails",
    "mailLink.unsubscribeHelp": "Press the button and no more notice mails are sent. Notices on the site stay.",
    "mailLink.unsubscribe": "Stop mails",
    "mailLink.unsubscribed": "No more notice mails. You can turn them back on in your account settings.",
    "mailLink.failed": "Could not do that: {message}",
    "mailLink.toAccount": "Account settings",
  },
});

const DELIVERIES = ["immediate", "daily", "none"];

function field(label, input) {
  return h("div", { class: "field" }, h("label", { for: input.id }, label), input);
}

function status(text, kind = "muted") {
  return h("p", { class: kind === "error" ? "form-error" : "muted", role: kind === "error" ? "alert" : "status" }, text);
}

function mailSection(settings, ctx, rerender) {
  const section = h("section", { class: "card account-section", "aria-labelledby": "account-mail" }, h("h2", { id: "account-mail" }, t("account.mail")));
  if (!settings.enabled) {
    section.append(status(t("account.mailDisabled")));
    return section;
  }
  const message = h("div", { "data-role": "mail-message" });
  const address = h("input", { id: uid("address"), type: "email", class: "input", name: "address", autocomplete: "email", value: settings.address || "" });
  const state = settings.address ? (settings.verified ? t("account.verified") : t("account.pending")) : t("account.none");
  const save = async (body) => {
    try {
      const next = await api.patch("/api/me/mail", body);
      ctx.toast(t("account.saved"));
      rerender(next);
    } catch (err) {
      replace(message, status(errorMessage(err, "account.failed"), "error"));
    }
  };
  const form = h(
    "form",
    { class: "account-form", "data-role": "address-form", novalidate: true },
    field(t("account.address"), address),
    h("p", { class: "muted", "data-role": "mail-state" }, state),
    h(
      "div",
      { class: "form-actions" },
      h("button", { type: "submit", class: "btn btn-primary" }, t("account.saveAddress")),
      settings.address ? h("button", { type: "button", class: "btn btn-outline", onclick: () => save({ address: null }) }, t("account.removeAddress")) : null,
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save({ address: address.value.trim() });
  });
  const name = uid("delivery");
  const choices = h(
    "fieldset",
    { class: "account-delivery", disabled: !settings.address },
    h("legend", null, t("account.delivery")),
    DELIVERIES.map((value) =>
      h(
        "label",
        { class: "radio" },
        h("input", { type: "radio", name, value, checked: settings.delivery === value, onchange: () => save({ delivery: value }) }),
        " ",
        t(`account.delivery.${value}`),
      ),
    ),
  );
  section.append(form, choices, message);
  return section;
}

function passwordSection(ctx) {
  const current = h("input", { id: uid("current"), type: "password", class: "input", autocomplete: "current-password", required: true });
  const next = h("input", { id: uid("new"), type: "password", class: "input", autocomplete: "new-password", required: true });
  const repeat = h("input", { id: uid("repeat"), type: "password", class: "input", autocomplete: "new-password", required: true });
  const message = h("div");
  const form = h(
    "form",
    { class: "account-form", "data-role": "password-form", novalidate: true },
    field(t("account.current"), current),
    field(t("account.new"), next),
    field(t("account.repeat"), repeat),
    message,
    h("button", { type: "submit", class: "btn btn-primary" }, t("account.changePassword")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (next.value !== repeat.value) {
      replace(message, status(t("account.mismatch"), "error"));
      repeat.focus();
      return;
    }
    try {
      await api.post("/api/me/password", { current: current.value, new: next.value });
      form.reset();
      replace(message, status(t("account.passwordChanged")));
    } catch (err) {
      replace(message, status(errorMessage(err, "account.failed"), "error"));
    }
  });
  return h("section", { class: "card account-section", "aria-labelledby": "account-password" }, h("h2", { id: "account-password" }, t("account.password")), form);
}

export function mountAccount(root, ctx) {
  document.title = `${t("account.title")} · ${t("app.name")}`;
  if (!currentUser()) {
    replace(
      root,
      h("section", { class: "card" }, h("h1", null, t("account.title")), h("p", null, h("a", { href: "/login?next=/account" }, t("account.loginFirst")))),
    );
    return { ready: Promise.resolve(), unmount() {} };
  }
  const mail = h("div");
  const rerender = (settings) => replace(mail, mailSection(settings, ctx, rerender));
  replace(root, h("div", { class: "account-page" }, h("h1", null, t("account.title")), mail, passwordSection(ctx)));
  const ready = api.get("/api/me/mail").then(rerender, (err) => replace(mail, status(errorMessage(err, "account.failed"), "error")));
  return { ready, unmount() {} };
}

/** /mail/confirm and /mail/unsubscribe: one button that POSTs the link's token. */
export function mountMailLink(root, ctx, kind) {
  const token = ctx.params.get("token") || "";
  const title = t(`mailLink.${kind}Title`);
  document.title = `${title} · ${t("app.name")}`;
  const message = h("div", { "data-role": "mail-link-result" });
  const button = h("button", { type: "button", class: "btn btn-primary" }, t(`mailLink.${kind}`));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const result = await api.post(`/api/mail/${kind}${query({ token })}`);
      const text = kind === "confirm" ? t("mailLink.confirmed", { address: result.address }) : t("mailLink.unsubscribed");
      replace(message, status(text), h("p", null, h("a", { href: "/account" }, t("mailLink.toAccount"))));
      button.hidden = true;
    } catch (err) {
      replace(message, status(errorMessage(err, "mailLink.failed"), "error"));
      button.disabled = false;
    }
  });
  replace(root, h("section", { class: "card mail-link" }, h("h1", null, title), h("p", { class: "muted" }, t(`mailLink.${kind}Help`)), button, message));
  return { ready: Promise.resolve(), unmount() {} };
}
