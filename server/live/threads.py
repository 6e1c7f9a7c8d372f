"""What the hub keeps per watched thread: its sequencer, the ring of recent frames, counts state.

The ring (`recent`) serves resumes from memory: a reconnect storm replays the same prepared bytes to
every socket instead of reading the event log once per socket. When a comment is hidden, edited or
withdrawn, the frames in the ring that carry it are rewritten as the redaction rule shows it now.
An empty channel is kept `CHANNEL_GRACE_S`, then collected.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field

from server.events import channels as ch
from server.events.redaction import (
    Audience,
    ThreadState,
    carried_comment_id,
    shown_to,
    state_of,
    thread_erased,
)
from server.live.registry import Registry
from server.live.sequencer import Sequencer
from server.live.wireframe import PreparedFrame

# An empty channel keeps its state (and broker subscription) this long: a reconnect storm finds
# recent frames in memory instead of in the event log.
CHANNEL_GRACE_S = 30.0

# Frames after which earlier frames carrying the same comment show less or newer text.
REDACTING_MARKERS = (
    '"event":"comment.hidden"',
    '"event":"comment.edited"',
    '"event":"comment.withdrawn"',
    '"event":"post.erased"',
)
# A proposal hidden (every frame kept shows its text null) or restored (the frames kept show it
# null: they are dropped, and a resume reads the log, which shows the restored text).
THREAD_HIDDEN_MARKER = '"event":"thread.hidden"'
THREAD_RESTORED_MARKER = '"event":"thread.restored"'


@dataclass(eq=False)
class ThreadChannel:
    name: str
    thread_id: int
    sequencer: Sequencer = field(default_factory=Sequencer)
    # The latest frames, prepared: a reconnect storm replays the same bytes to every socket.
    recent: deque[tuple[int, PreparedFrame]] = field(default_factory=deque)
    # Held while the log is read for this channel (catch-ups and fills one at a time).
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # A fill task is on its way (one per channel is enough: it reads until nothing is missing).
    filling: bool = False
    counts_dirty: bool = False
    dirty_comments: set[int] = field(default_factory=set)
    watchers_dirty: bool = False
    watchers_sent_at: float = 0.0
    # The watcher count the last counts frame showed: a presence heartbeat that finds it unchanged
    # sends nothing (every watcher used to get a counts frame every 10 s for no change).
    watchers_shown: int = -1
    counts_sent_at: float = 0.0
    # Since when no socket here watches it; None while one does.
    empty_since: float | None = None

    @property
    def ready(self) -> bool:
        """Whether the channel knows the log's latest seq (frames before that wait)."""
        return self.sequencer.ready

    @property
    def last_seq(self) -> int:
        return self.sequencer.last_seq

    def remember(self, seq: int, frame: str) -> PreparedFrame:
        """Keep a delivered frame in the ring; its prepared bytes, built once for every watcher."""
        prepared = PreparedFrame(frame)
        if THREAD_RESTORED_MARKER in frame:
            self.recent.clear()
        self.recent.append((seq, prepared))
        if any(marker in frame for marker in REDACTING_MARKERS):
            redact_recent(self.recent, frame)
        elif THREAD_HIDDEN_MARKER in frame:
            conceal_recent(self.recent, frame)
        return prepared

    def recent_after(self, since: int) -> list[str | PreparedFrame] | None:
        """The frames after `since` up to the last seq from the ring; None when the ring no longer
        reaches back that far."""
        if since >= self.last_seq:
            return []
        recent = self.recent
        if not recent or recent[0][0] > since + 1:
            return None
        start = since + 1 - recent[0][0]
        return [frame for _, frame in list(recent)[start:]]


def redact_recent(recent: deque[tuple[int, PreparedFrame]], latest_frame: str) -> None:
    """Once a moderator hides a comment, or its author edits or deletes it, every frame kept for
    replay that carries it (created, restored, whatever the type) is shown as the redaction rule
    shows it now, so a client resuming later never receives hidden, deleted or superseded text.
    These are rare: parsing the ring then is cheap enough. An erased proposal (`post.erased`
    carrying `thread`) loses its title and body from every kept frame that carried them."""
    data = json.loads(latest_frame)["data"]
    if "comment" not in data:
        if isinstance(data.get("thread"), dict):
            _erase_thread_text(recent, data["thread"]["id"])
        return
    comment = data["comment"]
    states = {comment["id"]: state_of(comment)}
    for index, (seq, frame) in enumerate(recent):
        parsed = json.loads(frame.text)
        if carried_comment_id(parsed["data"]) != comment["id"]:
            continue
        parsed["data"] = shown_to(Audience.PUBLIC, parsed["data"], states)
        recent[index] = (seq, PreparedFrame(ch.dumps(parsed)))


def conceal_recent(recent: deque[tuple[int, PreparedFrame]], latest_frame: str) -> None:
    """Once a moderator hides a proposal, every frame kept for replay shows its text (and its
    comments' bodies) null, as the redaction rule shows a hidden proposal's frames."""
    data = json.loads(latest_frame)["data"]
    state = ThreadState(True, data.get("reason"))
    for index, (seq, frame) in enumerate(recent):
        parsed = json.loads(frame.text)
        concealed = shown_to(Audience.PUBLIC, parsed["data"], {}, state)
        if concealed != parsed["data"]:
            parsed["data"] = concealed
            recent[index] = (seq, PreparedFrame(ch.dumps(parsed)))


def _erase_thread_text(recent: deque[tuple[int, PreparedFrame]], thread_id: int) -> None:
    for index, (seq, frame) in enumerate(recent):
        parsed = json.loads(frame.text)
        shown = thread_erased(parsed["data"], thread_id)
        if shown is not None:
            parsed["data"] = shown
            recent[index] = (seq, PreparedFrame(ch.dumps(parsed)))


def collect(threads: dict[str, ThreadChannel], registry: Registry, now: float) -> list[str]:
    """Forget the channels nobody here watched for `CHANNEL_GRACE_S` (and that no catch-up is
    reading for); their names, for the caller to unsubscribe from the broker."""
    gone = []
    for name, channel in list(threads.items()):
        if (
            channel.empty_since is not None
            and now - channel.empty_since > CHANNEL_GRACE_S
            and not registry.count(name)
            and not channel.lock.locked()
        ):
            del threads[name]
            gone.append(name)
    return gone
