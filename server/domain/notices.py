"""Follows and notices: who follows a thread, and what they are told.

Generation happens in one place, `Notices.derive(change)`, which the event seam awaits at the end
of every `events.change()` transaction, before its commit. From the rows the change appended it
  - makes a thread's author follow it (`thread.created`) and, unless the account turned
    `auto_follow` off, whoever comments on it or recommends it (or one of its comments);
  - writes notice rows for the followers, never for the actor:
      answer    an official answer (interim or final) on a followed thread
      status    a followed proposal's status changed
      change    a change thread (이렇게 바꾸었습니다) links a followed proposal
      reply     a reply to the account's comment, in a thread it follows
      comments  new comments on the account's own proposal, batched: while the notice is unseen
                its `count` grows ("새 댓글 12개"), a seen one is followed by a new notice.
So a held comment notifies nobody until a moderator releases it (only then is `comment.created`
appended). A notice carries only what the thread already shows everyone: the thread's title, a
label such as `기업 3`, a status, ids to link to; never the text of a comment or an answer, so a
comment hidden later leaves nothing behind in anyone's notices.

The written notices ride on the `Change` (`change.notices`); once the transaction commits, the
seam sends each one as a `notice` frame, and the account's unread count as an `unread` frame, on
the account's own broker channel (`channels.me_channel`), which only that account's sockets hear.

Extension point: the `hooks` given to the constructor are awaited with (session, notices) inside
the same transaction, right after the rows are written; an e-mail outbox row written there commits
or rolls back with its notice. A batched notice whose count grew is passed again (`grown=True`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, bindparam, delete, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.contract.errors import NotFound
from server.contract.vocabulary import CHANGE, PROPOSAL, EventType
from server.domain import actions
from server.events import public
from server.events.seam import Change, LoggedRow, SentNotice
from server.store.database import Database
from server.store.models import (
    Account,
    Appeal,
    Comment,
    Follow,
    ModerationAction,
    Notice,
    Thread,
    ThreadLink,
    utcnow,
)

ANSWER = "answer"
STATUS = "status"
LINKED = "change"
REPLY = "reply"
COMMENTS = "comments"
# What a moderator did to the account's post or account, and why; an appeal's decision (v1.2).
MODERATION = "moderation"
KINDS = (ANSWER, STATUS, LINKED, REPLY, COMMENTS, MODERATION)

# The statements a comment runs (auto-follow, the thread's author, the batched notice, the unread
# count) are prepared once as Core statements on the tables: built per comment through the ORM
# they were a fifth of the request thread's time (construction, cache keys, bulk-update paths).
NOTICES: Any = Notice.__table__  # type: ignore[attr-defined]
FOLLOWS: Any = Follow.__table__  # type: ignore[attr-defined]
THREADS: Any = Thread.__table__  # type: ignore[attr-defined]
ACCOUNTS: Any = Account.__table__  # type: ignore[attr-defined]


def _follow_statement(dialect: Any, unless_turned_off: bool) -> Any:
    values = select(
        ACCOUNTS.c.id,
        bindparam("follow_thread", type_=Integer()),
        bindparam("follow_now", type_=DateTime(timezone=True)),
    ).where(ACCOUNTS.c.id == bindparam("follow_account"))
    if unless_turned_off:
        values = values.where(ACCOUNTS.c.auto_follow.is_(True))
    return (
        dialect.insert(FOLLOWS)
        .from_select(["account_id", "thread_id", "created_at"], values)
        .on_conflict_do_nothing()
    )


FOLLOW = {
    (name, unless): _follow_statement(module, unless)
    for name, module in (("postgresql", postgresql), ("sqlite", sqlite))
    for unless in (False, True)
}
COMMENTED_THREAD = (
    select(THREADS.c.kind, THREADS.c.title, THREADS.c.author_id, FOLLOWS.c.account_id)
    .select_from(
        THREADS.outerjoin(
            FOLLOWS, (FOLLOWS.c.thread_id == THREADS.c.id) & (FOLLOWS.c.account_id == THREADS.c.author_id)
        )
    )
    .where(THREADS.c.id == bindparam("thread"))
)


def _grow(*which: Any) -> Any:
    """Grow the unseen batched notice(s) on a thread that `which` picks, returning them."""
    return (
        update(NOTICES)
        .where(
            *which,
            NOTICES.c.thread_id == bindparam("grow_thread"),
            NOTICES.c.kind == COMMENTS,
            NOTICES.c.seen_at.is_(None),
        )
        .values(count=NOTICES.c.count + 1, updated_at=bindparam("grow_now"))
        .returning(
            *(NOTICES.c[name] for name in ("id", "account_id", "kind", "thread_id", "comment_id")),
            *(NOTICES.c[name] for name in ("answer_id", "count", "data", "created_at", "updated_at")),
        )
    )


GROW = _grow(NOTICES.c.account_id == bindparam("grow_account"))
# The common case of a comment in a busy proposal, in one statement: grow the author's unseen
# batched notice, if the thread is a proposal, its author follows it and is not the commenter.
# Nothing grown (no unseen notice yet, or no one to tell) falls back to COMMENTED_THREAD.
_AUTHOR = (
    select(THREADS.c.author_id)
    .where(THREADS.c.id == bindparam("grow_thread"), THREADS.c.kind == PROPOSAL)
    .scalar_subquery()
)
GROW_AUTHORS = _grow(
    NOTICES.c.account_id == _AUTHOR,
    NOTICES.c.account_id != bindparam("grow_actor"),
    exists().where(FOLLOWS.c.account_id == NOTICES.c.account_id, FOLLOWS.c.thread_id == NOTICES.c.thread_id),
)
UNREAD = (
    select(NOTICES.c.account_id, func.count())
    .where(NOTICES.c.account_id.in_(bindparam("accounts", expanding=True)), NOTICES.c.seen_at.is_(None))
    .group_by(NOTICES.c.account_id)
)
INSERT = insert(NOTICES).returning(NOTICES.c.id, NOTICES.c.account_id, sort_by_parameter_order=True)


# A page of notices; the bell shows the first.
PAGE_DEFAULT = 30
PAGE_MAX = 100
# Rows of each list on the activity page.
ACTIVITY_MAX = 100


@dataclass(frozen=True, slots=True)
class NoticeRow:
    """A notice as written (or grown) in this transaction."""

    id: int
    account_id: int
    kind: str
    thread_id: int
    comment_id: int | None
    answer_id: int | None
    count: int
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    grown: bool = False


NoticeHook = Callable[[AsyncSession, Sequence[NoticeRow]], Awaitable[None]]


def shown(row: NoticeRow | Notice, seen: bool = False) -> dict[str, Any]:
    """A notice as its account sees it (REST and the `me` channel)."""
    return {
        "id": row.id,
        "kind": row.kind,
        "thread_id": row.thread_id,
        "comment_id": row.comment_id,
        "answer_id": row.answer_id,
        "count": row.count,
        "data": row.data,
        "created_at": public.iso(row.created_at),
        "updated_at": public.iso(row.updated_at),
        "seen": seen,
    }


class Notices:
    def __init__(self, db: Database, hooks: Sequence[NoticeHook] = ()) -> None:
        self.db = db
        self.hooks = tuple(hooks)

    # --- generation, inside the change's transaction ----------------------------------------

    async def derive(self, change: Change) -> None:
        """Follows and notices for what `change` appended; called by the seam before commit."""
        made: list[NoticeRow] = []
        for row in change.rows:
            if row.thread_id is None:
                continue
            made.extend(await self._for_row(change.session, row))
        if not made:
            return
        for hook in self.hooks:
            await hook(change.session, made)
        # A batched notice that only grew leaves the unread count as it was (it counts notices,
        # not comments): the common case in a busy thread, one statement fewer per comment.
        counted = {n.account_id for n in made if not n.grown}
        unread = await _unread(change.session, counted) if counted else {}
        for n in made:
            count = unread.get(n.account_id, 0) if n.account_id in counted else None
            change.notices.append(SentNotice(n.account_id, shown(n), count))

    async def _for_row(self, s: AsyncSession, row: LoggedRow) -> list[NoticeRow]:
        actor = row.actor_account_id
        thread_id = row.thread_id
        assert thread_id is not None
        kind = row.type
        if kind in actions.ACTIONS:
            return await self._moderation(s, row, actions.ACTIONS[kind])
        if kind == EventType.APPEAL_DECIDED:
            return await self._appeal_decided(s, row)
        if kind == EventType.THREAD_CREATED:
            if actor is not None:
                await self._follow(s, actor, thread_id)
            if row.payload["thread"].get("kind") == CHANGE:
                linked = (
                    await s.execute(select(ThreadLink.proposal_id).where(ThreadLink.change_id == thread_id))
                ).scalars()
                return await self._linked(s, row, list(linked))
            return []
        if kind == EventType.THREAD_LINKS_CHANGED:
            return await self._linked(s, row, row.payload.get("added", []))
        if kind == EventType.ANSWER_POSTED:
            answer = row.payload["answer"]
            data = {"status": row.payload.get("status"), "outcome": row.payload.get("outcome")}
            if department := answer.get("author", {}).get("department"):
                data["department"] = department
            return await self._to_followers(s, row, ANSWER, data, answer_id=answer["id"])
        if kind == EventType.THREAD_STATUS_CHANGED:
            data = {"status": row.payload.get("status"), "previous": row.payload.get("previous")}
            return await self._to_followers(s, row, STATUS, data)
        if kind == EventType.RECOMMENDATION_ADDED:
            if actor is not None:
                await self._follow(s, actor, thread_id, unless_turned_off=True)
            return []
        if kind == EventType.COMMENT_CREATED:
            return await self._comment(s, row)
        return []

    async def _follow(
        self, s: AsyncSession, account_id: int, thread_id: int, unless_turned_off: bool = False
    ) -> None:
        await s.execute(
            FOLLOW[self.db.dialect, unless_turned_off],
            {"follow_account": account_id, "follow_thread": thread_id, "follow_now": utcnow()},
        )

    async def _followers(self, s: AsyncSession, thread_id: int, exclude: int | None) -> list[int]:
        stmt = select(Follow.account_id).where(Follow.thread_id == thread_id)
        if exclude is not None:
            stmt = stmt.where(Follow.account_id != exclude)
        return list((await s.execute(stmt.order_by(Follow.account_id))).scalars())

    async def _title(self, s: AsyncSession, thread_id: int) -> str | None:
        """The thread's title as the public sees it now (null while hidden)."""
        row = (await s.execute(select(Thread.title, Thread.hidden).where(Thread.id == thread_id))).one()
        return None if row.hidden else str(row.title)

    async def _moderation(self, s: AsyncSession, row: LoggedRow, kind: str) -> list[NoticeRow]:
        """The author of what a moderator acted on is told what was done and why, and what to
        send to appeal it. The action is the one this change recorded (actions.record): the
        payload's `action_id` when it carries one (an erasure's), else the target's latest."""
        assert row.thread_id is not None
        action_id = row.payload.get("action_id")
        if isinstance(action_id, int):
            action = (
                (await s.execute(select(ModerationAction).where(ModerationAction.id == action_id)))
                .scalars()
                .first()
            )
        else:
            action = await actions.latest(s, kind, _action_target(kind, row))
        if action is None:
            return []
        data: dict[str, Any] = {
            "title": await self._title(s, action.thread_id),
            "action": action.action,
            "target": kind,
            "reason": action.reason,
            "appeal": {"kind": kind, "id": action.target_id},
        }
        if "until" in row.payload:
            data["until"] = row.payload["until"]
        comment_id = action.target_id if kind == actions.COMMENT else None
        return await _insert(
            s, [action.account_id], MODERATION, action.thread_id, data, comment_id=comment_id
        )

    async def _appeal_decided(self, s: AsyncSession, row: LoggedRow) -> list[NoticeRow]:
        """The appellant learns the decision and its reason."""
        appeal = (
            (await s.execute(select(Appeal).where(Appeal.id == row.payload["appeal_id"]))).scalars().first()
        )
        if appeal is None:
            return []
        action = row.payload.get("action") or {}
        thread_id = int(action.get("thread_id") or row.thread_id or 0)
        data = {
            "title": await self._title(s, thread_id),
            "action": "appeal_" + str(row.payload["decision"]),
            "target": action.get("kind"),
            "reason": row.payload.get("reason"),
            "decision": row.payload["decision"],
        }
        return await _insert(s, [appeal.account_id], MODERATION, thread_id, data)

    async def _to_followers(
        self, s: AsyncSession, row: LoggedRow, kind: str, data: dict[str, Any], answer_id: int | None = None
    ) -> list[NoticeRow]:
        assert row.thread_id is not None
        accounts = await self._followers(s, row.thread_id, row.actor_account_id)
        if not accounts:
            return []
        data = {"title": await self._title(s, row.thread_id), **data}
        return await _insert(s, accounts, kind, row.thread_id, data, answer_id=answer_id)

    async def _linked(self, s: AsyncSession, row: LoggedRow, proposal_ids: Iterable[int]) -> list[NoticeRow]:
        """Followers of each newly linked proposal learn of the change thread (one notice each)."""
        assert row.thread_id is not None
        ids = list(proposal_ids)
        if not ids:
            return []
        change = {"id": row.thread_id, "title": await self._title(s, row.thread_id)}
        made: list[NoticeRow] = []
        for proposal_id in ids:
            accounts = await self._followers(s, proposal_id, row.actor_account_id)
            if accounts:
                data = {"title": await self._title(s, proposal_id), "change": change}
                made.extend(await _insert(s, accounts, LINKED, proposal_id, data))
        return made

    async def _comment(self, s: AsyncSession, row: LoggedRow) -> list[NoticeRow]:
        assert row.thread_id is not None
        thread_id = row.thread_id
        actor = row.actor_account_id
        comment = row.payload["comment"]
        if actor is not None:
            await self._follow(s, actor, thread_id, unless_turned_off=True)
            if comment.get("parent_id") is None:
                params = {"grow_thread": thread_id, "grow_actor": actor, "grow_now": utcnow()}
                grown = (await s.execute(GROW_AUTHORS, params)).first()
                if grown is not None:
                    return [NoticeRow(**grown._mapping, grown=True)]
        thread = (await s.execute(COMMENTED_THREAD, {"thread": thread_id})).one()
        made: list[NoticeRow] = []
        told: set[int | None] = {actor}
        label = comment.get("author", {}).get("label")
        if comment.get("parent_id") is not None:
            parent_author = (
                await s.execute(
                    select(Comment.author_id)
                    .join(Follow, (Follow.account_id == Comment.author_id) & (Follow.thread_id == thread_id))
                    .where(Comment.id == comment["parent_id"])
                )
            ).scalar()
            if parent_author is not None and parent_author not in told:
                told.add(parent_author)
                data = {"title": thread.title, "author": label, "parent_id": comment["parent_id"]}
                made.extend(
                    await _insert(s, [parent_author], REPLY, thread_id, data, comment_id=comment["id"])
                )
        if thread.kind == PROPOSAL and thread.account_id is not None and thread.author_id not in told:
            made.append(await self._batched(s, thread.author_id, thread_id, thread.title, comment["id"]))
        return made

    async def _batched(
        self, s: AsyncSession, account_id: int, thread_id: int, title: str, comment_id: int
    ) -> NoticeRow:
        """Grow the account's unseen `comments` notice on this thread, or start one."""
        params = {"grow_account": account_id, "grow_thread": thread_id, "grow_now": utcnow()}
        grown = (await s.execute(GROW, params)).first()
        if grown is not None:
            return NoticeRow(**grown._mapping, grown=True)
        return (await _insert(s, [account_id], COMMENTS, thread_id, {"title": title}, comment_id=comment_id))[
            0
        ]

    # --- follows ----------------------------------------------------------------------------

    async def follow(self, account: Account, thread_id: int, on: bool) -> dict[str, Any]:
        """`PUT`/`DELETE /api/threads/{id}/follow`: idempotent."""
        async with self.db.transaction() as s:
            if (await s.execute(select(Thread.id).where(Thread.id == thread_id))).scalar() is None:
                raise NotFound(f"thread {thread_id} does not exist")
            assert account.id is not None
            if on:
                await self._follow(s, account.id, thread_id)
            else:
                await s.execute(
                    delete(Follow).where(Follow.account_id == account.id, Follow.thread_id == thread_id)
                )
        return {"following": on}

    async def following(self, account_id: int, thread_id: int) -> bool:
        async with self.db.read() as s:
            stmt = select(Follow.thread_id).where(
                Follow.account_id == account_id, Follow.thread_id == thread_id
            )
            return (await s.execute(stmt)).first() is not None

    async def followers(self, thread_id: int) -> int:
        """How many accounts follow the thread (shown to staff only)."""
        async with self.db.read() as s:
            stmt = select(func.count()).select_from(Follow).where(Follow.thread_id == thread_id)
            return int((await s.execute(stmt)).scalar_one())

    async def preferences(self, account: Account, auto_follow: bool | None) -> dict[str, Any]:
        """`PATCH /api/me/preferences`: whether commenting or recommending follows a thread."""
        async with self.db.transaction() as s:
            if auto_follow is not None:
                await s.execute(
                    update(Account).where(Account.id == account.id).values(auto_follow=auto_follow)
                )
            value = (
                await s.execute(select(Account.auto_follow).where(Account.id == account.id))
            ).scalar_one()
        return {"auto_follow": bool(value)}

    async def activity(self, account: Account) -> dict[str, Any]:
        """`GET /api/me/activity` (내 활동): my proposals, my comments with their thread, the threads
        I follow; newest first, ACTIVITY_MAX of each. Only the caller ever reads it."""

        def brief(t: Any) -> dict[str, Any]:
            title = None if t.hidden else t.title
            return {"id": t.id, "kind": t.kind, "title": title, "status": t.status, "outcome": t.outcome}

        async with self.db.read() as s:
            threads = (
                await s.execute(
                    select(
                        Thread.id,
                        Thread.kind,
                        Thread.title,
                        Thread.status,
                        Thread.outcome,
                        Thread.created_at,
                        Thread.comment_count,
                        Thread.hidden,
                    )
                    .where(Thread.author_id == account.id)
                    .order_by(Thread.id.desc())
                    .limit(ACTIVITY_MAX)
                )
            ).all()
            comments = (
                await s.execute(
                    select(
                        Comment.id,
                        Comment.thread_id,
                        Comment.body,
                        Comment.hidden,
                        Comment.created_at,
                        Thread.title,
                    )
                    .join(Thread, Thread.id == Comment.thread_id)
                    .where(Comment.author_id == account.id)
                    .order_by(Comment.id.desc())
                    .limit(ACTIVITY_MAX)
                )
            ).all()
            followed = (
                await s.execute(
                    select(Thread.id, Thread.kind, Thread.title, Thread.status, Thread.outcome, Thread.hidden)
                    .join(Follow, Follow.thread_id == Thread.id)
                    .where(Follow.account_id == account.id)
                    .order_by(Follow.created_at.desc(), Thread.id.desc())
                    .limit(ACTIVITY_MAX)
                )
            ).all()
        return {
            "threads": [
                {**brief(t), "created_at": public.iso(t.created_at), "comments": t.comment_count}
                for t in threads
            ],
            "comments": [
                {
                    "id": c.id,
                    "thread": {"id": c.thread_id, "title": c.title},
                    # As everyone sees it: a hidden comment's text is not shown here either.
                    "body": None if c.hidden else c.body,
                    "hidden": c.hidden,
                    "created_at": public.iso(c.created_at),
                }
                for c in comments
            ],
            "following": [brief(t) for t in followed],
        }

    # --- reading and marking seen -----------------------------------------------------------

    async def page(self, account: Account, after: int | None, limit: int | None) -> dict[str, Any]:
        """`GET /api/me/notices`: newest first; `after` is the last id of the previous page."""
        stmt = select(Notice).where(Notice.account_id == account.id)
        if after is not None:
            stmt = stmt.where(Notice.id < after)  # type: ignore[operator]
        stmt = stmt.order_by(Notice.id.desc()).limit(min(limit or PAGE_DEFAULT, PAGE_MAX))
        async with self.db.read() as s:
            rows = (await s.execute(stmt)).scalars().all()
            unread = (await _unread(s, {account.id})).get(account.id, 0)  # type: ignore[arg-type]
            hidden = await hidden_threads(s, {r.thread_id for r in rows})
        items = [shown(r, r.seen_at is not None) for r in rows]
        for item in items:
            if item["thread_id"] in hidden:
                # A proposal hidden since: its title is null here too (v1.2).
                item["data"] = {**item["data"], "title": None}
        return {"items": items, "unread": unread}

    async def mark_seen(self, account: Account, ids: list[int] | None) -> tuple[list[int], int]:
        """Mark the account's notices seen (all unseen when `ids` is None); returns the ids marked
        and the unread count left."""
        assert account.id is not None
        stmt = (
            update(Notice)
            .where(Notice.account_id == account.id, Notice.seen_at.is_(None))
            .values(seen_at=utcnow())
            .returning(Notice.id)
        )
        if ids is not None:
            if not ids:
                async with self.db.read() as s:
                    return [], (await _unread(s, {account.id})).get(account.id, 0)
            stmt = stmt.where(Notice.id.in_(ids))
        async with self.db.transaction() as s:
            marked = sorted((await s.execute(stmt)).scalars())
            unread = (await _unread(s, {account.id})).get(account.id, 0)
        return marked, unread


