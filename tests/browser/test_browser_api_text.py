"""What people read of the API: its document in Swagger UI served by Tong under the app's policy,
and error codes translated in the app (never the server's English message for a known code)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser


async def test_api_docs_render_under_the_apps_policy(browser, tong):
    """/api/docs draws every operation with Tong's own files, and the page's CSP refuses nothing."""
    context = await browser.new_context(base_url=tong.base)
    try:
        page = await context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        outside: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(tong.base) else outside.append(r.url))
        await page.goto("/api/docs")
        await expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
        document = await (await context.request.get("/api/openapi.json")).json()
        operations = sum(len(methods) for methods in document["paths"].values())
        await expect(page.locator(".opblock")).to_have_count(operations)
        assert [m for m in console if "Content Security Policy" in m or "Refused to" in m] == []
        assert outside == []
    finally:
        await context.close()


async def test_personal_information_refusal_is_shown_in_korean(open_tab, make_thread):
    """A comment holding a phone number is refused; the page says so in Korean from the error's
    code and field codes, and shows none of the server's English message."""
    thread = await make_thread("company1")
    tab = await open_tab(f"/threads/{thread['id']}", login="company2")
    await tab.page.get_by_label("댓글 쓰기").fill("자세한 내용은 010-3847-2291로 연락 주세요")
    await tab.page.get_by_role("button", name="등록", exact=True).click()
    error = tab.page.locator(".composer .form-error")
    await expect(error).to_contain_text("전화번호")
    text = await error.inner_text()
    assert "identify" not in text and "phone" not in text, text
