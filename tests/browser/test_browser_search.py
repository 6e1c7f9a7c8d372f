"""Search and similar proposals in Chromium: the board's search box shows what matched with the
words marked (and a title's markup as text), the composer warns of similar proposals before
posting, and the thread page lists "비슷한 제안"."""

from __future__ import annotations

import time

import pytest
from playwright.async_api import expect

from tests.browser.conftest import MakeThread, OpenTab

pytestmark = pytest.mark.browser


def _tag() -> str:
    return f"qa{time.monotonic_ns() % 10**9}"


async def test_board_search_marks_what_matched(open_tab: OpenTab, make_thread: MakeThread) -> None:
    tag = _tag()
    titled = await make_thread(title=f"<b>하자보수보증금</b> 반환 지연 {tag}", body="1년이 지났습니다.")
    tab = await open_tab("/")
    box = tab.page.get_by_role("searchbox", name="검색어")
    await box.fill(f"하자보수보증금을 {tag}")
    await box.press("Enter")
    card = tab.page.locator(f'.thread-card[data-thread-id="{titled["id"]}"]')
    await expect(card).to_be_visible()
    assert "q=" in tab.page.url
    link = card.locator(".card-link")
    # The title's markup is text; the matched words are <mark> elements.
    await expect(link).to_have_text(f"<b>하자보수보증금</b> 반환 지연 {tag}")
    await expect(link.locator("mark")).to_have_text(["하자보수보증금", tag])
    first = tab.page.locator(".thread-card").first
    await expect(first).to_have_attribute("data-thread-id", str(titled["id"]))
    await expect(tab.page.get_by_label("정렬")).to_have_value("relevance")
    assert tab.errors == [] and tab.csp_violations() == []


async def test_board_search_finds_comments(open_tab: OpenTab, make_thread: MakeThread, tong) -> None:  # type: ignore[no-untyped-def]
    tag = _tag()
    thread = await make_thread(title="검수 일정이 늦어집니다", body="담당자가 일정을 잡아 주지 않습니다.")
    async with tong.client("company2") as client:
        comment = {"body": f"지체상금 감면도 함께 검토해 주세요 {tag}"}
        r = await client.post(f"/api/threads/{thread['id']}/comments", json=comment)
        assert r.status_code == 201, r.text
    tab = await open_tab(f"/?q=지체상금을+{tag}")
    snippet = tab.page.locator(f'.thread-card[data-thread-id="{thread["id"]}"] [data-role="snippet"]')
    await expect(snippet).to_contain_text("댓글에서:")
    await expect(snippet.locator("mark").first).to_have_text("지체상금")


async def test_composer_warns_of_similar_proposals(open_tab: OpenTab, make_thread: MakeThread) -> None:
    """Typing a title shows similar proposals with their status; the author recommends one, is
    asked once more before posting, posts anyway, and the new thread lists the old one."""
    tag = _tag()
    title = f"우수조달물품 지정 심사 일정 공개 {tag}"
    old = await make_thread("company1", title=title, body="미리 알려 주세요.")
    tab = await open_tab("/", login="company2")
    await tab.page.get_by_role("button", name="제안하기").click()
    await tab.page.get_by_label("제목").fill(f"우수조달물품 심사 일정을 알려 주세요 {tag}")
    similar = tab.page.locator('[data-role="similar"]')
    await expect(similar).to_be_visible()
    await expect(similar.get_by_role("heading")).to_have_text("비슷한 제안이 이미 있습니다")
    item = similar.locator(f'.similar-item[data-thread-id="{old["id"]}"]')
    await expect(item.locator(".badge-status")).to_have_text("접수")
    await expect(item.get_by_role("link")).to_have_attribute("href", f"/threads/{old['id']}")
    await item.get_by_role("button", name="추천하기").click()
    await expect(item.get_by_role("button", name="추천함")).to_be_disabled()

    await tab.page.get_by_label("내용").fill("심사 일정이 갑자기 나옵니다.")
    submit = tab.page.locator("form.new-thread button[type=submit]")
    await expect(submit).to_have_text("등록하기")
    await submit.click()
    await expect(submit).to_have_text("그래도 등록하기")
    await submit.click()
    await tab.page.wait_for_url("**/threads/*")
    aside = tab.page.locator('[data-role="similar-threads"]')
    await expect(aside.get_by_role("heading")).to_have_text("비슷한 제안")
    await expect(aside.locator(f'.similar-item[data-thread-id="{old["id"]}"] a')).to_have_text(old["title"])
    assert tab.errors == [] and tab.csp_violations() == []
