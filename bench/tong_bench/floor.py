"""The bare floor: the least a Python server can do for the same clients, to compare Tong with.

A `websockets` server that fans each comment out with `websockets.asyncio.server.broadcast()`,
plus a tiny HTTP/1.1 endpoint answering the few REST paths the load tool uses, with the same
paths, bodies and frames as Tong (PROTOCOL.md). No database, no broker, no authentication: what is
left is the cost of the WebSocket fan-out itself. WebSocket and HTTP listen on separate ports
because `websockets` answers only GET requests.

Run it by hand with `python -m tong_bench.floor --port 9000 --ws-port 9001`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psutil
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from .limits import raise_open_files_limit

# Tong's defaults (PROTOCOL.md): replay at most 1,000 missed events, at most 4 counts frames a second.
REPLAY_LIMIT = 1000
COUNTS_INTERVAL = 0.25
# `websockets` listens with a backlog of 100; a storm of thousands of reconnects would overflow it
# and leave clients waiting for SYN retransmits, which would measure the kernel rather than the server.
BACKLOG = 4096

_THREAD_PATH = re.compile(r"^/api/threads/(\d+)(/comments|/recommendation)?$")


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# Identity, not value, equality: threads are kept in sets of the watchers' subscriptions.
@dataclass(eq=False)
class Thread:
    id: int
    title: str
    seq: int = 0
    # (seq, frame) of the latest events, for resume with `since`.
    history: list[tuple[int, bytes]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    recommenders: set[str] = field(default_factory=set)
    watchers: set[ServerConnection] = field(default_factory=set)
    counts_sent_at: float = 0.0
    counts_timer: asyncio.TimerHandle | None = None

    @property
    def channel(self) -> str:
        return f"thread:{self.id}"

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": "proposal",
            "title": self.title,
            "status": "received",
            "outcome": None,
            "seq": self.seq,
            "counts": {
                "comments": len(self.comments),
                "recommendations": len(self.recommenders),
                "watchers": len(self.watchers),
            },
        }


class Floor:
    """The floor's state: threads in memory, their watchers, and the two listeners' handlers."""

    def __init__(self) -> None:
        self.threads: dict[int, Thread] = {}
        self.next_comment_id = 1

    # --- WebSocket ---------------------------------------------------------------------------

    async def websocket(self, ws: ServerConnection) -> None:
        mine: set[Thread] = set()
        try:
            async for message in ws:
                self._on_frame(ws, message, mine)
        except ConnectionClosed:
            pass
        finally:
            for thread in mine:
                thread.watchers.discard(ws)
                self._counts_changed(thread)

    def _on_frame(self, ws: ServerConnection, message: str | bytes, mine: set[Thread]) -> None:
        try:
            frame = json.loads(message)
            op, channel = frame["op"], frame["channel"]
            thread = self.threads[int(channel.removeprefix("thread:"))]
        except (ValueError, KeyError, TypeError, AttributeError):
            broadcast([ws], json.dumps({"type": "error", "code": "bad_frame", "message": "bad frame"}))
            return
        if op == "unsubscribe":
            thread.watchers.discard(ws)
            mine.discard(thread)
            return
        since = frame.get("since")
        # Everything below is synchronous, so no broadcast can slip between the replay and the
        # live events: broadcast() writes to the transport without awaiting.
        thread.watchers.add(ws)
        mine.add(thread)
        broadcast([ws], json.dumps({"type": "subscribed", "channel": channel, "seq": thread.seq}))
        if isinstance(since, int) and since < thread.seq:
            oldest = thread.history[0][0] if thread.history else thread.seq + 1
            if thread.seq - since > REPLAY_LIMIT or since + 1 < oldest:
                broadcast([ws], json.dumps({"type": "resync", "channel": channel}))
            else:
                for seq, event in thread.history:
                    if seq > since:
                        broadcast([ws], event)
        self._counts_changed(thread)

    def _counts_changed(self, thread: Thread) -> None:
        """Coalesce counts frames to at most one per COUNTS_INTERVAL, the last one exact."""
        if thread.counts_timer is not None:
            return
        delay = max(0.0, thread.counts_sent_at + COUNTS_INTERVAL - time.monotonic())
        thread.counts_timer = asyncio.get_running_loop().call_later(delay, self._send_counts, thread)

    def _send_counts(self, thread: Thread) -> None:
        thread.counts_timer = None
        thread.counts_sent_at = time.monotonic()
        counts = thread.summary()["counts"]
        frame = {"type": "counts", "channel": thread.channel, "data": counts}
        broadcast(thread.watchers, json.dumps(frame))

    # --- HTTP --------------------------------------------------------------------------------

    def route(self, method: str, target: str, body: bytes, login: str) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        if path in ("/readyz", "/healthz"):
            return 200, {"status": "ok"}, {}
        if path == "/metrics":
            return 200, _metrics(), {}
        if path == "/api/session" and method == "POST":
            login = str(json.loads(body or b"{}").get("login", "anonymous"))
            return 200, {"login": login}, {"Set-Cookie": f"tong_session={login}; HttpOnly; Path=/"}
        if path == "/api/threads" and method == "POST":
            created = Thread(id=len(self.threads) + 1, title=str(json.loads(body).get("title", "")))
            self.threads[created.id] = created
            return 201, created.summary(), {}
        m = _THREAD_PATH.match(path)
        thread = self.threads.get(int(m.group(1))) if m else None
        if m is None or thread is None:
            return 404, {"error": {"code": "not_found", "message": "no such thread"}}, {}
        tail = m.group(2)
        if tail is None and method == "GET":
            return 200, thread.summary(), {}
        if tail == "/comments" and method == "GET":
            after = int(query.get("after_seq", ["0"])[0])
            limit = int(query.get("limit", ["100"])[0])
            items = [c for c in thread.comments if c["seq"] > after][:limit]
            return 200, {"items": items, "seq": thread.seq}, {}
        if tail == "/comments" and method == "POST":
            return 201, self._post_comment(thread, str(json.loads(body)["body"])), {}
        if tail == "/recommendation" and method in ("PUT", "DELETE"):
            return 200, self._recommend(thread, method == "PUT", login), {}
        return 405, {"error": {"code": "method_not_allowed", "message": method}}, {}

    def _post_comment(self, thread: Thread, body: str) -> dict[str, Any]:
        thread.seq += 1
        comment = {
            "id": self.next_comment_id,
            "thread_id": thread.id,
            "parent_id": None,
            "seq": thread.seq,
            "author": {"kind": "company", "label": "기업 1", "is_op": False},
            "body": body,
            "created_at": _now_iso(),
            "hidden": False,
            "counts": {"recommendations": 0},
        }
        self.next_comment_id += 1
        thread.comments.append(comment)
        frame = {
            "type": "event",
            "channel": thread.channel,
            "seq": thread.seq,
            "event": "comment.created",
            "data": {"comment": comment},
        }
        event = json.dumps(frame).encode()
        thread.history.append((thread.seq, event))
        if len(thread.history) > REPLAY_LIMIT:
            del thread.history[: len(thread.history) - REPLAY_LIMIT]
        broadcast(thread.watchers, event, text=True)
        return comment

    def _recommend(self, thread: Thread, on: bool, login: str) -> dict[str, Any]:
        if on:
            thread.recommenders.add(login)
        else:
            thread.recommenders.discard(login)
        self._counts_changed(thread)
        return {"recommended": on, "count": len(thread.recommenders)}

    async def http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readuntil(b"\r\n")
                method, target, _ = request_line.decode("latin-1").split(" ", 2)
                length = 0
                login = "anonymous"
                while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
                    name, _, value = line.decode("latin-1").partition(":")
                    name = name.strip().lower()
                    if name == "content-length":
                        length = int(value)
                    elif name == "cookie":
                        login = value.strip().partition("tong_session=")[2].split(";")[0]
                body = await reader.readexactly(length) if length else b""
                try:
                    status, payload, headers = self.route(method, target, body, login)
                except (ValueError, KeyError, TypeError):
                    status, payload, headers = 422, {"error": {"code": "validation_error", "message": ""}}, {}
                if isinstance(payload, str):
                    data, content_type = payload.encode(), "text/plain; version=0.0.4"
                else:
                    data, content_type = json.dumps(payload).encode(), "application/json"
                head = (
                    f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {len(data)}\r\n"
                )
                head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                writer.write(head.encode() + b"\r\n" + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()


def _metrics() -> str:
    """The two process figures of prometheus_client's default collector, as Tong's /metrics has them."""
    me = psutil.Process()
    cpu = me.cpu_times()
    return (
        f"process_resident_memory_bytes {me.memory_info().rss}\n"
        f"process_cpu_seconds_total {cpu.user + cpu.system}\n"
    )


async def run_floor(host: str, port: int, ws_port: int, deflate: bool, stop: asyncio.Event) -> None:
    floor = Floor()
    http_server = await asyncio.start_server(floor.http, host, port, backlog=BACKLOG)
    async with (
        serve(
            floor.websocket,
            host,
            ws_port,
            compression="deflate" if deflate else None,
            ping_interval=None,
            # On stop, don't wait long for tens of thousands of close handshakes: the run is over.
            close_timeout=1,
            backlog=BACKLOG,
            max_size=64 * 1024,
        ),
        http_server,
    ):
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tong_bench.floor", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000, help="HTTP port (REST feed, /readyz)")
    parser.add_argument("--ws-port", type=int, default=9001, help="WebSocket port (path /ws)")
    parser.add_argument("--deflate", action="store_true", help="negotiate permessage-deflate")
    args = parser.parse_args(argv)
    raise_open_files_limit()

    async def forever() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_floor(args.host, args.port, args.ws_port, args.deflate, stop)

    try:
        import uvloop
    except ImportError:
        asyncio.run(forever())
    else:
        uvloop.run(forever())


if __name__ == "__main__":
    main()
