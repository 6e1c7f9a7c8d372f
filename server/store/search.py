"""Search: one module over two backends (SQLite FTS5 with bm25, PostgreSQL tsvector with ts_rank).

What is indexed is `SearchDocument`, one row per thread, each part (title, body, answers,
comments) as the analyser's tokens of its public text: a hidden or withdrawn comment is never in
it, a held one only once it is released.

The event seam (`events.EventLog.change`) calls `apply` with the rows of each change before it
commits, and `apply` only queues (`SearchPending`, written in that transaction, so nothing is
lost): a new comment to join its thread's document, or a whole thread to be rebuilt (a new
proposal, an edit, an answer, a hidden or restored comment). The Korean analysis never runs in a
change's transaction: a 20,000-character proposal took 2.8 s to analyse while it held SQLite's
write lock, and every other writer waited that long. `flush` reads the queue and the public text,
analyses with no transaction open, then writes in one short transaction (`append`): a thread's
new comments in one rewrite (rewriting the document per comment cost in proportion to the
thread's size: 1.6 ms of SQLite's time for a comment on a 300-comment thread, against 0.2 ms for
the queue's insert), a rebuilt thread whole. The flush (`reading.Reader.flush_search`) runs every
second and before every search, so a search finds everything committed before it.

Queries are analysed the same way and matched with OR over their tokens, ranked: a thread that
has more of them, in its title rather than its comments, comes first.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.contract.vocabulary import EventType
from server.store import analyser
from server.store.database import Database
from server.store.models import SEARCH_FTS_TABLE, Answer, Comment, SearchDocument, SearchPending, Thread

PARTS = ("title", "body", "answers", "comments")
# Which part a match is reported as (PROTOCOL: match "title" | "body" | "comment" | "answer").
MATCH_NAMES = {"title": "title", "body": "body", "answers": "answer", "comments": "comment"}
# bm25 column weights (SQLite) in PARTS order; PostgreSQL gets the same order through A, B, B, D.
BM25_WEIGHTS = (10.0, 4.0, 4.0, 1.0)
MAX_TERMS = 16
SNIPPET_CHARS = 160

# Rows after which a thread's document is rebuilt from its current public text (edits and
# withdrawals included: the rebuild reads what the public reads now).
REBUILD_TYPES = frozenset(
    {
        EventType.THREAD_CREATED,
        EventType.THREAD_UPDATED,
        EventType.THREAD_HIDDEN,
        EventType.THREAD_RESTORED,
        EventType.COMMENT_HIDDEN,
        EventType.COMMENT_RESTORED,
        EventType.COMMENT_EDITED,
        EventType.COMMENT_WITHDRAWN,
        EventType.ANSWER_POSTED,
        EventType.ANSWER_EDITED,
    }
)


class Row(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def thread_id(self) -> int | None: ...
    @property
    def payload(self) -> dict[str, Any]: ...


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


# --- keeping the index ------------------------------------------------------------------------


async def apply(session: AsyncSession, rows: Sequence[Row]) -> None:
    """Queue the index work these event rows need, in the caller's transaction: inserts only. The
    analysis (seconds for a 20,000-character proposal) runs in `flush`, before its own short
    write transaction: never while a change holds SQLite's write lock or a thread's row lock."""
    rebuild: list[int] = []
    comments: list[tuple[int, int]] = []
    for row in rows:
        if row.thread_id is None:
            continue
        if row.type in REBUILD_TYPES:
            if row.thread_id not in rebuild:
                rebuild.append(row.thread_id)
        elif row.type == EventType.COMMENT_CREATED:
            comment = row.payload.get("comment") or {}
            if not comment.get("hidden") and comment.get("body"):
                comments.append((row.thread_id, comment["id"]))
    await queue_comments(session, [(t, c) for t, c in comments if t not in rebuild])
    await queue_rebuilds(session, rebuild)


async def public_texts(session: AsyncSession, thread_id: int) -> PublicText | None:
    """The thread's text the public may read, by part, with the ids of the comments in it; None
    when there is no such thread."""
    thread = (
        await session.execute(select(Thread.title, Thread.body, Thread.hidden).where(Thread.id == thread_id))
    ).first()
    if thread is None:
        return None
    if thread.hidden:
        # A hidden proposal is found by nothing it said, nor by its comments (v1.2).
        return PublicText({part: [] for part in PARTS}, ())
    answers = (
        await session.execute(
            select(Answer.body).where(Answer.thread_id == thread_id).order_by(Answer.seq)  # type: ignore[arg-type]
        )
    ).scalars()
    comments = (
        await session.execute(
            select(Comment.id, Comment.body)
            .where(Comment.thread_id == thread_id, Comment.hidden == False, Comment.withdrawn == False)  # type: ignore[arg-type]  # noqa: E712
            .order_by(Comment.seq)  # type: ignore[arg-type]
        )
    ).all()
    texts = {
        "title": [thread.title],
        "body": [thread.body],
        "answers": list(answers),
        "comments": [body for _, body in comments],
    }
    return PublicText(texts, tuple(comment_id for comment_id, _ in comments))


@dataclass(frozen=True)
class PublicText:
    texts: dict[str, list[str]]
    comment_ids: tuple[int, ...]


def analyse_parts(texts: dict[str, list[str]]) -> dict[str, str]:
    """Blocking: the analysed token string of each part."""
    return {part: analyser.document(texts[part]) for part in PARTS}


async def upsert(session: AsyncSession, documents: list[dict[str, Any]]) -> None:
    if not documents:
        return
    insert = pg_insert if dialect_of(session) == "postgresql" else sqlite_insert
    stmt = insert(SearchDocument)
    stmt = stmt.on_conflict_do_update(
        index_elements=["thread_id"], set_={part: stmt.excluded[part] for part in PARTS}
    )
    await session.execute(stmt, documents)


_PENDING = SearchPending.__table__  # type: ignore[attr-defined]
_COMMENT = Comment.__table__  # type: ignore[attr-defined]
_THREAD = Thread.__table__  # type: ignore[attr-defined]
_DOCUMENT = sa.table("search_document", sa.column("thread_id"), sa.column("comments"))
# Waiting rows one flush takes: a backlog is worked off in steps, each a short transaction.
FLUSH_BATCH = 2000
# Rebuilds one flush analyses (each reads and analyses a whole thread): the rest wait their turn.
REBUILD_BATCH = 20
# Comment ids per `IN (...)`: far below SQLite's and asyncpg's parameter limits.
IDS_PER_STATEMENT = 500


async def queue_comments(session: AsyncSession, comments: list[tuple[int, int]]) -> None:
    """Queue new public comments (thread id, comment id) for their threads' documents (`flush`)."""
    if comments:
        await session.execute(sa.insert(_PENDING), [{"thread_id": t, "comment_id": c} for t, c in comments])


