"""The answer workflow of an agency (v1.2): assignment, drafts, approval (결재), publication.

A proposal is assigned to a department (and perhaps an officer in it); every assignment is a row,
the newest being the current one, so reassignment keeps its history. An officer drafts an answer,
reworks it, submits it; another staff account holding `approver` approves it, which publishes it
(`discussion.publish_answer`: only then `answer.posted`, the answer clock, notices and mail), or
returns it to draft with a reason. With `TONG_ANSWER_APPROVAL=required` an edit of a published
answer is a draft too (`revises`), applied as `answer.edited` only on approval.

Drafts live in their own table, so nothing that reads answers (the thread, search, the answer
clock, exports) meets one before it is published. Their log rows (`answer.drafted`,
`answer.submitted`, `answer.returned`, `thread.assigned`) carry no seq: staff channel and log only.
The workflow's own views name staff accounts to other staff (`notes.staff_ref`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.contract.errors import Conflict, ErrorCode, Invalid, NotFound
from server.contract.vocabulary import (
    ANSWERED,
    DRAFT,
    OUTCOMES,
    PENDING_APPROVAL,
    PROPOSAL,
    PUBLISHED,
    STAFF,
    WITHDRAWN,
    EventType,
)
from server.domain import departments, policy
from server.domain.discussion import publish_answer
from server.domain.editing import Editing
from server.domain.notes import staff_ref
from server.domain.posting import Posting
from server.events import public
from server.events.seam import EventLog
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import Account, Answer, AnswerDraft, Department, Thread, ThreadAssignment, utcnow
from server.text.identifiers import refuse_identifiers
from server.text.validation import text

Filter = Literal["all", "mine", "department", "unassigned", "approvals"]
FILTERS: tuple[str, ...] = ("all", "mine", "department", "unassigned", "approvals")
OPEN_STATES = (DRAFT, PENDING_APPROVAL)


def _iso(moment: datetime | None) -> str | None:
    return public.iso(moment) if moment is not None else None


def department_ref(row: Department | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"id": row.id, "name": row.name, "name_en": row.name_en}


class Workflow:
    def __init__(
        self, db: Database, events: EventLog, posting: Posting, editing: Editing, settings: Settings
    ) -> None:
        self.db = db
        self.events = events
        self.posting = posting
        self.editing = editing
        self.settings = settings

    # --- assignment -----------------------------------------------------------------------

    async def assign(
        self, actor: Account, thread_id: int, department_id: int, assignee_id: int | None = None
    ) -> dict[str, Any]:
        """Assign a proposal to a department (and an officer of it); the previous assignment stays
        in the history."""
        policy.require_staff(actor, "assign proposals")
        async with self.events.change() as change:
            s = change.session
            await self._proposal(s, thread_id)
            department = await departments.find(s, department_id, for_new=True)
            assignee = None
            if assignee_id is not None:
                assignee = await s.get(Account, assignee_id)
                if assignee is None or assignee.kind != STAFF:
                    raise Invalid(f"account {assignee_id} is not a staff account", {"assignee": "unknown"})
                member = await departments.member_departments(s, [assignee_id])
                if member.get(assignee_id) != department_id:
                    raise Invalid(
                        "the assignee does not belong to that department", {"assignee": "other_department"}
                    )
            previous = await self._current_assignment(s, thread_id)
            row = ThreadAssignment(
                thread_id=thread_id,
                department_id=department_id,
                assignee_id=assignee_id,
                assigned_by=actor.id,  # type: ignore[arg-type]
            )
            s.add(row)
            await s.flush()
            shown = self._assignment(row, department, assignee, actor)
            payload = {"thread_id": thread_id, "assignment": shown, "previous": previous}
            await change.append(EventType.THREAD_ASSIGNED, actor, payload, thread_id=thread_id)
        return shown

    async def assignments(self, actor: Account, thread_id: int) -> dict[str, Any]:
        """A proposal's assignments, newest first (the first is the current one)."""
        policy.require_staff(actor, "read assignments")
        async with self.db.read() as s:
            await self._proposal(s, thread_id)
            rows = (
                (
                    await s.execute(
                        select(ThreadAssignment)
                        .where(col(ThreadAssignment.thread_id) == thread_id)
                        .order_by(col(ThreadAssignment.id).desc())
                    )
                )
                .scalars()
                .all()
            )
            items = [await self._assignment_of(s, row) for row in rows]
        return {"items": items}

    # --- drafts ---------------------------------------------------------------------------

    async def draft(self, actor: Account, thread_id: int, body: Any, outcome: Any = None) -> dict[str, Any]:
        policy.require_staff(actor, "draft official answers")
        body, outcome = self._checked(body, outcome)
        async with self.events.change() as change:
            s = change.session
            await self._proposal(s, thread_id, answerable=True)
            now = utcnow()
            row = AnswerDraft(
                thread_id=thread_id,
                author_id=actor.id,  # type: ignore[arg-type]
                body=body,
                outcome=outcome,
                state=DRAFT,
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            await s.flush()
            await change.append(
                EventType.ANSWER_DRAFTED, actor, {"draft": self._logged(row)}, thread_id=thread_id
            )
            shown = await self._shown(s, row)
        return shown

    async def revise(self, actor: Account, answer_id: int, body: Any) -> dict[str, Any]:
        """An edit of a published answer while approval is required: a pending revision (a draft
        submitted at once), applied only when approved."""
        policy.require_staff(actor, "correct official answers")
        body, _ = self._checked(body, None)
        async with self.events.change() as change:
            s = change.session
            answer = await s.get(Answer, answer_id)
            if answer is None:
                raise NotFound(f"answer {answer_id} does not exist")
            now = utcnow()
            row = AnswerDraft(
                thread_id=answer.thread_id,
                answer_id=answer_id,
                revises=True,
                author_id=actor.id,  # type: ignore[arg-type]
                body=body,
                outcome=answer.outcome,
                state=PENDING_APPROVAL,
                created_at=now,
                updated_at=now,
                submitted_at=now,
            )
            s.add(row)
            await s.flush()
            logged = self._logged(row)
            await change.append(
                EventType.ANSWER_DRAFTED, actor, {"draft": logged}, thread_id=answer.thread_id
            )
            await change.append(
                EventType.ANSWER_SUBMITTED, actor, {"draft_id": row.id}, thread_id=answer.thread_id
            )
            shown = await self._shown(s, row)
        return shown

    async def edit_draft(
        self, actor: Account, draft_id: int, body: Any, outcome: Any = None
    ) -> dict[str, Any]:
        """The drafter reworks a draft (a returned one too) before submitting it."""
        policy.require_staff(actor, "draft official answers")
        body, outcome = self._checked(body, outcome)
        async with self.events.change() as change:
            s = change.session
            row = await self._locked(s, draft_id)
            policy.ensure(policy.can_edit_draft(actor, row))
            row.body, row.outcome, row.updated_at = body, outcome, utcnow()
            await s.flush()
            await change.append(
                EventType.ANSWER_DRAFTED, actor, {"draft": self._logged(row)}, thread_id=row.thread_id
            )
            shown = await self._shown(s, row)
        return shown

    async def submit(self, actor: Account, draft_id: int) -> dict[str, Any]:
        policy.require_staff(actor, "submit answers")
        async with self.events.change() as change:
            s = change.session
            row = await self._locked(s, draft_id)
            policy.ensure(policy.can_submit(actor, row))
            now = utcnow()
            row.state, row.submitted_at, row.updated_at = PENDING_APPROVAL, now, now
            await s.flush()
            await change.append(
                EventType.ANSWER_SUBMITTED, actor, {"draft_id": draft_id}, thread_id=row.thread_id
            )
        return {"id": draft_id, "state": PENDING_APPROVAL}

    async def give_back(self, actor: Account, draft_id: int, reason: Any) -> dict[str, Any]:
        """An approver returns a submitted draft to its drafter, saying why."""
        reason = text(reason, "reason", self.settings.report_reason_max)
        async with self.events.change() as change:
            s = change.session
            row = await self._locked(s, draft_id)
            policy.ensure(policy.can_decide(actor, row, approve=False))
            now = utcnow()
            row.state, row.updated_at = DRAFT, now
            row.returned_by, row.returned_at, row.returned_reason = actor.id, now, reason
            await s.flush()
            payload = {"draft_id": draft_id, "reason": reason}
            await change.append(EventType.ANSWER_RETURNED, actor, payload, thread_id=row.thread_id)
            shown = await self._shown(s, row)
        return shown

    async def approve(self, actor: Account, draft_id: int) -> dict[str, Any]:
        """An approver (not the drafter) publishes a submitted draft: a new answer, or the revision
        of a published one."""
        async with self.db.read() as s:
            row = await s.get(AnswerDraft, draft_id)
            if row is None:
                raise NotFound(f"draft {draft_id} does not exist")
            policy.ensure(policy.can_decide(actor, row, approve=True))
            drafter = await s.get(Account, row.author_id)
        assert drafter is not None
        if row.revises:
            return await self._approve_revision(actor, drafter, row)
        async with self.events.change() as change:
            s = change.session
            await self._proposal(s, row.thread_id, answerable=True)
            row = await self._locked(s, draft_id)
            # Read again under the thread's lock: another approver may have decided meanwhile.
            policy.ensure(policy.can_decide(actor, row, approve=True))
            answer, published = await publish_answer(
                change, self.posting, drafter, actor, row.thread_id, row.body, row.outcome
            )
            now = utcnow()
            row.state, row.answer_id, row.approved_by, row.approved_at, row.updated_at = (
                PUBLISHED,
                answer.id,
                actor.id,
                now,
                now,
            )
            await s.flush()
            shown = await self._shown(s, row)
            shown["answer"] = published
        return shown

    async def _approve_revision(self, actor: Account, drafter: Account, row: AnswerDraft) -> dict[str, Any]:
        assert row.answer_id is not None and row.id is not None
        async with self.events.change() as change:
            s = change.session
            claimed = await s.execute(
                update(AnswerDraft)
                .where(col(AnswerDraft.id) == row.id, col(AnswerDraft.state) == PENDING_APPROVAL)
                .values(state=PUBLISHED, approved_by=actor.id, approved_at=utcnow(), updated_at=utcnow())
                .returning(col(AnswerDraft.id))
            )
            if claimed.first() is None:
                raise Conflict("the revision was decided meanwhile", code=ErrorCode.DRAFT_STATE)
        # The edit itself is the answer's own change (a seq, a revision, `answer.edited`), its
        # editor the drafter and its log actor the approver.
        answer = await self.editing.edit_answer(drafter, row.answer_id, row.body, approved_by=actor)
        async with self.db.read() as s:
            fresh = await s.get(AnswerDraft, row.id)
            assert fresh is not None
            shown = await self._shown(s, fresh)
        shown["answer"] = answer
        return shown

    async def drafts(self, actor: Account, thread_id: int) -> dict[str, Any]:
        """A proposal's drafts, oldest first, with who did each step."""
        policy.require_staff(actor, "read draft answers")
        async with self.db.read() as s:
            await self._proposal(s, thread_id)
            rows = (
                (
                    await s.execute(
                        select(AnswerDraft)
                        .where(col(AnswerDraft.thread_id) == thread_id)
                        .order_by(col(AnswerDraft.id))
                    )
                )
                .scalars()
                .all()
            )
            items = [await self._shown(s, row) for row in rows]
        return {"items": items}

    # --- the dashboard's answer tab -------------------------------------------------------

    async def queue(self, actor: Account, which: str = "all", limit: int = 200) -> dict[str, Any]:
        """Proposals waiting for an answer (or with an answer in the workflow), oldest first:
        `mine` (assigned to me, or with my open draft), `department` (assigned to my department),
        `unassigned`, `approvals` (a draft waiting for approval), or `all`."""
        policy.require_staff(actor, "read the answer workflow")
        if which not in FILTERS:
            raise Invalid(f"filter must be one of {', '.join(FILTERS)}", {"filter": "unknown"})
        target = timedelta(days=self.settings.answer_target_days)
        now = utcnow()
        async with self.db.read() as s:
            current = (
                select(func.max(ThreadAssignment.id).label("id"))
                .group_by(col(ThreadAssignment.thread_id))
                .subquery()
            )
            assigned = select(ThreadAssignment).join(current, current.c.id == ThreadAssignment.id).subquery()
            open_drafts = select(col(AnswerDraft.thread_id)).where(col(AnswerDraft.state).in_(OPEN_STATES))
            stmt = (
                select(Thread, assigned.c.department_id, assigned.c.assignee_id, assigned.c.assigned_by,
                       assigned.c.created_at)
                .outerjoin(assigned, assigned.c.thread_id == Thread.id)
                .where(
                    col(Thread.kind) == PROPOSAL,
                    or_(col(Thread.status).not_in((ANSWERED, WITHDRAWN)), col(Thread.id).in_(open_drafts)),
                )
            )  # fmt: skip
            if which == "unassigned":
                stmt = stmt.where(assigned.c.id.is_(None))
            elif which == "department":
                mine = await departments.member_departments(s, [actor.id])  # type: ignore[list-item]
                stmt = stmt.where(assigned.c.department_id == mine.get(actor.id, 0))  # type: ignore[arg-type]
            elif which == "mine":
                my_drafts = select(col(AnswerDraft.thread_id)).where(
                    col(AnswerDraft.state).in_(OPEN_STATES), col(AnswerDraft.author_id) == actor.id
                )
                stmt = stmt.where(or_(assigned.c.assignee_id == actor.id, col(Thread.id).in_(my_drafts)))
            elif which == "approvals":
                waiting = select(col(AnswerDraft.thread_id)).where(col(AnswerDraft.state) == PENDING_APPROVAL)
                stmt = stmt.where(col(Thread.id).in_(waiting))
            rows = (await s.execute(stmt.order_by(col(Thread.created_at), col(Thread.id)).limit(limit))).all()
            ids = [thread.id for thread, *_ in rows]
            drafts = (
                (
                    await s.execute(
                        select(AnswerDraft)
                        .where(col(AnswerDraft.thread_id).in_(ids), col(AnswerDraft.state).in_(OPEN_STATES))
                        .order_by(col(AnswerDraft.id))
                    )
                )
                .scalars()
                .all()
            )
            people = await self._accounts(
                s,
                [r[2] for r in rows if r[2]] + [r[3] for r in rows if r[3]]
                + [d.author_id for d in drafts] + [d.returned_by for d in drafts if d.returned_by],
            )  # fmt: skip
            depts = await self._departments(s, [r[1] for r in rows if r[1]])
        by_thread: dict[int, list[dict[str, Any]]] = {}
        for d in drafts:
            by_thread.setdefault(d.thread_id, []).append(self._view(d, people))
        items = []
        for thread, department_id, assignee_id, assigned_by, assigned_at in rows:
            due = public.iso(_aware(thread.created_at) + target)
            assignment = None
            if department_id is not None:
                assignment = {
                    "department": department_ref(depts.get(department_id)),
                    "assignee": staff_ref(people.get(assignee_id)) if assignee_id else None,
                    "assigned_by": staff_ref(people.get(assigned_by)),
                    "assigned_at": _iso(assigned_at),
                }
            items.append(
                {
                    "id": thread.id,
                    "title": thread.title,
                    "status": thread.status,
                    "created_at": public.iso(thread.created_at),
                    "due_at": due,
                    "overdue": _aware(thread.created_at) + target <= now,
                    "assignment": assignment,
                    "drafts": by_thread.get(thread.id, []),
                }
            )
        return {"filter": which, "items": items}

    # --- internals ------------------------------------------------------------------------

    def _checked(self, body: Any, outcome: Any) -> tuple[str, str | None]:
        body = text(body, "body", self.settings.thread_body_max)
        if self.settings.refuse_identifiers:
            # Published as is once approved: screened now, as an answer is.
            refuse_identifiers({"body": body})
        if outcome is not None and outcome not in OUTCOMES:
            raise Invalid(f"outcome must be one of {', '.join(OUTCOMES)}", {"outcome": "unknown"})
        return body, outcome

    async def _proposal(self, s: AsyncSession, thread_id: int, answerable: bool = False) -> None:
        row = (
            await s.execute(
                select(col(Thread.kind), col(Thread.status), col(Thread.author_id)).where(
                    col(Thread.id) == thread_id
                )
            )
        ).first()
        if row is None:
            raise NotFound(f"thread {thread_id} does not exist")
        if answerable:
            policy.ensure(policy.can_change_status(row))
        elif row.kind != PROPOSAL:
            raise Conflict("only proposals have answers and assignments", code=ErrorCode.NOT_A_PROPOSAL)

    async def _locked(self, s: AsyncSession, draft_id: int) -> AnswerDraft:
        row = (
            (await s.execute(select(AnswerDraft).where(col(AnswerDraft.id) == draft_id).with_for_update()))
            .scalars()
            .first()
        )
        if row is None:
            raise NotFound(f"draft {draft_id} does not exist")
        await s.refresh(row)
        return row

    async def _current_assignment(self, s: AsyncSession, thread_id: int) -> dict[str, Any] | None:
        row = (
            (
                await s.execute(
                    select(ThreadAssignment)
                    .where(col(ThreadAssignment.thread_id) == thread_id)
                    .order_by(col(ThreadAssignment.id).desc())
                    .limit(1)
                )
            )
            .scalars()
            .first()
        )
        return await self._assignment_of(s, row) if row is not None else None

    async def _assignment_of(self, s: AsyncSession, row: ThreadAssignment) -> dict[str, Any]:
        department = await s.get(Department, row.department_id)
        assignee = await s.get(Account, row.assignee_id) if row.assignee_id else None
        by = await s.get(Account, row.assigned_by)
        return self._assignment(row, department, assignee, by)

    def _assignment(
        self,
        row: ThreadAssignment,
        department: Department | None,
        assignee: Account | None,
        by: Account | None,
    ) -> dict[str, Any]:
        return {
            "id": row.id,
            "thread_id": row.thread_id,
            "department": department_ref(department),
            "assignee": staff_ref(assignee),
            "assigned_by": staff_ref(by),
            "assigned_at": public.iso(row.created_at),
        }

    def _logged(self, row: AnswerDraft) -> dict[str, Any]:
        """What a draft's log row keeps: its text as it was (the seal covers it)."""
        return {
            "id": row.id,
            "thread_id": row.thread_id,
            "answer_id": row.answer_id,
            "revises": row.revises,
            "body": row.body,
            "outcome": row.outcome,
            "state": row.state,
        }

    async def _shown(self, s: AsyncSession, row: AnswerDraft) -> dict[str, Any]:
        ids = [i for i in (row.author_id, row.approved_by, row.returned_by) if i]
        return self._view(row, await self._accounts(s, ids))

    def _view(self, row: AnswerDraft, people: dict[int, Account]) -> dict[str, Any]:
        def who(account_id: int | None) -> dict[str, Any] | None:
            return staff_ref(people.get(account_id)) if account_id else None

        return {
            "id": row.id,
            "thread_id": row.thread_id,
            "state": row.state,
            "answer_id": row.answer_id,
            "revises": row.revises,
            "body": row.body,
            "outcome": row.outcome,
            "author": who(row.author_id),
            "created_at": public.iso(row.created_at),
            "updated_at": public.iso(row.updated_at),
            "submitted_at": _iso(row.submitted_at),
            "approved_by": who(row.approved_by),
            "approved_at": _iso(row.approved_at),
            "returned_by": who(row.returned_by),
            "returned_at": _iso(row.returned_at),
            "returned_reason": row.returned_reason,
        }

    async def _accounts(self, s: AsyncSession, ids: list[int]) -> dict[int, Account]:
        wanted = sorted({i for i in ids if i})
        if not wanted:
            return {}
        rows = (await s.execute(select(Account).where(col(Account.id).in_(wanted)))).scalars().all()
        return {a.id: a for a in rows if a.id is not None}

    async def _departments(self, s: AsyncSession, ids: list[int]) -> dict[int, Department]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = (await s.execute(select(Department).where(col(Department.id).in_(wanted)))).scalars().all()
        return {d.id: d for d in rows if d.id is not None}


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive UTC times.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
