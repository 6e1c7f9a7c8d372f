"""A circuit breaker for every network call a request makes to a shared service (Redis above all).

A request must never wait on a dead or stalled broker: each guarded call gets a deadline in
milliseconds, and after `failure_threshold` failures in a row the breaker opens and refuses calls
at once (no network I/O) for `cooldown_s`. Then it is half-open: one trial call goes through while
the others are still refused; its success closes the breaker, its failure opens it again.

Callers catch `Unavailable` (raised for a refusal, a missed deadline and a failed call alike) and
use their per-process fallback: a local rate-limit window, this process's presence counts, SQL
polling instead of pub/sub.

    breaker = Breaker("redis", deadline_ms=50)
    try:
        count = await breaker.call(lambda: client.incr(key))
    except Unavailable:
        count = local_count(key)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import TypeVar

log = logging.getLogger("tong.breaker")

T = TypeVar("T")

# Three failures in a row: one lost packet or one slow command does not open the breaker, yet a
# stalled Redis costs at most three calls their deadline before every caller is refused at once.
FAILURE_THRESHOLD = 3
# Long enough that a Redis being restarted is not hammered by every request, short enough that
# Tong is back on Redis within a couple of seconds of its return.
COOLDOWN_S = 2.0
# Loopback Redis answers in well under a millisecond; 50 ms is a stalled server, and keeps a
# request that meets the stall far inside its latency budget (POST p99 < 100 ms).
DEADLINE_MS = 50.0


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class Unavailable(Exception):
    """The guarded service did not answer: refused by an open breaker, past its deadline, or
    failed. The caller falls back to what this process can do alone."""


class Open(Unavailable):
    """Refused without trying: the breaker is open (or half-open with its trial in flight)."""


class DeadlineExceeded(Unavailable):
    """The call did not finish within its deadline and was cancelled."""


StateListener = Callable[["Breaker", State], None]


class Breaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = FAILURE_THRESHOLD,
        cooldown_s: float = COOLDOWN_S,
        deadline_ms: float = DEADLINE_MS,
        failures: tuple[type[BaseException], ...] = (Exception,),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.name = name
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self.deadline_ms = deadline_ms
        # Exceptions that count as the service failing; anything else (a bug in the caller's
        # code) propagates unchanged and leaves the breaker as it was.
        self._failures = failures
        self._clock = clock
        self._state = State.CLOSED
        self._consecutive = 0
        self._opened_at = 0.0
        self._trial_in_flight = False
        self._listeners: list[StateListener] = []
        self.opened_count = 0

    # --- state --------------------------------------------------------------------------------

    @property
    def state(self) -> State:
        """The state now: an open breaker whose cool-down has passed reads as half-open."""
        if self._state is State.OPEN and self._clock() - self._opened_at >= self.cooldown_s:
            return State.HALF_OPEN
        return self._state

    @property
    def available(self) -> bool:
        """Whether a call made now would be attempted (reads the state, changes nothing)."""
        state = self.state
        return state is State.CLOSED or (state is State.HALF_OPEN and not self._trial_in_flight)

    def on_change(self, listener: StateListener) -> None:
        """Call `listener(breaker, new_state)` on every transition (metrics, logs, the hub)."""
        self._listeners.append(listener)

    def _set(self, state: State) -> None:
        if state is self._state:
            return
        previous, self._state = self._state, state
        if state is State.OPEN:
            self.opened_count += 1
            # One warning per outage; each failed half-open trial after it is routine.
            report = log.warning if previous is State.CLOSED else log.debug
            report("%s breaker open: calls refused for %.1fs", self.name, self.cooldown_s)
        elif state is State.CLOSED:
            log.warning("%s breaker closed: %s answers again", self.name, self.name)
        for listener in self._listeners:
            try:
                listener(self, state)
            except Exception:
                log.exception("%s breaker listener failed", self.name)

    # --- the low-level protocol, for callers that cannot hand over a coroutine -------------------

    def allow(self) -> bool:
        """Claim the right to make one call; False means refused (use the fallback).

        Every True must be followed by exactly one `succeeded()` or `failed()`.
        """
        state = self.state
        if state is State.CLOSED:
            return True
        if state is State.HALF_OPEN and not self._trial_in_flight:
            self._set(State.HALF_OPEN)
            self._trial_in_flight = True
            return True
        return False

    def succeeded(self) -> None:
        self._consecutive = 0
        self._trial_in_flight = False
        self._set(State.CLOSED)

    def failed(self) -> None:
        self._trial_in_flight = False
        self._consecutive += 1
        if self._state is State.HALF_OPEN or self._consecutive >= self.failure_threshold:
            self._opened_at = self._clock()
            self._set(State.OPEN)

    def trip(self) -> None:
        """Open now: another signal (a lost pub/sub connection, a missed probe) says it is down."""
        self._opened_at = self._clock()
        self._consecutive = max(self._consecutive, self.failure_threshold)
        self._set(State.OPEN)

    # --- the usual way in ---------------------------------------------------------------------

    async def call(self, fn: Callable[[], Awaitable[T]], *, deadline_ms: float | None = None) -> T:
        """Run `fn()` within the deadline (ms); raise `Unavailable` instead of waiting on a dead
        service. Pass a factory (`lambda: client.get(key)`), so nothing starts when refused."""
        if not self.allow():
            raise Open(f"{self.name} is unavailable (breaker {self.state})")
        deadline = (self.deadline_ms if deadline_ms is None else deadline_ms) / 1000.0
        try:
            async with asyncio.timeout(deadline):
                result = await fn()
        except TimeoutError as exc:
            self.failed()
            raise DeadlineExceeded(f"{self.name} did not answer within {deadline * 1000:.0f} ms") from exc
        except asyncio.CancelledError:
            # The caller was cancelled, not the service: give the trial back without a verdict.
            self._trial_in_flight = False
            raise
        except self._failures as exc:
            self.failed()
            raise Unavailable(f"{self.name} failed: {exc}") from exc
        except BaseException:
            self._trial_in_flight = False
            raise
        self.succeeded()
        return result