async def queue_rebuilds(session: AsyncSession, thread_ids: Sequence[int]) -> None:
    """Queue these threads' documents to be rebuilt from their public text (`flush`)."""
    if thread_ids:
        await session.execute(sa.insert(_PENDING), [{"thread_id": t, "comment_id": None} for t in thread_ids])


async def has_pending(session: AsyncSession) -> bool:
    return (await session.execute(select(_PENDING.c.id).limit(1))).first() is not None


@dataclass(frozen=True)
class Waiting:
    """A queued comment, analysed: its queue row, its thread and its tokens ("" when hidden or
    withdrawn since it was queued)."""

    id: int
    thread_id: int
    tokens: str


@dataclass(frozen=True)
class Rebuild:
    """A thread's document analysed afresh: the queue rows that asked for it, the public comments
    its text holds, and its parts (None: the thread is gone)."""

    ids: tuple[int, ...]
    thread_id: int
    comment_ids: tuple[int, ...]
    parts: dict[str, str] | None


@dataclass(frozen=True)
class Waited:
    """What one flush read and analysed."""

    comments: list[Waiting]
    rebuilds: list[Rebuild]

    def __bool__(self) -> bool:
        return bool(self.comments or self.rebuilds)


@dataclass(frozen=True)
class _Read:
    comments: list[tuple[int, int, str]]
    rebuilds: list[tuple[tuple[int, ...], int, PublicText | None]]


