"""The dashboard's CSV button downloads what staff open in Excel: Korean headers, KST times, the
payload's main fields as columns, and the byte-order mark."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser_staff.conftest import Tong, open_dashboard

pytestmark = pytest.mark.browser


async def test_csv_button_downloads_korean_headers_and_kst_times(open_page: Any, tong: Tong) -> None:
    """CSV 내려받기 gives a BOM-prefixed file with Korean headers, KST times and a 내용 column."""
    dashboard = await open_dashboard(open_page, "review")
    page = dashboard.page
    await page.get_by_label("글 번호").fill("1")
    async with page.expect_download() as info:
        await page.get_by_role("link", name="CSV 내려받기").click()
    download = await info.value
    raw = await asyncio.to_thread(Path(await download.path()).read_bytes)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows and all(row["글 번호"] == "1" for row in rows)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["시각 (KST)"]) for row in rows)
    comments = [row for row in rows if row["종류"] == "comment.created"]
    assert comments and all(row["내용"] and row["댓글 번호"] for row in comments)
    assert rows[0]["제목"].startswith("나라장터")
