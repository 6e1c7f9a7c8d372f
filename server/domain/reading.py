"""Public reads: the board, a thread, its comments; and the frames the hub rebuilds from SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.contract.errors import Invalid, NotFound
from server.contract.vocabulary import OUTCOMES, PROPOSAL, STATUSES, THREAD_KINDS, WITHDRAWN
from server.domain.attachments import Attachments, with_attachments
from server.events import channels as ch
from server.events import public
from server.events import seam as events
from server.runtime.periodic import Periodic
from server.store import search
from server.store.database import Database
from server.store.models import (
    Account,
    Answer,
    Category,
    Comment,
    Event,
    Recommendation,
    Thread,
    ThreadAuthor,
)
from server.text.validation import in_range, parse_time

SORTS = {
    "latest": (Thread.id, None),
    "recommended": (Thread.recommendation_count, Thread.id),
    "active": (Thread.last_activity_at, Thread.id),
    "commented": (Thread.comment_count, Thread.id),
}


async def thread_authors(
    session: AsyncSession, thread_id: int, account_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """Public author objects of these accounts inside one thread."""
    if not account_ids:
        return {}
    rows = await session.execute(
        select(
            ThreadAuthor.account_id,
            ThreadAuthor.kind,
            ThreadAuthor.number,
            ThreadAuthor.is_op,
            Account.department,
        )
        .join(Account, Account.id == ThreadAuthor.account_id)
        .where(ThreadAuthor.thread_id == thread_id, ThreadAuthor.account_id.in_(set(account_ids)))  # type: ignore[attr-defined]
    )
    return {
        account_id: public.author(kind, number, is_op, department)
        for account_id, kind, number, is_op, department in rows
    }


def _op_query() -> Any:
    return (
        select(Thread, ThreadAuthor.kind, ThreadAuthor.number, Account.department)
        .join(
            ThreadAuthor,
            and_(ThreadAuthor.thread_id == Thread.id, ThreadAuthor.account_id == Thread.author_id),
        )
        .join(Account, Account.id == Thread.author_id)
    )


# How often queued comments join their threads' search documents (flush_search).
SEARCH_FLUSH_S = 1.0


class Reader:
    def __init__(self, db: Database, secret: bytes, page_limit_max: int) -> None:
        self.db = db
        self.secret = secret
        self.page_limit_max = page_limit_max
        # Started by the app's lifespan (services.start).
        self.search_flush = Periodic("search-flush", self._flush_step, SEARCH_FLUSH_S)

    async def _flush_step(self) -> float | None:
        await self.flush_search()
        return None

    async def flush_search(self) -> int:
        """Fold queued comments and rebuilds into the search index; how many queue rows. Run
        before every search too, so a search sees everything committed before it. Reading and
        analysing happen before the write transaction, which only deletes the queue rows and
        rewrites the documents."""
        return await search.flush(self.db)

    def _limit(self, limit: int | None, default: int) -> int:
        if limit is None:
            return default
        if limit < 1 or limit > self.page_limit_max:
            raise Invalid(f"limit must be between 1 and {self.page_limit_max}", {"limit": "out_of_range"})
        return limit

    async def list_threads(
        self,
        *,
        kind: str | None,
        status: str | None,
        sort: str | None,
        q: str | None,
        cursor: str | None,
        limit: int | None,
        viewer: Account | None,
        outcome: str | None = None,
        category: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> tuple[list[Thread], list[dict[str, Any]], str | None]:
        """A page of the board. With `q` it is a search: by relevance unless another sort is
        asked for, each item saying which part matched (`match`) with a `highlight` snippet."""
        query = await search.parse(q) if q and q.strip() else None
        if sort is None:
            sort = "relevance" if query is not None else "latest"
        if sort not in SORTS and sort != "relevance":
            raise Invalid(f"sort must be one of {', '.join(SORTS)} or relevance", {"sort": "unknown"})
        if kind is not None and kind not in THREAD_KINDS:
            raise Invalid("kind must be proposal or change", {"kind": "unknown"})
        if status is not None and status not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)}", {"status": "unknown"})
        if outcome is not None and outcome not in OUTCOMES:
            raise Invalid(f"outcome must be one of {', '.join(OUTCOMES)}", {"outcome": "unknown"})
        size = self._limit(limit, 20)
        where = _filters(kind, status, outcome, category, since, until)
        if sort == "relevance":
            return await self._search_page(query, where, cursor, size, viewer)
        primary, tiebreak = SORTS[sort]
        stmt = _op_query().where(*where)
        if query is not None:
            await self.flush_search()
        async with self.db.read() as session:
            if query is not None:
                stmt = stmt.where(search.matching(search.dialect_of(session), query))
            if cursor:
                stmt = stmt.where(_after_cursor(cursor, primary, tiebreak))
            order = [primary.desc()] if tiebreak is None else [primary.desc(), tiebreak.desc()]  # type: ignore[attr-defined]
            stmt = stmt.order_by(*order).limit(size + 1)
            rows = (await session.execute(stmt)).all()
            mine = await _recommended(session, viewer, "thread", [r[0].id for r in rows])
            threads = [r[0] for r in rows[:size]]
            marks = await search.highlights(session, threads, query) if query is not None else {}
        items = self._items(rows[:size], viewer, mine, marks)
        next_cursor = None
        if len(rows) > size:
            last = threads[-1]
            value = getattr(last, primary.key)
            values = [value.isoformat() if hasattr(value, "isoformat") else value, last.id]
            next_cursor = public.encode_cursor(values if tiebreak is not None else [last.id])
        return threads, items, next_cursor

    async def _search_page(
        self,
        query: search.Query | None,
        where: list[Any],
        cursor: str | None,
        size: int,
        viewer: Account | None,
    ) -> tuple[list[Thread], list[dict[str, Any]], str | None]:
        if query is None:
            raise Invalid("sort=relevance needs a search query q", {"sort": "needs_q"})
        offset = _offset_cursor(cursor) if cursor else 0
        await self.flush_search()
        async with self.db.read() as session:
            ids = await search.ranked(session, query, where, offset, size + 1)
            page = ids[:size]
            rows = (await session.execute(_op_query().where(Thread.id.in_(page)))).all() if page else []  # type: ignore[union-attr]
            order = {thread_id: i for i, thread_id in enumerate(page)}
            rows = sorted(rows, key=lambda r: order[r[0].id])
            mine = await _recommended(session, viewer, "thread", page)
            threads = [r[0] for r in rows]
            marks = await search.highlights(session, threads, query)
        items = self._items(rows, viewer, mine, marks)
        next_cursor = public.encode_cursor(["relevance", offset + size]) if len(ids) > size else None
        return threads, items, next_cursor

    def _items(
        self, rows: Sequence[Any], viewer: Account | None, mine: set[int], marks: dict[int, dict[str, str]]
    ) -> list[dict[str, Any]]:
        items = []
        for thread, op_kind, number, department in rows:
            item = public.thread_summary(thread, public.author(op_kind, number, True, department))
            _add_viewer_marks(item, thread.author_id, thread.id, viewer, mine)
            item.update(marks.get(thread.id, {}))
            items.append(item)
        return items

    async def similar(self, title: str, limit: int, exclude: int | None = None) -> list[dict[str, Any]]:
        """Proposals like this title (the composer's warning, the thread page's "비슷한 제안"):
        the best ranked that share at least half of the title's terms (two at most)."""
        query = await search.parse(title)
        if query.empty:
            return []
        where = [Thread.kind == PROPOSAL]
        if exclude is not None:
            where.append(Thread.id != exclude)
        await self.flush_search()
        async with self.db.read() as session:
            ids = await search.ranked(session, query, where, 0, limit * 4)
            counts = await search.matched_terms(session, ids, query)
            enough = min(2, max(1, (len(query.terms) + 1) // 2))
            page = [i for i in ids if counts.get(i, 0) >= enough][:limit]
            rows = (await session.execute(_op_query().where(Thread.id.in_(page)))).all() if page else []  # type: ignore[union-attr]
            order = {thread_id: i for i, thread_id in enumerate(page)}
            rows = sorted(rows, key=lambda r: order[r[0].id])
            marks = await search.highlights(session, [r[0] for r in rows], query)
        return self._items(rows, None, set(), marks)

    async def thread(self, thread_id: int, viewer: Account | None) -> dict[str, Any]:
        async with self.db.read() as session:
            row = (await session.execute(_op_query().where(Thread.id == thread_id))).first()
            if row is None:
                raise NotFound(f"thread {thread_id} does not exist")
            thread, op_kind, number, department = row
            # Everything below is cut at this seq, so REST and the live channel meet without overlap.
            answers = await session.execute(
                select(Answer, func.coalesce(Answer.department, Account.department))
                .join(Account, Account.id == Answer.author_id)
                .where(Answer.thread_id == thread_id, Answer.seq <= thread.seq)
                .order_by(Answer.seq)  # type: ignore[arg-type]
            )
            answer_rows = list(answers)
            mine = await _recommended(session, viewer, "thread", [thread_id])
            files = await Attachments.of(session, "thread", [thread_id])
            answer_files = await Attachments.of(session, "answer", [a.id for a, _ in answer_rows])
        shown = public.thread_detail(
            thread,
            public.author(op_kind, number, True, department),
            [with_attachments(public.answer(a, dept), answer_files.get(a.id)) for a, dept in answer_rows],
        )
        if thread.status != WITHDRAWN and not thread.hidden:
            with_attachments(shown, files.get(thread_id))
        _add_viewer_marks(shown, thread.author_id, thread.id, viewer, mine)
        return shown

    async def comments(
        self, thread_id: int, after_seq: int | None, limit: int | None, viewer: Account | None
    ) -> dict[str, Any]:
        size = self._limit(limit, 100)
        async with self.db.read() as session:
            found = (
                await session.execute(select(Thread.seq, Thread.hidden).where(Thread.id == thread_id))
            ).first()
            if found is None:
                raise NotFound(f"thread {thread_id} does not exist")
            latest, thread_hidden = found
            stmt = select(Comment).where(Comment.thread_id == thread_id, Comment.seq <= latest)
            if after_seq is not None:
                stmt = stmt.where(Comment.seq > after_seq)
            rows = list((await session.execute(stmt.order_by(Comment.seq).limit(size + 1))).scalars().all())  # type: ignore[arg-type]
            more = len(rows) > size
            rows = rows[:size]
            authors = await thread_authors(session, thread_id, [c.author_id for c in rows])
            mine = await _recommended(session, viewer, "comment", [c.id for c in rows])
            files = await Attachments.of(
                session, "comment", [c.id for c in rows if not c.hidden and not c.withdrawn]
            )
        items = []
        for row in rows:
            item = with_attachments(public.comment(row, authors[row.author_id]), files.get(row.id))
            if thread_hidden:
                # A hidden proposal's comments keep their place and seq, not their text nor files
                # (v1.2).
                item["body"] = None
                item["attachments"] = []
            _add_viewer_marks(item, row.author_id, row.id, viewer, mine)
            items.append(item)
        return {"items": items, "seq": latest, "has_more": more}

    # --- what the hub reads (FrameStore) ----------------------------------------------------

    async def latest_seqs(self, thread_ids: list[int]) -> dict[int, int]:
        async with self.db.read() as session:
            rows = await session.execute(select(Thread.id, Thread.seq).where(Thread.id.in_(thread_ids)))  # type: ignore[union-attr]
            return {thread_id: seq for thread_id, seq in rows}

    async def thread_frames(self, thread_id: int, after: int, upto: int) -> list[tuple[int, str]]:
        async with self.db.read() as session:
            return await events.thread_frames(session, thread_id, after, upto)

    async def thread_counts(self, thread_id: int, comment_ids: list[int]) -> dict[str, Any]:
        """A thread channel's counts frame data. No `comments` (optional since v1.1): a count read
        here may already include a comment whose event has not reached the watcher, who counts
        the comment.created events it applies instead."""
        async with self.db.read() as session:
            recommendations = (
                await session.execute(select(Thread.recommendation_count).where(Thread.id == thread_id))
            ).scalar()
            per_comment: dict[str, int] = {}
            if comment_ids:
                rows = await session.execute(
                    select(Comment.id, Comment.recommendation_count).where(
                        Comment.thread_id == thread_id,
                        Comment.id.in_(comment_ids),  # type: ignore[union-attr]
                    )
                )
                per_comment = {str(cid): count for cid, count in rows}
        return {"recommendations": recommendations or 0, "comment_recommendations": per_comment}

    async def summaries(self, thread_ids: list[int], watchers: dict[int, int]) -> list[dict[str, Any]]:
        async with self.db.read() as session:
            rows = (await session.execute(_op_query().where(Thread.id.in_(thread_ids)))).all()  # type: ignore[union-attr]
        return [
            public.thread_summary(
                thread, public.author(kind, number, True, department), watchers.get(thread.id or 0, 0)
            )
            for thread, kind, number, department in rows
        ]

    async def summary_frames(self, thread_ids: list[int], watchers: dict[int, int]) -> list[str]:
        return [
            ch.event_frame(ch.BOARD, "thread.summary", {"thread": summary})
            for summary in await self.summaries(thread_ids, watchers)
        ]

    async def max_log_id(self) -> int:
        async with self.db.read() as session:
            return (await session.execute(select(func.max(Event.id)))).scalar() or 0

    async def log_frames(self, after_id: int, limit: int) -> list[tuple[int, str, str | None]]:
        async with self.db.read() as session:
            return await events.log_frames(session, after_id, limit, self.secret)


def _filters(
    kind: str | None,
    status: str | None,
    outcome: str | None,
    category: str | None,
    since: str | None,
    until: str | None,
) -> list[Any]:
    where: list[Any] = []
    if kind:
        where.append(Thread.kind == kind)
    if status:
        where.append(Thread.status == status)
    if outcome:
        where.append(Thread.outcome == outcome)
    if category:
        # The slug a shared URL carries (stable across renames), or the name as threads show it.
        chosen = select(Category.id).where(
            or_(Category.slug == category.lower(), Category.name == category)  # type: ignore[arg-type]
        )
        where.append(Thread.category_id.in_(chosen.scalar_subquery()))  # type: ignore[union-attr]
    start = parse_time(since, "since")
    if start is not None:
        where.append(Thread.created_at >= start)
    end = parse_time(until, "until")
    if end is not None:
        # A date alone means the whole day.
        if until is not None and len(until) == 10:
            end = end + timedelta(days=1)
            where.append(Thread.created_at < end)
        else:
            where.append(Thread.created_at <= end)
    return where


def _offset_cursor(cursor: str) -> int:
    try:
        values = public.decode_cursor(cursor)
        if len(values) != 2 or values[0] != "relevance" or not isinstance(values[1], int):
            raise ValueError("not a relevance cursor")
        return values[1]
    except (ValueError, TypeError) as exc:
        raise Invalid("cursor is not valid; start again without it", {"cursor": "invalid"}) from exc


def _after_cursor(cursor: str, primary: Any, tiebreak: Any) -> Any:
    try:
        values = public.decode_cursor(cursor)
        if tiebreak is None:
            (last_id,) = values
            return primary < int(last_id)
        value, last_id = values
        if primary.key.endswith("_at"):
            value = datetime.fromisoformat(value)
            # encode_cursor writes an aware time; a naive one (or one at datetime's edges) would
            # reach the database as a value it refuses.
            if value.tzinfo is None or not in_range(value):
                raise ValueError("a time cursor holds an aware time")
        elif not isinstance(value, int):
            raise TypeError("a count cursor holds an integer")
        return or_(primary < value, and_(primary == value, tiebreak < int(last_id)))
    except (ValueError, TypeError) as exc:
        raise Invalid("cursor is not valid; start again without it", {"cursor": "invalid"}) from exc


async def _recommended(
    session: AsyncSession, viewer: Account | None, target: str, ids: Sequence[int | None]
) -> set[int]:
    if viewer is None or not ids:
        return set()
    rows = await session.execute(
        select(Recommendation.target_id).where(
            Recommendation.target == target,
            Recommendation.account_id == viewer.id,
            Recommendation.target_id.in_([i for i in ids if i is not None]),  # type: ignore[attr-defined]
        )
    )
    return set(rows.scalars())


def _add_viewer_marks(
    item: dict[str, Any], author_id: int, target_id: int | None, viewer: Account | None, recommended: set[int]
) -> None:
    """REST answers to a logged-in reader say which posts are theirs and which they recommended."""
    if viewer is None:
        return
    if author_id == viewer.id:
        item["mine"] = True
    item["recommended"] = target_id in recommended
