"""Two `tong serve` processes on a real Redis Cluster (three masters, three replicas) with sharded
pub/sub: the live core, then a slot moved and a master killed under watchers and writers."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable, Iterator

import pytest

from server.broker.cluster import ClusterBroker, parse_cluster_url
from tests.support.clients import Socket
from tests.support.live_core import Watcher, live_core
from tests.support.processes import create_accounts, logged_in, two_servers
from tests.support.redis_cluster import RedisClusterNodes, missing_binaries
from tests.support.servers import IN_CI, Stack

WATCHERS_PER_PROCESS = 5
POST_EVERY_S = 0.05


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterNodes]:
    missing = missing_binaries()
    if missing is not None:
        if IN_CI:
            pytest.fail(f"CI needs a Redis Cluster: {missing}")
        pytest.skip(missing)
    nodes = RedisClusterNodes(tmp_path_factory.mktemp("redis-cluster"))
    try:
        nodes.start()
        yield nodes
    finally:
        nodes.stop()


def test_cluster_url_names_any_nodes() -> None:
    """A cluster URL names one or more seed nodes, with optional credentials."""
    address = parse_cluster_url("redis+cluster://tong:s%40cret@10.0.0.1:7000,redis-b:7001,[::1]:7002")
    assert address.nodes == [("10.0.0.1", 7000), ("redis-b", 7001), ("::1", 7002)]
    assert (address.username, address.password) == ("tong", "s@cret")
    assert parse_cluster_url("redis+cluster://redis").nodes == [("redis", 6379)]
    with pytest.raises(ValueError):
        parse_cluster_url("redis+cluster://:7000")


async def test_bench_counts_publishes_on_every_master(cluster: RedisClusterNodes) -> None:
    """`tong bench` reads publishes from every master of a cluster URL, sharded ones included."""
    from tong_bench import redisstats

    before = await redisstats.counters(cluster.url)
    assert before["masters"] == 3
    for n in range(10):
        cluster.cli(cluster.alive()[0], "-c", "spublish", f"bench:{n}", "x")
    after = await redisstats.counters(cluster.url)
    assert redisstats.difference(before, after, 5)["publishes_per_comment"] == 2.0


async def test_concurrent_first_subscriptions_all_receive(cluster: RedisClusterNodes) -> None:
    """Many channels subscribed at once on a fresh broker (new connections to every master) all
    receive what is published to them."""
    received: dict[str, list[bytes]] = {}
    channels = [f"thread:{n}" for n in range(60)]
    everything = asyncio.Event()

    def on_message(channel: str, data: bytes) -> None:
        received.setdefault(channel, []).append(data)
        if len(received) == len(channels):
            everything.set()

    broker = ClusterBroker(cluster.url, "subscriber", prefix="racetest:")
    broker.bind(on_message, lambda _healthy: None)
    publisher = ClusterBroker(cluster.url, "publisher", prefix="racetest:")
    publisher.bind(lambda _c, _d: None, lambda _h: None)
    await broker.start()
    await publisher.start()
    try:
        await asyncio.gather(*(broker.subscribe(c) for c in channels))
        await publisher.publish_many([(c, b"hello") for c in channels])
        async with asyncio.timeout(10):
            await everything.wait()
        assert all(received[c] == [b"hello"] for c in channels)
    finally:
        await broker.stop()
        await publisher.stop()


async def test_live_core_on_cluster(pg: Stack, cluster: RedisClusterNodes) -> None:
    """Across two processes on the cluster: fan-out, 100 concurrent posts delivered once and in
    order, and watchers counted over both processes."""
    async with two_servers(pg, redis_url=cluster.url) as (a, b):
        await live_core(a, b)


async def disrupted(
    pg: Stack,
    cluster: RedisClusterNodes,
    disrupt: Callable[[int], None],
    settle_s: float,
) -> tuple[float, float]:
    """Watchers on both processes, a writer on each, and `disrupt(slot)` applied to the slot of
    the watched thread's channel mid-stream. Every watcher must end with every event once and in
    order. Returns (seconds until every watcher was whole again, worst delay of one event)."""
    async with two_servers(pg, redis_url=cluster.url, degraded_poll_interval=0.5) as (a, b):
        logins = await create_accounts(a, "company", 2)
        writers = [await logged_in(a, logins[0]), await logged_in(b, logins[1])]
        thread = await writers[0].thread()
        channel = f"thread:{thread['id']}"
        watchers = [Watcher(await Socket.open(s.ws_url)) for s in (a, b) for _ in range(WATCHERS_PER_PROCESS)]
        for watcher in watchers:
            await watcher.socket.subscribe(channel, since=0)
        readers = [asyncio.create_task(w.read_forever()) for w in watchers]

        # The processes listen on the shard that owns the channel, with sharded pub/sub only.
        slot = cluster.slot_of(a.settings.redis_prefix + channel)
        owner = cluster.owner(slot)
        key = a.settings.redis_prefix + channel
        assert cluster.cli(owner, "pubsub", "shardnumsub", key).split() == [key, "2"]
        assert cluster.cli(owner, "pubsub", "numsub", key).split() == [key, "0"]

        posted: dict[int, float] = {}
        stop, ten_posted = asyncio.Event(), asyncio.Event()

        async def write() -> None:
            n = 0
            while not stop.is_set():
                sent = time.monotonic()
                comment = await writers[n % 2].comment(thread["id"], f"글 {n}")
                posted[comment["seq"]] = sent
                n += 1
                if n >= 10:
                    ten_posted.set()
                await asyncio.sleep(POST_EVERY_S)

        writing = asyncio.create_task(write())
        await ten_posted.wait()
        started = time.monotonic()
        await asyncio.to_thread(disrupt, slot)
        await asyncio.to_thread(cluster.wait_healthy)
        await asyncio.sleep(settle_s)
        stop.set()
        await writing
        last = max(posted)
        assert sorted(posted) == list(range(1, last + 1))

        with contextlib.suppress(TimeoutError):
            await asyncio.gather(*(w.wait_for(last, timeout=20) for w in watchers))
        for watcher in watchers:
            assert watcher.seqs == list(range(1, last + 1)), watcher.seqs
        await asyncio.sleep(0.5)
        for reader in readers:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        for watcher in watchers:
            assert watcher.seqs == list(range(1, last + 1)), "an event arrived twice"
            await watcher.socket.close()
        for writer in writers:
            await writer.aclose()

        # The first event committed after the disruption began, and when everyone had it.
        first_after = min(seq for seq, at in posted.items() if at >= started)
        whole = max(w.whole_at(first_after) for w in watchers) - started
        worst = max(max(w.arrived[seq] for w in watchers) - at for seq, at in posted.items())
        return whole, worst


async def test_slot_moved_under_watchers(
    pg: Stack, cluster: RedisClusterNodes, capsys: pytest.CaptureFixture[str]
) -> None:
    """The slot holding a watched thread's channel moves to another master while two writers
    post: every watcher on both processes ends with every event once, in order."""

    def reshard(slot: int) -> None:
        source = cluster.owner(slot)
        target = next(m for m in cluster.masters() if m is not source)
        cluster.move_slot(slot, target)

    whole, worst = await disrupted(pg, cluster, reshard, settle_s=1.5)
    with capsys.disabled():
        print(
            f"\nreshard: every watcher whole again {whole:.2f} s after the move; "
            f"worst event delay {worst:.2f} s"
        )


async def test_stalled_master_makes_the_broker_unhealthy(cluster: RedisClusterNodes) -> None:
    """A master that stops answering (SIGSTOP) without closing its connections turns the broker
    unhealthy (watchers are then fed from SQL) even when the probe's own shard is fine; once the
    cluster is whole again, so is the broker."""
    states: list[bool] = []
    changed = asyncio.Event()

    def on_state(healthy: bool) -> None:
        states.append(healthy)
        changed.set()

    broker = ClusterBroker(cluster.url, "stall", prefix="stalltest:")
    broker.bind(lambda _c, _d: None, on_state)
    await broker.start()
    try:
        for n in range(30):
            await broker.subscribe(f"thread:{n}")
        probe_owner = cluster.owner(cluster.slot_of(broker._probe_channel))
        stalled = next(m for m in cluster.masters() if m is not probe_owner)
        assert broker.healthy
        assert stalled.process is not None
        stalled.process.send_signal(signal.SIGSTOP)
        try:
            async with asyncio.timeout(5):
                while broker.healthy:
                    changed.clear()
                    await changed.wait()
        finally:
            stalled.process.send_signal(signal.SIGCONT)
        await asyncio.to_thread(cluster.wait_healthy)
        async with asyncio.timeout(15):
            while not broker.healthy:
                changed.clear()
                await changed.wait()
        assert states[-2:] == [False, True]
    finally:
        await broker.stop()


async def test_master_killed_under_watchers(
    pg: Stack, cluster: RedisClusterNodes, capsys: pytest.CaptureFixture[str]
) -> None:
    """The master serving a watched thread's channel dies and its replica takes over while two
    writers post: every watcher on both processes ends with every event once, in order."""

    def kill_owner(slot: int) -> None:
        cluster.kill(cluster.owner(slot))

    whole, worst = await disrupted(pg, cluster, kill_owner, settle_s=1.0)
    with capsys.disabled():
        print(
            f"\nfailover: every watcher whole again {whole:.2f} s after the kill; "
            f"worst event delay {worst:.2f} s"
        )


async def test_stop_ends_while_the_shards_are_being_closed(cluster: RedisClusterNodes) -> None:
    """`stop()` called while the broker is closing its shard connections after a disruption ends
    promptly: the clean-up does not swallow the stop's cancellation and subscribe again forever
    (how test_stalled_master_makes_the_broker_unhealthy once hung for 13 minutes)."""
    broker = ClusterBroker(cluster.url, "closing", prefix="closingtest:")
    broker.bind(lambda _c, _d: None, lambda _h: None)
    await broker.start()
    assert broker.healthy
    # The listener now waits for a shard reader that takes a moment to end once cancelled.
    closing = asyncio.Event()

    async def slow_reader() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            closing.set()
            await asyncio.sleep(0.5)

    shard = next(iter(broker._shards.values()))
    assert shard.task is not None
    shard.task.cancel()
    shard.task = asyncio.create_task(slow_reader())
    broker._trouble.set()
    async with asyncio.timeout(10):
        await closing.wait()
    # Not `asyncio.timeout(…)` around the stop: its cancellation would reach the listener too and
    # end it, which is what the stop alone failed to do.
    stopping = asyncio.create_task(broker.stop())
    await asyncio.wait([stopping], timeout=30)
    assert stopping.done(), "stop() did not return"
    stopping.result()
    assert all(task.done() for task in broker._tasks), "the listener is still running"
