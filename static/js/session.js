// @ts-check
// Who is reading: null when logged out, else {id, login, kind, roles, department}.

import { api } from "./api.js";

let me = null;
const listeners = new Set();

export function currentUser() {
  return me;
}

export function isStaff() {
  return !!me && me.kind === "staff";
}

export function isModerator() {
  return isStaff() && (me.roles || []).includes("moderator");
}

export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function set(next) {
  me = next;
  for (const fn of listeners) fn(me);
}

export async function loadSession() {
  // GET /api/session answers anonymous readers with {account: null}; /api/me would answer 401,
  // which the browser logs as an error on every anonymous page load.
  try {
    const data = await api.get("/api/session");
    // A staff session still owing its second factor is not signed in yet (the login page asks).
    set(data.mfa_required ? null : data.account || null);
  } catch (err) {
    console.warn("could not load the session", err);
    set(null);
  }
  return me;
}

/** Log in; resolves to the server's answer. With `mfa_required` (staff, v1.2) the session still
 * owes its second factor: the caller shows that step, then calls loadSession(). */
export async function logIn(login, password) {
  const data = await api.post("/api/session", { login, password });
  if (!data.mfa_required) set(data.account);
  return data;
}

/** Log out; resolves to the provider's end-session URL for a single sign-on session (the caller
 * sends the browser there so the portal's session ends too), else null. */
export async function logOut() {
  try {
    const data = await api.del("/api/session");
    return (data && data.logout_url) || null;
  } finally {
    set(null);
  }
}
