// @ts-check
// Where the login page may send the browser afterwards: a path on this site, never anywhere else.
// The same rule as the server's server/text/nextpath.py, checked on the same cases
// (tests/fixtures/next_paths.json): a browser reads "\" as "/" and drops tabs and line breaks, so
// "/\evil.example/x" and "/%09/evil.example" are other sites; every decoded form must be a plain path.

const HOME = "/";
const NEXT_MAX = 2000;
const DECODINGS = 3;

function plainPath(form) {
  if (!form.startsWith("/") || form.startsWith("//")) return false;
  for (const c of form) {
    const code = c.codePointAt(0);
    if (c === "\\" || /\s/u.test(c) || code < 0x20 || (code >= 0x7f && code <= 0x9f)) return false;
  }
  return true;
}

function decode(form) {
  try {
    return decodeURIComponent(form);
  } catch {
    return null; // a stray "%": not something a link of ours would hold
  }
}

export function sameOriginPath(value, origin = globalThis.location?.origin ?? "http://localhost") {
  if (typeof value !== "string" || !value || value.length > NEXT_MAX) return HOME;
  let form = value;
  for (let i = 0; i <= DECODINGS; i++) {
    if (!plainPath(form)) return HOME;
    const decoded = decode(form);
    if (decoded === null) return HOME;
    if (decoded === form) break;
    form = decoded;
  }
  let url;
  try {
    url = new URL(value, origin);
  } catch {
    return HOME;
  }
  if (url.origin !== new URL(origin).origin) return HOME;
  return value;
}
