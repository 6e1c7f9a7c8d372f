"""Redis Cluster with sharded pub/sub: `REDIS_URL=redis+cluster://host:port[,host:port…]`.

Classic PUBLISH in a cluster is broadcast to every node; SPUBLISH travels only within the shard that
owns the channel's hash slot, so the cluster's pub/sub capacity grows with its masters. Commands
(SPUBLISH, presence) go through redis-py's `RedisCluster`, which follows MOVED and failovers.

Subscriptions are ours rather than `RedisCluster.pubsub()`'s: redis-py 8.1's `ClusterPubSub` does
route SSUBSCRIBE to the owning node and re-routes when its slot map is refreshed, but it reads its
per-node connections one after another (a blocking read on an idle node delays a message waiting on
another), and pub/sub is at-most-once anyway: whatever was published while a slot moved or a
master failed is gone. So each owning master gets one plain pub/sub connection with its own reader,
and any disruption (a lost connection, or the SUNSUBSCRIBE a node sends when a slot it owned has
moved) is handled one way: refresh the slot map, subscribe everything again, and tell the hub,
which catches up from SQL, where every event already is.

Health is RedisBroker's probe, sent with SPUBLISH through the shard that owns the probe channel,
and for every other master a PING on its pub/sub connection: a master that dies fails its
connection at once, and one that stalls with its connections open leaves its PING unanswered, so
the broker counts as unhealthy (the hub polls SQL) until every master answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff

from server.broker.breaker import Breaker
from server.broker.redis import (
    PROBE_INTERVAL_S,
    PROBE_TIMEOUT_S,
    STALE_RECONNECT_S,
    SUBSCRIBE_TIMEOUT_S,
    RedisBroker,
    StalePubSub,
)

log = logging.getLogger("tong.broker")

SCHEME = "redis+cluster://"
# A command meeting a dead master retries briefly (the breaker's deadline bounds it anyway); a
# failover takes seconds, and meanwhile the change is delivered from SQL.
COMMAND_RETRY = Retry(ExponentialBackoff(cap=0.2, base=0.05), retries=3)
# Resubscribing waits for a replica to be promoted: retried often, since every watched thread of
# this process polls SQL until it succeeds.
RESUBSCRIBE_MAX_S = 1.0
# Closing one shard (its reader cancelled, its connections closed) is local work; a peer that
# stalled with its connection open must not hold up a reconnect or a shutdown beyond this.
CLOSE_TIMEOUT_S = 2.0


@dataclass
class ClusterAddress:
    nodes: list[tuple[str, int]]
    username: str | None = None
    password: str | None = None


def parse_cluster_url(url: str) -> ClusterAddress:
    """`redis+cluster://[user:password@]host:port[,host:port…]`: any reachable nodes; the rest are
    discovered."""
    if not url.startswith(SCHEME):
        raise ValueError(f"not a cluster URL: {url!r}")
    rest = url[len(SCHEME) :].split("/", 1)[0]
    username = password = None
    if "@" in rest:
        credentials, rest = rest.rsplit("@", 1)
        user, _, secret = credentials.partition(":")
        username, password = unquote(user) or None, unquote(secret) or None
    nodes = []
    for part in rest.split(","):
        address = urlsplit("//" + part.strip())
        if not address.hostname:
            raise ValueError(f"cluster URL {url!r}: {part!r} is not host:port")
        nodes.append((address.hostname, address.port or 6379))
    return ClusterAddress(nodes, username, password)


@dataclass
class _Shard:
    """One master's pub/sub connection and the task that reads it."""

    client: Redis
    pubsub: PubSub
    task: asyncio.Task[None] | None = None
    channels: set[str] = field(default_factory=set)
    # Commands on the connection one at a time: redis-py's PubSub opens its connection on first
    # use, and two first uses at once would open two, leaving one subscription on a connection
    # nobody reads (messages lost while the broker looks healthy).
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # When the master last answered on this connection (a PONG or any message).
    heard_at: float = field(default_factory=time.monotonic)


