"""Two `tong serve` processes on a real Redis Cluster (three masters, three replicas) with sharded
pub/sub: the live core, then a slot moved and a master killed under watchers and writers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import pytest_asyncio

from server.broker.cluster import parse_cluster_url
from tests.clients import Socket
from tests.live_core import Watcher, live_core
from tests.redis_cluster import RedisClusterNodes, missing_binaries
from tests.servers import IN_CI, Stack, services_available
from tests.test_processes import create_accounts, logged_in, two_servers

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


@pytest_asyncio.fixture(scope="module")
async def pg(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    missing = await services_available()
    if missing is not None:
        if IN_CI:
            pytest.fail(f"CI needs PostgreSQL: {missing}")
        pytest.skip(missing)
    stack = Stack("postgres", tmp_path_factory.mktemp("cluster"), postgres=True)
    yield stack
    await stack.drop_databases()


def test_cluster_url_names_any_nodes() -> None:
    """A cluster URL names one or more seed nodes, with optional credentials."""
    address = parse_cluster_url("redis+cluster://tong:s%40cret@10.0.0.1:7000,redis-b:7001,[::1]:7002")
    assert address.nodes == [("10.0.0.1", 7000), ("redis-b", 7001), ("::1", 7002)]
    assert (address.username, address.password) == ("tong", "s@cret")
    assert parse_cluster_url("redis+cluster://redis").nodes == [("redis", 6379)]
    with pytest.raises(ValueError):
        parse_cluster_url("redis+cluster://:7000")


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
