"""The hub's periodic jobs on one loop, with the clock injected (as broker/breaker.py takes one).

Each job runs when its interval has passed since it last ran (every tick for an interval of 0),
in the order the jobs were added; `when` holds a job back while false (its interval counts from
when it last really ran), `urgent` runs it on this tick whatever its interval. A job that fails is
logged and the others still run: one broken step never stops the hub's counts or presence.

    ticker = Ticker(0.25, clock=fake_clock)
    ticker.every("digest", 5.0, flush_digest)
    await ticker.tick()                  # runs what is due at fake_clock()

`run()` ticks forever, aiming at one tick per `period` (a slow tick shortens the wait after it);
tests call `tick()` with a clock they move themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger("tong.hub")

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
# A job's work: a coroutine function, or a plain function for work that never waits.
Step = Callable[[], Awaitable[None] | None]


@dataclass(slots=True)
class Job:
    name: str
    interval: float
    step: Step
    when: Callable[[], bool] | None = None
    urgent: Callable[[], bool] | None = None
    # Never ran: the first tick runs every job.
    last: float = float("-inf")

    def due(self, now: float) -> bool:
        if self.urgent is not None and self.urgent():
            return True
        if self.when is not None and not self.when():
            return False
        return now - self.last >= self.interval


class Ticker:
    def __init__(self, period: float, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.period = period
        self.clock = clock
        self._sleep = sleep
        self.jobs: list[Job] = []
        self._task: asyncio.Task[None] | None = None

    def every(
        self,
        name: str,
        interval: float,
        step: Step,
        *,
        when: Callable[[], bool] | None = None,
        urgent: Callable[[], bool] | None = None,
    ) -> Job:
        """Run `step()` once `interval` seconds passed since it last ran (0: every tick)."""
        job = Job(name, interval, step, when, urgent)
        self.jobs.append(job)
        return job

    async def tick(self) -> list[str]:
        """Run every job due now, in the order added; the names of those that ran."""
        now = self.clock()
        ran = []
        for job in self.jobs:
            if not job.due(now):
                continue
            # Marked before it runs: a failing job waits its interval, as one that succeeded.
            job.last = now
            ran.append(job.name)
            try:
                result = job.step()
                if result is not None:
                    await result
            except Exception:
                log.exception("hub job %s failed", job.name)
        return ran

    async def run(self) -> None:
        while True:
            started = self.clock()
            await self.tick()
            await self._sleep(max(0.0, self.period - (self.clock() - started)))

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="hub-ticker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
