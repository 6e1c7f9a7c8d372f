"""The dashboard's answer workflow with two staff accounts: `staff` drafts an answer and submits
it, `admin` (an approver) approves it; the public page shows the answer only after approval."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser_staff.conftest import Tong, open_dashboard

pytestmark = pytest.mark.browser


async def test_draft_submit_approve_publishes_the_answer(open_page: Any, tong: Tong) -> None:
    tag = uuid.uuid4().hex[:6]
    company = await tong.client("company3")
    posted = await company.post(
        "/api/threads", json={"kind": "proposal", "title": f"결재 흐름 {tag}", "body": "본문"}
    )
    assert posted.status_code == 201, posted.text
    thread_id = posted.json()["id"]
    answer = f"검토하여 반영하겠습니다 {tag}"

    drafter = (await open_dashboard(open_page, "answers", login="staff")).page
    # The answer tab also shows the answer obligations the public record reports.
    await expect(drafter.locator('#tab-answers [data-role="record-obligations"]')).to_be_visible()
    card = drafter.locator(f".workflow-card[data-thread-id='{thread_id}']")
    await card.get_by_label("답변 초안").fill(answer)
    await card.get_by_label("처리 결과").select_option("accepted")
    await card.get_by_role("button", name="초안 저장").click()
    draft = card.locator(".wf-draft[data-state='draft']")
    await expect(draft).to_contain_text("작성: staff")
    await draft.get_by_role("button", name="결재 요청").click()
    await expect(card.locator(".wf-draft[data-state='pending_approval']")).to_contain_text("결재 요청:")

    public = (await open_page(f"/threads/{thread_id}")).page
    await expect(public.locator("h1")).to_contain_text(f"결재 흐름 {tag}")
    await expect(public.get_by_text(answer)).to_have_count(0)

    approver = (await open_dashboard(open_page, "answers", login="admin")).page
    await approver.locator("#workflow-filter").select_option("approvals")
    waiting = approver.locator(f".workflow-card[data-thread-id='{thread_id}']")
    pending = waiting.locator(".wf-draft[data-state='pending_approval']")
    await expect(pending).to_contain_text(answer)
    await pending.get_by_role("button", name="승인하고 게시").click()
    await expect(approver.locator("#workflow-result")).to_contain_text("승인했습니다")

    # The open public page gets the answer live; a fresh load shows it too.
    await expect(public.get_by_text(answer)).to_be_visible(timeout=10_000)
    await public.reload()
    await expect(public.get_by_text(answer)).to_be_visible()
    await drafter.locator("#workflow-filter").select_option("all")
    await expect(drafter.locator(f".workflow-card[data-thread-id='{thread_id}']")).to_have_count(0)
