"""The event seam: the one door through which a change becomes event-log rows and messages.

Generation apart from delivery (as Zulip's `send_event`): a domain module opens a `change`, does
its writes and `append`s what happened inside the same transaction; after the commit this module
builds every message that change sends (the thread channel's sequenced frame, the staff frame,
board frames, counts and summary notices) from the rows alone. Delivery (the hub's queues, ring
and resume) lives in hub.py and never decides content. Every stored event that leaves again
(live, replayed from SQL, paged or exported by staff) passes `redaction.shown_to` on its way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.contract.vocabulary import EventType
from server.events import channels as ch
from server.events import public
from server.events.publisher import Message, Publisher
from server.events.redaction import (
    ERASED,
    SHOWN_THREAD,
    Audience,
    CommentState,
    ThreadState,
    carried_comment_id,
    conceal_thread,
    is_erased,
    shown_to,
    state_of,
)
from server.store import search
from server.store.database import Database
from server.store.models import Account, Comment, Event, Thread, ThreadAuthor, utcnow

log = logging.getLogger(__name__)

T = TypeVar("T")

# Built once; executing it with parameters skips building a statement per write. A Core statement
# on the table (not the ORM entity): the session runs it without the ORM's bulk-insert machinery.
EVENTS: Any = Event.__table__  # type: ignore[attr-defined]
INSERT_EVENT = insert(EVENTS).returning(EVENTS.c.id)


@dataclass(frozen=True, slots=True)
class LoggedRow:
    """An appended log row as `public.log_row` reads it, with its actor's kind."""

    id: int
    type: str
    thread_id: int | None
    seq: int | None
    actor_account_id: int | None
    payload: dict[str, Any]
    created_at: datetime
    actor_kind: str | None


@dataclass(frozen=True, slots=True)
class SentNotice:
    """A notice written in a change (notices.py), sent to its account's `me` channel after commit
    with the account's unread count then; `unread` None when the change left the count as it was
    (a batched notice that only grew: no `unread` frame follows), `notice` None when only the
    count moved (notices marked seen)."""

    account_id: int
    notice: dict[str, Any] | None
    unread: int | None


@dataclass
class Change:
    """One transaction's writes: the session to write with and the rows appended so far."""

    session: AsyncSession
    rows: list[LoggedRow] = field(default_factory=list)
    # Notices written for these rows (notices.py), sent after the commit.
    notices: list[SentNotice] = field(default_factory=list)
    # The transaction is shared with other changes (group commit): if any of them fails, all are
    # rolled back and each runs again alone.
    shared: bool = False

    async def append(
        self,
        type_: EventType | str,
        actor: Account | None,
        payload: dict[str, Any],
        *,
        thread_id: int | None = None,
        seq: int | None = None,
    ) -> int:
        """Append one log row in this transaction; a row with a `seq` is a thread channel event,
        whose payload is the frame's public data. Returns the row's id."""
        values = {
            "type": str(type_),
            "thread_id": thread_id,
            "seq": seq,
            "actor_account_id": actor.id if actor is not None else None,
            "payload": payload,
            "created_at": utcnow(),
        }
        event_id = (await self.session.execute(INSERT_EVENT, values)).scalar_one()
        self.rows.append(LoggedRow(id=event_id, actor_kind=actor.kind if actor else None, **values))
        return int(event_id)


# Awaited at the end of every change's work, inside its transaction: notices.Notices.derive.
BeforeCommit = Callable[[Change], Awaitable[None]]


