"""The quarterly report (/api/stats/quarters/{yyyy}-Q{n}, its CSV and /record/{yyyy}-Q{n}) against
a hand-computed quarter: KST boundaries, outcomes, the median, obligations and change threads."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import update

from server.store.models import Answer, Thread
from tests.support.clients import Http
from tests.support.servers import InProcessServer

KST = timezone(timedelta(hours=9))
MakeServer = Callable[..., Awaitable[InProcessServer]]


def _kst(y: int, m: int, d: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=KST)


async def _set(
    server: InProcessServer,
    thread_id: int,
    created: datetime,
    answered: datetime | None = None,
    due: date | None = None,
) -> None:
    async with server.services.db.transaction() as s:
        values: dict[str, object] = {"created_at": created}
        if due is not None:
            values["answer_due"] = due
        await s.execute(update(Thread).where(Thread.id == thread_id).values(**values))  # type: ignore[arg-type]
        if answered is not None:
            await s.execute(update(Answer).where(Answer.thread_id == thread_id).values(created_at=answered))  # type: ignore[arg-type]


async def test_quarter_report_equals_a_hand_computed_quarter(
    make_server: MakeServer, clients: list[Http]
) -> None:
    """2025-Q3 (1 July – 30 September KST) counts what happened in it, in KST: proposals received,
    final answers by outcome (by the first final answer's quarter), the median days to them,
    obligations falling due in it, and the change threads posted, with the number each links;
    the record's row for the quarter shows the same outcomes, and the CSV the same figures."""
    server = await make_server(answer_target_days=10, answer_obligation_recommendations=30)
    clients.extend(
        [
            author := await server.user("company"),
            staff := await server.user("staff"),
            anon := Http(server.base_url),
        ]
    )

    async def proposal(
        created: datetime,
        answered: datetime | None = None,
        outcome: str | None = None,
        due: date | None = None,
        withdraw: bool = False,
    ) -> int:
        thread = await author.thread()
        if answered is not None:
            body = {"body": "답변", **({"outcome": outcome} if outcome else {})}
            assert (await staff.post(f"/api/threads/{thread['id']}/answers", json=body)).status_code == 201
        if withdraw:
            assert (await author.post(f"/api/threads/{thread['id']}/withdraw")).status_code == 200
        await _set(server, thread["id"], created, answered, due)
        return int(thread["id"])

    # 30 June 23:30 KST is 14:30 UTC: still Q2. 1 July 00:30 KST is 30 June 15:30 UTC: Q3.
    await proposal(_kst(2025, 6, 30, 23, 30))
    await proposal(_kst(2025, 7, 1, 0, 30), _kst(2025, 7, 5, 0, 30), "accepted")  # 4 days
    await proposal(_kst(2025, 7, 10), _kst(2025, 7, 30), "declined", due=date(2025, 7, 25))  # 20 days, late
    await proposal(_kst(2025, 8, 1), _kst(2025, 8, 7), "partially_accepted", due=date(2025, 8, 10))  # 6, met
    await proposal(_kst(2025, 6, 1), _kst(2025, 7, 9), "accepted")  # received in Q2, answered in Q3: 38
    await proposal(_kst(2025, 9, 20), _kst(2025, 10, 1, 0, 30), "accepted")  # answered 1 Oct KST: Q4
    await proposal(_kst(2025, 9, 1), _kst(2025, 9, 3), None, due=date(2025, 9, 30))  # interim only: open
    await proposal(_kst(2025, 9, 2), withdraw=True, due=date(2025, 9, 15))  # withdrawn: no obligation
    await proposal(_kst(2025, 9, 30, 23, 59))  # last minute of the quarter, waiting
    linked = await proposal(_kst(2025, 8, 20))

    change = (
        await staff.post(
            "/api/threads",
            json={
                "kind": "change",
                "title": "=2025년 3분기, 이렇게 바꾸었습니다",
                "body": "본문",
                "links": [linked],
            },
        )
    ).json()
    await _set(server, change["id"], _kst(2025, 9, 25))
    outside = (
        await staff.post("/api/threads", json={"kind": "change", "title": "다음 분기 변경", "body": "본문"})
    ).json()
    await _set(server, outside["id"], _kst(2025, 10, 2))

    response = await anon.get("/api/stats/quarters/2025-Q3")
    assert response.status_code == 200, response.text
    report = response.json()
    created_at = report.pop("change_threads")
    generated = report.pop("generated_at")
    assert generated.endswith("Z")
    assert report == {
        "quarter": "2025-Q3",
        "from": "2025-07-01",
        "to": "2025-09-30",
        "complete": True,
        "previous": "2025-Q2",
        "next": "2025-Q4",
        "target_days": 10,
        "received": 8,  # 1 Jul, 10 Jul, 1 Aug, 20 Sep, 1 Sep, 2 Sep, 30 Sep, 20 Aug
        "withdrawn": 1,
        "answered": 4,
        "outcomes": {"accepted": 2, "partially_accepted": 1, "declined": 1},
        "median_days": 13.0,  # 4, 6, 20, 38
        "within_target": 2,
        "obligation_threshold": 30,
        "obligations": {"met": 1, "late": 1, "open": 1, "overdue": 1},
    }
    assert created_at == [
        {"id": change["id"], "title": change["title"], "created_at": "2025-09-25T03:00:00Z", "links": 1}
    ]

    record = (await anon.get("/api/stats/answers")).json()
    row = next(q for q in record["quarters"] if q["quarter"] == "2025-Q3")
    assert {k: row[k] for k in report["outcomes"]} == report["outcomes"] and row["total"] == 4

    spreadsheet = await anon.get("/api/stats/quarters/2025-Q3.csv")
    assert spreadsheet.status_code == 200
    assert spreadsheet.headers["content-type"].startswith("text/csv")
    assert 'filename="tong-2025-Q3.csv"' in spreadsheet.headers["content-disposition"]
    assert spreadsheet.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(spreadsheet.text.removeprefix("\ufeff"))))
    assert rows[0] == ["quarter", "key", "항목", "item", "value"]
    values = {r[1]: r[4] for r in rows[1:] if r[1] != "change_thread"}
    assert values == {
        "received": "8",
        "withdrawn": "1",
        "answered": "4",
        "accepted": "2",
        "partially_accepted": "1",
        "declined": "1",
        "median_days": "13.0",
        "within_target": "2",
        "obligations_met": "1",
        "obligations_late": "1",
        "obligations_open": "1",
        "change_threads": "1",
    }
    # A title starting with "=" stays text in a spreadsheet.
    assert [r[2:] for r in rows if r[1] == "change_thread"] == [
        [f"'{change['title']}", f"'{change['title']}", str(change["id"])]
    ]


async def test_quarter_paths(anonymous: Http) -> None:
    """A quarter that is no quarter is a 404 (API and page); the page of one is the app's; an
    empty quarter answers zeros; the running quarter is not `complete`."""
    for path in ("/api/stats/quarters/2025-Q5", "/api/stats/quarters/25-Q1", "/api/stats/quarters/1999-Q1"):
        assert (await anonymous.get(path)).status_code == 404, path
    empty = (await anonymous.get("/api/stats/quarters/2001-Q1")).json()
    assert (empty["received"], empty["answered"], empty["median_days"], empty["change_threads"]) == (
        0,
        0,
        None,
        [],
    )
    assert empty["previous"] == "2000-Q4" and empty["complete"] is True
    assert (await anonymous.get("/api/stats/quarters/2999-Q4")).json()["complete"] is False
    page = await anonymous.get("/record/2025-Q3", headers={"accept": "text/html"})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert (await anonymous.get("/record/2025-Q9", headers={"accept": "text/html"})).status_code == 404
