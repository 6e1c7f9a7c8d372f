"""The dashboard on the shared modules: its CSV button downloads what staff open in Excel (Korean
headers, KST times, payload fields, BOM), and its socket has the app's offline handling."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

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


async def test_dashboard_socket_goes_offline_and_catches_up(open_page: Any, tong: Tong) -> None:
    """The dashboard shares the app's live module: offline is shown, and rows missed meanwhile arrive."""
    dashboard = await open_dashboard(open_page, "monitor")
    page = dashboard.page
    await page.context.set_offline(True)
    await expect(page.locator("#conn")).to_have_attribute("data-state", "offline", timeout=3000)
    author = await tong.client("company2")
    body = f"오프라인 동안 쓴 댓글 {uuid.uuid4().hex[:8]}"
    assert (await author.post("/api/threads/2/comments", json={"body": body})).status_code == 201
    await page.context.set_offline(False)
    await expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=5000)
    await expect(page.locator("#stream .ev-text", has_text=body)).to_have_count(1, timeout=5000)
