"""A real Tong for the dashboard tests: `python -m server serve --demo` as a subprocess on a free
port with a temporary data directory, and Debian's chromium driven by Playwright's async API."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.support.demo_server import CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, demo_server, require_chromium

# Pre-moderation on, with no office days: every comment with the word waits for a moderator.
HOLD_ENV = {"TONG_HOLD_ENABLED": "true", "TONG_HOLD_WORDS": "사기", "TONG_OFFICE_DAYS": ""}


@dataclass
class Tong:
    base: str
    process: subprocess.Popen[bytes]
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    async def client(self, login: str | None = None) -> httpx.AsyncClient:
        """An httpx client for the REST API, logged in as a demo account when given."""
        client = httpx.AsyncClient(base_url=self.base, timeout=10)
        self.clients.append(client)
        if login:
            response = await client.post("/api/session", json={"login": login, "password": DEMO_PASSWORD})
            assert response.status_code == 200, response.text
        return client


@pytest.fixture(scope="session")
def staff_tong() -> Iterator[Tong]:
    """Tong with demo data, pre-moderation on and the sealer running; SIGTERM at the end."""
    require_chromium()
    with demo_server(HOLD_ENV) as running:
        yield Tong(running.base, running.process)


@pytest_asyncio.fixture(scope="session")
async def browser(staff_tong: Tong) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest_asyncio.fixture
async def tong(staff_tong: Tong) -> AsyncIterator[Tong]:
    yield staff_tong
    for client in staff_tong.clients:
        await client.aclose()
    staff_tong.clients.clear()


@dataclass
class Tab:
    page: Any
    problems: list[str]


@pytest_asyncio.fixture
async def open_page(browser: Any, tong: Tong) -> AsyncIterator[Any]:
    """open_page(path, login=None, viewport=(1280, 800)) -> Tab; CSP violations and page errors collected."""
    contexts: list[Any] = []

    async def open_(path: str, login: str | None = None, viewport: tuple[int, int] = (1280, 800)) -> Tab:
        context = await browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, locale="ko-KR", timezone_id="Asia/Seoul"
        )
        contexts.append(context)
        page = await context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        if login:
            response = await page.request.post(
                f"{tong.base}/api/session", data={"login": login, "password": DEMO_PASSWORD}
            )
            assert response.ok
        await page.goto(tong.base + path)
        return Tab(page, problems)

    yield open_
    for context in contexts:
        await context.close()


async def open_dashboard(open_page: Any, tab: str = "monitor", **kwargs: Any) -> Tab:
    """The dashboard as `admin`, loaded and connected to the staff channel."""
    opened: Tab = await open_page(f"/staff#{tab}", login=kwargs.pop("login", "admin"), **kwargs)
    await opened.page.wait_for_selector("body[data-ready='true']", timeout=15_000)
    await opened.page.wait_for_selector("#conn[data-state='live']", timeout=15_000)
    return opened
