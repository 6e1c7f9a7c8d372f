"""Categories as filter chips with counts and a shareable URL; staff linking a change thread to the
proposals it resolves, seen live on the proposal; the public answer record (issue 12 §2, §4, §5)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser


async def test_category_chips_filter_the_board_and_the_url_shares_it(open_tab, tong) -> None:
    """The board shows one chip per category with its count; choosing one filters the list and puts
    `?category=<slug>` in the address; opening that address shows the same filtered board; the
    composer offers the list (not free text)."""
    async with tong.client() as client:
        listed = {c["slug"]: c for c in (await client.get("/api/categories")).json()["items"]}
        contracts = (await client.get("/api/threads", params={"category": "contracts", "limit": 100})).json()
    assert listed["contracts"]["count"] == len(contracts["items"]) > 0

    tab = await open_tab("/", login="company1", width=390, height=844)
    chips = tab.page.locator('[data-role="category-chips"]')
    chip = chips.locator('[data-category="contracts"]')
    await expect(chip).to_contain_text("계약제도")
    await expect(chip).to_contain_text(f"{listed['contracts']['count']}건")
    await chip.focus()
    await tab.page.keyboard.press("Enter")
    await expect(tab.page).to_have_url(re.compile(r"\?category=contracts$"))
    await expect(chips.locator('[data-category="contracts"]')).to_have_attribute("aria-pressed", "true")
    cards = tab.page.locator(".thread-card")
    await expect(cards).to_have_count(len(contracts["items"]))
    for text in await cards.locator(".chip").all_inner_texts():
        assert text == "계약제도"

    shared = await open_tab("/?category=contracts")
    await expect(shared.page.locator(".thread-card")).to_have_count(len(contracts["items"]))
    await expect(
        shared.page.locator('[data-role="category-chips"] [data-category="contracts"]')
    ).to_have_attribute("aria-pressed", "true")
    await shared.page.locator('[data-role="category-chips"] [data-category=""]').click()
    await expect(shared.page).to_have_url(re.compile(r"/$"))

    # The composer chooses from the list; the new proposal carries the chosen category.
    await tab.page.get_by_role("button", name="제안하기").click()
    select = tab.page.get_by_label("분류 (선택)")
    await expect(select.locator("option")).to_contain_text(["분류 없음", "전자조달", "계약제도"])
    title = f"분류 고른 제안 {time.monotonic_ns()}"
    await tab.page.get_by_label("제목").fill(title)
    await select.select_option("contracts")
    await tab.page.get_by_label("내용").fill("목록에서 분류를 골랐습니다.")
    await tab.page.get_by_role("button", name="등록하기").click()
    await expect(tab.page.locator("h1.thread-title")).to_have_text(title)
    await expect(tab.page.locator(".thread-badges .chip")).to_have_text("계약제도")
    assert not tab.errors and not tab.csp_violations()
