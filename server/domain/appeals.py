"""Told, and able to appeal (v1.2): one appeal per moderation action, decided by staff.

The author of a hidden proposal or comment, a rejected held comment, an erased post, or a
suspended account is told by a `moderation` notice (notices.py) whose `data.appeal` names what to
send: `POST /api/me/appeals {"kind", "id", "text"}`. Staff see open appeals with the post and the
appellant's actor key (never a login or an account id), and decide: `upheld` keeps the action,
`reversed` undoes it through the module that acted (restore, release, lift), as the deciding staff
account, with the decision's reason. Filing and deciding are event rows (`appeal.filed`,
`appeal.decided`); the appellant is told the decision by a notice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.contract.errors import Conflict, ErrorCode, Invalid, NotFound
from server.contract.vocabulary import EventType
from server.domain import actions, policy
from server.events import public
from server.events.seam import EventLog
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import (
    Account,
    Appeal,
    Comment,
    HeldComment,
    ModerationAction,
    Suspension,
    Thread,
    utcnow,
)
from server.text.identifiers import refuse_identifiers
from server.text.validation import text

UPHELD = "upheld"
REVERSED = "reversed"
DECISIONS = (UPHELD, REVERSED)
# An appeal's text: as long as a comment.
TEXT_MAX = 4000

# Undoes one kind of action (kind -> (staff, target id, reason)): the module that acted.
Undo = Callable[[Account, int, str], Awaitable[Any]]


class Appeals:
    def __init__(self, db: Database, events: EventLog, settings: Settings, undo: Mapping[str, Undo]) -> None:
        self.db = db
        self.events = events
        self.settings = settings
        # An erasure cannot be undone: it has no entry, and its reversal is refused.
        self.undo = dict(undo)

    async def file(self, account: Account, kind: Any, target_id: int, body: Any) -> dict[str, Any]:
        """The author's one appeal against the action in force on their post or account."""
        if kind not in actions.KINDS:
            raise Invalid(f"kind must be one of {', '.join(actions.KINDS)}", {"kind": "unknown"})
        body = text(body, "text", TEXT_MAX)
        async with self.events.change() as change:
            s = change.session
            action = await actions.latest(s, kind, target_id)
            if action is None or action.account_id != account.id or action.undone_at is not None:
                raise NotFound(
                    f"no action in force on your {kind} {target_id} to appeal",
                    code=ErrorCode.NOTHING_TO_APPEAL,
                )
            assert action.id is not None
            dialect = postgresql if self.db.dialect == "postgresql" else sqlite
            now = utcnow()
            values = {"action_id": action.id, "account_id": account.id, "text": body, "created_at": now}
            appeal_id = (
                await s.execute(
                    dialect.insert(Appeal).values(**values).on_conflict_do_nothing().returning(Appeal.id)
                )  # type: ignore[attr-defined]
            ).scalar()
            if appeal_id is None:
                raise Conflict("you have already appealed this action", code=ErrorCode.ALREADY_APPEALED)
            payload = {"appeal_id": appeal_id, "action": _action(action), "text": body}
            await change.append(EventType.APPEAL_FILED, account, payload, thread_id=action.thread_id)
        return {"id": appeal_id, "action": _action(action), "text": body, "created_at": public.iso(now),
                "decision": None}  # fmt: skip

    async def queue(self, limit: int = 100, decided: bool = False) -> dict[str, Any]:
        """Open appeals, oldest first (or the latest decided ones): the post and the appellant's
        actor key, never the account."""
        stmt = (
            select(Appeal, ModerationAction, Account.kind)  # type: ignore[call-overload]
            .join(ModerationAction, ModerationAction.id == Appeal.action_id)
            .join(Account, Account.id == Appeal.account_id)
        )
        if decided:
            stmt = stmt.where(Appeal.decision.is_not(None)).order_by(Appeal.id.desc())  # type: ignore[union-attr]
        else:
            stmt = stmt.where(Appeal.decision.is_(None)).order_by(Appeal.id)  # type: ignore[union-attr,arg-type]
        async with self.db.read() as s:
            rows = (await s.execute(stmt.limit(limit))).all()
            items = []
            for appeal, action, kind in rows:
                items.append(
                    {
                        **_appeal(appeal, action),
                        "appellant": {
                            "kind": kind,
                            "key": public.actor_key(self.events.secret, appeal.account_id),
                        },
                        "post": await _post(s, action),
                    }
                )
        return {"items": items}

    async def decide(self, staff: Account, appeal_id: int, decision: Any, reason: Any) -> dict[str, Any]:
        policy.require_moderator(staff, "decide appeals")
        if decision not in DECISIONS:
            raise Invalid("decision must be upheld or reversed", {"decision": "unknown"})
        reason = text(reason, "reason", self.settings.report_reason_max)
        if self.settings.refuse_identifiers:
            # Told to the appellant, and a reversal's reason is the restore's public one.
            refuse_identifiers({"reason": reason})
        async with self.events.change() as change:
            s = change.session
            found = (
                await s.execute(
                    select(Appeal, ModerationAction)
                    .join(ModerationAction, ModerationAction.id == Appeal.action_id)  # type: ignore[arg-type]
                    .where(Appeal.id == appeal_id)  # type: ignore[arg-type]
                )
            ).first()
            if found is None:
                raise NotFound(f"appeal {appeal_id} does not exist")
            appeal, action = found
            if decision == REVERSED and action.kind not in self.undo:
                raise Conflict(f"a {action.kind} cannot be undone", code=ErrorCode.CONFLICT)
            now = utcnow()
            claimed = (
                await s.execute(
                    update(Appeal)  # type: ignore[call-overload]
                    .where(Appeal.id == appeal_id, Appeal.decision.is_(None))  # type: ignore[arg-type,union-attr]
                    .values(decision=decision, decision_reason=reason, decided_at=now)
                    .returning(Appeal.id)
                )
            ).first()
            if claimed is None:
                raise Conflict(f"appeal {appeal_id} was already decided", code=ErrorCode.ALREADY_DECIDED)
            appeal.decision, appeal.decision_reason, appeal.decided_at = decision, reason, now
            payload = {
                "appeal_id": appeal_id,
                "decision": decision,
                "reason": reason,
                "action": _action(action),
            }
            await change.append(EventType.APPEAL_DECIDED, staff, payload, thread_id=action.thread_id)
        if decision == REVERSED and action.undone_at is None:
            # Undone meanwhile (a moderator restored it): what the reversal asks already holds.
            with contextlib.suppress(Conflict):
                await self.undo[action.kind](staff, action.target_id, reason)
        return _appeal(appeal, action)

    async def mine(self, account: Account) -> dict[str, Any]:
        """`GET /api/me/appeals`: the caller's appeals, newest first."""
        async with self.db.read() as s:
            rows = (
                await s.execute(
                    select(Appeal, ModerationAction)
                    .join(ModerationAction, ModerationAction.id == Appeal.action_id)  # type: ignore[arg-type]
                    .where(Appeal.account_id == account.id)  # type: ignore[arg-type]
                    .order_by(Appeal.id.desc())  # type: ignore[union-attr]
                    .limit(100)
                )
            ).all()
        return {"items": [_appeal(appeal, action) for appeal, action in rows]}


