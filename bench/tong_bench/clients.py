"""Watcher processes: many WebSocket clients per process, each checking its thread's `seq` order.

Each process runs one event loop holding thousands of `websockets` client connections. Per
connection it keeps a few integers (last seq, counters, a set of missing seqs only after a gap);
per process, latency histograms and one (count, max) pair per comment. Frames are scanned, not
parsed (see frames.py). The coordinator talks to a process through a pipe (see `WatcherPool`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.frames import Frame, Opcode
from websockets.protocol import Event

from .frames import find_mark, frame_recommendations, frame_seq, frame_type
from .limits import raise_open_files_limit
from .stats import Histogram

# Loopback allows ~28k ports per (source address, destination); beyond this many connections per
# source address, spread them over 127.0.0.2, 127.0.0.3, …
CONNECTIONS_PER_SOURCE = 20_000
PROGRESS_INTERVAL = 0.5
# Counts-frame timestamps kept by the one "sentinel" watcher per thread and process, to find the
# busiest second: 4/s for an hour stays under this.
SENTINEL_LIMIT = 20_000


class WatcherConnection(ClientConnection):
    """A client connection that hands whole text frames to a callback as they are parsed.

    `websockets` queues every message and wakes the task awaiting `recv()`: with thousands of
    connections per process, that wake-up costs more than the server's own work per delivery and
    would make the load tool the bottleneck of every fan-out figure. Fragmented messages, and
    closes, still go through `recv()`.
    """

    on_text: Callable[[bytes], None] | None = None
    _fragmented = False

    def process_event(self, event: Event) -> None:
        if self.on_text is not None and isinstance(event, Frame) and not self._fragmented:
            if event.opcode is Opcode.TEXT and event.fin:
                self.on_text(bytes(event.data))
                return
            self._fragmented = event.opcode is Opcode.TEXT or event.opcode is Opcode.BINARY
        elif isinstance(event, Frame) and event.opcode is Opcode.CONT and event.fin:
            self._fragmented = False
        super().process_event(event)


@dataclass
class WorkerConfig:
    worker: int
    ws_url: str
    # (global watcher index, thread id), one per connection this process holds.
    watchers: list[tuple[int, int]]
    compression: bool = False
    connect_concurrency: int = 200
    source_addresses: int = 1
    open_timeout: float = 30.0
    # A watcher that cannot connect keeps retrying with back-off until this many seconds passed.
    connect_deadline: float = 120.0
    max_queue: int = 1024


class Watcher:
    __slots__ = (
        "base",
        "counts",
        "counts_at",
        "delivered",
        "dropped_at",
        "dups",
        "index",
        "last",
        "last_recommendations",
        "live_from",
        "missing",
        "ooo",
        "pause",
        "resume_target",
        "resync_pending",
        "resynced",
        "thread",
        "ws",
    )

    def __init__(self, index: int, thread: int, sentinel: bool) -> None:
        self.index = index
        self.thread = thread
        self.ws: ClientConnection | None = None
        # `last` is None until the first `subscribed` frame; the thread's seq then is `base`.
        self.last: int | None = None
        self.base = 0
        self.live_from = 0
        self.missing: set[int] | None = None
        self.delivered = 0
        self.dups = 0
        self.ooo = 0
        self.resynced = 0
        self.resync_pending = False
        self.counts = 0
        self.counts_at: list[float] | None = [] if sentinel else None
        self.last_recommendations: int | None = None
        self.dropped_at = 0.0
        self.resume_target = 0
        self.pause = 0.0

    def accept(self, seq: int) -> None:
        """Record an event's seq: in order, filling a gap (out of order), or seen before (duplicate)."""
        last = self.last if self.last is not None else seq - 1
        if seq == last + 1:
            self.last = seq
            self.delivered += 1
        elif seq > last + 1:
            if self.missing is None:
                self.missing = set()
            self.missing.update(range(last + 1, seq))
            self.last = seq
            self.delivered += 1
        elif self.missing is not None and seq in self.missing:
            self.missing.discard(seq)
            self.ooo += 1
            self.delivered += 1
        else:
            self.dups += 1

    def lost(self, final_seq: int) -> int:
        last = self.last if self.last is not None else final_seq
        return (len(self.missing) if self.missing else 0) + max(0, final_seq - last)


@dataclass
class PhaseFigures:
    latency: Histogram = field(default_factory=Histogram)
    # comment index -> [live deliveries, slowest delivery]
    per_comment: dict[int, list[float]] = field(default_factory=dict)


