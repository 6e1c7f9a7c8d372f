// @ts-check
// /reset-password: without a token, ask for a reset link by e-mail (the answer is the same whether
// or not an account has the address); with the mailed link's `?token=`, set the new password (a
// reset, or an invited account's first password). Nothing changes until the reader submits.

import { api, query } from "./api.js";
import { h, replace, uid } from "./dom.js";
import { addStrings, t } from "./i18n.js";
import { errorMessage } from "./composer.js";

addStrings({
  ko: {
    "reset.title": "비밀번호 재설정",
    "reset.askHelp": "계정에 확인된 이메일 주소를 적으면 비밀번호를 새로 정하는 링크를 보냅니다. 링크는 30분 동안 한 번만 쓸 수 있습니다.",
    "reset.email": "이메일 주소",
    "reset.ask": "재설정 링크 받기",
    "reset.asked": "요청을 받았습니다. 이 주소가 확인된 계정의 주소라면 곧 메일이 갑니다. 메일이 오지 않으면 스팸함을 보거나 잠시 뒤 다시 요청해 주세요.",
    "reset.setHelp": "‘{login}’ 계정의 새 비밀번호를 정하세요. 이 링크는 한 번만 쓸 수 있습니다.",
    "reset.inviteTitle": "비밀번호 정하기",
    "reset.password": "새 비밀번호",
    "reset.repeat": "새 비밀번호 확인",
    "reset.mismatch": "새 비밀번호가 서로 다릅니다.",
    "reset.set": "비밀번호 저장",
    "reset.done": "비밀번호를 바꾸었습니다. 다른 곳에서 로그인해 있던 곳은 모두 로그아웃되었습니다.",
    "reset.toLogin": "로그인하기",
    "reset.failed": "처리하지 못했습니다: {message}",
    "reset.again": "새 링크 받기",
    "login.forgot": "비밀번호를 잊으셨나요?",
  },
  en: {
    "reset.title": "Reset password",
    "reset.askHelp": "Give the confirmed e-mail address of your account and we send a link to set a new password. The link works once, for 30 minutes.",
    "reset.email": "E-mail address",
    "reset.ask": "Send me a link",
    "reset.asked": "Received. If this is the confirmed address of an account, a mail is on its way. If none arrives, look in the spam folder or ask again later.",
    "reset.setHelp": "Choose a new password for ‘{login}’. This link works once.",
    "reset.inviteTitle": "Set your password",
    "reset.password": "New password",
    "reset.repeat": "Repeat the new password",
    "reset.mismatch": "The new passwords differ.",
    "reset.set": "Save password",
    "reset.done": "Your password is changed. Everywhere else you were logged in, you are now logged out.",
    "reset.toLogin": "Log in",
    "reset.failed": "That did not work: {message}",
    "reset.again": "Get a new link",
    "login.forgot": "Forgot your password?",
  },
});

function status(text, kind = "muted") {
  return h("p", { class: kind === "error" ? "form-error" : "muted", role: kind === "error" ? "alert" : "status", "data-role": "reset-result" }, text);
}

function field(label, input) {
  return h("div", { class: "field" }, h("label", { for: input.id }, label), input);
}

/** No token: ask for a link by e-mail. */
function askForm(message) {
  const email = h("input", { id: uid("email"), name: "email", type: "email", class: "input", autocomplete: "email", required: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, t("reset.ask"));
  const form = h("form", { class: "login-form", "data-role": "reset-ask" }, field(t("reset.email"), email), submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      await api.post("/api/password-reset", { email: email.value.trim() });
      replace(message, status(t("reset.asked")));
    } catch (err) {
      replace(message, status(errorMessage(err, "reset.failed"), "error"));
    } finally {
      submit.disabled = false;
    }
  });
  return { form, focus: email };
}

/** A token: set the password (the link stays usable after a refused weak password). */
function setForm(token, login, message) {
  const password = h("input", { id: uid("password"), name: "password", type: "password", class: "input", autocomplete: "new-password", required: true, "data-role": "new-password" });
  const repeat = h("input", { id: uid("repeat"), name: "repeat", type: "password", class: "input", autocomplete: "new-password", required: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, t("reset.set"));
  const form = h("form", { class: "login-form", "data-role": "reset-set" }, field(t("reset.password"), password), field(t("reset.repeat"), repeat), submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (password.value !== repeat.value) {
      replace(message, status(t("reset.mismatch"), "error"));
      repeat.focus();
      return;
    }
    submit.disabled = true;
    try {
      await api.post("/api/password-reset/confirm", { token, password: password.value });
      form.hidden = true;
      replace(message, status(t("reset.done")), h("p", null, h("a", { class: "btn btn-primary", href: `/login` }, t("reset.toLogin"))));
    } catch (err) {
      replace(message, status(errorMessage(err, "reset.failed"), "error"));
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  return { form, focus: password, login };
}

export function mountResetPassword(root, ctx) {
  const token = ctx.params.get("token") || "";
  const message = h("div", { "aria-live": "polite" });
  const heading = h("h1", null, t("reset.title"));
  const help = h("p", { class: "muted" }, t("reset.askHelp"));
  const page = h("section", { class: "login-page card" }, heading, help);
  document.title = `${t("reset.title")} · ${t("app.name")}`;
  if (!token) {
    const { form, focus } = askForm(message);
    replace(root, h("div", null, page));
    page.append(form, message);
    focus.focus();
    return { ready: Promise.resolve(), unmount() {} };
  }
  replace(root, h("div", null, page));
  const ready = api.get(`/api/password-reset/confirm${query({ token })}`).then(
    (link) => {
      if (link.purpose === "invite") {
        heading.textContent = t("reset.inviteTitle");
        document.title = `${t("reset.inviteTitle")} · ${t("app.name")}`;
      }
      help.textContent = t("reset.setHelp", { login: link.login });
      const { form, focus } = setForm(token, link.login, message);
      page.append(form, message);
      focus.focus();
    },
    (err) => {
      help.hidden = true;
      page.append(status(errorMessage(err, "reset.failed"), "error"), h("p", null, h("a", { href: "/reset-password" }, t("reset.again"))));
    },
  );
  return { ready, unmount() {} };
}