async def hidden_threads(s: AsyncSession, thread_ids: set[int]) -> set[int]:
    """Which of these threads a moderator hides now."""
    if not thread_ids:
        return set()
    stmt = select(Thread.id).where(Thread.id.in_(sorted(thread_ids)), Thread.hidden == True)  # type: ignore[union-attr]  # noqa: E712
    return {int(i) for i in (await s.execute(stmt)).scalars()}


def _action_target(kind: str, row: LoggedRow) -> int:
    """The target id an action's event row names."""
    payload = row.payload
    if kind == actions.COMMENT:
        return int(payload["comment"]["id"])
    if kind == actions.HELD:
        return int(payload["held_id"])
    if kind == actions.SUSPENSION:
        return int(payload["suspension_id"])
    if kind == actions.THREAD:
        return int(payload["thread_id"])
    return int(payload.get("post", {}).get("id") or 0)


async def _unread(s: AsyncSession, account_ids: set[int]) -> dict[int, int]:
    rows = await s.execute(UNREAD, {"accounts": sorted(account_ids)})
    return {account_id: int(n) for account_id, n in rows}


async def _insert(
    s: AsyncSession,
    accounts: list[int],
    kind: str,
    thread_id: int,
    data: dict[str, Any],
    *,
    comment_id: int | None = None,
    answer_id: int | None = None,
) -> list[NoticeRow]:
    now = utcnow()
    values = [
        {
            "account_id": account_id,
            "kind": kind,
            "thread_id": thread_id,
            "comment_id": comment_id,
            "answer_id": answer_id,
            "count": 1,
            "data": data,
            "created_at": now,
            "updated_at": now,
        }
        for account_id in accounts
    ]
    ids = (await s.execute(INSERT, values)).all()
    by_account = {account_id: notice_id for notice_id, account_id in ids}
    return [NoticeRow(id=by_account[v["account_id"]], **v) for v in values]
