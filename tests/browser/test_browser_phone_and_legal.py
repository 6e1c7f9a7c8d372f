"""Rough edges of issue 25 (item 6): the board on a phone, category names in English, the legal pages."""

from __future__ import annotations

import re

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


async def test_every_page_links_the_privacy_policy_and_terms_in_its_footer(open_tab, make_thread):
    """The board, a thread page and the staff dashboard link 개인정보 처리방침 and 이용약관 in the footer;
    the link opens the policy page with its Korean and English heading."""
    thread = await make_thread("company1")
    tab = await open_tab("/")
    await expect(tab.page.locator(".thread-card").first).to_be_visible()
    for path in ("/", f"/threads/{thread['id']}"):
        if path != "/":
            await tab.page.goto(path)
        links = tab.page.get_by_role("contentinfo").get_by_role("link")
        await expect(links.filter(has_text="개인정보 처리방침")).to_have_attribute("href", "/privacy")
        await expect(links.filter(has_text="이용약관")).to_have_attribute("href", "/terms")
    await tab.page.get_by_role("contentinfo").get_by_role("link", name="개인정보 처리방침").click()
    await expect(tab.page).to_have_url(re.compile(r"/privacy$"))
    await expect(tab.page.get_by_role("heading", level=1)).to_have_text("개인정보 처리방침 Privacy policy")
    await expect(tab.page.get_by_role("contentinfo").get_by_role("link", name="이용약관")).to_be_visible()

    staff = await open_tab("/", login="staff")
    await staff.page.goto("/staff")
    await expect(staff.page.locator("body[data-ready='true']")).to_have_count(1)
    footer = staff.page.get_by_role("contentinfo")
    await expect(footer.get_by_role("link", name="개인정보 처리방침")).to_have_attribute("href", "/privacy")
    await expect(footer.get_by_role("link", name="이용약관")).to_have_attribute("href", "/terms")


async def test_english_footer_names_the_policies_in_english(open_tab):
    """In English the footer says "Privacy policy" and "Terms of use"."""
    tab = await open_tab("/")
    await tab.page.evaluate("localStorage.setItem('tong.lang', 'en')")
    await tab.page.reload()
    footer = tab.page.get_by_role("contentinfo")
    await expect(footer.get_by_role("link", name="Privacy policy")).to_have_attribute("href", "/privacy")
    await expect(footer.get_by_role("link", name="Terms of use")).to_have_attribute("href", "/terms")
