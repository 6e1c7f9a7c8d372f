"""Reclaim the space an erasure freed, so the erased text is in no file the database keeps.

An UPDATE or DELETE leaves the old bytes behind: SQLite in the WAL (until a checkpoint) and in
free space inside pages, PostgreSQL in dead tuples (plain `VACUUM` marks them free and does not
clear them). What this module does after an erasure has committed:

- SQLite: every connection runs with `secure_delete=ON` (database.py), so freed cells and pages
  are zeroed when they are written. The FTS5 index keeps deleted documents' terms in its older
  segments until they merge (SQLite 3.40, Debian 12's, has no FTS5 `secure-delete` option), so the
  index is optimised into one segment, the old segments' pages freed and zeroed. Then the WAL is
  checkpointed and truncated: the page images it held, the text's among them, are gone.
- PostgreSQL: `VACUUM FULL` of each touched table writes it (and its TOAST table and indexes)
  anew and unlinks the old files. It takes an ACCESS EXCLUSIVE lock: while it runs, every read
  and write of that table waits (the event log's included: every write of the site). The lock is
  asked for with `lock_timeout`, so a long transaction elsewhere makes it give up instead of
  queueing every request behind it; what was not reclaimed is said in the answer and the log, and
  `tong erasure reclaim` does it later (`docs/staff-api.md` has the figures measured).

What this cannot reach: PostgreSQL's WAL segments (recycled after checkpoints) and WAL archives,
the file system's own free blocks, backups already written, and copies outside Tong (README).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from server.store.database import Database
from server.store.models import SEARCH_FTS_TABLE

log = logging.getLogger("tong.reclaim")

# The tables whose rows may hold a post's text (erasure.py scrubs each of them).
TEXT_TABLES = ("thread", "comment", "revision", "event", "notice", "search_document", "held_comment")
# A checkpoint cannot truncate the WAL while a reader still uses an older snapshot of it (the
# sealer's, a page being read): such readers end within milliseconds, so a few tries suffice;
# after them the erasure says the WAL was not truncated rather than waiting without end.
CHECKPOINT_TRIES = 50
CHECKPOINT_PAUSE_S = 0.05
# How long VACUUM FULL waits for its lock before giving up (it blocks the table meanwhile).
LOCK_TIMEOUT_MS = 5_000


@dataclass
class Reclaimed:
    """What was done, and how long each part held its lock (milliseconds)."""

    complete: bool = True
    timings_ms: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def shown(self) -> dict[str, object]:
        return {
            "complete": self.complete,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "problems": self.problems,
        }


async def reclaim(db: Database, tables: Sequence[str] = TEXT_TABLES) -> Reclaimed:
    """Make the space freed in `tables` unreadable. Never raises: what could not be done (a lock
    not had in time, a database error) is in the answer, for `tong erasure reclaim` to finish."""
    try:
        if db.dialect == "sqlite":
            return await _sqlite(db)
        return await _postgres(db, tables)
    except Exception as exc:
        log.exception("erasure: reclaiming the freed space failed")
        return Reclaimed(complete=False, problems=[f"{exc.__class__.__name__}: {exc}"[:300]])


async def _sqlite(db: Database) -> Reclaimed:
    done = Reclaimed()
    started = time.perf_counter()
    async with db.transaction() as s:
        await s.execute(text(f"INSERT INTO {SEARCH_FTS_TABLE}({SEARCH_FTS_TABLE}) VALUES ('optimize')"))
    done.timings_ms["fts_optimize"] = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    for _ in range(CHECKPOINT_TRIES):
        # Through the writer's connection (this process's writes wait meanwhile), on the driver's
        # connection itself: SQLAlchemy's would BEGIN first, and no checkpoint runs in a transaction.
        async with db.write_engine.connect() as conn:
            raw = await conn.get_raw_connection()
            cursor = await raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
            busy = (await cursor.fetchone())[0]
            await cursor.close()
        if not busy:
            break
        await asyncio.sleep(CHECKPOINT_PAUSE_S)
    else:
        done.complete = False
        done.problems.append("the WAL could not be truncated: a reader kept an old snapshot")
        log.warning("erasure: the WAL was not truncated after %d tries", CHECKPOINT_TRIES)
    done.timings_ms["wal_checkpoint"] = (time.perf_counter() - started) * 1000
    return done


async def _postgres(db: Database, tables: Sequence[str]) -> Reclaimed:
    done = Reclaimed()
    async with db.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        started = time.perf_counter()
        if not await _older_snapshots_ended(conn):
            done.complete = False
            done.problems.append("an older transaction stayed open: its snapshot keeps the old rows")
        done.timings_ms["wait_for_older_transactions"] = (time.perf_counter() - started) * 1000
        await conn.execute(text(f"SET lock_timeout = {LOCK_TIMEOUT_MS}"))
        for table in tables:
            started = time.perf_counter()
            try:
                # Table names come from TEXT_TABLES, never from a request.
                await conn.execute(text(f'VACUUM (FULL, ANALYZE) "{table}"'))
            except Exception as exc:  # a lock timeout: the table stays as it was
                done.complete = False
                done.problems.append(f"{table}: {exc.__class__.__name__}")
                log.warning("erasure: VACUUM FULL %s did not run: %s", table, exc)
            done.timings_ms[table] = (time.perf_counter() - started) * 1000
        await conn.execute(text("RESET lock_timeout"))
    return done


# VACUUM FULL keeps a deleted row version that some snapshot may still see ("recently dead"),
# copying the erased text into the table's new files. Such a snapshot is any transaction of this
# database whose xmin is older than the erasure, and also any transaction of the whole cluster
# still running that began before it (every new snapshot's xmin, VACUUM's own included, stays
# below a running xid, whichever database it writes). On a shared test cluster both happened: an
# autovacuum ANALYZE after a restore's bulk load, and other databases' long writes (the text stayed
# in the new files in one run of tests/test_erasure.py out of three). So the reclaim first takes a
# transaction id of its own (`mark`, newer than the erasure) and waits until no transaction older
# than it runs anywhere and no snapshot of this database is older than it. A session idle in a
# transaction for longer than OLDER_WAIT_S is reported instead of waited for.
MARK = text("SELECT pg_current_xact_id()::text::bigint")
OLDER_SNAPSHOTS = text(
    "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint < :mark OR EXISTS ("
    "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND backend_xmin IS NOT NULL AND age(backend_xmin) > age((:mark % 4294967296)::text::xid))"
)
OLDER_WAIT_S = 30.0


async def _older_snapshots_ended(conn: Any) -> bool:
    """Wait (at most OLDER_WAIT_S) until no snapshot that could see the erased rows remains.
    Sessions of other roles are seen only with pg_read_all_stats (README, "Erasure")."""
    mark = (await conn.execute(MARK)).scalar_one()
    deadline = time.monotonic() + OLDER_WAIT_S
    while (await conn.execute(OLDER_SNAPSHOTS, {"mark": mark})).scalar_one():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(CHECKPOINT_PAUSE_S)
    return True
