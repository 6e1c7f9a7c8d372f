"""PostgreSQL behind PgBouncer in transaction pooling mode: the live core across two processes, the
sealer's transaction-level lock, and why asyncpg must be told (`?pgbouncer=true`)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.support.live_core import live_core
from tests.support.pgbouncer import PgBouncer, missing_binary
from tests.support.processes import two_servers
from tests.support.servers import IN_CI, TEST_ENV, Stack, services_available


@pytest_asyncio.fixture(scope="module")
async def pg(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    missing = await services_available() or missing_binary()
    if missing is not None:
        if IN_CI:
            pytest.fail(f"CI needs PostgreSQL, Redis and PgBouncer: {missing}")
        pytest.skip(missing)
    stack = Stack("postgres", tmp_path_factory.mktemp("pgbouncer"), postgres=True)
    yield stack
    await stack.drop_databases()


@pytest_asyncio.fixture
async def bouncer() -> AsyncIterator[PgBouncer]:
    bouncer = PgBouncer(pool_size=4)
    await bouncer.start()
    yield bouncer
    bouncer.stop()


async def audit(url: str, command: str) -> subprocess.CompletedProcess[bytes]:
    env = {**TEST_ENV, "DATABASE_URL": url, "PATH": ""}
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "server", "audit", command], env=env, capture_output=True
    )


async def test_live_core_through_pgbouncer(pg: Stack, bouncer: PgBouncer) -> None:
    """Two processes whose pooled connections share 4 PostgreSQL connections through PgBouncer:
    fan-out, 100 concurrent posts gap-free and delivered once in order, watchers counted; their
    sealers and two more at once seal the log into one valid chain."""
    url = bouncer.through((await pg.fresh_settings()).database_url)
    async with two_servers(pg, database_url=url) as (a, b):
        await live_core(a, b)
        sealers = await asyncio.gather(audit(url, "seal"), audit(url, "seal"))
    assert all(s.returncode == 0 for s in sealers), [s.stderr.decode() for s in sealers]
    # The sealer waits for every write transaction of the PostgreSQL server (other tests' too):
    # seal again until nothing is left.
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        verdict = await audit(url, "verify")
        assert verdict.returncode == 0, verdict.stdout.decode() + verdict.stderr.decode()
        if "; 0 newer rows not sealed yet" in verdict.stdout.decode():
            break
        assert asyncio.get_running_loop().time() < deadline, verdict.stdout.decode()
        assert (await audit(url, "seal")).returncode == 0


# One process's worth of work: asyncpg numbers its prepared statements per process, so two
# processes pick the same names, and PgBouncer may hand them the same server connection.
ONE_PROCESS = """
import asyncio, sys
from sqlalchemy import text
from server.store.database import Database

async def main():
    db = Database(sys.argv[1], pool_size=1)
    try:
        for _ in range(3):
            async with db.read() as s:
                assert (await s.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await db.dispose()

asyncio.run(main())
"""


async def test_asyncpg_needs_to_know(pg: Stack) -> None:
    """Without `?pgbouncer=true`, a second process's numbered prepared statements collide with
    the first one's on the server connection they share; with it, the same work succeeds."""
    bouncer = PgBouncer(pool_size=1)
    await bouncer.start()
    try:
        url = bouncer.through((await pg.fresh_settings()).database_url)

        def run(url: str) -> subprocess.CompletedProcess[bytes]:
            return subprocess.run([sys.executable, "-c", ONE_PROCESS, url], capture_output=True, check=False)

        plain = url.removesuffix("?pgbouncer=true")
        first, second = [await asyncio.to_thread(run, plain) for _ in range(2)]
        assert first.returncode == 0, first.stderr.decode()
        assert second.returncode != 0 and b"prepared statement" in second.stderr, second.stderr.decode()
        for _ in range(2):
            told = await asyncio.to_thread(run, url)
            assert told.returncode == 0, told.stderr.decode()
    finally:
        bouncer.stop()


def test_pgbouncer_parameter_is_read_and_removed() -> None:
    """`?pgbouncer=true` switches the mode on and never reaches asyncpg; other values are refused."""
    from server.store.database import _pgbouncer_mode

    assert _pgbouncer_mode("postgresql+asyncpg://u:p@h:6432/tong?pgbouncer=true") == (
        "postgresql+asyncpg://u:p@h:6432/tong",
        True,
    )
    assert _pgbouncer_mode("postgresql+asyncpg://h/tong?ssl=require&pgbouncer=0") == (
        "postgresql+asyncpg://h/tong?ssl=require",
        False,
    )
    assert _pgbouncer_mode("postgresql+asyncpg://h/tong") == ("postgresql+asyncpg://h/tong", False)
    with pytest.raises(ValueError, match="pgbouncer=true"):
        _pgbouncer_mode("postgresql+asyncpg://h/tong?pgbouncer=maybe")
