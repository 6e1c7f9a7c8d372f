"""Links and drafts in the browser (issue 24 parts 2 and 3): a URL in a body is a link with the
right rel that stops before Korean text; a draft comes back after a reload and in another browser
context of the same account, posting clears it, and leaving or closing with text asks first."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.conftest import MakeThread, OpenTab, Tong

pytestmark = pytest.mark.browser

# An account the other browser tests hardly use, so a draft of these tests never fills their forms
# (each test also discards what it saved).
WRITER = "company8"


async def _discard(tong: Tong, key: str) -> None:
    async with tong.client(WRITER) as client:
        response = await client.delete(f"/api/me/drafts/{key}")
        assert response.status_code == 204, response.text


async def test_a_url_in_a_body_is_a_link_that_stops_before_hangul(
    open_tab: OpenTab, make_thread: MakeThread, tong: Tong
) -> None:
    """The thread's body and a comment show their http(s) URLs as links (rel nofollow ugc
    noopener, no target); `javascript:` and the Korean text after a URL stay text."""
    thread = await make_thread(
        "company1",
        body="공고문은 https://www.g2b.go.kr/공고에서 보세요. javascript:alert(1) 은 글자입니다. (https://www.pps.go.kr/a)",
    )
    async with tong.client("company2") as client:
        r = await client.post(
            f"/api/threads/{thread['id']}/comments", json={"body": "양식: http://example.kr/form.hwp, 참고"}
        )
        assert r.status_code == 201, r.text
    tab = await open_tab(f"/threads/{thread['id']}")
    body = tab.page.locator(".thread-body")
    links = body.locator("a")
    await expect(links).to_have_count(2)
    await expect(links.nth(0)).to_have_text("https://www.g2b.go.kr/")
    await expect(links.nth(0)).to_have_attribute("href", "https://www.g2b.go.kr/")
    await expect(links.nth(0)).to_have_attribute("rel", "nofollow ugc noopener")
    assert await links.nth(0).get_attribute("target") is None
    await expect(links.nth(1)).to_have_attribute("href", "https://www.pps.go.kr/a")
    await expect(body).to_contain_text(
        "공고에서 보세요. javascript:alert(1) 은 글자입니다. (https://www.pps.go.kr/a)"
    )
    comment = tab.page.locator(".comment-body a")
    await expect(comment).to_have_text("http://example.kr/form.hwp")
    await expect(comment).to_have_attribute("rel", "nofollow ugc noopener")
    assert await tab.page.locator("a[href^='javascript' i]").count() == 0
    assert tab.errors == [] and tab.csp_violations() == []


async def test_a_comment_draft_follows_the_account_and_posting_clears_it(
    open_tab: OpenTab, make_thread: MakeThread, tong: Tong
) -> None:
    """Typed text is saved a moment after typing stops; a reload and another browser context of the
    same account find it in the comment box; posting it clears the box and the server's draft."""
    thread = await make_thread("company1")
    path = f"/threads/{thread['id']}"
    key = f"thread-{thread['id']}"
    text = "반쯤 쓴 의견입니다. 근거는 https://www.g2b.go.kr 에 있습니다."
    try:
        tab = await open_tab(path, login=WRITER)
        box = tab.page.locator(".composer-slot textarea")
        status = tab.page.locator('.composer-slot [data-role="draft-status"]')
        await box.fill(text)
        await expect(status).to_have_attribute("data-state", "saved")

        await tab.page.reload()
        await tab.wait_live()
        await expect(box).to_have_value(text)
        await expect(status).to_have_attribute("data-state", "restored")

        other = await open_tab(path, login=WRITER)
        await expect(other.page.locator(".composer-slot textarea")).to_have_value(text)

        await tab.page.locator(".composer-slot button[type=submit]").click()
        await expect(tab.page.locator(".comment-body", has_text="반쯤 쓴 의견입니다")).to_be_visible()
        await expect(box).to_have_value("")
        async with tong.client(WRITER) as client:
            assert (await client.get(f"/api/me/drafts/{key}")).status_code == 404
        async with other.page.expect_response(lambda r: f"/api/me/drafts/{key}" in r.url) as answered:
            await other.page.reload()
        assert (await answered.value).status == 404
        await other.wait_live()
        await expect(other.page.locator(".comment-body", has_text="반쯤 쓴 의견입니다")).to_be_visible()
        await expect(other.page.locator(".composer-slot textarea")).to_have_value("")
        assert tab.errors == [] and other.errors == []
    finally:
        await _discard(tong, key)


