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
from server.store.models import Account, Comment, Report, Thread, utcnow
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
                    "comment": shown_comment,
                    "thread": {"id": comment.thread_id, "title": title},
                    "count": group.count,
                    "first_reported_at": public.iso(group.first),
                    "last_reported_at": public.iso(group.last),
                    "reasons": reasons[group.comment_id],
                }
            )
        return {"items": items}

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
