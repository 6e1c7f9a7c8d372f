"""A socket as the hub sees it, over ASGI: frames go out without awaiting, one client never slows another.

It lives with the hub rather than in the web layer because it needs nothing of the web framework:
it speaks ASGI (a send callable and its message dicts) and recognises uvicorn's websockets-sansio
protocol by the attributes it uses (duck-typed, no uvicorn import), falling back to plain ASGI sends
on any other server. What it writes is the wire frames of wireframe.py; who may open one and what a
client may ask of it stay in web/routes/ws.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.protocol import State

from server.live.wireframe import DeflateParams, PreparedFrame, deflate_params
from server.store.models import Account
from server.telemetry.metrics import Metrics

# ASGI's send callable (the spec's, as starlette.types spells it).
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

# The close code that tells a client to come back later (and resume with `since`).
CLOSE_TRY_AGAIN_LATER = 1013


class SocketPeer:
    """A socket as the hub sees it: frames go out without awaiting, one client never slows another.

    With uvicorn's websockets-sansio protocol, a frame is written synchronously while the
    transport is writable (no task, no queue): the bytes prepared once for every watcher
    (wireframe.py) where this socket's framing allows, else framed by its own protocol; while it
    is paused for flow control, frames queue for a writer task that awaits the ASGI send. Past
    `buffer_max` queued bytes the peer is closed with 1013. Other ASGI servers get the queue and
    writer task for every frame.
    """

    __slots__ = (
        "_abort_after",
        "_buffer_max",
        "_deflate",
        "_metrics",
        "_prepared_ok",
        "_protocol",
        "_queue",
        "_queued",
        "_send",
        "_writer",
        "account",
        "channels",
        "closed",
        "session",
    )

    def __init__(self, send: Send, metrics: Metrics, buffer_max: int, abort_after: float) -> None:
        self._send = send
        self._metrics = metrics
        self._buffer_max = buffer_max
        # A client told 1013 that still does not read is cut off after this many seconds.
        self._abort_after = abort_after
        # Created on first use: most sockets never fall behind, and an empty deque costs 760 bytes.
        self._queue: deque[str] | None = None
        self._queued = 0
        self._writer: asyncio.Task[None] | None = None
        self.closed = False
        self.channels: set[str] = set()
        # Who opened the socket (and the hash of their session token); cleared when it ends.
        self.account: Account | None = None
        self.session: str | None = None
        # Middleware that wraps `send` leaves the protocol's own as `__wrapped__` (middleware.py):
        # without it every frame took the queue and a writer task, at twice the CPU per frame.
        while not hasattr(send, "__self__") and hasattr(send, "__wrapped__"):
            send = send.__wrapped__
        protocol = getattr(send, "__self__", None)
        # uvicorn's websockets-sansio protocol exposes its websockets connection (`conn`), its
        # transport, and `writable` (cleared while the transport is paused for flow control).
        sansio = all(hasattr(protocol, name) for name in ("writable", "conn", "transport", "close_sent"))
        self._protocol = protocol if sansio else None
        # Whether prepared bytes fit this socket (set once the handshake chose its extensions),
        # and with which deflate parameters (window bits, zlib settings) when compressed.
        self._prepared_ok = False
        self._deflate: DeflateParams | None = None

    def accepted(self) -> None:
        """The handshake is done: decide whether prepared bytes fit this socket's framing."""
        protocol = self._protocol
        if protocol is None:
            return
        extensions = protocol.conn.extensions
        if not extensions:
            self._prepared_ok = True
        elif (
            len(extensions) == 1
            and isinstance(extensions[0], PerMessageDeflate)
            and extensions[0].local_no_context_takeover
        ):
            self._prepared_ok = True
            self._deflate = deflate_params(
                extensions[0].local_max_window_bits, extensions[0].compress_settings
            )

    @property
    def writes_prepared(self) -> bool:
        """Whether frames go straight to the transport as bytes prepared once for all sockets."""
        return self._protocol is not None and self._prepared_ok

    def push(self, frame: str, prepared: PreparedFrame | None = None) -> None:
        if self.closed:
            self._metrics.frames_dropped.inc()
            return
        protocol = self._protocol
        if protocol is not None and self._writer is None and protocol.writable.is_set():
            # Write straight to the transport, as websockets' own broadcast() does: no ASGI
            # message, no coroutine. The bytes of a frame fanned out to many are built once
            # (wireframe.py) and written as they are, unless this socket frames its own.
            if protocol.close_sent or protocol.transport.is_closing():
                self.closed = True
                self._metrics.frames_dropped.inc()
                return
            conn = protocol.conn
            try:
                if self._prepared_ok and conn.state is State.OPEN and not conn.expect_continuation_frame:
                    if prepared is None:
                        prepared = PreparedFrame(frame)
                    if conn.writes:
                        # Never ahead of bytes the protocol queued (uvicorn flushes at once: a guard).
                        protocol.transport.write(b"".join(conn.data_to_send()))
                    deflate = self._deflate
                    wire = prepared.plain() if deflate is None else prepared.deflated(deflate)
                    protocol.transport.write(wire)
                else:
                    conn.send_text(prepared.data if prepared is not None else frame.encode())
                    protocol.transport.write(b"".join(conn.data_to_send()))
            except Exception:
                self.closed = True
            return
        if self._queue is None:
            self._queue = deque()
        self._queue.append(frame)
        self._queued += len(frame)
        if self._queued > self._buffer_max:
            self.overloaded()
        elif self._writer is None:
            self._writer = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self._queue:
                frame = self._queue.popleft()
                self._queued -= len(frame)
                await self._send({"type": "websocket.send", "text": frame})
        except Exception:
            self.closed = True
        finally:
            self._writer = None

    @property
    def account_id(self) -> int | None:
        return self.account.id if self.account is not None else None

    def sign_out(self) -> None:
        self.account = None
        self.session = None

    def overloaded(self) -> None:
        """Close with 1013: the client resumes with `since` once it can keep up."""
        if self.closed:
            return
        self.closed = True
        self._metrics.slow_closes.inc()
        if self._queue:
            self._metrics.frames_dropped.inc(len(self._queue))
        self._queue = None
        if self._writer is not None:
            self._writer.cancel()
        protocol = self._protocol
        if protocol is None:
            self._writer = asyncio.create_task(self._close_generic())
            return
        # uvicorn's ASGI close waits for the transport to drain, which a stalled client never
        # lets happen; so the close frame is written behind what is buffered, and the
        # connection is aborted if the client still does not read.
        with contextlib.suppress(Exception):
            protocol.conn.send_close(CLOSE_TRY_AGAIN_LATER, "too slow: resume with since")
            protocol.transport.write(b"".join(protocol.conn.data_to_send()))
            protocol.close_sent = True
            # uvicorn cancels this timer and closes cleanly when the client answers the close.
            protocol.close_timer = protocol.loop.call_later(self._abort_after, protocol.transport.abort)

    async def _close_generic(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                self._send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER}), self._abort_after
            )

    def stop(self) -> None:
        self.closed = True
        if self._writer is not None:
            self._writer.cancel()
