"""Moderation actions: what was done to someone's post or account, kept so its author can be told
(notices.py) and appeal it once (appeals.py).

Each module that acts (hiding a proposal or a comment, rejecting a held comment, suspending an
author, and erasing a post: issue 22 part 4 calls `record` with kind "erasure") records the action
in the same transaction as the change, and marks it undone when the change is undone (restore,
release, lift). The affected account is stored here and nowhere staff can read it.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.store.models import ModerationAction, utcnow

# What `POST /api/me/appeals` names as `kind`, with the action each one records.
THREAD = "thread"
COMMENT = "comment"
HELD = "held"
SUSPENSION = "suspension"
ERASURE = "erasure"
KINDS = (THREAD, COMMENT, HELD, SUSPENSION, ERASURE)

HIDDEN = "hidden"
REJECTED = "rejected"
SUSPENDED = "suspended"
ERASED = "erased"

# The event types that record an action, with the `kind` of the action they record; notices.py
# tells the author of each (a `moderation` notice).
ACTIONS: dict[str, str] = {
    "thread.hidden": THREAD,
    "comment.hidden": COMMENT,
    "comment.rejected": HELD,
    "author.suspended": SUSPENSION,
    "post.erased": ERASURE,
}


async def record(
    s: AsyncSession,
    *,
    kind: str,
    target_id: int,
    thread_id: int,
    account_id: int,
    action: str,
    reason: str,
) -> int:
    """Record one action in the caller's transaction; its id."""
    values = {
        "kind": kind,
        "target_id": target_id,
        "thread_id": thread_id,
        "account_id": account_id,
        "action": action,
        "reason": reason,
        "created_at": utcnow(),
    }
    stmt = insert(ModerationAction).values(**values).returning(ModerationAction.id)  # type: ignore[arg-type,call-overload]
    return int((await s.execute(stmt)).scalar_one())


async def undo(s: AsyncSession, kind: str, target_id: int) -> None:
    """The actions in force on this target are undone (restored, released, lifted)."""
    await s.execute(
        update(ModerationAction)
        .where(
            ModerationAction.kind == kind,  # type: ignore[arg-type]
            ModerationAction.target_id == target_id,  # type: ignore[arg-type]
            ModerationAction.undone_at.is_(None),  # type: ignore[union-attr]
        )
        .values(undone_at=utcnow())
    )


async def latest(s: AsyncSession, kind: str, target_id: int) -> ModerationAction | None:
    """The latest action on this target (the one an appeal is about)."""
    stmt = (
        select(ModerationAction)
        .where(ModerationAction.kind == kind, ModerationAction.target_id == target_id)  # type: ignore[arg-type]
        .order_by(ModerationAction.id.desc())  # type: ignore[union-attr]
        .limit(1)
    )
    return (await s.execute(stmt)).scalars().first()
