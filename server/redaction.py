"""The one rule for what a stored event may show, to whom, given the content's state now.

An event is stored once, as it was when it happened; by the time it is sent again (a replay
from memory or SQL, an export) the comment it carries may have been hidden. Every path that
sends a stored event asks `shown_to` first, so a rule (hidden text stays out of public frames;
later: edited and withdrawn comments) is written here once and cannot be forgotten by one path.
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

    @property
    def conceals_body(self) -> bool:
        return self.hidden or self.held


VISIBLE = CommentState()


def carried_comment_id(data: Mapping[str, Any]) -> int | None:
    """The id of the comment an event's data carries (`data.comment`), if any."""
    comment = data.get("comment")
    if isinstance(comment, Mapping) and isinstance(comment.get("id"), int):
        return int(comment["id"])
    return None


def shown_to(audience: Audience, data: dict[str, Any], states: Mapping[int, CommentState]) -> dict[str, Any]:
    """The event data `audience` may see, given the current state of the comments it carries.

    A comment whose body is concealed now shows its current public form (`body: null`, `hidden:
    true`, the current reason) in every frame, whatever the event type: a `comment.restored` frame
    replayed after a second hide would otherwise carry the text again. Showing less than the frame
    had is always allowed; showing more never is.
    """
    if audience is Audience.STAFF:
        return data
    comment_id = carried_comment_id(data)
    if comment_id is None:
        return data
    state = states.get(comment_id, VISIBLE)
    if not state.conceals_body:
        return data
    comment = {**data["comment"], "body": None, "hidden": True, "hidden_reason": state.hidden_reason}
    return {**data, "comment": comment}
