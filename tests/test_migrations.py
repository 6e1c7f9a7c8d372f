"""Schema migrations: models and revisions agree, the lock serialises upgrades, and `tong serve`
refuses a database behind the code unless asked to upgrade it."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlmodel import SQLModel

from server.events.sealing import verify
from server.store import migrations
from server.store.database import SCHEMA_LOCK_KEY, Database
from server.store.models import is_search_index_object
from tests.support.clients import Http
from tests.support.servers import IN_CI, InProcessServer, ProcessServer, Stack


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
    # Besides the models' tables: the search index's FTS5 table and its shadow tables on SQLite.
    tables = {t for t in await _tables(database) if not is_search_index_object(t, "table")}
    assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}


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


async def test_upgrades_of_two_databases_in_one_process(stack: Stack) -> None:
    """Two databases upgraded at once by one event loop (tests, `tong` tools holding two engines)
    both reach head: Alembic's process-global context is taken in turns, not interleaved."""
    urls = [(await stack.fresh_settings()).effective_database_url for _ in range(2)]
    engines = [Database(url, pool_size=2) for url in urls]
    try:
        results = await asyncio.wait_for(asyncio.gather(*(migrations.upgrade(db) for db in engines)), 60)
        assert all(r.up_to_date for r in results)
        for db in engines:
            assert await migrations.differences(db) == []
    finally:
        for db in engines:
            await db.dispose()


async def test_a_new_sqlite_file_being_written_is_waited_for(tmp_path: Path) -> None:
    """While another connection's first write to a new file is in flight (a replica's upgrade),
    connecting waits for it instead of failing at once with "database is locked" (switching a
    file still in rollback mode to WAL needs that writer's lock, and SQLite does not wait for it)."""
    import sqlite3

    path = tmp_path / "new.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("CREATE TABLE first_write (id INTEGER)")
    db = Database(f"sqlite+aiosqlite:///{path}", pool_size=1)
    try:
        connecting = asyncio.create_task(db.ping())
        # The connection is made and waits (the writer still holds the lock) before the commit.
        done, _ = await asyncio.wait({connecting}, timeout=0.3)
        assert not done, f"connected while the first write was open: {connecting}"
        writer.execute("COMMIT")
        await asyncio.wait_for(connecting, 10)
        assert await _tables(db) == {"first_write"}
    finally:
        writer.close()
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


ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "baseline_rows.json"
DEMO_PASSWORD = "tong-demo-2026"


def _fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())  # type: ignore[no-any-return]


