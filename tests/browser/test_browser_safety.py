"""User text is only ever text; the page runs under the server's strict CSP without violations."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser

PAYLOAD = '<img src=x onerror=alert(1)><script>alert("xss")</script>'
REFUSAL = "body must not be empty"


async def test_markup_in_titles_and_comments_renders_as_text(open_tab, make_thread, tong):
    """Markup in a title, body and comments shows as text: no element, no dialog, no CSP violation."""
    title = f"제목 {PAYLOAD}"
    thread = await make_thread("company1", title=title, body=PAYLOAD)
    async with tong.client("company2") as client:
        await client.post(f"/api/threads/{thread['id']}/comments", json={"body": PAYLOAD})

    tab = await open_tab("/", login="company3")
    card = tab.page.locator(f'[data-thread-id="{thread["id"]}"]')
    await expect(card.locator(".card-link")).to_have_text(title)

    await card.locator(".card-link").click()
    await tab.page.wait_for_url(f"**/threads/{thread['id']}")
    await tab.wait_subscribed(f"thread:{thread['id']}")
    await expect(tab.page.locator("h1")).to_have_text(title)
    await expect(tab.page.locator(".thread-body")).to_have_text(PAYLOAD)
    await expect(tab.page.locator(".comment-body")).to_have_text([PAYLOAD])

    live_payload = "<b>굵게?</b><svg onload=alert(2)>"
    async with tong.client("company4") as client:
        await client.post(f"/api/threads/{thread['id']}/comments", json={"body": live_payload})
    await expect(tab.page.locator(".comment-body")).to_have_text([PAYLOAD, live_payload], timeout=2000)

    await tab.page.get_by_label("댓글 쓰기").fill(PAYLOAD + " (composer)")
    await tab.page.get_by_role("button", name="등록", exact=True).click()
    await expect(tab.page.locator(".comment-body").last).to_have_text(PAYLOAD + " (composer)")

    assert await tab.page.locator("main img, main script, main svg, main b").count() == 0
    await tab.page.wait_for_timeout(300)
    assert tab.dialogs == []
    assert tab.errors == []
    assert tab.csp_violations() == []


async def test_composer_enforces_the_limit_and_keeps_text_when_sending_fails(open_tab, make_thread):
    """The counter blocks over 4,000 code points; a refused post keeps the text and shows the reason."""
    thread = await make_thread("company1")
    tab = await open_tab(f"/threads/{thread['id']}", login="company2")
    box = tab.page.get_by_label("댓글 쓰기")
    send = tab.page.get_by_role("button", name="등록", exact=True)
    counter = tab.page.locator(".composer .counter")

    await box.fill("가" * 4001)
    await expect(counter).to_have_text("1자 초과")
    await expect(send).to_be_disabled()
    await expect(box).to_have_attribute("aria-invalid", "true")

    async def refuse(route):
        if route.request.method == "POST":
            await route.fulfill(
                status=422,
                json={"error": {"code": "validation_error", "message": REFUSAL, "fields": {}}},
            )
        else:
            await route.continue_()

    await tab.page.route("**/api/threads/*/comments", refuse)
    await box.fill("보내지 못할 댓글")
    await send.click()
    # A known code is shown translated, never the server's English message.
    await expect(tab.page.locator(".composer .form-error")).to_contain_text("입력한 내용을 확인해 주세요")
    await expect(tab.page.locator(".composer .form-error")).not_to_contain_text(REFUSAL)
    await expect(box).to_have_value("보내지 못할 댓글")
    await tab.page.unroute("**/api/threads/*/comments")

    emoji = "  " + "😀" * 4000 + "  "
    await box.fill(emoji)
    await expect(counter).to_have_text("4,000 / 4,000자")
    await send.click()
    await expect(tab.page.locator(".comment-body")).to_have_count(1, timeout=3000)
    await expect(box).to_have_value("")


async def test_english_is_switchable_and_remembered(open_tab):
    """Switching to English relabels the app, and the choice survives a reload."""
    tab = await open_tab("/")
    await tab.page.get_by_role("button", name="Switch to English").click()
    await expect(tab.page.locator("h1")).to_have_text("Improvement proposals")
    await expect(tab.page.locator("html")).to_have_attribute("lang", "en")
    await tab.page.reload()
    await expect(tab.page.locator("h1")).to_have_text("Improvement proposals")
    await tab.page.get_by_role("button", name="한국어 화면으로 보기").click()
    await expect(tab.page.locator("h1")).to_have_text("제도개선 제안")
