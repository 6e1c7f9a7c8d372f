"""The async engine and sessions: SQLite (aiosqlite) embedded, PostgreSQL (asyncpg) in production."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util import await_

# A writer waits this long for another process's write lock before SQLite gives up.
SQLITE_BUSY_TIMEOUT_MS = 10_000
# A process waiting to migrate SQLite waits this long for another process's migration to finish:
# copying a large table in batch mode takes minutes, and giving up halfway helps no one.
SQLITE_SCHEMA_WAIT_MS = 30 * 60 * 1000
# The PostgreSQL advisory lock that serialises schema changes: any fixed 64-bit number no other
# lock of Tong's uses ("Tong/sch" in ASCII).
SCHEMA_LOCK_KEY = 0x546F6E672F736368
# `postgresql+asyncpg://…?pgbouncer=true`: the server behind the URL is PgBouncer in transaction
# pooling mode, whose consecutive transactions may run on different PostgreSQL connections.
PGBOUNCER_PARAMETER = "pgbouncer"
# A new PostgreSQL connection that is not up within this long fails the request with 503 instead
# of holding it (asyncpg waits 60 s by default, e.g. for a host that drops packets).
CONNECT_TIMEOUT_S = 2.0


AFTER_COMMIT = "tong.after_commit"


class WaitCountingPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's queue pool, counting the checkouts that found every connection taken and had
    to wait for one to come back (an operator pages on these: requests queue behind the pool)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waits = 0
        self.wait_seconds = 0.0

    def capacity(self) -> int:
        return self.size() + max(self._max_overflow, 0)

    def _do_get(self) -> Any:
        if self.checkedout() < self.capacity():
            return super()._do_get()
        started = time.perf_counter()
        self.waits += 1
        try:
            return super()._do_get()
        finally:
            self.wait_seconds += time.perf_counter() - started

    def recreate(self) -> WaitCountingPool:
        # dispose() replaces the pool; the counts go on.
        fresh = super().recreate()
        assert isinstance(fresh, WaitCountingPool)
        fresh.waits, fresh.wait_seconds = self.waits, self.wait_seconds
        return fresh


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's write transaction has committed: for what a process may
    remember only about committed rows (a transaction can be shared by several changes, and what
    one of them wrote can still roll back with another's failure)."""
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


