"""`tong backup [--output FILE]` and `tong restore FILE`.

A backup is one `.tar.gz`: `manifest.json` (what and when), the database (`database.sqlite3`,
taken with SQLite's online backup API, or `database.pgdump`, `pg_dump -Fc`), and the data
directory's `attachments/` when there is one. Both are consistent while servers write: SQLite's
backup copies one read snapshot; pg_dump runs in one repeatable-read transaction.

A restore goes into the configured database and refuses while a server uses it (its heartbeat
row, live/heartbeat.py). Then, in this order: the dump replaces the database, the heartbeats the
dump brought are dropped, the schema is upgraded to this release, the erasure ledger is applied
again, the hash chain is verified (`tong audit verify`'s check), and the epoch rotates, so no
browser resumes across the restore.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import URL, make_url

from server.domain import erasure
from server.live import epoch, heartbeat
from server.ops import audit
from server.runtime.settings import Settings
from server.store import migrations
from server.store.database import Database
from server.store.erasures import Ledger
from server.store.models import Event

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PGDUMP_FILE = "database.pgdump"
ATTACHMENTS = "attachments"
ARCHIVE_PREFIX = "tong-backup-"
EXIT_OK, EXIT_BROKEN, EXIT_REFUSED = 0, 1, 2


class BackupError(Exception):
    """Said to the operator as is; nothing was changed."""


def libpq_environment(url: URL) -> dict[str, str]:
    """pg_dump's and pg_restore's connection, from DATABASE_URL's parts (the password never on a
    command line, where `ps` shows it)."""
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[name] = str(value)
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed (Debian: postgresql-client of the server's version)"
        )
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: one step under one read lock, so the copy is one snapshot even
    while other processes write (they wait at most for that step)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.execute("PRAGMA busy_timeout = 10000")
        dst.execute("PRAGMA busy_timeout = 10000")
        src.backup(dst)
    # sqlite3's context manager commits but does not close.
    src.close()
    dst.close()


async def _facts(db: Database) -> dict[str, object]:
    found = await migrations.state(db)
    async with db.read() as s:
        last = (await s.execute(select(func.max(Event.id)))).scalar()
    return {"schema": list(found.current), "last_event_id": last}


def default_output(settings: Settings, now: datetime) -> Path:
    return settings.effective_backup_dir / f"{ARCHIVE_PREFIX}{now:%Y%m%dT%H%M%SZ}.tar.gz"


def backup(settings: Settings, output: Path | None) -> Path:
    now = datetime.now(UTC)
    url = make_url(settings.effective_database_url)
    dialect = url.get_backend_name()
    target = output or default_output(settings, now)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tong-backup-") as scratch:
        work = Path(scratch)
        db = Database(settings.effective_database_url, pool_size=2)
        try:
            facts = asyncio.run(_facts(db))
        finally:
            asyncio.run(db.dispose())
        if dialect == "sqlite":
            source = _sqlite_path(url)
            if not source.exists():
                raise BackupError(f"no database at {source.resolve()}")
            dump = work / SQLITE_FILE
            _sqlite_copy(source, dump)
        else:
            dump = work / PGDUMP_FILE
            _run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump)], libpq_environment(url))
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "dialect": dialect,
            "database": dump.name,
            **facts,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2))
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / MANIFEST, MANIFEST)
            archive.add(dump, dump.name)
            attachments = settings.data_dir / ATTACHMENTS
            if attachments.is_dir():
                archive.add(attachments, ATTACHMENTS)
        # Renamed when whole: a timer's half-written archive never looks like a backup.
        partial.replace(target)
    if output is None:
        _prune(settings)
    return target


def _prune(settings: Settings) -> None:
    """Keep the newest `backup_keep` archives of the backup directory (the names sort by time)."""
    if settings.backup_keep <= 0:
        return
    archives = sorted(settings.effective_backup_dir.glob(f"{ARCHIVE_PREFIX}*.tar.gz"))
    for old in archives[: -settings.backup_keep]:
        old.unlink()


async def reapply_erasure_ledger(db: Database, settings: Settings) -> int:
    """Erase again what was erased after the backup was taken; how many erasures were applied.

    The ledger (`TONG_ERASURE_LEDGER_FILE`, store/erasures.py) lives outside the database and
    outside the backups, so a backup older than an erasure does not bring its text back. A ledger
    that cannot be read stops the restore before anything is verified or served (BackupError)."""
    try:
        entries = await asyncio.to_thread(Ledger(settings.erasure_ledger_path).entries)
    except (OSError, ValueError) as exc:
        raise BackupError(
            f"the erasure ledger cannot be read ({exc}); fix it and run the restore again: "
            "serving this database would show erased text"
        ) from None
    # The archive brought the erased posts' files back too: their rows go with the text, and the
    # files nothing names any more after that.
    from server.services import attachments_for

    files = attachments_for(settings, db)
    applied, reclaimed = await erasure.reapply(db, entries, files.erase_in)
    if applied:
        await files.drop_unreferenced_files()
    if reclaimed is not None:
        steps = ", ".join(f"{k} {v:.0f} ms" for k, v in reclaimed.timings_ms.items())
        print(f"erasure ledger: freed space reclaimed ({steps})")
        if not reclaimed.complete:
            problems = "; ".join(reclaimed.problems)
            print(f"erasure ledger: NOT reclaimed ({problems}): run `tong erasure reclaim`")
    return applied


async def _refuse_if_served(settings: Settings) -> None:
    db = Database(settings.effective_database_url, pool_size=2)
    try:
        running = await heartbeat.running_servers(db, settings.heartbeat_interval_s)
    except Exception as exc:
        if "does not exist" in str(exc):  # a PostgreSQL database that was never created
            raise BackupError(f"the database does not exist: create it first ({exc})") from None
        raise
    finally:
        await db.dispose()
    if running:
        who = ", ".join(f"{r.host} pid {r.pid} (seen {r.seen_at:%H:%M:%S} UTC)" for r in running)
        stale = heartbeat.STALE_AFTER_INTERVALS * settings.heartbeat_interval_s
        raise BackupError(
            f"a server is using this database: {who}. Stop every `tong serve` first; a killed "
            f"server's heartbeat goes stale after {stale:g} s"
        )


async def _after_restore(settings: Settings) -> tuple[int, str]:
    db = Database(settings.effective_database_url, pool_size=2)
    try:
        await heartbeat.forget_all(db)
        found = await migrations.upgrade(db, audit_key=settings.resolved_audit_key())
        print(f"schema: {found.describe()}", flush=True)
        erased = await reapply_erasure_ledger(db, settings)
        print(f"erasure ledger: {erased} erasures applied again", flush=True)
        verdict = await audit.check(db, settings)
        status = audit.report(verdict)
        new = await epoch.rotate(db)
    finally:
        await db.dispose()
    return status, new


def restore(settings: Settings, archive_path: Path) -> int:
    if not archive_path.is_file():
        raise BackupError(f"no backup at {archive_path}")
    url = make_url(settings.effective_database_url)
    dialect = url.get_backend_name()
    with tempfile.TemporaryDirectory(prefix="tong-restore-") as scratch:
        work = Path(scratch)
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(work, filter="data")
        manifest = json.loads((work / MANIFEST).read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        if manifest["dialect"] != dialect:
            raise BackupError(
                f"this is a {manifest['dialect']} backup; DATABASE_URL is {dialect}: "
                "restore into the same kind"
            )
        asyncio.run(_refuse_if_served(settings))
        dump = work / str(manifest["database"])
        if dialect == "sqlite":
            target = _sqlite_path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            _sqlite_copy(dump, target)
        else:
            # --clean --if-exists: the restored tables replace the ones there (none in a new database).
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "-d",
                    url.database or "",
                    str(dump),
                ],
                libpq_environment(url),
            )
        attachments = work / ATTACHMENTS
        if attachments.is_dir():
            destination = settings.data_dir / ATTACHMENTS
            if destination.exists():
                shutil.rmtree(destination)
            shutil.copytree(attachments, destination)
    print(f"restored {archive_path} (taken {manifest['created_at']}, last event {manifest['last_event_id']})")
    status, new = asyncio.run(_after_restore(settings))
    print(f"new epoch {new}: browsers reload instead of resuming across the restore")
    return status


def cmd_backup(args: argparse.Namespace) -> int:
    from server.ops.cli import _settings

    try:
        written = backup(_settings(), Path(args.output) if args.output else None)
    except BackupError as exc:
        print(f"tong backup: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(written.resolve())
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from server.ops.cli import _settings

    try:
        return restore(_settings(), Path(args.file))
    except BackupError as exc:
        print(f"tong restore: {exc}", file=sys.stderr)
        return EXIT_REFUSED


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    taking = commands.add_parser("backup", help="write the database (and attachments) into one archive")
    taking.add_argument(
        "--output", help="the archive to write (default: TONG_BACKUP_DIR/tong-backup-<UTC time>.tar.gz)"
    )
    taking.set_defaults(func=cmd_backup)
    restoring = commands.add_parser(
        "restore", help="restore an archive into DATABASE_URL (servers stopped): verify, new epoch"
    )
    restoring.add_argument("file")
    restoring.set_defaults(func=cmd_restore)
