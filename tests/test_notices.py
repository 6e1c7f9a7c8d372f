"""Following threads and notices: who follows, what followers are told, and the `me` channel."""

from __future__ import annotations

from typing import Any

from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer


async def _notices(client: Http) -> dict[str, Any]:
    response = await client.get("/api/me/notices")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def _answer(staff: Http, thread_id: int, outcome: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"body": "검토하겠습니다"}
    if outcome:
        body["outcome"] = outcome
    response = await staff.post(f"/api/threads/{thread_id}/answers", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_follow_is_idempotent_and_counted_for_staff_only(
    company: Http, agency: Http, staff: Http, anonymous: Http
) -> None:
    """PUT/DELETE follow answer {"following": bool} however often; the thread shows `following` to
    the caller and the follower count to staff only; anonymous callers get 401, a missing thread 404."""
    thread = await company.thread()
    path = f"/api/threads/{thread['id']}/follow"
    for _ in range(2):
        response = await agency.put(path)
        assert response.status_code == 200 and response.json() == {"following": True}
    shown = (await agency.get(f"/api/threads/{thread['id']}")).json()
    assert shown["following"] is True and "followers" not in shown
    # The author follows their own proposal; the agency follows it by choice.
    assert (await staff.get(f"/api/threads/{thread['id']}")).json()["followers"] == 2
    assert "following" not in (await anonymous.get(f"/api/threads/{thread['id']}")).json()
    for _ in range(2):
        assert (await agency.delete(path)).json() == {"following": False}
    assert (await agency.get(f"/api/threads/{thread['id']}")).json()["following"] is False
    assert (await staff.get(f"/api/threads/{thread['id']}")).json()["followers"] == 1
    assert (await anonymous.put(path)).status_code == 401
    assert (await agency.put("/api/threads/999999/follow")).status_code == 404


async def test_answers_and_status_reach_followers_but_not_the_actor(
    company: Http, agency: Http, staff: Http, server: InProcessServer, clients: list[Http]
) -> None:
    """An interim and a final answer and a status change each make one notice for every follower
    (the author, an agency that followed); the staff member who acted and a bystander get none."""
    clients.append(bystander := await server.user("company"))
    thread = await company.thread("검사 기준")
    await agency.put(f"/api/threads/{thread['id']}/follow")
    await staff.put(f"/api/threads/{thread['id']}/follow")
    reviewing = await staff.patch(f"/api/threads/{thread['id']}", json={"status": "reviewing"})
    assert reviewing.status_code == 200
    interim = await _answer(staff, thread["id"])
    final = await _answer(staff, thread["id"], "accepted")
    for reader in (company, agency):
        page = await _notices(reader)
        assert page["unread"] == 3
        kinds = [(n["kind"], n["answer_id"], n["data"].get("status")) for n in page["items"]]
        assert kinds == [
            ("answer", final["id"], "answered"),
            ("answer", interim["id"], "reviewing"),
            ("status", None, "reviewing"),
        ]
        assert page["items"][0]["data"]["outcome"] == "accepted"
        assert page["items"][0]["data"]["title"] == "검사 기준"
        # Never the answer's text.
        assert "검토하겠습니다" not in str(page)
    assert (await _notices(staff)) == {"items": [], "unread": 0}
    assert (await _notices(bystander)) == {"items": [], "unread": 0}


async def test_reply_and_batched_comments(
    company: Http, agency: Http, server: InProcessServer, clients: list[Http]
) -> None:
    """A reply tells the parent comment's author (by the replier's label only); new comments on my
    proposal grow one unseen notice ("새 댓글 3개"); once it is seen, the next starts a new one; once
    I unfollow, it grows no more. My own comments notify nobody of themselves."""
    clients.append(other := await server.user("company"))
    thread = await company.thread()
    top = await agency.comment(thread["id"], "첫 댓글")
    await company.comment(thread["id"], "작성자 댓글")
    reply = await other.comment(thread["id"], "답글", parent_id=top["id"])
    await other.comment(thread["id"], "셋째")
    (notice,) = (await _notices(agency))["items"]
    assert notice["kind"] == "reply" and notice["comment_id"] == reply["id"]
    assert notice["data"]["author"] == reply["author"]["label"] and "답글" not in str(notice)
    page = await _notices(company)
    (batched,) = page["items"]
    assert batched["kind"] == "comments" and batched["count"] == 3 and page["unread"] == 1
    assert batched["comment_id"] == top["id"]
    seen = await company.post("/api/me/notices/seen", json={})
    assert seen.json() == {"seen": [batched["id"]], "unread": 0}
    fourth = await agency.comment(thread["id"], "넷째")
    newest, older = (await _notices(company))["items"]
    assert (newest["count"], newest["comment_id"], newest["seen"]) == (1, fourth["id"], False)
    assert (older["count"], older["seen"]) == (3, True)
    # Unfollowed: the unseen notice no longer grows.
    assert (await company.delete(f"/api/threads/{thread['id']}/follow")).json() == {"following": False}
    await agency.comment(thread["id"], "다섯째")
    assert [n["count"] for n in (await _notices(company))["items"]] == [1, 3]


async def test_auto_follow_can_be_turned_off(company: Http, agency: Http, staff: Http) -> None:
    """Commenting and recommending follow a thread by default; with auto_follow off they do not,
    and such an account is told nothing of the thread's answer."""
    first, second = await company.thread(), await company.thread()
    assert (await agency.get("/api/me/preferences")).json() == {"auto_follow": True}
    await agency.comment(first["id"], "댓글")
    assert (await agency.get(f"/api/threads/{first['id']}")).json()["following"] is True
    response = await agency.patch("/api/me/preferences", json={"auto_follow": False})
    assert response.json() == {"auto_follow": False}
    await agency.comment(second["id"], "댓글")
    await agency.put(f"/api/threads/{second['id']}/recommendation")
    assert (await agency.get(f"/api/threads/{second['id']}")).json()["following"] is False
    await _answer(staff, second["id"])
    await _answer(staff, first["id"])
    assert [n["thread_id"] for n in (await _notices(agency))["items"]] == [first["id"]]


async def test_me_channel_rings_every_tab_of_the_account_only(
    server: InProcessServer, company: Http, agency: Http, staff: Http
) -> None:
    """Both tabs of the author get the `notice` and `unread` frames of an answer; another account's
    socket subscribed to `me` gets nothing of it; an anonymous socket is refused `me`; marking seen
    sends the new unread count to every tab."""
    thread = await company.thread()
    tabs = [await Socket.open(server.ws_url, cookie=company.cookie) for _ in range(2)]
    other = await Socket.open(server.ws_url, cookie=agency.cookie)
    anonymous = await Socket.open(server.ws_url)
    try:
        for socket in (*tabs, other):
            assert (await socket.subscribe("me"))["type"] == "subscribed"
        refused = await anonymous.subscribe("me")
        assert refused["type"] == "error" and refused["code"] == "unauthorized"
        answer = await _answer(staff, thread["id"])
        for tab in tabs:
            frame = await tab.expect(lambda f: f["type"] == "notice")
            assert frame["channel"] == "me"
            assert frame["data"]["notice"]["answer_id"] == answer["id"]
            unread = await tab.expect(lambda f: f["type"] == "unread")
            assert unread["data"] == {"count": 1}
        await company.post("/api/me/notices/seen")
        for tab in tabs:
            assert (await tab.expect(lambda f: f["type"] == "unread"))["data"] == {"count": 0}
        leaked = [f for f in await _frames(other) if f["type"] in ("notice", "unread")]
        assert leaked == []
    finally:
        for socket in (*tabs, other, anonymous):
            await socket.close()


async def test_a_growing_batched_notice_sends_no_unread_frame(
    server: InProcessServer, company: Http, agency: Http
) -> None:
    """Comments on my proposal: the first makes a notice (`notice`, then `unread` 1); the next
    grow it (`notice` with the new count, and no `unread` frame: the count of unseen notices did
    not change)."""
    thread = await company.thread()
    tab = await Socket.open(server.ws_url, cookie=company.cookie)
    try:
        assert (await tab.subscribe("me"))["type"] == "subscribed"
        await agency.comment(thread["id"], "첫 댓글")
        first = await tab.expect(lambda f: f["type"] == "notice")
        assert first["data"]["notice"]["count"] == 1
        assert (await tab.expect(lambda f: f["type"] == "unread"))["data"] == {"count": 1}
        await agency.comment(thread["id"], "둘째 댓글")
        grown = await tab.expect(lambda f: f["type"] == "notice")
        assert grown["data"]["notice"]["id"] == first["data"]["notice"]["id"]
        assert grown["data"]["notice"]["count"] == 2
        assert [f for f in await _frames(tab) if f["type"] == "unread"] == []
        assert (await _notices(company))["unread"] == 1
    finally:
        await tab.close()


async def _frames(socket: Socket, seconds: float = 0.5) -> list[dict[str, Any]]:
    """Every frame that arrives within `seconds`."""
    seen = []
    try:
        while True:
            seen.append(await socket.recv(seconds))
    except TimeoutError:
        return seen


async def test_held_comment_notifies_only_once_released(make_server: Any, clients: list[Http]) -> None:
    """A comment held for a moderator tells the proposal's author nothing until it is released."""
    server = await make_server(hold_enabled=True, hold_words=("검토요청",), office_days=())
    clients.extend([author := await server.user("company"), writer := await server.user("agency")])
    clients.append(moderator := await server.user("staff", ("moderator",)))
    thread = await author.thread()
    held = await writer.post(f"/api/threads/{thread['id']}/comments", json={"body": "검토요청 드립니다"})
    assert held.status_code == 202, held.text
    assert (await _notices(author))["items"] == []
    held_id = (await moderator.get("/api/staff/held")).json()["items"][0]["id"]
    assert (await moderator.post(f"/api/staff/held/{held_id}/release")).status_code == 200
    (notice,) = (await _notices(author))["items"]
    assert notice["kind"] == "comments" and "검토요청" not in str(notice)


async def test_my_activity_is_mine_only(company: Http, agency: Http, anonymous: Http) -> None:
    """GET /api/me/activity lists my proposals with status, my comments with their thread, and the
    threads I follow; another account's page holds none of it; anonymous callers get 401."""
    mine = await company.thread("내 제안")
    theirs = await agency.thread("남의 제안")
    comment = await company.comment(theirs["id"], "의견입니다")
    page = (await company.get("/api/me/activity")).json()
    assert [(t["id"], t["status"]) for t in page["threads"]] == [(mine["id"], "received")]
    assert page["comments"] == [
        {
            "id": comment["id"],
            "thread": {"id": theirs["id"], "title": "남의 제안"},
            "body": "의견입니다",
            "hidden": False,
            "created_at": comment["created_at"],
        }
    ]
    assert {t["id"] for t in page["following"]} == {mine["id"], theirs["id"]}
    other = (await agency.get("/api/me/activity")).json()
    assert [t["id"] for t in other["threads"]] == [theirs["id"]] and other["comments"] == []
    assert (await anonymous.get("/api/me/activity")).status_code == 401


async def test_logout_ends_the_me_channel(server: InProcessServer, company: Http) -> None:
    """A socket subscribed to `me` loses it when its session ends: `session_ended` on `me`, and a
    new subscription is refused."""
    socket = await Socket.open(server.ws_url, cookie=company.cookie)
    try:
        assert (await socket.subscribe("me"))["type"] == "subscribed"
        assert (await company.delete("/api/session")).status_code == 204
        ended = await socket.expect(lambda f: f["type"] == "error")
        assert (ended["code"], ended["channel"]) == ("session_ended", "me")
        assert (await socket.subscribe("me"))["code"] == "unauthorized"
    finally:
        await socket.close()


async def test_demo_notices_carry_the_time_of_what_they_announce(make_server, clients: list[Http]) -> None:  # type: ignore[no-untyped-def]
    """The demo's notices are dated like the answers and comments they announce (weeks apart), not
    all at the moment of seeding ("5분 전" on every one)."""
    from datetime import UTC, datetime, timedelta

    from server.ops import demo

    server = await make_server()
    assert await demo.seed(server.services)
    times = []
    for login in [f"company{n}" for n in range(1, 9)] + [f"agency{n}" for n in range(1, 5)]:
        client = Http(server.base_url)
        clients.append(client)
        await client.login(login, demo.DEMO_PASSWORD)
        for notice in (await client.get("/api/me/notices?limit=50")).json()["items"]:
            times.append(datetime.fromisoformat(notice["updated_at"].replace("Z", "+00:00")))
    assert len(times) >= 3
    now = datetime.now(UTC)
    assert min(times) < now - timedelta(days=1), sorted(times)[:3]
    assert len({t.date() for t in times}) >= 2
