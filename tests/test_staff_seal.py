"""The event log's keyed hash chain: sealed in commit order by a background task, verified by
`tong audit verify` (with TONG_AUDIT_KEY and the checkpoint file), which finds a row changed,
deleted or re-sealed without the key, and lets an erasure through as one."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable

from sqlalchemy import delete, func, insert, select, update

from server.events.sealing import (
    GENESIS,
    canonical,
    chain,
    column_digests,
    payload_hash,
    read_checkpoints,
    row_hash,
    verify,
)
from server.store.database import Database
from server.store.models import Event, EventSeal, utcnow
from tests.support.clients import Http
from tests.support.servers import TEST_ENV, InProcessServer

MANUAL = {"seal_interval_s": 0.0}
KEY = TEST_ENV["TONG_AUDIT_KEY"].encode()
# A shared PostgreSQL server's other transactions hold sealing back for a moment, not longer.
SEAL_WAIT_S = 30.0


async def _busy_server(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http], **settings: object
) -> tuple[InProcessServer, dict]:
    server = await make_server(**settings)
    clients.append(author := await server.user("company"))
    thread = await author.thread()
    for n in range(5):
        await author.comment(thread["id"], f"댓글 {n}")
    return server, thread


async def _audit(server: InProcessServer) -> tuple[int, str]:
    env = {
        **os.environ,
        **TEST_ENV,
        "DATABASE_URL": server.settings.effective_database_url,
        "TONG_DATA_DIR": str(server.settings.data_dir),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", "audit", "verify", env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def _seal_everything(server: InProcessServer) -> int:
    """Seal until every committed row is in the chain, and return how many were sealed. On
    PostgreSQL the sealer waits for every write transaction of the server (other databases'
    too: other tests' share it), so one round may leave a row for the next."""
    sealer, total = server.services.desk.sealer, 0
    deadline = asyncio.get_running_loop().time() + SEAL_WAIT_S
    while True:
        total += await sealer.seal_all()
        verdict = await verify(server.services.db, KEY)
        assert verdict.ok, verdict
        if verdict.unsealed == 0:
            return total
        assert asyncio.get_running_loop().time() < deadline, "rows stayed unsealed"
        await asyncio.sleep(0.05)


async def test_background_sealer_seals_committed_rows(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """The sealer task owned by the app seals every committed row, with no delay to wait out."""
    server, _thread = await _busy_server(make_server, clients, seal_interval_s=0.05)
    latest = await server.services.reader.max_log_id()
    deadline = asyncio.get_running_loop().time() + SEAL_WAIT_S
    while True:
        async with server.services.db.read() as s:
            sealed = (await s.execute(select(func.count()).select_from(EventSeal))).scalar()
        if sealed == latest:
            break
        assert asyncio.get_running_loop().time() < deadline, f"{sealed} of {latest} sealed"
        await asyncio.sleep(0.05)
    assert (await verify(server.services.db, KEY)).ok


async def test_audit_verify_passes_then_finds_changed_row(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """`tong audit verify` passes an intact chain, then exits 1 naming a row whose payload was edited."""
    server, thread = await _busy_server(make_server, clients, **MANUAL)
    assert await _seal_everything(server) > 5
    code, out = await _audit(server)
    assert code == 0, out
    assert out.startswith("OK:")
    async with server.services.db.read() as s:
        target = (
            (
                await s.execute(
                    select(Event).where(Event.thread_id == thread["id"], Event.type == "comment.created")
                )
            )
            .scalars()
            .first()
        )
    assert target is not None
    tampered = {**target.payload, "comment": {**target.payload["comment"], "body": "조작된 댓글"}}
    async with server.services.db.transaction() as s:
        await s.execute(update(Event).where(Event.id == target.id).values(payload=tampered))
    code, out = await _audit(server)
    assert code == 1
    assert f"BROKEN at event {target.id}" in out
    assert "payload" in out and "thread_id" not in out.split("changed after sealing:")[1]


async def test_verify_finds_deleted_row_and_removed_seal(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """A deleted event row, or a deleted seal row, is reported at its id."""
    server, _thread = await _busy_server(make_server, clients, **MANUAL)
    await _seal_everything(server)
    db = server.services.db
    async with db.read() as s:
        ids = list((await s.execute(select(Event.id).order_by(Event.id))).scalars())
    victim = ids[len(ids) // 2]
    async with db.transaction() as s:
        await s.execute(delete(EventSeal).where(EventSeal.event_id == victim))
    verdict = await verify(db, KEY)
    assert verdict.broken_id == victim and "not in the chain" in verdict.problem
    other = ids[len(ids) // 2 + 1]
    async with db.transaction() as s:
        await s.execute(delete(Event).where(Event.id == other))
    verdict = await verify(db, KEY)
    assert verdict.broken_id == victim  # still the first broken link


async def test_verify_finds_deleted_event(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """An event row deleted after sealing is reported as deleted."""
    server, _thread = await _busy_server(make_server, clients, **MANUAL)
    await _seal_everything(server)
    db = server.services.db
    async with db.read() as s:
        last = (await s.execute(select(func.max(Event.id)))).scalar_one()
    async with db.transaction() as s:
        await s.execute(delete(Event).where(Event.id == last - 1))
    verdict = await verify(db, KEY)
    assert verdict.broken_id == last - 1
    assert "deleted" in verdict.problem


async def test_sealing_continues_the_chain(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """Sealing in several rounds links each new seal to the previous one."""
    server, thread = await _busy_server(make_server, clients, **MANUAL)
    first = await _seal_everything(server)
    await clients[0].comment(thread["id"], "나중 댓글")
    assert await _seal_everything(server) == 1  # the new comment's log row
    verdict = await verify(server.services.db, KEY)
    assert verdict.ok and verdict.checked == first + 1


async def _first(server: InProcessServer, type_: str, thread_id: int) -> Event:
    async with server.services.db.read() as s:
        found = (
            (await s.execute(select(Event).where(Event.thread_id == thread_id, Event.type == type_)))
            .scalars()
            .first()
        )
    assert found is not None
    return found


async def test_a_row_committed_late_is_sealed_in_commit_order(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """A transaction holds an event id open while newer rows commit and the sealer runs: the sealer
    does not pass the open id, and once it commits the chain takes it in and still verifies."""
    server, thread = await _busy_server(make_server, clients, **MANUAL)
    await _seal_everything(server)
    postgres = server.services.db.dialect == "postgresql"
    held = Database(server.settings.effective_database_url, pool_size=1)
    events = Event.__table__  # type: ignore[attr-defined]
    try:
        async with held.transaction() as s:
            opened = insert(events).values(type="session.started", payload={}, created_at=utcnow())
            late = (await s.execute(opened.returning(events.c.id))).scalar_one()
            newer = asyncio.create_task(_comments(clients[0], thread["id"], 3))
            if postgres:
                # PostgreSQL: newer ids commit while the older one is still open, then the sealer runs.
                await newer
                assert await server.services.desk.sealer.seal_all() == 0
                async with server.services.db.read() as r:
                    sealed = set((await r.execute(select(EventSeal.event_id))).scalars())
                assert late not in sealed and max(sealed) < late
            # SQLite: the comments wait for the write lock the open transaction holds.
        await newer
        await _seal_everything(server)
    finally:
        await held.dispose()
    verdict = await verify(server.services.db, KEY)
    assert verdict.ok and verdict.unsealed == 0
    assert verdict.checked == await server.services.reader.max_log_id()


async def _comments(author: Http, thread_id: int, count: int) -> None:
    for n in range(count):
        await author.comment(thread_id, f"나중에 커밋된 댓글 {n}")


async def _reseal_from(server: InProcessServer, key: bytes, event_id: int) -> None:
    """What someone who rewrote a row in SQL does next: seal it and every later row again."""
    db = server.services.db
    async with db.transaction() as s:
        pairs = (
            await s.execute(
                select(EventSeal, Event)
                .join(Event, Event.id == EventSeal.event_id)  # type: ignore[arg-type]
                .order_by(EventSeal.position)  # type: ignore[arg-type]
            )
        ).all()
        previous = GENESIS
        started = False
        for seal, event in pairs:
            started = started or seal.event_id == event_id
            if started:
                columns = canonical(event)
                digest = payload_hash(key, event.payload)
                row = row_hash(key, columns, digest)
                values = {
                    "payload_hash": digest,
                    "row_hash": row,
                    "chain_hash": chain(key, previous, row),
                    "digests": column_digests(key, columns, digest),
                }
                await s.execute(update(EventSeal).where(EventSeal.event_id == seal.event_id).values(**values))
                previous = values["chain_hash"]
            else:
                previous = seal.chain_hash


async def test_a_rewritten_payload_resealed_without_the_key_fails(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """A payload rewritten in SQL with it and every later seal recomputed fails verify without the
    key; recomputed with the key it passes the chain but not the checkpoint written before."""
    server, thread = await _busy_server(make_server, clients, **MANUAL, audit_checkpoint_interval_s=0.0)
    await _seal_everything(server)
    checkpoints = server.settings.checkpoint_path
    assert checkpoints.exists() and read_checkpoints(checkpoints)
    target = await _first(server, "comment.created", thread["id"])
    tampered = {**target.payload, "comment": {**target.payload["comment"], "body": "조작된 댓글"}}
    async with server.services.db.transaction() as s:
        await s.execute(update(Event).where(Event.id == target.id).values(payload=tampered))
    await _reseal_from(server, b"a guessed key", target.id)
    verdict = await verify(server.services.db, KEY)
    assert not verdict.ok and verdict.broken_id == target.id, verdict
    await _reseal_from(server, KEY, target.id)
    assert (await verify(server.services.db, KEY)).ok  # what the key alone protects
    verdict = await verify(server.services.db, KEY, checkpoints)
    assert not verdict.ok and "checkpoint" in verdict.problem, verdict
    code, out = await _audit(server)
    assert code == 1 and "rewritten" in out, out


async def test_a_proposal_body_is_sealed_whole(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """`thread.created` seals the proposal's whole body, not a 160-character excerpt: a change to
    its 300th character in SQL fails verify."""
    server = await make_server(**MANUAL)
    clients.append(author := await server.user("company"))
    body = "가" * 299 + "나" + "다" * 200
    thread = await author.thread(body=body)
    await _seal_everything(server)
    created = await _first(server, "thread.created", thread["id"])
    assert created.payload["body"] == body
    altered = {**created.payload, "body": body[:299] + "X" + body[300:]}
    async with server.services.db.transaction() as s:
        await s.execute(update(Event).where(Event.id == created.id).values(payload=altered))
    verdict = await verify(server.services.db, KEY)
    assert verdict.broken_id == created.id and "payload" in verdict.problem, verdict


async def test_an_erased_payload_still_verifies_and_shows_as_erased(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """A sealed payload replaced by exactly {"erased": true} still verifies, counted as an erasure;
    any other change to that row still fails."""
    server, thread = await _busy_server(make_server, clients, **MANUAL)
    await _seal_everything(server)
    target = await _first(server, "comment.created", thread["id"])
    async with server.services.db.transaction() as s:
        await s.execute(update(Event).where(Event.id == target.id).values(payload={"erased": True}))
    verdict = await verify(server.services.db, KEY)
    assert verdict.ok and verdict.erased_ids == [target.id], verdict
    async with server.services.db.transaction() as s:
        await s.execute(update(Event).where(Event.id == target.id).values(actor_account_id=None))
    verdict = await verify(server.services.db, KEY)
    assert verdict.broken_id == target.id and "actor_account_id" in verdict.problem, verdict


async def test_a_chain_cut_short_fails_its_checkpoint(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """The sealer appends the head to the checkpoint file; rows and seals deleted from the end
    then pass the chain alone but fail `tong audit verify`, which reads the file."""
    server, _thread = await _busy_server(make_server, clients, **MANUAL, audit_checkpoint_interval_s=0.0)
    await _seal_everything(server)
    *_, checkpoint = read_checkpoints(server.settings.checkpoint_path)
    db = server.services.db
    assert checkpoint.event_id == await server.services.reader.max_log_id()
    async with db.transaction() as s:
        await s.execute(delete(EventSeal).where(EventSeal.position >= checkpoint.position - 1))
        await s.execute(delete(Event).where(Event.id >= checkpoint.event_id - 1))
    assert (await verify(db, KEY)).ok
    code, out = await _audit(server)
    assert code == 1 and f"position {checkpoint.position}" in out, out