class ClusterBroker(RedisBroker):
    publish_command = "SPUBLISH"

    def __init__(
        self, url: str, process_id: str, prefix: str = "tong:", breaker: Breaker | None = None
    ) -> None:
        super().__init__(url, process_id, prefix, breaker)
        # Every presence key shares one hash tag: a process's update (its hash, the list of live
        # processes) is one single-slot pipeline, and reading everyone's counts is one round trip.
        self._processes_key = self._presence_tag + ":processes"
        self._shards: dict[str, _Shard] = {}
        self._trouble = asyncio.Event()

    @property
    def _presence_tag(self) -> str:
        return "{" + self._prefix + "presence}"

    def _presence_key(self, process_id: str) -> str:
        return f"{self._presence_tag}:process:{process_id}"

    def _connect(self, url: str) -> RedisCluster:  # type: ignore[override]
        self._address = parse_cluster_url(url)
        self._cluster = RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in self._address.nodes],
            username=self._address.username,
            password=self._address.password,
            socket_timeout=2,
            socket_connect_timeout=2,
            retry=COMMAND_RETRY,
            # Per node; far above what publish and presence ever hold at once.
            max_connections=64,
        )
        return self._cluster

    async def _disconnect(self) -> None:
        await self._client.aclose()

    # --- subscriptions ---------------------------------------------------------------------------

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)
        if self._pubsub is not None:
            try:
                async with asyncio.timeout(SUBSCRIBE_TIMEOUT_S):
                    await self._ssubscribe(self._prefix + channel)
            except Exception as exc:
                log.warning("ssubscribe to %s failed (%s); subscribing everything again", channel, exc)
                self._trouble.set()

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        name = self._prefix + channel
        for shard in self._shards.values():
            if name in shard.channels:
                shard.channels.discard(name)
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(SUBSCRIBE_TIMEOUT_S), shard.lock:
                        await shard.pubsub.sunsubscribe(name)

    async def _ssubscribe(self, name: str) -> None:
        node = self._cluster.get_node_from_key(name)
        if node is None:
            raise ConnectionError(f"no node holds the slot of {name}")
        shard = self._shards.get(node.name)
        if shard is None:
            client = Redis(
                host=node.host,
                port=int(node.port),
                username=self._address.username,
                password=self._address.password,
                socket_connect_timeout=2,
                health_check_interval=5,
                # A dead master is not retried here: the reader reports it and the whole set is
                # subscribed again on the slot map that names its successor.
                retry=Retry(NoBackoff(), 0),
            )
            shard = _Shard(client, client.pubsub())
            self._shards[node.name] = shard
        shard.channels.add(name)
        async with shard.lock:
            await shard.pubsub.ssubscribe(name)
        if shard.task is None:
            shard.task = asyncio.create_task(self._read(node.name, shard), name=f"redis-shard-{node.name}")

    async def _read(self, node: str, shard: _Shard) -> None:
        try:
            while True:
                message = await shard.pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                shard.heard_at = time.monotonic()
                kind = message["type"]
                if kind == "smessage":
                    self._on_pubsub_message(message["channel"].decode(), message["data"])
                elif kind == "sunsubscribe" and message["channel"] in shard.pubsub.shard_channels:
                    # Not asked for (redis-py forgets channels we unsubscribed): the node gave up
                    # the slot, to a reshard or a failover.
                    log.info("%s dropped %s: its slot moved", node, message["channel"].decode())
                    self._trouble.set()
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("sharded pub/sub on %s lost (%s)", node, exc)
            self._trouble.set()

    async def _listen(self) -> None:
        delay = 0.1
        refresh = False
        while True:
            self._trouble.clear()
            try:
                async with asyncio.timeout(PROBE_TIMEOUT_S + 2):
                    # The first round initialises the client; later ones re-read the slot map.
                    await self._cluster.initialize()
                    if refresh:
                        await self._cluster.nodes_manager.initialize()
                    refresh = True
                    await self._ssubscribe(self._probe_channel)
                    # Channels subscribed meanwhile are picked up before the probe goes out.
                    done: set[str] = set()
                    while missing := self._channels - done:
                        for channel in missing:
                            await self._ssubscribe(self._prefix + channel)
                        done |= missing
                # The probe travels through the shard that owns its channel; healthy once it is back.
                self._pubsub = self._shards[self._owner(self._probe_channel)].pubsub
                self._awaited = None
                self._probe_now.set()
                while not self._trouble.is_set():
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(PROBE_INTERVAL_S):
                            await self._trouble.wait()
                    self._check_probe()
                    await self._ping_shards()
                if self._healthy:
                    delay = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("sharded pub/sub lost (%s); subscribing again in %.1fs", exc, delay)
            finally:
                self._pubsub = None
                await self._close_shards()
            self._set_healthy(False)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RESUBSCRIBE_MAX_S)

    async def _ping_shards(self) -> None:
        """PING every master's pub/sub connection; one that stays silent makes the broker unhealthy."""
        now = time.monotonic()
        for node, shard in list(self._shards.items()):
            silent = now - shard.heard_at
            if silent > STALE_RECONNECT_S:
                raise StalePubSub(f"{node} silent for {silent:.1f}s")
            if silent > PROBE_TIMEOUT_S and self._healthy:
                log.warning("%s silent for %.1fs: pub/sub stalled, polling SQL", node, silent)
                self.breaker.trip()
                self._set_healthy(False)
            try:
                async with asyncio.timeout(SUBSCRIBE_TIMEOUT_S), shard.lock:
                    await shard.pubsub.ping()
            except Exception as exc:
                raise ConnectionError(f"PING to {node} failed: {exc or type(exc).__name__}") from exc

    def _set_healthy(self, healthy: bool) -> None:
        # The probe vouches for its own shard only: healthy also needs every other master heard.
        if healthy and any(
            time.monotonic() - shard.heard_at > PROBE_TIMEOUT_S for shard in self._shards.values()
        ):
            return
        super()._set_healthy(healthy)

    def _owner(self, name: str) -> str:
        node = self._cluster.get_node_from_key(name)
        if node is None:
            raise ConnectionError(f"no node holds the slot of {name}")
        return node.name

    async def _close_shards(self) -> None:
        shards, self._shards = list(self._shards.values()), {}
        readers = [shard.task for shard in shards if shard.task is not None]
        for reader in readers:
            reader.cancel()
        try:
            # Not `suppress(CancelledError)` around awaiting the readers: stop() may cancel the
            # listener while it is here, and swallowing that cancellation made the listener
            # subscribe everything again and stop() wait for it forever.
            if readers:
                await asyncio.wait(readers, timeout=CLOSE_TIMEOUT_S)
        finally:
            for shard in shards:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(CLOSE_TIMEOUT_S):
                        await shard.pubsub.aclose()
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(CLOSE_TIMEOUT_S):
                        await shard.client.aclose()
