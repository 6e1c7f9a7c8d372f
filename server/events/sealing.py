"""The tamper-evident event log: a keyed hash chain kept beside the log, never inside it.

Event rows are append-only and written by many transactions at once, so the chain is not
computed on the write path (that would need a global lock to order them). A background sealer
appends one `event_seal` row per event, in commit order, never past a row that could still
appear before it:

- SQLite has one writer at a time: a row is visible only once the transaction that wrote it has
  committed, and the next id is handed out after that, so id order is commit order.
- PostgreSQL hands ids out from a sequence to transactions running side by side: id 10 may
  commit seconds after id 11 (a 20,000-character proposal's analysis once held one for 15 s, and
  a sealer that waited a fixed delay sealed 11 and left 10 outside the chain for good). Every row
  records its transaction's id (`event.tx`, the column's default `pg_current_xact_id()`); the
  sealer reads its snapshot's xmin, the oldest transaction still running, and seals only rows
  whose transaction is older, ordered by (tx, id). Every such transaction has ended, so no row
  can later appear before them; a row still in flight waits, however long, and nothing is guessed.

One sealer runs at a time across processes: on PostgreSQL it takes a transaction-level advisory
lock and skips its turn when another process holds it.

The seal (keyed with `TONG_AUDIT_KEY`, which is not in the database):

    payload_hash = HMAC(key, the payload in canonical JSON)      kept in the seal row
    row_hash     = HMAC(key, every other column + payload_hash)
    chain_hash   = HMAC(key, previous chain_hash + row_hash)

An erasure replaces a payload by exactly {"erased": true}: its hash stays in the seal, so the
chain still verifies and the row counts as erased; any other change to a sealed row, a seal or
the order fails `verify`, and without the key nobody can compute seals that pass. The head is
also appended now and then to a checkpoint file the operator keeps outside the database: a chain
cut short or rewritten whole (by someone holding the key) no longer matches it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, insert, select, text

from server.events import public
from server.runtime.periodic import Periodic
from server.store.database import Database
from server.store.models import Event, EventSeal, utcnow

log = logging.getLogger("tong.sealing")

GENESIS = "0" * 64
# The columns a seal covers besides the payload, which it covers through its hash.
COLUMNS = ("id", "type", "thread_id", "seq", "actor_account_id", "created_at")
# What an erasure leaves of a payload (PROTOCOL v1.2, "Erasure").
ERASED = {"erased": True}
# Any fixed 64-bit number names the lock; this one spells "tongseal" in ASCII.
SEAL_LOCK_KEY = 0x746F6E677365616C - (1 << 63)
VERIFY_BATCH = 5_000
# Every running transaction is younger than this: the oldest one still running, as a number.
SNAPSHOT_XMIN = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


def _moment(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive values; they were written as UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(value: Any) -> str:
    """Text that reads the same from SQLite and PostgreSQL (JSONB reorders keys)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def canonical(event: Event) -> dict[str, str]:
    """Each sealed column (the payload apart) as canonical text."""
    values: dict[str, Any] = {
        "id": event.id,
        "type": event.type,
        "thread_id": event.thread_id,
        "seq": event.seq,
        "actor_account_id": event.actor_account_id,
        "created_at": _moment(event.created_at),
    }
    return {name: _json(values[name]) for name in COLUMNS}


def payload_hash(key: bytes, payload: dict[str, Any]) -> str:
    # Keyed: a plain hash of an erased comment would let anyone confirm a guess of its text.
    return _mac(key, "payload=" + _json(payload))


def row_hash(key: bytes, columns: dict[str, str], payload_digest: str) -> str:
    body = "".join(f"{name}={columns[name]}\x1f" for name in COLUMNS)
    return _mac(key, f"{body}payload_hash={payload_digest}\x1f")


def column_digests(key: bytes, columns: dict[str, str], payload_digest: str) -> dict[str, str]:
    digests = {name: _mac(key, f"{name}={value}")[:16] for name, value in columns.items()}
    digests["payload"] = payload_digest[:16]
    return digests


def chain(key: bytes, previous: str, row: str) -> str:
    return _mac(key, previous + row)


def is_erased(payload: Any) -> bool:
    return payload == ERASED


@dataclass(frozen=True)
class Checkpoint:
    position: int
    event_id: int
    chain_hash: str


class Checkpoints:
    """The chain's head, appended now and then to a file the operator keeps (JSON lines)."""

    def __init__(self, path: Path, interval_s: float) -> None:
        self.path = path
        self.interval_s = interval_s
        self._last: float | None = None

    def due(self) -> bool:
        return self._last is None or time.monotonic() - self._last >= self.interval_s

    def append(self, head: Checkpoint) -> None:
        line = {"at": public.iso(utcnow()), **head.__dict__}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One short line in append mode: writers of several processes do not interleave.
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, separators=(",", ":")) + "\n")
        self._last = time.monotonic()


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """The file's checkpoints (none when there is no file); ValueError names a line that is not one."""
    found: list[Checkpoint] = []
    if not path.exists():
        return found
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            found.append(Checkpoint(int(data["position"]), int(data["event_id"]), str(data["chain_hash"])))
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"{path}:{number} is not a checkpoint line") from None
    return found


