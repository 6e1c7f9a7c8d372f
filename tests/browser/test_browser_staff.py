"""Staff tools in a thread, as a reader in another tab sees them."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser


async def test_staff_answer_and_hidden_comment_show_live(open_tab, make_thread, tong):
    """A staff answer appears live with its status badge; a hidden comment becomes the placeholder."""
    thread = await make_thread("agency1")
    async with tong.client("company2") as client:
        r = await client.post(f"/api/threads/{thread['id']}/comments", json={"body": "곧 숨겨질 댓글입니다"})
        comment_id = r.json()["id"]
    path = f"/threads/{thread['id']}"
    channel = f"thread:{thread['id']}"
    reader = await open_tab(path, login="company3")
    staff = await open_tab(path, login="staff")
    await reader.wait_subscribed(channel)
    await expect(reader.page.locator(".thread-badges .status-received")).to_have_text("접수")
    await expect(reader.page.locator(".staff-tools")).to_be_hidden()

    await staff.page.get_by_label("답변 내용").fill("관계 부서와 검토를 시작했습니다.")
    await staff.page.get_by_role("button", name="답변 등록").click()
    interim = reader.page.locator(".answer-card", has_text="관계 부서와 검토를 시작했습니다.")
    await expect(interim).to_be_visible(timeout=2000)
    await expect(interim.locator(".status-reviewing")).to_have_text("검토중")
    await expect(reader.page.locator(".thread-badges .status-reviewing")).to_have_text("검토중")

    await staff.page.get_by_label("답변 내용").fill("다음 분기에 반영하겠습니다.")
    await staff.page.get_by_label("처리 결과").select_option("accepted")
    await staff.page.get_by_role("button", name="답변 등록").click()
    final = reader.page.locator(".answer-card.answer-final", has_text="다음 분기에 반영하겠습니다.")
    await expect(final).to_be_visible(timeout=2000)
    await expect(final.locator(".badge-pps")).to_have_text("조달청")
    await expect(reader.page.locator(".thread-badges .status-answered")).to_have_text("답변완료")
    await expect(reader.page.locator(".thread-badges .outcome-accepted")).to_have_text("반영")

    staff_comment = staff.page.locator(f'li[data-comment-id="{comment_id}"]')
    await staff_comment.locator(".comment-actions").get_by_role("button", name="숨기기").click()
    await staff_comment.get_by_label("숨김 사유").fill("개인정보가 포함되어 있습니다")
    await staff_comment.locator(".reason-form").get_by_role("button", name="숨기기").click()
    seen = reader.page.locator(f'li[data-comment-id="{comment_id}"]')
    await expect(seen.locator(".comment-placeholder")).to_be_visible(timeout=2000)
    await expect(seen).not_to_contain_text("곧 숨겨질 댓글입니다")
    await expect(seen).to_contain_text("개인정보가 포함되어 있습니다")

    await staff_comment.get_by_role("button", name="복원").click()
    await expect(seen.locator(".comment-body")).to_have_text("곧 숨겨질 댓글입니다", timeout=2000)


async def test_staff_change_status_and_post_a_change_thread(open_tab, make_thread):
    """Staff set a proposal to 검토중 in the thread and post a '이렇게 바꾸었습니다' thread."""
    thread = await make_thread("company4")
    staff = await open_tab(f"/threads/{thread['id']}", login="admin")
    await staff.page.get_by_role("button", name="검토중으로 변경").click()
    await expect(staff.page.locator(".thread-badges .status-reviewing")).to_have_text("검토중")
    await expect(staff.page.get_by_role("button", name="검토중으로 변경")).to_be_disabled()

    await staff.page.goto("/")
    await staff.page.get_by_role("button", name="제안하기").click()
    await staff.page.locator(".new-thread").get_by_label("글 종류").select_option("change")
    await staff.page.get_by_label("제목", exact=True).fill("2026년 4분기, 이렇게 바꾸었습니다")
    await staff.page.get_by_label("내용", exact=True).fill("여러분의 제안으로 다음을 바꾸었습니다.")
    await staff.page.get_by_role("button", name="등록하기").click()
    await staff.page.wait_for_url("**/threads/*")
    await expect(staff.page.locator(".thread-badges .kind-change")).to_have_text("이렇게 바꾸었습니다")