class Worker:
    """One watcher process: connects its watchers, follows coordinator commands, reports."""

    def __init__(self, config: WorkerConfig, pipe: Connection) -> None:
        self.config = config
        self.pipe = pipe
        self.closing = False
        seen_threads: set[int] = set()
        self.watchers: list[Watcher] = []
        for index, thread in config.watchers:
            self.watchers.append(Watcher(index, thread, sentinel=thread not in seen_threads))
            seen_threads.add(thread)
        self.connected = 0
        self.connect_failures = 0
        self.gave_up = 0
        self.connect_time = Histogram()
        self.resume_time = Histogram()
        self.phases: dict[int, PhaseFigures] = {}
        self.replayed = 0
        self.errors = 0
        self.server_closes: Counter[str] = Counter()
        self.deflate_negotiated = 0
        self.slots = asyncio.Semaphore(config.connect_concurrency)
        self.tasks: set[asyncio.Task[Any]] = set()
        self.commands: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        # Every frame a watcher receives, by type, and their bytes, since the coordinator's
        # "mark" (the load phases' start): what a comment costs each watcher, not only its event.
        self.frames: Counter[str] = Counter()
        self.frame_bytes = 0

    # --- the coordinator's side of the pipe ---------------------------------------------------

    def _on_pipe(self) -> None:
        while self.pipe.poll():
            try:
                command = self.pipe.recv()
                if command[0] == "mark":
                    # At once, not behind the command queue: frames read meanwhile count too.
                    self.frames.clear()
                    self.frame_bytes = 0
                    continue
                self.commands.put_nowait(command)
            except EOFError:
                self.commands.put_nowait(("abort",))
                asyncio.get_running_loop().remove_reader(self.pipe.fileno())
                return

    def _send(self, *message: Any) -> None:
        self.pipe.send(message)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_reader(self.pipe.fileno(), self._on_pipe)
        watcher_tasks = [asyncio.create_task(self._watch(w)) for w in self.watchers]
        progress = asyncio.create_task(self._progress())
        try:
            while True:
                command = await self.commands.get()
                if command[0] == "drop":
                    self._drop(*command[1:])
                elif command[0] == "finish":
                    await self._drain(command[1], command[2])
                    break
                elif command[0] == "abort":
                    break
        finally:
            self.closing = True
            progress.cancel()
            await self._close_all()
            for task in watcher_tasks:
                task.cancel()
            await asyncio.gather(*watcher_tasks, progress, return_exceptions=True)
            loop.remove_reader(self.pipe.fileno())
        if command[0] == "finish":
            self._send("result", self._result(command[1]))

    async def _progress(self) -> None:
        while True:
            await asyncio.sleep(PROGRESS_INTERVAL)
            self._send("progress", self._progress_figures())

    def _progress_figures(self) -> dict[str, Any]:
        return {
            "connected": self.connected,
            "connect_failures": self.connect_failures,
            "gave_up": self.gave_up,
            "delivered": sum(w.delivered for w in self.watchers),
            "live": sum(p.latency.count for p in self.phases.values()),
            "resumed": self.resume_time.count,
            "pending_resume": sum(1 for w in self.watchers if w.dropped_at),
        }

    # --- one watcher ----------------------------------------------------------------------------

    def _connect_kwargs(self, w: Watcher) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "compression": "deflate" if self.config.compression else None,
            "ping_interval": None,
            "open_timeout": self.config.open_timeout,
            "close_timeout": 2,
            "max_queue": self.config.max_queue,
            "max_size": 1 << 20,
            "proxy": None,
            "user_agent_header": "tong-bench",
            "create_connection": WatcherConnection,
        }
        if self.config.source_addresses > 1:
            kwargs["local_addr"] = (f"127.0.0.{1 + w.index % self.config.source_addresses}", 0)
        return kwargs

    def _subscribe_frame(self, w: Watcher, since: int | None) -> str:
        frame: dict[str, Any] = {"op": "subscribe", "channel": f"thread:{w.thread}"}
        if since is not None:
            frame["since"] = since
        return json.dumps(frame)

    async def _watch(self, w: Watcher) -> None:
        started = time.monotonic()
        backoff = 0.1
        while not self.closing:
            if w.pause:
                await asyncio.sleep(w.pause)
                w.pause = 0.0
            try:
                async with self.slots:
                    t0 = time.monotonic()
                    ws = await connect(self.config.ws_url, **self._connect_kwargs(w))
                    assert isinstance(ws, WatcherConnection)
                    ws.on_text = self._handler(w)
                    self.connect_time.add(time.monotonic() - t0)
                    await ws.send(self._subscribe_frame(w, w.last))
            except (OSError, InvalidHandshake, ConnectionClosed, TimeoutError):
                self.connect_failures += 1
                if time.monotonic() - started > self.config.connect_deadline:
                    self.gave_up += 1
                    return
                await asyncio.sleep(backoff * (0.5 + random.random()))
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.1
            started = time.monotonic()
            if ws.response is not None and "permessage-deflate" in ws.response.headers.get(
                "Sec-WebSocket-Extensions", ""
            ):
                self.deflate_negotiated += 1
            w.ws = ws
            self.connected += 1
            try:
                while True:
                    self._on_frame(w, await ws.recv(decode=False))
            except ConnectionClosed as exc:
                if not w.dropped_at and not self.closing:
                    code = exc.rcvd.code if exc.rcvd is not None else "abnormal"
                    self.server_closes[str(code)] += 1
                    # The server dropped us (1012 on shutdown, 1013 when too slow): resume as a
                    # browser would, after a short randomised back-off, and time the resume.
                    w.dropped_at = time.time()
                    w.pause = 0.2 + random.random() * 0.8
            finally:
                w.ws = None
                self.connected -= 1

    def _handler(self, w: Watcher) -> Callable[[bytes], None]:
        return lambda raw: self._on_frame(w, raw)

    def _on_frame(self, w: Watcher, raw: bytes | str) -> None:
        if isinstance(raw, str):
            raw = raw.encode()
        kind = frame_type(raw)
        self.frames[kind.decode() if kind else "?"] += 1
        self.frame_bytes += len(raw)
        if kind == b"event":
            seq = frame_seq(raw)
            if seq is None:
                return
            w.accept(seq)
            if seq > w.live_from:
                mark = find_mark(raw)
                if mark is not None:
                    self._delivered_live(mark.phase, mark.number, time.time() - mark.sent)
            else:
                self.replayed += 1
            if w.dropped_at and w.resume_target and seq >= w.resume_target:
                self._resumed(w)
        elif kind == b"counts":
            w.counts += 1
            recommendations = frame_recommendations(raw)
            if recommendations is not None:
                w.last_recommendations = recommendations
            if w.counts_at is not None and len(w.counts_at) < SENTINEL_LIMIT:
                w.counts_at.append(time.time())
        elif kind == b"subscribed":
            self._subscribed(w, frame_seq(raw) or 0)
        elif kind == b"resync":
            self._resync(w)
        elif kind == b"error":
            self.errors += 1

    def _delivered_live(self, phase: int, index: int, latency: float) -> None:
        figures = self.phases.get(phase)
        if figures is None:
            figures = self.phases[phase] = PhaseFigures()
        figures.latency.add(latency)
        entry = figures.per_comment.get(index)
        if entry is None:
            figures.per_comment[index] = [1, latency]
        else:
            entry[0] += 1
            if latency > entry[1]:
                entry[1] = latency

    def _subscribed(self, w: Watcher, seq: int) -> None:
        if w.last is None:
            w.last = w.base = seq
        elif w.resync_pending:
            # What the replay limit skipped is neither delivered nor lost: a browser reloads it
            # through REST. Count it apart.
            w.resync_pending = False
            w.resynced += max(0, seq - w.last) + (len(w.missing) if w.missing else 0)
            w.missing = None
            w.last = max(w.last, seq)
        w.live_from = seq
        if w.dropped_at:
            if w.last >= seq:
                self._resumed(w)
            else:
                w.resume_target = seq

    def _resumed(self, w: Watcher) -> None:
        self.resume_time.add(time.time() - w.dropped_at)
        w.dropped_at = 0.0
        w.resume_target = 0

    def _resync(self, w: Watcher) -> None:
        w.resync_pending = True
        if w.ws is not None:
            task = asyncio.create_task(w.ws.send(self._subscribe_frame(w, None)))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    # --- commands ---------------------------------------------------------------------------------

    def _drop(self, fraction: float, pause: float, spread: float, seed: int) -> None:
        """Drop a share of the watchers (a network cut: no close handshake), spread over `spread` s."""
        rng = random.Random(seed + self.config.worker)
        chosen = [w for w in self.watchers if rng.random() < fraction]
        loop = asyncio.get_running_loop()
        for w in chosen:
            if spread > 0:
                loop.call_later(rng.random() * spread, self._cut, w, pause)
            else:
                self._cut(w, pause)

    def _cut(self, w: Watcher, pause: float) -> None:
        if w.ws is None or self.closing:
            return
        w.dropped_at = time.time()
        w.pause = pause
        w.ws.transport.abort()

    async def _drain(self, final_seqs: dict[int, int], timeout: float) -> None:
        """Wait until every watcher has its thread's final seq, or until `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            behind = sum(
                1 for w in self.watchers if w.last is not None and w.last < final_seqs.get(w.thread, 0)
            )
            if not behind and not any(w.dropped_at for w in self.watchers):
                return
            await asyncio.sleep(0.1)

    async def _close_all(self) -> None:
        open_ = [w.ws for w in self.watchers if w.ws is not None]
        for start in range(0, len(open_), 2000):
            await asyncio.gather(*(ws.close() for ws in open_[start : start + 2000]), return_exceptions=True)

    def _result(self, final_seqs: dict[int, int]) -> dict[str, Any]:
        expected = delivered = lost = dups = ooo = resynced = never = 0
        last_recommendations: dict[int, Counter[int | None]] = {}
        counts_at: dict[int, list[float]] = {}
        counts_frames = 0
        for w in self.watchers:
            final = final_seqs.get(w.thread, 0)
            if w.last is None:
                never += 1
                continue
            expected += final - w.base - w.resynced
            delivered += w.delivered
            lost += w.lost(final)
            dups += w.dups
            ooo += w.ooo
            resynced += w.resynced
            counts_frames += w.counts
            last_recommendations.setdefault(w.thread, Counter())[w.last_recommendations] += 1
            if w.counts_at is not None:
                counts_at[w.thread] = w.counts_at
        return {
            "watchers": len(self.watchers),
            "never_subscribed": never,
            "expected": expected,
            "delivered": delivered,
            "lost": lost,
            "duplicated": dups,
            "out_of_order": ooo,
            "resynced": resynced,
            "replayed": self.replayed,
            "errors": self.errors,
            "server_closes": dict(self.server_closes),
            "connect_failures": self.connect_failures,
            "gave_up": self.gave_up,
            "deflate_negotiated": self.deflate_negotiated,
            "connect_time": self.connect_time.to_wire(),
            "resume_time": self.resume_time.to_wire(),
            "still_dropped": sum(1 for w in self.watchers if w.dropped_at),
            "counts_frames": counts_frames,
            "frames": dict(self.frames),
            "frame_bytes": self.frame_bytes,
            "counts_at": counts_at,
            "last_recommendations": {t: dict(c) for t, c in last_recommendations.items()},
            "phases": {
                phase: {"latency": f.latency.to_wire(), "per_comment": f.per_comment}
                for phase, f in self.phases.items()
            },
        }


def worker_main(config: WorkerConfig, pipe: Connection) -> None:
    raise_open_files_limit()
    try:
        import uvloop
    except ImportError:
        asyncio.run(Worker(config, pipe).run())
    else:
        uvloop.run(Worker(config, pipe).run())


class WatcherPool:
    """The coordinator's handle on the watcher processes."""

    def __init__(self, configs: list[WorkerConfig]) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self._theirs: list[Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        for config in configs:
            ours, theirs = context.Pipe()
            process = context.Process(target=worker_main, args=(config, theirs), daemon=True)
            self.pipes.append(ours)
            self.processes.append(process)
            self._theirs.append(theirs)
        self.progress: list[dict[str, Any]] = [{} for _ in configs]
        self.results: list[dict[str, Any] | None] = [None for _ in configs]
        self._changed = asyncio.Event()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid is not None]

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        for i, (pipe, process) in enumerate(zip(self.pipes, self.processes, strict=True)):
            process.start()
            # Close our copy of the child's end, so that its death reads as EOF here.
            self._theirs[i].close()
            loop.add_reader(pipe.fileno(), self._on_pipe, i)

    def _on_pipe(self, i: int) -> None:
        pipe = self.pipes[i]
        try:
            while pipe.poll():
                kind, payload = pipe.recv()
                if kind == "progress":
                    self.progress[i] = payload
                elif kind == "result":
                    self.results[i] = payload
        except (EOFError, OSError):
            asyncio.get_running_loop().remove_reader(pipe.fileno())
            if self.results[i] is None:
                self.results[i] = {}
        self._changed.set()

    def total(self, key: str) -> int:
        return sum(int(p.get(key, 0)) for p in self.progress)

    def alive(self) -> bool:
        return all(p.is_alive() for p in self.processes)

    def send(self, *command: Any) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(command)

    async def wait_connected(self, expected: int, timeout: float, tick: Any = None) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.total("connected") >= expected:
                return True
            if self.total("connected") + self.total("gave_up") >= expected:
                return False
            if not self.alive():
                raise RuntimeError("a watcher process died while connecting")
            if tick is not None:
                tick()
            await asyncio.sleep(0.1)
        return False

    async def finish(self, final_seqs: dict[int, int], drain: float) -> list[dict[str, Any]]:
        self.send("finish", final_seqs, drain)
        deadline = time.monotonic() + drain + 60
        while time.monotonic() < deadline and any(r is None for r in self.results):
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), 1.0)
        return [r or {} for r in self.results]

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        for pipe in self.pipes:
            with contextlib.suppress(ValueError, OSError):
                loop.remove_reader(pipe.fileno())
            pipe.close()
        # After `finish` the processes exit by themselves; give them time before killing.
        deadline = time.monotonic() + 10
        for process in self.processes:
            await asyncio.to_thread(process.join, max(0.0, deadline - time.monotonic()))
        for process in self.processes:
            if process.is_alive():
                process.kill()
            process.join(timeout=5)
            process.close()
