"""The public answer record (/record, the board's header figure) shows exactly the staff
dashboard's answer-clock figures: one computation (`AnswerClock.public_stats`) feeds both."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from server.store.models import Answer, Thread, utcnow
from tests.support.clients import Http
from tests.support.servers import InProcessServer


async def _backdate(
    server: InProcessServer, thread_id: int, created: datetime, answered: datetime | None
) -> None:
    async with server.services.db.transaction() as s:
        await s.execute(update(Thread).where(Thread.id == thread_id).values(created_at=created))  # type: ignore[arg-type]
        if answered is not None:
            await s.execute(update(Answer).where(Answer.thread_id == thread_id).values(created_at=answered))  # type: ignore[arg-type]


async def test_public_figures_equal_the_staff_dashboards(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """On the same data the public figures equal the staff dashboard's (waiting, overdue, medians,
    share within the target), and outcomes are counted per KST quarter of the final answer."""
    server = await make_server(answer_target_days=10)
    clients.extend(
        [
            author := await server.user("company"),
            staff := await server.user("staff"),
            anonymous := Http(server.base_url),
        ]
    )
    now = utcnow()
    # (days ago posted, days to the final answer or None, outcome)
    plan = [
        (40, 4, "accepted"),
        (35, 20, "declined"),
        (30, 6, "partially_accepted"),
        (20, 2, "accepted"),
        (200, 8, "accepted"),  # answered long ago: all-time median only
        (15, None, None),  # waiting, overdue
        (3, None, None),  # waiting, within the target
    ]
    for n, (ago, took, outcome) in enumerate(plan):
        thread = await author.thread(f"기록 제안 {n}")
        if took is not None:
            posted = await staff.post(
                f"/api/threads/{thread['id']}/answers", json={"body": "답변", "outcome": outcome}
            )
            assert posted.status_code == 201
        created = now - timedelta(days=ago)
        await _backdate(
            server, thread["id"], created, created + timedelta(days=took) if took is not None else None
        )

    public = (await anonymous.get("/api/stats/answers")).json()
    clock = (await staff.get("/api/staff/answer-clock")).json()
    # The dashboard's answer tab shows /api/stats/answers itself and the clock's own counts.
    assert public == (await staff.get("/api/stats/answers")).json()
    assert (public["waiting"], public["overdue"]) == (clock["total"], clock["overdue"]) == (2, 1)
    assert sum(item["overdue"] for item in clock["items"]) == clock["overdue"]
    assert public["answered"] == 5
    assert public["median_days"] == 6.0  # 2, 4, 6, 8, 20
    assert public["median_days_recent"] == 5.0  # 2, 4, 6, 20 (the 200-day-old one is out)
    assert public["within_target"] == 4 and public["within_target_share"] == 0.8

    def quarter(moment: datetime) -> str:
        kst = moment.astimezone(UTC) + timedelta(hours=9)
        return f"{kst.year}-Q{(kst.month - 1) // 3 + 1}"

    expected: dict[str, dict[str, int]] = {}
    for ago, took, outcome in plan:
        if took is None:
            continue
        row = expected.setdefault(
            quarter(now - timedelta(days=ago - took)),
            {"accepted": 0, "partially_accepted": 0, "declined": 0, "total": 0},
        )
        row[outcome] += 1  # type: ignore[index]
        row["total"] += 1
    quarters = [q["quarter"] for q in public["quarters"]]
    assert quarters == sorted(quarters)
    assert {q.pop("quarter"): q for q in public["quarters"]} == expected

    page = await anonymous.get("/record", headers={"accept": "text/html"})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
