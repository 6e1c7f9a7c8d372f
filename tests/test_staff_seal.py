"""The event log's hash chain: sealed by a background task, verified by `tong audit verify`,
which finds a row changed or deleted directly in the database."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable

from sqlalchemy import delete, func, select, update

from server.events.sealing import verify
from server.store.models import Event, EventSeal
from tests.clients import Http
from tests.servers import TEST_ENV, InProcessServer

MANUAL = {"seal_delay_s": 0.0, "seal_interval_s": 0.0}


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


async def test_background_sealer_seals_committed_rows(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """The sealer task owned by the app seals every row once it is older than the delay."""
    server, _thread = await _busy_server(make_server, clients, seal_delay_s=0.0, seal_interval_s=0.05)
    latest = await server.services.reader.max_log_id()
    for _ in range(100):
        async with server.services.db.read() as s:
            sealed = (await s.execute(select(func.max(EventSeal.event_id)))).scalar()
        if sealed == latest:
            break
        await asyncio.sleep(0.05)
    assert sealed == latest
    assert (await verify(server.services.db)).ok


async def test_young_rows_wait(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """Rows younger than the seal delay are not sealed yet (a lower id may still be in flight)."""
    server, _thread = await _busy_server(make_server, clients, seal_delay_s=3600.0, seal_interval_s=0.0)
    assert await server.services.desk.sealer.seal_all() == 0
    verdict = await verify(server.services.db)
    assert verdict.ok and verdict.checked == 0 and verdict.unsealed > 0


async def test_audit_verify_passes_then_finds_changed_row(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """`tong audit verify` passes an intact chain, then exits 1 naming a row whose payload was edited."""
    server, thread = await _busy_server(make_server, clients, **MANUAL)
    assert await server.services.desk.sealer.seal_all() > 5
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
    await server.services.desk.sealer.seal_all()
    db = server.services.db
    async with db.read() as s:
        ids = list((await s.execute(select(Event.id).order_by(Event.id))).scalars())
    victim = ids[len(ids) // 2]
    async with db.transaction() as s:
        await s.execute(delete(EventSeal).where(EventSeal.event_id == victim))
    verdict = await verify(db)
    assert verdict.broken_id == victim and "not in the chain" in verdict.problem
    other = ids[len(ids) // 2 + 1]
    async with db.transaction() as s:
        await s.execute(delete(Event).where(Event.id == other))
    verdict = await verify(db)
    assert verdict.broken_id == victim  # still the first broken link


async def test_verify_finds_deleted_event(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """An event row deleted after sealing is reported as deleted."""
    server, _thread = await _busy_server(make_server, clients, **MANUAL)
    await server.services.desk.sealer.seal_all()
    db = server.services.db
    async with db.read() as s:
        last = (await s.execute(select(func.max(Event.id)))).scalar_one()
    async with db.transaction() as s:
        await s.execute(delete(Event).where(Event.id == last - 1))
    verdict = await verify(db)
    assert verdict.broken_id == last - 1
    assert "deleted" in verdict.problem


async def test_sealing_continues_the_chain(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """Sealing in several rounds links each new seal to the previous one."""
    server, thread = await _busy_server(make_server, clients, **MANUAL)
    sealer = server.services.desk.sealer
    first = await sealer.seal_all()
    await clients[0].comment(thread["id"], "나중 댓글")
    assert await sealer.seal_all() == 1  # the new comment's log row
    verdict = await verify(server.services.db)
    assert verdict.ok and verdict.checked == first + 1
