"""This process's sockets: subscriptions, ordered delivery, resume, coalesced counts and presence.

The hub turns what the broker delivers into frames for local sockets. It guarantees that every
watcher of `thread:{id}` gets seq 1, 2, 3 … exactly once and in order: a jump in seq (messages
reordered between processes, or lost while the broker was down) is filled from the event log,
which is complete because a seq is only published after its commit, and commits of one thread
are ordered by the row lock that assigns the seq.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from server.broker import Broker, BrokerUnavailable
from server.events import channels as ch
from server.events.redaction import Audience, carried_comment_id, shown_to, state_of
from server.live.wireframe import PreparedFrame
from server.runtime.settings import Settings
from server.telemetry.metrics import Metrics

log = logging.getLogger("tong.hub")

# An empty channel keeps its state (and broker subscription) this long: a reconnect storm finds
# recent frames in memory instead of in the event log.
CHANNEL_GRACE_S = 30.0
# Board summaries change with every comment and recommendation; people need them far less often.
SUMMARY_INTERVAL_S = 1.0
# Watcher counts reach board watchers in one digest frame this often, never one frame per thread:
# a single client hopping across 100 threads used to send every board watcher ~90 summary frames
# a second. Processes tell each other which threads' counts moved once a SUMMARY_INTERVAL_S.
BOARD_DIGEST_S = 5.0
# Thread ids in one digest frame at most (a busy site's board shows far fewer threads at once).
BOARD_DIGEST_MAX = 500
STATS_INTERVAL_S = 5.0
# Watcher counts alone change with every connect and disconnect: a reconnect storm of 10,000
# sockets would otherwise send each of them four counts frames a second. Once a second is plenty
# for "N명 보는 중"; recommendation and comment counts still go out up to four times a second.
WATCHERS_INTERVAL_S = 1.0
# The ticker aims at 4 Hz, but a late tick followed by an on-time one can land five frames in one
# wall-clock second; a channel's counts frames are kept at least this far apart instead.
COUNTS_SPACING_S = 0.26
PRESENCE_HEARTBEAT_S = 10.0
# How many recent log ids are remembered to drop duplicates while polling in degraded mode.
SEEN_LOG_IDS = 4096
# The presence entry that counts open sockets, summed over processes like a channel's watchers.
CONNECTIONS = "_connections"
# Sockets of staff accounts: their sessions are re-checked against SQL this often (a backstop for
# a lost `revoked` message, an expiry or a purge); expiry times known from the last check are
# applied on every tick.
SESSION_RECHECK_S = 10.0


# Watchers per channel name, summed over every process.
Presence = Callable[[list[str]], Awaitable[dict[str, int]]]


class Peer(Protocol):
    """A socket as the hub sees it: `push` never blocks (a peer that falls behind closes itself)."""

    closed: bool
    channels: set[str]
    # The session (token hash) the socket was opened with; None when anonymous.
    session: str | None

    @property
    def account_id(self) -> int | None:
        """The account the socket was opened with; None when anonymous or signed out."""

    def push(self, frame: str, prepared: PreparedFrame | None = None) -> None:
        """Send `frame`; `prepared` is its wire bytes when the caller built them once for many."""

    def sign_out(self) -> None:
        """Forget the account: the socket reads on as anonymous."""


class SessionSource(Protocol):
    async def live(self, hashes: list[str]) -> dict[str, float]: ...

    def forget(self, account_id: int, session: str | None) -> None: ...


class FrameStore(Protocol):
    """What the hub reads from SQL."""

    async def latest_seqs(self, thread_ids: list[int]) -> dict[int, int]: ...

    async def thread_frames(self, thread_id: int, after: int, upto: int) -> list[tuple[int, str]]: ...

    async def thread_counts(self, thread_id: int, comment_ids: list[int]) -> dict[str, Any]: ...

    async def summary_frames(self, thread_ids: list[int], watchers: dict[int, int]) -> list[str]: ...

    async def log_frames(self, after_id: int, limit: int) -> list[tuple[int, str, str | None]]: ...

    async def max_log_id(self) -> int: ...


@dataclass(eq=False)
class ThreadChannel:
    name: str
    thread_id: int
    peers: set[Peer] = field(default_factory=set)
    ready: bool = False
    last_seq: int = 0
    # The latest frames, prepared: a reconnect storm replays the same bytes to every socket.
    recent: deque[tuple[int, PreparedFrame]] = field(default_factory=deque)
    pending: dict[int, str] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    filling: bool = False
    counts_dirty: bool = False
    dirty_comments: set[int] = field(default_factory=set)
    watchers_dirty: bool = False
    watchers_sent_at: float = 0.0
    # The watcher count the last counts frame showed: a presence heartbeat that finds it unchanged
    # sends nothing (every watcher used to get a counts frame every 10 s for no change).
    watchers_shown: int = -1
    counts_sent_at: float = 0.0
    empty_since: float | None = None


class Hub:
    def __init__(
        self,
        broker: Broker,
        store: FrameStore,
        settings: Settings,
        metrics: Metrics,
        stats: Callable[[Presence], Awaitable[dict[str, Any]]] | None = None,
        sessions: SessionSource | None = None,
        epoch: Callable[[], str] = lambda: "",
    ) -> None:
        self.broker = broker
        self._sessions = sessions
        # Sockets opened by staff accounts -> when their session expires (inf until checked).
        self._signed_in: dict[Peer, float] = {}
        # The database history's id (epoch.py): `subscribed` carries it; a resume from another is refused.
        self._epoch = epoch
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self._stats = stats
        self.threads: dict[str, ThreadChannel] = {}
        self.board: set[Peer] = set()
        self.staff: set[Peer] = set()
        # `me` watchers per account, and which account each such socket subscribed as (a socket
        # whose session ended has forgotten its account by the time it leaves).
        self.me: dict[int, set[Peer]] = {}
        self._me_of: dict[Peer, int] = {}
        self.connections = 0
        self._presence_dirty: set[str] = set()
        self._summary_dirty: set[int] = set()
        # Threads whose watcher count moved: here (to announce to other processes) and anywhere
        # (for the next board digest).
        self._watchers_moved: set[int] = set()
        self._digest_due: set[int] = set()
        self._board_counts_dirty = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._catch_up_all = False
        self._last_log_id = 0
        self._seen_log_ids: deque[int] = deque(maxlen=SEEN_LOG_IDS)
        self._seen_log_set: set[int] = set()

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        self.broker.bind(self._on_message, self._on_broker_state)
        await self.broker.start()
        await self.broker.subscribe(ch.BOARD)
        await self.broker.subscribe(ch.STAFF)
        await self.broker.subscribe(ch.SESSIONS)
        self.metrics.broker_up.set(1 if self.broker.healthy else 0)
        self._last_log_id = await self.store.max_log_id()
        self._ticker = asyncio.create_task(self._tick_forever(), name="hub-ticker")

    async def stop(self) -> None:
        tasks = [t for t in [self._ticker, *self._tasks] if t is not None]
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

    def connected(self) -> None:
        self.connections += 1
        self.metrics.connections.inc()
        self._presence_dirty.add(CONNECTIONS)

    def signed_in(self, peer: Peer) -> None:
        """A socket opened with a session: it loses the staff and `me` channels when it ends."""
        self._signed_in[peer] = float("inf")

    def revoke(self, account_id: int, session: str | None) -> None:
        """The session (None: every session) of the account ended: its sockets here lose the
        staff channel, with an error frame, and read on as anonymous; this process forgets it."""
        if self._sessions is not None:
            self._sessions.forget(account_id, session)
        for peer in [p for p in self._signed_in if p.account_id == account_id]:
            if session is None or peer.session == session:
                self._end_session(peer)

    def _end_session(self, peer: Peer) -> None:
        self._signed_in.pop(peer, None)
        peer.sign_out()
        if ch.ME in peer.channels:
            self.unsubscribe(peer, ch.ME)
            peer.push(ch.error_frame("session_ended", "the session ended: log in again", ch.ME))
        if ch.STAFF in peer.channels:
            self.unsubscribe(peer, ch.STAFF)
            peer.push(ch.error_frame("session_ended", "the session ended: log in again", ch.STAFF))

    async def _check_sessions(self, now: float, recheck: bool) -> None:
        for peer, expires in list(self._signed_in.items()):
            if expires <= now:
                self._end_session(peer)
        if not recheck or self._sessions is None or not self._signed_in:
            return
        held = {p.session for p in self._signed_in if p.session is not None}
        live = await self._sessions.live(sorted(held))
        for peer in list(self._signed_in):
            until = live.get(peer.session) if peer.session is not None else None
            if until is None:
                self._end_session(peer)
            else:
                self._signed_in[peer] = until

    def disconnected(self, peer: Peer) -> None:
        self._signed_in.pop(peer, None)
        self.connections -= 1
        self.metrics.connections.dec()
        self._presence_dirty.add(CONNECTIONS)
        for name in list(peer.channels):
            self.unsubscribe(peer, name)

    def watchers_local(self, name: str) -> int:
        if name == CONNECTIONS:
            return self.connections
        channel = self.threads.get(name)
        return len(channel.peers) if channel else 0

    async def presence(self, names: list[str]) -> dict[str, int]:
        """Watchers per channel over every process (this process's own count at least)."""
        try:
            totals = await self.broker.presence(names)
        except BrokerUnavailable:
            totals = {}
        return {name: max(totals.get(name, 0), self.watchers_local(name)) for name in names}

    async def watchers(self, thread_ids: list[int]) -> dict[int, int]:
        totals = await self.presence([ch.thread_channel(t) for t in thread_ids])
        return {t: totals[ch.thread_channel(t)] for t in thread_ids}

    async def subscribe_board(self, peer: Peer) -> None:
        self._add_simple(peer, ch.BOARD, self.board)

    async def subscribe_staff(self, peer: Peer) -> None:
        self._add_simple(peer, ch.STAFF, self.staff)

    async def subscribe_me(self, peer: Peer) -> None:
        """The socket's own account's channel: notices and unread counts from every process. The
        caller has checked that the socket is signed in; the account is the socket's own, so no
        request can name another's."""
        account_id = peer.account_id
        assert account_id is not None
        if ch.ME in peer.channels:
            peer.push(ch.subscribed_frame(ch.ME, None, self._epoch()))
            return
        peers = self.me.get(account_id)
        if peers is None:
            peers = self.me[account_id] = set()
            await self.broker.subscribe(ch.me_channel(account_id))
        if peer.closed or peer.account_id != account_id:
            return
        peer.push(ch.subscribed_frame(ch.ME, None, self._epoch()))
        peers.add(peer)
        self._me_of[peer] = account_id
        peer.channels.add(ch.ME)
        self.metrics.subscriptions.inc()

    def _add_simple(self, peer: Peer, name: str, members: set[Peer]) -> None:
        peer.push(ch.subscribed_frame(name, None, self._epoch()))
        if name not in peer.channels:
            members.add(peer)
            peer.channels.add(name)
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
            peer.push(ch.error_frame("not_found", f"thread {thread_id} does not exist", name))
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
        channel.peers.add(peer)
        channel.empty_since = None
        peer.channels.add(name)
        self.metrics.subscriptions.inc()
        self._presence_dirty.add(name)
        channel.watchers_dirty = True
        # The newcomer has not seen a counts frame yet, even when the count is unchanged.
        channel.watchers_shown = -1

    async def history_changed(self) -> None:
        """The database's history changed under us (a restored dump): what memory holds belongs to
        the old one. Every channel starts again from SQL and every watcher is told `resync`."""
        for channel in list(self.threads.values()):
            async with channel.lock:
                channel.recent.clear()
                channel.pending.clear()
                channel.last_seq = await self._latest(channel.thread_id) or 0
            for peer in list(channel.peers):
                peer.push(ch.resync_frame(channel.name))
        for name, members in ((ch.BOARD, self.board), (ch.STAFF, self.staff)):
            for peer in list(members):
                peer.push(ch.resync_frame(name))
        self._seen_log_ids.clear()
        self._seen_log_set.clear()
        self._last_log_id = await self.store.max_log_id()

    def unsubscribe(self, peer: Peer, name: str) -> None:
        if name not in peer.channels:
            return
        peer.channels.discard(name)
        self.metrics.subscriptions.dec()
        if name == ch.BOARD:
            self.board.discard(peer)
        elif name == ch.STAFF:
            self.staff.discard(peer)
        elif name == ch.ME:
            account_id = self._me_of.pop(peer, None)
            peers = self.me.get(account_id) if account_id is not None else None
            if peers is not None:
                peers.discard(peer)
                if not peers and account_id is not None:
                    del self.me[account_id]
                    self._spawn(self.broker.unsubscribe(ch.me_channel(account_id)), "unsubscribe-me")
        else:
            channel = self.threads.get(name)
            if channel is not None:
                channel.peers.discard(peer)
                self._presence_dirty.add(name)
                channel.watchers_dirty = True
                if not channel.peers:
                    channel.empty_since = time.monotonic()

    async def _open_channel(self, name: str, thread_id: int) -> ThreadChannel | None:
        channel = self.threads.get(name)
        if channel is None:
            channel = ThreadChannel(name, thread_id, recent=deque(maxlen=self.settings.recent_frames))
            self.threads[name] = channel
            channel.empty_since = time.monotonic()
            # Subscribe before reading the latest seq: whatever commits after the read arrives.
            await self.broker.subscribe(name)
        if channel.ready and self.live:
            return channel
        latest = await self._latest(thread_id)
        if latest is None:
            # No such thread: keep nothing for it (a client asking for a million made-up ids
            # would otherwise hold a million channels and broker subscriptions for their grace).
            if not channel.peers and self.threads.get(name) is channel:
                del self.threads[name]
                await self.broker.unsubscribe(name)
            return None
        async with channel.lock:
            if not channel.ready:
                channel.last_seq = latest
                channel.ready = True
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
            frames = self._recent_after(channel, since)
            if frames is not None:
                self.metrics.replays.labels("memory").inc()
                return frames
            older = await self.store.thread_frames(channel.thread_id, since, upto)
            newer = self._recent_after(channel, upto)
            if newer is not None and len(older) == upto - since:
                self.metrics.replays.labels("sql").inc()
                return [*(frame for _, frame in older), *newer]
        return None

    @staticmethod
    def _recent_after(channel: ThreadChannel, since: int) -> list[str | PreparedFrame] | None:
        if since >= channel.last_seq:
            return []
        recent = channel.recent
        if not recent or recent[0][0] > since + 1:
            return None
        start = since + 1 - recent[0][0]
        return [frame for _, frame in list(recent)[start:]]

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
            self._summary_dirty.add(envelope.meta)
        elif envelope.kind == "W":
            self._digest_due.update(envelope.meta)
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
        seq = envelope.seq
        if channel.ready and not channel.lock.locked():
            if seq <= channel.last_seq:
                return
            if seq == channel.last_seq + 1 and not channel.pending:
                self._deliver(channel, seq, envelope.frame)
                return
        channel.pending[seq] = envelope.frame
        if channel.ready and not channel.filling:
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
            log_id = _log_id_of(envelope.frame)
            if log_id is not None:
                if log_id in self._seen_log_set:
                    return
                self._remember_log_id(log_id)
            self._fan_out(self.staff, envelope.frame, "staff")
        elif name == ch.BOARD:
            self._fan_out(self.board, envelope.frame, "board")
        elif name.startswith(ch.ME_PREFIX):
            peers = self.me.get(int(name[len(ch.ME_PREFIX) :]))
            if peers:
                self._fan_out(peers, envelope.frame, "me")

    def _remember_log_id(self, log_id: int) -> None:
        if len(self._seen_log_ids) == self._seen_log_ids.maxlen:
            self._seen_log_set.discard(self._seen_log_ids[0])
        self._seen_log_ids.append(log_id)
        self._seen_log_set.add(log_id)
        self._last_log_id = max(self._last_log_id, log_id)

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
            self._presence_dirty.update(self.threads)
        else:
            log.warning("broker unreachable: polling SQL every %.1fs", self.settings.degraded_poll_interval)
            # Poll at once: what was committed since the broker went quiet is already late.
            self._catch_up_all = True

    # --- ordered delivery -------------------------------------------------------------------

    def _deliver(self, channel: ThreadChannel, seq: int, frame: str) -> None:
        channel.last_seq = seq
        prepared = PreparedFrame(frame)
        channel.recent.append((seq, prepared))
        self._fan_out(channel.peers, frame, "event", prepared)
        if any(marker in frame for marker in REDACTING_MARKERS):
            _redact_recent(channel.recent, frame)

    def _fan_out(
        self, peers: set[Peer], frame: str, kind: str, prepared: PreparedFrame | None = None
    ) -> None:
        """The same bytes to every peer: the frame is built once (wireframe.py), not per socket."""
        if prepared is None:
            prepared = PreparedFrame(frame)
        for peer in peers:
            peer.push(frame, prepared)
        self.metrics.frames_delivered.labels(kind).inc(len(peers))

    def _drain_pending(self, channel: ThreadChannel) -> None:
        pending = channel.pending
        while pending:
            nxt = channel.last_seq + 1
            frame = pending.pop(nxt, None)
            if frame is not None:
                self._deliver(channel, nxt, frame)
                continue
            for seq in [s for s in pending if s <= channel.last_seq]:
                del pending[seq]
            break

    async def _catch_up(self, channel: ThreadChannel, target: int | None) -> None:
        """Deliver from the event log everything after the channel's last seq up to `target`
        (and up to any frame waiting behind a gap)."""
        async with channel.lock:
            self._drain_pending(channel)
            while True:
                goal = max(target or 0, max(channel.pending, default=0))
                if goal <= channel.last_seq:
                    break
                self.metrics.gap_fills.inc()
                rows = await self.store.thread_frames(channel.thread_id, channel.last_seq, goal)
                before = channel.last_seq
                for seq, frame in rows:
                    if seq == channel.last_seq + 1:
                        channel.pending.pop(seq, None)
                        self._deliver(channel, seq, frame)
                self._drain_pending(channel)
                if channel.last_seq == before:
                    log.error(
                        "%s: seq %d..%d missing from the event log; skipping", channel.name, before + 1, goal
                    )
                    channel.last_seq = goal
                    self._drain_pending(channel)
            self._drain_pending(channel)

    # --- the ticker: counts, presence, summaries, stats, degraded polling, cleanup ----------

    async def _tick_forever(self) -> None:
        interval = self.settings.counts_interval
        last_summary = last_stats = last_heartbeat = last_poll = last_sessions = last_digest = 0.0
        while True:
            started = time.monotonic()
            heartbeat = started - last_heartbeat >= PRESENCE_HEARTBEAT_S
            # Each step's coroutine is made only when it runs: one made ahead and never awaited
            # (the ticker cancelled during the step before) would warn at shutdown.
            for step in (functools.partial(self._flush_presence, heartbeat), self._flush_counts):
                try:
                    await step()
                except Exception:
                    log.exception("hub tick step failed")
            if started - last_heartbeat >= PRESENCE_HEARTBEAT_S:
                last_heartbeat = started
            try:
                if started - last_summary >= SUMMARY_INTERVAL_S:
                    last_summary = started
                    await self._flush_summaries()
                    await self._announce_watchers()
                if started - last_digest >= BOARD_DIGEST_S:
                    last_digest = started
                    await self._flush_board_digest()
                if started - last_stats >= STATS_INTERVAL_S and self.staff and self._stats is not None:
                    last_stats = started
                    self._fan_out(self.staff, ch.stats_frame(await self._stats(self.presence)), "stats")
                degraded = not self.broker.healthy
                if self._catch_up_all or (
                    degraded and started - last_poll >= self.settings.degraded_poll_interval
                ):
                    last_poll = started
                    self._catch_up_all = False
                    await self._poll_sql()
                self._collect_empty_channels(started)
                recheck = started - last_sessions >= SESSION_RECHECK_S
                if recheck:
                    last_sessions = started
                await self._check_sessions(time.time(), recheck)
            except Exception:
                log.exception("hub tick failed")
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    async def _flush_presence(self, heartbeat: bool) -> None:
        names = set(self._presence_dirty)
        moved = set(names)
        if heartbeat:
            names.update(self.threads)
            names.add(CONNECTIONS)
        if not names:
            return
        self._presence_dirty.clear()
        counts = {name: self.watchers_local(name) for name in names}
        try:
            await self.broker.set_presence(counts)
        except BrokerUnavailable:
            self._presence_dirty.update(names)
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
                self._watchers_moved.add(thread_id)
        if messages:
            with contextlib.suppress(BrokerUnavailable):
                await self.broker.publish_many(messages)

    async def _announce_watchers(self) -> None:
        """Tell every process (this one included) which threads' watcher counts moved here."""
        if not self._watchers_moved:
            return
        ids = sorted(self._watchers_moved)
        self._watchers_moved.clear()
        self._digest_due.update(ids)
        with contextlib.suppress(BrokerUnavailable):
            await self.broker.publish(ch.BOARD, ch.encode_watchers_moved(ids))

    async def _flush_board_digest(self) -> None:
        """One frame with the watcher counts of every thread whose count moved since the last."""
        if not self._digest_due:
            return
        ids = sorted(self._digest_due)[:BOARD_DIGEST_MAX]
        self._digest_due.difference_update(ids)
        if not self.board:
            return
        watchers = await self.watchers(ids)
        self._fan_out(self.board, ch.board_watchers_frame(watchers), "board")

    async def _flush_counts(self) -> None:
        now = time.monotonic()
        dirty = [
            c
            for c in self.threads.values()
            if c.peers
            and c.ready
            and now - c.counts_sent_at >= COUNTS_SPACING_S
            and (c.counts_dirty or (c.watchers_dirty and now - c.watchers_sent_at >= WATCHERS_INTERVAL_S))
        ]
        if not dirty:
            return
        try:
            watchers = await self.broker.presence([c.name for c in dirty])
        except BrokerUnavailable:
            watchers = {c.name: len(c.peers) for c in dirty}
        for channel in dirty:
            # Never report fewer watchers than this process alone holds (presence lags a tick).
            count = max(watchers.get(channel.name, 0), len(channel.peers))
            if not channel.counts_dirty and count == channel.watchers_shown:
                channel.watchers_dirty = False
                continue
            comment_ids = sorted(channel.dirty_comments)
            channel.counts_dirty = channel.watchers_dirty = False
            channel.watchers_sent_at = channel.counts_sent_at = now
            channel.dirty_comments.clear()
            data = await self.store.thread_counts(channel.thread_id, comment_ids)
            data["watchers"] = channel.watchers_shown = count
            self._fan_out(channel.peers, ch.counts_frame(channel.name, data), "counts")

    async def _flush_summaries(self) -> None:
        if not self._summary_dirty:
            return
        ids = sorted(self._summary_dirty)
        self._summary_dirty.clear()
        if not self.board:
            return
        for frame in await self.store.summary_frames(ids, await self.watchers(ids)):
            self._fan_out(self.board, frame, "board")

    async def _poll_sql(self) -> None:
        """Catch up from SQL: while the broker is down, and once when it comes back."""
        ready = [c for c in self.threads.values() if c.ready]
        if ready:
            latest = await self.store.latest_seqs([c.thread_id for c in ready])
            for channel in ready:
                goal = latest.get(channel.thread_id, 0)
                if goal > channel.last_seq:
                    await self._catch_up(channel, goal)
                channel.counts_dirty = True
        # Log ids are assigned before commit, so a little look-back catches late committers.
        rows = await self.store.log_frames(max(0, self._last_log_id - 200), 1000)
        for log_id, staff_frame, board_frame in rows:
            if log_id in self._seen_log_set:
                continue
            self._remember_log_id(log_id)
            self._fan_out(self.staff, staff_frame, "staff")
            if board_frame is not None:
                self._fan_out(self.board, board_frame, "board")

    def _collect_empty_channels(self, now: float) -> None:
        for name, channel in list(self.threads.items()):
            if (
                not channel.peers
                and channel.empty_since is not None
                and now - channel.empty_since > CHANNEL_GRACE_S
                and not channel.lock.locked()
            ):
                del self.threads[name]
                self._spawn(self.broker.unsubscribe(name), f"unsubscribe-{name}")


# Frames after which earlier frames carrying the same comment show less or newer text.
REDACTING_MARKERS = (
    '"event":"comment.hidden"',
    '"event":"comment.edited"',
    '"event":"comment.withdrawn"',
)


def _redact_recent(recent: deque[tuple[int, PreparedFrame]], latest_frame: str) -> None:
    """Once a moderator hides a comment, or its author edits or deletes it, every frame kept for
    replay that carries it (created, restored, whatever the type) is shown as the redaction rule
    shows it now, so a client resuming later never receives hidden, deleted or superseded text.
    These are rare: parsing the ring then is cheap enough."""
    comment = json.loads(latest_frame)["data"]["comment"]
    states = {comment["id"]: state_of(comment)}
    for index, (seq, frame) in enumerate(recent):
        parsed = json.loads(frame.text)
        if carried_comment_id(parsed["data"]) != comment["id"]:
            continue
        parsed["data"] = shown_to(Audience.PUBLIC, parsed["data"], states)
        recent[index] = (seq, PreparedFrame(ch.dumps(parsed)))


def _log_id_of(frame: str) -> int | None:
    """The log id of a staff event frame, read without parsing the whole frame."""
    marker = '"event":{"id":'
    at = frame.find(marker)
    if at < 0:
        return None
    start = at + len(marker)
    end = start
    while end < len(frame) and frame[end].isdigit():
        end += 1
    return int(frame[start:end]) if end > start else None
