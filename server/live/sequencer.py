"""One thread channel's ordered delivery, without I/O: seqs in, frames out in order, each once.

The broker brings a thread's events numbered 1, 2, 3 … but not always in that order (reordered
between processes), sometimes twice (the broker and a catch-up from SQL both bring one), and not
always at all (lost while the broker was down). The sequencer is told what arrived and answers what
may go out now; when a seq is missing it names the range to read from the event log, which is
complete because a seq is only published after its commit. Like python-websockets' protocol core it
does no I/O and reads no clock, so every interleaving is tested in microseconds
(tests/test_hub_sequencer.py); the hub does the reading (hub.py).

    sequencer.start(latest)                    # the log's latest seq, read after subscribing
    offered = sequencer.offer(seq, frame)      # offered.frames go out now, in order
    if offered.gap:                            # seqs after gap.after up to gap.upto are missing
        rows = await store.thread_frames(thread_id, offered.gap.after, offered.gap.upto)
        filled = sequencer.filled(offered.gap, rows)   # filled.frames go out now, in order

A database history that changes under the process (a restored dump, epoch.py) is `restart()`, then
`start(latest)` of the new history: what was held, and a fill still reading the old log, are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# (seq, frame text)
Frame = tuple[int, str]


@dataclass(frozen=True, slots=True)
class Gap:
    """The event log's frames after seq `after`, up to and including `upto`, are wanted."""

    after: int
    upto: int
    # Which history the gap was found in: a fill that returns after a restart fills nothing.
    history: int = 0


@dataclass(frozen=True, slots=True)
class Offered:
    # To deliver now, in seq order.
    frames: list[Frame]
    # A range to read from the log before what is held can go out; None when nothing is missing.
    gap: Gap | None


@dataclass(frozen=True, slots=True)
class Filled:
    # To deliver now, in seq order.
    frames: list[Frame]
    # Ranges the log did not have either: given up on and never delivered (the log is complete,
    # so this is a bug or a purged log; the hub logs it as an error).
    skipped: list[Gap]


_NOTHING = Offered([], None)


class Sequencer:
    __slots__ = ("_held", "_history", "last_seq", "ready")

    def __init__(self) -> None:
        # The last seq delivered, or known to be in the past (a resume replays that from the log).
        self.last_seq = 0
        # Whether the log's latest seq is known; until then every frame is held.
        self.ready = False
        # Frames that arrived ahead of a missing seq (or before `start`), by seq.
        self._held: dict[int, str] = {}
        self._history = 0

    @property
    def holding(self) -> int:
        """How many frames wait behind a missing seq."""
        return len(self._held)

    def start(self, latest: int) -> list[Frame]:
        """The log's latest seq is known. Up to it is the past; frames held after it go out now
        when nothing is missing before them. Once started, a later `start` changes nothing."""
        if not self.ready:
            self.last_seq = latest
            self.ready = True
            for seq in [s for s in self._held if s <= latest]:
                del self._held[seq]
        return self._drain()

    def restart(self) -> None:
        """The history changed: what is held, and any fill in flight, belong to the old one.
        Frames are held again until `start` names the new history's latest seq."""
        self._held.clear()
        self.ready = False
        self._history += 1

    def offer(self, seq: int, frame: str) -> Offered:
        """A frame from the broker: the frames that may go out now, and the range to read from
        the log while a seq before one held is missing. A duplicate is not delivered again."""
        if not self.ready:
            self._held[seq] = frame
            return _NOTHING
        if seq <= self.last_seq or seq in self._held:
            # A duplicate: nothing new, but a gap still open is named again (a fill that failed
            # is retried on the next frame).
            return Offered([], self.gap()) if self._held else _NOTHING
        if seq == self.last_seq + 1 and not self._held:
            # The common case, kept cheap: in order, nothing waiting.
            self.last_seq = seq
            return Offered([(seq, frame)], None)
        self._held[seq] = frame
        frames = self._drain()
        return Offered(frames, self.gap())

    def gap(self, target: int | None = None) -> Gap | None:
        """The range to read from the log: after the last seq delivered, up to `target` (the log's
        latest, when the caller read it) or to the seq before the last one held, whichever is
        later; None when nothing is missing (or the sequencer is not started)."""
        if not self.ready:
            return None
        upto = max(target or 0, max(self._held, default=0) - 1)
        return Gap(self.last_seq, upto, self._history) if upto > self.last_seq else None

    def filled(self, gap: Gap, rows: Iterable[Frame]) -> Filled:
        """The log's frames for `gap`, in seq order: they and the frames held behind them go out.
        Frames that went out while the log was read are not sent again. A seq of the gap the log
        does not have either is skipped, so one lost row never stops a channel."""
        if gap.history != self._history or not self.ready:
            return Filled([], [])
        for seq, frame in rows:
            if seq > self.last_seq:
                # The log's text wins over the broker's: it is the same frame, as committed.
                self._held[seq] = frame
        frames = self._drain()
        skipped: list[Gap] = []
        while self.last_seq < gap.upto:
            # After a drain the lowest seq held is past last_seq + 1, so each turn moves on.
            upto = min(gap.upto, min(self._held, default=gap.upto + 1) - 1)
            skipped.append(Gap(self.last_seq, upto, self._history))
            self.last_seq = upto
            frames += self._drain()
        return Filled(frames, skipped)

    def _drain(self) -> list[Frame]:
        held = self._held
        frames: list[Frame] = []
        while held:
            frame = held.pop(self.last_seq + 1, None)
            if frame is None:
                break
            self.last_seq += 1
            frames.append((self.last_seq, frame))
        return frames
