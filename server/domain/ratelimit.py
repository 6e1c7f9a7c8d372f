"""Rate limits counted with the `limits` library: in Redis when REDIS_URL is set, so every process
shares one count per account (two processes no longer double an account's budget), in this
process's memory otherwise.

Redis is only asked through a circuit breaker (`breaker.py`) with a short deadline: when it is
down or stalled, counting falls back at once to this process's memory (the limit then holds per
process, as it did before Redis), and goes back to Redis when the breaker closes.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from server.broker.breaker import Breaker, Unavailable
from server.contract.errors import RateLimited
from server.store.models import Account

log = logging.getLogger("tong.ratelimit")

T = TypeVar("T")

# Redis answers a count in well under a millisecond on a LAN, but the first one on a connection
# takes a few round trips (connect, load the Lua script) and a busy host can stall any of them for
# tens of ms. 50 ms covers such a start; one that takes longer falls back to this process's count
# once, and only three misses in a row open the breaker the broker shares. A stalled Redis costs
# the first requests that meet it at most this (the POST p99 < 100 ms target leaves no room for
# more), and nothing once the breaker is open.
REDIS_DEADLINE_MS = 50.0


def _redis_storage(url: str, prefix: str) -> Storage | None:
    """limits' Redis storage on redis-py's asyncio client, or None for schemes it cannot use."""
    scheme = url.split("://", 1)[0]
    if scheme not in ("redis", "rediss"):
        log.warning("rate limits: REDIS_URL scheme %r is not supported; counting per process", scheme)
        return None
    return RedisStorage(
        f"async+{url}",
        implementation="redispy",
        key_prefix=f"{prefix}limits",
        # Connecting to a dead Redis must fail fast, not after the OS's connect timeout; the
        # breaker's deadline bounds every call anyway.
        socket_connect_timeout=1.0,
        socket_timeout=1.0,
    )


class Counter:
    """Fixed-window counts in Redis (through the breaker) with this process's memory as fallback."""

    def __init__(self, redis_url: str = "", prefix: str = "tong:", breaker: Breaker | None = None) -> None:
        self._local = FixedWindowRateLimiter(MemoryStorage())
        storage = _redis_storage(redis_url, prefix) if redis_url else None
        self._shared = FixedWindowRateLimiter(storage) if storage is not None else None
        self.breaker = breaker or Breaker("redis-limits", deadline_ms=REDIS_DEADLINE_MS)

    @property
    def shared(self) -> bool:
        """Whether counts are kept in Redis (and the breaker lets calls through now)."""
        return self._shared is not None and self.breaker.available

    async def _either(self, call: Callable[[FixedWindowRateLimiter], Awaitable[T]]) -> T:
        shared = self._shared
        if shared is not None:
            try:
                return await self.breaker.call(lambda: call(shared), deadline_ms=REDIS_DEADLINE_MS)
            except Unavailable:
                pass  # counted here instead: a limit per process beats a request kept waiting
        return await call(self._local)

    async def hit(self, item: RateLimitItem, *key: str) -> bool:
        """Count one event; False when it goes past the limit."""
        return await self._either(lambda limiter: limiter.hit(item, *key))

    async def count(self, item: RateLimitItem, *key: str) -> int:
        """How many events are counted in the current window."""
        stats = await self._either(lambda limiter: limiter.get_window_stats(item, *key))
        return item.amount - stats.remaining

    async def retry_after(self, item: RateLimitItem, *key: str) -> int:
        """Whole seconds until the current window ends (at least 1)."""
        stats = await self._either(lambda limiter: limiter.get_window_stats(item, *key))
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def clear(self, item: RateLimitItem, *key: str) -> None:
        await self._either(lambda limiter: limiter.clear(item, *key))


class RateLimiter:
    """Writes per account and minute (threads, comments, recommendations, reports): one budget."""

    def __init__(self, per_minute: int, counter: Counter | None = None) -> None:
        self.per_minute = per_minute
        self.counter = counter or Counter()
        self._item = RateLimitItemPerMinute(max(per_minute, 1))

    async def check(self, account: Account) -> None:
        if self.per_minute <= 0 or account.id is None or account.kind == "staff":
            return
        if not await self.counter.hit(self._item, "write", str(account.id)):
            retry = await self.counter.retry_after(self._item, "write", str(account.id))
            raise RateLimited(f"too many writes: at most {self.per_minute} a minute", retry)


def per_second(amount: int, seconds: int) -> RateLimitItem:
    """`amount` events per `seconds` (a window of any length, for login failures)."""
    return RateLimitItemPerSecond(amount, seconds)


class AddressLimit:
    """Requests of one kind per client address and minute (searches): 429 with Retry-After past
    it, counted in the shared `Counter` like every other limit."""

    def __init__(self, name: str, what: str, per_minute: int, counter: Counter) -> None:
        self.name = name
        self.what = what
        self.per_minute = per_minute
        self.counter = counter
        self._item = RateLimitItemPerMinute(max(per_minute, 1))

    async def check(self, address: str | None) -> None:
        if self.per_minute <= 0 or not address:
            return
        if not await self.counter.hit(self._item, self.name, address):
            retry = await self.counter.retry_after(self._item, self.name, address)
            raise RateLimited(
                f"too many {self.what} from this address: at most {self.per_minute} a minute", retry
            )


class OpBudget:
    """One socket's budget of client ops: `rate` a second, in bursts of at most `rate` (a token
    bucket). Counted in the process that holds the socket, with no I/O and no `limits` storage:
    it is asked once per frame a client sends, on tens of thousands of sockets. The clock is
    injected so the rule is tested without waiting.

    Why: one socket sending 3,000 subscribe/unsubscribe ops with `since=0` made 24,000 replay
    frames and slowed everyone's requests; a tab opens a handful of channels, so 20 a second is
    far above any real client and far below a flood."""

    __slots__ = ("_at", "_clock", "_rate", "_tokens")

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = float(rate)
        self._tokens = self._rate
        self._clock = clock
        self._at = clock()

    def take(self) -> bool:
        """Spend one op: False (and nothing spent) when the budget is empty."""
        now = self._clock()
        self._tokens = min(self._rate, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
