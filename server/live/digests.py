"""Frames that coalesce many changes: a thread's counts, the board's watcher digest and summaries.

Counts (comments, recommendations, watchers) change with every write and every socket that comes
or goes; people need them far less often than they change. Each is marked dirty when it moves and
sent by the ticker at the pace below, one frame for many changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from server.broker import Broker, BrokerUnavailable
from server.events import channels as ch
from server.live.presence import Presence
from server.live.registry import Registry
from server.live.threads import ThreadChannel

# Board summaries change with every comment and recommendation; people need them far less often.
SUMMARY_INTERVAL_S = 1.0
# Watcher counts reach board watchers in one digest frame this often, never one frame per thread:
# a single client hopping across 100 threads used to send every board watcher ~90 summary frames
# a second. Processes tell each other which threads' counts moved once a SUMMARY_INTERVAL_S.
BOARD_DIGEST_S = 5.0
# Thread ids in one digest frame at most (a busy site's board shows far fewer threads at once).
BOARD_DIGEST_MAX = 500
# Watcher counts alone change with every connect and disconnect: a reconnect storm of 10,000
# sockets would otherwise send each of them four counts frames a second. Once a second is plenty
# for "N명 보는 중"; recommendation and comment counts still go out up to four times a second.
WATCHERS_INTERVAL_S = 1.0
# The ticker aims at 4 Hz, but a late tick followed by an on-time one can land five frames in one
# wall-clock second; a channel's counts frames are kept at least this far apart instead.
COUNTS_SPACING_S = 0.26

# fan_out(channel, frame, kind): the same bytes to every socket of the channel here.
FanOut = Callable[[str, str, str], None]


class CountsStore(Protocol):
    """What the digests read from SQL (reading.py)."""

    async def thread_counts(self, thread_id: int, comment_ids: list[int]) -> dict[str, Any]: ...

    async def summary_frames(self, thread_ids: list[int], watchers: dict[int, int]) -> list[str]: ...


class Digests:
    def __init__(
        self,
        broker: Broker,
        store: CountsStore,
        registry: Registry,
        threads: dict[str, ThreadChannel],
        presence: Presence,
        fan_out: FanOut,
        clock: Callable[[], float],
    ) -> None:
        self.broker = broker
        self.store = store
        self.registry = registry
        self.threads = threads
        self.presence = presence
        self._fan_out = fan_out
        self._clock = clock
        # Threads whose board summary changed (any process).
        self._summaries: set[int] = set()
        # Threads whose watcher count moved (any process), for the next board digest.
        self._digest: set[int] = set()

    def summary_changed(self, thread_id: int) -> None:
        self._summaries.add(thread_id)

    def watchers_moved(self, thread_ids: list[int]) -> None:
        self._digest.update(thread_ids)

    async def flush_counts(self) -> None:
        """A counts frame to each thread channel whose counts changed, or whose watcher count
        changed and was last shown `WATCHERS_INTERVAL_S` ago; never two `COUNTS_SPACING_S` apart."""
        now = self._clock()
        dirty = [
            c
            for c in self.threads.values()
            if c.ready
            and now - c.counts_sent_at >= COUNTS_SPACING_S
            and (c.counts_dirty or (c.watchers_dirty and now - c.watchers_sent_at >= WATCHERS_INTERVAL_S))
            and self.registry.count(c.name)
        ]
        if not dirty:
            return
        try:
            watchers = await self.broker.presence([c.name for c in dirty])
        except BrokerUnavailable:
            watchers = {}
        for channel in dirty:
            here = self.registry.count(channel.name)
            # Never report fewer watchers than this process alone holds (presence lags a tick).
            count = max(watchers.get(channel.name, 0), here)
            if not channel.counts_dirty and count == channel.watchers_shown:
                channel.watchers_dirty = False
                continue
            comment_ids = sorted(channel.dirty_comments)
            channel.counts_dirty = channel.watchers_dirty = False
            channel.watchers_sent_at = channel.counts_sent_at = now
            channel.dirty_comments.clear()
            data = await self.store.thread_counts(channel.thread_id, comment_ids)
            data["watchers"] = channel.watchers_shown = count
            self._fan_out(channel.name, ch.counts_frame(channel.name, data), "counts")

    async def flush_board_digest(self) -> None:
        """One frame with the watcher counts of every thread whose count moved since the last."""
        if not self._digest:
            return
        ids = sorted(self._digest)[:BOARD_DIGEST_MAX]
        self._digest.difference_update(ids)
        if not self.registry.count(ch.BOARD):
            return
        watchers = await self.presence.watchers(ids)
        self._fan_out(ch.BOARD, ch.board_watchers_frame(watchers), "board")

    async def flush_summaries(self) -> None:
        if not self._summaries:
            return
        ids = sorted(self._summaries)
        self._summaries.clear()
        if not self.registry.count(ch.BOARD):
            return
        for frame in await self.store.summary_frames(ids, await self.presence.watchers(ids)):
            self._fan_out(ch.BOARD, frame, "board")
