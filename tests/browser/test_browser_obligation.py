"""The answer obligation seen in Chromium: the due badge appears live on the board's card and the
thread page when recommendations reach the threshold; the answer record and the quarterly report
show their charts with tables, in Korean and English, light and dark, and pass axe (WCAG 2.1 AA)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import expect

from tests.browser.conftest import Tab, Tong
from tests.browser.test_accessibility import AXE, Report, audit, require_axe, settle
from tests.support.demo_server import DEMO_PASSWORD, ROOT

pytestmark = pytest.mark.browser

# The demo's default threshold (50): the session's demo Tong gets that many accounts of its own
# through the CLI, rather than a second demo server (its start and seeding cost a minute here).
THRESHOLD = 50
PASSWORD = "obligation-test-passphrase-2026"


def create_accounts(tong: Tong, prefix: str, count: int) -> list[str]:
    """`tong accounts create` on the demo's own SQLite database (its data directory)."""
    env = {
        **os.environ,
        "TONG_DATA_DIR": str(tong.log_path.parent),
        "TONG_ARGON2_TIME_COST": "1",
        "TONG_ARGON2_MEMORY_COST": "1024",
    }
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "server", "accounts", "create", prefix, "--kind", "company"]
    command += ["--count", str(count), "--password-stdin"]
    subprocess.run(command, input=PASSWORD.encode(), env=env, cwd=ROOT, check=True, capture_output=True)
    return [f"{prefix}-{i}" for i in range(1, count + 1)]


async def recommend(tong: Tong, thread_id: int, login: str) -> None:
    async with httpx.AsyncClient(base_url=tong.base, timeout=30) as client:
        r = await client.post("/api/session", json={"login": login, "password": PASSWORD})
        assert r.status_code == 200, r.text
        r = await client.put(f"/api/threads/{thread_id}/recommendation")
        assert r.status_code == 200, r.text


@pytest_asyncio.fixture(loop_scope="session")
async def tabs(browser: Any, tong: Tong) -> AsyncIterator[list[Tab]]:
    opened: list[Tab] = []
    yield opened
    for tab in opened:
        await tab.context.close()


async def open_tab(browser: Any, tong: Tong, tabs: list[Tab], path: str, login: str | None = None) -> Tab:
    context = await browser.new_context(base_url=tong.base, locale="ko-KR", timezone_id="Asia/Seoul")
    await context.add_init_script(path=str(AXE))
    if login:
        r = await context.request.post("/api/session", data={"login": login, "password": DEMO_PASSWORD})
        assert r.ok, await r.text()
    page = await context.new_page()
    tab = Tab(page, context)
    page.on("pageerror", lambda e: tab.errors.append(str(e)))
    tabs.append(tab)
    await page.goto(path)
    await tab.wait_live()
    return tab


def kst_quarter() -> str:
    now = datetime.now(UTC) + timedelta(hours=9)
    return f"{now.year}-Q{(now.month - 1) // 3 + 1}"


async def test_due_badge_appears_live_and_the_report_pages_pass_axe(
    browser: Any, tong: Tong, tabs: list[Tab]
) -> None:
    """Fifty recommendations on a new proposal: the board's card and the open thread page show
    "답변 대상 · 기한 …" without a reload; /record and /record/{quarter} show the obligation and
    report charts with their tables, in ko and en, light and dark, with no axe violation."""
    require_axe()
    async with tong.client("company1") as client:
        r = await client.post(
            "/api/threads",
            json={"kind": "proposal", "title": f"의무 시험 {time.monotonic_ns()}", "body": "본문"},
        )
        assert r.status_code == 201, r.text
        thread = r.json()
    board = await open_tab(browser, tong, tabs, "/")
    await board.wait_subscribed("board")
    page = await open_tab(browser, tong, tabs, f"/threads/{thread['id']}", login="agency1")
    await page.wait_subscribed(f"thread:{thread['id']}")
    card = board.page.locator(f'.thread-card[data-thread-id="{thread["id"]}"]')
    await expect(card).to_be_visible()
    await expect(card.locator('[data-role="answer-due"]')).to_have_count(0)

    logins = create_accounts(tong, f"obl{time.monotonic_ns()}", THRESHOLD)
    for start in range(0, THRESHOLD, 10):
        await asyncio.gather(*(recommend(tong, thread["id"], login) for login in logins[start : start + 10]))
    async with tong.client() as client:
        due = (await client.get(f"/api/threads/{thread['id']}")).json()["answer_due"]
    assert due is not None
    month, day = int(due[5:7]), int(due[8:10])
    badge_text = f"답변 대상 · 기한 {month}월 {day}일"
    await expect(card.locator('[data-role="answer-due"]')).to_have_text(badge_text)
    await expect(page.page.locator('.thread-badges [data-role="answer-due"]')).to_have_text(badge_text)
    assert board.errors == [] and page.errors == []

    report = Report()
    quarter = kst_quarter()
    due_quarter = f"{due[:4]}-Q{(month - 1) // 3 + 1}"
    viewer = page.page
    # Korean in light, English in dark: the full matrix is test_accessibility's.
    for lang, scheme in (("ko", "light"), ("en", "dark")):
        await viewer.evaluate("(lang) => localStorage.setItem('tong.lang', lang)", lang)
        await viewer.emulate_media(color_scheme=scheme)
        await viewer.goto(f"/threads/{thread['id']}")
        expected = badge_text if lang == "ko" else "Answer due · by"
        await expect(viewer.locator('.thread-badges [data-role="answer-due"]')).to_contain_text(expected)
        # The record's figures may be a minute old (answerclock.PUBLIC_CACHE_S, and other tests
        # read it): its obligations section is there; the counts are the quarter report's below.
        await viewer.goto("/record")
        await expect(viewer.locator('[data-role="record-obligations"]')).to_be_visible()
        await settle(viewer)
        await audit(viewer, report, f"record with obligations [{lang} {scheme}]")

        await viewer.locator('[data-role="quarter-report-link"] a').click()
        await expect(viewer).to_have_url(f"{tong.base}/record/{quarter}")
        await expect(viewer.locator('[data-role="quarter-outcomes-chart"]')).to_be_visible()
        await expect(viewer.locator('[data-role="quarter-obligations-table"]')).to_be_visible()
        if due_quarter == quarter:
            # Computed on first request: this proposal waits among the obligations falling due.
            cell = viewer.locator('[data-role="quarter-obligations-table"] [data-series="open"]')
            await expect(cell).not_to_have_text("0")
        received = viewer.locator('[data-role="received"] dd')
        api = await (await viewer.request.get(f"/api/stats/quarters/{quarter}")).json()
        await expect(received).to_contain_text(str(api["received"]))
        title = (
            f"{quarter[:4]}년 {quarter[-1]}분기 보고서"
            if lang == "ko"
            else f"Quarterly report, {quarter[:4]} Q{quarter[-1]}"
        )
        await expect(viewer.locator("h1")).to_have_text(title)
        await settle(viewer)
        await audit(viewer, report, f"quarterly report [{lang} {scheme}]")
    csv = await viewer.request.get(viewer.url.replace("/record/", "/api/stats/quarters/") + ".csv")
    assert csv.ok and (await csv.text()).startswith("\ufeffquarter,key")
    print("\n" + report.text(0))
    assert report.violations == [], "\n".join(report.violations)
