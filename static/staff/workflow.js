// 답변 업무 (the answer workflow, issue 23): proposals by assignment and step, filtered by mine /
// my department / unassigned / awaiting approval. Each card assigns the proposal, drafts an answer,
// submits, approves or returns it, and keeps internal notes; every step shows who did it.

import { explain } from "../js/errors.js";
import { api } from "../js/api.js";
import { $, h, replace, uid } from "../js/dom.js";
import { t } from "../js/i18n.js";
import { day, truncate } from "./format.js";

const EVENTS = ["answer.drafted", "answer.submitted", "answer.returned", "answer.posted", "answer.edited",
  "thread.assigned", "note.added", "note.edited", "thread.created", "department.created", "department.changed"];
const OUTCOMES = ["", "accepted", "partially_accepted", "declined"];

export class Workflow {
  constructor(me) {
    this.me = me;
    this.departments = [];
    this.notes = new Map();
  }

  async start() {
    const filter = $("#workflow-filter");
    filter.addEventListener("change", () => this.load());
    await this.load();
  }

  /** Another staff account moved a proposal along: reload soon, once for a burst. */
  onEvent(event) {
    if (!EVENTS.includes(event.type)) return;
    clearTimeout(this._soon);
    this._soon = setTimeout(() => this.load(), 300);
  }

  async load() {
    const which = $("#workflow-filter").value;
    const [queue, departments] = await Promise.all([
      api.get(`/api/staff/workflow?filter=${encodeURIComponent(which)}`),
      api.get("/api/staff/departments"),
    ]);
    this.departments = departments.items.filter((d) => !d.retired);
    const list = $("#workflow");
    if (!queue.items.length) {
      replace(list, h("li", { class: "empty" }, t("staff.wf.empty")));
      return;
    }
    replace(list, queue.items.map((item) => this.card(item)));
  }

  async act(promise, message) {
    const result = $("#workflow-result");
    try {
      await promise;
      result.textContent = message;
      await this.load();
    } catch (error) {
      result.textContent = explain(error);
    }
  }

  who(ref) {
    return ref ? `${ref.login}${ref.department ? ` (${ref.department})` : ""}` : "–";
  }

  card(item) {
    const assignment = item.assignment;
    const assignId = uid("wf-dept");
    const assign = h(
      "form",
      {
        class: "inline-form",
        onsubmit: (event) => {
          event.preventDefault();
          const department = Number(new FormData(event.target).get("department"));
          this.act(api.put(`/api/threads/${item.id}/assignment`, { department }), t("staff.wf.assigned"));
        },
      },
      h("label", { for: assignId }, t("staff.wf.department")),
      h("select", { id: assignId, name: "department", required: true },
        this.departments.map((d) => h("option", { value: d.id, selected: assignment?.department?.id === d.id }, d.name))),
      h("button", { type: "submit" }, t("staff.wf.assign")),
    );
    const drafts = item.drafts.map((d) => this.draft(d));
    const mine = item.drafts.some((d) => d.author?.id === this.me.id && d.state === "draft");
    return h(
      "li",
      { class: `card workflow-card${item.overdue ? " overdue" : ""}`, dataset: { threadId: item.id } },
      h("div", { class: "card-head" },
        h("a", { href: `/threads/${item.id}` }, truncate(item.title, 80)),
        h("span", { class: `badge${item.overdue ? " overdue-badge" : ""}` }, t("staff.wf.due", { day: day(item.due_at) }))),
      h("p", { class: "muted small wf-assignment" },
        assignment
          ? t("staff.wf.assignedTo", {
            department: assignment.department?.name ?? "–",
            assignee: assignment.assignee ? this.who(assignment.assignee) : t("staff.wf.nobody"),
            by: this.who(assignment.assigned_by),
          })
          : t("staff.wf.unassigned")),
      assign,
      drafts.length ? h("ol", { class: "wf-drafts" }, drafts) : null,
      mine ? null : this.draftForm(item),
      this.noteForm(item),
    );
  }

