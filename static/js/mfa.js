// @ts-check
// A second factor for staff (v1.2): the prompt after the password, the enrolment at the first
// login (an authenticator app's secret and otpauth URI as text, or a security key; recovery codes
// shown once), and step-up (a reveal asks again after 5 minutes: `withStepUp`). Shared by the
// public app's login page and the staff dashboard.

import { ApiError, api } from "./api.js";
import { h, replace, uid } from "./dom.js";
import { explain } from "./errors.js";
import { addStrings, t } from "./i18n.js";

addStrings({
  ko: {
    "mfa.title": "2단계 인증",
    "mfa.intro": "조달청 직원 계정은 비밀번호 다음에 2단계 인증을 합니다.",
    "mfa.code": "인증 앱의 6자리 코드 또는 복구 코드",
    "mfa.submit": "확인",
    "mfa.key": "보안 키 사용",
    "mfa.enrol.title": "2단계 인증 등록",
    "mfa.enrol.intro": "처음 로그인했습니다. 계속하려면 인증 앱이나 보안 키를 등록하세요.",
    "mfa.enrol.app": "인증 앱 등록",
    "mfa.enrol.key": "보안 키 등록",
    "mfa.enrol.scan": "인증 앱(Google Authenticator, Microsoft Authenticator 등)에 아래 주소를 추가하거나 비밀 키를 직접 입력하세요.",
    "mfa.enrol.secret": "비밀 키",
    "mfa.enrol.uri": "otpauth 주소",
    "mfa.enrol.code": "앱에 나온 6자리 코드",
    "mfa.enrol.confirm": "등록 확인",
    "mfa.codes.title": "복구 코드",
    "mfa.codes.intro": "휴대폰이나 보안 키를 잃어버렸을 때 한 번씩 쓸 수 있는 코드입니다. 지금 한 번만 보여 드리니 안전한 곳에 적어 두세요.",
    "mfa.codes.done": "적어 두었습니다. 계속",
    "mfa.stepup.title": "2단계 인증을 다시 확인합니다",
    "mfa.stepup.intro": "작성자 확인 같은 중요한 작업은 최근 5분 안에 2단계 인증을 해야 합니다.",
    "mfa.cancel": "취소",
    "mfa.failed": "확인하지 못했습니다: {message}",
  },
  en: {
    "mfa.title": "Second factor",
    "mfa.intro": "Staff accounts give a second factor after the password.",
    "mfa.code": "The 6-digit code from your app, or a recovery code",
    "mfa.submit": "Confirm",
    "mfa.key": "Use a security key",
    "mfa.enrol.title": "Set up a second factor",
    "mfa.enrol.intro": "This is your first login: set up an authenticator app or a security key to go on.",
    "mfa.enrol.app": "Set up an authenticator app",
    "mfa.enrol.key": "Register a security key",
    "mfa.enrol.scan": "Add the address below to your authenticator app (Google Authenticator, Microsoft Authenticator …), or type the secret key into it.",
    "mfa.enrol.secret": "Secret key",
    "mfa.enrol.uri": "otpauth address",
    "mfa.enrol.code": "The 6-digit code the app shows",
    "mfa.enrol.confirm": "Confirm",
    "mfa.codes.title": "Recovery codes",
    "mfa.codes.intro": "Each works once if you lose your phone or key. They are shown only now: write them down somewhere safe.",
    "mfa.codes.done": "I wrote them down. Continue",
    "mfa.stepup.title": "Confirm your second factor again",
    "mfa.stepup.intro": "Actions such as revealing an author need a second factor given in the last 5 minutes.",
    "mfa.cancel": "Cancel",
    "mfa.failed": "Could not confirm: {message}",
  },
});

// --- WebAuthn's JSON: binary fields travel as base64url -------------------------------------

function fromB64url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;
}