def _action(action: ModerationAction) -> dict[str, Any]:
    return {
        "id": action.id,
        "kind": action.kind,
        "target_id": action.target_id,
        "thread_id": action.thread_id,
        "action": action.action,
        "reason": action.reason,
        "created_at": public.iso(action.created_at),
        "undone": action.undone_at is not None,
    }


def _appeal(appeal: Appeal, action: ModerationAction) -> dict[str, Any]:
    return {
        "id": appeal.id,
        "action": _action(action),
        "text": appeal.text,
        "created_at": public.iso(appeal.created_at),
        "decision": appeal.decision,
        "decision_reason": appeal.decision_reason,
        "decided_at": public.iso(appeal.decided_at) if appeal.decided_at is not None else None,
    }


async def _post(s: Any, action: ModerationAction) -> dict[str, Any]:
    """What was written, for staff to judge (hidden or not): the post the action is about."""
    kind, target_id = action.kind, action.target_id
    if kind == actions.SUSPENSION:
        row = (
            await s.execute(
                select(Suspension.post_kind, Suspension.post_id).where(Suspension.id == target_id)  # type: ignore[call-overload]
            )
        ).first()
        if row is None:
            return {"kind": kind, "id": target_id}
        kind, target_id = row.post_kind, row.post_id
    shown: dict[str, Any] = {"kind": kind, "id": target_id, "thread_id": action.thread_id}
    if kind == actions.THREAD:
        row = (await s.execute(select(Thread.title, Thread.body).where(Thread.id == target_id))).first()  # type: ignore[call-overload]
        if row is not None:
            shown.update(title=row.title, body=row.body)
    elif kind == actions.COMMENT:
        shown["body"] = (await s.execute(select(Comment.body).where(Comment.id == target_id))).scalar()  # type: ignore[call-overload]
    elif kind == actions.HELD:
        shown["body"] = (
            await s.execute(select(HeldComment.body).where(HeldComment.id == target_id))  # type: ignore[call-overload]
        ).scalar()
    return shown
