"""Schema migrations: models and revisions agree, the lock serialises upgrades, and `tong serve`
refuses a database behind the code unless asked to upgrade it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlmodel import SQLModel

from server import migrations
from server.database import SCHEMA_LOCK_KEY, Database
from tests.clients import Http
from tests.servers import InProcessServer, ProcessServer, Stack


@pytest_asyncio.fixture
async def database(stack: Stack) -> AsyncIterator[Database]:
    """A fresh, empty database of the stack's kind."""
    db = Database((await stack.fresh_settings()).effective_database_url, pool_size=4)
    yield db
    await db.dispose()


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))


async def _version_rows(db: Database) -> list[str]:
    async with db.engine.connect() as conn:
        return list((await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalars())


def test_one_head() -> None:
    """The revisions form one line: two branches that each added a revision must renumber one."""
    assert len(migrations.head_revisions()) == 1, (
        f"several heads {migrations.head_revisions()}: point the newer revision's down_revision at the other"
    )


async def test_models_and_migrations_agree(database: Database) -> None:
    """A database upgraded to head has exactly the models' tables, columns, types, keys and indexes
    (Alembic's `check`: nothing left for autogenerate to write)."""
    await migrations.upgrade(database)
    assert await migrations.differences(database) == []
    assert await _tables(database) == set(SQLModel.metadata.tables) | {"alembic_version"}


async def test_concurrent_upgrades_run_once(stack: Stack) -> None:
    """Four engines upgrading one empty database at once all succeed; the schema is made once and
    the version table holds one row (without the lock they interleave and fail or hang)."""
    url = (await stack.fresh_settings()).effective_database_url
    engines = [Database(url, pool_size=2) for _ in range(4)]
    try:
        results = await asyncio.wait_for(asyncio.gather(*(migrations.upgrade(db) for db in engines)), 60)
        assert all(r.up_to_date for r in results)
        assert await _version_rows(engines[0]) == list(migrations.head_revisions())
        assert await migrations.differences(engines[0]) == []
    finally:
        for db in engines:
            await db.dispose()


async def test_replicas_wait_for_the_postgresql_lock(stack: Stack, database: Database) -> None:
    """Three `tong db upgrade` processes (replicas starting together) wait on the transaction-level
    advisory lock another transaction holds; once it ends they all succeed and one upgrades."""
    if not stack.postgres:
        pytest.skip("PostgreSQL's advisory lock (SQLite's write lock: the test above)")
    env = ProcessServer(await stack.fresh_settings(database_url=database.url)).environment()
    holder = Database(database.url, pool_size=1)
    try:
        async with holder.engine.connect() as conn:
            transaction = await conn.begin()
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            processes = [
                await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "server", "db", "upgrade", env=env, stderr=asyncio.subprocess.PIPE
                )
                for _ in range(3)
            ]
            waiting = sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            deadline = asyncio.get_running_loop().time() + 60
            while (await conn.execute(waiting)).scalar() < 3:
                assert all(p.returncode is None for p in processes), "an upgrade did not wait for the lock"
                assert asyncio.get_running_loop().time() < deadline, "the upgrades never queued on the lock"
                await asyncio.sleep(0.05)
            assert await _tables(database) == set()
            await transaction.rollback()
        for process in processes:
            _, stderr = await asyncio.wait_for(process.communicate(), 60)
            assert process.returncode == 0, stderr.decode()
        assert await _version_rows(database) == list(migrations.head_revisions())
    finally:
        await holder.dispose()


async def test_a_database_without_version_is_stamped_with_the_baseline(database: Database) -> None:
    """A database made by `create_all` before migrations existed (tables, no version) is recognised
    as the baseline on upgrade, its rows kept."""
    await migrations.upgrade(database, migrations.BASELINE)
    async with database.transaction() as session:
        await session.execute(
            sa.text(
                "INSERT INTO account (login, password_hash, kind, roles, disabled, created_at) "
                "VALUES ('kept', 'x', 'company', '', false, CURRENT_TIMESTAMP)"
            )
        )
        await session.execute(sa.text("DROP TABLE alembic_version"))
    found = await migrations.state(database)
    assert found.current == () and found.has_tables and not found.up_to_date
    assert (await migrations.upgrade(database)).up_to_date
    async with database.read() as session:
        assert (await session.execute(sa.text("SELECT login FROM account"))).scalars().all() == ["kept"]


async def test_serve_refuses_a_database_behind_the_code(stack: Stack, database: Database) -> None:
    """`tong serve` on a database behind head exits with the command to run; with
    TONG_MIGRATE_ON_START=true it upgrades the database and serves."""
    await migrations.upgrade(database, migrations.BASELINE)
    async with database.transaction() as session:
        await session.execute(sa.text("DROP TABLE alembic_version"))
    settings = await stack.fresh_settings(database_url=database.url)
    env = ProcessServer(settings).environment()
    refused = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "server", "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2, refused.stderr
    assert "tong db upgrade" in refused.stderr and "behind" in refused.stderr

    server = await InProcessServer(
        await stack.fresh_settings(database_url=database.url, migrate_on_start=True)
    ).start()
    try:
        assert (await migrations.state(database)).up_to_date
        client = Http(server.base_url)
        assert (await client.get("/readyz")).status_code == 200
        await client.aclose()
    finally:
        await server.stop()
