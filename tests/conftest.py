"""Every core test runs against both stacks: SQLite + in-process broker, PostgreSQL + Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.support.clients import Http
from tests.support.servers import IN_CI, InProcessServer, Stack, services_available
from tests.support.smtp_sink import SmtpSink

STACKS = ["sqlite", "postgres"]


@pytest_asyncio.fixture(scope="session", params=STACKS)
async def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    name = request.param
    if name == "postgres":
        missing = await services_available()
        if missing is not None:
            if IN_CI:
                pytest.fail(f"CI needs PostgreSQL and Redis: {missing}")
            pytest.skip(missing)
    created = Stack(name, tmp_path_factory.mktemp(name), postgres=name == "postgres")
    yield created
    await created.drop_databases()


@pytest_asyncio.fixture(scope="module")
async def pg(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    """PostgreSQL and Redis for one module's own servers (several processes, private services)."""
    missing = await services_available()
    if missing is not None:
        if IN_CI:
            pytest.fail(f"CI needs PostgreSQL and Redis: {missing}")
        pytest.skip(missing)
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    created = Stack("postgres", tmp_path_factory.mktemp(name), postgres=True)
    yield created
    await created.drop_databases()


@pytest_asyncio.fixture(scope="session")
async def server(stack: Stack) -> AsyncIterator[InProcessServer]:
    """One server per stack for the whole session; tests use their own threads and accounts."""
    running = await InProcessServer(await stack.fresh_settings()).start()
    yield running
    await running.stop()


@pytest_asyncio.fixture
async def make_server(stack: Stack) -> AsyncIterator[Callable[..., Awaitable[InProcessServer]]]:
    """A server of its own, on a fresh database, with settings overridden for one test."""
    started: list[InProcessServer] = []

    async def make(**overrides: Any) -> InProcessServer:
        running = await InProcessServer(await stack.fresh_settings(**overrides)).start()
        started.append(running)
        return running

    yield make
    for running in started:
        await running.stop()


@pytest_asyncio.fixture
async def clients() -> AsyncIterator[list[Http]]:
    opened: list[Http] = []
    yield opened
    for client in opened:
        await client.aclose()


@pytest_asyncio.fixture
async def company(server: InProcessServer, clients: list[Http]) -> Http:
    clients.append(client := await server.user("company"))
    return client


@pytest_asyncio.fixture
async def agency(server: InProcessServer, clients: list[Http]) -> Http:
    clients.append(client := await server.user("agency"))
    return client


@pytest_asyncio.fixture
async def staff(server: InProcessServer, clients: list[Http]) -> Http:
    clients.append(client := await server.user("staff", ("moderator", "admin")))
    return client


@pytest_asyncio.fixture
async def anonymous(server: InProcessServer, clients: list[Http]) -> Http:
    clients.append(client := Http(server.base_url))
    return client


@pytest_asyncio.fixture
async def sink(tmp_path: Path) -> AsyncIterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) in its own process, not yet started: `await sink.start()`."""
    running = SmtpSink(tmp_path / "mail")
    yield running
    running.kill()