async def test_leaving_with_text_not_yet_saved_asks_first(open_tab: OpenTab, make_thread: MakeThread) -> None:
    """While typed text has not reached the server, closing the page asks (beforeunload); once it is
    saved, the page closes without asking."""
    thread = await make_thread("company1")
    tab = await open_tab(f"/threads/{thread['id']}", login=WRITER)
    kinds: list[str] = []
    tab.page.on("dialog", lambda dialog: kinds.append(dialog.type))
    # The save is held on its way, so the text stays unsaved for as long as the test looks.
    held: list[Any] = []
    await tab.page.route("**/api/me/drafts/**", lambda route: held.append(route))
    box = tab.page.locator(".composer-slot textarea")
    await box.click()
    await box.press_sequentially("아직 저장되지 않은 글")
    await expect(tab.page.locator('.composer-slot [data-role="draft-status"]')).to_have_attribute(
        "data-state", "saving"
    )
    await tab.page.close(run_before_unload=True)
    deadline = time.monotonic() + 10
    while "beforeunload" not in kinds:
        assert time.monotonic() < deadline, f"no beforeunload dialog: {kinds}"
        await asyncio.sleep(0.05)
    # The tab's handler answered "stay": the page is still open.
    assert not tab.page.is_closed()
    for route in held:
        await route.abort()


async def test_the_proposal_form_restores_its_draft_and_asks_before_discarding_it(
    open_tab: OpenTab, tong: Tong
) -> None:
    """The proposal form's title and body come back after a reload; closing it with text asks,
    "no" keeps the form, "yes" closes it and discards the draft on the server."""
    try:
        tab = await open_tab("/", login=WRITER)
        page = tab.page
        await page.get_by_role("button", name="제안하기").click()
        form = page.locator("form.new-thread")
        await form.get_by_label("제목").fill("초안으로 남길 제안 제목")
        await form.get_by_label("내용").fill("본문 초안: https://www.g2b.go.kr/공고 참고")
        await expect(form.locator('[data-role="draft-status"]')).to_have_attribute("data-state", "saved")

        await page.reload()
        await tab.wait_live()
        await page.get_by_role("button", name="제안하기").click()
        await expect(form.get_by_label("제목")).to_have_value("초안으로 남길 제안 제목")
        await expect(form.get_by_label("내용")).to_have_value("본문 초안: https://www.g2b.go.kr/공고 참고")

        # The tab's handler dismisses dialogs: "no", the form stays with its text.
        await form.get_by_role("button", name="닫기").click()
        await expect(form).to_be_visible()
        assert tab.dialogs == ["작성 중인 글이 있습니다. 글을 버리고 닫을까요?"]

        # A page of the same browser context that answers "yes".
        agreeing = await tab.context.new_page()
        agreeing.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        await agreeing.goto("/")
        await agreeing.get_by_role("button", name="제안하기").click()
        form = agreeing.locator("form.new-thread")
        await expect(form.get_by_label("제목")).to_have_value("초안으로 남길 제안 제목")
        await form.get_by_role("button", name="닫기").click()
        await expect(form).to_have_count(0)
        async with tong.client(WRITER) as client:
            assert (await client.get("/api/me/drafts/new-thread")).status_code == 404
        assert tab.errors == []
    finally:
        await _discard(tong, "new-thread")
