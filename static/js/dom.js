// @ts-check
// Building DOM without innerHTML: user text only ever becomes a text node. Shared by the public
// app and the staff dashboard.

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * @typedef {Node | string | number | boolean | null | undefined | any[]} Child  what h() and
 *   append() take as children: strings and numbers become text, null, undefined and false nothing
 */

/**
 * h("button", {class: "btn", onclick: fn, "aria-pressed": "true"}, "text", child)
 * Attribute values are set with setAttribute (or as listeners / properties); children that are
 * strings become text nodes. Null, undefined and false children are skipped. A tag "svg:name"
 * makes an SVG element (charts).
 * @template {string} K
 * @param {K} tag
 * @param {Record<string, any> | null} [attrs]
 * @param {...Child} children
 * @returns {K extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[K] : K extends `svg:${string}` ? SVGElement : HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const svg = tag.startsWith("svg:");
  /** @type {any} */
  const el = svg ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") {
        el.addEventListener(key.slice(2), value);
      } else if (key === "class") {
        el.setAttribute("class", value);
      } else if (key === "dataset") {
        Object.assign(el.dataset, value);
      } else if (!svg && (key === "value" || key === "checked" || key === "selected" || key === "disabled")) {
        el[key] = value;
      } else {
        el.setAttribute(key, value === true ? "" : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

/**
 * @template {Element} E
 * @param {E} el
 * @param {Child[]} children
 * @returns {E}
 */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Replace an element's content with the given children.
 * @template {Element} E
 * @param {E} el
 * @param {...Child} children
 * @returns {E}
 */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/**
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {HTMLElement | null}
 */
export function $(selector, root = document) {
  return root.querySelector(selector);
}

/**
 * Text length as the server counts it: code points after trimming.
 * @param {string} text
 */
export function codePoints(text) {
  let n = 0;
  for (const _ of text.trim()) n += 1;
  return n;
}

/** A short message in the page's #toasts region (role=status): it fades after a few seconds. */
export function toast(text, kind = "info") {
  const box = document.getElementById("toasts");
  if (!box) return;
  const el = h("div", { class: `toast toast-${kind}` }, text);
  box.append(el);
  setTimeout(() => el.classList.add("leaving"), 4_500);
  setTimeout(() => el.remove(), 5_000);
}

let idCounter = 0;
export function uid(prefix = "id") {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

const ENTITIES = { "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&#x27;": "'" };

/**
 * A search highlight as the server sends it (HTML-escaped text with the matched words in
 * <mark>...</mark>) as text nodes and <mark> elements: nothing in it is parsed as HTML, so a
 * `<script>` in a title stays text.
 */
export function marked(/** @type {string} */ highlight) {
  const out = [];
  let inMark = false;
  for (const part of String(highlight).split(/(<mark>|<\/mark>)/)) {
    if (part === "<mark>" || part === "</mark>") {
      inMark = part === "<mark>";
      continue;
    }
    if (!part) continue;
    const text = part.replace(/&(?:lt|gt|amp|quot|#x27);/g, (m) => ENTITIES[m]);
    out.push(inMark ? h("mark", null, text) : text);
  }
  return out;
}