function toB64url(buffer) {
  let text = "";
  for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function withIds(list) {
  return (list || []).map((c) => ({ ...c, id: fromB64url(c.id) }));
}

function credentialJSON(credential) {
  const r = credential.response;
  const response = { clientDataJSON: toB64url(r.clientDataJSON) };
  if (r.attestationObject) response.attestationObject = toB64url(r.attestationObject);
  if (r.authenticatorData) response.authenticatorData = toB64url(r.authenticatorData);
  if (r.signature) response.signature = toB64url(r.signature);
  if (r.userHandle) response.userHandle = toB64url(r.userHandle);
  if (r.getTransports) response.transports = r.getTransports();
  return {
    id: credential.id,
    rawId: toB64url(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
  };
}

/** Give the factor with a security key (the login's, or step-up's). */
export async function giveKey() {
  const { publicKey } = await api.post("/api/session/mfa/options");
  const options = { ...publicKey, challenge: fromB64url(publicKey.challenge), allowCredentials: withIds(publicKey.allowCredentials) };
  const credential = await navigator.credentials.get({ publicKey: options });
  return api.post("/api/session/mfa", { webauthn: credentialJSON(credential) });
}

/** Register a security key; resolves to the enrolment's answer ({recovery_codes, methods}). */
export async function registerKey() {
  const { publicKey } = await api.post("/api/me/mfa/webauthn/options");
  const options = {
    ...publicKey,
    challenge: fromB64url(publicKey.challenge),
    user: { ...publicKey.user, id: fromB64url(publicKey.user.id) },
    excludeCredentials: withIds(publicKey.excludeCredentials),
  };
  const credential = await navigator.credentials.create({ publicKey: options });
  return api.post("/api/me/mfa/webauthn", { credential: credentialJSON(credential) });
}

function failure(error) {
  if (error instanceof ApiError) return explain(error);
  // The browser's own refusal (the person cancelled, no key): its message says which.
  return t("mfa.failed", { message: (error && error.message) || String(error) });
}

/**
 * The factor prompt: a code field (TOTP or recovery code) and, when the account has one, the
 * security key button. Calls onDone once the server accepted the factor.
 * @param {string[]} methods
 * @param {() => void} onDone
 */
export function factorForm(methods, onDone) {
  const codeId = uid("mfa-code");
  const code = h("input", { id: codeId, name: "code", class: "input", autocomplete: "one-time-code", inputmode: "text", required: true, "data-role": "mfa-code" });
  const error = h("p", { class: "form-error error", role: "alert", hidden: true });
  const show = (message) => {
    error.textContent = message;
    error.hidden = false;
  };
  const submit = h("button", { type: "submit", class: "btn btn-primary primary", "data-role": "mfa-submit" }, t("mfa.submit"));
  const form = h(
    "form",
    { class: "mfa-form", "data-role": "mfa-form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: codeId }, t("mfa.code")), code),
    error,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!code.value.trim()) return code.focus();
    submit.disabled = true;
    error.hidden = true;
    try {
      await api.post("/api/session/mfa", { code: code.value.trim() });
      onDone();
    } catch (err) {
      show(failure(err));
      code.select();
    } finally {
      submit.disabled = false;
    }
  });
  if (methods.includes("webauthn")) {
    const key = h("button", { type: "button", class: "btn btn-outline", "data-role": "mfa-key" }, t("mfa.key"));
    key.addEventListener("click", async () => {
      error.hidden = true;
      try {
        await giveKey();
        onDone();
      } catch (err) {
        show(failure(err));
      }
    });
    form.append(key);
  }
  return form;
}

/** The recovery codes, shown once, and a button to go on. */
function recoveryCodes(codes, onDone) {
  const done = h("button", { type: "button", class: "btn btn-primary primary", "data-role": "mfa-codes-done" }, t("mfa.codes.done"));
  done.addEventListener("click", onDone);
  return h(
    "section",
    { class: "mfa-codes", "data-role": "mfa-codes" },
    h("h2", null, t("mfa.codes.title")),
    h("p", null, t("mfa.codes.intro")),
    h("ul", { class: "mfa-code-list" }, ...codes.map((c) => h("li", null, h("code", null, c)))),
    done,
  );
}

/**
 * The enrolment at the first login: an authenticator app (secret and otpauth URI as text, then its
 * first code) or a security key; then the recovery codes, once; then onDone.
 * @param {HTMLElement} root
 * @param {() => void} onDone
 */
export function mountEnrolment(root, onDone) {
  const error = h("p", { class: "form-error error", role: "alert", hidden: true });
  const show = (message) => {
    error.textContent = message;
    error.hidden = false;
  };
  const finished = (answer) => {
    if (answer.recovery_codes && answer.recovery_codes.length) replace(root, recoveryCodes(answer.recovery_codes, onDone));
    else onDone();
  };
  const app = h("button", { type: "button", class: "btn btn-primary primary", "data-role": "mfa-enrol-app" }, t("mfa.enrol.app"));
  const key = h("button", { type: "button", class: "btn btn-outline", "data-role": "mfa-enrol-key" }, t("mfa.enrol.key"));
  app.addEventListener("click", async () => {
    error.hidden = true;
    try {
      const { secret, uri } = await api.post("/api/me/mfa/totp");
      const codeId = uid("mfa-enrol-code");
      const code = h("input", { id: codeId, name: "code", class: "input", autocomplete: "one-time-code", inputmode: "numeric", required: true, "data-role": "mfa-code" });
      const confirm = h("button", { type: "submit", class: "btn btn-primary primary", "data-role": "mfa-submit" }, t("mfa.enrol.confirm"));
      const form = h(
        "form",
        { class: "mfa-form", "data-role": "mfa-enrol-form", novalidate: true },
        h("p", null, t("mfa.enrol.scan")),
        h("p", null, h("strong", null, t("mfa.enrol.secret") + ": "), h("code", { "data-role": "mfa-secret" }, secret)),
        h("p", { class: "mfa-uri" }, h("strong", null, t("mfa.enrol.uri") + ": "), h("a", { href: uri, "data-role": "mfa-uri" }, uri)),
        h("div", { class: "field" }, h("label", { for: codeId }, t("mfa.enrol.code")), code),
        error,
        confirm,
      );
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        confirm.disabled = true;
        error.hidden = true;
        try {
          finished(await api.post("/api/me/mfa/totp/confirm", { code: code.value.trim() }));
        } catch (err) {
          show(failure(err));
          code.select();
        } finally {
          confirm.disabled = false;
        }
      });
      replace(root, h("h2", null, t("mfa.enrol.app")), form);
      code.focus();
    } catch (err) {
      show(failure(err));
    }
  });
  key.addEventListener("click", async () => {
    error.hidden = true;
    try {
      finished(await registerKey());
    } catch (err) {
      show(failure(err));
    }
  });
  const choices = window.PublicKeyCredential ? [app, key] : [app];
  replace(root, h("p", null, t("mfa.enrol.intro")), h("div", { class: "mfa-choices" }, ...choices), error);
  app.focus();
}

