"""Staff cannot link an author to an account without the admin reveal: lifecycle rows carry no
actor anywhere staff look, the reveal refuses other sites, and personalised answers are private."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer

LIFECYCLE = ("account.created", "session.started")
CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://evil.example"},
    {"Referer": "https://evil.example/page"},
]


async def _all_events(client: Http) -> list[dict[str, Any]]:
    """Every row of the log, page by page (the session's shared server holds thousands by now)."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 1000}
    while True:
        response = await client.get("/api/staff/events", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        if page["next_after_id"] is None:
            return items
        params["after_id"] = page["next_after_id"]


async def test_lifecycle_rows_carry_no_actor_for_staff(server: InProcessServer, clients: list[Http]) -> None:
    """A moderator's event log, JSON Lines and CSV export show account.created and session.started
    with no actor, so a comment's actor key matches no login or creation row."""
    clients.append(moderator := await server.user("staff", ("moderator",)))
    clients.append(author := await server.user("company"))
    thread = await author.thread()
    await author.comment(thread["id"], "제 의견입니다")
    rows = await _all_events(moderator)
    content_keys = {r["actor"]["key"] for r in rows if r["thread_id"] == thread["id"] and r["actor"]}
    assert content_keys
    lifecycle = [r for r in rows if r["type"] in LIFECYCLE]
    assert {r["type"] for r in lifecycle} == set(LIFECYCLE)
    assert all(r["actor"] is None for r in lifecycle)
    jsonl = (await moderator.get("/api/staff/events", params={"format": "jsonl"})).text
    for line in jsonl.splitlines():
        row = json.loads(line)
        if row["type"] in LIFECYCLE:
            assert row["actor"] is None
    exported = (await moderator.get("/api/staff/events", params={"format": "csv"})).text.lstrip("\ufeff")
    for record in csv.DictReader(io.StringIO(exported)):
        if record["type"] in LIFECYCLE:
            assert record.get("actor_key", "") == "" and record.get("actor_kind", "") == ""
    for key in content_keys:
        assert key not in json.dumps([r for r in rows if r["type"] in LIFECYCLE])


async def test_staff_stream_lifecycle_rows_carry_no_actor(
    server: InProcessServer, clients: list[Http]
) -> None:
    """A login reaches the staff channel as session.started with no actor."""
    clients.append(moderator := await server.user("staff", ("moderator",)))
    socket = await Socket.open(server.ws_url, cookie=moderator.cookie)
    await socket.subscribe("staff")
    clients.append(await server.user("agency"))
    frame = await socket.expect(lambda f: f["type"] == "event" and f.get("event") == "session.started")
    assert frame["data"]["event"]["actor"] is None
    await socket.close()


@pytest.mark.parametrize("headers", CROSS_SITE)
async def test_reveal_get_from_another_site_is_refused(
    server: InProcessServer, company: Http, staff: Http, headers: dict[str, str]
) -> None:
    """A reveal link clicked on another site (cross-site fetch metadata, a foreign Origin or
    Referer) is refused with 403 and writes no log row."""
    thread = await company.thread()
    url = f"/api/admin/posts/thread/{thread['id']}/author"
    last = await server.services.reader.max_log_id()
    response = await staff.get(url, params={"reason": "attacker's reason"}, headers=headers)
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "cross_origin"
    assert await server.services.reader.max_log_id() == last
    same_origin = await staff.get(url, params={"reason": "확인"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert same_origin.status_code == 200, same_origin.text


async def test_reveal_by_post(server: InProcessServer, company: Http, agency: Http, staff: Http) -> None:
    """POST with a JSON reason reveals the author and logs author.revealed; without a reason, 422."""
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "누가 썼나")
    url = f"/api/admin/posts/comment/{comment['id']}/author"
    assert (await staff.post(url, json={})).status_code == 422
    assert (await agency.post(url, json={"reason": "x"})).status_code == 403
    revealed = await staff.post(url, json={"reason": "수사기관 요청"})
    assert revealed.status_code == 200, revealed.text
    assert revealed.json()["account"]["login"] == (await agency.get("/api/me")).json()["login"]
    log = (await staff.get(f"/api/staff/events?thread_id={thread['id']}&type=author.revealed")).json()
    assert [row["payload"]["reason"] for row in log["items"]] == ["수사기관 요청"]


@pytest.mark.parametrize("headers", CROSS_SITE)
async def test_post_from_another_site_without_origin_is_refused(
    company: Http, headers: dict[str, str]
) -> None:
    """An unsafe request without Origin but marked cross-site by fetch metadata or a foreign
    Referer is refused (403 cross_origin) and stores nothing."""
    response = await company.post(
        "/api/threads", json={"kind": "proposal", "title": "위조", "body": "본문"}, headers=headers
    )
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "cross_origin"
    same = await company.post(
        "/api/threads",
        json={"kind": "proposal", "title": "정상", "body": "본문"},
        headers={"Sec-Fetch-Site": "same-origin", "Referer": f"{company.base_url}/threads/new"},
    )
    assert same.status_code == 201, same.text


async def test_personalised_responses_are_private(company: Http, anonymous: Http) -> None:
    """/api/me, the session, notices and anything read with a session answer
    `Cache-Control: private, no-store`; an anonymous list is not marked private."""
    thread = await company.thread()
    for path in (
        "/api/me",
        "/api/session",
        "/api/me/notices",
        f"/api/threads/{thread['id']}",
        "/api/threads",
    ):
        response = await company.get(path)
        assert response.status_code == 200, (path, response.text)
        assert response.headers.get("cache-control") == "private, no-store", path
    assert "private" not in (await anonymous.get("/api/threads")).headers.get("cache-control", "")
