"""The answer obligation (v1.2): a proposal reaching TONG_ANSWER_OBLIGATION_RECOMMENDATIONS gets
`answer_due` once, keeps it, and the public answer record counts obligations met, late and open."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from server.store.models import Answer, Thread, utcnow
from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer

KST = timezone(timedelta(hours=9))
MakeServer = Callable[..., Awaitable[InProcessServer]]


async def recommenders(server: InProcessServer, n: int) -> list[Http]:
    logins = await server.accounts("company", n)
    clients = [Http(server.base_url) for _ in logins]
    await asyncio.gather(*(c.login(login) for c, login in zip(clients, logins, strict=True)))
    return clients


async def close_all(clients: list[Http]) -> None:
    await asyncio.gather(*(c.aclose() for c in clients))


def kst_today() -> date:
    return utcnow().astimezone(KST).date()


@pytest.mark.parametrize("group_commit_max", [64, 1], ids=["grouped", "one-per-transaction"])
async def test_concurrent_recommendations_set_answer_due_once(
    make_server: MakeServer, clients: list[Http], group_commit_max: int
) -> None:
    """Twelve recommendations at once past a threshold of 5 set `answer_due` exactly once: one
    log row, one `thread.answer_due` frame on the thread channel, the date in the board's summary
    and in REST (grouped or each in its own transaction)."""
    server = await make_server(
        answer_obligation_recommendations=5, answer_target_days=14, group_commit_max=group_commit_max
    )
    clients.extend([author := await server.user("company"), staff := await server.user("staff")])
    voters = await recommenders(server, 12)
    thread = await author.thread("추천이 몰리는 제안")
    assert thread["answer_due"] is None
    watcher = await Socket.open(server.ws_url)
    board = await Socket.open(server.ws_url)
    try:
        await watcher.subscribe(f"thread:{thread['id']}", since=thread["seq"])
        await board.subscribe("board")
        answers = await asyncio.gather(
            *(v.put(f"/api/threads/{thread['id']}/recommendation") for v in voters)
        )
        assert all(r.status_code == 200 for r in answers)
        expected = (kst_today() + timedelta(days=14)).isoformat()
        frame = await watcher.expect(lambda f: f["type"] == "event")
        assert frame["event"] == "thread.answer_due" and frame["seq"] == thread["seq"] + 1
        assert frame["data"]["answer_due"] == expected and frame["data"]["thread_id"] == thread["id"]
        assert frame["data"]["recommendations"] >= 5
        assert await watcher.quiet(0.3) == []  # no second one
        summary = await board.expect(
            lambda f: (
                f.get("event") == "thread.summary"
                and f["data"]["thread"]["id"] == thread["id"]
                and f["data"]["thread"]["answer_due"] is not None
            )
        )
        assert summary["data"]["thread"]["answer_due"] == expected
    finally:
        await watcher.close()
        await board.close()
        await close_all(voters)
    shown = (await author.get(f"/api/threads/{thread['id']}")).json()
    assert shown["answer_due"] == expected and shown["counts"]["recommendations"] == 12
    assert shown["seq"] == thread["seq"] + 1
    log = (
        await staff.get("/api/staff/events", params={"thread_id": thread["id"], "type": "thread.answer_due"})
    ).json()["items"]
    assert len(log) == 1 and log[0]["actor"] is None
    listed = (await author.get("/api/threads", params={"sort": "recommended"})).json()["items"]
    assert next(t for t in listed if t["id"] == thread["id"])["answer_due"] == expected


async def test_answer_due_stays_when_recommendations_drop(
    make_server: MakeServer, clients: list[Http]
) -> None:
    """Once set, `answer_due` stays when recommendations fall below the threshold, and coming back
    to it sends nothing more (the staff answer clock shows the date too); a change thread or an
    answered proposal takes no obligation."""
    server = await make_server(answer_obligation_recommendations=2, answer_target_days=7)
    clients.extend([author := await server.user("company"), staff := await server.user("staff")])
    voters = await recommenders(server, 2)
    try:
        thread = await author.thread()
        for v in voters:
            await v.put(f"/api/threads/{thread['id']}/recommendation")
        due = (await author.get(f"/api/threads/{thread['id']}")).json()["answer_due"]
        assert due == (kst_today() + timedelta(days=7)).isoformat()
        for v in voters:
            await v.delete(f"/api/threads/{thread['id']}/recommendation")
        for v in voters:
            await v.put(f"/api/threads/{thread['id']}/recommendation")
        shown = (await author.get(f"/api/threads/{thread['id']}")).json()
        assert shown["answer_due"] == due and shown["seq"] == thread["seq"] + 1
        clock = (await staff.get("/api/staff/answer-clock")).json()["items"]
        assert next(i for i in clock if i["id"] == thread["id"])["answer_due"] == due

        change = (
            await staff.post("/api/threads", json={"kind": "change", "title": "바꾼 점", "body": "본문"})
        ).json()
        answered = await author.thread("이미 답변한 제안")
        await staff.post(
            f"/api/threads/{answered['id']}/answers", json={"body": "반영", "outcome": "accepted"}
        )
        for target in (change, answered):
            for v in voters:
                assert (await v.put(f"/api/threads/{target['id']}/recommendation")).status_code == 200
            assert (await author.get(f"/api/threads/{target['id']}")).json()["answer_due"] is None
    finally:
        await close_all(voters)


async def _set(
    server: InProcessServer,
    thread_id: int,
    *,
    created: datetime | None = None,
    due: date | None = None,
    answered: datetime | None = None,
) -> None:
    """Put a thread (and its answers) at chosen moments: the record reads stored times."""
    async with server.services.db.transaction() as s:
        values: dict[str, object] = {}
        if created is not None:
            values["created_at"] = created
        if due is not None:
            values["answer_due"] = due
        if values:
            await s.execute(update(Thread).where(Thread.id == thread_id).values(**values))  # type: ignore[arg-type]
        if answered is not None:
            await s.execute(update(Answer).where(Answer.thread_id == thread_id).values(created_at=answered))  # type: ignore[arg-type]


def _kst(y: int, m: int, d: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=KST)


async def test_obligations_met_late_and_open_per_quarter(
    make_server: MakeServer, clients: list[Http]
) -> None:
    """The record counts obligations by the KST quarter of their due date: a final answer on the
    due date (KST) is met, the day after is late, an interim answer leaves it open, a withdrawn
    proposal is not counted, and a proposal without `answer_due` is no obligation."""
    server = await make_server(answer_obligation_recommendations=50)
    clients.extend(
        [
            author := await server.user("company"),
            staff := await server.user("staff"),
            anon := Http(server.base_url),
        ]
    )

    async def proposal(
        due: date | None, answer: datetime | None, outcome: str | None = "accepted", withdraw: bool = False
    ) -> None:
        thread = await author.thread()
        if answer is not None:
            body = {"body": "답변", **({"outcome": outcome} if outcome else {})}
            assert (await staff.post(f"/api/threads/{thread['id']}/answers", json=body)).status_code == 201
        if withdraw:
            assert (await author.post(f"/api/threads/{thread['id']}/withdraw")).status_code == 200
        await _set(server, thread["id"], due=due, answered=answer)

    # Due in 2025-Q4: met at 23:50 KST on the due date (14:50 UTC), late the next morning, open.
    await proposal(date(2025, 12, 24), _kst(2025, 12, 24, 23, 50))
    await proposal(date(2025, 12, 24), _kst(2025, 12, 25, 0, 10), "declined")
    await proposal(date(2025, 11, 2), _kst(2025, 10, 20), outcome=None)  # interim only: open
    await proposal(date(2025, 12, 31), None, withdraw=True)  # withdrawn: not counted
    # Due in 2026-Q1 (1 January KST): met early, and one still open.
    await proposal(date(2026, 1, 1), _kst(2025, 12, 28), "partially_accepted")
    await proposal(date(2026, 3, 31), None)
    await proposal(None, _kst(2025, 12, 1))  # never reached the threshold

    stats = (await anon.get("/api/stats/answers")).json()
    assert stats["obligation_threshold"] == 50
    assert stats["obligations"] == {"met": 2, "late": 1, "open": 2, "overdue": 2}
    assert stats["obligation_quarters"] == [
        {"quarter": "2025-Q4", "met": 1, "late": 1, "open": 1, "overdue": 1},
        {"quarter": "2026-Q1", "met": 1, "late": 0, "open": 1, "overdue": 1},
    ]
    # The staff dashboard reads the very same response.
    assert (await staff.get("/api/stats/answers")).json()["obligations"] == stats["obligations"]
