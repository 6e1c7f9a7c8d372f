"""The hub built alone: a memory broker, an event log in memory, and time the test moves."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from server.broker.memory import MemoryBroker
from server.events import channels as ch
from server.live.hub import Hub
from server.live.threads import CHANNEL_GRACE_S
from server.runtime.settings import Settings
from server.telemetry.metrics import Metrics
from tests.support.hubfakes import FakeLog, FakePeer, ManualTime


class Sessions:
    """Which sessions SQL would call live: none, unless the test says so."""

    def __init__(self) -> None:
        self.live_until: dict[str, float] = {}

    async def live(self, hashes: list[str]) -> dict[str, float]:
        return {h: self.live_until[h] for h in hashes if h in self.live_until}

    def forget(self, account_id: int, session: str | None) -> None:
        pass


@pytest.fixture
def log() -> FakeLog:
    return FakeLog()


@pytest.fixture
def time() -> ManualTime:
    return ManualTime()


@pytest.fixture
def sessions() -> Sessions:
    return Sessions()


@pytest.fixture
async def hub(log: FakeLog, time: ManualTime, sessions: Sessions) -> AsyncIterator[Hub]:
    hub = Hub(MemoryBroker(), log, Settings(), Metrics(), sessions=sessions, clock=time, sleep=time.sleep)
    await hub.start()
    yield hub
    await hub.stop()


def frames_of(peer: FakePeer, kind: str) -> list[dict]:  # type: ignore[type-arg]
    return [f for f in map(json.loads, peer.sent) if f.get("type") == kind]


async def test_events_reordered_or_lost_reach_a_watcher_in_order(hub: Hub, log: FakeLog) -> None:
    """Seqs the broker brings out of order go out in order; one it lost is read from the event log."""
    log.threads[1] = []
    peer = FakePeer()
    await hub.subscribe_thread(peer, 1, since=None)
    name = ch.thread_channel(1)
    committed = [log.commit(1) for _ in range(5)]
    for seq, frame in (committed[2], committed[0], committed[1], committed[4]):
        await hub.broker.publish(name, ch.encode_event(seq, frame))
    assert await peer.wait_for_events(5) == [1, 2, 3, 4, 5]
    assert (1, 3, 4) in log.reads


async def test_a_resume_replays_what_came_after_since(hub: Hub, log: FakeLog) -> None:
    """A socket subscribing with `since` gets `subscribed` at the latest seq, then the frames after it."""
    log.threads[1] = []
    for _ in range(4):
        log.commit(1)
    peer = FakePeer()
    await hub.subscribe_thread(peer, 1, since=2)
    assert frames_of(peer, "subscribed")[0]["seq"] == 4
    assert peer.events() == [3, 4]


async def test_an_empty_channel_is_collected_after_its_grace(
    hub: Hub, log: FakeLog, time: ManualTime
) -> None:
    """A thread channel nobody here watches is kept for its grace period on the clock, then forgotten."""
    log.threads[1] = []
    peer = FakePeer()
    await hub.subscribe_thread(peer, 1, since=None)
    hub.unsubscribe(peer, ch.thread_channel(1))
    await time.advance(CHANNEL_GRACE_S - 1)
    assert ch.thread_channel(1) in hub.threads
    await time.advance(2)
    assert ch.thread_channel(1) not in hub.threads


async def test_watcher_counts_go_out_at_most_once_a_second(hub: Hub, log: FakeLog, time: ManualTime) -> None:
    """A watcher count that moves is shown on the next tick, and a second move waits for the watchers
    interval on the clock before it is shown."""
    log.threads[1] = []
    first, second = FakePeer(), FakePeer()
    await hub.subscribe_thread(first, 1, since=None)
    await time.advance(0.25)
    assert [f["data"]["watchers"] for f in frames_of(first, "counts")] == [1]
    await hub.subscribe_thread(second, 1, since=None)
    await time.advance(0.5)
    assert len(frames_of(first, "counts")) == 1
    await time.advance(0.5)
    assert [f["data"]["watchers"] for f in frames_of(first, "counts")] == [1, 2]


async def test_a_revoked_session_loses_the_staff_channel(hub: Hub) -> None:
    """A socket whose session is revoked leaves the staff channel (`session_ended`), reads on anonymous."""
    peer = FakePeer(account_id=7, session="hash")
    hub.signed_in(peer)
    await hub.subscribe_staff(peer)
    hub.revoke(7, "hash")
    assert ch.STAFF not in peer.channels and peer.account_id is None
    assert frames_of(peer, "error")[-1]["code"] == "session_ended"


async def test_sessions_are_rechecked_against_sql_on_the_clock(
    hub: Hub, time: ManualTime, sessions: Sessions
) -> None:
    """A staff socket whose session SQL no longer knows loses its channel at the next recheck, not before."""
    peer = FakePeer(account_id=7, session="hash")
    hub.signed_in(peer)
    await hub.subscribe_staff(peer)
    await time.advance(5)
    assert ch.STAFF in peer.channels
    await time.advance(5)
    assert ch.STAFF not in peer.channels
    assert frames_of(peer, "error")[-1]["code"] == "session_ended"
