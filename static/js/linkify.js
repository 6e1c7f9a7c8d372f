// @ts-check
// `http://` and `https://` URLs in a post's text become links; nothing else in the text is markup.
// `pieces(text)` finds them (pure: tested with Node's runner in tests/js/linkify.test.mjs);
// `linked(text)` builds the text nodes and <a> elements — never innerHTML — for the app and the
// staff dashboard. (links.js is something else: the picker that links proposals to a change thread.)

/** Every link gets these: not an endorsement (nofollow), user content (ugc), no window.opener. */
export const REL = "nofollow ugc noopener";

// A URL is the scheme and the characters RFC 3986 allows in one (unreserved, reserved, `%`).
// Anything else ends it: a space, `<`, `"`, and Hangul or any other non-ASCII letter, so a URL
// typed straight into Korean text (`https://www.g2b.go.kr/공고에서`) stops before the Hangul.
// Percent-encoded Korean (`%EA%B3%B5…`) is part of the URL. The scheme must not continue a word
// (`xhttp://`), and nothing but http and https is ever matched (never `javascript:`).
// One character class with one quantifier: linear in the text's length, whatever the text.
const URL_RE = /(?<![A-Za-z0-9])https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+/gi;
// Left off the end: sentence punctuation after a URL ("see https://x.kr/a.") and closing
// brackets that do not close one opened inside the URL ("(https://x.kr/a)").
const TRAILING = new Set([".", ",", ";", ":", "!", "?", "'", '"', "*", "~"]);
/** @type {Record<string, string>} */
const CLOSERS = { ")": "(", "]": "[" };
// The host must hold a letter or digit: `https://` alone, or `https://...`, is no link.
const HOST_RE = /^https?:\/\/(?:[^/?#@]*@)?[A-Za-z0-9]/i;

/**
 * @typedef {{text: string, href?: string}} Piece  a run of text; with `href` it is a link
 */

/**
 * Strip what ends a sentence rather than the URL. Brackets are counted once, so a URL that ends in
 * thousands of `)` is trimmed in linear time.
 * @param {string} url
 */
function trim(url) {
  /** @type {Record<string, number>} */
  const count = { "(": 0, ")": 0, "[": 0, "]": 0 };
  for (const ch of url) if (ch in count) count[ch] += 1;
  let end = url.length;
  while (end > 0) {
    const last = url[end - 1];
    if (TRAILING.has(last) || (last in CLOSERS && count[last] > count[CLOSERS[last]])) {
      if (last in count) count[last] -= 1;
      end -= 1;
      continue;
    }
    break;
  }
  return url.slice(0, end);
}

/**
 * The text split into plain runs and links, in order; joining every piece's text gives the text back.
 * @param {string} text
 * @returns {Piece[]}
 */
export function pieces(text) {
  /** @type {Piece[]} */
  const out = [];
  let at = 0;
  text = String(text ?? "");
  for (const match of text.matchAll(URL_RE)) {
    const start = /** @type {number} */ (match.index);
    const url = trim(match[0]);
    if (!HOST_RE.test(url)) continue;
    if (start > at) out.push({ text: text.slice(at, start) });
    out.push({ text: url, href: url });
    at = start + url.length;
  }
  if (at < text.length || out.length === 0) out.push({ text: text.slice(at) });
  return out;
}

/**
 * The text as DOM children: strings (become text nodes in h()/append()) and <a> elements built
 * with createElement and textContent. `target` is left as is: a link opens where links open.
 * @param {string} text
 * @returns {(string | HTMLAnchorElement)[]}
 */
export function linked(text) {
  return pieces(text || "").map((piece) => {
    if (!piece.href) return piece.text;
    const a = document.createElement("a");
    a.href = piece.href;
    a.rel = REL;
    a.className = "text-link";
    a.textContent = piece.text;
    return a;
  });
}