def _fill(connection: sa.Connection, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Insert the fixture through the tables as the baseline made them (reflected, not the models)."""
    reflected = sa.MetaData()
    reflected.reflect(connection)
    for table in reflected.sorted_tables:
        rows = tables.get(table.name, [])
        if not rows:
            continue
        stamps = {c.name for c in table.columns if isinstance(c.type, sa.DateTime)}
        connection.execute(
            table.insert(),
            [{k: datetime.fromisoformat(v) if k in stamps and v else v for k, v in r.items()} for r in rows],
        )
        if connection.dialect.name == "postgresql" and "id" in table.columns:
            # As in a database that made these rows itself: the key sequences are past them.
            connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), max(id)) FROM {table.name}"
                )
            )


def _rows(connection: sa.Connection, names: list[str]) -> dict[str, list[dict[str, Any]]]:
    found = {}
    for name in names:
        table = SQLModel.metadata.tables[name]
        rows = connection.execute(sa.select(table).order_by(*table.primary_key.columns)).mappings()
        found[name] = [
            {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()} for row in rows
        ]
    return found


async def test_baseline_rows_survive_the_upgrade_and_are_served(stack: Stack, database: Database) -> None:
    """A database at the baseline, filled with the frozen fixture (every table), upgraded to head by
    `tong db upgrade`, still holds every row unchanged, its event chain verifies, and `tong serve`
    serves it: a fixture account logs in, sees the fixture's threads and comments, and can post."""
    fixture = _fixture()
    assert fixture["revision"] == migrations.BASELINE
    tables: dict[str, list[dict[str, Any]]] = fixture["tables"]
    # Every table of the baseline; tables later revisions add (history, 0002) are not in it.
    assert set(tables) <= set(SQLModel.metadata.tables) and all(tables.values())
    await migrations.upgrade(database, migrations.BASELINE)
    async with database.schema_transaction() as conn:
        await conn.run_sync(_fill, tables)

    settings = await stack.fresh_settings(database_url=database.url)
    env = ProcessServer(settings).environment()
    upgraded = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "server", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    assert (await migrations.state(database)).up_to_date

    async with database.engine.connect() as conn:
        after = await conn.run_sync(_rows, list(tables))
        categories = await conn.run_sync(_rows, ["category"])
    # Columns later revisions add are checked for what they derive; the baseline's are unchanged.
    category_ids = {row["name"]: row["id"] for row in categories["category"]}
    for row in after["thread"]:
        assert row.pop("category_id") == category_ids.get(row["category"]), row
    added = {"revision": 1, "edited_at": None, "withdrawn": False, "auto_follow": True}
    # 0012 verified the old chain and sealed the same rows again, in the same order, with the key.
    old_seals = tables.pop("event_seal")
    assert [(s["position"], s["event_id"]) for s in after.pop("event_seal")] == [
        (n, s["event_id"]) for n, s in enumerate(old_seals, 1)
    ]
    for name, rows in tables.items():
        # Columns later revisions add (0005: revision, edited_at, withdrawn) hold their defaults.
        extra = [{k: v for k, v in row.items() if k not in rows[0]} for row in after[name]]
        assert all(e[k] == v for e in extra for k, v in added.items() if k in e), name
        assert [{k: row[k] for k in rows[0]} for row in after[name]] == rows, name
    verdict = await verify(database, settings.resolved_audit_key())
    assert verdict.ok and verdict.checked == len(old_seals), verdict

    server = await ProcessServer(settings).start()
    client = Http(server.base_url)
    try:
        await client.login("company1", DEMO_PASSWORD)
        listed = (await client.get("/api/threads", params={"limit": 100})).json()["items"]
        assert {t["id"] for t in listed} == {t["id"] for t in tables["thread"]}
        thread = max(tables["thread"], key=lambda t: t["comment_count"])
        comments = (await client.get(f"/api/threads/{thread['id']}/comments", params={"limit": 200})).json()
        shown = {c["body"] for c in comments["items"] if c.get("body")}
        stored = {c["body"] for c in tables["comment"] if c["thread_id"] == thread["id"] and not c["hidden"]}
        assert stored and stored <= shown
        posted = await client.comment(thread["id"], "업그레이드 뒤에도 댓글을 달 수 있습니다")
        assert posted["seq"] == thread["seq"] + 1
    finally:
        await client.aclose()
        await server.stop()


async def test_schema_sql_is_the_migrated_postgresql_schema(stack: Stack, database: Database) -> None:
    """schema.sql is exactly what `tong db schema` prints (pg_dump, normalised) for a PostgreSQL
    database the migrations brought to head."""
    if not stack.postgres:
        pytest.skip("schema.sql is PostgreSQL's")
    if shutil.which("pg_dump") is None:
        if IN_CI:
            pytest.fail("CI needs pg_dump (postgresql-client)")
        pytest.skip("pg_dump is not installed")
    await migrations.upgrade(database)
    env = ProcessServer(await stack.fresh_settings(database_url=database.url)).environment()
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "server", "db", "schema"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "CREATE TABLE public.account (" in result.stdout
    assert (ROOT / "schema.sql").read_text() == result.stdout, (
        "schema.sql is stale: on a scratch PostgreSQL, tong db upgrade; tong db schema > schema.sql"
    )


async def test_a_broken_chain_is_not_sealed_again(database: Database) -> None:
    """Upgrading a database whose old seal chain is broken (a sealed row edited in SQL) stops
    before sealing it again in the new form: the upgrade fails saying so and changes nothing."""
    tables: dict[str, list[dict[str, Any]]] = _fixture()["tables"]
    await migrations.upgrade(database, migrations.BASELINE)
    forged = sa.text("UPDATE event SET type = 'forged' WHERE id = (SELECT min(event_id) FROM event_seal)")
    async with database.schema_transaction() as conn:
        await conn.run_sync(_fill, tables)
        await conn.execute(forged)
    with pytest.raises(Exception, match="seal chain is broken"):
        await migrations.upgrade(database, audit_key=b"an audit key of at least 32 characters")
    assert (await migrations.state(database)).current == (migrations.BASELINE,)
    async with database.engine.connect() as conn:
        seals = (
            await conn.execute(sa.text("SELECT event_id, chain_hash FROM event_seal ORDER BY event_id"))
        ).all()
    assert [tuple(row) for row in seals] == [(s["event_id"], s["chain_hash"]) for s in tables["event_seal"]]
