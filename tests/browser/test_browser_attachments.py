"""Attachments in the app (issue 24 §1): files chosen in the composer upload with their progress,
can be removed before posting, and appear under the post on another account's screen live."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.browser.test_accessibility import AXE, Report, audit, require_axe, settle
from tests.support import files

pytestmark = pytest.mark.browser


async def test_a_comment_with_files_reaches_another_reader_live(open_tab, make_thread, tmp_path: Path):
    """company2 attaches two files, removes one, posts; company3's open tab shows the other file
    under the new comment (icon, name, size, a download link) without reloading; axe finds nothing."""
    require_axe()
    thread = await make_thread("company1")
    path = f"/threads/{thread['id']}"
    channel = f"thread:{thread['id']}"
    writer = await open_tab(path, login="company2")
    reader = await open_tab(path, login="company3")
    for tab in (writer, reader):
        await tab.context.add_init_script(path=str(AXE))
        await tab.page.reload()
        await tab.wait_live()
    await writer.wait_subscribed(channel)
    await reader.wait_subscribed(channel)
    (tmp_path / "공고문.pdf").write_bytes(files.pdf_with_author())
    (tmp_path / "캡처.png").write_bytes(files.png(64, 48))

    composer = writer.page.locator(".composer-slot")
    await composer.locator('[data-role="attach-input"]').set_input_files(
        [str(tmp_path / "공고문.pdf"), str(tmp_path / "캡처.png")]
    )
    uploaded = composer.locator("li.attachment[data-upload-id]")
    await expect(uploaded).to_have_count(2, timeout=10_000)
    await composer.get_by_role("button", name="캡처.png 빼기").click()
    await expect(composer.locator("li.attachment")).to_have_count(1)

    text = f"첨부 댓글 {time.monotonic_ns()}"
    await writer.page.get_by_label("댓글 쓰기").fill(text)
    await axe_clean(writer.page, "composer with an uploaded file")
    await composer.get_by_role("button", name="등록", exact=True).click()
    await expect(composer.locator("li.attachment")).to_have_count(0)

    comment = reader.page.locator("li.comment", has=reader.page.locator(".comment-body", has_text=text))
    files_shown = comment.locator('[data-role="attachments"] li.attachment')
    await expect(files_shown).to_have_count(1, timeout=5000)
    await expect(files_shown.locator(".attachment-name")).to_have_text("공고문.pdf")
    await expect(files_shown.locator(".attachment-icon")).to_have_text("PDF")
    await expect(files_shown.locator(".attachment-size")).to_have_text(re.compile(r"^[0-9.,]+ (B|KB)$"))
    href = await files_shown.locator("a").get_attribute("href")
    assert href and href.startswith("/api/attachments/")
    response = await reader.context.request.get(href)
    assert response.status == 200 and response.headers["content-disposition"].startswith("attachment")
    await axe_clean(reader.page, "thread with an attached file")
    assert not writer.errors and not reader.errors
    assert not writer.csp_violations() and not reader.csp_violations()


async def test_a_proposal_posted_with_a_file_shows_it_under_its_body(open_tab, tmp_path: Path):
    """The proposal composer attaches a file; the new thread page lists it under the body."""
    tab = await open_tab("/", login="company4")
    await tab.page.locator(".hero-actions .btn").click()
    form = tab.page.locator("form.new-thread")
    (tmp_path / "양식.hwpx").write_bytes(files.hwpx())
    await form.locator('[data-role="attach-input"]').set_input_files(str(tmp_path / "양식.hwpx"))
    await expect(form.locator("li.attachment[data-upload-id]")).to_have_count(1, timeout=10_000)
    title = f"첨부 제안 {time.monotonic_ns()}"
    await form.get_by_label("제목").fill(title)
    await form.get_by_label("내용").fill("양식을 붙입니다.")
    await tab.submit_thread(title)
    shown = tab.page.locator('[data-role="attachments"] li.attachment')
    await expect(shown).to_have_count(1)
    await expect(shown.locator(".attachment-name")).to_have_text("양식.hwpx")
    await expect(shown.locator(".attachment-icon")).to_have_text("HWP")


async def axe_clean(page, label: str) -> None:
    report = Report()
    await settle(page)
    await audit(page, report, label)
    assert not report.violations, report.text(0)
