"""`tong backup` and `tong restore`: consistent under live writes, refused while a server runs."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import sqlalchemy as sa

from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import Comment, History
from tests.support.clients import Http
from tests.support.servers import TEST_ENV, InProcessServer, Stack

ROOT = Path(__file__).resolve().parent.parent


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a `tong` command run by an operator of this server would have."""
    return {
        **os.environ,
        **TEST_ENV,
        "DATABASE_URL": settings.effective_database_url,
        "REDIS_URL": settings.redis_url,
        "TONG_REDIS_PREFIX": settings.redis_prefix,
        "TONG_DATA_DIR": str(settings.data_dir),
        **extra,
    }


async def tong(settings: Settings, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "server", *args],
        env=cli_env(settings, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


async def comment_ids(settings: Settings, thread_id: int) -> list[int]:
    db = Database(settings.effective_database_url, pool_size=1)
    try:
        async with db.read() as s:
            rows = await s.execute(
                sa.select(Comment.id).where(Comment.thread_id == thread_id).order_by(Comment.id)  # type: ignore[arg-type]
            )
            return list(rows.scalars())
    finally:
        await db.dispose()


async def epoch_of(settings: Settings) -> str:
    db = Database(settings.effective_database_url, pool_size=1)
    try:
        async with db.read() as s:
            return str((await s.execute(sa.select(History.epoch))).scalar_one())
    finally:
        await db.dispose()


class Writer:
    """Posts comments one after another and remembers those the server acknowledged (201)."""

    def __init__(self, client: Http, thread_id: int) -> None:
        self.client = client
        self.thread_id = thread_id
        self.acknowledged: list[int] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        n = 0
        while True:
            n += 1
            self.acknowledged.append((await self.client.comment(self.thread_id, f"백업 중 댓글 {n}"))["id"])

    async def until(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.acknowledged) < count:
            assert self._task is not None and not self._task.done(), "the writer stopped"
            assert time.monotonic() < deadline, "the writer is too slow"
            await asyncio.sleep(0.02)

    async def stop(self) -> list[int]:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        return self.acknowledged


async def test_backup_under_writes_restores_every_acknowledged_write(
    stack: Stack,
    make_server,
    clients: list[Http],
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """A backup taken while comments are posted holds every write acknowledged before it began and
    an unbroken prefix of the rest; restored into a fresh database the chain verifies and the
    epoch is new."""
    server: InProcessServer = await make_server(seal_interval_s=0.2)
    client = await server.user()
    clients.append(client)
    thread = await client.thread()
    writer = Writer(client, thread["id"])
    writer.start()
    await writer.until(20)
    before = list(writer.acknowledged)
    archive = tmp_path / "backup.tar.gz"
    taken = await tong(server.settings, "backup", "--output", str(archive))
    assert taken.returncode == 0, taken.stderr
    assert taken.stdout.strip() == str(archive.resolve())
    await writer.until(len(writer.acknowledged) + 5)  # writes went on after the backup too
    acknowledged = await writer.stop()
    with tarfile.open(archive) as opened:
        assert "manifest.json" in opened.getnames()

    target = await stack.fresh_settings()
    restored = await tong(target, "restore", str(archive))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "OK:" in restored.stdout and "new epoch" in restored.stdout

    found = await comment_ids(target, thread["id"])
    assert set(before) <= set(found)
    assert found == acknowledged[: len(found)], "the backup is not one snapshot of the writes"
    verified = await tong(target, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert await epoch_of(target) != await epoch_of(server.settings)

    # The restored database serves, with the comments the backup held.
    restored_server = await InProcessServer(target).start()
    try:
        reader = Http(restored_server.base_url)
        clients.append(reader)
        listed = (await reader.get(f"/api/threads/{thread['id']}")).json()
        assert listed["id"] == thread["id"]
    finally:
        await restored_server.stop()


async def test_restore_refuses_while_a_server_runs(
    stack: Stack,
    make_server,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """`tong restore` names the running server and changes nothing; once it stopped, the restore runs."""
    source: InProcessServer = await make_server()
    archive = tmp_path / "backup.tar.gz"
    assert (await tong(source.settings, "backup", "--output", str(archive))).returncode == 0
    target = await stack.fresh_settings()
    running = await InProcessServer(target).start()
    epoch = await epoch_of(target)
    try:
        refused = await tong(target, "restore", str(archive))
    finally:
        await running.stop()
    assert refused.returncode == 2
    assert "a server is using this database" in refused.stderr and str(os.getpid()) in refused.stderr
    assert await epoch_of(target) == epoch
    # Its heartbeat left with it.
    done = await tong(target, "restore", str(archive))
    assert done.returncode == 0, done.stdout + done.stderr


async def test_backup_without_output_keeps_the_newest(stack: Stack, make_server) -> None:  # type: ignore[no-untyped-def]
    """Without --output the archive goes to the backup directory, which keeps TONG_BACKUP_KEEP archives."""
    server: InProcessServer = await make_server()
    directory = server.settings.data_dir / "backups"
    directory.mkdir(parents=True)
    oldest = directory / "tong-backup-20200101T000000Z.tar.gz"
    older = directory / "tong-backup-20200102T000000Z.tar.gz"
    for old in (oldest, older):
        old.write_bytes(b"")
    taken = await tong(server.settings, "backup", TONG_BACKUP_KEEP="2")
    assert taken.returncode == 0, taken.stderr
    written = Path(taken.stdout.strip())
    assert written.parent == directory.resolve() and written.name.startswith("tong-backup-")
    assert sorted(p.name for p in directory.iterdir()) == [older.name, written.name]
