"""The bell, the follow button and 내 활동 in Chromium, with two accounts: staff answer, the author's
bell rings live on every tab."""

from __future__ import annotations

import random
import string

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser


def tag() -> str:
    """Letters only: a long run of digits in a title looks like an identifier and is refused."""
    return "".join(random.choices(string.ascii_lowercase, k=8))


async def test_answer_rings_the_authors_bell_on_every_tab(open_tab, make_thread, tong):
    """Staff post an answer in their tab; the author's bell shows 1 unread on both of the author's
    tabs without a reload; the list links to the exact answer; opening it clears the count everywhere."""
    title = f"알림 시험 {tag()}"
    thread = await make_thread("company4", title=title)
    async with tong.client("company4") as client:
        # What the demo data told company4 already is read: the bell starts at nothing.
        assert (await client.post("/api/me/notices/seen", json={})).status_code == 200
    path = f"/threads/{thread['id']}"
    board = await open_tab("/", login="company4")
    reader = await open_tab(path, login="company4")
    staff = await open_tab(path, login="staff")
    for tab in (board, reader):
        await tab.wait_subscribed("me")
    await staff.wait_subscribed(f"thread:{thread['id']}")

    await staff.page.get_by_label("답변 내용").fill("검토 중입니다. 곧 답변드리겠습니다.")
    await staff.page.get_by_role("button", name="답변 등록").click()
    for tab in (board, reader):
        await expect(tab.page.locator('[data-role="bell-count"]')).to_have_text("1", timeout=2000)
    bell = board.page.locator('[data-role="bell"]')
    await expect(bell).to_have_text("알림 1개 읽지 않음")

    # Keyboard: the bell opens with Enter and closes with Escape, focus back on the bell.
    await bell.focus()
    await board.page.keyboard.press("Enter")
    await expect(bell).to_have_attribute("aria-expanded", "true")
    item = board.page.locator("#bell-panel .notice-item.is-unread")
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text(f"‘{title}’에 중간 답변이 등록되었습니다.")
    await board.page.keyboard.press("Escape")
    await expect(bell).to_have_attribute("aria-expanded", "false")
    await expect(bell).to_be_focused()

    await bell.click()
    link = board.page.locator("#bell-panel .notice-link").first
    href = await link.get_attribute("href")
    assert href is not None and href.startswith(f"{path}#answer-")
    await link.click()
    await expect(board.page).to_have_url(f"{board.page.url.split('/threads')[0].rstrip('/')}{href}")
    await expect(board.page.locator(href[href.index("#") :])).to_be_visible()
    # Seen on one tab: the other tab's count goes away too.
    await expect(reader.page.locator('[data-role="bell-count"]')).to_be_hidden(timeout=2000)
    for tab in (board, reader, staff):
        assert tab.errors == [] and tab.csp_violations() == []


async def test_follow_button_and_staff_follower_count(open_tab, make_thread):
    """A reader follows and unfollows with the thread's button (aria-pressed); staff see the count."""
    thread = await make_thread("company5", title=f"팔로우 시험 {tag()}")
    path = f"/threads/{thread['id']}"
    reader = await open_tab(path, login="company6")
    follow = reader.page.locator('[data-role="follow"]')
    await expect(follow).to_have_attribute("aria-pressed", "false")
    await expect(follow).to_have_text("팔로우")
    await follow.click()
    await expect(follow).to_have_attribute("aria-pressed", "true")
    await expect(follow).to_have_text("팔로우 중")
    staff = await open_tab(path, login="staff")
    await expect(staff.page.locator('[data-role="followers"]')).to_have_text("팔로워 2명 (직원에게만 보임)")
    await expect(reader.page.locator('[data-role="followers"]')).to_have_count(0)
    anonymous = await open_tab(path)
    await expect(anonymous.page.locator('[data-role="follow"]')).to_have_count(0)
    await follow.click()
    await expect(follow).to_have_attribute("aria-pressed", "false")


async def test_commenting_turns_the_follow_button_on(open_tab, make_thread):
    """Commenting follows the thread (auto-follow): the button says so at once, without a reload;
    a reader who recommends it is followed too."""
    thread = await make_thread("company5", title=f"자동 팔로우 {tag()}")
    path = f"/threads/{thread['id']}"
    commenter = await open_tab(path, login="company8")
    await commenter.wait_subscribed(f"thread:{thread['id']}")
    follow = commenter.page.locator('[data-role="follow"]')
    await expect(follow).to_have_attribute("aria-pressed", "false")
    await commenter.page.get_by_label("댓글 쓰기").fill("저도 같은 의견입니다")
    await commenter.page.get_by_role("button", name="등록", exact=True).click()
    await expect(follow).to_have_attribute("aria-pressed", "true")
    await expect(follow).to_have_text("팔로우 중")
    recommender = await open_tab(path, login="agency3")
    button = recommender.page.locator('[data-role="follow"]')
    await expect(button).to_have_attribute("aria-pressed", "false")
    await recommender.page.locator('[data-role="thread-recommend"]').click()
    await expect(button).to_have_attribute("aria-pressed", "true")


async def test_my_activity_at_phone_width(open_tab, make_thread):
    """내 활동 at 390 px: my proposal with its status, the threads I follow, my notices; in English too."""
    title = f"내 활동 시험 {tag()}"
    await make_thread("company7", title=title)
    tab = await open_tab("/me", login="company7", width=390, height=844)
    await expect(tab.page.get_by_role("heading", name="내 활동", level=1)).to_be_visible()
    proposals = tab.page.locator('[data-role="my-proposals"]')
    await expect(proposals.get_by_role("link", name=title)).to_be_visible()
    await expect(proposals.locator(".badge-status").first).to_be_visible()
    await expect(tab.page.locator('[data-role="my-follows"]').get_by_role("link", name=title)).to_be_visible()
    await expect(tab.page.locator('[data-role="auto-follow"]')).to_be_checked()
    width = await tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"
    await tab.page.get_by_role("button", name="Switch to English").click()
    await expect(tab.page.get_by_role("heading", name="My activity", level=1)).to_be_visible()
    await expect(tab.page.get_by_role("heading", name="Threads I follow")).to_be_visible()
    assert tab.errors == [] and tab.csp_violations() == []
