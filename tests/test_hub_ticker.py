"""The ticker alone (server/live/ticker.py): the hub's periodic jobs on a clock the test moves."""

from __future__ import annotations

import asyncio
import logging

import pytest

from server.live.ticker import Ticker


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def recorder(ran: list[str], name: str):  # type: ignore[no-untyped-def]
    async def step() -> None:
        ran.append(name)

    return step


async def test_the_first_tick_runs_every_job_in_order() -> None:
    """Jobs that never ran are all due on the first tick, and run in the order they were added."""
    clock, ran = FakeClock(), []
    ticker = Ticker(0.25, clock=clock)
    for name, interval in (("a", 10.0), ("b", 0.0), ("c", 1.0)):
        ticker.every(name, interval, recorder(ran, name))
    assert await ticker.tick() == ["a", "b", "c"]
    assert ran == ["a", "b", "c"]


async def test_a_job_runs_again_once_its_interval_passed() -> None:
    """A job with an interval waits that long on the clock; one with interval 0 runs every tick."""
    clock, ran = FakeClock(), []
    ticker = Ticker(0.25, clock=clock)
    ticker.every("digest", 5.0, recorder(ran, "digest"))
    ticker.every("counts", 0, recorder(ran, "counts"))
    await ticker.tick()
    clock.now += 4.99
    assert await ticker.tick() == ["counts"]
    clock.now += 0.01
    assert await ticker.tick() == ["digest", "counts"]


async def test_a_held_back_job_runs_when_allowed_and_due() -> None:
    """`when` false holds a job back whatever its interval; allowed again, it runs at once if its
    interval passed since it last really ran."""
    clock, ran, staff = FakeClock(), [], [False]
    ticker = Ticker(0.25, clock=clock)
    ticker.every("stats", 5.0, recorder(ran, "stats"), when=lambda: staff[0])
    assert await ticker.tick() == []
    clock.now += 60
    staff[0] = True
    assert await ticker.tick() == ["stats"]
    clock.now += 1
    assert await ticker.tick() == []


async def test_an_urgent_job_runs_before_its_interval() -> None:
    """`urgent` true runs a job on this tick even when its interval has not passed (or `when` is false)."""
    clock, ran, lost = FakeClock(), [], [False]
    ticker = Ticker(0.25, clock=clock)
    ticker.every("poll", 1.0, recorder(ran, "poll"), when=lambda: False, urgent=lambda: lost[0])
    assert await ticker.tick() == []
    lost[0] = True
    assert await ticker.tick() == ["poll"]


async def test_a_failing_job_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    """A job that raises is logged, the jobs after it still run, and it waits its interval like any other."""
    clock, ran = FakeClock(), []
    ticker = Ticker(0.25, clock=clock)

    async def broken() -> None:
        raise RuntimeError("SQL is down")

    ticker.every("summaries", 1.0, broken)
    ticker.every("counts", 0, recorder(ran, "counts"))
    with caplog.at_level(logging.ERROR, logger="tong.hub"):
        assert await ticker.tick() == ["summaries", "counts"]
    assert ran == ["counts"] and "summaries failed" in caplog.text
    clock.now += 0.5
    assert await ticker.tick() == ["counts"]


async def test_plain_functions_are_jobs_too() -> None:
    """A job whose work never waits can be a plain function."""
    clock, ran = FakeClock(), []
    ticker = Ticker(0.25, clock=clock)
    ticker.every("beat", 10.0, lambda: ran.append("beat"))
    assert await ticker.tick() == ["beat"] and ran == ["beat"]


async def test_run_aims_at_one_tick_per_period() -> None:
    """Between ticks the ticker waits what is left of its period: a tick that took 0.1 s of a 0.25 s
    period is followed by a 0.15 s wait, one that overran by none."""
    clock = FakeClock()
    durations = iter([0.1, 0.4, 0.0])
    waits: list[float] = []

    async def work() -> None:
        clock.now += next(durations)

    async def sleep(seconds: float) -> None:
        waits.append(round(seconds, 6))
        clock.now += seconds
        if len(waits) == 3:
            raise asyncio.CancelledError

    ticker = Ticker(0.25, clock=clock, sleep=sleep)
    ticker.every("work", 0, work)
    with pytest.raises(asyncio.CancelledError):
        await ticker.run()
    assert waits == [0.15, 0.0, 0.25]


async def test_start_runs_the_loop_until_stop() -> None:
    """A started ticker ticks on the event loop until stopped; stop waits for the loop to end."""
    ran: list[str] = []
    ticked = asyncio.Event()

    async def step() -> None:
        ran.append("tick")
        ticked.set()

    ticker = Ticker(0.01)
    ticker.every("step", 0, step)
    ticker.start()
    assert ticker.running
    await ticked.wait()
    await ticker.stop()
    assert not ticker.running and ran