class EventLog:
    def __init__(
        self,
        db: Database,
        publisher: Publisher,
        secret: bytes,
        *,
        group_commit: bool = True,
        group_max: int = 64,
        before_commit: BeforeCommit | None = None,
    ) -> None:
        self.db = db
        self.publisher = publisher
        self.secret = secret
        self._before_commit = before_commit
        self.group = GroupCommit(self, group_max) if group_commit else None

    def start(self) -> None:
        """Start publishing (the app's lifespan): messages then leave off the request path."""
        self.publisher.start()

    async def stop(self) -> None:
        """Publish what is queued (for a moment) and stop."""
        await self.publisher.stop()

    async def tell_account(
        self, account_id: int, *, notice: dict[str, Any] | None = None, unread: int | None = None
    ) -> None:
        """Tell every tab of one account, on every process, something that is already stored: a
        notice, and/or its unread count (its `me` channel)."""
        await self.publisher.send(notice_messages([SentNotice(account_id, notice, unread)]))

    async def sessions_ended(self, account_id: int, sessions: Iterable[str] | None = None) -> None:
        """Tell every process that these sessions (token hashes; None: every session) of the
        account ended, once that is committed: their caches forget them and their sockets lose
        what the session could read (the hub's `revoked`). Logout, a password change and a
        disabled account say it here."""
        ended = [None] if sessions is None else list(sessions)
        await self.publisher.send([(ch.SESSIONS, ch.encode_revoked(account_id, h)) for h in ended])

    async def grouped(
        self, work: Callable[[Change], Awaitable[T]], *, key: tuple[int, ...] = (), urgent: bool = True
    ) -> T:
        """Run `work` in a change whose transaction it may share with the changes that arrived
        meanwhile (group commit): each still appends its own rows and takes its own seqs, and is
        accepted only once the shared transaction has committed. `key` orders a group's members
        (a thread id: row locks are then always taken in the same order); `urgent` members (comments)
        go into the next group before the others (recommendations). `work` may run twice (alone
        after a failed group), so it must do nothing outside the transaction it is given."""
        if self.group is None:
            async with self.change() as change:
                return await work(change)
        return await self.group.run(work, key, urgent)

    @asynccontextmanager
    async def change(self) -> AsyncIterator[Change]:
        """A write transaction whose appended rows are published once it has committed (never
        before: a watcher must not see what could still roll back)."""
        async with self.db.transaction() as session:
            change = Change(session)
            yield change
            await self.finish(change)
            # The search index moves with what it indexes, in this transaction.
            await search.apply(session, change.rows)
        await self.publisher.send(self.messages(change.rows) + notice_messages(change.notices))

    async def finish(self, change: Change) -> None:
        """The change's work is done, its transaction not yet committed (alone or shared by a
        group): follows and notices derived from its rows are written in the same transaction."""
        if self._before_commit is not None and change.rows:
            await self._before_commit(change)

    def messages(self, rows: list[LoggedRow]) -> list[Message]:
        """Every message the committed rows send, in the order watchers should get them."""
        states = _states_after(rows)
        threads = _thread_states_after(rows)
        messages: list[Message] = []
        counts: dict[int, tuple[bool, set[int]]] = {}
        summaries: list[int] = []
        for row in rows:
            if row.seq is not None and row.thread_id is not None:
                name = ch.thread_channel(row.thread_id)
                data = shown_to(
                    Audience.PUBLIC, row.payload, states, threads.get(row.thread_id, SHOWN_THREAD)
                )
                messages.append(
                    (name, ch.encode_event(row.seq, ch.event_frame(name, row.type, data, row.seq)))
                )
            messages.append((ch.STAFF, ch.encode_frame(staff_frame(row, row.actor_kind, self.secret))))
            if row.type == EventType.THREAD_CREATED:
                messages.append((ch.BOARD, ch.encode_frame(board_created_frame(row.payload))))
            if row.thread_id is None:
                continue
            # v1.1: a comment alone sends no counts frame (its own frame says it; the client
            # counts the comments it applies): counts go out for recommendations and watchers.
            if row.type in (EventType.RECOMMENDATION_ADDED, EventType.RECOMMENDATION_WITHDRAWN):
                on_thread = row.payload["target"] == "thread"
                _count(
                    counts,
                    row.thread_id,
                    thread=on_thread,
                    comment=None if on_thread else row.payload["target_id"],
                )
                if not on_thread:
                    continue
            elif row.type not in SUMMARY_CHANGES:
                continue
            if row.thread_id not in summaries:
                summaries.append(row.thread_id)
        for thread_id, (thread, comment_ids) in counts.items():
            messages.append((ch.thread_channel(thread_id), ch.encode_counts(thread, sorted(comment_ids))))
        messages.extend((ch.BOARD, ch.encode_summary(thread_id)) for thread_id in summaries)
        return messages


def notice_messages(notices: list[SentNotice]) -> list[Message]:
    """Each notice, then its account's unread count, on the account's own channel."""
    messages: list[Message] = []
    for sent in notices:
        name = ch.me_channel(sent.account_id)
        if sent.notice is not None:
            messages.append((name, ch.encode_frame(ch.notice_frame(sent.notice))))
        if sent.unread is not None:
            messages.append((name, ch.encode_frame(ch.unread_frame(sent.unread))))
    return messages


