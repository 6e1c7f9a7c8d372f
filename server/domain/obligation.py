"""The answer obligation (v1.2): a proposal whose recommendations reach
`TONG_ANSWER_OBLIGATION_RECOMMENDATIONS` must get a final answer by `answer_due`, the KST date
`TONG_ANSWER_TARGET_DAYS` after the moment it did.

The date is set once, by the recommendation that reaches the threshold, inside that
recommendation's transaction: the count's UPDATE already holds the thread's row lock (PostgreSQL)
or the write lock (SQLite), and the date is written only `WHERE answer_due IS NULL`, so however
many recommendations cross at once, in one group commit or in several processes, exactly one sets
it and sends the sequenced `thread.answer_due`. Once set it stays, even if recommendations later
drop below the threshold: the promise was made in public. A proposal already answered or
withdrawn takes no obligation. Whether it was met is the answer record's (desk/answerclock.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import bindparam, update

from server.contract.vocabulary import ANSWERED, PROPOSAL, WITHDRAWN, EventType
from server.domain.posting import Posting
from server.events.seam import Change
from server.store.models import Thread, utcnow

# Due dates are Korean calendar dates: crossing at 23:30 KST on 10 December with 14 days gives
# 24 December, whatever UTC says.
KST = timezone(timedelta(hours=9), "KST")

THREADS: Any = Thread.__table__  # type: ignore[attr-defined]
# Built once: the recommendation storm path runs it whenever a count is at or past the threshold.
TAKE = (
    update(THREADS)
    .where(
        THREADS.c.id == bindparam("thread"),
        THREADS.c.answer_due.is_(None),
        THREADS.c.kind == PROPOSAL,
        THREADS.c.status.not_in((ANSWERED, WITHDRAWN)),
    )
    .values(answer_due=bindparam("due"))
    .returning(THREADS.c.id)
)


def due_date(moment: datetime, target_days: int) -> date:
    """The KST date `target_days` after `moment`."""
    return moment.astimezone(KST).date() + timedelta(days=target_days)


class Obligation:
    def __init__(self, posting: Posting, threshold: int, target_days: int) -> None:
        self.posting = posting
        # 0: no obligation.
        self.threshold = threshold
        self.target_days = target_days

    async def on_count(self, change: Change, thread_id: int, count: int) -> None:
        """A proposal's recommendation count rose to `count` in this change: at or past the
        threshold, the first such change sets `answer_due` and tells the thread's channel."""
        if not self.threshold or count < self.threshold:
            return
        now = utcnow()
        due = due_date(now, self.target_days)
        s = change.session
        if (await s.execute(TAKE, {"thread": thread_id, "due": due})).first() is None:
            return  # already due (or not a proposal open to one): nothing happens
        seq = await self.posting.next_seq(s, thread_id, now=now)
        data = {
            "thread_id": thread_id,
            "answer_due": due.isoformat(),
            "recommendations": count,
            "threshold": self.threshold,
        }
        await change.append(EventType.THREAD_ANSWER_DUE, None, data, thread_id=thread_id, seq=seq)
