"""A real Tong for the dashboard tests: `python -m server serve --demo` as a subprocess on a free
port with a temporary data directory, and Debian's chromium driven by Playwright's async API."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_PASSWORD = "tong-demo-2026"
ROOT = Path(__file__).resolve().parents[2]
# Seeding the demo hashes eleven passwords; a slow machine needs a while.
READY_TIMEOUT_S = 60.0
# Pre-moderation on, with no office days: every comment with the word waits for a moderator.
HOLD_ENV = {"TONG_HOLD_ENABLED": "true", "TONG_HOLD_WORDS": "사기", "TONG_OFFICE_DAYS": ""}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing and CI=true: the dashboard tests must run")
        pytest.skip(f"{CHROMIUM} is not installed")
    data_dir = tempfile.mkdtemp(prefix="tong-staff-browser-")
    port = _free_port()
    env = {
        **os.environ,
        **HOLD_ENV,
        "TONG_DATA_DIR": data_dir,
        "TONG_RATE_LIMIT_PER_MINUTE": "0",
        "TONG_SEAL_DELAY_S": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    log = open(Path(data_dir) / "server.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError((Path(data_dir) / "server.log").read_text())
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                break
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("Tong did not become ready")
        time.sleep(0.2)
    yield Tong(base, process)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


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