/**
 * The second step of a login: enrol (the account has no factor yet) or give the factor.
 * @param {HTMLElement} root  where the step is drawn (its content is replaced)
 * @param {{methods: string[], enrol: boolean}} state  what POST or GET /api/session said
 * @param {() => void} onDone
 */
export function mountSecondStep(root, state, onDone) {
  const body = h("div", { class: "mfa-step", "data-role": state.enrol ? "mfa-enrol" : "mfa-prompt" });
  replace(root, h("h1", null, t(state.enrol ? "mfa.enrol.title" : "mfa.title")), body);
  if (state.enrol) mountEnrolment(body, onDone);
  else {
    replace(body, h("p", { class: "muted hint" }, t("mfa.intro")), factorForm(state.methods || [], onDone));
    const field = body.querySelector("input");
    if (field) /** @type {HTMLInputElement} */ (field).focus();
  }
}

/** Ask for the factor again in a modal dialog; resolves true once given, false if cancelled. */
export function askAgain(methods = ["totp", "recovery"]) {
  return new Promise((resolve) => {
    const titleId = uid("mfa-stepup");
    const cancel = h("button", { type: "button", class: "btn btn-outline", "data-role": "mfa-cancel" }, t("mfa.cancel"));
    const dialog = h("dialog", { class: "mfa-dialog", "aria-labelledby": titleId, "data-role": "mfa-stepup" });
    let given = false;
    const form = factorForm(methods, () => {
      given = true;
      dialog.close();
    });
    form.append(cancel);
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(given);
    });
    dialog.append(h("h2", { id: titleId }, t("mfa.stepup.title")), h("p", null, t("mfa.stepup.intro")), form);
    document.body.append(dialog);
    dialog.showModal();
  });
}

/**
 * Run an act that may need a recent second factor (a reveal, a role change, an erasure): on 403
 * `reauth_required` ask for the factor and run it once more.
 * @template T
 * @param {() => Promise<T>} act
 * @returns {Promise<T>}
 */
export async function withStepUp(act) {
  try {
    return await act();
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== "reauth_required") throw err;
    let methods = ["totp", "recovery"];
    try {
      const options = await api.post("/api/session/mfa/options");
      if (options && options.publicKey) methods = [...methods, "webauthn"];
    } catch {
      // No security key on this account: codes only.
    }
    if (!(await askAgain(methods))) throw err;
    return act();
  }
}
