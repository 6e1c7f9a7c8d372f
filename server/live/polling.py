"""The event log's staff and board frames, read from SQL while the broker is down.

Thread channels catch up by seq (sequencer.py); staff and board frames have no seq of their own,
so this remembers the log ids already delivered, from the broker or from a poll, and a frame whose
id it has seen never goes out twice. The hub polls every `degraded_poll_interval` while the broker
is down, and once when it comes back or a publish of this process was lost.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

# How many recent log ids are remembered to drop duplicates while polling in degraded mode.
SEEN_LOG_IDS = 4096
# Log ids are assigned before commit, so a poll looks back this far to catch late committers.
LOOK_BACK = 200
# Rows read per poll at most.
POLL_ROWS = 1000


class LogStore(Protocol):
    async def log_frames(self, after_id: int, limit: int) -> list[tuple[int, str, str | None]]: ...

    async def max_log_id(self) -> int: ...


class LogPoller:
    def __init__(self, store: LogStore) -> None:
        self.store = store
        self.last_log_id = 0
        self._seen: deque[int] = deque(maxlen=SEEN_LOG_IDS)
        self._seen_set: set[int] = set()

    async def start(self) -> None:
        """Begin after what the log holds now (a new history: forget what was seen)."""
        self._seen.clear()
        self._seen_set.clear()
        self.last_log_id = await self.store.max_log_id()

    def first_time(self, log_id: int) -> bool:
        """Whether `log_id` was not delivered yet; it counts as delivered from now on."""
        if log_id in self._seen_set:
            return False
        if len(self._seen) == self._seen.maxlen:
            self._seen_set.discard(self._seen[0])
        self._seen.append(log_id)
        self._seen_set.add(log_id)
        self.last_log_id = max(self.last_log_id, log_id)
        return True

    async def poll(self) -> list[tuple[str, str | None]]:
        """(staff frame, board frame or None) of every log row not delivered yet."""
        rows = await self.store.log_frames(max(0, self.last_log_id - LOOK_BACK), POLL_ROWS)
        return [(staff, board) for log_id, staff, board in rows if self.first_time(log_id)]


def log_id_of(frame: str) -> int | None:
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