class Sealer:
    """Appends seals for rows no open transaction can precede; `run` is the loop the app owns."""

    def __init__(
        self, db: Database, key: bytes, interval_s: float, batch: int, checkpoints: Checkpoints | None = None
    ) -> None:
        self.db = db
        self.key = key
        self.batch = batch
        self.checkpoints = checkpoints
        self.loop = Periodic("event-sealer", self._seal_step, interval_s)

    async def _seal_step(self) -> float | None:
        # A full batch means more is waiting: go on at once instead of sleeping.
        return 0 if await self.seal_once() >= self.batch else None

    async def seal_once(self) -> int:
        """Seal the next batch of rows whose place in commit order is final; returns how many."""
        head: Checkpoint | None = None
        async with self.db.transaction() as s:
            postgres = self.db.dialect == "postgresql"
            if postgres:
                got = await s.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SEAL_LOCK_KEY})
                if not got.scalar():
                    return 0
            last = (
                await s.execute(
                    select(EventSeal.position, EventSeal.event_id, EventSeal.chain_hash, Event.tx)
                    .outerjoin(Event, Event.id == EventSeal.event_id)  # type: ignore[arg-type]
                    .order_by(EventSeal.position.desc())  # type: ignore[attr-defined]
                    .limit(1)
                )
            ).first()
            position, previous_id, previous_chain = (
                (last[0], last[1], last[2]) if last else (0, None, GENESIS)
            )
            stmt = select(Event).limit(self.batch)
            if postgres:
                # Read after the lock: every transaction below xmin has ended, and its rows are
                # visible to the statements that follow.
                xmin = int((await s.execute(SNAPSHOT_XMIN)).scalar_one())
                sealed = exists().where(EventSeal.event_id == Event.id)
                stmt = stmt.where(Event.tx < xmin, ~sealed).order_by(Event.tx, Event.id)  # type: ignore[operator,arg-type]
                if last is not None and last[3] is not None:
                    stmt = stmt.where(Event.tx >= last[3])  # type: ignore[operator]
            else:
                stmt = stmt.order_by(Event.id)  # type: ignore[arg-type]
                if previous_id is not None:
                    stmt = stmt.where(Event.id > previous_id)  # type: ignore[operator]
            events = (await s.execute(stmt)).scalars().all()
            seals = []
            for event in events:
                columns = canonical(event)
                digest = payload_hash(self.key, event.payload)
                row = row_hash(self.key, columns, digest)
                previous_chain = chain(self.key, previous_chain, row)
                position += 1
                seals.append(
                    {
                        "event_id": event.id,
                        "position": position,
                        "prev_event_id": previous_id,
                        "payload_hash": digest,
                        "row_hash": row,
                        "chain_hash": previous_chain,
                        "digests": column_digests(self.key, columns, digest),
                        "sealed_at": utcnow(),
                    }
                )
                previous_id = event.id
            if seals:
                await s.execute(insert(EventSeal), seals)
                assert previous_id is not None
                head = Checkpoint(position, previous_id, previous_chain)
        if head is not None and self.checkpoints is not None and self.checkpoints.due():
            try:
                self.checkpoints.append(head)
            except OSError as exc:
                log.error("cannot append the seal checkpoint to %s: %s", self.checkpoints.path, exc)
        return len(seals)

    async def seal_all(self) -> int:
        """Seal everything sealable now (the `tong audit seal` command, and tests)."""
        total = 0
        while True:
            sealed = await self.seal_once()
            total += sealed
            if sealed < self.batch:
                return total


@dataclass
class Verdict:
    checked: int = 0
    unsealed: int = 0
    erased: int = 0
    checkpoints: int = 0
    head_position: int = 0
    head_id: int | None = None
    head_hash: str = GENESIS
    broken_id: int | None = None
    problem: str = ""
    erased_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem


async def _pairs(db: Database) -> AsyncIterator[tuple[EventSeal, Event | None]]:
    after = 0
    while True:
        stmt = (
            select(EventSeal, Event)
            .outerjoin(Event, Event.id == EventSeal.event_id)  # type: ignore[arg-type]
            .where(EventSeal.position > after)  # type: ignore[arg-type]
            .order_by(EventSeal.position)  # type: ignore[arg-type]
            .limit(VERIFY_BATCH)
        )
        async with db.read() as s:
            rows = (await s.execute(stmt)).all()
        for seal, event in rows:
            yield seal, event
        if len(rows) < VERIFY_BATCH:
            return
        after = rows[-1][0].position


