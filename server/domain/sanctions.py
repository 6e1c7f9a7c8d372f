"""Sanctions without unmasking: a moderator suspends "whoever wrote this post".

The moderator names a post, never an account, and is never told whose it is: the answer says
when the suspension ends and, when the author was already suspended (from another post), that it
was extended from when ("already suspended until …"). The author is told by a `moderation` notice
(notices.py) and may appeal (appeals.py). Log rows (`author.suspended`,
`author.suspension_lifted`) carry the post and the suspension's id, never the account.

While suspended an author reads as before; every write (`ensure_can_write`) answers 403
`suspended` with the end.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.contract.errors import Conflict, ErrorCode, Invalid, NotFound
from server.contract.vocabulary import EventType
from server.domain import actions, policy
from server.events import public
from server.events.seam import EventLog
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import Account, Comment, Suspension, Thread, utcnow
from server.text.identifiers import refuse_identifiers
from server.text.validation import text

POST_KINDS = ("thread", "comment")
# A year: longer than that is not a suspension but an account to disable (an admin's decision).
DAYS_MAX = 365


class Sanctions:
    def __init__(self, db: Database, events: EventLog, settings: Settings) -> None:
        self.db = db
        self.events = events
        self.settings = settings

    async def ensure_can_write(self, account: Account) -> None:
        """403 `suspended` (with the end) while the account is suspended."""
        policy.ensure(policy.can_write_while(await self.suspended_until(account.id), utcnow()))

    async def suspended_until(self, account_id: int | None) -> datetime | None:
        if account_id is None:
            return None
        async with self.db.read() as s:
            return await _in_force_until(s, account_id)

    async def suspend(
        self, moderator: Account, kind: str, post_id: int, days: Any, reason: Any
    ) -> dict[str, Any]:
        """Suspend the post's author for `days` (from now, or from the end of the suspension
        already in force, which is then extended)."""
        policy.require_moderator(moderator, "suspend authors")
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= DAYS_MAX:
            raise Invalid(f"days must be a whole number from 1 to {DAYS_MAX}", {"days": "out_of_range"})
        reason = self._reason(reason)
        async with self.events.change() as change:
            s = change.session
            author_id, thread_id = await _post_author(s, kind, post_id)
            now = utcnow()
            current = (
                (
                    await s.execute(
                        select(Suspension)
                        .where(
                            Suspension.account_id == author_id,  # type: ignore[arg-type]
                            Suspension.lifted_at.is_(None),  # type: ignore[union-attr]
                            Suspension.until > now,  # type: ignore[arg-type]
                        )
                        .order_by(Suspension.until.desc())  # type: ignore[attr-defined]
                        .limit(1)
                        .with_for_update()
                    )
                )
                .scalars()
                .first()
            )
            already: datetime | None = None
            if current is not None:
                already = _aware(current.until)
                until = already + timedelta(days=days)
                await s.execute(update(Suspension).where(Suspension.id == current.id).values(until=until))  # type: ignore[arg-type]
                suspension_id = current.id
            else:
                until = now + timedelta(days=days)
                row = Suspension(
                    account_id=author_id,
                    post_kind=kind,
                    post_id=post_id,
                    thread_id=thread_id,
                    reason=reason,
                    until=until,
                    created_at=now,
                )
                s.add(row)
                await s.flush()
                suspension_id = row.id
            assert suspension_id is not None
            await actions.record(
                s,
                kind=actions.SUSPENSION,
                target_id=suspension_id,
                thread_id=thread_id,
                account_id=author_id,
                action=actions.SUSPENDED,
                reason=reason,
            )
            shown = {
                "post": {"kind": kind, "id": post_id},
                "suspension_id": suspension_id,
                "days": days,
                "until": public.iso(until),
                "already_suspended_until": public.iso(already) if already is not None else None,
                "reason": reason,
            }
            await change.append(EventType.AUTHOR_SUSPENDED, moderator, shown, thread_id=thread_id)
        return shown

    async def lift(self, moderator: Account, kind: str, post_id: int, reason: Any = None) -> dict[str, Any]:
        """Lift the suspension in force of the post's author (set from whichever post)."""
        policy.require_moderator(moderator, "lift suspensions")
        async with self.events.change() as change:
            s = change.session
            author_id, thread_id = await _post_author(s, kind, post_id)
            suspension_id = await self.lift_in(s, author_id)
            if suspension_id is None:
                raise Conflict("the author of this post is not suspended", code=ErrorCode.NOT_SUSPENDED)
            shown = await self._lifted(
                change, moderator, suspension_id, thread_id, reason, {"kind": kind, "id": post_id}
            )
        return shown

    async def lift_by_id(self, moderator: Account, suspension_id: int, reason: Any = None) -> dict[str, Any]:
        """Lift one suspension (a reversed appeal names the suspension, not a post)."""
        async with self.events.change() as change:
            s = change.session
            row = (
                (await s.execute(select(Suspension).where(Suspension.id == suspension_id))).scalars().first()  # type: ignore[arg-type]
            )
            if row is None:
                raise NotFound(f"suspension {suspension_id} does not exist")
            if row.lifted_at is not None or _aware(row.until) <= utcnow():
                raise Conflict("the suspension is no longer in force", code=ErrorCode.NOT_SUSPENDED)
            await s.execute(
                update(Suspension).where(Suspension.id == suspension_id).values(lifted_at=utcnow())  # type: ignore[arg-type]
            )  # type: ignore[arg-type]
            await actions.undo(s, actions.SUSPENSION, suspension_id)
            post = {"kind": row.post_kind, "id": row.post_id}
            shown = await self._lifted(change, moderator, suspension_id, row.thread_id, reason, post)
        return shown

    async def lift_in(self, s: AsyncSession, account_id: int) -> int | None:
        """Lift the account's suspension in force, in the caller's transaction; its id."""
        now = utcnow()
        row = (
            await s.execute(
                update(Suspension)  # type: ignore[call-overload]
                .where(
                    Suspension.account_id == account_id,  # type: ignore[arg-type]
                    Suspension.lifted_at.is_(None),  # type: ignore[union-attr]
                    Suspension.until > now,  # type: ignore[arg-type]
                )
                .values(lifted_at=now)
                .returning(Suspension.id)
            )
        ).first()
        if row is None:
            return None
        await actions.undo(s, actions.SUSPENSION, int(row[0]))
        return int(row[0])

    async def _lifted(
        self,
        change: Any,
        moderator: Account,
        suspension_id: int,
        thread_id: int,
        reason: Any,
        post: dict[str, Any],
    ) -> dict[str, Any]:
        reason = self._reason(reason) if reason else None
        shown = {"post": post, "suspension_id": suspension_id, "lifted": True, "reason": reason}
        await change.append(EventType.AUTHOR_SUSPENSION_LIFTED, moderator, shown, thread_id=thread_id)
        return shown

    def _reason(self, reason: Any) -> str:
        reason = text(reason, "reason", self.settings.report_reason_max)
        if self.settings.refuse_identifiers:
            # Told to the author and shown to staff: screened as posts are.
            refuse_identifiers({"reason": reason})
        return reason


async def _post_author(s: AsyncSession, kind: str, post_id: int) -> tuple[int, int]:
    """(author's account id, thread id) of a post; 404 when there is no such post."""
    if kind == "thread":
        row = (await s.execute(select(Thread.author_id, Thread.id).where(Thread.id == post_id))).first()  # type: ignore[call-overload]
    elif kind == "comment":
        row = (
            await s.execute(select(Comment.author_id, Comment.thread_id).where(Comment.id == post_id))  # type: ignore[call-overload]
        ).first()
    else:
        raise NotFound(f"no such kind of post: {kind}")
    if row is None:
        raise NotFound(f"{kind} {post_id} does not exist")
    return int(row[0]), int(row[1])


async def _in_force_until(s: AsyncSession, account_id: int) -> datetime | None:
    until = (
        await s.execute(
            select(func.max(Suspension.until)).where(
                Suspension.account_id == account_id,  # type: ignore[arg-type]
                Suspension.lifted_at.is_(None),  # type: ignore[union-attr]
            )
        )
    ).scalar()
    return _aware(until) if until is not None else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
