"""The quarterly report (v1.2, issue 23): one KST calendar quarter of the board in figures.

Proposals received, final answers by outcome, the median days to a final answer, obligations
falling due (met, late, open) and the change threads posted ("이렇게 바꾸었습니다") in the quarter,
public at `/api/stats/quarters/{yyyy}-Q{n}` (JSON and `.csv`) and `/record/{yyyy}-Q{n}`. The
answered figures count as the answer record does (answerclock.py): a proposal counts in the
quarter of its first final answer, under its current outcome, so the report's row equals the
record's row for that quarter.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from server.contract.vocabulary import CHANGE, OUTCOMES, PROPOSAL, WITHDRAWN
from server.desk.logcsv import as_text
from server.desk.obligations import KST, count_obligations, final_answers, kst_date
from server.events import public
from server.store.database import Database
from server.store.models import Thread, ThreadLink, utcnow

QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
DAY_S = 86_400.0
# A past quarter's figures barely change and anyone may ask: computed at most once a minute per
# quarter, for a bounded number of quarters.
CACHE_S = 60.0
CACHE_MAX = 32


def bounds(quarter: str) -> tuple[datetime, datetime]:
    """[start, end) of a KST quarter such as 2026-Q4."""
    matched = QUARTER.match(quarter)
    if matched is None:
        raise ValueError(quarter)
    year, n = int(matched[1]), int(matched[2])
    start = datetime(year, 3 * (n - 1) + 1, 1, tzinfo=KST)
    end = datetime(year + 1, 1, 1, tzinfo=KST) if n == 4 else datetime(year, 3 * n + 1, 1, tzinfo=KST)
    return start, end


def _utc_aware(moment: datetime) -> datetime:
    # SQLite hands back naive values; they were written as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def neighbour(quarter: str, step: int) -> str:
    """The quarter `step` quarters after (negative: before) `quarter`."""
    start, _ = bounds(quarter)
    index = start.year * 4 + (start.month - 1) // 3 + step
    return f"{index // 4}-Q{index % 4 + 1}"


class QuarterReport:
    def __init__(self, db: Database, target_days: int, obligation_threshold: int) -> None:
        self.db = db
        self.target_days = target_days
        self.obligation_threshold = obligation_threshold
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}

    async def report(self, quarter: str) -> dict[str, Any]:
        cached = self._cache.get(quarter)
        if cached is not None and time.monotonic() - cached[0] < CACHE_S:
            return cached[1]
        result = await self._compute(quarter)
        if len(self._cache) >= CACHE_MAX:
            self._cache.clear()
        self._cache[quarter] = (time.monotonic(), result)
        return result

    async def _compute(self, quarter: str) -> dict[str, Any]:
        start, end = bounds(quarter)
        # Compared in UTC: SQLite stores the wall-clock fields of what it is given, as UTC.
        since, until = start.astimezone(UTC), end.astimezone(UTC)
        now = utcnow()
        final = final_answers()
        async with self.db.read() as s:
            received = (
                await s.execute(
                    select(Thread.status, func.count())
                    .where(Thread.kind == PROPOSAL, Thread.created_at >= since, Thread.created_at < until)  # type: ignore[operator]
                    .group_by(Thread.status)
                )
            ).all()
            answered = (
                await s.execute(
                    select(Thread.created_at, final.c.answered_at, Thread.outcome)
                    .join(final, final.c.thread_id == Thread.id)
                    .where(final.c.answered_at >= since, final.c.answered_at < until)
                )
            ).all()
            obligations, _ = await count_obligations(s, kst_date(now), start.date(), end.date())
            changes = (
                await s.execute(
                    select(Thread.id, Thread.title, Thread.created_at, func.count(ThreadLink.proposal_id))
                    .outerjoin(ThreadLink, ThreadLink.change_id == Thread.id)
                    .where(Thread.kind == CHANGE, Thread.created_at >= since, Thread.created_at < until)  # type: ignore[operator]
                    .group_by(Thread.id, Thread.title, Thread.created_at)
                    .order_by(Thread.created_at, Thread.id)  # type: ignore[arg-type]
                )
            ).all()
        outcomes = dict.fromkeys(OUTCOMES, 0)
        days = []
        for created, answered_at, outcome in answered:
            if outcome not in OUTCOMES:
                continue  # answered once, since withdrawn or reopened: as the record counts it
            outcomes[outcome] += 1
            days.append((_utc_aware(answered_at) - _utc_aware(created)).total_seconds() / DAY_S)
        by_status = {status: n for status, n in received}
        within = sum(d <= self.target_days for d in days)
        return {
            "quarter": quarter,
            "from": start.date().isoformat(),
            "to": (end.date() - timedelta(days=1)).isoformat(),
            "complete": end <= now,
            "previous": neighbour(quarter, -1),
            "next": neighbour(quarter, 1),
            "target_days": self.target_days,
            "received": sum(by_status.values()),
            "withdrawn": by_status.get(WITHDRAWN, 0),
            "answered": sum(outcomes.values()),
            "outcomes": outcomes,
            "median_days": round(statistics.median(days), 1) if days else None,
            "within_target": within,
            "obligation_threshold": self.obligation_threshold,
            "obligations": obligations,
            "change_threads": [
                {"id": i, "title": title, "created_at": public.iso(created), "links": int(links)}
                for i, title, created, links in changes
            ],
            "generated_at": public.iso(now),
        }


# (key, Korean label, English label) of the CSV's figure rows, in order.
FIGURES = (
    ("received", "접수된 제안", "Proposals received"),
    ("withdrawn", "철회된 제안", "Proposals withdrawn"),
    ("answered", "최종 답변", "Final answers"),
    ("accepted", "반영", "Accepted"),
    ("partially_accepted", "부분반영", "Partially accepted"),
    ("declined", "불채택", "Declined"),
    ("median_days", "최종 답변까지 중앙값(일)", "Median days to a final answer"),
    ("within_target", "목표 기간 안 답변", "Answered within the target"),
    ("obligations_met", "답변 의무 기한 내 이행", "Obligations met on time"),
    ("obligations_late", "답변 의무 기한 후 이행", "Obligations met late"),
    ("obligations_open", "답변 의무 미이행", "Obligations open"),
    ("change_threads", "'이렇게 바꾸었습니다' 글", "Change threads posted"),
)


def report_csv(report: dict[str, Any]) -> str:
    """The report as a spreadsheet: one row per figure (key, 한국어, English, value), then one row
    per change thread (its id as the value). Titles are public text, written as text (logcsv)."""
    values: dict[str, Any] = {
        "received": report["received"],
        "withdrawn": report["withdrawn"],
        "answered": report["answered"],
        **report["outcomes"],
        "median_days": "" if report["median_days"] is None else report["median_days"],
        "within_target": report["within_target"],
        **{f"obligations_{k}": report["obligations"][k] for k in ("met", "late", "open")},
        "change_threads": len(report["change_threads"]),
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["quarter", "key", "항목", "item", "value"])
    for key, ko, en in FIGURES:
        writer.writerow([report["quarter"], key, ko, en, values[key]])
    for thread in report["change_threads"]:
        title = " ".join(str(thread["title"]).split())
        writer.writerow([report["quarter"], "change_thread", as_text(title), as_text(title), thread["id"]])
    # A byte-order mark: Excel then reads the Korean as UTF-8.
    return "\ufeff" + out.getvalue()
