"""The writing side of the load: posters at R comments/s and recommenders at Q/s, open loop.

Requests start on a fixed schedule whatever the server's latency (open loop), so a slow server
shows up as latency and as a falling achieved rate, not as a politely lower offered load. At most
`max_in_flight` requests are outstanding; a tick that finds none free is counted as `skipped`.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .frames import comment_body
from .http import HttpError, HttpPool
from .stats import Histogram


@dataclass
class Account:
    login: str
    cookie: str
    recommended: bool = False
    busy: bool = False


async def paced(rate: float, duration: float, fire: Callable[[], None]) -> None:
    """Call `fire` `rate` times a second for `duration` seconds, catching up when the loop lags."""
    if rate <= 0:
        await asyncio.sleep(duration)
        return
    interval = 1.0 / rate
    total = int(rate * duration)
    start = time.monotonic()
    done = 0
    while done < total:
        delay = start + done * interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.monotonic()
        while done < total and start + done * interval <= now:
            fire()
            done += 1


class _Feeder:
    def __init__(self, pool: HttpPool, max_in_flight: int) -> None:
        self.pool = pool
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self.tasks: set[asyncio.Task[None]] = set()
        self.latency = Histogram()
        self.statuses: Counter[str] = Counter()
        self.ok = 0
        self.skipped = 0

    def _launch(self, coro: Any) -> None:
        self.in_flight += 1
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        self.in_flight -= 1

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait for the requests still in flight."""
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=timeout)

    def figures(self, seconds: float) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rate": self.ok / seconds if seconds > 0 else None,
            "skipped": self.skipped,
            "statuses": dict(self.statuses),
            "latency": self.latency.summary(),
        }


class Poster(_Feeder):
    """Posts marked comments to the threads, each thread chosen by its weight."""

    def __init__(
        self,
        pool: HttpPool,
        accounts: list[Account],
        threads: list[int],
        weights: list[float],
        body_size: int,
        max_in_flight: int = 256,
        seed: int = 1,
    ) -> None:
        super().__init__(pool, max_in_flight)
        self.accounts = accounts
        self.threads = threads
        self.weights = weights
        self.body_size = body_size
        self.rng = random.Random(seed)
        self.next_index = 0
        self.next_account = 0
        # index -> thread of every comment the server accepted, for per-comment expectations.
        self.accepted: dict[int, int] = {}
        self.accepted_per_thread: Counter[int] = Counter()
        self.max_seq: dict[int, int] = {}

    async def run(self, rate: float, duration: float, phase: int) -> None:
        await paced(rate, duration, lambda: self._fire(phase))

    def _fire(self, phase: int) -> None:
        if self.in_flight >= self.max_in_flight:
            self.skipped += 1
            return
        index = self.next_index
        self.next_index += 1
        account = self.accounts[self.next_account % len(self.accounts)]
        self.next_account += 1
        thread = self.rng.choices(self.threads, self.weights)[0] if len(self.threads) > 1 else self.threads[0]
        self._launch(self._post(phase, index, thread, account))

    async def _post(self, phase: int, index: int, thread: int, account: Account) -> None:
        body = comment_body(phase, index, self.body_size)
        t0 = time.monotonic()
        try:
            status, data = await self.pool.request(
                "POST", f"/api/threads/{thread}/comments", {"body": body}, account.cookie
            )
        except HttpError:
            self.statuses["error"] += 1
            return
        self.latency.add(time.monotonic() - t0)
        self.statuses[str(status)] += 1
        if status == 201:
            self.ok += 1
            self.accepted[index] = thread
            self.accepted_per_thread[thread] += 1
            seq = json.loads(data).get("seq")
            if isinstance(seq, int) and seq > self.max_seq.get(thread, 0):
                self.max_seq[thread] = seq


class Recommender(_Feeder):
    """Toggles each account's recommendation of one thread, one request per account at a time.

    Recommending is idempotent, so a sustained rate with few accounts alternates PUT and DELETE;
    the exact final count is the number of accounts whose last answer said `recommended`.
    """

    def __init__(
        self, pool: HttpPool, accounts: list[Account], thread: int, max_in_flight: int = 256, seed: int = 1
    ) -> None:
        super().__init__(pool, max_in_flight)
        self.accounts = accounts
        self.thread = thread
        # Random order, so the final count is not whatever a round-robin parity leaves.
        self.rng = random.Random(seed)

    @property
    def expected_count(self) -> int:
        return sum(1 for a in self.accounts if a.recommended)

    async def run(self, rate: float, duration: float) -> None:
        await paced(rate, duration, self._fire)

    def _fire(self) -> None:
        if self.in_flight >= self.max_in_flight:
            self.skipped += 1
            return
        start = self.rng.randrange(len(self.accounts))
        for offset in range(len(self.accounts)):
            account = self.accounts[(start + offset) % len(self.accounts)]
            if not account.busy:
                account.busy = True
                self._launch(self._toggle(account))
                return
        self.skipped += 1

    async def _toggle(self, account: Account) -> None:
        method = "DELETE" if account.recommended else "PUT"
        t0 = time.monotonic()
        try:
            status, data = await self.pool.request(
                method, f"/api/threads/{self.thread}/recommendation", None, account.cookie
            )
            self.latency.add(time.monotonic() - t0)
            self.statuses[str(status)] += 1
            if status == 200:
                self.ok += 1
                account.recommended = bool(json.loads(data).get("recommended"))
        except HttpError:
            self.statuses["error"] += 1
        finally:
            account.busy = False
