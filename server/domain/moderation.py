"""Moderating proposals (v1.2): reports on a proposal, hiding and restoring it.

A hidden proposal keeps its place and number; its title and body, and the bodies of its comments,
are null to the public in every path until it is restored (public.thread_summary, the redaction
rule's `ThreadState`, search's public text, revisions, links, notices and mails read the thread's
`hidden`). Hide and restore are sequenced events on the thread's channel (`thread.hidden`,
`thread.restored`, carrying no text), the board learns through a summary frame, and the author
is told (a `moderation` notice, appealable: actions.py). Comments are hidden by
`Discussion.moderate`, as before.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.contract.errors import Conflict, ErrorCode, Invalid, NotFound
from server.contract.vocabulary import REPORT_CATEGORIES, EventType
from server.domain import actions, policy
from server.domain.posting import Posting
from server.domain.ratelimit import RateLimiter
from server.domain.sanctions import Sanctions
from server.events import public
from server.events.seam import EventLog
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import Account, Thread, ThreadReport, utcnow
from server.text.identifiers import refuse_identifiers
from server.text.validation import text


def report_category(value: Any) -> str | None:
    """A report's optional category: one of REPORT_CATEGORIES, else 422."""
    if value is None:
        return None
    if value not in REPORT_CATEGORIES:
        raise Invalid(f"category must be one of {', '.join(REPORT_CATEGORIES)}", {"category": "unknown"})
    return str(value)


class ThreadModeration:
    def __init__(
        self,
        db: Database,
        events: EventLog,
        posting: Posting,
        settings: Settings,
        limiter: RateLimiter,
        sanctions: Sanctions,
    ) -> None:
        self.db = db
        self.events = events
        self.posting = posting
        self.settings = settings
        self.limiter = limiter
        self.sanctions = sanctions

    async def moderate(self, actor: Account, thread_id: int, hide: bool, reason: Any) -> dict[str, Any]:
        """Hide (a reason is required) or restore a thread."""
        policy.require_moderator(actor, "hide or restore proposals")
        reason = text(reason, "reason", self.settings.report_reason_max) if hide or reason else None
        if self.settings.refuse_identifiers:
            # Public: the hidden proposal's placeholder shows it, and the author is told it.
            refuse_identifiers({"reason": reason})
        async with self.events.change() as change:
            s = change.session
            exists = (await s.execute(select(Thread.id).where(Thread.id == thread_id))).scalar()  # type: ignore[call-overload]
            if exists is None:
                raise NotFound(f"thread {thread_id} does not exist")
            # The seq first: it takes the thread's lock, so a concurrent hide/restore has committed.
            seq = await self.posting.next_seq(s, thread_id)
            thread = (await s.execute(select(Thread).where(Thread.id == thread_id))).scalars().one()  # type: ignore[arg-type]
            await s.refresh(thread)
            policy.ensure(policy.can_hide_thread(thread, hide=hide))
            await s.execute(
                update(Thread)
                .where(Thread.id == thread_id)  # type: ignore[arg-type]
                .values(hidden=hide, hidden_reason=reason if hide else None)
            )
            await s.execute(
                update(ThreadReport)
                .where(ThreadReport.thread_id == thread_id, ThreadReport.resolution.is_(None))  # type: ignore[arg-type,union-attr]
                .values(resolution="hidden" if hide else "restored", resolved_at=utcnow())
            )
            if hide:
                assert reason is not None
                await actions.record(
                    s,
                    kind=actions.THREAD,
                    target_id=thread_id,
                    thread_id=thread_id,
                    account_id=thread.author_id,
                    action=actions.HIDDEN,
                    reason=reason,
                )
            else:
                await actions.undo(s, actions.THREAD, thread_id)
            data = {"thread_id": thread_id, "hidden": hide, "reason": reason}
            event = EventType.THREAD_HIDDEN if hide else EventType.THREAD_RESTORED
            await change.append(event, actor, data, thread_id=thread_id, seq=seq)
        return {"thread_id": thread_id, "hidden": hide, "reason": reason, "seq": seq}

    async def report(
        self, actor: Account, thread_id: int, reason: Any, category: Any = None
    ) -> dict[str, Any]:
        reason = text(reason, "reason", self.settings.report_reason_max)
        category = report_category(category)
        await self.sanctions.ensure_can_write(actor)
        await self.limiter.check(actor)
        async with self.events.change() as change:
            s = change.session
            if (await s.execute(select(Thread.id).where(Thread.id == thread_id))).scalar() is None:  # type: ignore[call-overload]
                raise NotFound(f"thread {thread_id} does not exist")
            created_at = utcnow()
            dialect = postgresql if self.db.dialect == "postgresql" else sqlite
            values = {
                "thread_id": thread_id,
                "account_id": actor.id,
                "reason": reason,
                "category": category,
                "created_at": created_at,
            }
            report_id = (
                await s.execute(
                    dialect.insert(ThreadReport)
                    .values(**values)
                    .on_conflict_do_nothing()
                    .returning(ThreadReport.id)  # type: ignore[attr-defined]
                )
            ).scalar()
            if report_id is None:
                raise Conflict("you have already reported this proposal", code=ErrorCode.ALREADY_REPORTED)
            payload = {"report_id": report_id, "target": "thread", "thread_id": thread_id,
                       "reason": reason, "category": category}  # fmt: skip
            await change.append(EventType.REPORT_FILED, actor, payload, thread_id=thread_id)
        return {
            "id": report_id,
            "thread_id": thread_id,
            "reason": reason,
            "category": category,
            "created_at": public.iso(created_at),
        }
