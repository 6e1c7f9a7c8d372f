"""Single sign-on through a real OpenID provider (oidc-provider), in Chromium, as a person does it:
the login page's 나라장터 로그인 button, the provider's own login and consent pages, back to Tong.

Each test gets a Tong of its own (both stacks) whose TONG_PUBLIC_URL is http://localhost:PORT, and a
provider on another port that knows Tong as its client.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import expect

from tests.oidc import CLIENT_ID, CLIENT_SECRET, OpenIDProvider, require_provider
from tests.servers import InProcessServer, Stack, free_port

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


SetUp = Callable[..., Awaitable[SignOnSetup]]


@pytest_asyncio.fixture(loop_scope="session")
async def sign_on(stack: Stack, browser: Any) -> AsyncIterator[SetUp]:
    require_provider()
    made: list[tuple[InProcessServer, OpenIDProvider]] = []

    async def setup(**overrides: Any) -> SignOnSetup:
        port = free_port()
        provider = OpenIDProvider(f"http://localhost:{port}", accounts=dict(ACCOUNTS))
        settings = await stack.fresh_settings(
            public_url=f"http://localhost:{port}",
            oidc_issuer=provider.issuer,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            **overrides,
        )
        tong = await InProcessServer(settings, port=port).start()
        provider.start()
        made.append((tong, provider))
        return SignOnSetup(tong, provider, browser)

    yield setup
    for tong, provider in made:
        provider.stop()
        await tong.stop()


async def test_a_company_signs_in_through_the_portal(sign_on: SetUp) -> None:
    """The login page's 나라장터 로그인 leads through the provider and back to `next`, signed in as a
    company account made for (iss, sub), with no name kept."""
    setup = await sign_on()
    context = await setup.context()
    page = await context.new_page()
    await setup.sign_in(page, "company-a", "/me")
    await expect(page).to_have_url(f"{setup.base}/me")
    account = (await setup.session(context))["account"]
    assert account["kind"] == "company" and account["via"] == "oidc"
    assert "company-a" not in account["login"]
    await context.close()