  draft(d) {
    const steps = [t("staff.wf.draftedBy", { who: this.who(d.author), day: day(d.created_at) })];
    if (d.submitted_at) steps.push(t("staff.wf.submittedAt", { day: day(d.submitted_at) }));
    if (d.returned_by) steps.push(t("staff.wf.returnedBy", { who: this.who(d.returned_by), reason: d.returned_reason || "" }));
    if (d.approved_by) steps.push(t("staff.wf.approvedBy", { who: this.who(d.approved_by) }));
    const mine = d.author?.id === this.me.id;
    const approver = (this.me.roles || []).includes("approver") && !mine;
    const actions = [];
    if (mine && d.state === "draft") {
      actions.push(h("button", { type: "button", class: "wf-submit", onclick: () => this.act(api.post(`/api/answers/${d.id}/submit`), t("staff.wf.submitted")) }, t("staff.wf.submit")));
    }
    if (approver && d.state === "pending_approval") {
      const reasonId = uid("wf-reason");
      actions.push(
        h("button", { type: "button", class: "wf-approve", onclick: () => this.act(api.post(`/api/answers/${d.id}/approve`), t("staff.wf.approved")) }, t("staff.wf.approve")),
        h("form", {
          class: "inline-form",
          onsubmit: (event) => {
            event.preventDefault();
            const reason = String(new FormData(event.target).get("reason") || "").trim();
            this.act(api.post(`/api/answers/${d.id}/return`, { reason }), t("staff.wf.returned"));
          },
        },
        h("label", { for: reasonId, class: "sr-only" }, t("staff.wf.reason")),
        h("input", { id: reasonId, name: "reason", required: true, placeholder: t("staff.wf.reason") }),
        h("button", { type: "submit", class: "wf-return" }, t("staff.wf.return"))),
      );
    }
    return h(
      "li",
      { class: "wf-draft", dataset: { draftId: d.id, state: d.state } },
      h("span", { class: `badge wf-${d.state}` }, t(`staff.wf.state.${d.state}`)),
      d.revises ? h("span", { class: "muted small" }, t("staff.wf.revision")) : null,
      h("p", { class: "wf-body" }, truncate(d.body, 300)),
      h("p", { class: "muted small wf-steps" }, steps.join(" · ")),
      actions.length ? h("div", { class: "wf-actions" }, actions) : null,
    );
  }

  draftForm(item) {
    const bodyId = uid("wf-body");
    const outcomeId = uid("wf-outcome");
    return h(
      "form",
      {
        class: "wf-draft-form",
        onsubmit: (event) => {
          event.preventDefault();
          const data = new FormData(event.target);
          const body = { body: String(data.get("body") || "").trim(), draft: true };
          const outcome = String(data.get("outcome") || "");
          if (outcome) body.outcome = outcome;
          this.act(api.post(`/api/threads/${item.id}/answers`, body), t("staff.wf.drafted"));
        },
      },
      h("label", { for: bodyId }, t("staff.wf.newDraft")),
      h("textarea", { id: bodyId, name: "body", rows: 3, required: true }),
      h("label", { for: outcomeId }, t("staff.wf.outcome")),
      h("select", { id: outcomeId, name: "outcome" },
        OUTCOMES.map((o) => h("option", { value: o }, o ? t(`outcome.${o}`) : t("staff.wf.interim")))),
      h("button", { type: "submit", class: "wf-save" }, t("staff.wf.saveDraft")),
    );
  }

  noteForm(item) {
    const noteId = uid("wf-note");
    const list = h("ul", { class: "wf-notes" });
    const show = h("button", {
      type: "button",
      class: "link-button",
      "aria-expanded": "false",
      onclick: async (event) => {
        const open = event.target.getAttribute("aria-expanded") === "true";
        event.target.setAttribute("aria-expanded", String(!open));
        if (open) return replace(list);
        const notes = await api.get(`/api/threads/${item.id}/notes`);
        replace(list, notes.items.map((n) => h("li", {}, h("span", { class: "muted small" }, `${this.who(n.author)} · ${day(n.created_at)} `), n.body)));
      },
    }, t("staff.wf.notes"));
    return h(
      "div",
      { class: "wf-note-box" },
      show,
      list,
      h("form", {
        class: "inline-form",
        onsubmit: (event) => {
          event.preventDefault();
          const body = String(new FormData(event.target).get("body") || "").trim();
          this.act(api.post(`/api/threads/${item.id}/notes`, { body }), t("staff.wf.noted"));
        },
      },
      h("label", { for: noteId, class: "sr-only" }, t("staff.wf.note")),
      h("input", { id: noteId, name: "body", required: true, placeholder: t("staff.wf.note") }),
      h("button", { type: "submit" }, t("staff.wf.addNote"))),
    );
  }
}
