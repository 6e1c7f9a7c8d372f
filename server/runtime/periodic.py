"""A background loop owned by the app's lifespan: started once, cancelled and awaited on stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("tong.periodic")

# A step returns how long to wait before the next one (0 to go on at once), or None for the
# loop's interval. A failing step is logged and retried after the interval: the loop never dies.
Step = Callable[[], Awaitable[float | None]]


class Periodic:
    def __init__(self, name: str, step: Step, interval: float) -> None:
        self.name = name
        self.interval = interval
        self._step = step
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                wait = await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed; retrying", self.name)
                wait = None
            await asyncio.sleep(self.interval if wait is None else wait)
