"""Answer obligations kept or not (v1.2): of the proposals that reached the threshold
(`thread.answer_due`, set by domain/obligation.py), how many got their first final answer on or
before their due date (met), after it (late), or have none yet (open; `overdue` is the part of
those past their date). Withdrawn proposals leave the count; an interim answer does not meet it.

Counted per KST quarter of the due date: "of the obligations falling due in 2026-Q4, 3 were met
on time". The public answer record and the quarterly report both read `count_obligations`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select

from server.contract.vocabulary import WITHDRAWN
from server.store.models import Answer, Thread

KST = timezone(timedelta(hours=9), "KST")
KINDS = ("met", "late", "open")


def final_answers() -> Any:
    """Each thread's first final answer (one with an outcome): the moment the answer clock stops
    and an obligation is met or late. The one definition of a final answer for every figure."""
    return (
        select(Answer.thread_id, func.min(Answer.created_at).label("answered_at"))
        .where(Answer.outcome.is_not(None))  # type: ignore[union-attr]
        .group_by(Answer.thread_id)
        .subquery()
    )


def quarter_of_date(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def kst_date(moment: datetime) -> date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(KST).date()


async def count_obligations(
    s: Any, today: date, due_from: date | None = None, due_before: date | None = None
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """({"met", "late", "open", "overdue"}, per-quarter rows oldest first) over the obligations
    whose due date is in [due_from, due_before) (every one when unbounded)."""
    final = final_answers()
    query = (
        select(Thread.answer_due, final.c.answered_at)
        .outerjoin(final, final.c.thread_id == Thread.id)
        .where(Thread.answer_due.is_not(None), Thread.status != WITHDRAWN)  # type: ignore[union-attr]
    )
    if due_from is not None:
        query = query.where(Thread.answer_due >= due_from)  # type: ignore[operator]
    if due_before is not None:
        query = query.where(Thread.answer_due < due_before)  # type: ignore[operator]
    totals = {"met": 0, "late": 0, "open": 0, "overdue": 0}
    quarters: dict[str, dict[str, Any]] = {}
    for due, answered_at in (await s.execute(query)).all():
        kind = "open" if answered_at is None else "met" if kst_date(answered_at) <= due else "late"
        quarter = quarter_of_date(due)
        row = quarters.setdefault(quarter, {"quarter": quarter, **dict.fromkeys(KINDS, 0), "overdue": 0})
        for counted in (totals, row):
            counted[kind] += 1
            if kind == "open" and due < today:
                counted["overdue"] += 1
    return totals, [quarters[q] for q in sorted(quarters)]
