"""A real Tong (subprocess, demo data) and Debian's chromium, shared by the browser tests."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import expect

from tests.support.demo_server import CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, demo_server, require_chromium


@dataclass
class Tong:
    base: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @contextlib.asynccontextmanager
    async def client(self, login: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
        """An httpx client for the REST API, logged in as `login` when given."""
        async with httpx.AsyncClient(base_url=self.base, timeout=10) as client:
            if login:
                r = await client.post("/api/session", json={"login": login, "password": DEMO_PASSWORD})
                assert r.status_code == 200, r.text
            yield client


@pytest.fixture(scope="session")
def tong() -> Iterator[Tong]:
    """A real Tong with demo data, for the whole session."""
    with demo_server() as running:
        yield Tong(running.base, running.process, running.log_path)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Any]:
    require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@dataclass
class Tab:
    """A page with everything it logged: console messages, page errors, dialogs."""

    page: Any
    context: Any
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m or "Refused to" in m]

    async def live_state(self) -> str:
        return str(await self.page.evaluate("window.__tong.live.state"))

    async def poll(self, expression: str, arg: Any = None, timeout: float = 5.0) -> None:
        """Wait until `expression` (a function of arg) is truthy in the page.

        Playwright's wait_for_function polls through eval, which the app's CSP (no 'unsafe-eval')
        refuses; evaluate() goes through the DevTools protocol and is not affected.
        """
        deadline = time.monotonic() + timeout
        while not await self.page.evaluate(expression, arg):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression} ({arg!r})")
            await asyncio.sleep(0.05)

    async def submit_thread(self, title: str) -> None:
        """Press the composer's 등록하기 and land on the new thread. A title like an existing
        proposal's makes the composer show those first (its button becomes 그래도 등록하기): the
        author posts anyway, as a user who read them would."""
        await self.page.locator("form.new-thread button[type=submit]").click()
        anyway = self.page.get_by_role("button", name="그래도 등록하기")
        posted = self.page.locator("h1.thread-title", has_text=title)
        await expect(anyway.or_(posted)).to_be_visible()
        if await anyway.is_visible():
            await anyway.click()
        await expect(posted).to_be_visible()

    async def wait_live(self, timeout: float = 5.0) -> None:
        await self.poll("() => !!window.__tong && window.__tong.live.state === 'live'", timeout=timeout)

    async def wait_subscribed(self, channel: str, timeout: float = 5.0) -> None:
        await self.poll(
            "(ch) => !!(window.__tong && window.__tong.live.subs.get(ch)?.everSubscribed)",
            channel,
            timeout,
        )


OpenTab = Callable[..., Awaitable[Tab]]


@pytest_asyncio.fixture(loop_scope="session")
async def open_tab(browser: Any, tong: Tong) -> AsyncIterator[OpenTab]:
    """open_tab(path, login=None, viewport=...) -> a Tab in its own browser context."""
    contexts: list[Any] = []

    async def opener(path: str = "/", login: str | None = None, width: int = 1280, height: int = 800) -> Tab:
        context = await browser.new_context(
            base_url=tong.base, viewport={"width": width, "height": height}, locale="ko-KR"
        )
        contexts.append(context)
        if login:
            r = await context.request.post("/api/session", data={"login": login, "password": DEMO_PASSWORD})
            assert r.status == 200, await r.text()
        page = await context.new_page()
        tab = Tab(page, context)
        page.on("console", lambda m: tab.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: tab.errors.append(str(e)))

        async def on_dialog(dialog: Any) -> None:
            tab.dialogs.append(dialog.message)
            await dialog.dismiss()

        page.on("dialog", on_dialog)
        await page.goto(path)
        await tab.wait_live()
        return tab

    yield opener
    for context in contexts:
        with contextlib.suppress(Exception):
            await context.close()


MakeThread = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def make_thread(tong: Tong) -> MakeThread:
    """make_thread(login="company1", kind="proposal", title=...) -> a fresh thread through REST,
    so tests do not see each other's comments."""

    async def make(login: str = "company1", kind: str = "proposal", **extra: Any) -> dict[str, Any]:
        async with tong.client(login) as client:
            body = {
                "kind": kind,
                "title": extra.pop("title", f"브라우저 시험 {time.monotonic_ns()}"),
                "body": extra.pop("body", "시험용 본문입니다."),
                **extra,
            }
            r = await client.post("/api/threads", json=body)
            assert r.status_code == 201, r.text
            return dict(r.json())

    return make
