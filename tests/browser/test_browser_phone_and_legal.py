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
