"""Single sign-on through a real OpenID provider (oidc-provider), in Chromium, as a person does it:
the login page's 나라장터 로그인 button, the provider's own login and consent pages, back to Tong.

Each test gets a Tong of its own (both stacks) whose TONG_PUBLIC_URL is http://localhost:PORT, and a
provider on another port that knows Tong as its client.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import expect

from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, OpenIDProvider, require_provider
from tests.support.servers import InProcessServer, Stack, free_port

pytestmark = pytest.mark.browser

ACCOUNTS = {
    "company-a": {"org_type": "company", "email": "a@company.example"},
    "agency-b": {"org_type": "agency"},
    "officer-c": {"org_type": "agency", "staff": "pps"},
    "nobody-d": {},
}


@dataclass
class SignOnSetup:
    tong: InProcessServer
    provider: OpenIDProvider
    browser: Any

    @property
    def base(self) -> str:
        return f"http://localhost:{self.tong.port}"

    async def context(self) -> Any:
        return await self.browser.new_context(base_url=self.base, locale="ko-KR")

    async def sign_in(self, page: Any, sub: str, next_path: str = "/") -> None:
        """From Tong's login page through the provider's login and consent pages."""
        await page.goto(f"/login?next={next_path}")
        await page.locator("[data-role=sso-login]").click()
        await page.locator("input[name=login]").fill(sub)
        await page.locator("input[name=password]").fill("any password")
        await page.locator("button[type=submit]").click()
        # The provider asks for consent the first time a person signs in to this client.
        consent = page.locator("button[type=submit]", has_text="Continue")
        deadline = time.monotonic() + 15
        while not page.url.startswith(self.base):
            if await consent.is_visible():
                await consent.click()
            elif time.monotonic() > deadline:
                raise AssertionError(f"the sign-in stopped at {page.url}")
            await page.wait_for_timeout(50)

    async def session(self, context: Any) -> dict[str, Any]:
        response = await context.request.get(f"{self.base}/api/session")
        return dict(await response.json())


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def setup(stack: Stack, browser: Any) -> AsyncIterator[SignOnSetup]:
    """One Tong and one provider per stack; each test signs in from a browser context of its own
    (the staff claim is configured, so one provider account can be an officer)."""
    require_provider()
    port = free_port()
    provider = OpenIDProvider(f"http://localhost:{port}", accounts=dict(ACCOUNTS))
    settings = await stack.fresh_settings(
        public_url=f"http://localhost:{port}",
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_staff_claim="staff",
        oidc_staff_value="pps",
    )
    tong = await InProcessServer(settings, port=port).start()
    provider.start()
    try:
        yield SignOnSetup(tong, provider, browser)
    finally:
        provider.stop()
        await tong.stop()


async def test_a_company_signs_in_through_the_portal(setup: SignOnSetup) -> None:
    """The login page's 나라장터 로그인 leads through the provider and back to `next`, signed in as a
    company account made for (iss, sub), with no name kept."""
    context = await setup.context()
    page = await context.new_page()
    await setup.sign_in(page, "company-a", "/me")
    await expect(page).to_have_url(f"{setup.base}/me")
    account = (await setup.session(context))["account"]
    assert account["kind"] == "company" and account["via"] == "oidc"
    assert "company-a" not in account["login"]
    await context.close()


async def test_an_agency_and_a_staff_officer_get_their_kinds(setup: SignOnSetup) -> None:
    """The kind claim makes an agency account; the configured staff claim makes a staff account
    (with no role until an admin gives one)."""
    for sub, kind in (("agency-b", "agency"), ("officer-c", "staff")):
        context = await setup.context()
        page = await context.new_page()
        await setup.sign_in(page, sub)
        account = (await setup.session(context))["account"]
        assert (account["kind"], account["roles"]) == (kind, [])
        await context.close()


async def test_an_unknown_organisation_type_is_refused_with_a_page(setup: SignOnSetup) -> None:
    """A provider account without the kind claim gets a 403 page saying whom to ask; no account."""
    context = await setup.context()
    page = await context.new_page()
    await setup.sign_in(page, "nobody-d")
    await expect(page.get_by_text("기관 구분(기업/기관)을 알 수 없어")).to_be_visible()
    await expect(page.get_by_text("kind_unknown")).to_be_visible()
    assert (await setup.session(context))["account"] is None
    await context.close()


async def test_cancelling_at_the_provider_shows_what_to_do(setup: SignOnSetup) -> None:
    """The provider's own cancel answers access_denied: Tong's page says so and links back."""
    context = await setup.context()
    page = await context.new_page()
    await page.goto("/login")
    await page.locator("[data-role=sso-login]").click()
    await page.get_by_text("Cancel").click()
    await expect(page.get_by_text("로그인을 취소했거나 허용하지 않았습니다")).to_be_visible()
    await page.get_by_role("link", name="로그인 화면으로 · Back to sign-in").click()
    await expect(page.locator("[data-role=sso-login]")).to_be_visible()
    await context.close()


async def test_a_replayed_callback_signs_nobody_in(setup: SignOnSetup) -> None:
    """The provider's redirect back to Tong works once; the same URL again (browser history, a
    copied link) answers 400 and starts no session."""
    context = await setup.context()
    page = await context.new_page()
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/api/auth/oidc/callback" in r.url else None)
    await setup.sign_in(page, "company-a")
    assert callbacks
    other = await setup.context()
    replay = await other.new_page()
    response = await replay.goto(callbacks[0])
    assert response is not None and response.status == 400
    await expect(replay.get_by_text("이미 사용되었습니다")).to_be_visible()
    assert (await setup.session(other))["account"] is None
    await context.close()
    await other.close()


async def test_logging_out_at_the_provider_ends_the_tong_session(setup: SignOnSetup) -> None:
    """Signing out on the provider's own page sends Tong a back-channel logout: the session the
    browser had in Tong ends (and its sockets with it)."""
    context = await setup.context()
    page = await context.new_page()
    await setup.sign_in(page, "agency-b")
    assert (await setup.session(context))["account"] is not None
    await page.goto(f"{setup.provider.issuer}/session/end")
    await page.get_by_role("button", name="Yes, sign me out").click()
    deadline = time.monotonic() + 10
    while (await setup.session(context))["account"] is not None:
        if time.monotonic() > deadline:
            setup.provider.stop()
            raise AssertionError(f"the back-channel logout did not end the session: {setup.provider.log}")
        await page.wait_for_timeout(50)
    await context.close()


async def test_logging_out_of_tong_ends_the_provider_session_too(setup: SignOnSetup) -> None:
    """The app's 로그아웃 sends the browser to the provider's end-session page (RP-initiated logout),
    which comes back to Tong's home once confirmed."""
    context = await setup.context()
    page = await context.new_page()
    await setup.sign_in(page, "company-a")
    await page.get_by_role("button", name="로그아웃").click()
    await page.get_by_role("button", name="Yes, sign me out").click(timeout=10_000)
    await expect(page).to_have_url(f"{setup.base}/", timeout=10_000)
    assert (await setup.session(context))["account"] is None
    await context.close()


async def test_a_changed_kind_applies_from_then_on(setup: SignOnSetup) -> None:
    """A provider account that moves from company to agency signs in as an agency; the proposal it
    wrote as a company still shows 기업 (author rows are never rewritten)."""
    sub = "mover-" + str(int(time.time() * 1000))
    setup.provider.accounts[sub] = {"org_type": "company"}
    setup.provider.restart()
    context = await setup.context()
    page = await context.new_page()
    await setup.sign_in(page, sub)
    created = await context.request.post(
        f"{setup.base}/api/threads", data={"kind": "proposal", "title": "이동 전 제안", "body": "기업일 때"}
    )
    assert created.status == 201, await created.text()
    thread = await created.json()
    assert thread["author"]["kind"] == "company"
    await context.close()
    setup.provider.accounts[sub] = {"org_type": "agency"}
    setup.provider.restart()
    context = await setup.context()
    page = await context.new_page()
    await setup.sign_in(page, sub)
    assert (await setup.session(context))["account"]["kind"] == "agency"
    again = await (await context.request.get(f"{setup.base}/api/threads/{thread['id']}")).json()
    assert again["author"]["kind"] == "company"
    await context.close()
