"""The README's pictures of the app, taken from the demo as a reader sees it: the board, a thread
with a comment and an answer arriving live, staff tools in a thread, dark mode, English, a phone.

A plain run photographs into its temporary directory; TONG_UPDATE_SCREENSHOTS=1 rewrites
docs/screenshots/ (the dashboard's own pictures come from tests/browser_staff/test_dashboard.py).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.conftest import Tong
from tests.support.demo_server import DEMO_PASSWORD, ROOT

pytestmark = pytest.mark.browser

DOC_SHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# 혁신제품 시범구매 후기: replies, an interim answer, a hidden comment.
BUSY_THREAD = 3


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    out = DOC_SHOTS if os.environ.get("TONG_UPDATE_SCREENSHOTS") == "1" else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    return out


async def _page(
    browser: Any, tong: Tong, viewport: dict[str, int], login: str | None = None, **options: Any
) -> Any:
    context = await browser.new_context(
        base_url=tong.base, viewport=viewport, locale="ko-KR", timezone_id="Asia/Seoul", **options
    )
    if login:
        r = await context.request.post("/api/session", data={"login": login, "password": DEMO_PASSWORD})
        assert r.ok
    return await context.new_page()


async def _subscribed(page: Any) -> None:
    # Polled through evaluate(): wait_for_function polls with eval, which the app's CSP refuses.
    for _ in range(100):
        if await page.evaluate(
            f"() => !!window.__tong?.live.subs.get('thread:{BUSY_THREAD}')?.everSubscribed"
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the thread channel was never subscribed")


async def _snap(page: Any, path: Path, full: bool = False) -> None:
    await page.evaluate("document.fonts.ready.then(() => true)")
    await page.screenshot(path=str(path), full_page=full, animations="disabled")
    assert (await asyncio.to_thread(path.stat)).st_size > 10_000


async def test_screenshots_of_the_app(browser: Any, tong: Tong, shots: Path) -> None:
    """Board, a live thread, staff tools, dark mode, English and a phone are photographed."""
    # A second reader on the busy thread, so its watcher count says more than one.
    watcher = await _page(browser, tong, DESKTOP)
    await watcher.goto(f"/threads/{BUSY_THREAD}")
    pages = [watcher]
    try:
        page = await _page(browser, tong, DESKTOP, login="company2")
        pages.append(page)
        await page.goto("/")
        await expect(page.locator(".thread-card").nth(11)).to_be_visible()
        await _snap(page, shots / "board-desktop.png")

        # A live thread: a comment and an interim answer arrive while the reader is on the page.
        await page.goto(f"/threads/{BUSY_THREAD}")
        await _subscribed(page)
        async with tong.client("agency2") as client:
            await client.post(
                f"/api/threads/{BUSY_THREAD}/comments",
                json={
                    "body": "혁신제품 지정 심사 때 이 평가를 참고 자료로 쓰는 것도 검토해 주시기 바랍니다."
                },
            )
        async with tong.client("staff") as client:
            await client.post(
                f"/api/threads/{BUSY_THREAD}/answers",
                json={"body": "공개 범위는 담당자 이름을 빼는 방향으로 정리하고 있습니다."},
            )
        await expect(page.locator(".comment-card.is-new")).to_have_count(1)
        await expect(page.locator(".answer-card.is-new")).to_have_count(1)
        await _snap(page, shots / "thread-desktop.png", full=True)

        staff = await _page(browser, tong, DESKTOP, login="admin")
        pages.append(staff)
        await staff.goto(f"/threads/{BUSY_THREAD}")
        await expect(staff.locator(".staff-tools")).to_be_visible()
        await staff.evaluate(
            "scrollBy(0, document.querySelector('.answers').getBoundingClientRect().top - 80)"
        )
        await _snap(staff, shots / "staff-thread-desktop.png")

        dark = await _page(browser, tong, DESKTOP, color_scheme="dark")
        pages.append(dark)
        await dark.goto(f"/threads/{BUSY_THREAD}")
        await expect(dark.locator(".comment-card").first).to_be_visible()
        await _snap(dark, shots / "thread-dark-desktop.png")

        english = await _page(browser, tong, DESKTOP)
        pages.append(english)
        await english.goto("/static/favicon.svg")
        await english.evaluate("localStorage.setItem('tong.lang', 'en')")
        await english.goto("/")
        await expect(english.locator("h1")).to_have_text("Improvement proposals")
        await _snap(english, shots / "board-en-desktop.png")

        phone = await _page(browser, tong, PHONE, login="agency1")
        pages.append(phone)
        await phone.goto("/")
        await expect(phone.locator(".thread-card").first).to_be_visible()
        await _snap(phone, shots / "board-phone.png")
        await phone.goto(f"/threads/{BUSY_THREAD}")
        await expect(phone.locator(".comment-card").first).to_be_visible()
        await phone.locator(".comments").scroll_into_view_if_needed()
        await _snap(phone, shots / "thread-phone.png")
    finally:
        for opened in pages:
            await opened.context.close()