@dataclass
class _Member:
    work: Callable[[Change], Awaitable[Any]]
    key: tuple[int, ...]
    future: asyncio.Future[Any]


BULK_PLACES = 2


class GroupCommit:
    """One transaction for the changes that arrive while the previous group commits.

    No timer: a change arriving at an idle process starts a group at once (no added latency when
    quiet); under load, whatever queued during one commit forms the next group, so the number of
    transactions per second falls as the rate rises. Every member runs its own work inside the
    shared transaction; a member that raises, or a commit that fails, rolls the whole group back.
    Then the members before the failing one form a group again, the failing one runs alone (and
    gets its own error, as it would have alone) and the rest form the next group; a failed commit
    sends every member through alone. One failure never loses or wrongly accepts another member.
    Messages are built from the committed rows of all members, in order, and published once.
    """

    def __init__(self, log: EventLog, max_size: int) -> None:
        self.log = log
        self.max_size = max(1, max_size)
        # Recommendations fill at most BULK_PLACES places of a group: a comment arriving during a
        # storm waits behind one group's commit, and each toggle in it is three or four
        # statements, each a turn of the busy event loop. Measured at 5,000 watchers with 200
        # accounts toggling (`tong bench storm`, one run each): places 32, 8, 4, 2, 1 made a
        # comment's fan-out 3.1, 1.9, 2.2, 1.6, 1.6 times slower than calm, for 235, 219, 207,
        # 202, 172 toggles/s. At 2 a comment's POST takes as long as when calm.
        self.max_bulk = min(BULK_PLACES, max(1, self.max_size // 2))
        self._urgent: list[_Member] = []
        self._bulk: list[_Member] = []
        self._task: asyncio.Task[None] | None = None
        self.groups = 0
        self.members = 0
        self.retried = 0

    async def run(self, work: Callable[[Change], Awaitable[T]], key: tuple[int, ...], urgent: bool) -> T:
        loop = asyncio.get_running_loop()
        member = _Member(work, key, loop.create_future())
        (self._urgent if urgent else self._bulk).append(member)
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain())
        return await asyncio.shield(member.future)  # type: ignore[no-any-return]

    async def _drain(self) -> None:
        batch: list[_Member] = []
        try:
            while self._urgent or self._bulk:
                batch = self._urgent[: self.max_size]
                del self._urgent[: len(batch)]
                room = min(self.max_size - len(batch), self.max_bulk)
                if room > 0 and self._bulk:
                    taken = self._bulk[:room]
                    del self._bulk[: len(taken)]
                    batch.extend(taken)
                await self._commit(batch)
        except BaseException:
            # Stopping (cancelled): whoever still waits gets an error rather than waiting forever.
            for member in batch + self._urgent + self._bulk:
                if not member.future.done():
                    member.future.set_exception(RuntimeError("the server is stopping"))
            self._urgent.clear()
            self._bulk.clear()
            raise

    async def _commit(self, batch: list[_Member]) -> None:
        if len(batch) <= 1:
            if batch:
                await self._alone(batch[0])
            return
        batch.sort(key=lambda m: m.key)
        results: list[Any] = []
        changes: list[Change] = []
        failing: int | None = None
        try:
            async with self.log.db.transaction() as session:
                for index, member in enumerate(batch):
                    failing = index
                    change = Change(session, shared=True)
                    results.append(await member.work(change))
                    await self.log.finish(change)
                    changes.append(change)
                failing = None
                # The search index moves with what it indexes, in this transaction.
                await search.apply(session, [row for c in changes for row in c.rows])
        except Exception as exc:
            log.info("a group of %d changes rolled back (%r)", len(batch), exc)
            self.retried += 1
            if failing is None:
                # The commit (or the index) failed: no member to blame; each runs again alone.
                for member in batch:
                    await self._alone(member)
                return
            # The members before the failing one went through: they form a group again; the
            # failing one runs alone (and fails on its own, or not); the rest form the next group.
            await self._commit(batch[:failing])
            await self._alone(batch[failing])
            await self._commit(batch[failing + 1 :])
            return
        self.groups += 1
        self.members += len(batch)
        try:
            messages = self.log.messages([row for c in changes for row in c.rows])
            messages += notice_messages([sent for c in changes for sent in c.notices])
            await self.log.publisher.send(messages)
        except Exception as exc:
            for member in batch:
                if not member.future.done():
                    member.future.set_exception(exc)
            return
        for member, result in zip(batch, results, strict=True):
            if not member.future.done():
                member.future.set_result(result)

    async def _alone(self, member: _Member) -> None:
        try:
            async with self.log.change() as change:
                result = await member.work(change)
        except Exception as exc:
            if not member.future.done():
                member.future.set_exception(exc)
            return
        if not member.future.done():
            member.future.set_result(result)


# Events after which a thread's summary on the board (status, counts, last activity) changed.
SUMMARY_CHANGES = frozenset(
    {
        EventType.COMMENT_CREATED,
        EventType.ANSWER_POSTED,
        EventType.THREAD_STATUS_CHANGED,
        EventType.THREAD_UPDATED,
        EventType.RECOMMENDATION_ADDED,
        EventType.RECOMMENDATION_WITHDRAWN,
        EventType.THREAD_ANSWER_DUE,
        # The board shows a hidden proposal in its place with its text null (v1.2).
        EventType.THREAD_HIDDEN,
        EventType.THREAD_RESTORED,
        EventType.POST_ERASED,
    }
)


def _count(
    counts: dict[int, tuple[bool, set[int]]], thread_id: int, *, thread: bool, comment: int | None = None
) -> None:
    was_thread, comment_ids = counts.get(thread_id, (False, set()))
    if comment is not None:
        comment_ids.add(comment)
    counts[thread_id] = (was_thread or thread, comment_ids)


def _states_after(rows: Iterable[LoggedRow]) -> dict[int, CommentState]:
    """The comments' states once these rows committed: the last frame carrying each is current."""
    states: dict[int, CommentState] = {}
    for row in rows:
        comment_id = carried_comment_id(row.payload)
        if comment_id is not None:
            states[comment_id] = state_of(row.payload["comment"])
    return states


def _thread_states_after(rows: Iterable[LoggedRow]) -> dict[int, ThreadState]:
    """The proposals hidden or restored by these rows, as they are once the rows committed."""
    states: dict[int, ThreadState] = {}
    for row in rows:
        if row.thread_id is not None and row.type in (EventType.THREAD_HIDDEN, EventType.THREAD_RESTORED):
            hidden = row.type == EventType.THREAD_HIDDEN
            states[row.thread_id] = ThreadState(hidden, row.payload.get("reason") if hidden else None)
    return states


async def thread_state(session: AsyncSession, thread_id: int) -> ThreadState:
    """Whether a moderator hides the thread now, read in the caller's session."""
    row = (
        await session.execute(select(Thread.hidden, Thread.hidden_reason).where(Thread.id == thread_id))
    ).first()
    if row is None or not row.hidden:
        return SHOWN_THREAD
    return ThreadState(True, row.hidden_reason)


def staff_frame(row: public.LogRow | LoggedRow, actor_kind: str | None, secret: bytes) -> str:
    return ch.event_frame(ch.STAFF, row.type, {"event": staff_view(row, actor_kind, secret)})


def staff_view(
    row: public.LogRow | LoggedRow,
    actor_kind: str | None,
    secret: bytes,
    admin_actor_login: str | None = None,
) -> dict[str, Any]:
    """A log row as staff see it (page, export, channel): actor as `{"kind", "key"}`; an admin's
    view (`admin_actor_login`) also names the actor of `account.*` rows."""
    shown = public.log_row(row, actor_kind, secret, admin_actor_login)
    shown["payload"] = shown_to(Audience.STAFF, row.payload, {})
    return shown


def board_created_frame(payload: Mapping[str, Any]) -> str:
    return ch.event_frame(ch.BOARD, EventType.THREAD_CREATED, {"thread": payload["thread"]})


async def comment_states(session: AsyncSession, comment_ids: Iterable[int]) -> dict[int, CommentState]:
    """The current state of these comments, read in the caller's session."""
    ids = sorted(set(comment_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(
            Comment.id,
            Comment.hidden,
            Comment.hidden_reason,
            Comment.withdrawn,
            Comment.revision,
            Comment.body,
            Comment.edited_at,
            Comment.erased,
        ).where(Comment.id.in_(ids))  # type: ignore[union-attr]
    )
    return {
        comment_id: CommentState(
            hidden=hidden,
            hidden_reason=reason,
            withdrawn=withdrawn,
            erased=erased,
            revision=revision,
            body=None if hidden or withdrawn or erased else body,
            edited_at=public.iso(edited_at) if edited_at is not None else None,
        )
        for comment_id, hidden, reason, withdrawn, revision, body, edited_at, erased in rows
    }


async def erased_comments(
    session: AsyncSession, thread_id: int, events: list[Event]
) -> dict[int, dict[str, Any]]:
    """seq -> the erased comment created at that seq, in its public form (`body: null`,
    `erased: true`), for the erased `comment.created` rows among `events`: their payload is
    `{"erased": true}`, yet a client replaying them still learns that a comment stands there."""
    seqs = [e.seq for e in events if e.type == EventType.COMMENT_CREATED and is_erased(e.payload)]
    if not seqs:
        return {}
    rows = list(
        (
            await session.execute(
                select(Comment).where(Comment.thread_id == thread_id, Comment.seq.in_(seqs))  # type: ignore[attr-defined]
            )
        )
        .scalars()
        .all()
    )
    labels = await session.execute(
        select(
            ThreadAuthor.account_id,
            ThreadAuthor.kind,
            ThreadAuthor.number,
            ThreadAuthor.is_op,
            Account.department,
        )
        .join(Account, Account.id == ThreadAuthor.account_id)
        .where(
            ThreadAuthor.thread_id == thread_id,
            ThreadAuthor.account_id.in_({row.author_id for row in rows}),  # type: ignore[attr-defined]
        )
    )
    authors = {a: public.author(kind, number, is_op, dept) for a, kind, number, is_op, dept in labels}
    return {row.seq: public.comment(row, authors[row.author_id]) for row in rows}


async def thread_frames(
    session: AsyncSession, thread_id: int, after: int, upto: int
) -> list[tuple[int, str]]:
    """The thread channel's frames with `after` < seq <= `upto`, read back from the log and shown
    as the comments they carry may be shown now."""
    events = list(
        (
            await session.execute(
                select(Event)
                .where(Event.thread_id == thread_id, Event.seq > after, Event.seq <= upto)  # type: ignore[operator]
                .order_by(Event.seq)  # type: ignore[arg-type]
            )
        )
        .scalars()
        .all()
    )
    states = await comment_states(session, filter(None, (carried_comment_id(e.payload) for e in events)))
    thread = await thread_state(session, thread_id)
    erased = await erased_comments(session, thread_id, events)
    name = ch.thread_channel(thread_id)
    frames = []
    for event in events:
        assert event.seq is not None
        if event.seq in erased and event.type == EventType.COMMENT_CREATED:
            data = {"comment": erased[event.seq], **ERASED}
        else:
            data = shown_to(Audience.PUBLIC, event.payload, states, thread)
        frames.append((event.seq, ch.event_frame(name, event.type, data, event.seq)))
    return frames


async def staff_rows(
    session: AsyncSession, stmt: Any, secret: bytes, *, admin: bool = False
) -> list[tuple[Event, dict[str, Any]]]:
    """Log rows selected by `stmt` (over Event and Account.kind) as staff see them; `admin`: as an
    admin sees them (the actor of `account.*` rows named)."""
    if admin:
        rows = await session.execute(
            stmt.add_columns(Account.login).outerjoin(Account, Account.id == Event.actor_account_id)
        )
        return [(event, staff_view(event, kind, secret, login)) for event, kind, login in rows]
    rows = await session.execute(stmt.outerjoin(Account, Account.id == Event.actor_account_id))
    return [(event, staff_view(event, kind, secret)) for event, kind in rows]


async def log_frames(
    session: AsyncSession, after_id: int, limit: int, secret: bytes
) -> list[tuple[int, str, str | None]]:
    """(log id, staff frame, board frame or None) after `after_id`: what a hub polling SQL while
    its broker is down passes on to its staff and board watchers."""
    stmt = select(Event, Account.kind).where(Event.id > after_id).order_by(Event.id).limit(limit)  # type: ignore[arg-type,operator]
    out: list[tuple[int, str, str | None]] = []
    for event, shown in await staff_rows(session, stmt, secret):
        assert event.id is not None
        staff = ch.event_frame(ch.STAFF, event.type, {"event": shown})
        board = None
        if (
            event.type == EventType.THREAD_CREATED
            and event.thread_id is not None
            and not is_erased(event.payload)
        ):
            # Read back later than it was sent live: the proposal may have been hidden since.
            state = await thread_state(session, event.thread_id)
            thread = event.payload["thread"]
            board = board_created_frame({"thread": conceal_thread(thread, state) if state.hidden else thread})
        out.append((event.id, staff, board))
    return out
