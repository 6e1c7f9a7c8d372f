"""Redis pub/sub through redis-py's `redis.asyncio` (aioredis is abandoned and fails to import on 3.11).

One Redis channel per Tong channel, so a process receives only the threads its sockets watch. One
pub/sub connection per process, apart from the pool used to publish; it reconnects and
resubscribes by itself, and tells the hub, which catches up from SQL for what was missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from server.broker.base import Broker, BrokerUnavailable

log = logging.getLogger("tong.broker")

# A process that has not refreshed its presence for this long is taken to be gone (crashed).
PRESENCE_TTL_S = 30
RECONNECT_MAX_S = 5.0


class RedisBroker(Broker):
    # Classic pub/sub; the cluster broker sends SPUBLISH, which stays within one shard.
    publish_command = "PUBLISH"

    def __init__(self, url: str, process_id: str, prefix: str = "tong:") -> None:
        super().__init__()
        self._prefix = prefix
        # Always subscribed, so the pub/sub connection is never idle without a subscription.
        self._sentinel = prefix + "_"
        self._processes_key = prefix + "processes"
        self._url = url
        self._process_id = process_id
        self._client = self._connect(url)
        self._channels: set[str] = set()
        self._pubsub: object | None = None
        self._healthy = False
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    def _connect(self, url: str) -> Redis:
        """The client for commands (publish, presence); pub/sub has a connection of its own."""
        # redis-py 8 raises MaxConnectionsError at a plain pool's cap; a blocking pool waits.
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
        self._task = asyncio.create_task(self._listen(), name="redis-pubsub")
        # Wait briefly for the first connection; if Redis is down the process still starts,
        # degraded, and the listener keeps trying.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), timeout=3)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(RedisError, OSError):
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.delete(self._presence_key(self._process_id))
                pipe.zrem(self._processes_key, self._process_id)
                await pipe.execute()
        await self._disconnect()

    async def ping(self) -> None:
        await self._client.ping()
        if not self._healthy:
            raise BrokerUnavailable("pub/sub connection is down")

    async def publish(self, channel: str, message: bytes) -> None:
        try:
            await self._client.execute_command(self.publish_command, self._prefix + channel, message)
        except (RedisError, OSError) as exc:
            raise BrokerUnavailable(str(exc)) from exc

    async def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for channel, message in messages:
                    pipe.execute_command(self.publish_command, self._prefix + channel, message)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            raise BrokerUnavailable(str(exc)) from exc

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)
        pubsub = self._pubsub
        if pubsub is not None and self._healthy:
            try:
                await pubsub.subscribe(self._prefix + channel)  # type: ignore[attr-defined]
            except (RedisError, OSError):
                log.warning("subscribe to %s failed; the listener resubscribes on reconnect", channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        pubsub = self._pubsub
        if pubsub is not None and self._healthy:
            with contextlib.suppress(RedisError, OSError):
                await pubsub.unsubscribe(self._prefix + channel)  # type: ignore[attr-defined]

    async def set_presence(self, counts: dict[str, int]) -> None:
        key = self._presence_key(self._process_id)
        try:
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
        except (RedisError, OSError) as exc:
            raise BrokerUnavailable(str(exc)) from exc

    async def presence(self, channels: list[str]) -> dict[str, int]:
        try:
            alive = await self._client.zrangebyscore(
                self._processes_key, time.time() - PRESENCE_TTL_S, "+inf"
            )
            totals = dict.fromkeys(channels, 0)
            if not alive or not channels:
                return totals
            async with self._client.pipeline(transaction=False) as pipe:
                for process in alive:
                    name = process.decode() if isinstance(process, bytes) else str(process)
                    pipe.hmget(self._presence_key(name), channels)
                rows = await pipe.execute()
        except (RedisError, OSError) as exc:
            raise BrokerUnavailable(str(exc)) from exc
        for values in rows:
            for channel, value in zip(channels, values, strict=True):
                if value is not None:
                    totals[channel] += int(value)
        return totals

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            pubsub = self._sub_client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._sentinel, *(self._prefix + c for c in self._channels))
                self._pubsub = pubsub
                self._set_healthy(True)
                delay = 0.1
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None and self._on_message is not None:
                        channel = message["channel"].decode()
                        if channel != self._sentinel:
                            self._on_message(channel[len(self._prefix) :], message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure: drop the connection, back off, start over
                log.warning("redis pub/sub lost (%s); reconnecting in %.1fs", exc, delay)
            finally:
                self._pubsub = None
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            self._set_healthy(False)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    def _set_healthy(self, healthy: bool) -> None:
        if healthy:
            self._connected.set()
        if healthy == self._healthy:
            return
        self._healthy = healthy
        if self._on_state is not None:
            self._on_state(healthy)
