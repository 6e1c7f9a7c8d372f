"""Stand-ins for what surrounds the hub in its unit tests: a socket, the event log, and time."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from server.events import channels as ch
from server.live.wireframe import PreparedFrame


class FakePeer:
    """A socket as the hub sees it, recording the frames it is sent."""

    def __init__(self, account_id: int | None = None, session: str | None = None) -> None:
        self.closed = False
        self.channels: set[str] = set()
        self.session = session
        self._account_id = account_id
        self.sent: list[str] = []
        self._arrived = asyncio.Event()

    @property
    def account_id(self) -> int | None:
        return self._account_id

    def push(self, frame: str, prepared: PreparedFrame | None = None) -> None:
        self.sent.append(frame)
        self._arrived.set()

    def sign_out(self) -> None:
        self._account_id = None
        self.session = None

    def events(self) -> list[int]:
        """The seqs of the thread events received, in order."""
        frames = [json.loads(f) for f in self.sent]
        return [f["seq"] for f in frames if f.get("type") == "event"]

    async def wait_for_events(self, count: int) -> list[int]:
        """Wait (for the hub's tasks, never for a wall-clock guess) until `count` events arrived."""
        while len(self.events()) < count:
            self._arrived.clear()
            await asyncio.wait_for(self._arrived.wait(), 5)
        return self.events()


class FakeLog:
    """The event log as the hub reads it (reading.py's FrameStore): threads and their frames."""

    def __init__(self) -> None:
        self.threads: dict[int, list[str]] = {}
        self.reads: list[tuple[int, int, int]] = []

    def commit(self, thread_id: int) -> tuple[int, str]:
        """A new event on the thread: its seq and frame."""
        frames = self.threads.setdefault(thread_id, [])
        seq = len(frames) + 1
        frame = ch.dumps({"type": "event", "channel": ch.thread_channel(thread_id), "seq": seq, "data": {}})
        frames.append(frame)
        return seq, frame

    async def latest_seqs(self, thread_ids: list[int]) -> dict[int, int]:
        return {t: len(self.threads[t]) for t in thread_ids if t in self.threads}

    async def thread_frames(self, thread_id: int, after: int, upto: int) -> list[tuple[int, str]]:
        self.reads.append((thread_id, after, upto))
        frames = self.threads.get(thread_id, [])
        return [(seq, frames[seq - 1]) for seq in range(after + 1, min(upto, len(frames)) + 1)]

    async def thread_counts(self, thread_id: int, comment_ids: list[int]) -> dict[str, Any]:
        return {"comments": 0, "recommendations": 0}

    async def summary_frames(self, thread_ids: list[int], watchers: dict[int, int]) -> list[str]:
        return []

    async def log_frames(self, after_id: int, limit: int) -> list[tuple[int, str, str | None]]:
        return []

    async def max_log_id(self) -> int:
        return 0


class ManualTime:
    """A clock and a sleep the test moves: the ticker ticks once per `advance`, never on its own."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self._wake = asyncio.Event()
        self._asleep = asyncio.Event()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self._asleep.set()
        await self._wake.wait()
        self._wake.clear()

    async def advance(self, seconds: float) -> None:
        """Move the clock on and let the ticker run one tick at the new time."""
        await self._asleep.wait()
        self._asleep.clear()
        self.now += seconds
        self._wake.set()
        await self._asleep.wait()
