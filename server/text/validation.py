"""Checks on text a user sends, shared by every domain module that stores some."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from server.contract.errors import Invalid
from server.text.plaintext import is_blank, neutralise_bidi


def text(value: str, name: str, maximum: int) -> str:
    """Trimmed text of 1..maximum code points, or a 422 that names the field."""
    # Bidi controls go (text that lies about its direction); text that shows nothing (zero-width
    # characters, Hangul fillers) is empty.
    trimmed = neutralise_bidi(value).strip()
    if is_blank(trimmed):
        raise Invalid(f"{name} must not be empty", {name: "empty"})
    if len(trimmed) > maximum:
        raise Invalid(
            f"{name} is {len(trimmed)} characters; the limit is {maximum}",
            {name: "too_long"},
        )
    if "\x00" in trimmed:
        raise Invalid(f"{name} must not contain NUL characters", {name: "nul_character"})
    return trimmed


KST = timezone(timedelta(hours=9), "KST")

# Every moment Tong stores lies between these. A filter's bound outside them is moved to them (a
# `since=0001-01-01` means "from the start"): at the edges of what `datetime` holds, a zone offset or
# the day added to a date-only `until` overflowed, and the request answered 500.
TIME_MIN = datetime(1970, 1, 1, tzinfo=UTC)
TIME_MAX = datetime(9000, 1, 1, tzinfo=UTC)


def in_range(moment: datetime) -> bool:
    """Whether an aware `moment` lies between TIME_MIN and TIME_MAX (False, not an overflow, at the edges)."""
    try:
        return TIME_MIN <= moment.astimezone(UTC) <= TIME_MAX
    except OverflowError:
        return False


def parse_time(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 time or date; without a zone it is read as Korean time (KST). A moment before
    1970 or after 9000 is moved to that end: as a filter it means the same."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"{name} must be an ISO 8601 date or time", {name: "invalid"}) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=KST)
    if in_range(moment):
        return moment
    return TIME_MIN if moment.year < 5000 else TIME_MAX
