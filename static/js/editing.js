// @ts-check
// Edit in place, withdraw with confirmation, and the revision history with its diff (issue 11 §4).
// The thread page (thread.js) places these; what they change comes back through the reducer like
// the frames other readers receive (thread.updated, comment.edited, comment.withdrawn, answer.edited).

import { api } from "./api.js";
import { countedField, errorMessage } from "./composer.js";
import { diffText } from "./diff.js";
import { h, replace } from "./dom.js";
import { addStrings, authorLabel, t } from "./i18n.js";
import { linked } from "./linkify.js";
import { timeEl } from "./time.js";

addStrings({
  ko: {
    "edit.edited": "수정됨",
    "edit.editedAt": "수정됨 · {time}",
    "edit.history": "수정 기록",
    "edit.historyTitle": "수정 기록",
    "edit.historyLoading": "기록을 불러오는 중…",
    "edit.historyError": "기록을 불러오지 못했습니다.",
    "edit.historyConcealed": "이 글의 내용은 더 이상 공개되지 않습니다.",
    "edit.revision": "{n}번째 판",
    "edit.original": "처음 올린 글",
    "edit.close": "닫기",
    "edit.removed": "지운 부분",
    "edit.added": "더한 부분",
    "edit.edit": "수정",
    "edit.save": "저장",
    "edit.cancel": "취소",
    "edit.saved": "수정했습니다.",
    "edit.titleLabel": "제목",
    "edit.bodyLabel": "내용",
    "edit.commentLabel": "댓글 수정",
    "edit.answerLabel": "답변 고치기",
    "edit.correct": "답변 고치기",
    "edit.delete": "삭제",
    "edit.deleteConfirm": "이 댓글을 삭제할까요? 자리는 남고 내용은 보이지 않게 됩니다.",
    "edit.deleteYes": "삭제하기",
    "edit.deleted": "댓글을 삭제했습니다.",
    "edit.withdraw": "제안 철회",
    "edit.withdrawConfirm": "이 제안을 철회할까요? 제안은 그대로 보이지만 새 댓글과 추천을 받지 않으며, 되돌릴 수 없습니다.",
    "edit.withdrawYes": "철회하기",
    "edit.withdrawn": "제안을 철회했습니다.",
    "comment.withdrawn": "작성자가 삭제한 글",
    "comment.erased": "관리자가 삭제한 글 (개인정보 보호)",
    "thread.withdrawnNote": "작성자가 철회한 제안입니다. 새 댓글과 추천을 받지 않습니다.",
  },
  en: {
    "edit.edited": "edited",
    "edit.editedAt": "edited · {time}",
    "edit.history": "History",
    "edit.historyTitle": "Revision history",
    "edit.historyLoading": "Loading the history…",
    "edit.historyError": "The history could not be loaded.",
    "edit.historyConcealed": "This text is no longer public.",
    "edit.revision": "Version {n}",
    "edit.original": "As first posted",
    "edit.close": "Close",
    "edit.removed": "removed",
    "edit.added": "added",
    "edit.edit": "Edit",
    "edit.save": "Save",
    "edit.cancel": "Cancel",
    "edit.saved": "Saved.",
    "edit.titleLabel": "Title",
    "edit.bodyLabel": "Text",
    "edit.commentLabel": "Edit comment",
    "edit.answerLabel": "Correct the answer",
    "edit.correct": "Correct",
    "edit.delete": "Delete",
    "edit.deleteConfirm": "Delete this comment? Its place stays; its text will no longer show.",
    "edit.deleteYes": "Delete",
    "edit.deleted": "Comment deleted.",
    "edit.withdraw": "Withdraw proposal",
    "edit.withdrawConfirm": "Withdraw this proposal? It stays visible but takes no new comments or recommendations. This cannot be undone.",
    "edit.withdrawYes": "Withdraw",
    "edit.withdrawn": "Proposal withdrawn.",
    "comment.withdrawn": "Deleted by its author",
    "comment.erased": "Erased by an administrator (personal data)",
    "thread.withdrawnNote": "Withdrawn by its author: it takes no new comments or recommendations.",
  },
});

/** "수정됨 · 3분 전" as a button that opens the history, for text with `revision` > 1. */
export function editedMark(item, path, heading) {
  if (!item.revision || item.revision < 2 || !item.edited_at) return null;
  return h(
    "button",
    {
      type: "button",
      class: "edited-mark",
      "data-role": "edited",
      "aria-haspopup": "dialog",
      onclick: (event) => openHistory(path, heading, event.currentTarget),
    },
    t("edit.edited"),
    " · ",
    timeEl(item.edited_at),
  );
}

