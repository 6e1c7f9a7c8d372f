"""Drafts: what an account is writing and has not posted, kept on the server so that the proposal
form and a thread's comment box come back on any device (v1.2, `/api/me/drafts/{key}`).

A draft is private to its account. It is written with a plain transaction, never through the
event log: no event, no frame, no row in an export or the public log. Posting what it held
deletes it in the post's own transaction (`discard`); deleting the account deletes it (the
foreign key cascades).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.contract.errors import Conflict, ErrorCode, Invalid, NotFound
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import ROW_ID_MAX, Draft, Thread, utcnow
from server.text.plaintext import neutralise_bidi

NEW_THREAD = "new-thread"
# `new-thread` or `thread-{id}`, spelled one way only (no leading zero, no sign, no spaces), so
# one form has one draft.
KEY = re.compile(r"new-thread|thread-[1-9][0-9]{0,9}")
KEY_PATTERN = f"^(?:{KEY.pattern})$"
# One proposal form plus the comment boxes of the threads an account is writing in: a person
# has a handful open; a hundred bounds what one account stores (about 100 × 4,000 characters)
# without ever refusing someone who writes.
DRAFTS_MAX = 100

DRAFTS: Any = Draft.__table__  # type: ignore[attr-defined]


def thread_key(thread_id: int) -> str:
    return f"thread-{thread_id}"


def parse_key(key: str) -> int | None:
    """The thread a key names (None for the proposal form); 422 for anything but the two forms."""
    if not KEY.fullmatch(key):
        raise Invalid("a draft's key is new-thread or thread-{id}", {"key": "invalid"})
    return None if key == NEW_THREAD else int(key.removeprefix("thread-"))


def _text(value: str | None, name: str, maximum: int) -> str:
    """Draft text: trimmed like a post and within the post's limit, but it may be empty."""
    trimmed = neutralise_bidi(value or "").strip()
    if len(trimmed) > maximum:
        raise Invalid(f"{name} is {len(trimmed)} characters; the limit is {maximum}", {name: "too_long"})
    if "\x00" in trimmed:
        raise Invalid(f"{name} must not contain NUL characters", {name: "nul_character"})
    return trimmed


def shown(row: Any) -> dict[str, Any]:
    return {"key": row.key, "title": row.title, "body": row.body, "updated_at": row.updated_at.isoformat()}


async def discard(s: AsyncSession, account_id: int, key: str) -> None:
    """Delete the account's draft `key` inside the caller's transaction (the post it became)."""
    await s.execute(delete(DRAFTS).where(DRAFTS.c.account_id == account_id, DRAFTS.c.key == key))


async def _thread_exists(s: AsyncSession, thread_id: int) -> bool:
    if thread_id > ROW_ID_MAX:
        return False
    threads: Any = Thread.__table__  # type: ignore[attr-defined]
    return (await s.execute(select(threads.c.id).where(threads.c.id == thread_id))).first() is not None


@dataclass(frozen=True)
class Drafts:
    db: Database
    settings: Settings

    async def get(self, account_id: int, key: str) -> dict[str, Any]:
        parse_key(key)
        async with self.db.read() as s:
            row = (
                await s.execute(select(DRAFTS).where(DRAFTS.c.account_id == account_id, DRAFTS.c.key == key))
            ).first()
        if row is None:
            raise NotFound(f"no draft {key}")
        return shown(row)

    async def put(self, account_id: int, key: str, title: str | None, body: str | None) -> dict[str, Any]:
        thread_id = parse_key(key)
        if thread_id is None:
            title = _text(title, "title", self.settings.title_max) or None
            body = _text(body, "body", self.settings.thread_body_max)
        else:
            if title:
                raise Invalid("a comment's draft has no title", {"title": "not_allowed"})
            title = None
            body = _text(body, "body", self.settings.comment_body_max)
        now = utcnow()
        values = {"account_id": account_id, "key": key, "title": title, "body": body, "updated_at": now}
        async with self.db.transaction() as s:
            if thread_id is not None and not await _thread_exists(s, thread_id):
                raise NotFound(f"thread {thread_id} does not exist")
            mine = DRAFTS.c.account_id == account_id
            held = (await s.execute(select(func.count()).select_from(DRAFTS).where(mine))).scalar_one()
            if held >= DRAFTS_MAX:
                # At the cap only an existing draft may change; a new one is refused, never an old
                # one dropped without its writer knowing. (Two new drafts saved at the same moment
                # may pass together: the cap bounds storage, it is not a quota to the row.)
                present = (await s.execute(select(DRAFTS.c.key).where(mine, DRAFTS.c.key == key))).first()
                if present is None:
                    raise Conflict(
                        f"an account keeps at most {DRAFTS_MAX} drafts", code=ErrorCode.TOO_MANY_DRAFTS
                    )
            dialect = postgresql if self.db.dialect == "postgresql" else sqlite
            upsert = dialect.insert(DRAFTS).values(**values)
            upsert = upsert.on_conflict_do_update(
                index_elements=[DRAFTS.c.account_id, DRAFTS.c.key],
                set_={"title": title, "body": body, "updated_at": now},
            )
            await s.execute(upsert)
        return {"key": key, "title": title, "body": body, "updated_at": now.isoformat()}

    async def delete(self, account_id: int, key: str) -> None:
        """Idempotent: deleting a draft that is not there is not an error (two tabs may both)."""
        parse_key(key)
        async with self.db.transaction() as s:
            await discard(s, account_id, key)
