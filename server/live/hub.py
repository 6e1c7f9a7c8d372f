"""This process's sockets: subscriptions, ordered delivery, resume, coalesced counts and presence.

The hub turns what the broker delivers into frames for local sockets. It guarantees that every
watcher of `thread:{id}` gets seq 1, 2, 3 … exactly once and in order: a jump in seq (messages
reordered between processes, or lost while the broker was down) is filled from the event log,
which is complete because a seq is only published after its commit, and commits of one thread
are ordered by the row lock that assigns the seq.

The hub wires its parts and does their I/O; each part is tested alone:
  sequencer.py  a thread channel's order: seqs in, frames out or a range to read (no I/O)
  registry.py   which sockets watch which channels (no I/O)
  ticker.py     the periodic jobs, on an injected clock
  threads.py    per thread channel: the ring of recent frames, counts state, collection
  presence.py   watcher counts over every process;  digests.py  counts, board digest, summaries
  signedin.py   sockets opened with a session;      polling.py  the log read while Redis is down
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from server.broker import Broker
from server.contract.errors import ErrorCode
from server.events import channels as ch
from server.live.digests import BOARD_DIGEST_S, SUMMARY_INTERVAL_S, CountsStore, Digests
from server.live.peer import Peer
from server.live.polling import LogPoller, LogStore, log_id_of
from server.live.presence import CONNECTIONS, PRESENCE_HEARTBEAT_S, Presence
from server.live.registry import Registry
from server.live.sequencer import Frame
from server.live.signedin import SESSION_RECHECK_S, SessionSource, SignedIn
from server.live.threads import ThreadChannel, collect
from server.live.ticker import Clock, Sleep, Ticker
from server.live.wireframe import PreparedFrame
from server.runtime.settings import Settings
from server.telemetry.metrics import Metrics

__all__ = ["BOARD_DIGEST_S", "CONNECTIONS", "SESSION_RECHECK_S", "Hub", "Peer", "SessionSource"]

log = logging.getLogger("tong.hub")

STATS_INTERVAL_S = 5.0

# Watchers per channel name, summed over every process.
PresenceLookup = Callable[[list[str]], Awaitable[dict[str, int]]]


class FrameStore(CountsStore, LogStore, Protocol):
    """What the hub reads from SQL (reading.py)."""

    async def latest_seqs(self, thread_ids: list[int]) -> dict[int, int]: ...

    async def thread_frames(self, thread_id: int, after: int, upto: int) -> list[tuple[int, str]]: ...


class Hub:
    def __init__(
        self,
        broker: Broker,
        store: FrameStore,
        settings: Settings,
        metrics: Metrics,
        stats: Callable[[PresenceLookup], Awaitable[dict[str, Any]]] | None = None,
        sessions: SessionSource | None = None,
        epoch: Callable[[], str] = lambda: "",
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.broker = broker
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self._stats = stats
        # The database history's id (epoch.py): `subscribed` carries it; a resume from another is refused.
        self._epoch = epoch
        self._clock = clock
        self.threads: dict[str, ThreadChannel] = {}
        self.registry = Registry()
        self.signed_in_peers = SignedIn(sessions)
        self._presence = Presence(broker, self.registry, self.threads)
        self._digests = Digests(
            broker, store, self.registry, self.threads, self._presence, self._fan_out, clock
        )
        self._log = LogPoller(store)
        # A publish was lost, or the broker came back: catch up from SQL on the next tick.
        self._catch_up_all = False
        self._tasks: set[asyncio.Task[Any]] = set()
        # The ticker's clock and sleep are injected so a test moves time itself (tests/test_hub.py).
        self.ticker = Ticker(settings.counts_interval, clock=clock, sleep=sleep)
        self._schedule(self.ticker)

    def _schedule(self, ticker: Ticker) -> None:
        """The periodic jobs, in the order they run within a tick."""
        ticker.every("heartbeat", PRESENCE_HEARTBEAT_S, self._presence.beat)
        ticker.every("presence", 0, self._presence.flush)
        ticker.every("counts", 0, self._digests.flush_counts)
        ticker.every("summaries", SUMMARY_INTERVAL_S, self._digests.flush_summaries)
        ticker.every("watchers-moved", SUMMARY_INTERVAL_S, self._announce_watchers)
        ticker.every("board-digest", BOARD_DIGEST_S, self._digests.flush_board_digest)
        ticker.every(
            "stats",
            STATS_INTERVAL_S,
            self._send_stats,
            when=lambda: self._stats is not None and bool(self.registry.count(ch.STAFF)),
        )
        ticker.every(
            "poll-sql",
            self.settings.degraded_poll_interval,
            self._poll_sql,
            when=lambda: not self.broker.healthy,
            urgent=lambda: self._catch_up_all,
        )
        ticker.every("collect", 0, self._collect)
        ticker.every("sessions-expired", 0, self._sessions_expired)
        ticker.every("sessions-recheck", SESSION_RECHECK_S, self._sessions_recheck)

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        self.broker.bind(self._on_message, self._on_broker_state)
        await self.broker.start()
        await self.broker.subscribe(ch.BOARD)
        await self.broker.subscribe(ch.STAFF)
        await self.broker.subscribe(ch.SESSIONS)
        self.metrics.broker_up.set(1 if self.broker.healthy else 0)
        await self._log.start()
        self.ticker.start()

    async def stop(self) -> None:
        await self.ticker.stop()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await self.broker.set_presence({name: 0 for name in self.threads})
        await self.broker.stop()

    def _spawn(self, coro: Awaitable[Any], name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("hub task %s failed", task.get_name(), exc_info=task.exception())

    # --- sockets ----------------------------------------------------------------------------

    @property
    def connections(self) -> int:
        return self.registry.connections

    def connected(self) -> None:
        self.registry.connect()
        self.metrics.connections.inc()
        self._presence.moved(CONNECTIONS)

    def signed_in(self, peer: Peer) -> None:
        """A socket opened with a session: it loses the staff and `me` channels when it ends."""
        self.signed_in_peers.add(peer)

    def revoke(self, account_id: int, session: str | None) -> None:
        """The session (None: every session) of the account ended: its sockets here lose the
        staff channel, with an error frame, and read on as anonymous; this process forgets it."""
        for peer in self.signed_in_peers.revoked(account_id, session):
            self._end_session(peer)

    def _end_session(self, peer: Peer) -> None:
        self.signed_in_peers.discard(peer)
        peer.sign_out()
        for name in (ch.ME, ch.STAFF):
            if name in peer.channels:
                self.unsubscribe(peer, name)
                peer.push(ch.error_frame(ErrorCode.SESSION_ENDED, "the session ended: log in again", name))

    def _sessions_expired(self) -> None:
        for peer in self.signed_in_peers.expired():
            self._end_session(peer)

    async def _sessions_recheck(self) -> None:
        for peer in await self.signed_in_peers.recheck():
            self._end_session(peer)

    def disconnected(self, peer: Peer) -> None:
        self.signed_in_peers.discard(peer)
        self.metrics.connections.dec()
        self._presence.moved(CONNECTIONS)
        for name in list(peer.channels):
            self.unsubscribe(peer, name)
        # Counted out after it left its channels (which it left above, with the metrics).
        self.registry.disconnect(peer)

    def watchers_local(self, name: str) -> int:
        return self._presence.local(name)

    async def presence(self, names: list[str]) -> dict[str, int]:
        """Watchers per channel over every process (this process's own count at least)."""
        return await self._presence.totals(names)

    async def watchers(self, thread_ids: list[int]) -> dict[int, int]:
        return await self._presence.watchers(thread_ids)

    async def subscribe_board(self, peer: Peer) -> None:
        self._add_simple(peer, ch.BOARD)

    async def subscribe_staff(self, peer: Peer) -> None:
        self._add_simple(peer, ch.STAFF)

    async def subscribe_me(self, peer: Peer) -> None:
        """The socket's own account's channel: notices and unread counts from every process. The
        caller has checked that the socket is signed in; the account is the socket's own, so no
        request can name another's."""
        account_id = peer.account_id
        assert account_id is not None
        if ch.ME in peer.channels:
            peer.push(ch.subscribed_frame(ch.ME, None, self._epoch()))
            return
        channel = ch.me_channel(account_id)
        if not self.registry.count(channel):
            await self.broker.subscribe(channel)
        if peer.closed or peer.account_id != account_id:
            return
        peer.push(ch.subscribed_frame(ch.ME, None, self._epoch()))
        if self.registry.join(peer, ch.ME, channel):
            self.metrics.subscriptions.inc()

    def _add_simple(self, peer: Peer, name: str) -> None:
        peer.push(ch.subscribed_frame(name, None, self._epoch()))
        if self.registry.join(peer, name):
            self.metrics.subscriptions.inc()

    async def subscribe_thread(
        self, peer: Peer, thread_id: int, since: int | None, epoch: str | None = None
    ) -> None:
        """Subscribe with resume: `subscribed` (latest seq), then (since, latest], then live frames.
        A `since` read in another history (`epoch` differs) gets `resync`, never a replay."""
        name = ch.thread_channel(thread_id)
        if name in peer.channels:
            self.unsubscribe(peer, name)
        channel = await self._open_channel(name, thread_id)
        if channel is None:
            peer.push(ch.error_frame(ErrorCode.NOT_FOUND, f"thread {thread_id} does not exist", name))
            return
        if since is not None and since > channel.last_seq:
            # The client read a seq through REST that this process has not delivered yet.
            await self._catch_up(channel, await self._latest(thread_id))
        other_history = epoch is not None and epoch != self._epoch()
        frames = None if other_history else await self._replay(channel, since)
        if peer.closed:
            return
        peer.push(ch.subscribed_frame(name, channel.last_seq, self._epoch()))
        if frames is None:
            peer.push(ch.resync_frame(name))
        else:
            for frame in frames:
                if isinstance(frame, PreparedFrame):
                    peer.push(frame.text, frame)
                else:
                    peer.push(frame)
        if self.registry.join(peer, name):
            self.metrics.subscriptions.inc()
        channel.empty_since = None
        self._presence.moved(name)
        channel.watchers_dirty = True
        # The newcomer has not seen a counts frame yet, even when the count is unchanged.
        channel.watchers_shown = -1

    async def history_changed(self) -> None:
        """The database's history changed under us (a restored dump): what memory holds belongs to
        the old one. Every channel starts again from SQL and every watcher is told `resync`."""
        for channel in list(self.threads.values()):
            async with channel.lock:
                channel.recent.clear()
                channel.sequencer.restart()
                try:
                    latest = await self._latest(channel.thread_id) or 0
                except Exception:
                    # The channel holds its frames until the next SQL poll starts it again.
                    self._catch_up_all = True
                    raise
                # `resync` first: frames of the new history held meanwhile follow it.
                for peer in list(self.registry.members(channel.name)):
                    peer.push(ch.resync_frame(channel.name))
                self._deliver(channel, channel.sequencer.start(latest))
        for name in (ch.BOARD, ch.STAFF):
            for peer in list(self.registry.members(name)):
                peer.push(ch.resync_frame(name))
        await self._log.start()

    def unsubscribe(self, peer: Peer, name: str) -> None:
        left = self.registry.leave(peer, name)
        if left is None:
            return
        self.metrics.subscriptions.dec()
        if name == ch.ME:
            if left.emptied:
                self._spawn(self.broker.unsubscribe(left.channel), "unsubscribe-me")
            return
        channel = self.threads.get(name)
        if channel is not None:
            self._presence.moved(name)
            channel.watchers_dirty = True
            if left.emptied:
                channel.empty_since = self._clock()

    async def _open_channel(self, name: str, thread_id: int) -> ThreadChannel | None:
        channel = self.threads.get(name)
        if channel is None:
            channel = ThreadChannel(name, thread_id, recent=deque(maxlen=self.settings.recent_frames))
            self.threads[name] = channel
            channel.empty_since = self._clock()
            # Subscribe before reading the latest seq: whatever commits after the read arrives.
            await self.broker.subscribe(name)
        if channel.ready and self.live:
            return channel
        latest = await self._latest(thread_id)
        if latest is None:
            # No such thread: keep nothing for it (a client asking for a million made-up ids
            # would otherwise hold a million channels and broker subscriptions for their grace).
            if not self.registry.count(name) and self.threads.get(name) is channel:
                del self.threads[name]
                await self.broker.unsubscribe(name)
            return None
        async with channel.lock:
            self._deliver(channel, channel.sequencer.start(latest))
        await self._catch_up(channel, latest)
        return channel

    async def _latest(self, thread_id: int) -> int | None:
        return (await self.store.latest_seqs([thread_id])).get(thread_id)

    async def _replay(self, channel: ThreadChannel, since: int | None) -> list[str | PreparedFrame] | None:
        """Frames after `since` up to the channel's latest; None when a resync is due."""
        if since is None:
            return []
        for _attempt in range(3):
            upto = channel.last_seq
            if since > upto or upto - since > self.settings.replay_limit:
                return None
            frames = channel.recent_after(since)
            if frames is not None:
                self.metrics.replays.labels("memory").inc()
                return frames
            older = await self.store.thread_frames(channel.thread_id, since, upto)
            newer = channel.recent_after(upto)
            if newer is not None and len(older) == upto - since:
                self.metrics.replays.labels("sql").inc()
                return [*(frame for _, frame in older), *newer]
        return None

    # --- messages from the broker -----------------------------------------------------------

    def _on_message(self, name: str, message: bytes) -> None:
        try:
            envelope = ch.decode(message)
        except ValueError:
            log.warning("dropped a malformed broker message on %s", name)
            return
        if envelope.kind == "E":
            self._on_thread_event(name, envelope)
        elif envelope.kind == "F":
            self._on_passed_frame(name, envelope)
        elif envelope.kind == "C":
            channel = self.threads.get(name)
            if channel is not None:
                channel.counts_dirty = True
                channel.dirty_comments.update(envelope.meta.get("comments", ()))
        elif envelope.kind == "P":
            channel = self.threads.get(name)
            if channel is not None:
                channel.watchers_dirty = True
        elif envelope.kind == "U":
            self._digests.summary_changed(envelope.meta)
        elif envelope.kind == "W":
            self._digests.watchers_moved(envelope.meta)
        elif envelope.kind == "K":
            self._catch_up_all = True
        elif envelope.kind == "R":
            self.revoke(int(envelope.meta["account"]), envelope.meta.get("session"))

    def _on_thread_event(self, name: str, envelope: ch.Envelope) -> None:
        channel = self.threads.get(name)
        if channel is None:
            return
        if envelope.published_at:
            self.metrics.delivery_lag.observe(max(0.0, time.time() - envelope.published_at))
        offered = channel.sequencer.offer(envelope.seq, envelope.frame)
        self._deliver(channel, offered.frames)
        if offered.gap is not None and not channel.filling:
            channel.filling = True
            self._spawn(self._fill(channel), f"fill-{name}")

    async def _fill(self, channel: ThreadChannel) -> None:
        try:
            await self._catch_up(channel, None)
        finally:
            channel.filling = False

    def _on_passed_frame(self, name: str, envelope: ch.Envelope) -> None:
        if name == ch.STAFF:
            # The staff frame carries the log id; remember it for polling in degraded mode.
            log_id = log_id_of(envelope.frame)
            if log_id is not None and not self._log.first_time(log_id):
                return
            self._fan_out(ch.STAFF, envelope.frame, "staff")
        elif name == ch.BOARD:
            self._fan_out(ch.BOARD, envelope.frame, "board")
        elif name.startswith(ch.ME_PREFIX):
            self._fan_out(name, envelope.frame, "me")

    @property
    def live(self) -> bool:
        """Whether what this process holds in memory is current: the broker delivers (its probe
        comes back) and no lost publish is waiting to be caught up from SQL."""
        return self.broker.healthy and not self._catch_up_all

    def publish_lost(self, channels: set[str]) -> None:
        """A publish from this process failed: its watchers (and the channels' latest seqs) are
        caught up from SQL on the next tick instead of waiting for the broker."""
        self._catch_up_all = True

    def _on_broker_state(self, healthy: bool) -> None:
        self.metrics.broker_up.set(1 if healthy else 0)
        if healthy:
            log.info("broker reachable again: catching up every watched thread from SQL")
            self._catch_up_all = True
            for name in self.threads:
                self._presence.moved(name)
        else:
            log.warning("broker unreachable: polling SQL every %.1fs", self.settings.degraded_poll_interval)
            # Poll at once: what was committed since the broker went quiet is already late.
            self._catch_up_all = True

    # --- ordered delivery -------------------------------------------------------------------

    def _deliver(self, channel: ThreadChannel, frames: Iterable[Frame]) -> None:
        for seq, frame in frames:
            self._fan_out(channel.name, frame, "event", channel.remember(seq, frame))

    def _fan_out(self, name: str, frame: str, kind: str, prepared: PreparedFrame | None = None) -> None:
        """The same bytes to every socket of the channel: the frame is built once (wireframe.py),
        not per socket."""
        peers = self.registry.members(name)
        if peers:
            if prepared is None:
                prepared = PreparedFrame(frame)
            for peer in peers:
                peer.push(frame, prepared)
        self.metrics.frames_delivered.labels(kind).inc(len(peers))

    async def _catch_up(self, channel: ThreadChannel, target: int | None) -> None:
        """Deliver from the event log everything after the channel's last seq up to `target`
        (and up to any frame waiting behind a gap)."""
        async with channel.lock:
            sequencer = channel.sequencer
            while (gap := sequencer.gap(target)) is not None:
                self.metrics.gap_fills.inc()
                rows = await self.store.thread_frames(channel.thread_id, gap.after, gap.upto)
                filled = sequencer.filled(gap, rows)
                for skipped in filled.skipped:
                    log.error(
                        "%s: seq %d..%d missing from the event log; skipping",
                        channel.name,
                        skipped.after + 1,
                        skipped.upto,
                    )
                self._deliver(channel, filled.frames)

    # --- periodic jobs (the ticker's) -------------------------------------------------------

    async def _announce_watchers(self) -> None:
        self._digests.watchers_moved(await self._presence.announce())

    async def _send_stats(self) -> None:
        assert self._stats is not None
        self._fan_out(ch.STAFF, ch.stats_frame(await self._stats(self.presence)), "stats")

    async def _poll_sql(self) -> None:
        """Catch up from SQL: while the broker is down, and once when it comes back."""
        self._catch_up_all = False
        channels = list(self.threads.values())
        if channels:
            latest = await self.store.latest_seqs([c.thread_id for c in channels])
            for channel in channels:
                goal = latest.get(channel.thread_id, 0)
                if not channel.ready:
                    if not self.registry.count(channel.name) or channel.thread_id not in latest:
                        # Being opened (the opener starts it) or a channel nobody watches.
                        continue
                    # A new history whose latest seq could not be read when it changed.
                    self._deliver(channel, channel.sequencer.start(goal))
                if goal > channel.last_seq:
                    await self._catch_up(channel, goal)
                channel.counts_dirty = True
        for staff_frame, board_frame in await self._log.poll():
            self._fan_out(ch.STAFF, staff_frame, "staff")
            if board_frame is not None:
                self._fan_out(ch.BOARD, board_frame, "board")

    def _collect(self) -> None:
        for name in collect(self.threads, self.registry, self._clock()):
            self._spawn(self.broker.unsubscribe(name), f"unsubscribe-{name}")