async def _read_waiting(session: AsyncSession, batch: int, upto: int) -> _Read:
    taken = select(_PENDING.c.id, _PENDING.c.thread_id, _PENDING.c.comment_id).where(_PENDING.c.id <= upto)
    rows = (await session.execute(taken.order_by(_PENDING.c.id).limit(batch))).all()
    rebuild_rows: dict[int, list[int]] = {}
    for row in rows:
        if row.comment_id is None and (row.thread_id in rebuild_rows or len(rebuild_rows) < REBUILD_BATCH):
            rebuild_rows.setdefault(row.thread_id, []).append(row.id)
    # A thread being rebuilt takes its waiting comments with it (its text holds them); a thread
    # whose rebuild is left for the next flush keeps them waiting too, so none joins twice.
    later = {row.thread_id for row in rows if row.comment_id is None}
    comment_rows = [row for row in rows if row.comment_id is not None and row.thread_id not in later]
    bodies: dict[int, str] = {}
    if comment_rows:
        public = await session.execute(
            select(_COMMENT.c.id, _COMMENT.c.body)
            .select_from(_COMMENT.join(_THREAD, _THREAD.c.id == _COMMENT.c.thread_id))
            .where(
                _COMMENT.c.id.in_([r.comment_id for r in comment_rows]),
                _COMMENT.c.hidden == sa.false(),
                _COMMENT.c.withdrawn == sa.false(),
                # Nor a comment of a proposal hidden since it was queued (v1.2).
                _THREAD.c.hidden == sa.false(),
            )
        )
        bodies = {comment_id: body for comment_id, body in public}
    rebuilds = [(tuple(ids), t, await public_texts(session, t)) for t, ids in rebuild_rows.items()]
    return _Read([(r.id, r.thread_id, bodies.get(r.comment_id, "")) for r in comment_rows], rebuilds)


def _analyse(read: _Read) -> Waited:
    comments = [Waiting(id_, thread_id, analyser.document([body])) for id_, thread_id, body in read.comments]
    rebuilds = [
        Rebuild(ids, thread_id, text.comment_ids, analyse_parts(text.texts))
        if text is not None
        else Rebuild(ids, thread_id, (), None)
        for ids, thread_id, text in read.rebuilds
    ]
    return Waited(comments, rebuilds)


async def waiting(db: Database, batch: int, upto: int) -> Waited:
    """The oldest queued work, read (a read transaction) and then analysed off the event loop
    with no transaction open: no lock of any kind waits for the analyser (`append` is the short
    write)."""
    async with db.read() as session:
        read = await _read_waiting(session, batch, upto)
    if not read.comments and not read.rebuilds:
        return Waited([], [])
    await analyser.ready()
    return await asyncio.to_thread(_analyse, read)


async def append(session: AsyncSession, waited: Waited) -> int:
    """Write what a flush analysed, in the caller's (short) transaction; how many queue rows it
    took. Only the queue rows this transaction deletes are written: a row another process flushed
    meanwhile, or that a rebuild took with its thread, is gone and left out, so no comment joins a
    document twice and no rebuild from an older text overwrites a newer one (a newer change queues
    its own rebuild, and whoever reads that one after this read takes this one's rows too).

    Every queue row is deleted before any document is written, and documents are written in
    thread order: two flushes (two processes) then never hold a document while waiting for a
    queue row the other holds (a deadlock on PostgreSQL)."""
    owned, taken = await _take_rebuilds(session, waited.rebuilds)
    by_thread: dict[int, list[str]] = {}
    by_id = {item.id: item for item in waited.comments}
    if by_id:
        deleted = await session.execute(
            sa.delete(_PENDING).where(_PENDING.c.id.in_(list(by_id))).returning(_PENDING.c.id)
        )
        for (queue_id,) in deleted:
            taken += 1
            item = by_id[queue_id]
            if item.tokens:
                by_thread.setdefault(item.thread_id, []).append(item.tokens)
    for thread_id in sorted({*owned, *by_thread}):
        if thread_id in owned:
            await _write_rebuild(session, owned[thread_id])
        else:
            await _append_comments(session, thread_id, " ".join(by_thread[thread_id]))
    return taken


