"""The review log's CSV: Korean headers and KST times for the dashboard's button, the payload's main
fields as columns, the byte-order mark that makes Excel read UTF-8, the English form unchanged."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

from tests.support.clients import Http
from tests.support.servers import InProcessServer

KST = timezone(timedelta(hours=9))


async def _rows(staff: Http, thread_id: int, lang: str | None) -> tuple[bytes, list[dict[str, str]]]:
    params = {"format": "csv", "thread_id": str(thread_id)}
    if lang:
        params["lang"] = lang
    response = await staff.get("/api/staff/events", params=params)
    assert response.status_code == 200, response.text
    raw = response.content
    return raw, list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


async def test_korean_csv_has_korean_headers_kst_times_and_payload_fields(
    server: InProcessServer, company: Http, staff: Http
) -> None:
    """lang=ko: Korean headers, times in KST without a zone suffix, comment fields as columns, BOM kept."""
    thread = await company.thread("수의계약 견적 기간", "본문\n둘째 줄")
    comment = await company.comment(thread["id"], "동의합니다,\n견적 기간이 너무 짧습니다.")
    raw, rows = await _rows(staff, thread["id"], "ko")
    assert raw.startswith(b"\xef\xbb\xbf")
    headers = ["번호", "종류", "글 번호", "글 안 순번", "행위자 종류", "행위자 키", "시각 (KST)"]
    assert list(rows[0])[:7] == headers
    created = rows[1]
    assert created["종류"] == "comment.created"
    assert created["댓글 번호"] == str(comment["id"])
    assert created["내용"] == "동의합니다, 견적 기간이 너무 짧습니다."
    assert json.loads(created["원본 (JSON)"])["comment"]["body"] == "동의합니다,\n견적 기간이 너무 짧습니다."
    shown = datetime.strptime(created["시각 (KST)"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=KST)
    posted = datetime.fromisoformat(comment["created_at"].replace("Z", "+00:00"))
    assert abs((shown - posted).total_seconds()) < 1
    assert rows[0]["제목"] == "수의계약 견적 기간"
    assert raw.count(b"\n") == len(rows) + 1  # one line per row: a body's line break stays in the JSON


async def test_english_csv_keeps_utc_iso_times(server: InProcessServer, company: Http, staff: Http) -> None:
    """Without lang the headers are English and times stay UTC ISO 8601 with Z."""
    thread = await company.thread("영문 내보내기")
    _, rows = await _rows(staff, thread["id"], None)
    assert rows[0]["type"] == "thread.created"
    assert rows[0]["created_at"].endswith("Z")
    assert rows[0]["title"] == "영문 내보내기"


async def test_unknown_csv_language_is_a_clear_422(server: InProcessServer, staff: Http) -> None:
    """An unsupported lang is refused with the error body, naming the field."""
    response = await staff.get("/api/staff/events", params={"format": "csv", "lang": "fr"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"lang": "unknown"}


FORMULAS = ['=HYPERLINK("https://evil.example","보기")', "+1 동의합니다", "-2+3", "@SUM(A1:A9)"]


async def test_cells_that_could_start_a_formula_are_written_as_text(
    server: InProcessServer, company: Http, staff: Http
) -> None:
    """A title or body starting with = + - @ (OWASP CSV injection) gets a leading ' in its cell; the
    payload column keeps the exact text."""
    thread = await company.thread(FORMULAS[0], "본문")
    for body in FORMULAS[1:]:
        await company.comment(thread["id"], body)
    for lang in ("ko", None):
        _, rows = await _rows(staff, thread["id"], lang)
        texts = [list(row.values()) for row in rows]
        assert texts[0][8] == "'" + FORMULAS[0]
        assert [cells[10] for cells in texts[1:]] == ["'" + body for body in FORMULAS[1:]]
        assert json.loads(texts[1][-1])["comment"]["body"] == FORMULAS[1]
        for cells in texts:
            assert not any(str(c).startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells), cells
