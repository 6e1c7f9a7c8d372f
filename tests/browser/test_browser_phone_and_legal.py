"""Rough edges of issue 25 (item 6): the board on a phone, category names in English, the legal pages."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser


async def test_phone_board_shows_a_proposal_in_the_first_screen(open_tab):
    """At 375×667 the filters wait behind a 필터 button and the first card starts on the first screen."""
    tab = await open_tab("/", width=375, height=667)
    first = tab.page.locator(".thread-card").first
    await expect(first).to_be_visible()
    box = await first.bounding_box()
    assert box is not None and box["y"] < 667, box
    toggle = tab.page.get_by_role("button", name="필터")
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    status = tab.page.get_by_label("처리 상태", exact=True)
    await expect(status).to_be_hidden()
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-expanded", "true")
    await expect(status).to_be_visible()
    await expect(tab.page.locator('[data-role="category-chips"]')).to_be_visible()


async def test_wide_board_shows_its_filters_without_a_button(open_tab):
    """On a desktop screen the filters are shown as before and the 필터 button is not."""
    tab = await open_tab("/")
    await expect(tab.page.locator('[data-role="category-chips"] .chip-filter').first).to_be_visible()
    await expect(tab.page.get_by_label("처리 상태", exact=True)).to_be_visible()
    await expect(tab.page.locator('[data-role="filters-toggle"]')).to_be_hidden()


async def test_english_cards_and_thread_page_name_the_category_in_english(open_tab, make_thread):
    """In English a card's and a thread page's category chip say "Contracts", not "계약제도"."""
    thread = await make_thread("company1", category="contracts")
    tab = await open_tab("/")
    await tab.page.evaluate("localStorage.setItem('tong.lang', 'en')")
    await tab.page.reload()
    card = tab.page.locator(f'[data-thread-id="{thread["id"]}"]')
    await expect(card.locator(".card-top .chip")).to_have_text("Contracts")
    await tab.page.goto(f"/threads/{thread['id']}")
    await expect(tab.page.locator(".thread-badges .chip")).to_have_text("Contracts")
    await tab.page.evaluate("localStorage.setItem('tong.lang', 'ko')")
    await tab.page.reload()
    await expect(tab.page.locator(".thread-badges .chip")).to_have_text("계약제도")