/** The versions in a modal dialog, each with what changed since the one before. */
export async function openHistory(path, heading, returnFocus) {
  const list = h("div", { class: "history-list", "aria-live": "polite" }, h("p", { class: "muted" }, t("edit.historyLoading")));
  const titleId = `history-title-${Math.random().toString(36).slice(2, 8)}`;
  const close = h("button", { type: "button", class: "btn btn-small btn-outline", "data-role": "history-close" }, t("edit.close"));
  const dialog = h(
    "dialog",
    { class: "history-dialog", "aria-labelledby": titleId, "data-role": "history" },
    h("div", { class: "history-head" }, h("h2", { id: titleId }, t("edit.historyTitle"), heading ? h("span", { class: "muted history-of" }, ` · ${heading}`) : null), close),
    list,
  );
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (returnFocus && returnFocus.isConnected) returnFocus.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
  try {
    const history = await api.get(path);
    replace(list, renderRevisions(history));
  } catch (err) {
    replace(list, h("p", { class: "form-error", role: "alert" }, errorMessage(err, "edit.historyError")));
  }
  return dialog;
}

function renderRevisions(history) {
  const items = history.items || [];
  if ((history.hidden || history.withdrawn) && items.every((r) => r.body === null)) {
    return h("p", { class: "muted" }, t("edit.historyConcealed"));
  }
  // Newest first: the reader came for what changed last.
  const shown = [];
  for (let k = items.length - 1; k >= 0; k -= 1) {
    const item = items[k];
    const previous = k > 0 ? items[k - 1] : null;
    shown.push(
      h(
        "section",
        { class: "revision", "data-revision": item.revision },
        h(
          "header",
          { class: "revision-head" },
          h("strong", null, previous ? t("edit.revision", { n: item.revision }) : t("edit.original")),
          item.author ? h("span", { class: "muted" }, authorLabel(item.author)) : null,
          timeEl(item.created_at),
        ),
        "title" in item && item.title !== null && item.title !== undefined
          ? h("p", { class: "revision-title" }, previous ? diffEl(previous.title || "", item.title) : item.title)
          : null,
        // The first version is a body like any other (its URLs linked); a diff stays text, since a
        // URL cut by an insertion or deletion would link somewhere nobody wrote.
        h("div", { class: "revision-body prose" }, previous ? diffEl(previous.body || "", item.body || "") : linked(item.body || "")),
      ),
    );
  }
  return shown;
}

/** The diff as text with <del> and <ins> (their meaning also said for screen readers). */
export function diffEl(before, after) {
  return h(
    "span",
    { class: "diff" },
    diffText(before, after).map((part) => {
      if (part.type === "same") return part.text;
      const tag = part.type === "del" ? "del" : "ins";
      return h(tag, { class: `diff-${part.type}` }, h("span", { class: "sr-only" }, `[${t(part.type === "del" ? "edit.removed" : "edit.added")}] `), part.text);
    }),
  );
}

/** An inline form with text fields prefilled; `save(values)` sends it, `close()` ends it. */
export function editForm({ fields, save, close, label }) {
  const counted = fields.map((f) => countedField({ multiline: f.multiline !== false, label: f.label, max: f.max, name: f.name, value: f.value, rows: f.rows || 5 }));
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "btn btn-small btn-primary", "data-role": "edit-save" }, t("edit.save"));
  const check = () => (submit.disabled = !counted.every((c) => c.ok));
  for (const c of counted) c.onChange(check);
  check();
  const form = h(
    "form",
    { class: "edit-form", novalidate: true, "aria-label": label },
    counted.map((c) => c.field),
    error,
    h("div", { class: "form-actions" }, h("button", { type: "button", class: "btn btn-small btn-ghost", "data-role": "edit-cancel", onclick: close }, t("edit.cancel")), submit),
  );
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!counted.every((c) => c.ok)) return;
    submit.disabled = true;
    error.hidden = true;
    const values = {};
    fields.forEach((f, k) => (values[f.name] = counted[k].input.value.trim()));
    try {
      await save(values);
      close();
    } catch (err) {
      error.textContent = errorMessage(err, "error.generic");
      error.hidden = false;
      check();
    }
  });
  return { form, focus: () => counted[0].input.focus() };
}

/** "Really?" in place: a message with a confirming (danger) button and a cancel button. */
export function confirmPanel({ message, yes, onConfirm, close }) {
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const confirm = h("button", { type: "button", class: "btn btn-small btn-danger", "data-role": "confirm-yes" }, yes);
  const cancel = h("button", { type: "button", class: "btn btn-small btn-ghost", "data-role": "confirm-no", onclick: close }, t("edit.cancel"));
  confirm.addEventListener("click", async () => {
    confirm.disabled = true;
    error.hidden = true;
    try {
      await onConfirm();
      close();
    } catch (err) {
      error.textContent = errorMessage(err, "error.generic");
      error.hidden = false;
      confirm.disabled = false;
    }
  });
  const panel = h("div", { class: "confirm-panel", role: "group", "aria-label": message }, h("p", null, message), error, h("div", { class: "form-actions" }, cancel, confirm));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  return { panel, focus: () => cancel.focus() };
}
