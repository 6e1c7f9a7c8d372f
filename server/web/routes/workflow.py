"""Endpoints of the answer workflow (v1.2; docs/staff-api.md): departments, assignment, drafts
and approval, internal notes, and the dashboard's answer tab. Posting an answer (a draft with
`draft: true`) and editing one stay in api.py, which hands the workflow's cases here."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.store.models import Account
from server.web import shapes
from server.web.context import ok, services
from server.web.operation import Operation


async def list_departments(request: Request, account: Account) -> Response:
    return ok(await services(request).departments.listed())


async def add_department(request: Request, account: Account, body: shapes.NewDepartment) -> Response:
    return ok(await services(request).departments.add(account, body.name, body.name_en), 201)


async def change_department(request: Request, account: Account, body: shapes.DepartmentChange) -> Response:
    changed = await services(request).departments.change(
        account,
        request.path_params["department_id"],
        name=body.name,
        name_en=body.name_en,
        retired=body.retired,
        position=body.position,
    )
    return ok(changed)


async def put_members(request: Request, account: Account, body: shapes.MembersBody) -> Response:
    departments = services(request).departments
    items = await departments.set_members(account, body.logins, request.path_params["department_id"])
    return ok({"items": items})


async def put_assignment(request: Request, account: Account, body: shapes.AssignmentBody) -> Response:
    workflow = services(request).workflow
    return ok(
        await workflow.assign(account, request.path_params["thread_id"], body.department, body.assignee)
    )


async def get_assignment(request: Request, account: Account) -> Response:
    return ok(await services(request).workflow.assignments(account, request.path_params["thread_id"]))


async def list_drafts(request: Request, account: Account) -> Response:
    return ok(await services(request).workflow.drafts(account, request.path_params["thread_id"]))


async def edit_draft(request: Request, account: Account, body: shapes.AnswerDraftBody) -> Response:
    workflow = services(request).workflow
    return ok(await workflow.edit_draft(account, request.path_params["id"], body.body, body.outcome))


async def submit_answer(request: Request, account: Account, body: shapes.Empty) -> Response:
    return ok(await services(request).workflow.submit(account, request.path_params["id"]))


async def approve_answer(request: Request, account: Account, body: shapes.Empty) -> Response:
    return ok(await services(request).workflow.approve(account, request.path_params["id"]))


async def return_answer(request: Request, account: Account, body: shapes.ReasonBody) -> Response:
    return ok(await services(request).workflow.give_back(account, request.path_params["id"], body.reason))


async def add_note(request: Request, account: Account, body: shapes.NoteBody) -> Response:
    notes = services(request).notes
    return ok(await notes.add(account, request.path_params["thread_id"], body.body, body.draft), 201)


async def list_notes(request: Request, account: Account) -> Response:
    return ok(await services(request).notes.listed(account, request.path_params["thread_id"]))


async def edit_note(request: Request, account: Account, body: shapes.EditedNote) -> Response:
    return ok(await services(request).notes.edit(account, request.path_params["id"], body.body))


async def answer_queue(request: Request, account: Account, query: shapes.WorkflowQuery) -> Response:
    return ok(await services(request).workflow.queue(account, query.filter, query.limit or 200))


THREAD = "/api/threads/{thread_id:id}"
DEPARTMENT = "/api/staff/departments/{department_id:id}"
ANSWER = "/api/answers/{id:id}"

operations = [
    Operation("GET", "/api/staff/departments", list_departments, "The department list", "workflow",
              who="staff", answer=shapes.DepartmentList),
    Operation("POST", "/api/staff/departments", add_department, "Add a department", "workflow", who="admin",
              body=shapes.NewDepartment, status=201, answer=shapes.DepartmentOut, also=(409,)),
    Operation("PATCH", DEPARTMENT, change_department, "Rename, retire or restore, reorder a department",
              "workflow", who="admin", body=shapes.DepartmentChange, answer=shapes.DepartmentOut,
              also=(409,)),
    Operation("PUT", DEPARTMENT + "/members", put_members, "Put staff accounts in a department",
              "workflow", who="admin", body=shapes.MembersBody, answer=shapes.MembersOut),
    Operation("PUT", THREAD + "/assignment", put_assignment,
              "Assign a proposal to a department (the history is kept)", "workflow", who="staff",
              body=shapes.AssignmentBody, answer=shapes.AssignmentOut, also=(409,)),
    Operation("GET", THREAD + "/assignment", get_assignment, "A proposal's assignments, newest first",
              "workflow", who="staff", answer=shapes.AssignmentList, also=(409,)),
    Operation("GET", THREAD + "/drafts", list_drafts, "A proposal's draft answers with each step",
              "workflow", who="staff", answer=shapes.DraftList, also=(409,)),
    Operation("PATCH", ANSWER + "/draft", edit_draft, "Rework a draft answer (its drafter)", "workflow",
              who="staff", body=shapes.AnswerDraftBody, answer=shapes.DraftOut, also=(403, 409)),
    Operation("POST", ANSWER + "/submit", submit_answer, "Submit a draft answer for approval", "workflow",
              who="staff", body=shapes.Empty, answer=shapes.DraftState, also=(403, 409), body_optional=True),
    Operation("POST", ANSWER + "/approve", approve_answer,
              "Approve a submitted answer: it is published (an approver, not the drafter)", "workflow",
              who="staff", body=shapes.Empty, answer=shapes.DraftOut, also=(403, 409), body_optional=True),
    Operation("POST", ANSWER + "/return", return_answer, "Return a submitted answer to draft (reason)",
              "workflow", who="staff", body=shapes.ReasonBody, answer=shapes.DraftOut, also=(403, 409)),
    Operation("POST", THREAD + "/notes", add_note, "Write an internal note (staff only, never public)",
              "workflow", who="staff", body=shapes.NoteBody, status=201, answer=shapes.NoteOut),
    Operation("GET", THREAD + "/notes", list_notes, "A proposal's internal notes", "workflow", who="staff",
              answer=shapes.NoteList),
    Operation("PATCH", "/api/notes/{id:id}", edit_note, "Edit an internal note (its author)", "workflow",
              who="staff", body=shapes.EditedNote, answer=shapes.NoteOut, also=(403,)),
    Operation("GET", "/api/staff/workflow", answer_queue,
              "The answer tab: proposals by assignment and workflow step", "workflow", who="staff",
              query=shapes.WorkflowQuery, answer=shapes.WorkflowQueue),
]  # fmt: skip
