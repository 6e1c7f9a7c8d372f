"""Authors edit and withdraw what they wrote; staff correct answers; every version is kept.

An author edits their proposal's title and body until its first official answer
(`proposal_edit_until`) and their comment for `comment_edit_hours`; staff correct an answer at any
time. Each edit is a new `revision` row (the first edit also keeps the original as number 1) and
a sequenced event (`thread.updated`, `comment.edited`, `answer.edited`) in the same transaction.
An author withdraws a proposal while it has no final answer (status `withdrawn`, a
`thread.status_changed`) or deletes a comment (`comment.withdrawn`: kept in place, body null).
Edits pass the same checks as posting: length, blank text, the personal-information guard.

Each change first takes the thread's next seq (the UPDATE that holds the thread's lock), then
reads what it checks, so a concurrent answer or hide has committed by the time it decides.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.contract.errors import Conflict, ErrorCode, Invalid, NotFound
from server.contract.vocabulary import ANSWERED, PROPOSAL, WITHDRAWN, EventType
from server.domain import policy
from server.domain.posting import Posting
from server.domain.ratelimit import RateLimiter
from server.domain.reading import thread_authors
from server.domain.sanctions import Sanctions
from server.events import public
from server.events.seam import EventLog
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import Account, Answer, Comment, Revision, Thread, utcnow
from server.text.identifiers import refuse_identifiers
from server.text.validation import text

TARGETS = ("thread", "comment", "answer")


class Unchanged(Exception):
    """The edit changes nothing: its transaction rolls back (no seq, no revision)."""


class Editing:
    def __init__(
        self,
        db: Database,
        events: EventLog,
        posting: Posting,
        settings: Settings,
        limiter: RateLimiter,
        held_words: Callable[[str], list[str]] = lambda body: [],
        sanctions: Sanctions | None = None,
    ) -> None:
        self.db = db
        self.events = events
        self.posting = posting
        self.settings = settings
        self.limiter = limiter
        self.sanctions = sanctions or Sanctions(db, events, settings)
        # The words that would hold a new comment now (holds.HoldPolicy.matches): an edit must not
        # bring in what a new comment could not post without a moderator.
        self.held_words = held_words

    # --- proposals ------------------------------------------------------------------------

    async def edit_thread(self, actor: Account, thread_id: int, title: Any, body: Any) -> None:
        """The author's new title and/or body (absent: unchanged)."""
        new_title = text(title, "title", self.settings.title_max) if title is not None else None
        new_body = text(body, "body", self.settings.thread_body_max) if body is not None else None
        if new_title is None and new_body is None:
            raise Invalid("give a title or a body to change", {"body": "required"})
        if self.settings.refuse_identifiers:
            refuse_identifiers({"title": new_title, "body": new_body})
        await self.sanctions.ensure_can_write(actor)
        await self.limiter.check(actor)
        try:
            async with self.events.change() as change:
                s = change.session
                seq = await self.posting.next_seq(s, thread_id)
                thread = (await s.execute(select(Thread).where(Thread.id == thread_id))).scalars().one()
                answered = thread.kind == PROPOSAL and await self._answered(s, thread)
                policy.ensure(policy.can_edit_thread(actor, thread, answered=answered))
                title_now = new_title if new_title is not None else thread.title
                body_now = new_body if new_body is not None else thread.body
                if title_now == thread.title and body_now == thread.body:
                    raise Unchanged
                now = utcnow()
                await self._keep_original(s, "thread", thread.id, thread.revision, thread.title, thread.body,
                                          thread.author_id, thread.created_at)  # fmt: skip
                revision = thread.revision + 1
                s.add(Revision(target="thread", target_id=thread_id, number=revision, title=title_now,
                               body=body_now, editor_id=actor.id, created_at=now))  # fmt: skip
                await s.execute(
                    update(Thread)
                    .where(Thread.id == thread_id)
                    .values(title=title_now, body=body_now, edited_at=now, revision=revision)
                )
                thread.title, thread.body = title_now, body_now
                thread.edited_at, thread.revision = now, revision
                data = {"thread": public.thread_text(thread)}
                await change.append(EventType.THREAD_UPDATED, actor, data, thread_id=thread_id, seq=seq)
        except Unchanged:
            return

    async def withdraw_thread(self, actor: Account, thread_id: int) -> None:
        async with self.events.change() as change:
            s = change.session
            seq = await self.posting.next_seq(s, thread_id)
            row = (
                await s.execute(
                    select(Thread.kind, Thread.status, Thread.author_id).where(Thread.id == thread_id)
                )
            ).one()
            policy.ensure(policy.can_withdraw_thread(actor, row))
            await s.execute(
                update(Thread).where(Thread.id == thread_id).values(status=WITHDRAWN, outcome=None)
            )
            data = {"thread_id": thread_id, "status": WITHDRAWN, "outcome": None, "previous": row.status}
            await change.append(EventType.THREAD_STATUS_CHANGED, actor, data, thread_id=thread_id, seq=seq)

    async def _answered(self, s: AsyncSession, thread: Thread) -> bool:
        if self.settings.proposal_edit_until == "final_answer":
            return thread.status == ANSWERED
        first = await s.execute(select(Answer.id).where(Answer.thread_id == thread.id).limit(1))
        return first.first() is not None

    # --- comments -------------------------------------------------------------------------

    async def edit_comment(self, actor: Account, comment_id: int, body: Any) -> dict[str, Any]:
        new_body = text(body, "body", self.settings.comment_body_max)
        if self.settings.refuse_identifiers:
            refuse_identifiers({"body": new_body})
        await self.sanctions.ensure_can_write(actor)
        await self.limiter.check(actor)
        try:
            async with self.events.change() as change:
                s = change.session
                row, seq = await self._comment_locked(s, comment_id)
                window = timedelta(hours=self.settings.comment_edit_hours)
                policy.ensure(policy.can_edit_comment(actor, row, utcnow(), window))
                if (await s.execute(select(Thread.hidden).where(Thread.id == row.thread_id))).scalar():
                    # Its frame would carry the text live (the proposal's is null to the public).
                    policy.ensure(policy.thread_hidden())
                if set(self.held_words(new_body)) - set(self.held_words(row.body)):
                    raise Conflict(
                        "this edit adds words a moderator checks first at this hour: it was not saved "
                        "(post it as a new comment to have it checked)",
                        code=ErrorCode.EDIT_NEEDS_REVIEW,
                    )
                if new_body == row.body:
                    raise Unchanged
                await self._revise_body(s, "comment", row, new_body, actor)
                shown = await self._shown_comment(s, row)
                await change.append(
                    EventType.COMMENT_EDITED, actor, {"comment": shown}, thread_id=row.thread_id, seq=seq
                )
        except Unchanged:
            async with self.db.read() as s:
                row = (await s.execute(select(Comment).where(Comment.id == comment_id))).scalars().one()
                shown = await self._shown_comment(s, row)
        return {**shown, "mine": True}

    async def withdraw_comment(self, actor: Account, comment_id: int) -> dict[str, Any]:
        async with self.events.change() as change:
            s = change.session
            row, seq = await self._comment_locked(s, comment_id)
            policy.ensure(policy.can_withdraw_comment(actor, row))
            await s.execute(update(Comment).where(Comment.id == comment_id).values(withdrawn=True))
            row.withdrawn = True
            shown = await self._shown_comment(s, row)
            await change.append(
                EventType.COMMENT_WITHDRAWN, actor, {"comment": shown}, thread_id=row.thread_id, seq=seq
            )
        return {**shown, "mine": True}

    async def _comment_locked(self, s: AsyncSession, comment_id: int) -> tuple[Comment, int]:
        """The comment, read again under its thread's lock (with the seq taken): a concurrent hide
        has committed by the time the policy is asked."""
        thread_id = (await s.execute(select(Comment.thread_id).where(Comment.id == comment_id))).scalar()
        if thread_id is None:
            raise NotFound(f"comment {comment_id} does not exist")
        seq = await self.posting.next_seq(s, thread_id)
        row = (await s.execute(select(Comment).where(Comment.id == comment_id))).scalars().one()
        await s.refresh(row)
        return row, seq

    async def _shown_comment(self, s: AsyncSession, row: Comment) -> dict[str, Any]:
        authors = await thread_authors(s, row.thread_id, [row.author_id])
        return public.comment(row, authors[row.author_id])

    # --- answers --------------------------------------------------------------------------

    async def edit_answer(
        self, actor: Account, answer_id: int, body: Any, *, approved_by: Account | None = None
    ) -> dict[str, Any]:
        """Staff correct an answer; with the answer workflow (workflow.py) `actor` is the drafter
        of the revision (its editor) and `approved_by` the approver, the log row's actor."""
        policy.require_staff(actor, "correct official answers")
        new_body = text(body, "body", self.settings.thread_body_max)
        if self.settings.refuse_identifiers:
            refuse_identifiers({"body": new_body})
        try:
            async with self.events.change() as change:
                s = change.session
                thread_id = (await s.execute(select(Answer.thread_id).where(Answer.id == answer_id))).scalar()
                if thread_id is None:
                    raise NotFound(f"answer {answer_id} does not exist")
                seq = await self.posting.next_seq(s, thread_id)
                row = (await s.execute(select(Answer).where(Answer.id == answer_id))).scalars().one()
                await s.refresh(row)
                if new_body == row.body:
                    raise Unchanged
                await self._revise_body(s, "answer", row, new_body, actor)
                shown = public.answer(row, row.department or await self._department(s, row.author_id))
                data = {"answer": shown, "thread_id": thread_id}
                await change.append(
                    EventType.ANSWER_EDITED, approved_by or actor, data, thread_id=thread_id, seq=seq
                )
        except Unchanged:
            async with self.db.read() as s:
                row = (await s.execute(select(Answer).where(Answer.id == answer_id))).scalars().one()
                shown = public.answer(row, row.department or await self._department(s, row.author_id))
        return shown

    async def _department(self, s: AsyncSession, account_id: int) -> str | None:
        return (await s.execute(select(Account.department).where(Account.id == account_id))).scalar()  # type: ignore[no-any-return]

    # --- revisions ------------------------------------------------------------------------

    async def _revise_body(
        self, s: AsyncSession, target: str, row: Comment | Answer, new_body: str, actor: Account
    ) -> None:
        """A comment's or an answer's new body as its next revision (the original kept as 1)."""
        assert row.id is not None
        now = utcnow()
        original = (row.revision, None, row.body, row.author_id, row.created_at)
        await self._keep_original(s, target, row.id, *original)
        revision = row.revision + 1
        s.add(Revision(target=target, target_id=row.id, number=revision, body=new_body,
                       editor_id=actor.id, created_at=now))  # fmt: skip
        model = Comment if isinstance(row, Comment) else Answer
        await s.execute(
            update(model).where(model.id == row.id).values(body=new_body, edited_at=now, revision=revision)  # type: ignore[arg-type]
        )
        row.body, row.edited_at, row.revision = new_body, now, revision

    async def _keep_original(
        self,
        s: AsyncSession,
        target: str,
        target_id: int | None,
        revision: int,
        title: str | None,
        body: str,
        author_id: int,
        created_at: datetime,
    ) -> None:
        """Before the first edit, the original text becomes revision 1."""
        if revision == 1:
            s.add(Revision(target=target, target_id=target_id, number=1, title=title, body=body,
                           editor_id=author_id, created_at=created_at))  # fmt: skip

    async def revisions(self, target: str, target_id: int, viewer: Account | None) -> dict[str, Any]:
        """Every version, oldest first, with the author's public label only. A hidden or deleted
        comment's versions keep their times but not their text (moderators see the text)."""
        assert target in TARGETS
        async with self.db.read() as s:
            concealed = False
            content: Any
            if target == "thread":
                content = (await s.execute(select(Thread).where(Thread.id == target_id))).scalars().first()
                concealed = content is not None and content.hidden
            elif target == "comment":
                content = (await s.execute(select(Comment).where(Comment.id == target_id))).scalars().first()
                concealed = content is not None and (content.hidden or content.withdrawn)
                if content is not None and not concealed:
                    # A comment of a hidden proposal is concealed with it (v1.2).
                    thread_hidden = select(Thread.hidden).where(Thread.id == content.thread_id)
                    concealed = bool((await s.execute(thread_hidden)).scalar())
            else:
                content = (await s.execute(select(Answer).where(Answer.id == target_id))).scalars().first()
            if content is None:
                raise NotFound(f"{target} {target_id} does not exist")
            rows = list(
                (
                    await s.execute(
                        select(Revision)
                        .where(Revision.target == target, Revision.target_id == target_id)
                        .order_by(Revision.number)
                    )
                )
                .scalars()
                .all()
            )
            if target == "answer":
                editors = [r.editor_id for r in rows] + [content.author_id]
                known = select(Account.id, Account.department).where(Account.id.in_(editors))
                departments = dict((await s.execute(known)).all())
                labels = {a: public.author("staff", 0, False, d) for a, d in departments.items()}
            else:
                thread_id = content.id if target == "thread" else content.thread_id
                editors = [r.editor_id for r in rows] + [content.author_id]
                labels = await thread_authors(s, thread_id, editors)
        if not rows:
            title = content.title if target == "thread" else None
            rows = [Revision(target=target, target_id=target_id, number=1, title=title, body=content.body,
                             editor_id=content.author_id, created_at=content.created_at)]  # fmt: skip
        erased = bool(getattr(content, "erased", False))
        # An erased post's versions keep their place and times, never text: not even for staff.
        show_text = not erased and (not concealed or policy.can_see_concealed_text(viewer))
        items = []
        for row in rows:
            item: dict[str, Any] = {
                "revision": row.number,
                "body": row.body if show_text else None,
                "author": labels.get(row.editor_id),
                "created_at": public.iso(row.created_at),
            }
            if target == "thread":
                item["title"] = row.title if show_text else None
            items.append(item)
        shown: dict[str, Any] = {"target": target, "id": target_id, "items": items}
        if target == "thread" and content.hidden:
            shown["hidden"] = True
        if erased:
            shown["erased"] = True
        if target == "comment":
            shown["hidden"] = bool(content.hidden)
            shown["withdrawn"] = bool(content.withdrawn)
        return shown
