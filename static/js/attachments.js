// @ts-check
// Attachments (v1.2): the composer's file picker (each file uploaded at once, with its progress;
// removable before posting; at most five) and the list of a post's files (a type icon, the name,
// the size). DOM nodes only: a file name is user text and only ever becomes a text node.

import { ApiError } from "./api.js";
import { h } from "./dom.js";
import { errorText } from "./errors.js";
import { addStrings, formatNumber, t } from "./i18n.js";

/** The contract's number (PROTOCOL.md v1.2, "Attachments"). */
export const PER_POST = 5;
const ACCEPT = ".pdf,.png,.jpg,.jpeg,.hwp,.hwpx,.docx,.xlsx,application/pdf,image/png,image/jpeg";

addStrings({
  ko: {
    "attach.add": "파일 첨부",
    "attach.hint": "PDF, 그림(PNG·JPEG), 한글(HWP·HWPX), 워드, 엑셀 · 최대 {n}개",
    "attach.remove": "{name} 빼기",
    "attach.uploading": "{name} 올리는 중",
    "attach.uploaded": "{name} 올림",
    "attach.tooMany": "파일은 {n}개까지 붙일 수 있습니다.",
    "attach.failed": "{name}: {message}",
    "attach.files": "첨부 파일",
    "attach.busy": "파일을 올리는 중입니다. 끝나면 등록할 수 있습니다.",
  },
  en: {
    "attach.add": "Attach a file",
    "attach.hint": "PDF, images (PNG, JPEG), Hangul (HWP, HWPX), Word, Excel · at most {n}",
    "attach.remove": "Remove {name}",
    "attach.uploading": "Uploading {name}",
    "attach.uploaded": "{name} uploaded",
    "attach.tooMany": "At most {n} files can be attached.",
    "attach.failed": "{name}: {message}",
    "attach.files": "Attached files",
    "attach.busy": "A file is still uploading; post once it is done.",
  },
});

/** "1.2 MB", "340 KB", "12 B". @param {number} size */
export function formatSize(size) {
  if (size >= 1024 * 1024) return `${formatNumber(Math.round((size / 1024 / 1024) * 10) / 10)} MB`;
  if (size >= 1024) return `${formatNumber(Math.round(size / 1024))} KB`;
  return `${formatNumber(size)} B`;
}

/** A short label for the file's kind, drawn as its icon. @param {string} type */
export function kindLabel(type) {
  if (type === "application/pdf") return "PDF";
  if (type.startsWith("image/")) return "IMG";
  if (type === "application/x-hwp" || type === "application/hwp+zip") return "HWP";
  if (type.includes("wordprocessingml")) return "DOC";
  if (type.includes("spreadsheetml")) return "XLS";
  return "FILE";
}

/** @param {string} type */
function icon(type) {
  const label = kindLabel(type);
  return h("span", { class: `attachment-icon attachment-${label.toLowerCase()}`, "aria-hidden": "true" }, label);
}

/**
 * The files a post carries, under its text; null when it has none.
 * @param {{id: number, name: string, size: number, type: string, url: string}[] | undefined} files
 */
export function attachmentList(files) {
  if (!files || !files.length) return null;
  return h(
    "ul",
    { class: "attachments", "aria-label": t("attach.files"), "data-role": "attachments" },
    files.map((f) =>
      h(
        "li",
        { class: "attachment", "data-attachment-id": f.id },
        icon(f.type),
        h("a", { href: f.url, download: f.name, class: "attachment-name" }, f.name),
        h("span", { class: "attachment-size muted" }, formatSize(f.size)),
      ),
    ),
  );
}

/**
 * POST /api/uploads with the upload's progress (XMLHttpRequest: fetch cannot report it).
 * @param {File} file
 * @param {(fraction: number) => void} onProgress
 * @returns {Promise<{id: number, name: string, size: number, type: string, sha256: string}>}
 */
