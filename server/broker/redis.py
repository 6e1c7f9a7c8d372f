"""Redis pub/sub through redis-py's `redis.asyncio` (aioredis is abandoned and fails to import on 3.11).

One Redis channel per Tong channel, so a process receives only the threads its sockets watch. One
pub/sub connection per process, apart from the pool used to publish; it reconnects and
resubscribes by itself, and tells the hub, which catches up from SQL for what was missed.

Every command goes through the process's circuit breaker with a deadline in milliseconds, so a
dead or stalled Redis costs a caller at most that deadline (and nothing once the breaker is open).
A stalled Redis (SIGSTOP, a hung host) keeps its TCP connections open and silent, so an open
pub/sub connection proves nothing: the broker sends itself a probe through Redis every
`PROBE_INTERVAL_S` and counts as healthy only while the probe comes back in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from server.broker.base import Broker, BrokerUnavailable
from server.broker.breaker import Breaker, Unavailable

log = logging.getLogger("tong.broker")

# A process that has not refreshed its presence for this long is taken to be gone (crashed).
PRESENCE_TTL_S = 30
# Reconnecting to a refused port costs nothing; 2 s puts Tong back on Redis soon after it returns.
RECONNECT_MAX_S = 2.0
# The probe: sent every PROBE_INTERVAL_S, it must be back within PROBE_TIMEOUT_S. A stall is then
# noticed within about 1.5 s, which leaves SQL polling time to deliver every event within 3 s of
# its commit. A loopback round trip takes well under a millisecond; 1 s only trips on a stall (or
# a machine so loaded that polling SQL for a moment is the right thing anyway).
PROBE_INTERVAL_S = 0.5
PROBE_TIMEOUT_S = 1.0
# A pub/sub connection silent for this long while probes go unanswered is replaced: a connection
# that died without a reset (a lost peer, a NAT timeout) never reports an error by itself.
STALE_RECONNECT_S = 5.0
# Deadlines (ms): publishes and probes run off the request path and may take longer than the
# request-path default (breaker.DEADLINE_MS); presence writes run in the hub's ticker.
PUBLISH_DEADLINE_MS = 500.0
PRESENCE_WRITE_DEADLINE_MS = 250.0
PING_DEADLINE_MS = 1000.0
# Subscribing writes a command on the pub/sub connection without waiting for the reply; this
# bounds the write when the connection's buffers are full against a stalled server.
SUBSCRIBE_TIMEOUT_S = 0.25
# The listener and the probe end within a moment of being cancelled (their closes have deadlines
# of a few seconds); stop() waits this long for them before it gives up on them.
STOP_TIMEOUT_S = 10.0


T = TypeVar("T")


class StalePubSub(Exception):
    """Probes went unanswered for too long on a connection that reports no error."""


class RedisBroker(Broker):
    # Classic pub/sub; the cluster broker sends SPUBLISH, which stays within one shard.
    publish_command = "PUBLISH"

    def __init__(
        self, url: str, process_id: str, prefix: str = "tong:", breaker: Breaker | None = None
    ) -> None:
        super().__init__()
        self.breaker = breaker or Breaker("redis")
        self._prefix = prefix
        # This process's own probe channel; always subscribed, so the pub/sub connection is
        # never idle without a subscription.
        self._probe_channel = f"{prefix}_probe:{process_id}"
        self._processes_key = prefix + "processes"
        self._url = url
        self._process_id = process_id
        self._client = self._connect(url)
        self._channels: set[str] = set()
        self._pubsub: object | None = None
        self._healthy = False
        self._tasks: list[asyncio.Task[None]] = []
        self._connected = asyncio.Event()
        self._probe_now = asyncio.Event()
        self._probe_numbers = itertools.count(1)
        # The oldest probe sent and not yet back (number, monotonic send time), and when the
        # last one came back.
        self._awaited: tuple[int, float] | None = None
        self._echoed_at = 0.0

    def _connect(self, url: str) -> Redis:
        """The client for commands (publish, presence); pub/sub has a connection of its own."""
        # redis-py 8 raises MaxConnectionsError at a plain pool's cap; a blocking pool waits
        # (and the breaker's deadline bounds the wait).
        self._pool = BlockingConnectionPool.from_url(
            url, max_connections=32, timeout=2, socket_timeout=2, socket_connect_timeout=2
        )
        self._sub_client = Redis.from_url(url, socket_connect_timeout=2, health_check_interval=5)
        return Redis(connection_pool=self._pool)

    async def _disconnect(self) -> None:
        await self._client.aclose()
        await self._sub_client.aclose()
        await self._pool.aclose()

    def _presence_key(self, process_id: str) -> str:
        return f"{self._prefix}presence:{process_id}"

    @property
    def healthy(self) -> bool:
        return self._healthy

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="redis-pubsub"),
            asyncio.create_task(self._probe_forever(), name="redis-probe"),
        ]
        # Wait briefly for the first probe to come back; if Redis is down the process still
        # starts, degraded, and the listener keeps trying.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), timeout=3)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            # A deadline, so a task that fails to end cannot hold up the process's shutdown.
            done, running = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT_S)
            for task in running:
                log.error("%s did not end within %.0fs of being cancelled", task.get_name(), STOP_TIMEOUT_S)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.error("%s failed", task.get_name(), exc_info=task.exception())

        async def forget_this_process() -> None:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.delete(self._presence_key(self._process_id))
                pipe.zrem(self._processes_key, self._process_id)
                await pipe.execute()

        with contextlib.suppress(Unavailable):
            await self.breaker.call(forget_this_process, deadline_ms=PRESENCE_WRITE_DEADLINE_MS)
        await self._disconnect()

    async def _guarded(self, fn: Callable[[], Awaitable[T]], deadline_ms: float | None = None) -> T:
        try:
            return await self.breaker.call(fn, deadline_ms=deadline_ms)
        except Unavailable as exc:
            raise BrokerUnavailable(str(exc)) from exc

    async def ping(self) -> None:
        await self._guarded(self._client.ping, PING_DEADLINE_MS)
        if not self._healthy:
            raise BrokerUnavailable("pub/sub is not delivering (probe not answered)")

    async def publish(self, channel: str, message: bytes) -> None:
        await self.publish_many([(channel, message)])

    async def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        async def send() -> None:
            async with self._client.pipeline(transaction=False) as pipe:
                for channel, message in messages:
                    pipe.execute_command(self.publish_command, self._prefix + channel, message)
                await pipe.execute()

        await self._guarded(send, PUBLISH_DEADLINE_MS)

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)
        pubsub = self._pubsub
        if pubsub is not None:
            try:
                async with asyncio.timeout(SUBSCRIBE_TIMEOUT_S):
                    await pubsub.subscribe(self._prefix + channel)  # type: ignore[attr-defined]
            except (RedisError, OSError, TimeoutError):
                log.warning("subscribe to %s failed; the listener resubscribes on reconnect", channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        pubsub = self._pubsub
        if pubsub is not None:
            with contextlib.suppress(RedisError, OSError, TimeoutError):
                async with asyncio.timeout(SUBSCRIBE_TIMEOUT_S):
                    await pubsub.unsubscribe(self._prefix + channel)  # type: ignore[attr-defined]

    async def set_presence(self, counts: dict[str, int]) -> None:
        key = self._presence_key(self._process_id)

        async def write() -> None:
            async with self._client.pipeline(transaction=False) as pipe:
                gone = [channel for channel, count in counts.items() if not count]
                kept: dict[str | bytes, int | str] = {c: n for c, n in counts.items() if n}
                if gone:
                    pipe.hdel(key, *gone)
                if kept:
                    pipe.hset(key, mapping=kept)  # type: ignore[arg-type]
                pipe.expire(key, PRESENCE_TTL_S)
                pipe.zadd(self._processes_key, {self._process_id: time.time()})
                pipe.zremrangebyscore(self._processes_key, "-inf", time.time() - PRESENCE_TTL_S)
                await pipe.execute()

        await self._guarded(write, PRESENCE_WRITE_DEADLINE_MS)

    async def presence(self, channels: list[str]) -> dict[str, int]:
        """Watchers per channel; on the request path, so within the breaker's default deadline."""

        async def read() -> list[list[bytes | None]]:
            alive = await self._client.zrangebyscore(
                self._processes_key, time.time() - PRESENCE_TTL_S, "+inf"
            )
            if not alive or not channels:
                return []
            async with self._client.pipeline(transaction=False) as pipe:
                for process in alive:
                    name = process.decode() if isinstance(process, bytes) else str(process)
                    pipe.hmget(self._presence_key(name), channels)
                return await pipe.execute()  # type: ignore[no-any-return]

        rows = await self._guarded(read)
        totals = dict.fromkeys(channels, 0)
        for values in rows:
            for channel, value in zip(channels, values, strict=True):
                if value is not None:
                    totals[channel] += int(value)
        return totals

    # --- the pub/sub connection and its probe ---------------------------------------------------

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            pubsub = self._sub_client.pubsub(ignore_subscribe_messages=True)
            try:
                async with asyncio.timeout(PROBE_TIMEOUT_S + 2):
                    await pubsub.subscribe(self._probe_channel, *(self._prefix + c for c in self._channels))
                self._pubsub = pubsub
                # Healthy only once a probe comes back through this connection.
                self._awaited = None
                self._probe_now.set()
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
                    if message is not None:
                        delay = 0.1
                        self._on_pubsub_message(message["channel"].decode(), message["data"])
                    self._check_probe()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure: drop the connection, back off, start over
                reason = str(exc) or type(exc).__name__
                log.warning("redis pub/sub lost (%s); reconnecting in %.1fs", reason, delay)
            finally:
                self._pubsub = None
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(1):
                        await pubsub.aclose()
            self._set_healthy(False)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    def _on_pubsub_message(self, channel: str, data: bytes) -> None:
        if channel == self._probe_channel:
            number = int(data)
            if self._awaited is not None and number >= self._awaited[0]:
                self._awaited = None
            self._echoed_at = time.monotonic()
            self._set_healthy(True)
        elif self._on_message is not None:
            self._on_message(channel[len(self._prefix) :], data)

    def _check_probe(self) -> None:
        """Mark the broker unhealthy when a probe is overdue; give up on a long-silent connection."""
        awaited = self._awaited
        if awaited is None:
            return
        overdue = time.monotonic() - awaited[1]
        if overdue > PROBE_TIMEOUT_S and self._healthy:
            log.warning("redis probe not back after %.1fs: pub/sub stalled, polling SQL", overdue)
            # Whatever stalls the subscription stalls every other command too.
            self.breaker.trip()
            self._set_healthy(False)
        if overdue > STALE_RECONNECT_S:
            raise StalePubSub(f"no probe back for {overdue:.1f}s")

    async def _probe_forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(PROBE_INTERVAL_S):
                    await self._probe_now.wait()
            self._probe_now.clear()
            if self._pubsub is None:
                continue
            number = next(self._probe_numbers)
            if self._awaited is None:
                self._awaited = (number, time.monotonic())

            async def send(number: int = number) -> None:
                await self._client.execute_command(self.publish_command, self._probe_channel, str(number))

            with contextlib.suppress(BrokerUnavailable):
                await self._guarded(send, PUBLISH_DEADLINE_MS)
            self._check_probe_without_listener()

    def _check_probe_without_listener(self) -> None:
        # The listener checks too, but it may sit in a read on a stalled connection.
        awaited = self._awaited
        if awaited is not None and time.monotonic() - awaited[1] > PROBE_TIMEOUT_S and self._healthy:
            self.breaker.trip()
            self._set_healthy(False)

    def _set_healthy(self, healthy: bool) -> None:
        if healthy:
            self._connected.set()
        if healthy == self._healthy:
            return
        self._healthy = healthy
        if self._on_state is not None:
            self._on_state(healthy)
