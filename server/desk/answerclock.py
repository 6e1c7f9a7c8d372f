"""The answer clock: proposals waiting for an official (final) answer, and public answer times.

A proposal waits from the moment it is posted until a staff answer with an outcome; an interim
answer (검토중) does not stop the clock. The target (`TONG_ANSWER_TARGET_DAYS`, 14 by default) is
the service's promise to the public, so the public figures are computed against it too.

`public_stats` is the one computation of the figures: the staff dashboard's answer tab and the
public record page (/record, the board's header line) both show what it returns, and the staff
answer clock counts waiting and overdue proposals with the same `_waiting_counts`.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select

from server.contract.vocabulary import ANSWERED, OUTCOMES, PROPOSAL, WITHDRAWN
from server.desk.obligations import count_obligations, final_answers, kst_date
from server.events import public
from server.store.database import Database
from server.store.models import Answer, Thread, utcnow

DAY_S = 86_400.0
# The public figures change slowly and the board may ask often: computed at most once a minute.
PUBLIC_CACHE_S = 60.0
RECENT_DAYS = 90
# Quarters are Korean calendar quarters (an answer at 08:00 KST on 1 April is in Q2).
KST = timezone(timedelta(hours=9), "KST")
# The public record shows this many recent quarters (with answers) at most.
QUARTERS_SHOWN = 8


def quarter_of(moment: datetime) -> str:
    local = _aware(moment).astimezone(KST)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _days(start: datetime, end: datetime) -> float:
    return (_aware(end) - _aware(start)).total_seconds() / DAY_S


class AnswerClock:
    def __init__(self, db: Database, target_days: int, obligation_threshold: int = 0) -> None:
        self.db = db
        self.target_days = target_days
        self.obligation_threshold = obligation_threshold
        self._public: tuple[float, dict[str, Any]] | None = None

    async def waiting(self, limit: int = 200) -> dict[str, Any]:
        """Unanswered proposals, oldest first, with their age against the target."""
        now = utcnow()
        interim = (
            select(
                Answer.thread_id,
                func.count().label("answers"),
                func.max(Answer.created_at).label("last_answer_at"),
            )
            .group_by(Answer.thread_id)
            .subquery()
        )
        async with self.db.read() as s:
            rows = (
                await s.execute(
                    select(Thread, interim.c.answers, interim.c.last_answer_at)
                    .outerjoin(interim, interim.c.thread_id == Thread.id)
                    .where(*WAITING)
                    .order_by(Thread.created_at, Thread.id)  # type: ignore[arg-type]
                    .limit(limit)
                )
            ).all()
            total, overdue = await self._waiting_counts(s, now)
        items = []
        for thread, answers, last_answer_at in rows:
            age = _days(thread.created_at, now)
            items.append(
                {
                    "id": thread.id,
                    "title": thread.title,
                    "status": thread.status,
                    "created_at": public.iso(thread.created_at),
                    "due_at": public.iso(_aware(thread.created_at) + timedelta(days=self.target_days)),
                    "age_days": round(age, 2),
                    "overdue": self._overdue(thread.created_at, now),
                    "interim_answers": answers or 0,
                    "last_answer_at": public.iso(last_answer_at) if last_answer_at else None,
                    "recommendations": thread.recommendation_count,
                    "comments": thread.comment_count,
                    # The answer obligation's date, when recommendations reached the threshold.
                    "answer_due": thread.answer_due.isoformat() if thread.answer_due else None,
                }
            )
        return {"target_days": self.target_days, "total": total, "overdue": overdue, "items": items}

    def _overdue(self, created: datetime, now: datetime) -> bool:
        return _aware(created) <= now - timedelta(days=self.target_days)

    async def _waiting_counts(self, s: Any, now: datetime) -> tuple[int, int]:
        """(waiting, overdue): proposals without a final answer, and those past the target."""
        total = (await s.execute(select(func.count()).where(*WAITING))).scalar_one()
        overdue = (
            await s.execute(
                select(func.count()).where(
                    *WAITING,
                    Thread.created_at <= now - timedelta(days=self.target_days),  # type: ignore[operator]
                )
            )
        ).scalar_one()
        return int(total), int(overdue)

    async def public_stats(self) -> dict[str, Any]:
        """Median days to a final answer and the share answered within the target (cached a minute)."""
        cached = self._public
        if cached is not None and time.monotonic() - cached[0] < PUBLIC_CACHE_S:
            return cached[1]
        now = utcnow()
        final = final_answers()
        first = (
            select(Answer.thread_id, func.min(Answer.created_at).label("first_at"))
            .group_by(Answer.thread_id)
            .subquery()
        )
        async with self.db.read() as s:
            answered = (
                await s.execute(
                    select(Thread.created_at, final.c.answered_at, Thread.outcome).join(
                        final, final.c.thread_id == Thread.id
                    )
                )
            ).all()
            responded = (
                await s.execute(
                    select(Thread.created_at, first.c.first_at).join(first, first.c.thread_id == Thread.id)
                )
            ).all()
            waiting, overdue = await self._waiting_counts(s, now)
            obligations, obligation_quarters = await count_obligations(s, kst_date(now))
        days = [_days(created, at) for created, at, _ in answered]
        recent_from = now - timedelta(days=RECENT_DAYS)
        recent = [_days(created, at) for created, at, _ in answered if _aware(at) >= recent_from]
        first_days = [_days(created, at) for created, at in responded]
        within = sum(d <= self.target_days for d in days)
        result = {
            "target_days": self.target_days,
            "answered": len(days),
            "median_days": _median(days),
            "median_days_recent": _median(recent),
            "recent_days": RECENT_DAYS,
            "answered_recent": len(recent),
            "within_target": within,
            "within_target_share": round(within / len(days), 3) if days else None,
            "median_days_first_response": _median(first_days),
            "waiting": waiting,
            "overdue": overdue,
            "quarters": _quarters([(at, outcome) for _, at, outcome in answered]),
            # v1.2: proposals past the recommendation threshold, answered by their due date or not.
            "obligation_threshold": self.obligation_threshold,
            "obligations": obligations,
            "obligation_quarters": obligation_quarters[-QUARTERS_SHOWN:],
            "generated_at": public.iso(now),
        }
        self._public = (time.monotonic(), result)
        return result


# A withdrawn proposal waits for nothing any more.
WAITING = (Thread.kind == PROPOSAL, Thread.status.not_in((ANSWERED, WITHDRAWN)))


def _quarters(finals: list[tuple[datetime, str | None]]) -> list[dict[str, Any]]:
    """Final answers per quarter (of the first final answer) by the proposal's outcome, oldest
    first, the last `QUARTERS_SHOWN` quarters that have any."""
    counted: dict[str, dict[str, Any]] = {}
    for at, outcome in finals:
        if outcome not in OUTCOMES:
            continue  # answered once, since withdrawn or reopened: no outcome to count
        quarter = quarter_of(at)
        row = counted.setdefault(quarter, {"quarter": quarter, **dict.fromkeys(OUTCOMES, 0), "total": 0})
        row[outcome] += 1
        row["total"] += 1
    return [counted[q] for q in sorted(counted)[-QUARTERS_SHOWN:]]


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None