async def _take_rebuilds(
    session: AsyncSession, rebuilds: Sequence[Rebuild]
) -> tuple[dict[int, Rebuild], int]:
    """Delete the rebuilds' queue rows; the rebuilds this transaction owns (by thread), with the
    queued comments their texts hold (those no longer wait; one committed after the text was
    read still does), and how many rows that took."""
    if not rebuilds:
        return {}, 0
    asked = {queue_id: rebuild for rebuild in rebuilds for queue_id in rebuild.ids}
    deleted = await session.execute(
        sa.delete(_PENDING).where(_PENDING.c.id.in_(list(asked))).returning(_PENDING.c.id)
    )
    owned: dict[int, Rebuild] = {}
    taken = 0
    for (queue_id,) in deleted:
        taken += 1
        owned[asked[queue_id].thread_id] = asked[queue_id]
    for thread_id, rebuild in sorted(owned.items()):
        if rebuild.parts is None:
            await session.execute(sa.delete(_PENDING).where(_PENDING.c.thread_id == thread_id))
            continue
        ids = list(rebuild.comment_ids)
        for start in range(0, len(ids), IDS_PER_STATEMENT):
            result = await session.execute(
                sa.delete(_PENDING).where(
                    _PENDING.c.thread_id == thread_id,
                    _PENDING.c.comment_id.in_(ids[start : start + IDS_PER_STATEMENT]),
                )
            )
            taken += max(0, getattr(result, "rowcount", 0) or 0)
    return owned, taken


async def _write_rebuild(session: AsyncSession, rebuild: Rebuild) -> None:
    if rebuild.parts is None:
        await session.execute(sa.delete(SearchDocument).where(SearchDocument.thread_id == rebuild.thread_id))  # type: ignore[arg-type]
    else:
        await upsert(session, [{"thread_id": rebuild.thread_id, **rebuild.parts}])


async def _append_comments(session: AsyncSession, thread_id: int, joined: str) -> None:
    doc = _DOCUMENT
    result = await session.execute(
        sa.update(doc)
        .where(doc.c.thread_id == thread_id)
        .values(comments=sa.case((doc.c.comments == "", joined), else_=doc.c.comments + " " + joined))
    )
    if getattr(result, "rowcount", 1) == 0:
        # No document yet (a thread from before the index): the next flush builds it, this
        # comment included (a rebuild reads every public comment).
        await queue_rebuilds(session, [thread_id])


async def flush(db: Database, batch: int = FLUSH_BATCH) -> int:
    """Fold everything queued before this call into the index, in rounds: each reads and
    analyses first, then writes in one short transaction. How many queue rows it took."""
    async with db.read() as session:
        upto = (await session.execute(select(sa.func.max(_PENDING.c.id)))).scalar_one_or_none()
    taken = 0
    while upto is not None:
        waited = await waiting(db, batch, upto)
        if not waited:
            break
        async with db.transaction() as session:
            taken += await append(session, waited)
    return taken


# --- querying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.terms


async def parse(text: str) -> Query:
    """Analyse a query (off the event loop); its terms are the analysed tokens, at most 16."""
    await analyser.ready()
    terms = await asyncio.to_thread(analyser.query_terms, text)
    return Query(text, tuple(terms[:MAX_TERMS]))


def _fts_match(terms: Iterable[str]) -> str:
    # Tokens are letters and digits only (analyser._normal), so quoting each is enough.
    return " OR ".join(f'"{term}"' for term in terms)


def _tsquery(terms: Iterable[str]) -> str:
    return " | ".join(f"'{term}'" for term in terms)


