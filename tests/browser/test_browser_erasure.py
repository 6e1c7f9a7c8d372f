"""An erasure seen in Chromium: a reader's open page shows the erased comment's placeholder, then
the erased proposal's, live, with no text of either left on the page."""

from __future__ import annotations

import random
import string

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser


def tag() -> str:
    """Letters only: a long run of digits looks like an identifier and is refused."""
    return "".join(random.choices(string.ascii_lowercase, k=10))


async def test_an_erased_comment_and_proposal_leave_no_text_on_an_open_page(open_tab, make_thread, tong):
    secret = f"지울 내용 {tag()}"
    thread = await make_thread("company7", title=f"삭제 시험 {secret}", body=f"본문 {secret}")
    async with tong.client("agency1") as agency:
        posted = await agency.post(f"/api/threads/{thread['id']}/comments", json={"body": f"댓글 {secret}"})
        assert posted.status_code == 201, posted.text
    reader = await open_tab(f"/threads/{thread['id']}", login="company8")
    await reader.wait_subscribed(f"thread:{thread['id']}")
    await expect(reader.page.locator("main")).to_contain_text(f"댓글 {secret}")

    async with tong.client("admin") as admin:
        erased = await admin.post(
            f"/api/admin/posts/comment/{posted.json()['id']}/erase", json={"reason": "개인정보 삭제 요청"}
        )
        assert erased.status_code == 200, erased.text
        await expect(reader.page.locator('[data-role="erased"]')).to_have_text(
            "관리자가 삭제한 글 (개인정보 보호)"
        )
        erased = await admin.post(f"/api/admin/posts/thread/{thread['id']}/erase", json={"reason": "요청"})
        assert erased.status_code == 200, erased.text
    await expect(reader.page.locator("#thread-title")).to_have_text("관리자가 삭제한 제안입니다")
    await expect(reader.page.locator('[data-role="erased-thread"]')).to_be_visible()
    assert secret not in await reader.page.locator("body").inner_text()
    assert reader.errors == [] and reader.csp_violations() == []
