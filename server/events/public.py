"""What the public may see. The one place where rows become JSON, and where anonymity lives.

No account id, login or name leaves through here: authors are `{"kind", "label", "is_op"}`,
numbered per thread (기업 n, 기관 n), so two threads' labels cannot be linked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any, Protocol

from server.store.models import ROW_ID_MAX, Account, Answer, Comment, Event, Thread

STAFF_LABEL = "조달청"
KIND_LABELS = {"company": "기업", "agency": "기관"}


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive values; they were written as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def author(kind: str, number: int, is_op: bool, department: str | None = None) -> dict[str, Any]:
    if kind == "staff":
        shown: dict[str, Any] = {"kind": "staff", "label": STAFF_LABEL, "is_op": is_op}
        if department:
            shown["department"] = department
        return shown
    return {"kind": kind, "label": f"{KIND_LABELS[kind]} {number}", "is_op": is_op}


def thread_summary(thread: Thread, op: dict[str, Any], watchers: int = 0) -> dict[str, Any]:
    assert thread.id is not None
    erased = bool(getattr(thread, "erased", False))
    shown: dict[str, Any] = {
        "id": thread.id,
        "kind": thread.kind,
        "title": None if erased else thread.title,
        "category": thread.category,
        "status": thread.status,
        "outcome": thread.outcome,
        "author": op,
        "excerpt": None if erased else thread.body[:160],
        "created_at": iso(thread.created_at),
        "last_activity_at": iso(thread.last_activity_at),
        "counts": {
            "comments": thread.comment_count,
            "recommendations": thread.recommendation_count,
            "watchers": watchers,
        },
        # The answer obligation's KST date (v1.2), null until the threshold is reached.
        "answer_due": thread.answer_due.isoformat() if thread.answer_due is not None else None,
    }
    if getattr(thread, "hidden", False):
        # Hidden by a moderator (v1.2): its place and number stay, its text does not.
        shown.update(hidden=True, hidden_reason=thread.hidden_reason, title=None, excerpt=None)
    if erased:
        shown["erased"] = True
    return shown


def thread_detail(
    thread: Thread, op: dict[str, Any], answers: list[dict[str, Any]], watchers: int = 0
) -> dict[str, Any]:
    shown = thread_summary(thread, op, watchers)
    del shown["excerpt"]
    shown["body"] = (
        None if getattr(thread, "hidden", False) or getattr(thread, "erased", False) else thread.body
    )
    shown["answers"] = answers
    shown["seq"] = thread.seq
    edited(shown, thread)
    return shown


def edited(shown: dict[str, Any], row: Any) -> dict[str, Any]:
    """Marks an edited text ("수정됨"): its revision and when; nothing on text never edited."""
    revision = getattr(row, "revision", 1) or 1
    if revision > 1 and row.edited_at is not None:
        shown["revision"] = revision
        shown["edited_at"] = iso(row.edited_at)
    return shown


def thread_text(thread: Thread) -> dict[str, Any]:
    """The edited part of a proposal, as `thread.updated` carries it (and `post.erased`: no text)."""
    if getattr(thread, "erased", False):
        return edited({"id": thread.id, "title": None, "body": None, "excerpt": None, "erased": True}, thread)
    return edited(
        {"id": thread.id, "title": thread.title, "body": thread.body, "excerpt": thread.body[:160]}, thread
    )


def comment(row: CommentRow | Comment, shown_author: dict[str, Any]) -> dict[str, Any]:
    withdrawn = getattr(row, "withdrawn", False)
    erased = getattr(row, "erased", False)
    shown = {
        "id": row.id,
        "thread_id": row.thread_id,
        "parent_id": row.parent_id,
        "seq": row.seq,
        "author": shown_author,
        "body": None if row.hidden or withdrawn or erased else row.body,
        "created_at": iso(row.created_at),
        "hidden": row.hidden,
        "counts": {"recommendations": row.recommendation_count},
    }
    if row.hidden:
        shown["hidden_reason"] = row.hidden_reason
    if withdrawn:
        shown["withdrawn"] = True
    if erased:
        shown["erased"] = True
    return edited(shown, row)


def answer(row: Answer, department: str | None) -> dict[str, Any]:
    shown = {
        "id": row.id,
        "thread_id": row.thread_id,
        "seq": row.seq,
        "author": author("staff", 0, False, department),
        "body": row.body,
        "status": row.status,
        "outcome": row.outcome,
        "created_at": iso(row.created_at),
    }
    return edited(shown, row)


def me(account: Account) -> dict[str, Any]:
    """The caller, to themself only."""
    return {
        "id": account.id,
        "login": account.login,
        "kind": account.kind,
        "roles": sorted(account.role_set),
        "department": account.department,
        "via": account.via,
    }


def actor_key(secret: bytes, account_id: int) -> str:
    """Opaque and stable per account, so staff can spot one actor flooding without learning who."""
    digest = hmac.new(secret, f"actor:{account_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode().lower()


class LogRow(Protocol):
    id: int | None
    type: str
    thread_id: int | None
    seq: int | None
    actor_account_id: int | None
    payload: dict[str, Any]
    created_at: datetime


class CommentRow(Protocol):
    id: int | None
    thread_id: int
    parent_id: int | None
    seq: int
    body: str
    created_at: datetime
    hidden: bool
    hidden_reason: str | None
    recommendation_count: int


# Rows about an account's life (created, logged in, ...) carry no actor for staff: their times in
# account-id order matched against a content key (a login, then a comment seconds later) would
# name the author. Only the admin reveal links content to an account, and it is logged.
LIFECYCLE_PREFIXES = ("account.", "session.")


# Account administration rows (v1.2: `account.created`, `account.changed`): admins see their actor,
# with its id and login (who disabled whom is what an admin reviews); other staff see none.
ADMIN_SEES_ACTOR = "account."


def log_row(
    row: LogRow | Event, actor_kind: str | None, secret: bytes, admin_actor_login: str | None = None
) -> dict[str, Any]:
    """An event-log row as staff see it: the account id replaced by `{"kind", "key"}`, and no
    actor at all on account-lifecycle rows, except `account.*` rows shown to an admin (who passes
    the actor's login as `admin_actor_login`)."""
    actor: dict[str, Any] | None = None
    if row.actor_account_id is not None and not row.type.startswith(LIFECYCLE_PREFIXES):
        actor = {"kind": actor_kind, "key": actor_key(secret, row.actor_account_id)}
    elif row.actor_account_id is not None and admin_actor_login and row.type.startswith(ADMIN_SEES_ACTOR):
        actor = {
            "kind": actor_kind,
            "key": actor_key(secret, row.actor_account_id),
            "id": row.actor_account_id,
            "login": admin_actor_login,
        }
    return {
        "id": row.id,
        "type": row.type,
        "thread_id": row.thread_id,
        "seq": row.seq,
        "actor": actor,
        "payload": row.payload,
        "created_at": iso(row.created_at),
    }


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    padded = cursor + "=" * (-len(cursor) % 4)
    values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    # A cursor is [id] or [value, id] as encode_cursor wrote it; anything else (a list inside, an
    # integer past the columns' range) would otherwise reach SQL as a parameter the database refuses.
    if not isinstance(values, list) or not 1 <= len(values) <= 2:
        raise ValueError("cursor is not a list of one or two values")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError("cursor values are integers or strings")
        if isinstance(value, int) and not 0 <= value <= ROW_ID_MAX:
            raise ValueError("cursor value out of range")
    if not isinstance(values[-1], int):
        raise ValueError("a cursor ends with an id")
    return values
