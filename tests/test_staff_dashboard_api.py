"""The dashboard's figures: activity buckets, the answer clock and the public answer times."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import update

from server.store.models import Thread, utcnow
from tests.support.clients import Http
from tests.support.servers import InProcessServer


async def test_activity_buckets_count_events(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """GET /api/staff/activity counts comments and recommendations of the last hours in buckets."""
    server = await make_server()
    clients.extend([author := await server.user("company"), staff := await server.user("staff")])
    thread = await author.thread()
    for body in ("하나", "둘", "셋"):
        await author.comment(thread["id"], body)
    await staff.put(f"/api/threads/{thread['id']}/recommendation")
    response = await staff.get("/api/staff/activity", params={"hours": 6})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["bucket_seconds"] == 300
    assert len(data["series"]["comments"]) == 72
    assert sum(data["series"]["comments"]) == 3
    assert data["series"]["comments"][-1] == 3
    assert sum(data["series"]["recommendations"]) == 1
    assert sum(data["series"]["threads"]) == 1
    assert (await staff.get("/api/staff/activity", params={"hours": 100})).status_code == 422


async def test_answer_clock_orders_and_flags_overdue(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """Waiting proposals come oldest first; one older than the target is overdue; answered ones leave."""
    server = await make_server(answer_target_days=10)
    clients.extend([author := await server.user("company"), staff := await server.user("staff")])
    old, recent, done = (
        await author.thread("오래된 제안"),
        await author.thread("새 제안"),
        await author.thread("답변됨"),
    )
    async with server.services.db.transaction() as s:
        await s.execute(
            update(Thread).where(Thread.id == old["id"]).values(created_at=utcnow() - timedelta(days=12))
        )
    await staff.post(f"/api/threads/{recent['id']}/answers", json={"body": "검토 중입니다"})
    await staff.post(f"/api/threads/{done['id']}/answers", json={"body": "반영합니다", "outcome": "accepted"})
    clock = (await staff.get("/api/staff/answer-clock")).json()
    assert clock["target_days"] == 10
    assert [i["id"] for i in clock["items"]] == [old["id"], recent["id"]]
    assert clock["items"][0]["overdue"] is True and clock["items"][0]["age_days"] >= 12
    assert clock["items"][1]["overdue"] is False and clock["items"][1]["interim_answers"] == 1
    assert clock["overdue"] == 1 and clock["total"] == 2
    stats = (await author.get("/api/stats/answers")).json()
    assert stats["answered"] == 1 and stats["waiting"] == 2 and stats["overdue"] == 1
    assert stats["median_days"] is not None and stats["median_days"] < 1
    assert stats["within_target_share"] == 1.0


async def test_stats_frame_on_staff_channel(server: InProcessServer, staff: Http) -> None:
    """A staff socket gets `stats` frames with the live figures."""
    from tests.support.clients import Socket

    socket = await Socket.open(server.ws_url, cookie=staff.cookie)
    await socket.subscribe("staff")
    frame = await socket.expect(lambda f: f["type"] == "stats", timeout=8)
    assert {"connections", "proposals_today", "open_reports", "hot_threads"} <= set(frame["data"])
    assert frame["data"]["connections"] >= 1
    await socket.close()


async def test_most_watched_lists_only_watched_threads(
    server: InProcessServer, staff: Http, company: Http
) -> None:
    """지금 많이 보는 글 lists active threads someone watches, most watchers first, never one with 0."""
    import asyncio

    from tests.support.clients import Socket

    quiet = await company.thread("아무도 안 보는 제안")
    watched = await company.thread("모두가 보는 제안")
    sockets = [await Socket.open(server.ws_url) for _ in range(2)]
    for socket in sockets:
        await socket.subscribe(f"thread:{watched['id']}")
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        hot = {row["id"]: row for row in (await staff.get("/api/staff/stats")).json()["hot_threads"]}
        if watched["id"] in hot and hot[watched["id"]]["watchers"] == 2:
            break
        assert asyncio.get_running_loop().time() < deadline, hot
        await asyncio.sleep(0.1)
    assert quiet["id"] not in hot
    assert all(row["watchers"] > 0 for row in hot.values())
    for socket in sockets:
        await socket.close()
