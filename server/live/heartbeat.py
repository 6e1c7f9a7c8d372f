"""Running servers say so in the database: one `server_heartbeat` row per process, refreshed every
`interval` seconds and removed when the process stops. `tong restore` reads them and refuses to
replace a database a server is using (its pool, hub and sealer would go on with rows that no
longer exist)."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, inspect, select
from sqlalchemy.dialects import postgresql, sqlite

from server.runtime.periodic import Periodic
from server.store.database import Database
from server.store.models import ServerHeartbeat, utcnow

log = logging.getLogger("tong.heartbeat")

# A row not refreshed for this many intervals belongs to a process that was killed (or is stuck).
STALE_AFTER_INTERVALS = 3


class Heartbeat:
    def __init__(self, db: Database, interval: float) -> None:
        self.db = db
        self.interval = interval
        self.process = uuid.uuid4().hex
        self.started_at = utcnow()
        self.loop = Periodic("heartbeat", self.beat, interval)

    async def beat(self) -> None:
        now = utcnow()
        values = {
            "process": self.process,
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": self.started_at,
            "seen_at": now,
        }
        insert = postgresql.insert if self.db.dialect == "postgresql" else sqlite.insert
        async with self.db.transaction() as s:
            await s.execute(
                insert(ServerHeartbeat)
                .values(**values)
                .on_conflict_do_update(index_elements=["process"], set_={"seen_at": now})
            )

    async def start(self) -> None:
        """The first beat before anything is served, then one per interval."""
        await self.beat()
        self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()
        try:
            async with self.db.transaction() as s:
                await s.execute(delete(ServerHeartbeat).where(ServerHeartbeat.process == self.process))  # type: ignore[arg-type]
        except Exception as exc:  # the database is down: the row goes stale instead
            log.warning("could not remove this process's heartbeat (%r); it goes stale", exc)


@dataclass(frozen=True)
class Running:
    host: str
    pid: int
    seen_at: datetime


async def running_servers(db: Database, interval: float) -> list[Running]:
    """Processes whose heartbeat is fresh; none on a database without the table (new or older)."""
    async with db.read() as s:
        conn = await s.connection()
        present = await conn.run_sync(lambda sync: inspect(sync).has_table(ServerHeartbeat.__tablename__))
        if not present:
            return []
        since = utcnow() - timedelta(seconds=interval * STALE_AFTER_INTERVALS)
        rows = (
            await s.execute(
                select(ServerHeartbeat.host, ServerHeartbeat.pid, ServerHeartbeat.seen_at).where(  # type: ignore[call-overload]
                    ServerHeartbeat.seen_at > since  # type: ignore[arg-type]
                )
            )
        ).all()
    return [Running(host, pid, seen_at) for host, pid, seen_at in rows]


async def forget_all(db: Database) -> None:
    """A restored dump brings the heartbeats of the servers that ran when it was taken: drop them."""
    async with db.transaction() as s:
        await s.execute(delete(ServerHeartbeat))
