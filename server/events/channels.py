"""Channel names, the frames of the WebSocket contract, and the envelope they travel in between processes.

Every frame is serialised once, where it is generated, and the same text goes to every watcher.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Final

from server.store.models import ROW_ID_MAX

BOARD: Final = "board"
STAFF: Final = "staff"
THREAD_PREFIX: Final = "thread:"
# The per-account channel: a client subscribes to `me`; between processes it travels on
# `me:{account id}`, to which a hub attaches only sockets opened with that account's session.
ME: Final = "me"
ME_PREFIX: Final = "me:"
# Not a client channel: every hub listens here for sessions that ended (sessions.py).
SESSIONS: Final = "_sessions"


def thread_channel(thread_id: int) -> str:
    return f"{THREAD_PREFIX}{thread_id}"


def me_channel(account_id: int) -> str:
    return f"{ME_PREFIX}{account_id}"


# The families a channel name may belong to: the only values a metric label may take. A label
# holding the name itself would carry a thread or account id (`me:23` rising when someone's
# comment is answered links that person's pseudonyms in every thread), and an unbounded set.
CHANNEL_KINDS: Final = ("thread", "board", "staff", "me", "sessions", "other")


def channel_kind(channel: str) -> str:
    """The channel's family (one of CHANNEL_KINDS), never its id."""
    if channel.startswith(THREAD_PREFIX):
        return "thread"
    if channel.startswith(ME_PREFIX) or channel == ME:
        return "me"
    if channel == BOARD:
        return "board"
    if channel == STAFF:
        return "staff"
    if channel == SESSIONS:
        return "sessions"
    return "other"


def parse_thread_channel(channel: str) -> int | None:
    """The thread id of `thread:{id}`, or None when the name is not a valid thread channel."""
    if not channel.startswith(THREAD_PREFIX):
        return None
    digits = channel[len(THREAD_PREFIX) :]
    # ASCII digits only: str.isdigit() also takes "¹" (int() then raises) and "١" (int() reads 1).
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 10 or digits.startswith("0"):
        return None
    thread_id = int(digits)
    return thread_id if thread_id <= ROW_ID_MAX else None


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def event_frame(channel: str, event: str, data: dict[str, Any], seq: int | None = None) -> str:
    frame: dict[str, Any] = {"type": "event", "channel": channel}
    if seq is not None:
        frame["seq"] = seq
    frame["event"] = event
    frame["data"] = data
    return dumps(frame)


def subscribed_frame(channel: str, seq: int | None, epoch: str = "") -> str:
    frame: dict[str, Any] = {"type": "subscribed", "channel": channel}
    if seq is not None:
        frame["seq"] = seq
    if epoch:
        frame["epoch"] = epoch
    return dumps(frame)


def unsubscribed_frame(channel: str) -> str:
    return dumps({"type": "unsubscribed", "channel": channel})


def counts_frame(channel: str, data: dict[str, Any]) -> str:
    return dumps({"type": "counts", "channel": channel, "data": data})


def board_watchers_frame(watchers: dict[int, int]) -> str:
    """The board's periodic digest of watcher counts: {"watchers": {"<thread id>": n}}."""
    return dumps(
        {"type": "counts", "channel": BOARD, "data": {"watchers": {str(k): v for k, v in watchers.items()}}}
    )


def notice_frame(notice: dict[str, Any]) -> str:
    return dumps({"type": "notice", "channel": ME, "data": {"notice": notice}})


def unread_frame(count: int) -> str:
    return dumps({"type": "unread", "channel": ME, "data": {"count": count}})


def resync_frame(channel: str) -> str:
    return dumps({"type": "resync", "channel": channel})


def stats_frame(data: dict[str, Any]) -> str:
    return dumps({"type": "stats", "channel": STAFF, "data": data})


def error_frame(code: str, message: str, channel: str | None = None) -> str:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if channel is not None:
        frame["channel"] = channel
    return dumps(frame)


# --- The envelope between processes -------------------------------------------------------------
# One header line, then the frame text: the hub reads the header without parsing the frame.
#   E <seq> <t>\n<frame>  a sequenced thread event, published at unix time t (for the lag metric)
#   F <t>\n<frame>        a frame passed on as is (board, staff)
#   C <json>\n            counts changed: {"thread": true, "comments": [ids]}
#   P\n                   watcher presence changed on the channel
#   U <thread_id>\n       a thread summary changed (board)
#   R <json>\n            sessions ended: {"account": id, "session": token hash, or null for all}
#   W <json>\n            watcher counts moved on these threads: [thread ids] (board digest)
#   K\n                   catch up from SQL: a publish was lost (sent on board, which every hub hears)


@dataclass(frozen=True, slots=True)
class Envelope:
    kind: str
    seq: int = 0
    frame: str = ""
    meta: Any = None
    published_at: float = 0.0


def encode_event(seq: int, frame: str) -> bytes:
    return f"E {seq} {time.time():.6f}\n{frame}".encode()


def encode_frame(frame: str) -> bytes:
    return f"F {time.time():.6f}\n{frame}".encode()


def encode_counts(thread: bool, comment_ids: list[int]) -> bytes:
    return f"C {dumps({'thread': thread, 'comments': comment_ids})}\n".encode()


def encode_presence() -> bytes:
    return b"P\n"


def encode_summary(thread_id: int) -> bytes:
    return f"U {thread_id}\n".encode()


def encode_revoked(account_id: int, session: str | None) -> bytes:
    return f"R {dumps({'account': account_id, 'session': session})}\n".encode()


def encode_watchers_moved(thread_ids: list[int]) -> bytes:
    return f"W {dumps(thread_ids)}\n".encode()


def encode_catch_up() -> bytes:
    return b"K\n"


def decode(message: bytes) -> Envelope:
    text = message.decode()
    header, _, body = text.partition("\n")
    kind, _, arg = header.partition(" ")
    if kind == "E":
        seq, _, published = arg.partition(" ")
        return Envelope("E", seq=int(seq), frame=body, published_at=float(published or 0))
    if kind == "F":
        return Envelope("F", frame=body, published_at=float(arg or 0))
    if kind == "C":
        return Envelope("C", meta=json.loads(arg))
    if kind == "P":
        return Envelope("P")
    if kind == "U":
        return Envelope("U", meta=int(arg))
    if kind == "K":
        return Envelope("K")
    if kind == "W":
        return Envelope("W", meta=[int(i) for i in json.loads(arg)])
    if kind == "R":
        return Envelope("R", meta=json.loads(arg))
    raise ValueError(f"unknown envelope kind {kind!r}")
