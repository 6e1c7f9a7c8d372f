"""Edit and withdraw in the browser (issue 11 §5): the author edits in place, another tab shows the
edit live with "수정됨" and its history (a diff); a comment is edited and deleted; a proposal is
withdrawn after a confirmation, live in the other tab."""

from __future__ import annotations

import time

import pytest
from playwright.async_api import expect

from tests.browser.test_accessibility import AXE, TAGS, require_axe


async def axe_violations(page, include: str) -> list[str]:
    """WCAG 2.1 A/AA violations axe-core finds inside `include` (what this feature draws; the
    whole page is audited by tests/browser/test_accessibility.py)."""
    found = await page.evaluate(
        """async ([include, tags]) => {
            const r = await axe.run({ include: [include] }, { runOnly: { type: "tag", values: tags } });
            return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
        }""",
        [include, TAGS],
    )
    return list(found)


pytestmark = pytest.mark.browser


async def test_an_edit_appears_live_in_another_tab_with_its_history(open_tab, make_thread):
    thread = await make_thread(
        "company1", title="견적 제출 기간을 늘려 주세요", body="영업일 3일을 보장해 주세요."
    )
    path = f"/threads/{thread['id']}"
    channel = f"thread:{thread['id']}"
    author = await open_tab(path, login="company1")
    reader = await open_tab(path)
    require_axe()
    for tab in (author, reader):
        # axe-core as an init script (the app's CSP refuses an injected one), then the page again.
        await tab.context.add_init_script(path=str(AXE))
        await tab.page.reload()
        await tab.wait_live()
        await tab.wait_subscribed(channel)

    # The author edits the title and body in place.
    await author.page.locator('[data-role="thread-edit"]').click()
    form = author.page.locator(".author-forms form")
    await form.get_by_label("제목").fill("견적 제출 기간을 5일로 늘려 주세요")
    await form.get_by_label("내용").fill("영업일 5일을 보장해 주세요.")
    assert await axe_violations(author.page, ".thread-page") == []
    await form.locator('[data-role="edit-save"]').click()
    await expect(author.page.locator("#thread-title")).to_have_text("견적 제출 기간을 5일로 늘려 주세요")
    await expect(author.page.locator(".author-forms form")).to_have_count(0)

    # The other tab shows it live, marked as edited, with its history as a diff.
    await expect(reader.page.locator("#thread-title")).to_have_text(
        "견적 제출 기간을 5일로 늘려 주세요", timeout=1500
    )
    await expect(reader.page.locator(".thread-body")).to_have_text("영업일 5일을 보장해 주세요.")
    mark = reader.page.locator('.thread-meta [data-role="edited"]')
    await expect(mark).to_contain_text("수정됨")
    await mark.click()
    dialog = reader.page.locator('dialog[data-role="history"]')
    await expect(dialog).to_be_visible()
    await expect(dialog.locator(".revision")).to_have_count(2)
    newest = dialog.locator(".revision").first
    await expect(newest.locator("ins").first).to_contain_text("5일로")
    # "3일을" -> "5일을": the changed syllable only (diff.js refines a changed word by characters).
    await expect(newest.locator(".revision-body del")).to_have_text("[지운 부분] 3")
    await expect(newest.locator(".revision-body ins")).to_have_text("[더한 부분] 5")
    await expect(dialog.locator(".revision").last).to_contain_text("처음 올린 글")
    await expect(dialog).to_contain_text("기업 1")
    assert await axe_violations(reader.page, 'dialog[data-role="history"]') == []
    await reader.page.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    await expect(mark).to_be_focused()

    assert not author.errors and not reader.errors, (author.errors, reader.errors)
    assert not author.csp_violations() and not reader.csp_violations()


