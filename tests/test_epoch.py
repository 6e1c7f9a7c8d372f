"""The epoch: resumes are checked against the database's history, and a restored dump starts a new one."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from server.live.epoch import Epochs, FileMark, ServedMark, mark_for
from server.store import migrations
from server.store.database import Database
from server.store.models import Event, utcnow
from tests.support.clients import Http, Socket
from tests.support.servers import IN_CI, InProcessServer, Stack, _asyncpg_dsn

# The history watch looks every 2 s; a loaded machine gets a few of its rounds.
RESYNC_WAIT_S = 15.0


async def test_subscribed_carries_the_epoch(server: InProcessServer, company: Http) -> None:
    """`subscribed` carries the epoch; the same epoch sent back resumes as in v1, another gets `resync`."""
    thread = await company.thread()
    await company.comment(thread["id"], "하나")
    await company.comment(thread["id"], "둘")
    socket = await Socket.open(server.ws_url)
    first = await socket.subscribe(f"thread:{thread['id']}")
    epoch = first["epoch"]
    assert isinstance(epoch, str) and epoch
    await socket.send({"op": "subscribe", "channel": f"thread:{thread['id']}", "since": 1, "epoch": epoch})
    assert (await socket.expect(lambda f: f["type"] == "subscribed"))["epoch"] == epoch
    (replayed,) = await socket.events(1)
    assert replayed["seq"] == 2
    await socket.send({"op": "subscribe", "channel": f"thread:{thread['id']}", "since": 1, "epoch": "other"})
    assert (await socket.expect(lambda f: f["type"] == "subscribed"))["epoch"] == epoch
    assert await socket.recv() == {"type": "resync", "channel": f"thread:{thread['id']}"}
    await socket.send({"op": "subscribe", "channel": "board", "epoch": 7})
    assert (await socket.expect(lambda f: f["type"] == "error"))["code"] == "bad_frame"
    await socket.close()


class Backup:
    """A dump of the server's database taken now, restored later under the running server."""

    def __init__(self, server: InProcessServer, directory: Path) -> None:
        self.url = make_url(server.settings.effective_database_url)
        self.path = directory / "dump"

    async def take(self) -> None:
        if self.url.get_backend_name() == "sqlite":
            _sqlite_copy(str(self.url.database), str(self.path))
        else:
            await _run("pg_dump", "-Fc", "-f", str(self.path), *self._pg_args())

    async def restore(self) -> None:
        if self.url.get_backend_name() == "sqlite":
            # The backup API writes the old pages into the live file under SQLite's own locks.
            _sqlite_copy(str(self.path), str(self.url.database))
            return
        import asyncpg

        conn = await asyncpg.connect(_asyncpg_dsn(self.url.render_as_string(hide_password=False)))
        try:
            rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        finally:
            await conn.close()
        tables = ", ".join(f'"{row["tablename"]}"' for row in rows)
        script = self.path.with_suffix(".sql")
        await _run("pg_restore", "--data-only", "--disable-triggers", "-f", str(script), str(self.path))
        # Emptied and refilled in one transaction: the running server sees the old rows, then the
        # dump's (the tables stay, so its prepared statements stay valid).
        await _run(
            "psql",
            "-X",
            "-q",
            "-1",
            "-v",
            "ON_ERROR_STOP=1",
            *self._pg_args(),
            "-c",
            f"TRUNCATE {tables} RESTART IDENTITY CASCADE",
            "-f",
            str(script),
        )

    def _pg_args(self) -> list[str]:
        url = self.url
        return [
            str(url.database),
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
        ]


def _sqlite_copy(source: str, target: str) -> None:
    src, dst = sqlite3.connect(source, timeout=10), sqlite3.connect(target, timeout=10)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