def is_unreachable(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be reached right now (down, restarting, its
    connections cut), as opposed to a bad statement or a conflict: the request gets 503."""
    if isinstance(exc, IntegrityError | DataError):
        return False
    if isinstance(exc, DBAPIError | PoolTimeout | OSError | TimeoutError):
        return True
    # asyncpg errors that escape SQLAlchemy's wrapping while connecting.
    module = type(exc).__module__
    return module.startswith("asyncpg") and type(exc).__name__ in {
        "CannotConnectNowError",
        "ConnectionDoesNotExistError",
        "InterfaceError",
        "ConnectionFailureError",
        "AdminShutdownError",
        "TooManyConnectionsError",
    }


class Database:
    """Two session factories: `read` for queries, `write` for transactions that change data.

    On SQLite every write transaction starts with BEGIN IMMEDIATE through a single pooled
    connection: writers queue in-process instead of failing with "database is locked" when a
    deferred transaction tries to upgrade its lock, and other processes wait on busy_timeout.
    PostgreSQL needs no such care: row locks order the writers.
    """

    def __init__(self, url: str, *, pool_size: int = 20, echo: bool = False) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        url, self.pgbouncer = _pgbouncer_mode(url)
        if self.dialect == "sqlite":
            _ensure_sqlite_dir(url)
            self.engine = _sqlite_engine(url, immediate=False, pool_size=4, echo=echo)
            self.write_engine = _sqlite_engine(url, immediate=True, pool_size=1, echo=echo)
        else:
            # No pre-ping: it costs a round trip on every checkout, i.e. on every request. After a
            # database restart the stale connections fail once (503), are discarded by the pool,
            # and the next request gets a fresh one.
            self.engine = create_async_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size,
                poolclass=WaitCountingPool,
                pool_recycle=1800,
                echo=echo,
                connect_args={
                    "timeout": CONNECT_TIMEOUT_S,
                    **(_pgbouncer_connect_args() if self.pgbouncer else {}),
                },
            )
            self.write_engine = self.engine
        self._read = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._write = async_sessionmaker(self.write_engine, class_=AsyncSession, expire_on_commit=False)

    def pools(self) -> dict[str, WaitCountingPool]:
        """The connection pools by role: `read` and `write` (SQLite's single writer), or `main`."""
        if self.write_engine is self.engine:
            found = {"main": self.engine.sync_engine.pool}
        else:
            found = {"read": self.engine.sync_engine.pool, "write": self.write_engine.sync_engine.pool}
        return {name: pool for name, pool in found.items() if isinstance(pool, WaitCountingPool)}

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write transaction: committed when the block ends, rolled back on an exception.
        Callables registered with `after_commit` run once it has committed (never on rollback)."""
        async with self._write() as session:
            async with session.begin():
                yield session
            for callback in session.info.pop(AFTER_COMMIT, ()):
                callback()

    @asynccontextmanager
    async def schema_transaction(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that holds the schema lock: one process at a time changes the schema, and
        the others, once they get the lock, find the work done. Committed when the block ends.

        PostgreSQL: a transaction-level advisory lock, released by COMMIT or ROLLBACK. It lives
        exactly as long as the transaction, which is also as long as a transaction-pooling PgBouncer
        keeps us on one server connection (a session-level lock would leak to other clients).
        SQLite: BEGIN IMMEDIATE takes the database's write lock at once; waiters queue on it.
        """
        if self.dialect != "sqlite":
            async with self.engine.begin() as conn:
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
                yield conn
            return
        # A connection of its own, with foreign keys off: batch mode rebuilds a table by copying it,
        # and dropping the old copy would trip (or cascade through) the keys that point at it.
        # SQLite's own procedure for schema changes; the check below runs them all at the end.
        engine = _sqlite_engine(
            self.url, immediate=True, pool_size=1, foreign_keys=False, busy_timeout_ms=SQLITE_SCHEMA_WAIT_MS
        )
        try:
            async with engine.begin() as conn:
                yield conn
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"the schema change breaks foreign keys: {broken[:5]}")
        finally:
            await engine.dispose()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()


# How long to wait between tries of switching a new file to WAL while another connection writes.
WAL_RETRY_S = 0.02


def _wal(cursor: Any, wait_s: float) -> None:
    """PRAGMA journal_mode=WAL, waiting up to `wait_s` for the lock it may need.

    A new file becomes WAL with its first write. Until that write commits, another connection
    (a second replica's upgrade starting beside the first one's BEGIN IMMEDIATE) finds a file
    still in rollback mode, and switching it needs the lock the writer holds: SQLite answers
    "database is locked" at once, without its busy handler. So wait here, off the event loop (the
    listener runs in SQLAlchemy's greenlet: `await_` yields to the loop while it sleeps)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:
            if "database is locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        await_(asyncio.sleep(WAL_RETRY_S))


def _pgbouncer_mode(url: str) -> tuple[str, bool]:
    """The URL without the `pgbouncer` parameter (asyncpg would refuse it), and its value."""
    parsed = make_url(url)
    value = parsed.query.get(PGBOUNCER_PARAMETER)
    if value is None:
        return url, False
    flag = value if isinstance(value, str) else value[-1]
    if flag.lower() not in ("true", "1", "yes", "false", "0", "no"):
        raise ValueError(f"DATABASE_URL: pgbouncer={flag!r}; use pgbouncer=true")
    stripped = parsed.difference_update_query([PGBOUNCER_PARAMETER])
    return stripped.render_as_string(hide_password=False), flag.lower() in ("true", "1", "yes")


def _pgbouncer_connect_args() -> dict[str, Any]:
    """asyncpg settings for PgBouncer's transaction pooling (1.18 keeps no prepared statements).

    SQLAlchemy runs every statement inside a transaction, so a statement is prepared and executed
    on the same server connection. What must not happen is reuse across transactions: asyncpg's
    statement cache and SQLAlchemy's are off, and each statement gets a name no other client can
    have taken, since a name prepared by one client lingers on a server connection another gets.
    """
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": lambda: f"__tong_{uuid.uuid4().hex}__",
    }


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_engine(
    url: str,
    *,
    immediate: bool,
    pool_size: int,
    echo: bool = False,
    foreign_keys: bool = True,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
) -> AsyncEngine:
    # Readers run in autocommit: each aiosqlite call is a hop to its thread, and a BEGIN plus a
    # ROLLBACK per read session cost two hops for nothing (reads cut at a seq, not at a snapshot).
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        poolclass=WaitCountingPool,
        pool_timeout=60,
        echo=echo,
        pool_reset_on_return="rollback" if immediate else None,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        _wal(cursor, busy_timeout_ms / 1000)
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        # WAL with synchronous=NORMAL is durable across application crashes; only an OS crash
        # can lose the last transactions, the trade SQLite documents for WAL mode.
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted and overwritten content is zeroed in its page (and freed pages wholly), so an
        # erased text (domain/erasure.py) leaves no bytes behind once the WAL is checkpointed.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    if immediate:

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
