"""Due reminders of the answer workflow (v1.2): once a day, at `TONG_REMINDER_HOUR` KST, each
assignee gets a mail listing their proposals near or past the answer target, and each approver
one listing the answers waiting for their approval.

The day's list of an account is a `reminder` row, unique per (account, KST day): every process
looks (a periodic step with an injected clock), whichever writes the row first sends it, and the
mail goes through the outbox as notices' mails do (`reminder` channel, the row's id in
`notice_id`), with its retries and lease. A proposal assigned to a department without an officer
is listed to every member of the department.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from server.contract.vocabulary import ANSWERED, APPROVER, PENDING_APPROVAL, PROPOSAL, STAFF, WITHDRAWN
from server.events import public
from server.mail.outbox import KST, Clock
from server.runtime.periodic import Periodic
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import (
    Account,
    AccountMail,
    AnswerDraft,
    DepartmentMember,
    Outbox,
    Reminder,
    Thread,
    ThreadAssignment,
    utcnow,
)

REMINDER = "reminder"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Reminders:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        enabled: bool,
        wake: Callable[[], None] = lambda: None,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.settings = settings
        # Without SMTP there is nothing to send: no rows are written.
        self.enabled = enabled
        self.wake = wake
        self.clock = clock
        self.loop = Periodic("reminders", self._step, settings.reminder_poll_interval_s if enabled else 0)

    async def _step(self) -> float | None:
        await self.run_due()
        return None

    def day_due(self, now: datetime) -> str | None:
        """The KST day whose reminders are due at `now` (None before the hour)."""
        local = now.astimezone(KST)
        return local.date().isoformat() if local.hour >= self.settings.reminder_hour else None

    async def run_due(self) -> int:
        """Write today's reminders (once per account and day) and queue their mails; how many."""
        now = self.clock()
        day = self.day_due(now)
        if not self.enabled or day is None:
            return 0
        lists = await self.lists(now)
        if not lists:
            return 0
        written = 0
        async with self.db.transaction() as s:
            insert = (postgresql if self.db.dialect == "postgresql" else sqlite).insert
            addressed = set(
                (
                    await s.execute(
                        select(col(AccountMail.account_id)).where(
                            col(AccountMail.account_id).in_(list(lists)),
                            col(AccountMail.verified_at).is_not(None),
                            col(AccountMail.delivery) != "none",
                        )
                    )
                ).scalars()
            )
            for account_id, items in sorted(lists.items()):
                if account_id not in addressed:
                    continue
                values = {"account_id": account_id, "day": day, "items": items, "created_at": now}
                made = (
                    await s.execute(
                        insert(Reminder).values(**values).on_conflict_do_nothing().returning(col(Reminder.id))
                    )
                ).scalar()
                if made is None:
                    continue  # another process (or an earlier look today) wrote it
                s.add(
                    Outbox(
                        notice_id=made,
                        channel=REMINDER,
                        account_id=account_id,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
                written += 1
        if written:
            self.wake()
        return written

    async def lists(self, now: datetime) -> dict[int, dict[str, Any]]:
        """account id -> {"due": [proposals near or past the target], "approvals": [drafts]}."""
        target = timedelta(days=self.settings.answer_target_days)
        near = now - target + timedelta(days=self.settings.reminder_near_days)
        out: dict[int, dict[str, Any]] = {}

        def entry(account_id: int) -> dict[str, Any]:
            return out.setdefault(account_id, {"due": [], "approvals": []})

        async with self.db.read() as s:
            current = (
                select(func.max(ThreadAssignment.id).label("id"))
                .group_by(col(ThreadAssignment.thread_id))
                .subquery()
            )
            rows = (
                await s.execute(
                    select(Thread, col(ThreadAssignment.department_id), col(ThreadAssignment.assignee_id))
                    .join(ThreadAssignment, col(ThreadAssignment.thread_id) == col(Thread.id))
                    .join(current, current.c.id == ThreadAssignment.id)
                    .where(
                        col(Thread.kind) == PROPOSAL,
                        col(Thread.status).not_in((ANSWERED, WITHDRAWN)),
                        col(Thread.created_at) <= near,
                    )
                    .order_by(col(Thread.created_at), col(Thread.id))
                )
            ).all()
            members: dict[int, list[int]] = {}
            for account_id, department_id in (
                await s.execute(
                    select(col(DepartmentMember.account_id), col(DepartmentMember.department_id))
                    .join(Account, col(Account.id) == col(DepartmentMember.account_id))
                    .where(col(Account.disabled).is_(False))
                )
            ).all():
                members.setdefault(department_id, []).append(account_id)
            for thread, department_id, assignee_id in rows:
                due = _aware(thread.created_at) + target
                item = {
                    "id": thread.id,
                    "title": thread.title,
                    "due_at": public.iso(due),
                    "overdue": due <= now,
                }
                for account_id in [assignee_id] if assignee_id else members.get(department_id, []):
                    entry(account_id)["due"].append(item)
            approvers = [
                a
                for a in (
                    await s.execute(
                        select(Account).where(col(Account.kind) == STAFF, col(Account.disabled).is_(False))
                    )
                ).scalars()
                if APPROVER in a.role_set
            ]
            waiting = (
                await s.execute(
                    select(AnswerDraft, col(Thread.title))
                    .join(Thread, col(Thread.id) == col(AnswerDraft.thread_id))
                    .where(col(AnswerDraft.state) == PENDING_APPROVAL)
                    .order_by(col(AnswerDraft.submitted_at), col(AnswerDraft.id))
                )
            ).all()
            for approver in approvers:
                for d, title in waiting:
                    if d.author_id != approver.id:
                        assert approver.id is not None
                        entry(approver.id)["approvals"].append(
                            {"id": d.id, "thread_id": d.thread_id, "title": title, "revises": d.revises}
                        )
        return {a: items for a, items in out.items() if items["due"] or items["approvals"]}


ReminderSource = Callable[[list[int]], Awaitable[dict[int, Reminder]]]


async def no_reminders(reminder_ids: list[int]) -> dict[int, Reminder]:
    return {}


def reminder_source(db: Database) -> ReminderSource:
    """The reminders the mailer is about to send, by id."""

    async def read(reminder_ids: list[int]) -> dict[int, Reminder]:
        if not reminder_ids:
            return {}
        async with db.read() as s:
            rows = (
                (await s.execute(select(Reminder).where(col(Reminder.id).in_(reminder_ids)))).scalars().all()
            )
        return {r.id: r for r in rows if r.id is not None}

    return read
