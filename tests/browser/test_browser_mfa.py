"""A second factor for staff in Chromium, as a person meets it: the authenticator app's enrolment
at the first login (secret and otpauth URI as text, the first code, recovery codes once), the code
at the next login, a security key through the DevTools virtual authenticator (enrolment, login,
and the step-up a reveal asks for after 5 minutes), and staff signing in through the portal's
OpenID provider, who also enrol Tong's second factor.

One Tong (the embedded stack) with TONG_STAFF_MFA=required whose TONG_PUBLIC_URL is
http://localhost:PORT: WebAuthn's relying party is a domain, never 127.0.0.1. Time moves on the
factors' injected clock (tests/support/clock.py), never by sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyotp
import pytest
import pytest_asyncio
from playwright.async_api import expect

from tests.support.clients import PASSWORD, Http
from tests.support.clock import Clock
from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, OpenIDProvider, require_provider
from tests.support.servers import InProcessServer, Stack, free_port

pytestmark = pytest.mark.browser


@dataclass
class Setup:
    tong: InProcessServer
    browser: Any
    clock: Clock

    @property
    def base(self) -> str:
        return f"http://localhost:{self.tong.port}"

    async def staff(self) -> str:
        (login,) = await self.tong.accounts("staff", 1, ("moderator", "admin"))
        return login

    async def page(self) -> tuple[Any, Any]:
        context = await self.browser.new_context(base_url=self.base, locale="ko-KR")
        return context, await context.new_page()

    async def password(self, page: Any, login: str, path: str = "/login?next=/me") -> None:
        await page.goto(path)
        await page.locator("input[name=login]").fill(login)
        await page.locator("input[name=password]").fill(PASSWORD)
        await page.locator("button[type=submit]").first.click()

    async def session(self, context: Any) -> dict[str, Any]:
        return dict(await (await context.request.get(f"{self.base}/api/session")).json())


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def setup(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Setup]:
    # The embedded stack only: what the browser does is the same on both, and the server's side of
    # every step runs on both stacks in tests/test_staff_mfa.py.
    stack = Stack("sqlite", tmp_path_factory.mktemp("mfa"))
    port = free_port()
    settings = await stack.fresh_settings(staff_mfa="required", public_url=f"http://localhost:{port}")
    tong = await InProcessServer(settings, port=port).start()
    clock = Clock()
    tong.services.factors.clock = clock
    try:
        yield Setup(tong, browser, clock)
    finally:
        await tong.stop()


async def test_staff_enrol_an_app_at_their_first_login_and_give_its_code_next_time(setup: Setup) -> None:
    """The first login shows the enrolment (secret and otpauth URI as text), the app's first code
    confirms it, the recovery codes are shown once, then `next`; the next login asks for a code."""
    login = await setup.staff()
    context, page = await setup.page()
    await setup.password(page, login)
    await page.locator("[data-role=mfa-enrol-app]").click()
    secret = (await page.locator("[data-role=mfa-secret]").text_content() or "").strip()
    uri = await page.locator("[data-role=mfa-uri]").text_content() or ""
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    # Pending, the session reaches no staff endpoint.
    assert (await context.request.get(f"{setup.base}/api/staff/stats")).status == 401
    await page.locator("[data-role=mfa-code]").fill(pyotp.TOTP(secret).at(setup.clock()))
    await page.locator("[data-role=mfa-submit]").click()
    await expect(page.locator("[data-role=mfa-codes] li")).to_have_count(10)
    await page.locator("[data-role=mfa-codes-done]").click()
    await expect(page).to_have_url(f"{setup.base}/me")
    assert (await setup.session(context))["account"]["login"] == login
    assert (await context.request.get(f"{setup.base}/api/staff/stats")).status == 200
    await context.close()

    setup.clock.offset += timedelta(seconds=30)
    context, page = await setup.page()
    await setup.password(page, login)
    await expect(page.locator("[data-role=mfa-prompt]")).to_be_visible()
    await page.locator("[data-role=mfa-code]").fill("000000")
    await page.locator("[data-role=mfa-submit]").click()
    await expect(page.get_by_text("인증 코드가 맞지 않거나 이미 사용되었습니다")).to_be_visible()
    await page.locator("[data-role=mfa-code]").fill(pyotp.TOTP(secret).at(setup.clock()))
    await page.locator("[data-role=mfa-submit]").click()
    await expect(page).to_have_url(f"{setup.base}/me")
    assert "mfa_required" not in await setup.session(context)
    await context.close()


async def test_a_security_key_enrols_signs_in_and_steps_up_a_reveal(setup: Setup) -> None:
    """With Chromium's virtual authenticator: the key is registered at the first login, signs the
    next login in from the staff dashboard, and answers the step-up dialog a reveal opens once the
    last factor is over 5 minutes old."""
    login = await setup.staff()
    (author,) = await setup.tong.accounts("company")
    company = Http(setup.tong.base_url)
    await company.login(author)
    thread = await company.thread("제안", "공개 본문")
    await company.aclose()
    context, page = await setup.page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": False,
                "hasUserVerification": False,
                "automaticPresenceSimulation": True,
            }
        },
    )
    await setup.password(page, login)
    await page.locator("[data-role=mfa-enrol-key]").click()
    await expect(page.locator("[data-role=mfa-codes] li")).to_have_count(10)
    await page.locator("[data-role=mfa-codes-done]").click()
    await expect(page).to_have_url(f"{setup.base}/me")
    assert (await context.request.get(f"{setup.base}/api/staff/stats")).status == 200

    # Log out, then in again from the dashboard: the key is the factor.
    assert (await context.request.delete(f"{setup.base}/api/session")).status in (200, 204)
    await page.goto("/staff")
    await page.locator("#login-form input[name=login]").fill(login)
    await page.locator("#login-form input[name=password]").fill(PASSWORD)
    await page.locator("#login-form button[type=submit]").click()
    await page.locator("[data-role=mfa-key]").click()
    await expect(page.locator("#tabs")).to_be_visible()
    assert (await context.request.get(f"{setup.base}/api/staff/stats")).status == 200

    # Past 5 minutes, the reveal asks again; the key answers the dialog and the reveal goes on.
    setup.clock.offset += timedelta(minutes=6)
    await page.goto("/staff#moderation")
    form = page.locator("#reveal-form")
    await form.locator("select[name=kind]").select_option("thread")
    await form.locator("input[name=id]").fill(str(thread["id"]))
    await form.locator("input[name=reason]").fill("법원 요청")
    await form.locator("button[type=submit]").click()
    dialog = page.locator("[data-role=mfa-stepup]")
    await expect(dialog).to_be_visible()
    await dialog.locator("[data-role=mfa-key]").click()
    await expect(dialog).to_have_count(0)
    await expect(page.locator("#reveal-result")).to_contain_text(author)
    await context.close()


async def test_staff_signing_in_through_the_portal_also_enrol_the_factor(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """An officer whose portal sign-in makes a staff account lands on the login page's enrolment
    (not on `next`), and reaches `next` once the app's first code is given."""
    require_provider()
    stack = Stack("sqlite", tmp_path_factory.mktemp("mfa-sso"))
    port = free_port()
    provider = OpenIDProvider(
        f"http://localhost:{port}", accounts={"officer": {"org_type": "agency", "staff": "pps"}}
    )
    settings = await stack.fresh_settings(
        staff_mfa="required",
        public_url=f"http://localhost:{port}",
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_staff_claim="staff",
        oidc_staff_value="pps",
    )
    tong = await InProcessServer(settings, port=port).start()
    provider.start()
    base = f"http://localhost:{port}"
    context = await browser.new_context(base_url=base, locale="ko-KR")
    try:
        page = await context.new_page()
        await page.goto("/login?next=/me")
        await page.locator("[data-role=sso-login]").click()
        await page.locator("input[name=login]").fill("officer")
        await page.locator("input[name=password]").fill("any password")
        await page.locator("button[type=submit]").click()
        # The provider asks for consent the first time; then back to Tong's login page.
        consent = page.locator("button[type=submit]", has_text="Continue")
        enrol = page.locator("[data-role=mfa-enrol-app]")
        await expect(consent.or_(enrol)).to_be_visible(timeout=15_000)
        if await consent.is_visible():
            await consent.click()
        await enrol.click()
        secret = (await page.locator("[data-role=mfa-secret]").text_content() or "").strip()
        await page.locator("[data-role=mfa-code]").fill(pyotp.TOTP(secret).now())
        await page.locator("[data-role=mfa-submit]").click()
        await page.locator("[data-role=mfa-codes-done]").click()
        await expect(page).to_have_url(f"{base}/me")
        session = await (await context.request.get(f"{base}/api/session")).json()
        assert session["account"]["kind"] == "staff" and session["account"]["via"] == "oidc"
        assert "mfa_required" not in session
    finally:
        await context.close()
        provider.stop()
        await tong.stop()
