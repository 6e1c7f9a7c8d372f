"""Rate limits shared by every process through Redis, and counted per process, at once, when Redis
is down or stalled."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from limits import RateLimitItemPerMinute

from server.domain.logins import LoginGuard
from server.domain.ratelimit import Counter
from tests.support.clients import Http
from tests.support.processes import create_accounts, logged_in
from tests.support.servers import IN_CI, PrivateRedis, ProcessServer, Stack

LIMIT = 10


@contextlib.asynccontextmanager
async def limited_servers(
    stack: Stack, **overrides: object
) -> AsyncIterator[tuple[ProcessServer, ProcessServer]]:
    """Two server processes on one database and one Redis, with the write limit on."""
    settings = await stack.fresh_settings(**overrides)
    env = {"TONG_RATE_LIMIT_PER_MINUTE": str(LIMIT)}
    first, second = ProcessServer(settings, env=env), ProcessServer(settings, env=env)
    try:
        await first.start()
        await second.start()
        yield first, second
    finally:
        await first.stop()
        await second.stop()


async def _post(client: Http, thread_id: int, n: int) -> tuple[int, float, str | None]:
    started = time.perf_counter()
    response = await client.post(f"/api/threads/{thread_id}/comments", json={"body": f"댓글 {n}"})
    return response.status_code, time.perf_counter() - started, response.headers.get("retry-after")


async def test_one_account_cannot_exceed_the_limit_across_two_processes(pg: Stack) -> None:
    """One account writing through two processes gets LIMIT writes a minute in all, not LIMIT each."""
    async with limited_servers(pg) as (a, b):
        (login,) = await create_accounts(a, "company", 1)
        via_a, via_b = await logged_in(a, login), await logged_in(b, login)
        thread = await via_a.thread()  # the first write
        results = [await _post(via_a if n % 2 else via_b, thread["id"], n) for n in range(2 * LIMIT)]
        statuses = [status for status, _, _ in results]
        assert statuses.count(201) == LIMIT - 1, statuses
        assert statuses.count(429) == LIMIT + 1, statuses
        assert all(1 <= int(retry) <= 60 for status, _, retry in results if status == 429 and retry)
        # Recommendations and reports draw on the same budget.
        (other_login,) = await create_accounts(a, "agency", 1)
        other = await logged_in(b, other_login)
        theirs = await other.thread()
        recommended = await via_b.put(f"/api/threads/{theirs['id']}/recommendation")
        assert recommended.status_code == 429, recommended.text
        await other.aclose()
        await via_a.aclose()
        await via_b.aclose()


async def test_killed_redis_falls_back_to_counting_per_process(pg: Stack, tmp_path: Path) -> None:
    """With Redis killed, writes are still limited, per process, and no request waits on Redis."""
    redis = PrivateRedis(tmp_path)
    await redis.start()
    try:
        async with limited_servers(pg, redis_url=redis.url) as (a, b):
            (login,) = await create_accounts(a, "company", 1)
            via_a, via_b = await logged_in(a, login), await logged_in(b, login)
            thread = await via_a.thread()
            redis.stop()
            on_a = [await _post(via_a, thread["id"], n) for n in range(LIMIT + 2)]
            on_b = [await _post(via_b, thread["id"], n) for n in range(LIMIT + 2)]
            for results in (on_a, on_b):
                statuses = [status for status, _, _ in results]
                # Each process counts alone now: LIMIT accepted (a's count started with the thread
                # while Redis was up, so a accepts one fewer), then 429.
                assert statuses[: LIMIT - 1] == [201] * (LIMIT - 1), statuses
                assert statuses[-1] == 429, statuses
            slowest = max(took for _, took, _ in on_a + on_b)
            print(f"\nslowest write with Redis killed: {slowest * 1000:.0f} ms")
            assert slowest < 1.0
            await via_a.aclose()
            await via_b.aclose()
    finally:
        redis.stop()


@pytest_asyncio.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    redis = PrivateRedis(tmp_path)
    try:
        await redis.start()
    except AssertionError as missing:
        if IN_CI:
            raise
        pytest.skip(str(missing))
    yield redis
    if redis.process is not None:
        redis.process.send_signal(signal.SIGCONT)
    redis.stop()


async def test_counter_shares_counts_through_redis(private_redis: PrivateRedis) -> None:
    """Two counters on one Redis (two processes' worth) share one count."""
    prefix = f"t{uuid.uuid4().hex[:8]}:"
    first, second = Counter(private_redis.url, prefix), Counter(private_redis.url, prefix)
    item = RateLimitItemPerMinute(5)
    results = [await (first if n % 2 else second).hit(item, "write", "1") for n in range(8)]
    assert results == [True] * 5 + [False] * 3
    assert first.shared and second.shared


@pytest.mark.parametrize("outage", ["killed", "stalled"])
async def test_counter_falls_back_without_waiting(private_redis: PrivateRedis, outage: str) -> None:
    """With Redis killed or stalled (SIGSTOP), every count answers within a few deadlines and is
    kept in this process's memory; after the breaker opens, at once."""
    counter = Counter(private_redis.url, f"t{uuid.uuid4().hex[:8]}:")
    item = RateLimitItemPerMinute(5)
    assert await counter.hit(item, "write", "1")
    assert private_redis.process is not None
    if outage == "killed":
        private_redis.stop()
    else:
        private_redis.process.send_signal(signal.SIGSTOP)
    timings = []
    results = []
    for _ in range(8):
        started = time.perf_counter()
        results.append(await counter.hit(item, "write", "1"))
        timings.append(time.perf_counter() - started)
    print(f"\n{outage} Redis: slowest count {max(timings) * 1000:.0f} ms, last {timings[-1] * 1000:.2f} ms")
    # The local count starts afresh: five allowed in this process, then refused.
    assert results == [True] * 5 + [False] * 3
    assert max(timings) < 0.5
    assert timings[-1] < 0.01
    assert not counter.shared


async def test_counter_returns_to_redis_when_it_is_back(private_redis: PrivateRedis) -> None:
    """After a stall ends, the breaker closes again and counts are shared through Redis once more."""
    counter = Counter(private_redis.url, f"t{uuid.uuid4().hex[:8]}:")
    item = RateLimitItemPerMinute(100)
    assert await counter.hit(item, "write", "1")
    assert private_redis.process is not None
    private_redis.process.send_signal(signal.SIGSTOP)
    for _ in range(4):
        await counter.hit(item, "write", "1")
    assert not counter.shared
    private_redis.process.send_signal(signal.SIGCONT)
    deadline = time.monotonic() + 10
    while not counter.shared:
        assert time.monotonic() < deadline, "the breaker did not close"
        await counter.hit(item, "write", "1")
        await asyncio.sleep(0.1)
    assert await counter.hit(item, "write", "1")
    assert counter.shared


async def test_login_budgets_are_shared_by_every_process(private_redis: PrivateRedis) -> None:
    """Attempts spent on one process count on another (through Redis): past the free ones, one
    check per interval across both, and a success gives the budget back."""
    from server.contract.errors import RateLimited

    prefix = f"t{uuid.uuid4().hex[:8]}:"
    first = LoginGuard(Counter(private_redis.url, prefix), per_minute=0, free_failures=2, check_interval_s=60)
    second = LoginGuard(
        Counter(private_redis.url, prefix), per_minute=0, free_failures=2, check_interval_s=60
    )
    await first.attempt("admin")
    await first.attempt("admin")
    assert await second.attempts("ADMIN ") == 2
    checked = await second.attempt("admin")  # the interval's one check
    with pytest.raises(RateLimited):
        await first.attempt("admin")
    await second.succeeded(checked)
    assert await first.attempts("admin") == 0


async def test_address_limit_is_shared_by_every_process(private_redis: PrivateRedis) -> None:
    """Login attempts from one address count once across processes; an allow-listed one is free."""
    from server.contract.errors import RateLimited
    from server.domain.logins import parse_networks

    prefix = f"t{uuid.uuid4().hex[:8]}:"
    guards = [
        LoginGuard(Counter(private_redis.url, prefix), per_minute=4, allow=parse_networks(["10.0.0.0/8"]))
        for _ in range(2)
    ]
    for n in range(4):
        await guards[n % 2].admit("192.0.2.1")
    with pytest.raises(RateLimited) as refused:
        await guards[0].admit("192.0.2.1")
    assert 1 <= refused.value.retry_after <= 60
    for n in range(10):
        await guards[n % 2].admit("10.1.2.3")
