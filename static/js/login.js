// @ts-check
// /login: log in, then go back where the reader came from.

import { api } from "./api.js";
import { h, replace, uid } from "./dom.js";
import { lang, t } from "./i18n.js";
import { errorMessage } from "./composer.js";
import { loadSession, logIn } from "./session.js";
import { mountSecondStep } from "./mfa.js";
import { sameOriginPath } from "./nextpath.js";
import "./passwords.js";

function safeNext(params) {
  // Only paths on this site: "//evil.example", "/\evil.example", "https://…" go to the board instead.
  return sameOriginPath(params.get("next") || "/");
}

export function mountLogin(root, ctx) {
  const loginId = uid("login");
  const passwordId = uid("password");
  const login = h("input", { id: loginId, name: "login", type: "text", class: "input", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const password = h("input", { id: passwordId, name: "password", type: "password", class: "input", autocomplete: "current-password", required: true });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block" }, t("login.submit"));
  const form = h(
    "form",
    { class: "login-form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: loginId }, t("login.login")), login),
    h("div", { class: "field" }, h("label", { for: passwordId }, t("login.password")), password),
    error,
    submit,
    // A link to ask for a reset by e-mail (v1.2; passwords.js holds its strings).
    h("p", { class: "muted" }, h("a", { href: "/reset-password", "data-role": "forgot-password" }, t("login.forgot"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!login.value.trim() || !password.value) {
      (login.value.trim() ? password : login).focus();
      return;
    }
    submit.disabled = true;
    error.hidden = true;
    try {
      const answer = await logIn(login.value.trim(), password.value);
      if (answer.mfa_required) secondStep(answer);
      else ctx.navigate(safeNext(ctx.params), { replace: true });
    } catch (err) {
      error.textContent = err && err.status === 401 ? t("login.wrong") : errorMessage(err, "login.failed");
      error.hidden = false;
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  const page = h(
    "section",
    { class: "login-page card" },
    h("h1", null, t("login.title")),
    h("p", { class: "muted" }, t("login.intro")),
    form,
  );
  // Staff where a second factor is required: after the password (or the portal's sign-in, which
  // lands here), enrol one at the first login or give it; then on to `next`.
  let owed = false;
  const secondStep = (state) => {
    owed = true;
    mountSecondStep(page, state, async () => {
      await loadSession();
      ctx.navigate(safeNext(ctx.params), { replace: true });
    });
  };
  replace(root, page);
  document.title = `${t("login.title")} · ${t("app.name")}`;
  login.focus();
  const pending = api
    .get("/api/session")
    .then((state) => {
      if (state && state.mfa_required) secondStep(state);
    })
    .catch(() => {});
  // With single sign-on configured the provider's button comes first; the password form stays
  // (for staff only when the server says so).
  const options = api
    .get("/api/auth/options")
    .then(async (options) => {
      await pending;
      if (owed || !options || !options.oidc) return;
      const next = safeNext(ctx.params);
      const name = lang() === "en" ? options.oidc.name_en : options.oidc.name;
      const sso = h(
        "a",
        {
          class: "btn btn-primary btn-block",
          "data-role": "sso-login",
          href: options.oidc.start + "?next=" + encodeURIComponent(next),
        },
        name,
      );
      const heading = options.local_login === "staff" ? t("login.local.staff") : t("login.local");
      replace(
        page,
        h("h1", null, t("login.title")),
        h("p", { class: "muted" }, t("login.sso.intro")),
        sso,
        h("h2", { class: "login-local" }, heading),
        form,
      );
      sso.focus();
    })
    .catch(() => {});
  const ready = Promise.all([pending, options]);
  return { ready, unmount() {} };
}
