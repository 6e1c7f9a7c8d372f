"""Watcher counts over every process: what this process announces, and what it reads.

Each process writes its own count per channel to the broker (`set_presence`) on the tick after a
count moved, and every `PRESENCE_HEARTBEAT_S` all of them (a process that died stops refreshing
its entry and the broker forgets it); the totals are the sum. A count that moved here is also told
to the thread's watchers in other processes (their next counts frame) and, once a
`SUMMARY_INTERVAL_S`, to every process's board digest (digests.py).
"""

from __future__ import annotations

import contextlib

from server.broker import Broker, BrokerUnavailable
from server.events import channels as ch
from server.live.registry import Registry
from server.live.threads import ThreadChannel

# The presence entry that counts open sockets, summed over processes like a channel's watchers.
CONNECTIONS = "_connections"
PRESENCE_HEARTBEAT_S = 10.0


class Presence:
    def __init__(self, broker: Broker, registry: Registry, threads: dict[str, ThreadChannel]) -> None:
        self.broker = broker
        self.registry = registry
        self.threads = threads
        # Channels whose count here moved since the last flush.
        self._moved: set[str] = set()
        # The next flush writes every channel's count (the heartbeat), moved or not.
        self._beat = False
        # Threads whose count moved here, to announce to every process's board digest.
        self._moved_threads: set[int] = set()

    def moved(self, name: str) -> None:
        """The count of `name` here changed (a socket joined or left it, or opened or closed)."""
        self._moved.add(name)

    def beat(self) -> None:
        self._beat = True

    def local(self, name: str) -> int:
        """This process's own count."""
        if name == CONNECTIONS:
            return self.registry.connections
        return self.registry.count(name)

    async def totals(self, names: list[str]) -> dict[str, int]:
        """Watchers per channel over every process (this process's own count at least)."""
        try:
            totals = await self.broker.presence(names)
        except BrokerUnavailable:
            totals = {}
        return {name: max(totals.get(name, 0), self.local(name)) for name in names}

    async def watchers(self, thread_ids: list[int]) -> dict[int, int]:
        totals = await self.totals([ch.thread_channel(t) for t in thread_ids])
        return {t: totals[ch.thread_channel(t)] for t in thread_ids}

    async def flush(self) -> None:
        """Write the counts that moved (all of them on a heartbeat) to the broker; the threads'
        watchers here and elsewhere get a counts frame when their total changed."""
        names = set(self._moved)
        moved = set(names)
        if self._beat:
            names.update(self.threads)
            names.add(CONNECTIONS)
        if not names:
            return
        self._moved.clear()
        self._beat = False
        counts = {name: self.local(name) for name in names}
        try:
            await self.broker.set_presence(counts)
        except BrokerUnavailable:
            self._moved.update(names)
            return
        messages = []
        for name in names:
            channel = self.threads.get(name)
            if channel is not None:
                channel.watchers_dirty = True
            if name == CONNECTIONS:
                continue
            # Other processes' watchers of the thread learn that its watcher count moved; the
            # board learns it from the next digest.
            messages.append((name, ch.encode_presence()))
            thread_id = ch.parse_thread_channel(name)
            if thread_id is not None and name in moved:
                self._moved_threads.add(thread_id)
        if messages:
            with contextlib.suppress(BrokerUnavailable):
                await self.broker.publish_many(messages)

    async def announce(self) -> list[int]:
        """Tell every process (this one included) which threads' watcher counts moved here; the
        ids, for this process's own next digest."""
        if not self._moved_threads:
            return []
        ids = sorted(self._moved_threads)
        self._moved_threads.clear()
        with contextlib.suppress(BrokerUnavailable):
            await self.broker.publish(ch.BOARD, ch.encode_watchers_moved(ids))
        return ids
