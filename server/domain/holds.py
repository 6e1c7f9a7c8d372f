"""Pre-moderation: outside office hours, comments with configured words wait for a moderator.

A held comment is not a comment yet: it has no seq and no place in the thread. Releasing it
inserts the comment then, taking the thread's next seq in the release transaction, so the
thread's seqs stay gap-free and in commit order; rejecting it leaves the thread untouched. Both
are moderator actions written to the event log, like the hold itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import insert, select, update

from server.contract.errors import Conflict, ErrorCode, Invalid, NotFound
from server.contract.vocabulary import EventType
from server.domain import actions, policy
from server.domain.attachments import Attachments
from server.domain.posting import Posting
from server.events import public
from server.events.seam import EventLog
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import Account, HeldComment, Thread, utcnow
from server.text.identifiers import refuse_identifiers
from server.text.plaintext import fold
from server.text.validation import text

KST = timezone(timedelta(hours=9), "KST")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# English only, for logs and scripts; the apps show their own words for `held: true`.
HELD_MESSAGE = "Posted outside office hours: a moderator will check it before it goes live."


@dataclass(frozen=True)
class HoldPolicy:
    """When a comment waits: the feature is on, it is outside office hours (KST), and a word matches."""

    enabled: bool
    words: tuple[str, ...]
    opens: time
    closes: time
    days: frozenset[int]

    @classmethod
    def from_settings(cls, settings: Settings) -> HoldPolicy:
        try:
            start, end = (part.strip() for part in settings.office_hours.split("-"))
            opens, closes = _clock(start), _clock(end)
        except ValueError:
            raise ValueError(
                f"TONG_OFFICE_HOURS must look like 09:00-18:00, not {settings.office_hours!r}"
            ) from None
        unknown = [d for d in settings.office_days if d.lower()[:3] not in WEEKDAYS]
        if unknown:
            raise ValueError(f"TONG_OFFICE_DAYS: unknown day(s) {', '.join(unknown)}; use mon..sun")
        days = frozenset(WEEKDAYS.index(d.lower()[:3]) for d in settings.office_days)
        words = tuple(fold(w).strip().casefold() for w in settings.hold_words if fold(w).strip())
        return cls(settings.hold_enabled, words, opens, closes, days)

    def in_office_hours(self, moment: datetime) -> bool:
        local = moment.astimezone(KST)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def matches(self, body: str, moment: datetime | None = None) -> list[str]:
        """The configured words in `body` when the comment must wait; empty when it goes live."""
        if not self.enabled or not self.words or self.in_office_hours(moment or utcnow()):
            return []
        # Folded as the identifier guard folds: a zero-width space or a full-width letter inside
        # a word does not get it past the hold; nor do spaces ("사 기").
        folded = fold(body).casefold()
        squeezed = "".join(folded.split())
        return [w for w in self.words if w in folded or "".join(w.split()) in squeezed]


def _clock(value: str) -> time:
    if value in ("24:00", "24"):
        return time.max
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes or 0))


class Holds:
    def __init__(
        self,
        db: Database,
        events: EventLog,
        posting: Posting,
        hold_policy: HoldPolicy,
        settings: Settings,
        attachments: Attachments | None = None,
    ) -> None:
        self.db = db
        self.events = events
        self.posting = posting
        self.policy = hold_policy
        self.settings = settings
        self.attachments = attachments

    def matches(self, body: str) -> list[str]:
        return self.policy.matches(body)

    async def hold(
        self,
        actor: Account,
        thread_id: int,
        body: str,
        parent_id: int | None,
        words: list[str],
        attachment_ids: list[int] | None = None,
    ) -> dict[str, Any]:
        """Keep the comment for a moderator; the author gets `held: true` (HTTP 202)."""
        now = utcnow()
        async with self.events.change() as change:
            s = change.session
            if (await s.execute(select(Thread.id).where(Thread.id == thread_id))).scalar() is None:
                raise NotFound(f"thread {thread_id} does not exist")
            await self.posting.check_parent(s, thread_id, parent_id)
            values = {
                "thread_id": thread_id,
                "parent_id": parent_id,
                "author_id": actor.id,
                "body": body,
                "words": ",".join(words)[:400],
                "created_at": now,
            }
            held_id = (
                await s.execute(insert(HeldComment).values(**values).returning(HeldComment.id))
            ).scalar_one()  # type: ignore[arg-type]
            payload: dict[str, Any] = {
                "held_id": held_id,
                "parent_id": parent_id,
                "body": body,
                "words": words,
            }
            if attachment_ids and self.attachments is not None:
                # The files wait with the comment: released, they move to it; rejected, erased.
                files = await self.attachments.attach(s, actor, attachment_ids, "held", held_id, thread_id)
                payload["attachments"] = files
            await change.append(EventType.COMMENT_HELD, actor, payload, thread_id=thread_id)
        return {
            "held": True,
            "id": held_id,
            "thread_id": thread_id,
            "parent_id": parent_id,
            "body": body,
            "created_at": public.iso(now),
            "message": HELD_MESSAGE,
        }

    async def pending(self, limit: int = 200) -> dict[str, Any]:
        """Held comments waiting for a moderator, oldest first (moderators see the body)."""
        async with self.db.read() as s:
            rows = (
                await s.execute(
                    select(HeldComment, Thread.title, Account.kind)
                    .join(Thread, Thread.id == HeldComment.thread_id)
                    .join(Account, Account.id == HeldComment.author_id)
                    .where(HeldComment.resolution.is_(None))  # type: ignore[union-attr]
                    .order_by(HeldComment.id)  # type: ignore[arg-type]
                    .limit(limit)
                )
            ).all()
        items = [
            {
                "id": held.id,
                "thread": {"id": held.thread_id, "title": title},
                "parent_id": held.parent_id,
                "body": held.body,
                "words": [w for w in held.words.split(",") if w],
                "author": {"kind": kind, "key": public.actor_key(self.events.secret, held.author_id)},
                "created_at": public.iso(held.created_at),
            }
            for held, title, kind in rows
        ]
        return {"items": items}

    async def release(
        self, moderator: Account, held_id: int, reason: Any, *, rejected: bool = False
    ) -> dict[str, Any]:
        """Publish the held comment now, with the thread's next seq. `rejected`: a reversed appeal
        releases a comment that was rejected."""
        policy.require_moderator(moderator, "release or reject held comments")
        reason = self._reason(reason, required=False)
        async with self.events.change() as change:
            s = change.session
            held = await self._claim(s, held_id, "released", was="rejected" if rejected else None)
            if rejected:
                await actions.undo(s, actions.HELD, held_id)
            author = (await s.execute(select(Account).where(Account.id == held.author_id))).scalars().one()

            async def attach(s: Any, comment_id: int) -> list[dict[str, Any]]:
                return await Attachments.move(s, "held", held_id, "comment", comment_id)

            shown = await self.posting.insert_comment(
                change, author, held.thread_id, held.body, held.parent_id, attach
            )
            await s.execute(
                update(HeldComment).where(HeldComment.id == held_id).values(comment_id=shown["id"])  # type: ignore[arg-type]
            )
            payload = {"held_id": held_id, "comment_id": shown["id"], "seq": shown["seq"], "reason": reason}
            await change.append(EventType.COMMENT_RELEASED, moderator, payload, thread_id=held.thread_id)
        return {"held_id": held_id, "released": True, "comment": shown}

    async def reject(self, moderator: Account, held_id: int, reason: Any) -> dict[str, Any]:
        """Drop the held comment; it never reaches the thread (the log keeps the decision)."""
        policy.require_moderator(moderator, "release or reject held comments")
        reason = self._reason(reason, required=True)
        async with self.events.change() as change:
            held = await self._claim(change.session, held_id, "rejected")
            assert reason is not None
            # Its author is told and may appeal (actions.py, notices.py).
            await actions.record(
                change.session,
                kind=actions.HELD,
                target_id=held_id,
                thread_id=held.thread_id,
                account_id=held.author_id,
                action=actions.REJECTED,
                reason=reason,
            )
            payload = {"held_id": held_id, "reason": reason}
            await change.append(EventType.COMMENT_REJECTED, moderator, payload, thread_id=held.thread_id)
        if self.attachments is not None:
            await self.attachments.erase_post("held", held_id)
        return {"held_id": held_id, "rejected": True}

    async def _claim(self, s: Any, held_id: int, resolution: str, was: str | None = None) -> HeldComment:
        """Mark the held comment resolved; a second moderator deciding at the same time gets 409."""
        held = (await s.execute(select(HeldComment).where(HeldComment.id == held_id))).scalars().first()
        if held is None:
            raise NotFound(f"held comment {held_id} does not exist")
        claimed = (
            await s.execute(
                update(HeldComment)
                .where(
                    HeldComment.id == held_id,  # type: ignore[arg-type]
                    HeldComment.resolution.is_(None) if was is None else HeldComment.resolution == was,  # type: ignore[union-attr]
                )
                .values(resolution=resolution, resolved_at=utcnow())
                .returning(HeldComment.id)
            )
        ).first()
        if claimed is None:
            raise Conflict(
                f"held comment {held_id} was already {held.resolution or 'decided'}",
                code=ErrorCode.ALREADY_DECIDED,
            )
        return held  # type: ignore[no-any-return]

    def _reason(self, reason: str | None, *, required: bool) -> str | None:
        if reason is None or not reason.strip():
            if required:
                raise Invalid("a reason is required", {"reason": "required"})
            return None
        reason = text(reason, "reason", self.settings.report_reason_max)
        if self.settings.refuse_identifiers:
            # Told to the comment's author and kept in the log: screened as comments are.
            refuse_identifiers({"reason": reason})
        return reason
