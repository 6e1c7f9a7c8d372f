// @ts-check
// The form for a new proposal (staff may also post a change thread and link the proposals it
// answers). While the title is typed, similar proposals are shown; posting asks once more.

import { api } from "../api.js";
import { attachmentPicker } from "../attachments.js";
import { countedField, errorMessage, LIMITS, similarProposals } from "../composer.js";
import { h, uid } from "../dom.js";
import { confirmClose, keepDraft } from "../drafts.js";
import { t } from "../i18n.js";
import { linkPicker } from "../links.js";
import { isStaff } from "../session.js";
import { categoryName, loadCategories } from "./categories.js";

/** @type {WeakMap<HTMLElement, () => Promise<void>>} each open form's close, which asks first */
const closers = new WeakMap();

/**
 * Close the form as its cancel button does: with text in it, only once the writer agrees.
 * @param {HTMLElement} form
 */
export function requestClose(form) {
  const close = closers.get(form);
  return close ? close() : Promise.resolve();
}

/**
 * @param {import("../app.js").AppContext} ctx
 * @param {() => void} close
 */
export function newThreadForm(ctx, close) {
  const staff = isStaff();
  const kindId = uid("kind");
  const kindSelect = staff
    ? h(
        "select",
        { id: kindId, class: "select", name: "kind" },
        h("option", { value: "proposal" }, t("kind.proposal")),
        h("option", { value: "change" }, t("kind.change")),
      )
    : null;
  const title = countedField({ multiline: false, label: t("newThread.titleLabel"), max: LIMITS.title, name: "title" });
  // Chosen from the managed list (retired categories cannot be chosen).
  const categoryId = uid("category");
  const categorySelect = h("select", { id: categoryId, class: "select", name: "category" }, h("option", { value: "" }, t("category.none")));
  loadCategories()
    .then((items) => {
      for (const c of items) if (!c.retired) categorySelect.append(h("option", { value: c.slug }, categoryName(c)));
    })
    .catch(() => {});
  const category = { field: h("div", { class: "field" }, h("label", { for: categoryId }, t("newThread.category")), categorySelect) };
  const body = countedField({ label: t("newThread.body"), max: LIMITS.threadBody, name: "body", rows: 8, placeholder: t("newThread.bodyPlaceholder") });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, t("newThread.submit"));
  const links = staff ? linkPicker({ label: t("links.pick") }) : null;
  if (kindSelect) {
    const showLinks = () => (links.field.hidden = kindSelect.value !== "change");
    kindSelect.addEventListener("change", showLinks);
    showLinks();
  }
  const files = attachmentPicker();
  const refresh = () => (submit.disabled = !(title.ok && body.ok) || files.busy);
  files.onChange(refresh);
  // Title and body are kept on the server while they are typed (drafts.js), and come back here.
  const draft = keepDraft({ key: "new-thread", title: title.input, body: body.input });
  const tryClose = async () => {
    if (await confirmClose(draft)) close();
  };
  // Proposals like this title, while it is typed and once more before posting: the author may
  // open one, recommend it instead, or post anyway (the button says so once they were shown).
  const similar = similarProposals();
  let postAnyway = false;
  const isProposal = () => !kindSelect || kindSelect.value === "proposal";
  title.onChange(() => {
    postAnyway = false;
    submit.textContent = t("newThread.submit");
    if (isProposal()) similar.schedule(title.input.value);
  });
  for (const field of [title, body]) field.onChange(refresh);
  refresh();
  const form = h(
    "form",
    { class: "new-thread card", novalidate: true, "aria-label": t("newThread.title") },
    h("h2", null, t("newThread.title")),
    kindSelect ? h("div", { class: "field" }, h("label", { for: kindId }, t("newThread.kind")), kindSelect) : null,
    title.field,
    similar.el,
    category.field,
    body.field,
    files.el,
    links ? links.field : null,
    draft.status,
    error,
    h("div", { class: "form-actions" }, h("button", { type: "button", class: "btn btn-ghost", onclick: tryClose }, t("newThread.cancel")), submit),
  );
  closers.set(form, tryClose);
  draft.restore().catch(() => {});
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    submit.disabled = true;
    error.hidden = true;
    if (isProposal() && !postAnyway) {
      const found = await similar.check(title.input.value);
      if (found.length) {
        postAnyway = true;
        submit.textContent = t("similar.postAnyway");
        refresh();
        /** @type {HTMLElement | null} */ (similar.el.querySelector(".similar-link"))?.focus();
        return;
      }
    }
    const payload = { kind: kindSelect ? kindSelect.value : "proposal", title: title.input.value.trim(), body: body.input.value.trim() };
    if (categorySelect.value) payload.category = categorySelect.value;
    if (payload.kind === "change" && links) payload.links = links.ids();
    if (files.ids().length) payload.attachments = files.ids();
    try {
      // No save still on its way to bring back the draft the post deletes.
      await draft.settle();
      const thread = await api.post("/api/threads", payload);
      draft.posted();
      ctx.navigate(`/threads/${thread.id}`);
    } catch (err) {
      error.textContent = errorMessage(err);
      error.hidden = false;
      draft.schedule();
      refresh();
    }
  });
  return form;
}
