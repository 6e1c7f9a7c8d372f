"""The account page: an e-mail address confirmed through the mailed link, the delivery choice,
and the unsubscribe link's page, in Chromium against a Tong that mails a real SMTP sink."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import expect

from tests.browser.conftest import Tong
from tests.support.demo_server import DEMO_PASSWORD, demo_server
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.browser


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def sink(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SmtpSink]:
    running = await SmtpSink(tmp_path_factory.mktemp("mail")).start()
    yield running
    running.kill()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def tong(sink: SmtpSink) -> AsyncIterator[Tong]:
    env = {
        "TONG_SMTP_URL": sink.url,
        "TONG_PUBLIC_URL": "https://tong.test",
        "TONG_MAIL_POLL_INTERVAL_S": "0.1",
    }
    with demo_server(env) as running:
        yield Tong(running.base, running.process, running.log_path)


def path_of(message: Any, path: str) -> str:
    text = message.get_body(("plain",)).get_content()
    found = re.search(rf"https://tong\.test({re.escape(path)}\?token=\S+)", text)
    assert found, text
    return found.group(1)


async def test_address_confirmed_through_the_mailed_link(open_tab: Any, sink: SmtpSink, tong: Tong) -> None:
    """Saving an address says a confirmation mail was sent; the mailed link's page confirms it
    with one button; the account page then shows it confirmed and takes the daily digest."""
    tab = await open_tab("/account", login="company3")
    page = tab.page
    await page.get_by_label("이메일 주소").fill("company3@example.kr")
    await page.get_by_role("button", name="주소 저장").click()
    await expect(page.locator('[data-role="mail-state"]')).to_contain_text("확인 메일을 보냈습니다")
    (mail,) = await sink.wait_for(lambda found: len(found) == 1)
    await page.goto(path_of(mail, "/mail/confirm"))
    await page.get_by_role("button", name="주소 확인").click()
    await expect(page.locator('[data-role="mail-link-result"]')).to_contain_text(
        "company3@example.kr 주소를 확인했습니다"
    )
    await page.goto("/account")
    await expect(page.locator('[data-role="mail-state"]')).to_have_text("확인된 주소입니다.")
    await page.get_by_label("하루 한 번 모아 받기").check()
    async with tong.client("company3") as client:
        for _ in range(50):
            if (await client.get("/api/me/mail")).json()["delivery"] == "daily":
                break
            await page.wait_for_timeout(100)
        assert (await client.get("/api/me/mail")).json()["delivery"] == "daily"
    assert tab.errors == [] and tab.csp_violations() == []


async def test_unsubscribe_page_asks_before_it_posts(open_tab: Any) -> None:
    """The unsubscribe link's page, opened without a session, changes nothing until its button
    is pressed, and says so when the link is not valid."""
    tab = await open_tab("/mail/unsubscribe?token=u.1.forged")
    await expect(tab.page.locator('[data-role="mail-link-result"]')).to_be_empty()
    await tab.page.get_by_role("button", name="그만 받기").click()
    await expect(tab.page.locator('[data-role="mail-link-result"]')).to_contain_text("링크가 올바르지 않거나")
    assert tab.errors == [] and tab.csp_violations() == []


async def test_password_change_on_the_account_page(open_tab: Any, tong: Tong) -> None:
    """The password form refuses a wrong current password in Korean, then changes it; the new
    password logs in."""
    tab = await open_tab("/account", login="agency2")
    page = tab.page
    new = "봄비 내리는 조달 2026 창문"
    await page.get_by_label("현재 비밀번호").fill("틀린 비밀번호")
    await page.get_by_label("새 비밀번호", exact=True).fill(new)
    await page.get_by_label("새 비밀번호 확인").fill(new)
    await page.get_by_role("button", name="비밀번호 변경").click()
    await expect(page.locator('[data-role="password-form"] .form-error')).to_contain_text(
        "현재 비밀번호가 맞지 않습니다"
    )
    await page.get_by_label("현재 비밀번호").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="비밀번호 변경").click()
    await expect(page.locator('[data-role="password-form"] [role="status"]')).to_contain_text(
        "비밀번호를 바꾸었습니다"
    )
    async with httpx.AsyncClient(base_url=tong.base, timeout=30) as client:
        assert (
            await client.post("/api/session", json={"login": "agency2", "password": new})
        ).status_code == 200
    assert tab.errors == [] and tab.csp_violations() == []
