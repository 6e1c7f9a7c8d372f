"""The answer workflow (issue 23): departments, assignment, drafts approved before they publish,
internal notes; a drafter and an approver at work, and a company that must see none of it: not in
REST, not on its socket, not in search or a replay."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer, ProcessServer

MakeServer = Callable[..., Awaitable[InProcessServer]]


@dataclass
class Office:
    """An admin, a drafter and an approver of one department, and a company outside."""

    admin: Http
    drafter: Http
    approver: Http
    company: Http
    department: dict[str, Any]
    drafter_login: str
    approver_login: str


async def office(server: InProcessServer, clients: list[Http]) -> Office:
    (admin_login,) = await server.accounts("staff", 1, ("admin",))
    (drafter_login,) = await server.accounts("staff", 1)
    (approver_login,) = await server.accounts("staff", 1, ("approver",))
    logged: list[Http] = []
    for login in (admin_login, drafter_login, approver_login):
        client = Http(server.base_url)
        clients.append(client)
        await client.login(login)
        logged.append(client)
    admin, drafter, approver = logged
    clients.append(company := await server.user("company"))
    name = f"계약제도과 {secret_word()}"
    created = await admin.post("/api/staff/departments", json={"name": name, "name_en": "Contracts"})
    assert created.status_code == 201, created.text
    department = created.json()
    members = await admin.put(
        f"/api/staff/departments/{department['id']}/members", json={"logins": [drafter_login, approver_login]}
    )
    assert members.status_code == 200, members.text
    return Office(admin, drafter, approver, company, department, drafter_login, approver_login)


@pytest_asyncio.fixture
async def people(server: InProcessServer, clients: list[Http]) -> Office:
    return await office(server, clients)


async def draft(client: Http, thread_id: int, body: str, outcome: str | None = "accepted") -> dict[str, Any]:
    response = await client.post(
        f"/api/threads/{thread_id}/answers", json={"body": body, "outcome": outcome, "draft": True}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def secret_word() -> str:
    """One search term nothing else on the board holds."""
    # Letters only: the analyser splits digits off, and titles made by `unique` hold hex digits.
    return "wfx" + uuid.uuid4().hex[:12].translate(str.maketrans("0123456789abcdef", "ghijklmnopqrstuv"))


async def searched(client: Http, word: str) -> list[int]:
    response = await client.get("/api/threads", params={"q": word})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_departments_are_a_list_admins_manage(people: Office, server: InProcessServer) -> None:
    """An admin adds departments ({id, name, name_en}); other staff read the list; others are refused."""
    d = people.department
    assert set(d) >= {"id", "name", "name_en"} and d["name_en"] == "Contracts"
    refused = await people.drafter.post("/api/staff/departments", json={"name": f"과 {secret_word()}"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "admin_only"
    taken = await people.admin.post("/api/staff/departments", json={"name": d["name"]})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "department_taken"
    listed = (await people.drafter.get("/api/staff/departments")).json()["items"]
    mine = next(item for item in listed if item["id"] == d["id"])
    assert mine["members"] == 2
    assert (await people.company.get("/api/staff/departments")).status_code == 403
    me = (await people.drafter.get("/api/me")).json()
    assert me["department"] == d["name"]


async def test_assignment_keeps_its_history_and_filters_the_answer_tab(people: Office) -> None:
    """PUT assignment takes a department id; a reassignment keeps the old one; the answer tab
    filters by mine, my department and unassigned."""
    thread = await people.company.thread(f"배정 {secret_word()}", "본문")
    other = await people.company.thread(f"미배정 {secret_word()}", "본문")
    d = people.department
    drafter_id = (await people.drafter.get("/api/me")).json()["id"]
    first = await people.admin.put(f"/api/threads/{thread['id']}/assignment", json={"department": d["id"]})
    assert first.status_code == 200, first.text
    assert first.json()["department"]["id"] == d["id"] and first.json()["assignee"] is None
    second = await people.approver.put(
        f"/api/threads/{thread['id']}/assignment", json={"department": d["id"], "assignee": drafter_id}
    )
    assert second.status_code == 200, second.text
    assert second.json()["assignee"]["login"] == people.drafter_login
    history = (await people.drafter.get(f"/api/threads/{thread['id']}/assignment")).json()["items"]
    assert [h["id"] for h in history] == [second.json()["id"], first.json()["id"]]
    assert history[1]["assigned_by"]["login"] != people.approver_login

    async def tab(client: Http, which: str) -> list[int]:
        response = await client.get("/api/staff/workflow", params={"filter": which})
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert thread["id"] in await tab(people.drafter, "mine")
    assert thread["id"] not in await tab(people.approver, "mine")
    assert thread["id"] in await tab(people.approver, "department")
    assert thread["id"] not in await tab(people.admin, "department")
    unassigned = await tab(people.drafter, "unassigned")
    assert other["id"] in unassigned and thread["id"] not in unassigned
    unknown = await people.admin.put(f"/api/threads/{thread['id']}/assignment", json={"department": 999_999})
    assert unknown.status_code == 422
    assert (
        await people.company.put(f"/api/threads/{thread['id']}/assignment", json={"department": d["id"]})
    ).status_code == 403


async def test_a_draft_is_published_only_when_another_account_approves_it(
    people: Office, server: InProcessServer
) -> None:
    """Draft -> submit -> approve: the company sees nothing (REST, socket, search) until the
    approval, then one answer.posted naming 조달청 and the assigned department."""
    thread = await people.company.thread(f"결재 {secret_word()}", "본문")
    tid = thread["id"]
    await people.admin.put(f"/api/threads/{tid}/assignment", json={"department": people.department["id"]})
    word = secret_word()
    socket = await Socket.open(server.ws_url, people.company.cookie)
    try:
        await socket.subscribe(f"thread:{tid}")
        made = await draft(people.drafter, tid, f"검토 결과 {word} 반영합니다")
        assert made["state"] == "draft" and made["author"]["login"] == people.drafter_login
        did = made["id"]
        assert (await people.company.get(f"/api/threads/{tid}")).json()["answers"] == []
        early = await people.approver.post(f"/api/answers/{did}/approve")
        assert early.status_code == 409 and early.json()["error"]["code"] == "draft_state"
        submitted = await people.drafter.post(f"/api/answers/{did}/submit")
        assert submitted.status_code == 200 and submitted.json() == {"id": did, "state": "pending_approval"}
        own = await people.drafter.post(f"/api/answers/{did}/approve")
        assert own.status_code == 403 and own.json()["error"]["code"] == "approver_only"
        refused = await people.company.post(f"/api/answers/{did}/approve")
        assert refused.status_code == 403
        assert await searched(people.company, word) == []
        assert await socket.quiet(0.3) == []
        approved = await people.approver.post(f"/api/answers/{did}/approve")
        assert approved.status_code == 200, approved.text
        shown = approved.json()
        assert shown["state"] == "published" and shown["approved_by"]["login"] == people.approver_login
        frame = await socket.expect(lambda f: f["type"] == "event")
        assert frame["event"] == "answer.posted"
        answer = frame["data"]["answer"]
        assert answer["author"] == {
            "kind": "staff",
            "label": "조달청",
            "is_op": False,
            "department": people.department["name"],
        }
        assert "login" not in json.dumps(frame)
    finally:
        await socket.close()
    page = (await people.company.get(f"/api/threads/{tid}")).json()
    assert [a["id"] for a in page["answers"]] == [answer["id"]]
    assert page["answers"][0]["author"]["department"] == people.department["name"]
    assert tid in await searched(people.company, word)
    steps = (await people.drafter.get(f"/api/threads/{tid}/drafts")).json()["items"]
    assert steps[0]["approved_by"]["login"] == people.approver_login and steps[0]["answer_id"] == answer["id"]


async def test_a_returned_draft_goes_back_with_its_reason(people: Office) -> None:
    """Return sends a submitted draft back to draft with the reason; the drafter reworks it."""
    thread = await people.company.thread(f"반려 {secret_word()}", "본문")
    made = await draft(people.drafter, thread["id"], "첫 초안")
    await people.drafter.post(f"/api/answers/{made['id']}/submit")
    returned = await people.approver.post(f"/api/answers/{made['id']}/return", json={"reason": "근거 보완"})
    assert returned.status_code == 200, returned.text
    body = returned.json()
    assert body["state"] == "draft" and body["returned_reason"] == "근거 보완"
    assert body["returned_by"]["login"] == people.approver_login
    other = await people.approver.patch(f"/api/answers/{made['id']}/draft", json={"body": "남의 초안"})
    assert other.status_code == 403
    reworked = await people.drafter.patch(f"/api/answers/{made['id']}/draft", json={"body": "보완한 초안"})
    assert reworked.status_code == 200 and reworked.json()["body"] == "보완한 초안"
    assert (await people.company.get(f"/api/threads/{thread['id']}")).json()["answers"] == []


async def test_internal_notes_stay_with_staff(people: Office, server: InProcessServer) -> None:
    """Notes (on a proposal and on a draft) are staff-only: never on the company's socket, in
    search or REST; the staff log and its export carry them with their edits."""
    thread = await people.company.thread(f"메모 {secret_word()}", "본문")
    tid = thread["id"]
    word = secret_word()
    socket = await Socket.open(server.ws_url, people.company.cookie)
    try:
        await socket.subscribe(f"thread:{tid}")
        await socket.subscribe("board")
        note = await people.drafter.post(f"/api/threads/{tid}/notes", json={"body": f"내부 검토 {word}"})
        assert note.status_code == 201, note.text
        assert note.json()["author"]["login"] == people.drafter_login
        made = await draft(people.drafter, tid, "초안")
        on_draft = await people.approver.post(
            f"/api/threads/{tid}/notes", json={"body": f"초안 의견 {word}", "draft": made["id"]}
        )
        assert on_draft.status_code == 201 and on_draft.json()["draft_id"] == made["id"]
        edited = await people.drafter.patch(
            f"/api/notes/{note.json()['id']}", json={"body": f"고친 메모 {word}"}
        )
        assert edited.status_code == 200 and edited.json()["revision"] == 2
        not_mine = await people.approver.patch(f"/api/notes/{note.json()['id']}", json={"body": "x"})
        assert not_mine.status_code == 403
        assert word not in json.dumps(await socket.quiet(0.3))
    finally:
        await socket.close()
    assert (await people.company.get(f"/api/threads/{tid}/notes")).status_code == 403
    assert (await people.company.post(f"/api/threads/{tid}/notes", json={"body": "x"})).status_code == 403
    listed = (await people.approver.get(f"/api/threads/{tid}/notes")).json()["items"]
    assert [n["body"] for n in listed] == [f"고친 메모 {word}", f"초안 의견 {word}"]
    assert word not in json.dumps((await people.company.get(f"/api/threads/{tid}")).json())
    assert await searched(people.company, word) == []
    export = await people.admin.get(
        "/api/staff/events", params={"format": "jsonl", "thread_id": tid, "type": "note.added,note.edited"}
    )
    assert export.status_code == 200
    rows = [json.loads(line) for line in export.text.splitlines()]
    assert [r["type"] for r in rows] == ["note.added", "note.added", "note.edited"]
    assert word in rows[0]["payload"]["note"]["body"] and rows[0]["seq"] is None


async def test_with_approval_required_every_answer_and_edit_waits_for_an_approver(
    make_server: MakeServer, clients: list[Http]
) -> None:
    """TONG_ANSWER_APPROVAL=required: an answer without draft is 409 approval_required; an edit
    of a published answer is a pending revision (202), sent as answer.edited only on approval."""
    server = await make_server(answer_approval="required")
    people = await office(server, clients)
    thread = await people.company.thread(f"필수결재 {secret_word()}", "본문")
    tid = thread["id"]
    direct = await people.drafter.post(f"/api/threads/{tid}/answers", json={"body": "바로 게시"})
    assert direct.status_code == 409 and direct.json()["error"]["code"] == "approval_required"
    made = await draft(people.drafter, tid, "원래 답변", None)
    await people.drafter.post(f"/api/answers/{made['id']}/submit")
    published = (await people.approver.post(f"/api/answers/{made['id']}/approve")).json()["answer"]
    socket = await Socket.open(server.ws_url, people.company.cookie)
    try:
        await socket.subscribe(f"thread:{tid}")
        revision = await people.drafter.patch(f"/api/answers/{published['id']}", json={"body": "고친 답변"})
        assert revision.status_code == 202, revision.text
        assert revision.json()["state"] == "pending_approval" and revision.json()["revises"] is True
        page = (await people.company.get(f"/api/threads/{tid}")).json()
        assert page["answers"][0]["body"] == "원래 답변"
        assert await socket.quiet(0.3) == []
        approved = await people.approver.post(f"/api/answers/{revision.json()['id']}/approve")
        assert approved.status_code == 200, approved.text
        frame = await socket.expect(lambda f: f["type"] == "event")
        assert frame["event"] == "answer.edited" and frame["data"]["answer"]["body"] == "고친 답변"
    finally:
        await socket.close()
    page = (await people.company.get(f"/api/threads/{tid}")).json()
    assert page["answers"][0]["body"] == "고친 답변"


# The command's own work is one domain call, tested on both stacks above; once is enough for the
# command line (two `python -m server` starts).
@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_the_cli_puts_a_staff_account_in_a_department(people: Office, server: InProcessServer) -> None:
    """`tong accounts set-department LOGIN ID|--none` sets what an admin's PUT members sets."""
    (login,) = await server.accounts("staff", 1)
    env = ProcessServer(server.settings).environment()

    async def tong(*args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server", "accounts", "set-department", *args, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await process.communicate()
        return process.returncode or 0, (out + err).decode()

    code, said = await tong(login, str(people.department["id"]))
    assert code == 0, said
    listed = (await people.admin.get("/api/staff/departments")).json()["items"]
    assert next(d for d in listed if d["id"] == people.department["id"])["members"] == 3
    code, said = await tong("nobody-here", "--none")
    assert code == 1 and "no staff account" in said
