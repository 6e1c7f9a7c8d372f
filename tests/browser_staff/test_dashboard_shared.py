"""The dashboard like the public app: shared modules (offline handling), Korean and English, light
and dark, charts with axes, tooltips and a table, aligned live rows, recommendations written out, and
a CSV button that gives what staff open in Excel (Korean headers, KST times, payload fields, BOM)."""

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


async def test_dashboard_speaks_english_and_writes_recommendations_out(open_page: Any, tong: Tong) -> None:
    """The language switch relabels the dashboard; a recommendation reads '댓글 #N 추천 (누적 1)'."""
    dashboard = await open_dashboard(open_page, "monitor")
    page = dashboard.page
    author, voter = await tong.client("company3"), await tong.client("agency4")
    comment = (await author.post("/api/threads/2/comments", json={"body": "추천 받을 댓글"})).json()
    assert (await voter.put(f"/api/comments/{comment['id']}/recommendation")).status_code == 200
    row = page.locator("#stream li[data-type='recommendation.added']").first
    await expect(row.locator(".ev-text")).to_have_text(f"댓글 #{comment['id']} 추천 (누적 1)", timeout=5000)

    await page.get_by_role("button", name="English").click()
    await page.wait_for_selector("body[data-ready='true']")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("link", name="Answer clock")).to_be_visible()
    await expect(page.locator("#conn")).to_have_text("Live", timeout=5000)
    row = page.locator("#stream li[data-type='recommendation.added'] .ev-text", has_text=f"#{comment['id']}")
    await expect(row.first).to_have_text(f"Comment #{comment['id']} recommended (total 1)")
    await page.get_by_role("button", name="한국어 화면으로 보기").click()
    await expect(page.get_by_role("link", name="답변 시계")).to_be_visible()


async def test_charts_have_axes_tooltips_and_a_table_and_rows_line_up(open_page: Any, tong: Tong) -> None:
    """Each chart has y and x labels, a tooltip per point and its numbers as a table; stream rows
    start every column at the same x."""
    dashboard = await open_dashboard(open_page, "monitor")
    page = dashboard.page
    charts = page.locator("#charts .chart-box")
    await expect(charts).to_have_count(4)
    first = charts.first
    assert await first.locator("text.tick.y").count() >= 2
    assert await first.locator("text.tick.x").count() >= 2
    points = await first.locator("circle.point").count()
    assert points >= 2
    assert await first.locator("circle.point title").count() == points
    assert await first.locator("table caption").count() == 1
    assert await first.locator("table tbody tr").count() == points
    assert await first.locator("svg").get_attribute("aria-hidden") == "true"

    lefts = await page.locator("#stream li.ev").evaluate_all(
        "(rows) => rows.slice(0, 20)"
        ".map((li) => [...li.children].map((c) => Math.round(c.getBoundingClientRect().left)))"
    )
    assert len(lefts) >= 5
    assert all(cols == lefts[0] for cols in lefts), lefts


async def test_dashboard_has_a_dark_mode(open_page: Any, tong: Tong) -> None:
    """prefers-color-scheme: dark gives the dashboard a dark background and light text."""
    dashboard = await open_dashboard(open_page, "monitor")
    await dashboard.page.emulate_media(color_scheme="dark")
    bg, fg = await dashboard.page.evaluate(
        "() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"
    )
    assert bg == "rgb(16, 21, 28)" and fg == "rgb(229, 233, 239)", (bg, fg)
