"""The event log as a spreadsheet: CSV rows with the payload's main fields as their own columns.

Staff open these files in Excel, so the Korean form (the dashboard's button) has Korean headers and
Korean times (KST, "2026-11-29 18:05:07"); the English form keeps the machine-friendly UTC ISO time.
The whole payload stays as the last column, so nothing the log holds is lost.

Every text cell is written so that a spreadsheet shows it as text, never runs it (OWASP's CSV
injection): a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`.
A public title `=HYPERLINK("https://…","보기")` is then a title, not a link the staff member clicks.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

KST = timezone(timedelta(hours=9), "KST")
LANGUAGES = ("en", "ko")

# (English header, Korean header) in column order.
COLUMNS = (
    ("id", "번호"),
    ("type", "종류"),
    ("thread_id", "글 번호"),
    ("seq", "글 안 순번"),
    ("actor_kind", "행위자 종류"),
    ("actor_key", "행위자 키"),
    ("created_at", "시각 (KST)"),
    ("comment_id", "댓글 번호"),
    ("title", "제목"),
    ("category", "분류"),
    ("text", "내용"),
    ("reason", "사유"),
    ("status", "상태"),
    ("outcome", "결과"),
    ("count", "누적 수"),
    ("payload", "원본 (JSON)"),
)


# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: Any) -> Any:
    """A cell a spreadsheet shows as text: a string that could start a formula gets a leading `'`
    (which Excel and LibreOffice hide); numbers and other values are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def header(lang: str) -> list[str]:
    return [ko if lang == "ko" else en for en, ko in COLUMNS]


def _flat(text: Any) -> str:
    # One physical line per row: the export counts rows by newlines, and a spreadsheet cell with
    # line breaks hides the rows below it. The exact text is still in the payload column.
    return " ".join(str(text).split()) if text is not None else ""


def _time(iso: str, lang: str) -> str:
    if lang != "ko":
        return iso
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S")


def _part(payload: dict[str, Any], name: str) -> dict[str, Any]:
    value = payload.get(name)
    return value if isinstance(value, dict) else {}


def main_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """The fields a reader looks for first, wherever the event type keeps them."""
    comment, answer, thread = (_part(payload, name) for name in ("comment", "answer", "thread"))
    comment_id = comment.get("id") or payload.get("comment_id")
    if comment_id is None and payload.get("target") == "comment":
        comment_id = payload.get("target_id")
    return {
        "comment_id": comment_id,
        "title": thread.get("title"),
        # A thread's category, or the category a staff change to the list names.
        "category": thread.get("category") or _part(payload, "category").get("name"),
        "text": comment.get("body") or answer.get("body") or payload.get("body") or thread.get("body"),
        "reason": payload.get("reason"),
        "status": payload.get("status") or answer.get("status"),
        "outcome": payload.get("outcome") or answer.get("outcome"),
        "count": payload.get("count"),
    }


def row(shown: dict[str, Any], lang: str, payload_json: str) -> list[Any]:
    """One CSV row of a log row as staff see it (`actor` as kind and key)."""
    actor = shown.get("actor") or {}
    fields = main_fields(shown.get("payload") or {})

    def cell(value: Any) -> Any:
        return "" if value is None else value

    cells = [
        shown["id"],
        shown["type"],
        cell(shown.get("thread_id")),
        cell(shown.get("seq")),
        actor.get("kind", ""),
        actor.get("key", ""),
        _time(shown["created_at"], lang),
        cell(fields["comment_id"]),
        _flat(fields["title"]),
        _flat(fields["category"]),
        _flat(fields["text"]),
        _flat(fields["reason"]),
        cell(fields["status"]),
        cell(fields["outcome"]),
        cell(fields["count"]),
        payload_json,
    ]
    return [as_text(value) for value in cells]
