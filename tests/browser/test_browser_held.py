"""Pre-moderation seen from the composer: a held comment is not shown as posted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import expect

from tests.browser.conftest import Tong
from tests.support.demo_server import demo_server

pytestmark = pytest.mark.browser

HOLD_WORD = "보류시험어"


@pytest.fixture(scope="module")
def tong() -> Iterator[Tong]:
    """A demo Tong whose office is never open, so every comment with the hold word waits."""
    env = {"TONG_HOLD_ENABLED": "true", "TONG_HOLD_WORDS": HOLD_WORD, "TONG_OFFICE_HOURS": "00:00-00:01"}
    with demo_server(env) as running:
        yield Tong(running.base, running.process, running.log_path)


async def test_a_held_comment_is_explained_not_shown(open_tab, make_thread):
    """A comment held for a moderator leaves the list unchanged and says why, in Korean."""
    thread = await make_thread("company1")
    tab = await open_tab(f"/threads/{thread['id']}", login="company2")
    await tab.wait_subscribed(f"thread:{thread['id']}")
    field = tab.page.get_by_label("댓글 쓰기")
    await field.fill(f"밤에 올리는 {HOLD_WORD} 댓글")
    await tab.page.get_by_role("button", name="등록", exact=True).click()
    await expect(tab.page.locator(".form-note")).to_have_text(
        "근무 시간 외에 올린 댓글이라 담당자 확인 후 게시됩니다."
    )
    await expect(field).to_have_value("")
    await expect(tab.page.locator(".comment-body")).to_have_count(0)
