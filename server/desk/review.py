"""The staff side of the domain: event-log review and export, dashboard figures, author reveal."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from server.contract.errors import Invalid, NotFound
from server.contract.vocabulary import ANSWERED, PROPOSAL, WITHDRAWN, EventType
from server.desk import logcsv
from server.events import channels as ch
from server.events import public
from server.events import seam as events
from server.events.seam import EventLog
from server.store.database import Database
from server.store.models import Account, Comment, Event, Report, Thread, ThreadReport
from server.text.validation import KST

Presence = Callable[[list[str]], Awaitable[dict[str, int]]]
EXPORT_BATCH = 1000
# The dashboard lists 8 most-watched threads, chosen among the 50 most recently active.
HOT_SHOWN = 8
HOT_CANDIDATES = 50


@dataclass(frozen=True)
class LogFilter:
    after_id: int | None = None
    thread_id: int | None = None
    type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    actor_kind: str | None = None

    def apply(self, stmt: Any) -> Any:
        if self.after_id is not None:
            stmt = stmt.where(Event.id > self.after_id)  # type: ignore[operator]
        if self.thread_id is not None:
            stmt = stmt.where(Event.thread_id == self.thread_id)
        if self.type:
            types = [t.strip() for t in self.type.split(",") if t.strip()]
            stmt = stmt.where(Event.type.in_(types))  # type: ignore[attr-defined]
        if self.since is not None:
            stmt = stmt.where(Event.created_at >= self.since)
        if self.until is not None:
            stmt = stmt.where(Event.created_at < self.until)
        if self.actor_kind:
            stmt = stmt.where(Account.kind == self.actor_kind)
        return stmt


class Review:
    def __init__(
        self,
        db: Database,
        event_log: EventLog,
    ) -> None:
        self.db = db
        self.events = event_log

    async def _batch(self, f: LogFilter, limit: int, admin: bool = False) -> list[dict[str, Any]]:
        stmt = f.apply(select(Event, Account.kind)).order_by(Event.id).limit(limit)  # type: ignore[arg-type]
        async with self.db.read() as session:
            rows = await events.staff_rows(session, stmt, self.events.secret, admin=admin)
            return [shown for _, shown in rows]

    async def page(self, f: LogFilter, limit: int, admin: bool = False) -> dict[str, Any]:
        """One page, in id order; pass the last id back as after_id (keyset, never offset).
        `admin`: the caller is an admin, who sees the actor of `account.*` rows."""
        items = await self._batch(f, limit + 1, admin)
        more = len(items) > limit
        items = items[:limit]
        return {"items": items, "next_after_id": items[-1]["id"] if more else None}

    async def rows(self, f: LogFilter, admin: bool = False) -> AsyncIterator[dict[str, Any]]:
        """Every matching row, read in keyset batches so memory stays flat however many match."""
        after = f.after_id
        while True:
            batch = await self._batch(
                LogFilter(after, f.thread_id, f.type, f.since, f.until, f.actor_kind), EXPORT_BATCH, admin
            )
            for row in batch:
                yield row
            if len(batch) < EXPORT_BATCH:
                return
            after = batch[-1]["id"]

    async def export_jsonl(self, f: LogFilter, admin: bool = False) -> AsyncIterator[str]:
        async for row in self.rows(f, admin):
            yield ch.dumps(row) + "\n"

    async def export_csv(self, f: LogFilter, lang: str = "en", admin: bool = False) -> AsyncIterator[str]:
        """CSV of the log; `lang="ko"`: Korean headers and KST times (see logcsv)."""
        # The byte-order mark makes Excel read the file as UTF-8, so Korean text opens correctly.
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(logcsv.header(lang))
        count = 0
        async for row in self.rows(f, admin):
            payload = json.dumps(row["payload"], ensure_ascii=False, separators=(",", ":"))
            writer.writerow(logcsv.row(row, lang, payload))
            count += 1
            if count % 200 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    async def reveal(self, admin: Account, kind: str, post_id: int, reason: str | None) -> dict[str, Any]:
        """Which account wrote a post: admins only, with a reason, and itself written to the log."""
        if kind not in ("thread", "comment"):
            raise NotFound("kind must be thread or comment")
        if not reason or not reason.strip():
            raise Invalid("a reason is required to reveal an author", {"reason": "required"})
        model: type[Thread] | type[Comment] = Thread if kind == "thread" else Comment
        thread_column = Thread.id if kind == "thread" else Comment.thread_id
        async with self.events.change() as change:
            s = change.session
            row = (
                await s.execute(
                    select(Account, thread_column)
                    .join(model, model.author_id == Account.id)  # type: ignore[arg-type]
                    .where(model.id == post_id)  # type: ignore[arg-type]
                )
            ).first()
            if row is None:
                raise NotFound(f"{kind} {post_id} does not exist")
            account, thread_id = row
            payload = {"post": {"kind": kind, "id": post_id}, "reason": reason.strip()}
            await change.append(EventType.AUTHOR_REVEALED, admin, payload, thread_id=thread_id)
        return {
            "post": {"kind": kind, "id": post_id},
            "account": {
                "id": account.id,
                "login": account.login,
                "kind": account.kind,
                "department": account.department,
            },
        }


class Figures:
    """Live figures for the staff dashboard (`GET /api/staff/stats` and the hub's `stats` frames)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def stats(self, presence: Presence) -> dict[str, Any]:
        """Dashboard figures; `presence` counts watchers per channel (the hub's, over every process)."""
        now = datetime.now(KST)
        hour_ago = now - timedelta(hours=1)
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        async with self.db.read() as s:
            by_type: dict[str, int] = dict(
                (
                    await s.execute(
                        select(Event.type, func.count())
                        .where(Event.created_at >= hour_ago)
                        .where(Event.type.in_([EventType.COMMENT_CREATED, EventType.RECOMMENDATION_ADDED]))  # type: ignore[attr-defined]
                        .group_by(Event.type)
                    )
                ).all()
            )
            proposals_today = (
                await s.execute(
                    select(func.count()).where(Thread.kind == PROPOSAL, Thread.created_at >= today)
                )
            ).scalar_one()
            waiting = (
                await s.execute(
                    select(func.count()).where(
                        Thread.kind == PROPOSAL, Thread.status.not_in((ANSWERED, WITHDRAWN))
                    )
                )
            ).scalar_one()
            open_reports = (
                await s.execute(
                    select(func.count(func.distinct(Report.comment_id))).where(Report.resolution.is_(None))
                )  # type: ignore[union-attr]
            ).scalar_one()
            # Reported proposals (v1.2) count as well: one queue holds both kinds.
            open_reports += (
                await s.execute(
                    select(func.count(func.distinct(ThreadReport.thread_id))).where(
                        ThreadReport.resolution.is_(None)  # type: ignore[union-attr]
                    )
                )
            ).scalar_one()
            # "Most watched now": among the threads active in the last hour, those someone is
            # watching, most watchers first (a thread nobody watches is not "watched": it showed
            # with 0 before).
            active = (
                await s.execute(
                    select(Thread.id, Thread.title, Thread.comment_count)
                    .where(Thread.last_activity_at >= hour_ago)
                    .order_by(Thread.last_activity_at.desc())  # type: ignore[attr-defined]
                    .limit(HOT_CANDIDATES)
                )
            ).all()
        watchers = await presence([*(ch.thread_channel(t.id) for t in active), "_connections"])
        hot = sorted(
            (t for t in active if watchers.get(ch.thread_channel(t.id), 0) > 0),
            key=lambda t: -watchers[ch.thread_channel(t.id)],
        )[:HOT_SHOWN]
        names = [ch.thread_channel(t.id) for t in hot]
        return {
            "generated_at": public.iso(now),
            "connections": watchers.get("_connections", 0),
            "comments_last_hour": by_type.get(EventType.COMMENT_CREATED, 0),
            "recommendations_last_hour": by_type.get(EventType.RECOMMENDATION_ADDED, 0),
            "proposals_today": proposals_today,
            "waiting_for_answer": waiting,
            "open_reports": open_reports,
            "hot_threads": [
                {"id": t.id, "title": t.title, "comments": t.comment_count, "watchers": watchers.get(n, 0)}
                for t, n in zip(hot, names, strict=True)
            ],
        }
