"""Accounts and processes as an operator makes them: `tong accounts create`, logged-in clients,
two `tong serve` processes on one database and broker."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator

from tests.support.clients import PASSWORD, Http, unique
from tests.support.servers import ProcessServer, Stack


async def create_accounts(
    server: ProcessServer, kind: str, count: int, roles: tuple[str, ...] = ()
) -> list[str]:
    """Accounts made the way an operator makes them: `tong accounts create --count`."""
    prefix = unique(kind)
    options = [arg for role in roles for arg in ("--role", role)]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server",
        *("accounts", "create", prefix, "--kind", kind, *options),
        *("--count", str(count), "--password-stdin"),
        env=server.environment(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, err = await process.communicate(PASSWORD.encode() + b"\n")
    assert process.returncode == 0, err.decode()
    return [f"{prefix}-{n}" for n in range(1, count + 1)]


async def logged_in(server: ProcessServer, login: str) -> Http:
    client = Http(server.base_url)
    await client.login(login)
    return client


@contextlib.asynccontextmanager
async def two_servers(
    settings_source: Stack, env: dict[str, str] | None = None, **overrides: object
) -> AsyncIterator[tuple[ProcessServer, ProcessServer]]:
    """Two `tong serve` processes on one database and broker; `env` adds environment variables."""
    settings = await settings_source.fresh_settings(**overrides)
    first, second = ProcessServer(settings, env=env), ProcessServer(settings, env=env)
    try:
        await first.start()
        await second.start()
        yield first, second
    finally:
        await first.stop()
        await second.stop()
