"""In Chromium: the dashboard's 계정 tab (admins: search, filters, disable and enable, staff roles,
a CSV import whose accounts are invited by mail) and the /reset-password page (ask by e-mail, then
set the password from the mailed link), each checked by axe-core (WCAG 2.1 A/AA) in Korean and
English. A Tong of their own (SQLite) mailing a real SMTP server."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import expect

from tests.support.clients import PASSWORD, unique
from tests.support.demo_server import CHROMIUM, CHROMIUM_ARGS, ROOT, require_chromium
from tests.support.mailing import NEW_PASSWORD, mailing_server
from tests.support.servers import InProcessServer, Stack
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.browser

AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest_asyncio.fixture(scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[InProcessServer, SmtpSink]]:
    require_chromium()
    stack = Stack("sqlite", tmp_path_factory.mktemp("browser-accounts"), postgres=False)
    async with mailing_server(stack, tmp_path_factory.mktemp("browser-mail")) as running:
        yield running


@pytest_asyncio.fixture(scope="module")
async def chromium(site: tuple[InProcessServer, SmtpSink]) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


async def new_page(chromium: Any, server: InProcessServer, login: str | None = None, lang: str = "ko") -> Any:
    context = await chromium.new_context(base_url=server.base_url, locale="ko-KR", timezone_id="Asia/Seoul")
    if AXE.exists():
        await context.add_init_script(path=str(AXE))
    if login:
        answer = await context.request.post("/api/session", data={"login": login, "password": PASSWORD})
        assert answer.ok, await answer.text()
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda m: (
            problems.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None
        ),
    )
    page.problems = problems
    await page.goto("/static/favicon.svg")
    await page.evaluate("(lang) => localStorage.setItem('tong.lang', lang)", lang)
    return page


async def no_axe_violations(page: Any, label: str) -> None:
    if not AXE.exists():
        return
    await page.evaluate("document.fonts.ready.then(() => true)")
    violations = await page.evaluate(
        """async (tags) => {
            const options = { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] };
            const r = await axe.run(document, options);
            const where = (v) => v.nodes.slice(0, 3).map((n) => n.target.join(" "));
            return r.violations.map((v) => ({ id: v.id, nodes: where(v) }));
        }""",
        TAGS,
    )
    assert violations == [], f"{label}: {json.dumps(violations, ensure_ascii=False)}"


def link_token(message: Any) -> str:
    text = message.get_body(("plain",)).get_content()
    found = re.search(r"https://tong\.test/reset-password\?token=(\S+)", text)
    assert found, text
    return unquote(found.group(1))


async def test_admin_manages_accounts_in_the_accounts_tab(
    site: tuple[InProcessServer, SmtpSink], chromium: Any
) -> None:
    """An admin finds an account by part of its login, filters by kind, disables it (it can no
    longer log in) and enables it, gives a staff account the approver role, and imports a CSV
    (a wrong line is named; a good file invites each account by mail); axe finds nothing, in
    Korean and in English. A moderator's dashboard has no 계정 tab."""
    server, sink = site
    (admin,) = await server.accounts("staff", 1, ("admin",))
    (target,) = await server.accounts("company")
    (colleague,) = await server.accounts("staff", 1, ("moderator",))
    page = await new_page(chromium, server, admin)
    await page.goto("/staff#accounts")
    await page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    await expect(page.get_by_role("link", name="계정")).to_have_attribute("aria-current", "page")
    form = page.locator("#accounts-form")
    await form.get_by_label("아이디 또는 이메일").fill(target)
    await form.get_by_label("종류").select_option("company")
    await form.get_by_role("button", name="조회").click()
    row = page.locator("#accounts tbody tr", has_text=target)
    await expect(row).to_have_count(1)
    await expect(page.locator("#accounts tbody tr")).to_have_count(1)
    await expect(row).to_contain_text("사용 중")
    await no_axe_violations(page, "accounts tab [ko]")

    await row.get_by_role("button", name=f"‘{target}’ 계정 중지").click()
    await expect(row).to_contain_text("중지됨")
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        refused = await client.post("/api/session", json={"login": target, "password": PASSWORD})
        assert refused.status_code == 401
    await row.get_by_role("button", name=f"‘{target}’ 계정 다시 사용").click()
    await expect(row).to_contain_text("사용 중")

    await form.get_by_label("아이디 또는 이메일").fill(colleague)
    await form.get_by_label("종류").select_option("staff")
    await form.get_by_role("button", name="조회").click()
    staff_row = page.locator("#accounts tbody tr", has_text=colleague)
    await staff_row.get_by_label(f"‘{colleague}’: 답변 승인").check()
    await staff_row.get_by_role("button", name=f"‘{colleague}’의 역할 저장").click()
    await expect(page.locator("#accounts-result")).to_contain_text(colleague)
    assert (await server.services.roster.page(q=colleague))["items"][0]["roles"] == ["approver", "moderator"]

    invited = unique("csv")
    files = page.locator("#import-form").get_by_label("CSV 파일")
    await files.set_input_files(
        files=[
            {"name": "bad.csv", "mimeType": "text/csv", "buffer": b"login,email,kind,roles\nx y,z,company,\n"}
        ]
    )
    await page.locator("#import-form").get_by_role("button", name="가져오기").click()
    await expect(page.locator("#import-error")).to_contain_text("2번째 줄")
    good = f"login,email,kind,roles\n{invited},{invited}@example.kr,agency,\n".encode()
    await files.set_input_files(files=[{"name": "good.csv", "mimeType": "text/csv", "buffer": good}])
    await page.locator("#import-form").get_by_role("button", name="가져오기").click()
    await expect(page.locator("#import-result")).to_contain_text("1개 계정")
    await sink.wait_for(lambda found: any(m["To"] == f"{invited}@example.kr" for m in found))
    assert not page.problems

    english = await new_page(chromium, server, admin, lang="en")
    await english.goto("/staff#accounts")
    await english.wait_for_selector("body[data-ready='true']", timeout=30_000)
    await expect(english.locator("#accounts tbody tr").first).to_be_visible()
    await no_axe_violations(english, "accounts tab [en]")

    moderator = await new_page(chromium, server, colleague)
    await moderator.goto("/staff#accounts")
    await moderator.wait_for_selector("body[data-ready='true']", timeout=30_000)
    await expect(moderator.locator("#tab-link-accounts")).to_be_hidden()
    await expect(moderator.locator("#tab-accounts")).to_be_hidden()
    for opened in (page, english, moderator):
        await opened.context.close()


