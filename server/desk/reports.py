"""The reports queue: reported comments with their reasons, and dismissing a report.

Hiding and restoring live in `Discussion.moderate` (they change the thread); dismissing changes
nothing public, so it is a plain event-log row, `report.dismissed`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from server.contract.errors import Conflict, ErrorCode, NotFound
from server.contract.vocabulary import EventType
from server.domain import policy
from server.domain.reading import thread_authors
from server.events import public
from server.events.seam import EventLog
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import Account, Comment, Report, Thread, ThreadReport, utcnow
from server.text.validation import text

# Reasons shown per comment; a comment reported 500 times shows its count, not 500 lines.
REASONS_SHOWN = 20


class Reports:
    def __init__(self, db: Database, events: EventLog, settings: Settings) -> None:
        self.db = db
        self.events = events
        self.settings = settings

    async def queue(self, limit: int = 100) -> dict[str, Any]:
        """Open reports grouped by comment: most reported first, then oldest first."""
        count = func.count().label("count")
        first = func.min(Report.created_at).label("first")
        last = func.max(Report.created_at).label("last")
        async with self.db.read() as s:
            groups = (
                await s.execute(
                    select(Report.comment_id, count, first, last)
                    .where(Report.resolution.is_(None))  # type: ignore[union-attr]
                    .group_by(Report.comment_id)
                    .order_by(count.desc(), first, Report.comment_id)
                    .limit(limit)
                )
            ).all()
            ids = [g.comment_id for g in groups]
            comments = {
                c.id: (c, title)
                for c, title in (
                    await s.execute(
                        select(Comment, Thread.title)
                        .join(Thread, Thread.id == Comment.thread_id)
                        .where(Comment.id.in_(ids))  # type: ignore[union-attr]
                    )
                ).all()
            }
            reasons: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
            reports = await s.execute(
                select(Report, Account.kind)
                .join(Account, Account.id == Report.account_id)
                .where(Report.comment_id.in_(ids), Report.resolution.is_(None))  # type: ignore[attr-defined,union-attr]
                .order_by(Report.id)  # type: ignore[arg-type]
            )
            for report, kind in reports:
                shown = reasons[report.comment_id]
                if len(shown) < REASONS_SHOWN:
                    shown.append(
                        {
                            "reason": report.reason,
                            "category": report.category,
                            "created_at": public.iso(report.created_at),
                            "reporter": {
                                "kind": kind,
                                "key": public.actor_key(self.events.secret, report.account_id),
                            },
                        }
                    )
            authors: dict[tuple[int, int], dict[str, Any]] = {}
            for comment, _title in comments.values():
                found = await thread_authors(s, comment.thread_id, [comment.author_id])
                authors[(comment.thread_id, comment.author_id)] = found[comment.author_id]
        items = []
        for group in groups:
            comment, title = comments[group.comment_id]
            shown_comment = public.comment(comment, authors[(comment.thread_id, comment.author_id)])
            # Moderators judge what was written, hidden or not; erased, nobody reads it again.
            shown_comment["body"] = None if comment.erased else comment.body
            items.append(
                {
                    "kind": "comment",
                    "comment": shown_comment,
                    "thread": {"id": comment.thread_id, "title": title},
                    "count": group.count,
                    "first_reported_at": public.iso(group.first),
                    "last_reported_at": public.iso(group.last),
                    "reasons": reasons[group.comment_id],
                }
            )
        items += await self._thread_queue(limit)
        # Both kinds in one queue: most reported first, then oldest first.
        items.sort(key=lambda i: (-i["count"], i["first_reported_at"]))  # type: ignore[operator]
        return {"items": items[:limit]}

    async def _thread_queue(self, limit: int) -> list[dict[str, Any]]:
        """Reported proposals (v1.2), as the queue shows comments: text, count, reasons."""
        count = func.count().label("count")
        first = func.min(ThreadReport.created_at).label("first")
        last = func.max(ThreadReport.created_at).label("last")
        async with self.db.read() as s:
            groups = (
                await s.execute(
                    select(ThreadReport.thread_id, count, first, last)
                    .where(ThreadReport.resolution.is_(None))  # type: ignore[union-attr]
                    .group_by(ThreadReport.thread_id)
                    .order_by(count.desc(), first, ThreadReport.thread_id)
                    .limit(limit)
                )
            ).all()
            ids = [g.thread_id for g in groups]
            threads = {t.id: t for t in (await s.execute(select(Thread).where(Thread.id.in_(ids)))).scalars()}  # type: ignore[union-attr]
            reasons: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
            reports = await s.execute(
                select(ThreadReport, Account.kind)
                .join(Account, Account.id == ThreadReport.account_id)
                .where(ThreadReport.thread_id.in_(ids), ThreadReport.resolution.is_(None))  # type: ignore[attr-defined,union-attr]
                .order_by(ThreadReport.id)  # type: ignore[arg-type]
            )
            for report, kind in reports:
                if len(reasons[report.thread_id]) < REASONS_SHOWN:
                    key = public.actor_key(self.events.secret, report.account_id)
                    reasons[report.thread_id].append(
                        {"reason": report.reason, "category": report.category,
                         "created_at": public.iso(report.created_at), "reporter": {"kind": kind, "key": key}}
                    )  # fmt: skip
        return [
            {
                "kind": "thread",
                # Moderators judge what was written, hidden or not.
                "thread": {
                    "id": g.thread_id,
                    "title": threads[g.thread_id].title,
                    "body": threads[g.thread_id].body,
                    "hidden": threads[g.thread_id].hidden,
                },
                "count": g.count,
                "first_reported_at": public.iso(g.first),
                "last_reported_at": public.iso(g.last),
                "reasons": reasons[g.thread_id],
            }
            for g in groups
        ]

    async def dismiss_thread(self, moderator: Account, thread_id: int, reason: Any) -> dict[str, Any]:
        """Close a proposal's open reports without touching it."""
        policy.require_moderator(moderator, "dismiss reports")
        reason = text(reason, "reason", self.settings.report_reason_max)
        async with self.events.change() as change:
            s = change.session
            closed = (
                await s.execute(
                    update(ThreadReport)
                    .where(ThreadReport.thread_id == thread_id, ThreadReport.resolution.is_(None))  # type: ignore[arg-type,union-attr]
                    .values(resolution="dismissed", resolved_at=utcnow())
                    .returning(ThreadReport.id)
                )
            ).all()
            if not closed:
                raise Conflict("the proposal has no open reports", code=ErrorCode.NO_OPEN_REPORTS)
            report_ids = sorted(r[0] for r in closed)
            payload = {"target": "thread", "thread_id": thread_id, "report_ids": report_ids, "reason": reason}
            await change.append(EventType.REPORT_DISMISSED, moderator, payload, thread_id=thread_id)
        return {"thread_id": thread_id, "dismissed": len(report_ids), "reason": reason}

    async def dismiss(self, moderator: Account, comment_id: int, reason: Any) -> dict[str, Any]:
        """Close the comment's open reports without touching the comment."""
        policy.require_moderator(moderator, "dismiss reports")
        reason = text(reason, "reason", self.settings.report_reason_max)
        async with self.events.change() as change:
            s = change.session
            thread_id = (await s.execute(select(Comment.thread_id).where(Comment.id == comment_id))).scalar()
            if thread_id is None:
                raise NotFound(f"comment {comment_id} does not exist")
            closed = (
                await s.execute(
                    update(Report)
                    .where(Report.comment_id == comment_id, Report.resolution.is_(None))  # type: ignore[arg-type,union-attr]
                    .values(resolution="dismissed", resolved_at=utcnow())
                    .returning(Report.id)
                )
            ).all()
            if not closed:
                raise Conflict("the comment has no open reports", code=ErrorCode.NO_OPEN_REPORTS)
            report_ids = sorted(r[0] for r in closed)
            payload = {"comment_id": comment_id, "report_ids": report_ids, "reason": reason}
            await change.append(EventType.REPORT_DISMISSED, moderator, payload, thread_id=thread_id)
        return {"comment_id": comment_id, "dismissed": len(report_ids), "reason": reason}
