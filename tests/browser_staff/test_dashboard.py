"""The staff dashboard in chromium: live stream and figures, reports queue, held comments, and how
it looks on a desktop and a phone."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser_staff.conftest import Tong, open_dashboard
from tests.support.demo_server import ROOT

pytestmark = pytest.mark.browser
# The committed screenshots are rewritten only when asked (TONG_UPDATE_SCREENSHOTS=1); a plain
# test run photographs into its temporary directory and leaves the work tree alone.
DOC_SHOTS = ROOT / "docs" / "screenshots"


async def _figure(page: Any, key: str) -> int:
    text = await page.locator(f"[data-figure='{key}'] .figure-value").inner_text()
    return int(text) if text.strip().isdigit() else 0


async def test_event_posted_elsewhere_appears_and_figures_move(open_page: Any, tong: Tong) -> None:
    """A comment posted through the API tops the live stream and the per-minute figure rises."""
    dashboard = await open_dashboard(open_page)
    page = dashboard.page
    before = await _figure(page, "comments")
    body = f"대시보드에 보여야 할 댓글 {uuid.uuid4().hex[:6]}"
    company = await tong.client("company4")
    response = await company.post("/api/threads/1/comments", json={"body": body})
    assert response.status_code == 201, response.text
    first = page.locator("#stream li").first
    await expect(first).to_contain_text(body, timeout=5000)
    await expect(first.locator("a.ev-thread")).to_have_attribute("href", "/threads/1")
    await expect(page.locator("[data-figure='comments'] .figure-value")).to_have_text(
        str(before + 1), timeout=5000
    )
    assert dashboard.problems == []


async def test_stream_pauses_and_filters(open_page: Any, tong: Tong) -> None:
    """While paused new events wait (and are counted); the type filter hides other types."""
    page = (await open_dashboard(open_page)).page
    await page.get_by_role("button", name="일시 정지").click()
    company = await tong.client("company5")
    body = f"멈춘 동안 올라온 댓글 {uuid.uuid4().hex[:6]}"
    await company.post("/api/threads/2/comments", json={"body": body})
    # The login of company5 is an event too, so at least one (the comment) is waiting.
    await expect(page.locator("#stream-paused")).to_contain_text(
        re.compile(r"새 기록 [1-9]\d*건"), timeout=5000
    )
    await expect(page.locator("#stream")).not_to_contain_text(body)
    await page.get_by_role("button", name="다시 보기").click()
    await expect(page.locator("#stream li").first).to_contain_text(body)
    await page.locator("#stream-filter").select_option(label="추천")
    await expect(page.locator("#stream li[data-type='comment.created']").first).to_be_hidden()


async def test_report_in_queue_and_hide_updates_thread_live(open_page: Any, tong: Tong) -> None:
    """A reported comment is queued with its reason; hiding it blanks it live on the thread page."""
    author, reporter = await tong.client("company2"), await tong.client("agency2")
    body = f"신고될 댓글입니다 {uuid.uuid4().hex[:6]}"
    comment = (await author.post("/api/threads/3/comments", json={"body": body})).json()
    reader = await open_page("/threads/3", login="company6")
    await expect(reader.page.locator(f"#comment-{comment['id']}")).to_contain_text(body, timeout=10_000)

    dashboard = await open_dashboard(open_page, "moderation")
    page = dashboard.page
    response = await reporter.post(f"/api/comments/{comment['id']}/reports", json={"reason": "비방성 표현"})
    assert response.status_code == 201
    card = page.locator(f"#reports li[data-comment='{comment['id']}']")
    await expect(card).to_contain_text("비방성 표현", timeout=5000)
    await expect(card).to_contain_text(body)
    await card.locator("input.reason").fill("비방 확인")
    await card.get_by_role("button", name="숨기기").click()
    await expect(card).to_have_count(0, timeout=5000)
    await expect(reader.page.locator(f"#comment-{comment['id']}")).not_to_contain_text(body, timeout=5000)
    await page.goto(tong.base + "/staff#monitor")
    await expect(page.locator("#stream li[data-type='comment.hidden']").first).to_contain_text("비방 확인")
    assert dashboard.problems == []


async def test_held_comment_released_from_dashboard(open_page: Any, tong: Tong) -> None:
    """A comment held outside office hours waits in the dashboard; releasing it publishes it on the thread."""
    author = await tong.client("company3")
    body = f"이건 사기 아닌가요 {uuid.uuid4().hex[:6]}"
    response = await author.post("/api/threads/4/comments", json={"body": body})
    assert response.status_code == 202 and response.json()["held"] is True
    page = (await open_dashboard(open_page, "moderation")).page
    card = page.locator("#held li", has_text=body)
    await expect(card).to_be_visible()
    await card.get_by_role("button", name="게시").click()
    await expect(card).to_have_count(0, timeout=5000)
    comments = (await author.get("/api/threads/4/comments")).json()["items"]
    assert comments[-1]["body"] == body


async def test_company_account_is_refused(open_page: Any) -> None:
    """A company account sees the staff login, not the dashboard."""
    tab = await open_page("/staff", login="company1")
    await expect(tab.page.locator("#login")).to_be_visible()
    await expect(tab.page.locator("#login-hint")).to_contain_text("조달청 직원 계정이 아닙니다")
    await expect(tab.page.locator("#tabs")).to_be_hidden()


@pytest.mark.parametrize(
    ("name", "viewport"), [("desktop", (1280, 800)), ("phone", (390, 844))], ids=["desktop", "phone"]
)
async def test_screenshots(
    open_page: Any, tong: Tong, name: str, viewport: tuple[int, int], tmp_path: Path
) -> None:
    """Every tab renders without horizontal overflow or CSP errors, and is photographed."""
    shots = DOC_SHOTS if os.environ.get("TONG_UPDATE_SCREENSHOTS") == "1" else tmp_path
    reporter, author = await tong.client("agency3"), await tong.client("company1")
    comment = (
        await author.post("/api/threads/5/comments", json={"body": "검사 결과 문자 안내는 꼭 필요합니다"})
    ).json()
    await reporter.post(f"/api/comments/{comment['id']}/reports", json={"reason": "중복 게시로 보입니다"})
    await author.post("/api/threads/6/comments", json={"body": "담합이나 사기 사례를 막을 방법도 필요합니다"})
    shots.mkdir(parents=True, exist_ok=True)
    dashboard = await open_dashboard(open_page, "monitor", viewport=viewport)
    page = dashboard.page
    for tab in ("monitor", "answers", "moderation", "review"):
        await page.goto(f"{tong.base}/staff#{tab}")
        await page.wait_for_selector("body[data-ready='true']")
        await page.wait_for_timeout(600)
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{tab} overflows by {overflow}px on {name}"
        path: Path = shots / f"staff-{tab}-{name}.png"
        await page.screenshot(path=str(path), full_page=tab != "review")
    assert dashboard.problems == []


LINES = """(el) => {
  // Line boxes of the element's text: a rect below every earlier one starts a new line (a badge
  // set a little higher on the same line does not).
  const range = document.createRange();
  range.selectNodeContents(el);
  const rects = [...range.getClientRects()].filter((r) => r.width > 0).sort((a, b) => a.top - b.top);
  let lines = 0;
  let bottom = -Infinity;
  for (const r of rects) {
    if (r.top >= bottom - 1) lines += 1;
    bottom = Math.max(bottom, r.bottom);
  }
  return lines;
}"""


async def test_dashboard_at_375_px_keeps_words_and_reaches_every_tab(open_page: Any) -> None:
    """At 375 px the dashboard does not scroll sideways, breaks no Korean word ("실시/간"), and
    every tab of its bar can be scrolled fully into view."""
    dashboard = await open_dashboard(open_page, viewport=(375, 740))
    page = dashboard.page
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert await page.evaluate("getComputedStyle(document.body).wordBreak") == "keep-all"
    assert await page.locator("#conn").evaluate(LINES) == 1
    tabs = page.locator("#tabs a")
    assert await tabs.count() >= 4
    for index in range(await tabs.count()):
        tab = tabs.nth(index)
        await tab.scroll_into_view_if_needed()
        box = await tab.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375 + 0.5, (index, box)
        assert await tab.evaluate(LINES) == 1, await tab.inner_text()
    for label in await page.locator(".figure-label, .panel-head h2").all():
        if await label.is_visible():
            text = await label.inner_text()
            if " " not in text.strip():
                assert await label.evaluate(LINES) == 1, text
    assert dashboard.problems == []
