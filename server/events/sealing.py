"""The tamper-evident event log: a hash chain kept beside the log, never inside it.

Event rows are append-only and written by many transactions at once, so the chain is not
computed on the write path (that would need a global lock to order them). Instead a background
sealer appends one `event_seal` row per event, in id order, for rows older than a few seconds:
by then any transaction holding a lower id has committed, so none is skipped. One sealer runs at a
time across processes: on PostgreSQL it takes a transaction-level advisory lock and skips its turn
when another process holds it; SQLite has a single writer anyway.

    row_hash   = sha256 over the row's columns in a canonical form
    chain_hash = sha256(previous chain_hash + row_hash)

`verify` recomputes both and reports the first broken link.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text

from server.events import public
from server.runtime.periodic import Periodic
from server.store.database import Database
from server.store.models import Event, EventSeal, utcnow

log = logging.getLogger("tong.sealing")

GENESIS = "0" * 64
COLUMNS = ("id", "type", "thread_id", "seq", "actor_account_id", "payload", "created_at")
# Any fixed 64-bit number names the lock; this one spells "tongseal" in ASCII.
SEAL_LOCK_KEY = 0x746F6E677365616C - (1 << 63)
VERIFY_BATCH = 5_000


def _moment(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive values; they were written as UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(event: Event) -> dict[str, str]:
    """Each column as text that reads the same from SQLite and PostgreSQL (JSONB reorders keys)."""
    values: dict[str, Any] = {
        "id": event.id,
        "type": event.type,
        "thread_id": event.thread_id,
        "seq": event.seq,
        "actor_account_id": event.actor_account_id,
        "payload": event.payload,
        "created_at": _moment(event.created_at),
    }
    return {
        name: json.dumps(values[name], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        for name in COLUMNS
    }


def row_hash(columns: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in COLUMNS:
        digest.update(f"{name}={columns[name]}\x1f".encode())
    return digest.hexdigest()


def column_digests(columns: dict[str, str]) -> dict[str, str]:
    return {name: hashlib.sha256(value.encode()).hexdigest()[:16] for name, value in columns.items()}


def chain(previous: str, row: str) -> str:
    return hashlib.sha256((previous + row).encode()).hexdigest()


class Sealer:
    """Appends seals for committed rows; `run` is the background loop the app's lifespan owns."""

    def __init__(self, db: Database, delay_s: float, interval_s: float, batch: int) -> None:
        self.db = db
        self.delay = timedelta(seconds=delay_s)
        self.batch = batch
        self.loop = Periodic("event-sealer", self._seal_step, interval_s)

    async def _seal_step(self) -> float | None:
        # A full batch means more is waiting: go on at once instead of sleeping.
        return 0 if await self.seal_once() >= self.batch else None

    async def seal_once(self, *, now: datetime | None = None) -> int:
        """Seal the next batch of rows older than the delay; returns how many were sealed."""
        horizon = (now or utcnow()) - self.delay
        async with self.db.transaction() as s:
            if self.db.dialect == "postgresql":
                got = await s.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SEAL_LOCK_KEY})
                if not got.scalar():
                    return 0
            last = (
                await s.execute(
                    select(EventSeal.event_id, EventSeal.chain_hash)
                    .order_by(EventSeal.event_id.desc())  # type: ignore[union-attr]
                    .limit(1)
                )
            ).first()
            previous_id, previous_chain = (last[0], last[1]) if last else (None, GENESIS)
            stmt = select(Event).order_by(Event.id).limit(self.batch)  # type: ignore[arg-type]
            if previous_id is not None:
                stmt = stmt.where(Event.id > previous_id)  # type: ignore[operator]
            events = (await s.execute(stmt)).scalars().all()
            seals = []
            for event in events:
                created = (
                    event.created_at if event.created_at.tzinfo else event.created_at.replace(tzinfo=UTC)
                )
                # Stop at the first young row: later ids must wait for it, or it could be skipped.
                if created >= horizon:
                    break
                columns = canonical(event)
                digest = row_hash(columns)
                previous_chain = chain(previous_chain, digest)
                seals.append(
                    {
                        "event_id": event.id,
                        "prev_event_id": previous_id,
                        "row_hash": digest,
                        "chain_hash": previous_chain,
                        "digests": column_digests(columns),
                        "sealed_at": utcnow(),
                    }
                )
                previous_id = event.id
            if seals:
                await s.execute(insert(EventSeal), seals)
        return len(seals)

    async def seal_all(self, *, now: datetime | None = None) -> int:
        """Seal everything old enough now (the `tong audit seal` command, and tests)."""
        total = 0
        while True:
            sealed = await self.seal_once(now=now)
            total += sealed
            if sealed < self.batch:
                return total


