"""The epoch: an id of the database's history that resumes are checked against (PROTOCOL v1.1).

A client's `since` means something only in the history it was read from. The epoch is kept in
the database (`history` table), so a fresh database gets a new one; but a restored dump brings
its old epoch back with it. So the deployment remembers, outside the database (a Redis key when
there is Redis, else a file in the data directory), the highest event-log id it has served under
each epoch; when the log ends before that mark, the database went back in time and the epoch
rotates. Every process's watch then finds the new epoch, and its hub tells each watcher `resync`.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.runtime.periodic import Periodic
from server.store.database import Database
from server.store.models import Event, History, utcnow

log = logging.getLogger("tong.epoch")


class ServedMark(Protocol):
    """Where the deployment remembers, per epoch, the highest log id it has served."""

    async def read(self, epoch: str) -> int:
        """The mark of `epoch` (0 when there is none)."""

    async def raise_to(self, epoch: str, served: int) -> int:
        """Remember `served` if it is higher than the mark; returns the mark."""

    async def close(self) -> None: ...


class FileMark:
    """The mark in a small JSON file beside (not inside) the database: one process, no Redis."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _marks(self) -> dict[str, int]:
        try:
            marks = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return marks if isinstance(marks, dict) else {}

    async def read(self, epoch: str) -> int:
        return int(self._marks().get(epoch, 0))

    async def raise_to(self, epoch: str, served: int) -> int:
        marks = self._marks()
        mark = max(int(marks.get(epoch, 0)), served)
        if mark != marks.get(epoch):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps({epoch: mark}))
            temporary.replace(self.path)
        return mark

    async def close(self) -> None:
        return None


# Raise the key to ARGV[1] if it is lower; return the key's value (one round trip, atomic).
RAISE_SCRIPT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local offered = tonumber(ARGV[1])
if offered > current then
  redis.call('SET', KEYS[1], ARGV[1])
  return offered
end
return current
"""


class RedisMark:
    """The mark in Redis, shared by every process of the deployment."""

    def __init__(self, url: str, prefix: str) -> None:
        from redis.asyncio import Redis

        self.client = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix

    def _key(self, epoch: str) -> str:
        return f"{self.prefix}served:{epoch}"

    async def read(self, epoch: str) -> int:
        return int(await self.client.get(self._key(epoch)) or 0)

    async def raise_to(self, epoch: str, served: int) -> int:
        return int(await self.client.eval(RAISE_SCRIPT, 1, self._key(epoch), served))  # type: ignore[misc]

    async def close(self) -> None:
        await self.client.aclose()


class Epochs:
    def __init__(self, db: Database, mark: ServedMark) -> None:
        self.db = db
        self.mark = mark
        self.current = ""

    def id(self) -> str:
        """The epoch as last read (the app reads it before it serves anything)."""
        return self.current

    async def watch(self) -> bool:
        """Read (or create) the epoch, rotating it if the database was restored; True when it
        changed since the last look (the hub then sends `resync` to its watchers).

        The mark is read before the log's end, never after: another process may write and raise
        the mark at any moment, and a mark read after the log's end could already cover rows
        committed since (seen once after a kill -9 under load: a false restore, `resync` for every
        watcher). Read in this order, every id the mark covers was committed before the log's end
        is read, so only a log that really went back ends below it. The log's end is read in a
        transaction of its own, begun after the mark was read (SQLite keeps a read transaction's
        snapshot from its first statement)."""
        epoch = await self._epoch()
        try:
            served = await self.mark.read(epoch)
        except Exception as exc:  # the mark's store is down: no rotation this time, try again later
            log.warning("cannot read the served mark (%s); the restore check waits", exc)
            served = None
        async with self.db.read() as s:
            last_id = int((await s.execute(select(func.max(Event.id)))).scalar() or 0)
        if served is None or served <= last_id:
            if served is not None:
                await self._raise(epoch, last_id)
        else:
            rotated = new_epoch()
            async with self.db.transaction() as s:
                # Conditional: when several processes notice at once, one rotation wins.
                await s.execute(
                    update(History)
                    .where(History.id == 1, History.epoch == epoch)  # type: ignore[arg-type]
                    .values(epoch=rotated, created_at=utcnow())
                )
                epoch = (await s.execute(select(History.epoch).where(History.id == 1))).scalar_one()
            log.warning(
                "the event log ends at %d but %d was served: a restored database; new epoch %s",
                last_id,
                served,
                epoch,
            )
            await self._raise(epoch, last_id)
        changed = bool(self.current) and epoch != self.current
        self.current = epoch
        return changed

    async def _raise(self, epoch: str, last_id: int) -> None:
        try:
            await self.mark.raise_to(epoch, last_id)
        except Exception as exc:  # the next look raises it
            log.warning("cannot raise the served mark (%s); the next look will", exc)

    async def _epoch(self) -> str:
        async with self.db.transaction() as s:
            row = (await s.execute(select(History.epoch).where(History.id == 1))).scalar()
            if row is None:
                # Processes starting together on a new database (`tong serve --workers 2`) all
                # find no row: one insert wins, the others read the winner's epoch.
                insert = postgresql.insert if self.db.dialect == "postgresql" else sqlite.insert
                await s.execute(
                    insert(History)
                    .values(id=1, epoch=new_epoch(), created_at=utcnow())
                    .on_conflict_do_nothing(index_elements=["id"])
                )
                row = (await s.execute(select(History.epoch).where(History.id == 1))).scalar_one()
        return str(row)


class HistoryWatch:
    """Each process looks for a restored database every `interval` seconds (two indexed reads and
    one Redis round trip); `on_change` (the hub's) hears when the epoch changed.

    The mark is raised by these looks, so it trails the log by up to one interval: a dump taken
    within the last interval before the restore, with nothing written since, goes unnoticed. A
    real restore uses an older dump, and any later write already raised the mark past it.
    """

    def __init__(self, epochs: Epochs, on_change: Callable[[], Awaitable[None]], interval: float) -> None:
        self.epochs = epochs
        self._on_change = on_change
        self.loop = Periodic("history-watch", self._step, interval)

    async def _step(self) -> None:
        if await self.epochs.watch():
            await self._on_change()


async def rotate(db: Database) -> str:
    """A new epoch, whatever the marks say: `tong restore` calls it once the dump is in, so no
    client resumes across the restore even when the deployment's mark was lost with it."""
    epoch = new_epoch()
    insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
    async with db.transaction() as s:
        await s.execute(
            insert(History)
            .values(id=1, epoch=epoch, created_at=utcnow())
            .on_conflict_do_update(index_elements=["id"], set_={"epoch": epoch, "created_at": utcnow()})
        )
    log.warning("new epoch %s after a restore", epoch)
    return epoch


def mark_for(redis_url: str, prefix: str, data_dir: Path) -> ServedMark:
    """Redis when the deployment has it (shared by its processes), else a file in the data directory."""
    if redis_url.startswith(("redis://", "rediss://", "unix://")):
        return RedisMark(redis_url, prefix)
    return FileMark(data_dir / "served-log-mark.json")


def new_epoch() -> str:
    return secrets.token_hex(8)