export function uploadFile(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/uploads");
    xhr.setRequestHeader("accept", "application/json");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      const data = xhr.response;
      if (xhr.status === 201 && data) {
        resolve(data);
        return;
      }
      const error = (data && data.error) || {};
      reject(new ApiError(xhr.status, error.code || "http_error", error.message || `HTTP ${xhr.status}`, error.fields || {}));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "network", "network error")));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

/**
 * The composer's picker. `ids()` the uploads done, in order; `busy` while one is uploading;
 * `clear()` after posting; `onChange(fn)` when either changes.
 */
export function attachmentPicker() {
  const input = h("input", { type: "file", multiple: true, accept: ACCEPT, hidden: true, "data-role": "attach-input" });
  const add = h("button", { type: "button", class: "btn btn-small btn-outline", "data-role": "attach" }, t("attach.add"));
  const hint = h("span", { class: "muted attach-hint" }, t("attach.hint", { n: PER_POST }));
  const list = h("ul", { class: "attachments attachments-pending", "aria-label": t("attach.files") });
  // Its own class: the form's `.form-error` says why the post itself was refused.
  const error = h("p", { class: "upload-error", role: "alert", hidden: true, "data-role": "attach-error" });
  const live = h("p", { class: "sr-only", role: "status" });
  /** @type {{id: number | null, el: HTMLElement}[]} */
  let items = [];
  let uploading = 0;
  const listeners = new Set();
  const changed = () => {
    add.disabled = items.length >= PER_POST;
    list.hidden = items.length === 0;
    for (const fn of listeners) fn();
  };

  /** @param {File} file */
  function start(file) {
    const progress = h("progress", { max: 1, value: 0, "aria-label": t("attach.uploading", { name: file.name }) });
    const remove = h("button", { type: "button", class: "btn btn-small btn-ghost", "aria-label": t("attach.remove", { name: file.name }) }, "×");
    const name = h("span", { class: "attachment-name" }, file.name);
    const el = h("li", { class: "attachment is-uploading" }, icon(file.type || ""), name, h("span", { class: "attachment-size muted" }, formatSize(file.size)), progress, remove);
    /** @type {{id: number | null, el: HTMLElement}} */
    const item = { id: null, el };
    let cancelled = false;
    remove.addEventListener("click", () => {
      cancelled = true;
      items = items.filter((i) => i !== item);
      el.remove();
      changed();
      add.focus();
    });
    items.push(item);
    list.append(el);
    uploading += 1;
    changed();
    uploadFile(file, (fraction) => (progress.value = fraction))
      .then((done) => {
        if (cancelled) return;
        item.id = done.id;
        name.textContent = done.name;
        progress.remove();
        el.classList.remove("is-uploading");
        el.dataset.uploadId = String(done.id);
        el.replaceChild(icon(done.type), el.firstChild);
        live.textContent = t("attach.uploaded", { name: done.name });
      })
      .catch((err) => {
        if (cancelled) return;
        items = items.filter((i) => i !== item);
        el.remove();
        error.textContent = t("attach.failed", { name: file.name, message: err && err.network ? t("composer.network") : errorText(err) || err.message });
        error.hidden = false;
      })
      .finally(() => {
        uploading -= 1;
        changed();
      });
  }

  add.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    error.hidden = true;
    const chosen = Array.from(input.files || []);
    input.value = "";
    const room = PER_POST - items.length;
    if (chosen.length > room) {
      error.textContent = t("attach.tooMany", { n: PER_POST });
      error.hidden = false;
    }
    for (const file of chosen.slice(0, Math.max(room, 0))) start(file);
  });
  list.hidden = true;

  return {
    el: h("div", { class: "field attach-field" }, h("div", { class: "attach-head" }, add, hint), input, list, error, live),
    ids: () => items.map((i) => i.id).filter((id) => id !== null),
    get busy() {
      return uploading > 0;
    },
    clear() {
      items = [];
      list.replaceChildren();
      error.hidden = true;
      changed();
    },
    /** @param {() => void} fn */
    onChange(fn) {
      listeners.add(fn);
    },
  };
}