@dataclass
class Verdict:
    checked: int = 0
    unsealed: int = 0
    head_id: int | None = None
    head_hash: str = GENESIS
    broken_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


async def _pairs(db: Database) -> AsyncIterator[tuple[EventSeal, Event | None]]:
    after: int | None = None
    while True:
        stmt = (
            select(EventSeal, Event)
            .outerjoin(Event, Event.id == EventSeal.event_id)  # type: ignore[arg-type]
            .order_by(EventSeal.event_id)  # type: ignore[arg-type]
            .limit(VERIFY_BATCH)
        )
        if after is not None:
            stmt = stmt.where(EventSeal.event_id > after)  # type: ignore[arg-type]
        async with db.read() as s:
            rows = (await s.execute(stmt)).all()
        for seal, event in rows:
            yield seal, event
        if len(rows) < VERIFY_BATCH:
            return
        after = rows[-1][0].event_id


async def verify(db: Database) -> Verdict:
    """Walk the chain in id order; stop at the first broken link and say what differs."""
    verdict = Verdict()
    async with db.read() as s:
        head = (await s.execute(select(func.max(EventSeal.event_id)))).scalar()
        # A row below the sealed head without a seal was inserted after sealing (or its seal removed).
        gap = None
        if head is not None:
            gap = (
                await s.execute(
                    select(func.min(Event.id))
                    .outerjoin(EventSeal, EventSeal.event_id == Event.id)  # type: ignore[arg-type]
                    .where(EventSeal.event_id.is_(None), Event.id < head)  # type: ignore[union-attr,operator]
                )
            ).scalar()
        verdict.unsealed = (
            await s.execute(select(func.count()).select_from(Event).where(Event.id > (head or 0)))  # type: ignore[operator]
        ).scalar_one()
    previous_id: int | None = None
    previous_chain = GENESIS
    async for seal, event in _pairs(db):
        if gap is not None and gap < seal.event_id:
            verdict.broken_id = gap
            verdict.problem = (
                f"event {gap} is not in the chain: it was inserted after rows with higher ids were "
                "sealed, or its seal was deleted"
            )
            return verdict
        problem = _check(seal, event, previous_id, previous_chain)
        if problem:
            verdict.broken_id = seal.event_id
            verdict.problem = problem
            return verdict
        verdict.checked += 1
        previous_id, previous_chain = seal.event_id, seal.chain_hash
        verdict.head_id, verdict.head_hash = previous_id, previous_chain
    return verdict


def _check(seal: EventSeal, event: Event | None, previous_id: int | None, previous_chain: str) -> str:
    if seal.prev_event_id != previous_id:
        return (
            f"the seal of event {seal.event_id} follows event {seal.prev_event_id}, but the chain's previous "
            f"sealed event is {previous_id}: a seal row was removed"
        )
    if event is None:
        return f"event {seal.event_id} was sealed but is missing from the event log: the row was deleted"
    columns = canonical(event)
    if row_hash(columns) != seal.row_hash:
        now = column_digests(columns)
        changed = [name for name in COLUMNS if now[name] != seal.digests.get(name)]
        what = ", ".join(changed) if changed else "its content"
        return f"event {seal.event_id} was changed after sealing: {what} differ(s) from the sealed row"
    if chain(previous_chain, seal.row_hash) != seal.chain_hash:
        return (
            f"the seal of event {seal.event_id} was altered: "
            "its chain hash does not follow from the previous one"
        )
    return ""


async def seal_status(db: Database) -> dict[str, Any]:
    """How far the chain reaches (cheap: two indexed look-ups), for the dashboard."""
    async with db.read() as s:
        head = (
            await s.execute(
                select(EventSeal.event_id, EventSeal.chain_hash, EventSeal.sealed_at)
                .order_by(EventSeal.event_id.desc())  # type: ignore[union-attr]
                .limit(1)
            )
        ).first()
        latest = (await s.execute(select(func.max(Event.id)))).scalar()
    return {
        "sealed_through": head[0] if head else None,
        "chain_hash": head[1] if head else None,
        "sealed_at": public.iso(head[2]) if head else None,
        "latest_event_id": latest,
    }