async def _run(*command: str) -> None:
    process = await asyncio.create_subprocess_exec(*command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, err = await process.communicate()
    assert process.returncode == 0, err.decode()


async def test_restored_dump_rotates_the_epoch_under_a_live_client(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http], tmp_path: Path
) -> None:
    """Restoring an older dump under a running server: the watching client gets `resync`, the
    epoch changes, and a resume with the old epoch gets `resync` instead of the restored history's
    events under seqs it already had."""
    server = await make_server(history_watch_interval=0.2)
    backup = Backup(server, tmp_path)
    if make_url(server.settings.effective_database_url).get_backend_name() != "sqlite" and not shutil.which(
        "pg_dump"
    ):
        if IN_CI:
            pytest.fail("CI needs pg_dump and pg_restore for the restore test")
        pytest.skip("pg_dump is not installed")
    clients.append(author := await server.user("company"))
    thread = await author.thread()
    channel = f"thread:{thread['id']}"
    for n in range(3):
        await author.comment(thread["id"], f"백업 전 {n}")
    await backup.take()
    watcher = await Socket.open(server.ws_url)
    old_epoch = (await watcher.subscribe(channel, since=0))["epoch"]
    for n in range(3):
        await author.comment(thread["id"], f"백업 뒤 {n}")
    assert [e["seq"] for e in await watcher.events(6)] == [1, 2, 3, 4, 5, 6]

    # The restore must come after the deployment's served mark covers what the watcher saw (it is
    # raised by the history watch, every `history_watch_interval`).
    epochs = server.services.epochs
    last_id = await server.services.reader.max_log_id()
    deadline = asyncio.get_running_loop().time() + RESYNC_WAIT_S
    while await epochs.mark.raise_to(epochs.id(), 0) < last_id:
        assert asyncio.get_running_loop().time() < deadline, "the served mark never caught up"
        await asyncio.sleep(0.05)
    await backup.restore()
    await watcher.expect(lambda f: f == {"type": "resync", "channel": channel}, timeout=RESYNC_WAIT_S)

    late = await Socket.open(server.ws_url)
    await late.send({"op": "subscribe", "channel": channel, "since": 2, "epoch": old_epoch})
    subscribed = await late.expect(lambda f: f["type"] == "subscribed")
    assert subscribed["epoch"] != old_epoch and subscribed["seq"] == 3
    assert await late.recv() == {"type": "resync", "channel": channel}
    rest = (await author.get(f"/api/threads/{thread['id']}")).json()
    assert rest["seq"] == 3
    # A client that reloaded resumes in the new history as usual, live events included.
    await late.send({"op": "subscribe", "channel": channel, "since": 2, "epoch": subscribed["epoch"]})
    await late.expect(lambda f: f["type"] == "subscribed")
    (replayed,) = await late.events(1)
    assert replayed["seq"] == 3 and replayed["data"]["comment"]["body"] == "백업 전 2"
    posted = await author.comment(thread["id"], "복원 뒤")
    (live,) = await late.events(1)
    assert live["seq"] == posted["seq"] == 4
    await watcher.close()
    await late.close()


async def test_processes_starting_together_share_one_epoch(stack: Stack, tmp_path: Path) -> None:
    """A process starting on a new database while another is creating the epoch (`tong serve
    --workers 2`) waits for it and serves the same epoch (its own insert used to fail its
    start-up with a duplicate key)."""
    if not stack.postgres:
        pytest.skip("SQLite's BEGIN IMMEDIATE runs the two start-ups one after the other")
    url = (await stack.fresh_settings()).effective_database_url
    first, second, probe = (Database(url, pool_size=2) for _ in range(3))
    try:
        await migrations.upgrade(first)
        epochs = Epochs(second, FileMark(tmp_path / "mark.json"))
        async with first.transaction() as s:
            await s.execute(sa.text("INSERT INTO history (id, epoch, created_at) VALUES (1, 'first', now())"))
            starting = asyncio.create_task(epochs.watch())
            waiting = sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted")
            deadline = asyncio.get_running_loop().time() + 30
            while True:
                async with probe.read() as p:
                    if (await p.execute(waiting)).scalar():
                        break
                assert not starting.done(), starting
                assert asyncio.get_running_loop().time() < deadline, "the second start-up never waited"
                await asyncio.sleep(0.02)
        await asyncio.wait_for(starting, 30)
        assert epochs.id() == "first"
    finally:
        for db in (first, second, probe):
            await db.dispose()


class RacingMark:
    """The deployment's real mark, with another process writing a row and raising the mark just
    before this process's first look at it: the race a restart under load once lost."""

    def __init__(self, inner: ServedMark, other: Callable[[], Awaitable[int]]) -> None:
        self.inner = inner
        self.other = other
        self.raced = False

    async def _race(self, epoch: str) -> None:
        if not self.raced:
            self.raced = True
            await self.inner.raise_to(epoch, await self.other())

    async def read(self, epoch: str) -> int:
        await self._race(epoch)
        return await self.inner.read(epoch)

    async def raise_to(self, epoch: str, served: int) -> int:
        await self._race(epoch)
        return await self.inner.raise_to(epoch, served)

    async def close(self) -> None:
        await self.inner.close()


async def test_a_mark_raised_during_the_check_is_not_a_restore(stack: Stack) -> None:
    """Another process committing a row and raising the served mark while this one checks (between
    its reads) does not rotate the epoch: the mark is read before the log's end."""
    settings = await stack.fresh_settings()
    db, other = (
        Database(settings.effective_database_url, pool_size=2),
        Database(settings.effective_database_url),
    )
    mark = mark_for(settings.redis_url, settings.redis_prefix, settings.data_dir)
    try:
        await migrations.upgrade(db)
        epochs = Epochs(db, mark)
        assert not await epochs.watch()
        epoch = epochs.id()

        async def write_elsewhere() -> int:
            async with other.transaction() as s:
                inserted = sa.insert(Event.__table__).values(  # type: ignore[attr-defined]
                    type="session.started", payload={}, created_at=utcnow()
                )
                return int((await s.execute(inserted.returning(Event.__table__.c.id))).scalar_one())  # type: ignore[attr-defined]

        racing = Epochs(db, RacingMark(mark, write_elsewhere))
        racing.current = epoch
        assert not await racing.watch(), "a mark raised by another process looked like a restore"
        assert racing.id() == epoch
        assert racing.mark.raced  # type: ignore[attr-defined]
    finally:
        await mark.close()
        await db.dispose()
        await other.dispose()
