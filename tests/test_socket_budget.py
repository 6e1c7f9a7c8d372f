"""A socket's budget of ops (20 a second: past it each op is dropped with `rate_limited`, the
socket stays open), and a status change that changes nothing (200, no event, seq or notice)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from server.domain.ratelimit import OpBudget
from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer

MakeServer = Callable[..., Awaitable[InProcessServer]]


def test_budget_allows_a_burst_then_the_rate() -> None:
    """A full budget spends `rate` ops at once, then refuses; time refills it at `rate` a second,
    never past `rate`."""
    now = [0.0]
    budget = OpBudget(20, clock=lambda: now[0])
    assert [budget.take() for _ in range(21)] == [True] * 20 + [False]
    now[0] += 0.25
    assert [budget.take() for _ in range(6)] == [True] * 5 + [False]
    now[0] += 3600
    assert sum(budget.take() for _ in range(100)) == 20


async def test_ops_past_the_budget_are_dropped_with_rate_limited(
    make_server: MakeServer, clients: list[Http]
) -> None:
    """100 pings and a subscribe with since=0 sent at once on one socket: each op gets exactly one
    answer, the first 20 at least are served and the rest past the budget are `rate_limited`
    errors (a dropped subscribe replays nothing); the socket stays open and takes ops again once
    the budget refills."""
    server = await make_server(ws_ops_per_second=20)
    clients.append(author := await server.user("company"))
    thread = await author.thread("예산 시험")
    for n in range(3):
        await author.comment(thread["id"], f"댓글 {n}")
    socket = await Socket.open(server.ws_url)
    channel = f"thread:{thread['id']}"
    # Sent back to back without reading: far faster than 20 a second. Pings cost the server
    # nothing, so it reads them as fast as they come on either database.
    for _ in range(100):
        await socket.connection.send(json.dumps({"op": "ping"}))
    await socket.connection.send(json.dumps({"op": "subscribe", "channel": channel, "since": 0}))
    answers: list[dict[str, Any]] = []
    replayed = 0
    while len(answers) < 101:
        frame = await socket.recv()
        if frame["type"] in ("pong", "subscribed", "error"):
            answers.append(frame)
        elif frame["type"] == "event":
            replayed += 1
    served = [a for a in answers if a["type"] != "error"]
    limited = [a for a in answers if a["type"] == "error"]
    assert [a["type"] for a in answers[:20]] == ["pong"] * 20
    assert limited and {(a["code"], "channel" in a) for a in limited} == {("rate_limited", False)}
    assert len(served) + len(limited) == 101
    subscribed = [a for a in served if a["type"] == "subscribed"]
    assert replayed == 3 * len(subscribed), "a dropped subscribe replays nothing"
    # The socket is still open: once the budget refills, a ping is answered.
    for _ in range(100):
        await socket.send({"op": "ping"})
        frame = await socket.expect(lambda f: f["type"] in ("pong", "error"))
        if frame["type"] == "pong":
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the budget never refilled")
    await socket.close()


async def test_setting_the_status_a_thread_already_has_changes_nothing(
    server: InProcessServer, company: Http, staff: Http, agency: Http
) -> None:
    """PATCH to the status a proposal already has answers 200 with the thread, and writes no
    event, no seq and no notice: a follower's socket next sees the following real change."""
    thread = await company.thread("같은 상태")
    url = f"/api/threads/{thread['id']}"
    assert (await agency.put(url + "/follow")).status_code == 200
    assert (await staff.patch(url, json={"status": "reviewing"})).status_code == 200
    seq = (await company.get(url)).json()["seq"]
    notices = (await agency.get("/api/me/notices")).json()
    log = (await staff.get("/api/staff/events", params={"thread_id": thread["id"]})).json()["items"]
    socket = await Socket.open(server.ws_url)
    await socket.subscribe(f"thread:{thread['id']}")
    for _ in range(2):
        again = await staff.patch(url, json={"status": "reviewing"})
        assert again.status_code == 200 and again.json()["status"] == "reviewing", again.text
        assert again.json()["seq"] == seq
    assert (await agency.get("/api/me/notices")).json() == notices
    assert (await staff.get("/api/staff/events", params={"thread_id": thread["id"]})).json()["items"] == log
    await company.comment(thread["id"], "다음 변경")
    (event,) = await socket.events(1)
    assert event["event"] == "comment.created" and event["seq"] == seq + 1
    await socket.close()
