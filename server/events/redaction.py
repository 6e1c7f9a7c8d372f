"""The one rule for what a stored event may show, to whom, given the content's state now.

An event is stored once, as it was when it happened; by the time it is sent again (a replay
from memory or SQL, an export) the comment it carries may have been hidden. Every path that
sends a stored event asks `shown_to` first, so a rule (hidden text stays out of public frames;
edited and withdrawn comments show their current form) is written here once and cannot be
forgotten by one path.
Pure: no I/O, so the hub's ring and the SQL replay use the same function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Audience(Enum):
    # Thread and board channels: the same bytes for every watcher, so the public form only.
    PUBLIC = "public"
    # The staff channel, the staff log page and exports: moderators judge what was written.
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class CommentState:
    """What the public may see of one comment now."""

    hidden: bool = False
    hidden_reason: str | None = None
    # A held comment has no place in a thread yet; if one ever appeared in a frame it shows nothing.
    held: bool = False
    # Deleted by its author: shown in place with `body: null` and `withdrawn: true`.
    withdrawn: bool = False
    # Erased by an admin (erasure.py): `body: null` and `erased: true`, for staff too.
    erased: bool = False
    # The current revision and its text, when known: a frame carrying an older revision shows
    # this one instead (None: unknown here, the frame's text stands).
    revision: int | None = None
    body: str | None = None
    edited_at: str | None = None

    @property
    def conceals_body(self) -> bool:
        return self.hidden or self.held or self.withdrawn or self.erased


VISIBLE = CommentState()
# What an erasure leaves of a log row's payload (PROTOCOL v1.2: exactly this), and of its frames.
ERASED: Mapping[str, Any] = {"erased": True}


def is_erased(data: Mapping[str, Any]) -> bool:
    return dict(data) == ERASED


def state_of(comment: Mapping[str, Any]) -> CommentState:
    """The state a comment's current public form (as the latest frame carrying it) says."""
    return CommentState(
        hidden=bool(comment.get("hidden")),
        hidden_reason=comment.get("hidden_reason"),
        withdrawn=bool(comment.get("withdrawn")),
        erased=bool(comment.get("erased")),
        revision=int(comment.get("revision") or 1),
        body=comment.get("body"),
        edited_at=comment.get("edited_at"),
    )


@dataclass(frozen=True, slots=True)
class ThreadState:
    """What the public may see of one proposal now (v1.2): a hidden one keeps its place and
    number; its title and body, and the bodies of its comments, are null until restored."""

    hidden: bool = False
    hidden_reason: str | None = None


SHOWN_THREAD = ThreadState()


def conceal_thread(thread: dict[str, Any], state: ThreadState) -> dict[str, Any]:
    """A thread's public shape (summary, detail, text) as a hidden proposal shows it."""
    shown = {**thread, "hidden": True, "hidden_reason": state.hidden_reason}
    for part in ("title", "body", "excerpt"):
        if part in shown:
            shown[part] = None
    # Its files go with its text (they 404 to the public too).
    shown.pop("attachments", None)
    return shown


def carried_comment_id(data: Mapping[str, Any]) -> int | None:
    """The id of the comment an event's data carries (`data.comment`), if any."""
    comment = data.get("comment")
    if isinstance(comment, Mapping) and isinstance(comment.get("id"), int):
        return int(comment["id"])
    return None


def shown_to(
    audience: Audience,
    data: dict[str, Any],
    states: Mapping[int, CommentState],
    thread: ThreadState = SHOWN_THREAD,
) -> dict[str, Any]:
    """The event data `audience` may see, given the current state of the comments it carries.

    A comment whose body is concealed now (hidden, held, deleted by its author) shows its current
    public form (`body: null`, the current reason or `withdrawn: true`) in every frame, whatever
    the event type: a `comment.restored` frame replayed after a second hide would otherwise carry
    the text again. A comment edited since shows its current revision's text in every frame that
    still carries a body, so an old revision never comes back through a replay. Showing less than
    the frame had is always allowed; showing older text never is.
    """
    if is_erased(data):
        return dict(ERASED)
    if thread.hidden and audience is not Audience.STAFF:
        data = _thread_concealed(data, thread)
    comment_id = carried_comment_id(data)
    if comment_id is None:
        return data
    state = states.get(comment_id, VISIBLE)
    if audience is Audience.STAFF and not state.erased:
        return data
    shown = data["comment"]
    if state.conceals_body:
        comment = {**shown, "body": None, "hidden": state.hidden or state.held}
        # Its files go with its text (they 404 to the public too).
        comment.pop("attachments", None)
        if state.hidden or state.held:
            comment["hidden_reason"] = state.hidden_reason
        else:
            comment.pop("hidden_reason", None)
        if state.withdrawn:
            comment["withdrawn"] = True
        if state.erased:
            comment["erased"] = True
        _current_revision(comment, state)
        return {**data, "comment": comment}
    if state.revision is None or shown.get("body") is None:
        return data
    if int(shown.get("revision") or 1) == state.revision:
        return data
    comment = {**shown, "body": state.body}
    _current_revision(comment, state)
    return {**data, "comment": comment}


def _thread_concealed(data: dict[str, Any], state: ThreadState) -> dict[str, Any]:
    """A frame of a hidden proposal: its text (`thread` as `thread.created`/`thread.updated` carry
    it, the full `body` of `thread.created`) and every comment's body are null. A comment that
    shows its body later (the proposal restored) goes through the comment rule as before."""
    shown = dict(data)
    if isinstance(shown.get("thread"), Mapping):
        shown["thread"] = conceal_thread(shown["thread"], state)
        if "body" in shown:
            shown["body"] = None
    comment = shown.get("comment")
    if isinstance(comment, Mapping) and comment.get("body") is not None:
        shown["comment"] = {k: v for k, v in comment.items() if k != "attachments"} | {"body": None}
    return shown


def _current_revision(comment: dict[str, Any], state: CommentState) -> None:
    """The revision marks (`revision`, `edited_at`) as the comment has them now."""
    if state.revision is None:
        return
    if state.revision > 1:
        comment["revision"] = state.revision
        comment["edited_at"] = state.edited_at
    else:
        comment.pop("revision", None)
        comment.pop("edited_at", None)


def thread_erased(data: Mapping[str, Any], thread_id: int) -> dict[str, Any] | None:
    """A frame's data with an erased proposal's text taken out (None: it carries none). Frames kept
    in memory for replay (`thread.updated`) carry the proposal's title and body."""
    thread = data.get("thread")
    if not isinstance(thread, Mapping) or thread.get("id") != thread_id:
        return None
    shown = {**thread, "title": None, "body": None, "excerpt": None, "erased": True}
    return {**data, "thread": shown}
