"""Moderators work the reports queue (hide, restore, dismiss with a reason) and pre-moderation
holds; every decision is a row of the event log and reaches the staff channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer

# Outside office hours all day (no office days): every matching comment is held.
ALWAYS_HOLD = {"hold_enabled": True, "hold_words": ("사기", "바보"), "office_days": ()}


async def _events(staff: Http, **params: Any) -> list[dict[str, Any]]:
    response = await staff.get("/api/staff/events", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


async def test_reported_comment_is_in_queue_with_reasons(
    company: Http, agency: Http, staff: Http, server: InProcessServer, clients: list[Http]
) -> None:
    """A comment reported twice is in the queue once, with both reasons and count 2."""
    clients.append(other := await server.user("company"))
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "문제가 되는 댓글")
    for client, reason in ((company, "욕설"), (other, "광고")):
        assert (
            await client.post(f"/api/comments/{comment['id']}/reports", json={"reason": reason})
        ).status_code == 201
    queue = (await staff.get("/api/staff/reports")).json()["items"]
    (item,) = [i for i in queue if i["comment"]["id"] == comment["id"]]
    assert item["count"] == 2
    assert sorted(r["reason"] for r in item["reasons"]) == ["광고", "욕설"]
    assert item["comment"]["body"] == "문제가 되는 댓글"
    assert item["thread"] == {"id": thread["id"], "title": thread["title"]}
    assert {r["reporter"]["kind"] for r in item["reasons"]} == {"company"}


async def test_dismiss_closes_reports_and_is_logged(company: Http, agency: Http, staff: Http) -> None:
    """Dismissing (with a reason) closes the reports, keeps the comment and logs report.dismissed."""
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "괜찮은 댓글")
    await company.post(f"/api/comments/{comment['id']}/reports", json={"reason": "잘못 누름"})
    url = f"/api/staff/reports/{comment['id']}/dismiss"
    assert (await staff.post(url, json={})).status_code == 422  # a reason is required
    response = await staff.post(url, json={"reason": "규정 위반 아님"})
    assert response.status_code == 200, response.text
    assert response.json()["dismissed"] == 1
    assert (await staff.post(url, json={"reason": "again"})).status_code == 409
    queue = (await staff.get("/api/staff/reports")).json()["items"]
    assert all(i["comment"]["id"] != comment["id"] for i in queue)
    comments = (await company.get(f"/api/threads/{thread['id']}/comments")).json()["items"]
    assert comments[0]["body"] == "괜찮은 댓글"
    (event,) = await _events(staff, type="report.dismissed", thread_id=thread["id"])
    assert event["payload"]["reason"] == "규정 위반 아님"
    assert event["actor"]["kind"] == "staff"


async def test_hide_from_queue_updates_thread_live(
    server: InProcessServer, company: Http, agency: Http, staff: Http
) -> None:
    """Hiding a reported comment resolves its reports and watchers get comment.hidden with a null body."""
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "숨길 댓글")
    await company.post(f"/api/comments/{comment['id']}/reports", json={"reason": "욕설"})
    socket = await Socket.open(server.ws_url)
    await socket.subscribe(f"thread:{thread['id']}", since=comment["seq"])
    response = await staff.post(f"/api/comments/{comment['id']}/hide", json={"reason": "욕설 확인"})
    assert response.status_code == 200
    (frame,) = await socket.events(1)
    assert frame["event"] == "comment.hidden"
    assert frame["seq"] == comment["seq"] + 1
    assert frame["data"]["comment"]["body"] is None
    await socket.close()
    queue = (await staff.get("/api/staff/reports")).json()["items"]
    assert all(i["comment"]["id"] != comment["id"] for i in queue)


async def test_comment_with_word_is_held_outside_office_hours(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """Outside office hours a comment with a configured word gets 202 held and is not in the thread."""
    server = await make_server(**ALWAYS_HOLD)
    clients.extend(
        [author := await server.user("company"), staff := await server.user("staff", ("moderator",))]
    )
    thread = await author.thread()
    response = await author.post(f"/api/threads/{thread['id']}/comments", json={"body": "이건 사기 같습니다"})
    assert response.status_code == 202, response.text
    held = response.json()
    assert held["held"] is True
    assert held["held"] is True and "moderator" in held["message"]
    listed = (await author.get(f"/api/threads/{thread['id']}")).json()
    assert listed["seq"] == thread["seq"] and listed["counts"]["comments"] == 0
    pending = (await staff.get("/api/staff/held")).json()
    assert [i["id"] for i in pending["items"]] == [held["id"]]
    assert pending["items"][0]["words"] == ["사기"]
    ordinary = await author.comment(thread["id"], "평범한 의견입니다")
    assert ordinary["seq"] == thread["seq"] + 1


async def test_no_hold_in_office_hours_or_when_off(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """During office hours (here: all day, every day) the same comment goes live at once."""
    every_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    server = await make_server(**{**ALWAYS_HOLD, "office_days": every_day, "office_hours": "00:00-24:00"})
    clients.append(author := await server.user("company"))
    thread = await author.thread()
    posted = await author.comment(thread["id"], "이건 사기 같습니다")
    assert posted["seq"] == thread["seq"] + 1


async def test_released_comment_takes_seq_at_release(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """A released comment goes live with the next seq at release time: seqs stay gap-free and ordered."""
    server = await make_server(**ALWAYS_HOLD)
    clients.extend(
        [
            author := await server.user("company"),
            other := await server.user("agency"),
            staff := await server.user("staff", ("moderator",)),
        ]
    )
    thread = await author.thread()
    held = (
        await author.post(f"/api/threads/{thread['id']}/comments", json={"body": "바보 같은 규정"})
    ).json()
    first = await other.comment(thread["id"], "먼저 올라간 댓글")
    socket = await Socket.open(server.ws_url)
    await socket.subscribe(f"thread:{thread['id']}", since=first["seq"])
    response = await staff.post(
        f"/api/staff/held/{held['id']}/release", json={"reason": "비판 의견으로 판단"}
    )
    assert response.status_code == 200, response.text
    released = response.json()["comment"]
    assert released["seq"] == first["seq"] + 1
    (frame,) = await socket.events(1)
    assert frame["event"] == "comment.created" and frame["seq"] == released["seq"]
    assert frame["data"]["comment"]["body"] == "바보 같은 규정"
    await socket.close()
    items = (await other.get(f"/api/threads/{thread['id']}/comments")).json()["items"]
    assert [c["seq"] for c in items] == [first["seq"], released["seq"]]
    assert items[1]["author"]["kind"] == "company"
    assert (await staff.post(f"/api/staff/held/{held['id']}/reject", json={"reason": "x"})).status_code == 409
    types = [e["type"] for e in await _events(staff, thread_id=thread["id"])]
    assert types.count("comment.held") == 1 and types.count("comment.released") == 1


async def test_rejected_comment_never_reaches_thread(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """Rejecting needs a reason, leaves the thread untouched and is logged as comment.rejected."""
    server = await make_server(**ALWAYS_HOLD)
    clients.extend(
        [author := await server.user("company"), staff := await server.user("staff", ("moderator",))]
    )
    thread = await author.thread()
    held = (await author.post(f"/api/threads/{thread['id']}/comments", json={"body": "사기꾼들"})).json()
    assert (await staff.post(f"/api/staff/held/{held['id']}/reject", json={})).status_code == 422
    response = await staff.post(f"/api/staff/held/{held['id']}/reject", json={"reason": "비방"})
    assert response.status_code == 200
    after = (await author.get(f"/api/threads/{thread['id']}")).json()
    assert after["seq"] == thread["seq"] and after["counts"]["comments"] == 0
    assert (await staff.get("/api/staff/held")).json()["items"] == []
    (event,) = await _events(staff, type="comment.rejected")
    assert event["payload"] == {"held_id": held["id"], "reason": "비방"}


async def test_moderator_actions_reach_staff_channel(
    server: InProcessServer, company: Http, agency: Http, staff: Http
) -> None:
    """report.filed and report.dismissed reach a staff socket as event-log rows with their ids."""
    socket = await Socket.open(server.ws_url, cookie=staff.cookie)
    await socket.subscribe("staff")
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "댓글")
    await company.post(f"/api/comments/{comment['id']}/reports", json={"reason": "광고"})
    await staff.post(f"/api/staff/reports/{comment['id']}/dismiss", json={"reason": "광고 아님"})
    seen: list[str] = []
    while "report.dismissed" not in seen:
        frame = await socket.expect(lambda f: f["type"] == "event" and f["channel"] == "staff")
        if frame["data"]["event"]["thread_id"] == thread["id"]:
            seen.append(frame["event"])
            assert isinstance(frame["data"]["event"]["id"], int)
    assert seen.index("report.filed") < seen.index("report.dismissed")
    await socket.close()


async def test_reveal_is_logged_not_public(company: Http, staff: Http, anonymous: Http) -> None:
    """An admin's reveal names the account, is logged as author.revealed, and the public never sees it."""
    thread = await company.thread()
    response = await staff.get(
        f"/api/admin/posts/thread/{thread['id']}/author", params={"reason": "법원 요청"}
    )
    assert response.status_code == 200
    assert response.json()["account"]["kind"] == "company"
    (event,) = await _events(staff, type="author.revealed", thread_id=thread["id"])
    assert event["payload"]["reason"] == "법원 요청"
    public = (await anonymous.get(f"/api/threads/{thread['id']}")).json()
    assert "author.revealed" not in str(public) and "법원 요청" not in str(public)