async def verify(db: Database, key: bytes, checkpoints: Path | None = None) -> Verdict:
    """Walk the chain in its order and stop at the first broken link, saying what differs; then
    compare it with every checkpoint in `checkpoints` (a missing file has none). `tong audit
    verify` and `tong restore` call this; `ok` is the answer."""
    verdict = Verdict()
    expected: dict[int, Checkpoint] = {}
    if checkpoints is not None:
        try:
            expected = {c.position: c for c in await asyncio.to_thread(read_checkpoints, checkpoints)}
        except ValueError as exc:
            verdict.problem = str(exc)
            return verdict
    async with db.read() as s:
        head = (
            await s.execute(
                select(EventSeal.event_id, Event.tx)
                .outerjoin(Event, Event.id == EventSeal.event_id)  # type: ignore[arg-type]
                .order_by(EventSeal.position.desc())  # type: ignore[attr-defined]
                .limit(1)
            )
        ).first()
        unsealed = ~exists().where(EventSeal.event_id == Event.id)
        # A row the sealer would have sealed before the head, but without a seal, was inserted
        # after sealing (or its seal was removed).
        gap = None
        if head is not None:
            before = (
                Event.tx < head[1]
                if db.dialect == "postgresql" and head[1] is not None
                else Event.id < head[0]
            )
            gap = (await s.execute(select(func.min(Event.id)).where(unsealed, before))).scalar()  # type: ignore[arg-type]
        verdict.unsealed = (
            await s.execute(select(func.count()).select_from(Event).where(unsealed))
        ).scalar_one()
    if gap is not None:
        verdict.broken_id = gap
        verdict.problem = (
            f"event {gap} is not in the chain: it was inserted after rows sealed after it, "
            "or its seal was deleted"
        )
        return verdict
    previous_id: int | None = None
    previous_chain = GENESIS
    position = 0
    async for seal, event in _pairs(db):
        position += 1
        problem = _check(key, seal, event, position, previous_id, previous_chain)
        if (
            not problem
            and seal.position in expected
            and expected[seal.position].chain_hash != seal.chain_hash
        ):
            problem = (
                f"the chain at position {seal.position} (event {seal.event_id}) differs from the checkpoint "
                "written when it was sealed: the chain was rewritten"
            )
        if problem:
            verdict.broken_id = seal.event_id
            verdict.problem = problem
            return verdict
        if event is not None and is_erased(event.payload):
            verdict.erased += 1
            verdict.erased_ids.append(seal.event_id)
        verdict.checkpoints += seal.position in expected
        verdict.checked += 1
        previous_id, previous_chain = seal.event_id, seal.chain_hash
        verdict.head_position, verdict.head_id, verdict.head_hash = position, previous_id, previous_chain
    beyond = [c for c in expected.values() if c.position > position]
    if beyond:
        last = max(beyond, key=lambda c: c.position)
        verdict.problem = (
            f"a checkpoint recorded the chain at position {last.position} (event {last.event_id}), but it "
            f"ends at {position}: sealed rows were removed from its end, or this is an older copy of "
            "the database"
        )
    return verdict


def _check(
    key: bytes,
    seal: EventSeal,
    event: Event | None,
    position: int,
    previous_id: int | None,
    previous_chain: str,
) -> str:
    if seal.position != position or seal.prev_event_id != previous_id:
        return (
            f"the seal of event {seal.event_id} follows event {seal.prev_event_id}, but the chain's previous "
            f"sealed event is {previous_id}: a seal row was removed or reordered"
        )
    if event is None:
        return f"event {seal.event_id} was sealed but is missing from the event log: the row was deleted"
    columns = canonical(event)
    digest = seal.payload_hash if is_erased(event.payload) else payload_hash(key, event.payload)
    if row_hash(key, columns, digest) != seal.row_hash:
        now = column_digests(key, columns, digest)
        changed = [name for name in (*COLUMNS, "payload") if now[name] != seal.digests.get(name)]
        what = ", ".join(changed) if changed else "its content, or the seal's key"
        return f"event {seal.event_id} was changed after sealing: {what} differ(s) from the sealed row"
    if chain(key, previous_chain, seal.row_hash) != seal.chain_hash:
        return (
            f"the seal of event {seal.event_id} was altered, or sealed with another key: "
            "its chain hash does not follow from the previous one"
        )
    return ""


async def seal_status(db: Database) -> dict[str, Any]:
    """How far the chain reaches (cheap: two indexed look-ups), for the dashboard."""
    async with db.read() as s:
        head = (
            await s.execute(
                select(EventSeal.event_id, EventSeal.chain_hash, EventSeal.sealed_at)
                .order_by(EventSeal.position.desc())  # type: ignore[attr-defined]
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
