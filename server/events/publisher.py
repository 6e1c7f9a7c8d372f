"""Publishing after commit, off the request path.

A write's request ends at its commit: `send` only queues the messages, and one task per process
publishes them in commit order. A dead or stalled broker therefore never costs a request anything
(Redis stopping mid-publish used to hold POSTs for the 2-second socket timeout). The change is in
SQL already, so a failed publish loses nothing: its channels are handed to `on_lost` (this
process's hub catches them up from SQL at once), and once a publish succeeds again a catch-up
hint goes to every process, whose hubs poll SQL once for whatever they did not hear.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable

from server.broker import Broker, BrokerUnavailable
from server.events import channels as ch
from server.telemetry.metrics import Metrics

log = logging.getLogger("tong.publisher")

Message = tuple[str, bytes]

# Messages waiting while the broker is slow; past this the oldest are dropped (and caught up from
# SQL like any failed publish). 10,000 is minutes of a busy site's writes.
QUEUE_MAX = 10_000
# How much a single publish round trip carries: one pipeline per batch.
BATCH_MAX = 500
# On shutdown, queued messages get this long to go out.
DRAIN_S = 2.0
# While a catch-up hint is owed, it is retried this often even if nothing else is written: other
# processes whose own pub/sub never broke have no other way to learn that they missed something.
HINT_RETRY_S = 0.5


class Publisher:
    def __init__(
        self, broker: Broker, metrics: Metrics, on_lost: Callable[[set[str]], None] | None = None
    ) -> None:
        self._broker = broker
        self._metrics = metrics
        self._on_lost = on_lost
        self._queue: deque[Message] = deque()
        self._wake = asyncio.Event()
        # Set while nothing is queued or being published.
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        # Set when a publish was lost: the next successful publish tells every process to catch up.
        self._hint_owed = False

    @property
    def queued(self) -> int:
        return len(self._queue)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="publisher")

    async def stop(self) -> None:
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DRAIN_S):
                await self._idle.wait()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def send(self, messages: list[Message]) -> None:
        """Queue `messages` (already committed) for publishing; returns without any network I/O."""
        if not messages:
            return
        self._queue.extend(messages)
        overflow = len(self._queue) - QUEUE_MAX
        if overflow > 0:
            self._lost([self._queue.popleft() for _ in range(overflow)], "queue full")
        if self._task is None:
            # No publishing task (a command-line tool): publish inline, as before.
            await self._publish(self._take())
            return
        self._idle.clear()
        self._wake.set()

    def _take(self) -> list[Message]:
        count = min(len(self._queue), BATCH_MAX)
        return [self._queue.popleft() for _ in range(count)]

    async def _run(self) -> None:
        while True:
            if self._hint_owed:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(HINT_RETRY_S):
                        await self._wake.wait()
            else:
                await self._wake.wait()
            self._wake.clear()
            if not self._queue and self._hint_owed:
                # Refused at once while the breaker is open; its half-open trial gets through.
                await self._publish([])
            while self._queue:
                await self._publish(self._take())
            self._idle.set()

    async def _publish(self, batch: list[Message]) -> None:
        if self._hint_owed:
            batch = [*batch, (ch.BOARD, ch.encode_catch_up())]
        try:
            await self._broker.publish_many(batch)
        except BrokerUnavailable as exc:
            self._lost(batch, str(exc))
            return
        self._hint_owed = False
        for channel, _message in batch:
            self._metrics.events_published.labels(ch.channel_kind(channel)).inc()

    def _lost(self, batch: list[Message], reason: str) -> None:
        self._metrics.publish_failures.inc(len(batch))
        # One warning per outage, not one per write.
        report = log.debug if self._hint_owed else log.warning
        self._hint_owed = True
        report("publish of %d messages failed (%s); watchers catch up from SQL", len(batch), reason)
        if self._on_lost is not None:
            self._on_lost({channel for channel, _message in batch})