async def test_reset_page_asks_by_mail_and_sets_the_password(
    site: tuple[InProcessServer, SmtpSink], chromium: Any
) -> None:
    """From the login page's link a reader asks for a reset by e-mail; the mailed link opens the
    page that refuses a weak password (the link stays usable) and sets a strong one, after which
    the new password logs in; axe finds nothing on either form."""
    server, sink = site
    (login,) = await server.accounts("agency")
    account_id = await server.services.mailboxes.account_id(login)
    assert account_id is not None
    address = f"{login}@example.kr"
    await server.services.mailboxes.set_address(account_id, address, verified=True)
    page = await new_page(chromium, server)
    await page.goto("/login")
    await page.get_by_role("link", name="비밀번호를 잊으셨나요?").click()
    await expect(page.get_by_role("heading", name="비밀번호 재설정")).to_be_visible()
    await page.get_by_label("이메일 주소").fill(address)
    await no_axe_violations(page, "reset ask [ko]")
    await page.get_by_role("button", name="재설정 링크 받기").click()
    await expect(page.locator("[data-role='reset-result']")).to_contain_text("요청을 받았습니다")

    await sink.wait_for(lambda found: any(m["To"] == address for m in found))
    (mail,) = [m for m in sink.messages() if m["To"] == address]
    await page.goto(f"/reset-password?token={link_token(mail)}")
    await expect(page.locator("main")).to_contain_text(login)
    await page.get_by_label("새 비밀번호", exact=True).fill("password")
    await page.get_by_label("새 비밀번호 확인").fill("password")
    await no_axe_violations(page, "reset set [ko]")
    await page.get_by_role("button", name="비밀번호 저장").click()
    await expect(page.locator("[data-role='reset-result']")).to_contain_text("비밀번호")
    await page.get_by_label("새 비밀번호", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("새 비밀번호 확인").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="비밀번호 저장").click()
    await expect(page.locator("[data-role='reset-result']")).to_contain_text("바꾸었습니다")
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        logged_in = await client.post("/api/session", json={"login": login, "password": NEW_PASSWORD})
        assert logged_in.status_code == 200
    assert not page.problems
    await page.context.close()
