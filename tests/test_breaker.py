"""The circuit breaker every Redis call a request makes goes through (server/broker/breaker.py)."""

from __future__ import annotations

import asyncio
import time

import pytest

from server.broker.breaker import Breaker, DeadlineExceeded, Open, State, Unavailable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def ok() -> str:
    return "ok"


async def boom() -> str:
    raise ConnectionError("refused")


async def stall() -> str:
    await asyncio.sleep(3600)
    return "never"


def make(clock: Clock, **kwargs: float) -> Breaker:
    options: dict[str, float] = {"failure_threshold": 3, "cooldown_s": 2.0, "deadline_ms": 20.0}
    options.update(kwargs)
    return Breaker("redis", clock=clock, **options)  # type: ignore[arg-type]


async def test_closed_breaker_passes_results_through() -> None:
    """A closed breaker runs the call and returns its result."""
    breaker = make(Clock())
    assert await breaker.call(ok) == "ok"
    assert breaker.state is State.CLOSED


async def test_failures_below_threshold_keep_it_closed() -> None:
    """Fewer failures in a row than the threshold leave the breaker closed; a success resets the count."""
    breaker = make(Clock())
    for _ in range(2):
        with pytest.raises(Unavailable):
            await breaker.call(boom)
    assert await breaker.call(ok) == "ok"
    for _ in range(2):
        with pytest.raises(Unavailable):
            await breaker.call(boom)
    assert breaker.state is State.CLOSED


async def test_threshold_failures_open_it_and_calls_are_refused_without_running() -> None:
    """After `failure_threshold` failures in a row, calls are refused at once and the function never runs."""
    breaker = make(Clock())
    for _ in range(3):
        with pytest.raises(Unavailable) as info:
            await breaker.call(boom)
        assert isinstance(info.value.__cause__, ConnectionError)
    assert breaker.state is State.OPEN
    ran = []

    async def record() -> str:
        ran.append(1)
        return "ran"

    with pytest.raises(Open):
        await breaker.call(record)
    assert ran == []
    assert not breaker.available


async def test_deadline_cancels_a_stalled_call_quickly() -> None:
    """A call that does not answer within its deadline (ms) is cancelled and counts as a failure."""
    breaker = make(Clock(), deadline_ms=30.0)
    started = time.perf_counter()
    with pytest.raises(DeadlineExceeded):
        await breaker.call(stall)
    elapsed = time.perf_counter() - started
    assert 0.02 <= elapsed < 0.5
    with pytest.raises(DeadlineExceeded):
        await breaker.call(stall, deadline_ms=5)
    assert breaker.state is State.CLOSED


async def test_a_stalled_service_costs_at_most_threshold_deadlines() -> None:
    """Against a stalled service only the first `failure_threshold` calls wait; the rest are refused."""
    breaker = make(Clock(), deadline_ms=20.0)
    waits = []
    for _ in range(20):
        started = time.perf_counter()
        with pytest.raises(Unavailable):
            await breaker.call(stall)
        waits.append(time.perf_counter() - started)
    assert sum(1 for w in waits if w >= 0.015) == 3
    assert max(waits[3:]) < 0.005


async def test_half_open_after_cooldown_lets_one_trial_through() -> None:
    """After the cool-down one trial call runs while concurrent calls are still refused; success closes it."""
    clock = Clock()
    breaker = make(clock)
    breaker.trip()
    assert breaker.state is State.OPEN
    clock.now += 2.0
    assert breaker.state is State.HALF_OPEN
    assert breaker.available
    gate = asyncio.Event()

    async def slow_ok() -> str:
        await gate.wait()
        return "ok"

    trial = asyncio.create_task(breaker.call(slow_ok, deadline_ms=1000))
    await asyncio.sleep(0)
    with pytest.raises(Open):
        await breaker.call(ok)
    gate.set()
    assert await trial == "ok"
    assert breaker.state is State.CLOSED
    assert await breaker.call(ok) == "ok"


async def test_failed_trial_reopens_for_another_cooldown() -> None:
    """A failed half-open trial opens the breaker again, refusing calls for another cool-down."""
    clock = Clock()
    breaker = make(clock)
    breaker.trip()
    clock.now += 2.5
    with pytest.raises(Unavailable):
        await breaker.call(boom)
    assert breaker.state is State.OPEN
    clock.now += 1.0
    with pytest.raises(Open):
        await breaker.call(ok)
    clock.now += 1.0
    assert await breaker.call(ok) == "ok"


async def test_listeners_hear_every_transition() -> None:
    """State listeners hear open, half-open and closed, in order."""
    clock = Clock()
    breaker = make(clock, failure_threshold=1)
    heard: list[State] = []
    breaker.on_change(lambda _b, state: heard.append(state))
    with pytest.raises(Unavailable):
        await breaker.call(boom)
    clock.now += 2.0
    with pytest.raises(Unavailable):
        await breaker.call(boom)
    clock.now += 2.0
    await breaker.call(ok)
    assert heard == [State.OPEN, State.HALF_OPEN, State.OPEN, State.HALF_OPEN, State.CLOSED]
    assert breaker.opened_count == 2


async def test_exceptions_outside_failures_propagate_and_do_not_count() -> None:
    """An exception that is not a service failure (a bug) propagates as itself and leaves the count alone."""
    breaker = Breaker("redis", failure_threshold=1, failures=(ConnectionError,))

    async def bug() -> str:
        raise KeyError("x")

    with pytest.raises(KeyError):
        await breaker.call(bug)
    assert breaker.state is State.CLOSED
    with pytest.raises(Unavailable):
        await breaker.call(boom)
    assert breaker.state is State.OPEN


async def test_cancelled_caller_returns_the_trial_without_a_verdict() -> None:
    """A caller cancelled during the half-open trial frees the trial slot instead of wedging the breaker."""
    clock = Clock()
    breaker = make(clock)
    breaker.trip()
    clock.now += 2.0
    task = asyncio.create_task(breaker.call(stall, deadline_ms=10_000))
    await asyncio.sleep(0)
    assert not breaker.available
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert breaker.available
    assert await breaker.call(ok) == "ok"


def test_allow_protocol_for_callers_without_a_coroutine() -> None:
    """allow()/succeeded()/failed() give the same states to callers that manage the call themselves."""
    clock = Clock()
    breaker = make(clock, failure_threshold=2)
    assert breaker.allow()
    breaker.failed()
    assert breaker.allow()
    breaker.failed()
    assert not breaker.allow()
    clock.now += 2.0
    assert breaker.allow()
    assert not breaker.allow()
    breaker.succeeded()
    assert breaker.state is State.CLOSED
