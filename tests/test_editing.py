"""Edit and withdraw, with history (issue 11 §4): proposals, comments and answers, live and in REST."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer


async def watch(server: InProcessServer, thread_id: int) -> Socket:
    socket = await Socket.open(server.ws_url)
    assert (await socket.subscribe(f"thread:{thread_id}"))["type"] == "subscribed"
    return socket


async def test_author_edits_a_proposal_until_its_first_answer(
    server: InProcessServer, company: Http, agency: Http, staff: Http, anonymous: Http
) -> None:
    thread = await company.thread("오타 있는 제목", "처음 본문")
    path = f"/api/threads/{thread['id']}"
    socket = await watch(server, thread["id"])
    edited = await company.patch(path, json={"title": "고친 제목"})
    assert edited.status_code == 200, edited.text
    shown = edited.json()
    assert (shown["title"], shown["body"], shown["revision"]) == ("고친 제목", "처음 본문", 2)
    assert shown["edited_at"]
    (frame,) = await socket.events(1)
    assert frame["event"] == "thread.updated" and frame["seq"] == thread["seq"] + 1
    assert frame["data"]["thread"]["title"] == "고친 제목" and frame["data"]["thread"]["revision"] == 2
    # Another author, a status mixed in, a blank title, a phone number: refused, nothing stored.
    assert (await agency.patch(path, json={"body": "남의 글"})).status_code == 403
    assert (await company.patch(path, json={"status": "reviewing", "title": "x"})).status_code == 422
    assert (await company.patch(path, json={"title": "   "})).status_code == 422
    assert (await company.patch(path, json={"body": "연락처 010-1234-5678"})).status_code == 422
    # The same text again is no new revision.
    assert (await company.patch(path, json={"title": "고친 제목"})).json()["revision"] == 2
    history = (await anonymous.get(f"{path}/revisions")).json()
    assert [(r["revision"], r["title"], r["body"]) for r in history["items"]] == [
        (1, "오타 있는 제목", "처음 본문"),
        (2, "고친 제목", "처음 본문"),
    ]
    assert {r["author"]["label"] for r in history["items"]} == {thread["author"]["label"]}
    assert "login" not in json.dumps(history)
    # Staff keep the status on the same path; after an official answer the author's edit is closed.
    assert (await staff.patch(path, json={"status": "reviewing"})).status_code == 200
    assert (await company.patch(path, json={"status": "received"})).status_code == 403
    answered = await staff.post(f"{path}/answers", json={"body": "검토하겠습니다"})
    assert answered.status_code == 201
    late = await company.patch(path, json={"body": "답변 뒤 수정"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "edit_window_closed"
    await socket.close()


async def test_withdrawn_proposal_stays_visible_and_closed(
    server: InProcessServer, company: Http, agency: Http, staff: Http, anonymous: Http
) -> None:
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "철회 전에 단 댓글")
    path = f"/api/threads/{thread['id']}"
    assert (await agency.post(f"{path}/withdraw")).status_code == 403
    socket = await watch(server, thread["id"])
    withdrawn = await company.post(f"{path}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["outcome"]) == ("withdrawn", None)
    (frame,) = await socket.events(1)
    assert frame["event"] == "thread.status_changed" and frame["data"]["status"] == "withdrawn"
    assert frame["data"]["previous"] == "received"
    assert (await anonymous.get(path)).json()["status"] == "withdrawn"
    refused = [
        await agency.post(f"{path}/comments", json={"body": "늦은 댓글"}),
        await agency.put(f"{path}/recommendation"),
        await company.put(f"/api/comments/{comment['id']}/recommendation"),
        await company.post(f"{path}/withdraw"),
        await staff.patch(path, json={"status": "reviewing"}),
    ]
    assert [r.status_code for r in refused] == [409] * 5, [r.text for r in refused]
    assert refused[0].json()["error"]["code"] == "thread_withdrawn"
    assert refused[3].json()["error"]["code"] == "already_withdrawn"
    listed = (await anonymous.get("/api/threads", params={"status": "withdrawn"})).json()["items"]
    assert thread["id"] in [t["id"] for t in listed]
    # A proposal with a final answer cannot be withdrawn.
    answered = await company.thread()
    await staff.post(f"/api/threads/{answered['id']}/answers", json={"body": "반영", "outcome": "accepted"})
    late = await company.post(f"/api/threads/{answered['id']}/withdraw")
    assert late.status_code == 409 and late.json()["error"]["code"] == "already_answered"
    await socket.close()


async def test_comment_edit_and_delete_live_with_history(
    server: InProcessServer, company: Http, agency: Http, staff: Http, anonymous: Http
) -> None:
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "첫 버전의 댓글")
    path = f"/api/comments/{comment['id']}"
    socket = await watch(server, thread["id"])
    assert (await company.patch(path, json={"body": "남이 고침"})).status_code == 403
    edited = await agency.patch(path, json={"body": "둘째 버전의 댓글"})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["body"], edited.json()["revision"]) == ("둘째 버전의 댓글", 2)
    (frame,) = await socket.events(1)
    assert frame["event"] == "comment.edited"
    assert frame["data"]["comment"]["body"] == "둘째 버전의 댓글" and frame["data"]["comment"]["edited_at"]
    history = (await anonymous.get(f"{path}/revisions")).json()
    assert [r["body"] for r in history["items"]] == ["첫 버전의 댓글", "둘째 버전의 댓글"]
    assert {r["author"]["label"] for r in history["items"]} == {comment["author"]["label"]}
    deleted = await agency.delete(path)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["body"] is None and deleted.json()["withdrawn"] is True
    (frame,) = await socket.events(1)
    assert frame["event"] == "comment.withdrawn" and frame["data"]["comment"]["body"] is None
    listed = (await anonymous.get(f"/api/threads/{thread['id']}/comments")).json()["items"]
    assert [(c["id"], c["body"], c.get("withdrawn")) for c in listed] == [(comment["id"], None, True)]
    # The public history keeps the times, not the text; moderators still read it.
    public = (await anonymous.get(f"{path}/revisions")).json()
    assert public["withdrawn"] is True and [r["body"] for r in public["items"]] == [None, None]
    moderated = (await staff.get(f"{path}/revisions")).json()
    assert [r["body"] for r in moderated["items"]] == ["첫 버전의 댓글", "둘째 버전의 댓글"]
    again = [await agency.patch(path, json={"body": "삭제 뒤"}), await agency.delete(path)]
    assert [r.status_code for r in again] == [409, 409]
    assert (await staff.post(f"{path}/hide", json={"reason": "x"})).status_code == 409
    # The staff event log shows both events with the edited text to moderators.
    log = (await staff.get("/api/staff/events", params={"thread_id": thread["id"]})).json()["items"]
    types = [e["type"] for e in log]
    assert "comment.edited" in types and "comment.withdrawn" in types
    await socket.close()


async def test_comment_edit_window_is_configurable(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    server = await make_server(comment_edit_hours=0)
    clients.append(author := await server.user("company"))
    thread = await author.thread()
    comment = await author.comment(thread["id"], "고칠 수 없는 댓글")
    late = await author.patch(f"/api/comments/{comment['id']}", json={"body": "고침"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "edit_window_closed"
    # Deleting is not bound to the window.
    assert (await author.delete(f"/api/comments/{comment['id']}")).status_code == 200


async def test_an_edit_cannot_bring_in_a_held_word(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """Outside office hours a new comment with a hold word waits for a moderator, so an edit may
    not add one to a live comment (refused, the comment unchanged); an edit that keeps a word the
    comment already had (released by a moderator) goes through."""
    server = await make_server(hold_enabled=True, hold_words=("사기",), office_days=())
    clients.extend(
        [author := await server.user("company"), moderator := await server.user("staff", ("moderator",))]
    )
    thread = await author.thread()
    comment = await author.comment(thread["id"], "좋은 의견입니다")
    refused = await author.patch(f"/api/comments/{comment['id']}", json={"body": "사기 의심됩니다"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "edit_needs_review"
    shown = (await author.get(f"/api/threads/{thread['id']}/comments")).json()["items"]
    assert [c["body"] for c in shown] == ["좋은 의견입니다"]

    held = await author.post(f"/api/threads/{thread['id']}/comments", json={"body": "사기 업체 신고"})
    assert held.status_code == 202, held.text
    released = await moderator.post(f"/api/staff/held/{held.json()['id']}/release", json={})
    assert released.status_code == 200, released.text
    live = next(
        c
        for c in (await author.get(f"/api/threads/{thread['id']}/comments")).json()["items"]
        if "신고" in c["body"]
    )
    kept = await author.patch(f"/api/comments/{live['id']}", json={"body": "사기 업체 신고합니다"})
    assert kept.status_code == 200, kept.text


async def test_staff_correct_an_answer_with_its_own_revisions(
    server: InProcessServer, company: Http, staff: Http, anonymous: Http
) -> None:
    thread = await company.thread()
    posted = (
        await staff.post(
            f"/api/threads/{thread['id']}/answers", json={"body": "반영하겠습니디", "outcome": "accepted"}
        )
    ).json()
    socket = await watch(server, thread["id"])
    path = f"/api/answers/{posted['id']}"
    assert (await company.patch(path, json={"body": "고침"})).status_code == 403
    fixed = await staff.patch(path, json={"body": "반영하겠습니다"})
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["body"], fixed.json()["revision"], fixed.json()["outcome"]) == (
        "반영하겠습니다",
        2,
        "accepted",
    )
    (frame,) = await socket.events(1)
    assert frame["event"] == "answer.edited" and frame["data"]["answer"]["body"] == "반영하겠습니다"
    shown = (await anonymous.get(f"/api/threads/{thread['id']}")).json()
    assert shown["answers"][0]["body"] == "반영하겠습니다" and shown["answers"][0]["edited_at"]
    history = (await anonymous.get(f"{path}/revisions")).json()
    assert [r["body"] for r in history["items"]] == ["반영하겠습니디", "반영하겠습니다"]
    assert {r["author"]["label"] for r in history["items"]} == {"조달청"}
    await socket.close()
