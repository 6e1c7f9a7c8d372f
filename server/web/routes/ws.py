"""`GET /ws`: one socket per tab, any number of channels."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import deque
from typing import TYPE_CHECKING

from starlette.requests import cookie_parser
from starlette.types import Receive, Scope, Send
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.protocol import State

from server.domain import policy
from server.domain.accounts import token_hash
from server.domain.ratelimit import OpBudget
from server.events import channels as ch
from server.live.hub import Hub
from server.live.wireframe import DeflateParams, PreparedFrame, deflate_params
from server.store.database import is_unreachable
from server.store.models import Account
from server.web import frames
from server.web.context import SESSION_COOKIE

if TYPE_CHECKING:
    from server.services import Services

log = logging.getLogger("tong.ws")

CLOSE_SERVICE_RESTART = 1012
CLOSE_TRY_AGAIN_LATER = 1013
MAX_CHANNELS_PER_SOCKET = 100


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
        "_hub",
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

    def __init__(self, send: Send, hub: Hub, buffer_max: int, abort_after: float) -> None:
        self._send = send
        self._hub = hub
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
            self._hub.metrics.frames_dropped.inc()
            return
        protocol = self._protocol
        if protocol is not None and self._writer is None and protocol.writable.is_set():
            # Write straight to the transport, as websockets' own broadcast() does: no ASGI
            # message, no coroutine. The bytes of a frame fanned out to many are built once
            # (wireframe.py) and written as they are, unless this socket frames its own.
            if protocol.close_sent or protocol.transport.is_closing():
                self.closed = True
                self._hub.metrics.frames_dropped.inc()
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
        self._hub.metrics.slow_closes.inc()
        if self._queue:
            self._hub.metrics.frames_dropped.inc(len(self._queue))
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


class LiveSockets:
    """The raw ASGI app behind `/ws`.

    It is called straight from the outermost layer (see middleware.py), not through Starlette's
    router and middleware stack: with tens of thousands of idle sockets, every suspended coroutine
    frame and scope copy per socket shows up in memory, and every layer in the handshake in CPU.
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        # Open sockets per client address (after uvicorn applied the trusted proxy's headers).
        self._per_address: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        client = scope.get("client")
        address = client[0] if client else ""
        limit = self.services.settings.ws_max_per_ip
        held = self._per_address.get(address, 0)
        if limit and held >= limit:
            await _refuse(send, 429, "too_many_sockets", f"at most {limit} sockets per client address")
            return
        self._per_address[address] = held + 1
        try:
            await self._serve(scope, receive, send)
        finally:
            left = self._per_address.get(address, 1) - 1
            if left > 0:
                self._per_address[address] = left
            else:
                self._per_address.pop(address, None)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        svc = self.services
        hub = svc.hub
        try:
            account, token = await self._caller(scope)
        except Exception as exc:
            if not is_unreachable(exc):
                raise
            # The session cannot be checked now: the client reconnects (with backoff) later.
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER, "reason": "database down"})
            return
        # Nothing reads the handshake headers again; an idle socket need not keep them.
        scope["headers"] = []
        peer = SocketPeer(send, hub, svc.settings.ws_send_buffer_max, svc.settings.ws_stalled_abort_s)
        if account is not None and token is not None:
            peer.account, peer.session = account, token_hash(token)
            hub.signed_in(peer)
        hub.connected()
        rate = svc.settings.ws_ops_per_second
        budget = OpBudget(rate) if rate else None
        try:
            await send({"type": "websocket.accept"})
            peer.accepted()
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    break
                if budget is not None and not budget.take():
                    # Dropped unread: past the budget, an op costs no parsing, query or replay.
                    peer.push(_over_budget(rate))
                    continue
                text = message.get("text")
                if text is None:
                    peer.push(ch.error_frame("bad_frame", "binary frames are not accepted: send JSON text"))
                    continue
                try:
                    # The account as it is now: it is gone once the session ended.
                    await _handle(text, peer, hub, peer.account)
                except Exception as exc:
                    if not is_unreachable(exc):
                        raise
                    # The database is down: refuse this frame, keep the socket.
                    log.warning("socket frame refused, database unreachable: %r", exc)
                    peer.push(ch.error_frame("unavailable", "the database is unavailable; try again"))
        finally:
            peer.stop()
            hub.disconnected(peer)

    async def _caller(self, scope: Scope) -> tuple[Account | None, str | None]:
        for name, value in scope["headers"]:
            if name == b"cookie":
                token = cookie_parser(value.decode("latin-1")).get(SESSION_COOKIE)
                if token:
                    return await self.services.discussion.account_for_token(token), token
        return None, None


@functools.cache
def _over_budget(rate: int) -> str:
    return ch.error_frame("rate_limited", f"at most {rate} operations a second: op dropped")


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    """Refuse the handshake with an HTTP error and the usual error body (ASGI's WebSocket
    denial response, which uvicorn supports)."""
    body = ch.dumps({"error": {"code": code, "message": message, "fields": {}}}).encode()
    headers = [(b"content-type", b"application/json"), (b"retry-after", b"30")]
    await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": body})


async def _handle(text: str, peer: SocketPeer, hub: Hub, account: Account | None) -> None:
    try:
        frame = frames.parse_op(text)
    except frames.BadFrame as bad:
        peer.push(ch.error_frame(bad.code, bad.message, bad.channel))
        return
    if isinstance(frame, frames.Ping):
        peer.push(ch.dumps({"type": "pong"}))
        return
    channel = frame.channel
    if isinstance(frame, frames.Unsubscribe):
        hub.unsubscribe(peer, channel)
        peer.push(ch.unsubscribed_frame(channel))
        return
    since = frame.since
    epoch = frame.epoch
    if channel not in peer.channels and len(peer.channels) >= MAX_CHANNELS_PER_SOCKET:
        peer.push(ch.error_frame("too_many_channels", f"at most {MAX_CHANNELS_PER_SOCKET} channels", channel))
        return
    if channel == ch.BOARD:
        await hub.subscribe_board(peer)
    elif channel == ch.STAFF:
        if not policy.is_staff(account):
            peer.push(ch.error_frame("forbidden", "the staff channel is for staff only", channel))
            return
        await hub.subscribe_staff(peer)
    elif channel == ch.ME:
        if account is None:
            peer.push(ch.error_frame("unauthorized", "the me channel needs a login", channel))
            return
        await hub.subscribe_me(peer)
    else:
        thread_id = ch.parse_thread_channel(channel)
        if thread_id is None:
            peer.push(ch.error_frame("unknown_channel", f"no such channel {channel!r}", channel))
            return
        await hub.subscribe_thread(peer, thread_id, since, epoch)