_FTS = sa.table(SEARCH_FTS_TABLE, sa.column("rowid"))
_FTS_NAME: Any = sa.literal_column(SEARCH_FTS_TABLE)
_DOC = sa.table("search_document", sa.column("thread_id"), sa.column("document"), sa.column("head"))
_SIMPLE: Any = sa.literal_column("'simple'::regconfig")
# PostgreSQL ranks at most this many matching threads, the newest: a word found in most of a
# large board (입찰 on a procurement board) would otherwise rank tens of thousands of rows per
# request. Below it, the order is exact.
RANK_CANDIDATES = 500


def matching(dialect: str, query: Query) -> Any:
    """A where-clause on Thread: the thread matches the query."""
    if query.empty:
        return sa.false()
    if dialect == "postgresql":
        ts = sa.func.to_tsquery(_SIMPLE, _tsquery(query.terms))
        ids = select(_DOC.c.thread_id).where(_DOC.c.document.op("@@")(ts))
    else:
        ids = select(_FTS.c.rowid).where(_FTS_NAME.op("MATCH")(_fts_match(query.terms)))
    return Thread.id.in_(ids)  # type: ignore[union-attr]


async def ranked(
    session: AsyncSession, query: Query, where: Sequence[Any], offset: int, limit: int
) -> list[int]:
    """Ids of matching threads that pass `where` (clauses on Thread), best first."""
    if query.empty:
        return []
    if dialect_of(session) == "postgresql":
        ts = sa.func.to_tsquery(_SIMPLE, _tsquery(query.terms))
        # The threads table only when a filter needs it.
        source = _DOC.join(Thread, Thread.id == _DOC.c.thread_id) if where else _DOC  # type: ignore[arg-type]
        candidates = (
            select(_DOC.c.thread_id, _DOC.c.head)
            .select_from(source)
            .where(_DOC.c.document.op("@@")(ts), *where)
            .order_by(_DOC.c.thread_id.desc())
            .limit(RANK_CANDIDATES)
            .subquery()
        )
        # Title, body and answers rank (weights A, B, B); a match in comments only ranks after.
        score = sa.func.ts_rank(candidates.c.head, ts)
        stmt = select(candidates.c.thread_id).order_by(score.desc(), candidates.c.thread_id.desc())
    else:
        score = sa.func.bm25(_FTS_NAME, *BM25_WEIGHTS)
        stmt = (
            select(Thread.id)
            .select_from(_FTS.join(Thread, Thread.id == _FTS.c.rowid))  # type: ignore[arg-type]
            .where(_FTS_NAME.op("MATCH")(_fts_match(query.terms)), *where)
            .order_by(score, Thread.id.desc())  # type: ignore[union-attr]
        )
    return list((await session.execute(stmt.offset(offset).limit(limit))).scalars())


# --- what matched, highlighted --------------------------------------------------------------


def _pattern(terms: Iterable[str]) -> re.Pattern[str]:
    # Longest first, so 낙찰자 is marked whole rather than as 낙찰.
    ordered = sorted(set(terms), key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)