async def test_comment_edit_and_delete_then_withdraw_with_confirmation(open_tab, make_thread, tong):
    thread = await make_thread("company1")
    path = f"/threads/{thread['id']}"
    channel = f"thread:{thread['id']}"
    text = f"고치기 전 댓글 {time.monotonic_ns()}"
    async with tong.client("company2") as client:
        posted = await client.post(f"/api/threads/{thread['id']}/comments", json={"body": text})
        assert posted.status_code == 201, posted.text
    commenter = await open_tab(path, login="company2")
    author = await open_tab(path, login="company1")
    await commenter.wait_subscribed(channel)
    await author.wait_subscribed(channel)

    card = commenter.page.locator(f"#comment-{posted.json()['id']} > .comment-card")
    await card.locator('[data-role="comment-edit"]').click()
    await card.get_by_role("textbox", name="댓글 수정").fill("고친 뒤 댓글")
    await card.locator('[data-role="edit-save"]').click()
    other = author.page.locator(f"#comment-{posted.json()['id']} > .comment-card")
    await expect(other.locator(".comment-body")).to_have_text("고친 뒤 댓글", timeout=1500)
    await expect(other.locator('[data-role="edited"]')).to_contain_text("수정됨")

    # Deleting asks first; cancelling keeps it, confirming leaves "작성자가 삭제한 글" in its place.
    await card.locator('[data-role="comment-delete"]').click()
    await card.locator('[data-role="confirm-no"]').click()
    await expect(card.locator(".comment-body")).to_have_text("고친 뒤 댓글")
    await card.locator('[data-role="comment-delete"]').click()
    await card.locator('[data-role="confirm-yes"]').click()
    await expect(card.locator('[data-role="withdrawn"]')).to_have_text("작성자가 삭제한 글")
    await expect(other.locator('[data-role="withdrawn"]')).to_have_text("작성자가 삭제한 글", timeout=1500)
    await expect(other).not_to_contain_text("고친 뒤 댓글")

    # The author withdraws the proposal after confirming; the other tab shows it closed, live.
    await author.page.locator('[data-role="thread-withdraw"]').click()
    panel = author.page.locator(".confirm-panel")
    await expect(panel).to_contain_text("철회할까요")
    await panel.locator('[data-role="confirm-yes"]').click()
    await expect(author.page.locator('[data-role="withdrawn-note"]')).to_be_visible()
    await expect(commenter.page.locator(".thread-badges")).to_contain_text("철회", timeout=1500)
    await expect(commenter.page.locator('[data-role="withdrawn-note"]')).to_be_visible()
    await expect(commenter.page.locator('[data-role="composer-closed"]')).to_be_visible()
    await expect(author.page.locator('[data-role="thread-withdraw"]')).to_have_count(0)

    for tab in (commenter, author):
        assert not tab.errors, tab.errors
        assert not tab.csp_violations()


async def test_history_fits_a_phone_and_editing_works_from_the_keyboard(open_tab, make_thread, tong):
    thread = await make_thread("company1", title="휴대폰에서 보는 제안", body="처음 문장입니다.")
    async with tong.client("company1") as client:
        edited = await client.patch(f"/api/threads/{thread['id']}", json={"body": "고친 문장입니다."})
        assert edited.status_code == 200, edited.text
    tab = await open_tab(f"/threads/{thread['id']}", login="company1", width=390, height=844)
    await tab.wait_subscribed(f"thread:{thread['id']}")

    # Keyboard only: focus the edit button, open the form with Enter, leave it with Escape.
    edit = tab.page.locator('[data-role="thread-edit"]')
    await edit.focus()
    await tab.page.keyboard.press("Enter")
    title = tab.page.locator(".author-forms form").get_by_label("제목")
    await expect(title).to_be_focused()
    await tab.page.keyboard.press("Escape")
    await expect(tab.page.locator(".author-forms form")).to_have_count(0)
    await expect(edit).to_be_focused()

    mark = tab.page.locator('.thread-meta [data-role="edited"]')
    await mark.focus()
    await tab.page.keyboard.press("Enter")
    dialog = tab.page.locator('dialog[data-role="history"]')
    await expect(dialog.locator(".revision")).to_have_count(2)
    box = await dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    await expect(tab.page.locator('[data-role="history-close"]')).to_be_focused()
    await tab.page.keyboard.press("Enter")
    await expect(dialog).to_have_count(0)
    assert not tab.errors, tab.errors
