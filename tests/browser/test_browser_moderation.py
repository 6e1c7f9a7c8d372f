"""Moderating a proposal in Chromium, end to end with the author and a moderator (and a reader who
reports): report → hide → the author's notice → appeal → reversal, each seen live."""

from __future__ import annotations

import random
import string

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser


def tag() -> str:
    """Letters only: a long run of digits in a title looks like an identifier and is refused."""
    return "".join(random.choices(string.ascii_lowercase, k=8))


async def test_report_hide_notice_appeal_reversal(open_tab, make_thread, tong):
    """A reader reports a proposal with a category; the moderator hides it from the dashboard's
    queue; the author's page shows the placeholder with the reason live, the bell a moderation
    notice with an appeal form; the moderator reverses the appeal in the appeals tab and the
    author's page shows the proposal again."""
    title = f"신고 시험 {tag()}"
    thread = await make_thread("company7", title=title, body="숨겨질 본문입니다.")
    path = f"/threads/{thread['id']}"
    async with tong.client("company7") as client:
        assert (await client.post("/api/me/notices/seen", json={})).status_code == 200

    reader = await open_tab(path, login="company8")
    await reader.page.locator('[data-role="thread-report"]').click()
    await reader.page.locator('[data-role="report-category"]').select_option("advertising")
    await reader.page.get_by_label("신고 사유").fill("광고 글입니다")
    await reader.page.get_by_role("button", name="신고하기").click()
    await expect(reader.page.get_by_text("신고가 접수되었습니다.")).to_be_visible()

    author = await open_tab(path, login="company7")
    await author.wait_subscribed(f"thread:{thread['id']}")
    await author.wait_subscribed("me")
    await expect(author.page.locator("#thread-title")).to_have_text(title)

    staff = await open_tab("/", login="staff")
    await staff.page.goto("/staff#moderation")
    await staff.poll("() => document.body.dataset.ready === 'true'", timeout=10)
    card = staff.page.locator(f'#reports li[data-thread="{thread["id"]}"]')
    await expect(card).to_contain_text("광고 글입니다")
    await card.locator("input.reason").first.fill("광고성 게시물")
    await card.locator('[data-role="hide-thread"]').click()

    await expect(author.page.locator('[data-role="hidden-thread"]')).to_contain_text("사유: 광고성 게시물")
    await expect(author.page.locator("#thread-title")).to_have_text("운영자가 숨긴 제안입니다")
    await expect(author.page.locator('[data-role="bell-count"]')).to_have_text("1", timeout=3000)
    await author.page.locator('[data-role="bell"]').click()
    item = author.page.locator("#bell-panel .notice-item").first
    await expect(item).to_contain_text("운영자가 내 제안을 숨겼습니다. 사유: 광고성 게시물")
    await item.locator('[data-role="appeal-open"]').click()
    await item.locator('[data-role="appeal-text"]').fill("광고가 아니라 제도 개선 제안입니다")
    await item.locator('[data-role="appeal-send"]').click()
    await expect(item.locator('[data-role="appeal-sent"]')).to_have_text("이의 신청을 접수했습니다.")

    await staff.page.goto("/staff#appeals")
    await staff.poll("() => document.body.dataset.ready === 'true'", timeout=10)
    appeal = staff.page.locator("#appeals li.appeal").filter(has_text="광고가 아니라 제도 개선 제안입니다")
    await expect(appeal).to_contain_text(title)
    await appeal.locator('[data-role="appeal-reason"]').fill("제도 개선 제안으로 판단")
    await appeal.locator('[data-role="appeal-reverse"]').click()
    await expect(appeal).to_have_count(0)

    await expect(author.page.locator("#thread-title")).to_have_text(title)
    await expect(author.page.locator(".thread-body")).to_contain_text("숨겨질 본문입니다.")
    for tab in (reader, author, staff):
        assert tab.errors == [] and tab.csp_violations() == []
