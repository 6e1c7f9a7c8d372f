"""Sanctions without unmasking, and appeals (v1.2): a moderator suspends whoever wrote a post
without learning who; the author is told why and may appeal once; a reversal undoes the action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer

ALWAYS_HOLD = {"hold_enabled": True, "hold_words": ("사기",), "office_days": ()}


async def _events(staff: Http, **params: Any) -> list[dict[str, Any]]:
    response = await staff.get("/api/staff/events", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


async def _moderation_notices(client: Http) -> list[dict[str, Any]]:
    items = (await client.get("/api/me/notices")).json()["items"]
    return [n for n in items if n["kind"] == "moderation"]


async def test_suspension_blocks_writes_not_reads(
    server: InProcessServer, company: Http, agency: Http, staff: Http
) -> None:
    """A suspended author's writes answer 403 suspended with the end; reading goes on; the staff
    socket sees author.suspended, whose row names the post and never the account."""
    thread = await company.thread()
    comment = await company.comment(thread["id"], "도배 댓글")
    socket = await Socket.open(server.ws_url, cookie=staff.cookie)
    await socket.subscribe("staff")
    url = f"/api/staff/posts/comment/{comment['id']}/author/suspension"
    assert (await agency.post(url, json={"days": 3, "reason": "도배"})).status_code == 403
    assert (await staff.post(url, json={"days": 0, "reason": "도배"})).status_code == 422
    refused = await staff.post(url, json={"days": 3, "reason": "연락처 010-1234-5678"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "personal_information"
    response = await staff.post(url, json={"days": 3, "reason": "도배"})
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["post"] == {"kind": "comment", "id": comment["id"]}
    assert shown["already_suspended_until"] is None and shown["until"]
    assert "account" not in response.text and "login" not in response.text
    frame = await socket.expect(lambda f: f.get("event") == "author.suspended")
    assert frame["data"]["event"]["payload"]["post"] == {"kind": "comment", "id": comment["id"]}
    await socket.close()

    for method, path, body in (
        ("POST", "/api/threads", {"kind": "proposal", "title": "t", "body": "b"}),
        ("POST", f"/api/threads/{thread['id']}/comments", {"body": "또"}),
        ("PATCH", f"/api/comments/{comment['id']}", {"body": "고침"}),
    ):
        answer = await company.request(method, path, json=body)
        assert answer.status_code == 403, (path, answer.text)
        assert answer.json()["error"]["code"] == "suspended"
        assert answer.json()["error"]["until"] == shown["until"]
    assert (await company.get(f"/api/threads/{thread['id']}")).status_code == 200
    (notice,) = [n for n in await _moderation_notices(company) if n["data"]["action"] == "suspended"]
    assert notice["data"]["reason"] == "도배" and notice["data"]["until"] == shown["until"]

    lifted = await staff.delete(url)
    assert lifted.status_code == 200, lifted.text
    assert (await staff.delete(url)).status_code == 409
    assert (
        await company.post(f"/api/threads/{thread['id']}/comments", json={"body": "다시"})
    ).status_code == 201
    (row,) = await _events(staff, type="author.suspension_lifted", thread_id=thread["id"])
    assert row["actor"]["kind"] == "staff" and set(row["actor"]) == {"kind", "key"}


async def test_second_suspension_extends_the_first(company: Http, staff: Http) -> None:
    """Suspending the same author from another post extends the suspension in force, and the
    moderator only learns it was already suspended until when."""
    first = await company.thread()
    second = await company.thread()
    one = await staff.post(
        f"/api/staff/posts/thread/{first['id']}/author/suspension", json={"days": 2, "reason": "도배"}
    )
    two = await staff.post(
        f"/api/staff/posts/thread/{second['id']}/author/suspension", json={"days": 5, "reason": "도배 계속"}
    )
    assert one.status_code == two.status_code == 200, two.text
    assert two.json()["already_suspended_until"] == one.json()["until"]
    assert two.json()["until"] > one.json()["until"]
    assert two.json()["suspension_id"] == one.json()["suspension_id"]
    await staff.delete(f"/api/staff/posts/thread/{second['id']}/author/suspension")


async def test_appeal_reversal_restores_hidden_comment(company: Http, agency: Http, staff: Http) -> None:
    """The author of a hidden comment appeals once; the appeal is in the staff queue with the post
    and an actor key, never an account; reversing it restores the comment and tells the author."""
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "숨겨질 댓글")
    await staff.post(f"/api/comments/{comment['id']}/hide", json={"reason": "비방"})
    (notice,) = [n for n in await _moderation_notices(agency) if n["comment_id"] == comment["id"]]
    assert notice["data"]["appeal"] == {"kind": "comment", "id": comment["id"]}
    body = {**notice["data"]["appeal"], "text": "비방이 아니라 사실입니다"}
    assert (await company.post("/api/me/appeals", json=body)).status_code == 404
    filed = await agency.post("/api/me/appeals", json=body)
    assert filed.status_code == 201, filed.text
    assert (await agency.post("/api/me/appeals", json=body)).status_code == 409
    queue = (await staff.get("/api/staff/appeals")).json()["items"]
    (item,) = [i for i in queue if i["id"] == filed.json()["id"]]
    assert item["post"]["body"] == "숨겨질 댓글" and set(item["appellant"]) == {"kind", "key"}
    assert "account_id" not in str(item) and "login" not in str(item)
    decided = await staff.post(
        f"/api/staff/appeals/{item['id']}", json={"decision": "reversed", "reason": "사실 적시로 판단"}
    )
    assert decided.status_code == 200, decided.text
    again = await staff.post(f"/api/staff/appeals/{item['id']}", json={"decision": "upheld", "reason": "x"})
    assert again.status_code == 409
    comments = (await company.get(f"/api/threads/{thread['id']}/comments")).json()["items"]
    assert comments[0]["body"] == "숨겨질 댓글" and comments[0]["hidden"] is False
    told = [n for n in await _moderation_notices(agency) if n["data"].get("decision") == "reversed"]
    assert told and told[0]["data"]["reason"] == "사실 적시로 판단"
    types = [e["type"] for e in await _events(staff, thread_id=thread["id"])]
    assert types.index("appeal.filed") < types.index("appeal.decided") < types.index("comment.restored")


async def test_appeals_of_thread_hide_and_suspension(company: Http, staff: Http) -> None:
    """A hidden proposal's appeal reversed restores it; a suspension's appeal reversed lifts it;
    an upheld appeal changes nothing."""
    thread = await company.thread()
    await staff.post(f"/api/threads/{thread['id']}/hide", json={"reason": "광고"})
    filed = await company.post(
        "/api/me/appeals", json={"kind": "thread", "id": thread["id"], "text": "광고 아님"}
    )
    assert filed.status_code == 201, filed.text
    await staff.post(
        f"/api/staff/appeals/{filed.json()['id']}", json={"decision": "reversed", "reason": "재검토"}
    )
    assert (await company.get(f"/api/threads/{thread['id']}")).json()["title"] == thread["title"]

    suspended = await staff.post(
        f"/api/staff/posts/thread/{thread['id']}/author/suspension", json={"days": 1, "reason": "도배"}
    )
    appeal = {"kind": "suspension", "id": suspended.json()["suspension_id"], "text": "도배하지 않았습니다"}
    filed = await company.post("/api/me/appeals", json=appeal)
    assert filed.status_code == 201, filed.text
    await staff.post(
        f"/api/staff/appeals/{filed.json()['id']}", json={"decision": "upheld", "reason": "도배 확인"}
    )
    assert (
        await company.post(f"/api/threads/{thread['id']}/comments", json={"body": "x"})
    ).status_code == 403
    mine = (await company.get("/api/me/appeals")).json()["items"]
    assert mine[0]["decision"] == "upheld"
    await staff.delete(f"/api/staff/posts/thread/{thread['id']}/author/suspension")


async def test_rejected_held_comment_appeal_releases_it(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """Rejecting a held comment tells its author; a reversed appeal publishes it."""
    server = await make_server(**ALWAYS_HOLD)
    clients.extend(
        [author := await server.user("company"), staff := await server.user("staff", ("moderator",))]
    )
    thread = await author.thread()
    held = (
        await author.post(f"/api/threads/{thread['id']}/comments", json={"body": "사기 같은 규정"})
    ).json()
    await staff.post(f"/api/staff/held/{held['id']}/reject", json={"reason": "비방"})
    (notice,) = await _moderation_notices(author)
    assert notice["data"] | {"title": None} == {
        "title": None, "action": "rejected", "target": "held", "reason": "비방",
        "appeal": {"kind": "held", "id": held["id"]},
    }  # fmt: skip
    filed = await author.post("/api/me/appeals", json={**notice["data"]["appeal"], "text": "비판입니다"})
    assert filed.status_code == 201, filed.text
    decided = await staff.post(
        f"/api/staff/appeals/{filed.json()['id']}", json={"decision": "reversed", "reason": "비판 의견"}
    )
    assert decided.status_code == 200, decided.text
    comments = (await author.get(f"/api/threads/{thread['id']}/comments")).json()["items"]
    assert [c["body"] for c in comments] == ["사기 같은 규정"]
