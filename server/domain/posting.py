"""Writes that place something in a thread: the thread's next seq, the author's pseudonym there,
and a comment (posted now, or released by a moderator after a hold).

A sequenced change first increments `thread.seq` in SQL: that UPDATE takes the thread's row lock
(PostgreSQL) or the database write lock (SQLite, BEGIN IMMEDIATE), so seqs are gap-free and
commit in order even with writers in several processes. Counts are incremented in SQL too, never
read-modify-written in Python.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, false, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.contract.errors import Invalid, NotFound
from server.contract.vocabulary import AGENCY, COMPANY, WITHDRAWN, EventType
from server.domain import policy
from server.events import public
from server.events.seam import Change
from server.store.database import after_commit
from server.store.models import Account, Comment, Thread, ThreadAuthor, utcnow

# The hot path's statements are Core statements on the tables (not the ORM entities): the session
# runs them without the ORM's bulk insert/update machinery (a third of a comment's SQL time).
COMMENTS: Any = Comment.__table__  # type: ignore[attr-defined]
THREADS: Any = Thread.__table__  # type: ignore[attr-defined]
AUTHORS: Any = ThreadAuthor.__table__  # type: ignore[attr-defined]
INSERT_COMMENT = insert(COMMENTS).returning(COMMENTS.c.id)
PARENT = select(COMMENTS.c.thread_id, COMMENTS.c.parent_id).where(COMMENTS.c.id == bindparam("id"))
AUTHOR = select(AUTHORS.c.kind, AUTHORS.c.number, AUTHORS.c.is_op).where(
    AUTHORS.c.thread_id == bindparam("thread"), AUTHORS.c.account_id == bindparam("account")
)
# (thread, account) -> author object; bounded so a long-running process does not grow forever.
PSEUDONYM_CACHE = 100_000


class Posting:
    def __init__(self) -> None:
        self._pseudonyms: dict[tuple[int, int], dict[str, Any]] = {}

    async def next_seq(
        self,
        s: AsyncSession,
        thread_id: int,
        *,
        comments: int = 0,
        now: datetime | None = None,
        **changes: Any,
    ) -> int:
        """Take the thread's next seq; this UPDATE holds the thread's lock until commit."""
        statement = _seq_statement(tuple(sorted(changes)), bool(comments))
        params = {"thread": thread_id, "now": now or utcnow(), **{f"new_{k}": v for k, v in changes.items()}}
        seq = (await s.execute(statement, params)).scalar()
        if seq is None:
            if comments:
                # Refused by the statement (a withdrawn proposal): the policy says why.
                facts = select(Thread.kind, Thread.status, Thread.author_id, Thread.hidden).where(
                    Thread.id == thread_id
                )
                thread = (await s.execute(facts)).first()
                if thread is not None:
                    policy.ensure(policy.can_comment(thread))
            raise NotFound(f"thread {thread_id} does not exist")
        return int(seq)

    def _remember(self, key: tuple[int, int], shown: dict[str, Any]) -> None:
        if len(self._pseudonyms) >= PSEUDONYM_CACHE:
            self._pseudonyms.clear()
        self._pseudonyms[key] = shown

    async def check_parent(self, s: AsyncSession, thread_id: int, parent_id: int | None) -> None:
        """A reply's parent is a top-level comment of the same thread (one level of replies)."""
        if parent_id is None:
            return
        parent = (await s.execute(PARENT, {"id": parent_id})).first()
        if parent is None or parent.thread_id != thread_id:
            raise Invalid("parent_id is not a comment of this thread", {"parent_id": "not_found"})
        if parent.parent_id is not None:
            raise Invalid(
                "replies go one level deep: reply to the top-level comment instead",
                {"parent_id": "is_a_reply"},
            )

    async def insert_comment(
        self,
        change: Change,
        author: Account,
        thread_id: int,
        body: str,
        parent_id: int | None,
        attach: Callable[[AsyncSession, int], Awaitable[list[dict[str, Any]]]] | None = None,
    ) -> dict[str, Any]:
        """Insert a comment with the thread's next seq in the change's transaction and append its
        `comment.created`; returns the comment's public form. `attach` gives the comment its files
        (in the same transaction) before the event is written, so the frame carries them."""
        s = change.session
        await self.check_parent(s, thread_id, parent_id)
        now = utcnow()
        seq = await self.next_seq(s, thread_id, comments=1, now=now)
        shown_author = await self.pseudonym(s, thread_id, author)
        values = {
            "thread_id": thread_id,
            "parent_id": parent_id,
            "seq": seq,
            "author_id": author.id,
            "body": body,
            "created_at": now,
            "hidden": False,
            "recommendation_count": 0,
        }
        comment_id = (await s.execute(INSERT_COMMENT, values)).scalar_one()
        shown = public.comment(SimpleNamespace(id=comment_id, hidden_reason=None, **values), shown_author)
        if attach is not None and (files := await attach(s, comment_id)):
            shown["attachments"] = files
        await change.append(
            EventType.COMMENT_CREATED, author, {"comment": shown}, thread_id=thread_id, seq=seq
        )
        return shown

    async def pseudonym(
        self, s: AsyncSession, thread_id: int, account: Account, is_op: bool = False
    ) -> dict[str, Any]:
        """The account's author object in this thread, numbering a new one (기업 n, 기관 n)."""
        assert account.id is not None
        known = self._pseudonyms.get((thread_id, account.id))
        if known is not None:
            return known
        row = (await s.execute(AUTHOR, {"thread": thread_id, "account": account.id})).first()
        if row is not None:
            shown = public.author(row.kind, row.number, row.is_op, account.department)
            # Only committed pseudonyms are cached (they never change): the row read here may have
            # been written earlier in this same transaction, shared with other changes, and still
            # roll back with them.
            after_commit(s, functools.partial(self._remember, (thread_id, account.id), shown))
            return shown
        number = 0
        if account.kind in (COMPANY, AGENCY):
            column = Thread.company_authors if account.kind == COMPANY else Thread.agency_authors
            number = (
                await s.execute(
                    update(Thread)
                    .where(Thread.id == thread_id)  # type: ignore[arg-type]
                    .values({column: column + 1})
                    .returning(column)
                )
            ).scalar_one()
        await s.execute(
            insert(ThreadAuthor).values(
                thread_id=thread_id, account_id=account.id, kind=account.kind, number=number, is_op=is_op
            )
        )
        return public.author(account.kind, number, is_op, account.department)


@functools.cache
def _seq_statement(changed: tuple[str, ...], comment: bool) -> Any:
    """UPDATE thread SET seq = seq + 1, … RETURNING seq, built once per shape of change."""
    c = THREADS.c
    values: dict[str, Any] = {"seq": c.seq + 1, "last_activity_at": bindparam("now")}
    values.update({name: bindparam(f"new_{name}") for name in changed})
    statement = update(THREADS).where(c.id == bindparam("thread"))
    if comment:
        values["comment_count"] = c.comment_count + 1
        # A withdrawn proposal takes no new comments: no row updated, no seq (next_seq says why).
        statement = statement.where(or_(c.status.is_(None), c.status != WITHDRAWN))
        # Nor does a hidden one (v1.2): its comments' bodies are null to the public until restored.
        statement = statement.where(c.hidden == false())
    return statement.values(**values).returning(c.seq)