def snippet(text: str, terms: Iterable[str], width: int = SNIPPET_CHARS) -> str | None:
    """HTML-escaped text around the first match, each matched word in <mark>...</mark>; None when
    no term occurs. The terms are the analyser's tokens (nouns, roots and stems), which occur in
    the text as written, so marking finds them without analysing the text again."""
    pattern = _pattern(terms)
    first = pattern.search(text)
    if first is None:
        return None
    start = max(0, first.start() - width // 4) if len(text) > width else 0
    end = min(len(text), start + width)
    window = text[start:end]
    marks: list[tuple[int, int]] = []
    for found in pattern.finditer(window):
        if marks and found.start() <= marks[-1][1]:
            # Parts of one word (수의 + 계약) make one mark.
            marks[-1] = (marks[-1][0], max(marks[-1][1], found.end()))
        else:
            marks.append((found.start(), found.end()))
    out = ["…" if start > 0 else ""]
    at = 0
    for mark_start, mark_end in marks:
        out.append(html.escape(window[at:mark_start]))
        out.append("<mark>" + html.escape(window[mark_start:mark_end]) + "</mark>")
        at = mark_end
    out.append(html.escape(window[at:]))
    out.append("…" if end < len(text) else "")
    return "".join(out)


async def highlights(
    session: AsyncSession, threads: Sequence[Thread], query: Query
) -> dict[int, dict[str, str]]:
    """For each thread, which part matched first (title, body, answer, comment) and a snippet."""
    ids = [t.id for t in threads if t.id is not None]
    if query.empty or not ids:
        return {}
    wanted = set(query.terms)
    # The small parts' tokens only: a busy thread's comments can be long.
    rows = await session.execute(
        select(
            SearchDocument.thread_id, SearchDocument.title, SearchDocument.body, SearchDocument.answers
        ).where(
            SearchDocument.thread_id.in_(ids)  # type: ignore[attr-defined]
        )
    )
    parts: dict[int, str] = {}
    for thread_id, *texts in rows:
        found = next(
            (p for p, text in zip(PARTS, texts, strict=False) if wanted.intersection(text.split())), None
        )
        parts[thread_id] = found or "comments"
    answers = await _texts(session, Answer, [i for i, p in parts.items() if p == "answers"], query.terms)
    comments = await _texts(session, Comment, [i for i, p in parts.items() if p == "comments"], query.terms)
    out: dict[int, dict[str, str]] = {}
    for thread in threads:
        if thread.id not in parts:
            continue
        part = parts[thread.id]
        texts = {
            "title": [thread.title],
            "body": [thread.body],
            "answers": answers.get(thread.id, []),
            "comments": comments.get(thread.id, []),
        }[part]
        out[thread.id] = {"match": MATCH_NAMES[part]}
        found = next(filter(None, (snippet(text, query.terms) for text in texts)), None)
        if found is not None:
            out[thread.id]["highlight"] = found
    return out


async def _texts(
    session: AsyncSession, table: type[Answer] | type[Comment], thread_ids: list[int], terms: Sequence[str]
) -> dict[int, list[str]]:
    """Each thread's first public answer or comment that contains a term as written."""
    if not thread_ids:
        return {}
    # Terms are letters and digits only (analyser._normal): nothing to escape in a LIKE pattern.
    likes = sa.or_(*(table.body.ilike(f"%{t}%") for t in terms))  # type: ignore[attr-defined]
    conditions = [likes]
    if table is Comment:
        conditions += [Comment.hidden == False, Comment.withdrawn == False]  # type: ignore[list-item]  # noqa: E712
    if dialect_of(session) == "postgresql":
        # Per thread, stop at the first row that matches (any will do for a snippet; ordering
        # them would read all of a busy thread's comments first).
        array = sa.cast(sa.literal(thread_ids), sa.ARRAY(sa.Integer))
        ids = sa.func.unnest(array).table_valued("id").render_derived(name="t")
        first = (
            select(table.body)
            .where(table.thread_id == ids.c.id, *conditions)  # type: ignore[arg-type]
            .limit(1)
            .lateral()
        )
        rows = await session.execute(select(ids.c.id, first.c.body).select_from(ids.join(first, sa.true())))
    else:
        numbered = (
            select(
                table.thread_id,
                table.body,
                sa.func.row_number().over(partition_by=table.thread_id, order_by=table.seq).label("n"),
            )
            .where(table.thread_id.in_(thread_ids), *conditions)  # type: ignore[attr-defined]
            .subquery()
        )
        rows = await session.execute(select(numbered.c.thread_id, numbered.c.body).where(numbered.c.n == 1))
    return {thread_id: [body] for thread_id, body in rows}


async def matched_terms(session: AsyncSession, thread_ids: Sequence[int], query: Query) -> dict[int, int]:
    """How many of the query's terms each thread's document has (anywhere)."""
    if not thread_ids or query.empty:
        return {}
    rows = (
        await session.execute(select(SearchDocument).where(SearchDocument.thread_id.in_(thread_ids)))  # type: ignore[attr-defined]
    ).scalars()
    wanted = set(query.terms)
    return {
        row.thread_id: len(wanted.intersection(" ".join(getattr(row, p) for p in PARTS).split()))
        for row in rows
    }
