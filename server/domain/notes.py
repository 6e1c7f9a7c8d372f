"""Internal notes (v1.2): staff discuss a proposal, or one of its draft answers, where nobody
outside sees it.

A note is never public: its log rows (`note.added`, `note.edited`) carry no seq, so they reach
the staff channel, the staff log and its exports, never a thread channel, a replay, the board,
search or a notice (none of those reads unsequenced rows or this table).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from server.contract.errors import ErrorCode, Forbidden, Invalid, NotFound
from server.contract.vocabulary import PROPOSAL, EventType
from server.domain import policy
from server.events import public
from server.events.seam import EventLog
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import Account, AnswerDraft, StaffNote, Thread, utcnow
from server.text.validation import text


def staff_ref(account: Account | None) -> dict[str, Any] | None:
    """A staff account as the workflow's views name it to other staff (never to the public)."""
    if account is None:
        return None
    return {"id": account.id, "login": account.login, "department": account.department}


def shown(row: StaffNote, author: Account | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "thread_id": row.thread_id,
        "draft_id": row.draft_id,
        "body": row.body,
        "author": staff_ref(author),
        "created_at": public.iso(row.created_at),
        "edited_at": public.iso(row.edited_at) if row.edited_at else None,
        "revision": row.revision,
    }


class Notes:
    def __init__(self, db: Database, events: EventLog, settings: Settings) -> None:
        self.db = db
        self.events = events
        self.settings = settings

    async def add(
        self, actor: Account, thread_id: int, body: Any, draft_id: int | None = None
    ) -> dict[str, Any]:
        policy.require_staff(actor, "write internal notes")
        body = text(body, "body", self.settings.thread_body_max)
        async with self.events.change() as change:
            s = change.session
            kind = (await s.execute(select(col(Thread.kind)).where(col(Thread.id) == thread_id))).scalar()
            if kind is None:
                raise NotFound(f"thread {thread_id} does not exist")
            if kind != PROPOSAL:
                raise Invalid("notes are kept on proposals", {"thread": "not_a_proposal"})
            if draft_id is not None:
                on = (
                    await s.execute(select(col(AnswerDraft.thread_id)).where(col(AnswerDraft.id) == draft_id))
                ).scalar()
                if on != thread_id:
                    raise Invalid(f"draft {draft_id} is not an answer of this proposal", {"draft": "unknown"})
            row = StaffNote(thread_id=thread_id, draft_id=draft_id, author_id=actor.id, body=body)  # type: ignore[arg-type]
            s.add(row)
            await s.flush()
            note = shown(row, actor)
            await change.append(EventType.NOTE_ADDED, actor, {"note": note}, thread_id=thread_id)
        return note

    async def edit(self, actor: Account, note_id: int, body: Any) -> dict[str, Any]:
        """Its author edits a note; the log keeps every version (`note.edited`)."""
        policy.require_staff(actor, "edit internal notes")
        body = text(body, "body", self.settings.thread_body_max)
        async with self.events.change() as change:
            s = change.session
            row = (await s.execute(select(StaffNote).where(col(StaffNote.id) == note_id))).scalars().first()
            if row is None:
                raise NotFound(f"note {note_id} does not exist")
            if row.author_id != actor.id:
                raise Forbidden("only its author may edit a note", code=ErrorCode.NOT_AUTHOR)
            now, revision = utcnow(), row.revision + 1
            await s.execute(
                update(StaffNote)
                .where(col(StaffNote.id) == note_id)
                .values(body=body, edited_at=now, revision=revision)
            )
            row.body, row.edited_at, row.revision = body, now, revision
            note = shown(row, actor)
            await change.append(EventType.NOTE_EDITED, actor, {"note": note}, thread_id=row.thread_id)
        return note

    async def listed(self, actor: Account, thread_id: int) -> dict[str, Any]:
        policy.require_staff(actor, "read internal notes")
        async with self.db.read() as s:
            if (await s.execute(select(col(Thread.id)).where(col(Thread.id) == thread_id))).first() is None:
                raise NotFound(f"thread {thread_id} does not exist")
            rows = (
                await s.execute(
                    select(StaffNote, Account)
                    .outerjoin(Account, col(Account.id) == col(StaffNote.author_id))
                    .where(col(StaffNote.thread_id) == thread_id)
                    .order_by(col(StaffNote.id))
                )
            ).all()
        return {"items": [shown(note, author) for note, author in rows]}
