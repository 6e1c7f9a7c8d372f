"""`GET /ws`: one socket per tab, any number of channels."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from starlette.requests import cookie_parser
from starlette.types import Receive, Scope, Send

from server.contract.errors import ErrorCode
from server.domain import policy
from server.domain.accounts import token_hash
from server.domain.ratelimit import OpBudget
from server.events import channels as ch
from server.live.hub import Hub
from server.live.socketpeer import CLOSE_TRY_AGAIN_LATER, SocketPeer
from server.store.database import is_unreachable
from server.store.models import Account
from server.web import frames
from server.web.context import SESSION_COOKIE
from server.web.middleware import PerAddress

if TYPE_CHECKING:
    from server.services import Services

log = logging.getLogger("tong.ws")

MAX_CHANNELS_PER_SOCKET = 100


class LiveSockets:
    """The raw ASGI app behind `/ws`.

    It is called straight from the outermost layer (see middleware.py), not through Starlette's
    router and middleware stack: with tens of thousands of idle sockets, every suspended coroutine
    frame and scope copy per socket shows up in memory, and every layer in the handshake in CPU.
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        # Open sockets per client address (after uvicorn applied the trusted proxy's headers).
        self._per_address = PerAddress()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        client = scope.get("client")
        address = client[0] if client else ""
        limit = self.services.settings.ws_max_per_ip
        if limit and self._per_address.held(address) >= limit:
            await _refuse(
                send, 429, ErrorCode.TOO_MANY_SOCKETS, f"at most {limit} sockets per client address"
            )
            return
        with self._per_address.hold(address):
            await self._serve(scope, receive, send)

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
        peer = SocketPeer(send, svc.metrics, svc.settings.ws_send_buffer_max, svc.settings.ws_stalled_abort_s)
        # A staff session still owing its second factor reads what anyone may, and the staff
        # channel answers `mfa_required` (a socket opened before the factor was given reconnects).
        pending = False
        if account is not None and token is not None:
            if await svc.factors.pending(account, token_hash(token)):
                account, pending = None, True
            else:
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
                    peer.push(
                        ch.error_frame(ErrorCode.BAD_FRAME, "binary frames are not accepted: send JSON text")
                    )
                    continue
                try:
                    # The account as it is now: it is gone once the session ended.
                    await _handle(text, peer, hub, peer.account, pending)
                except Exception as exc:
                    if not is_unreachable(exc):
                        raise
                    # The database is down: refuse this frame, keep the socket.
                    log.warning("socket frame refused, database unreachable: %r", exc)
                    peer.push(ch.error_frame(ErrorCode.UNAVAILABLE, "the database is unavailable; try again"))
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
    return ch.error_frame(ErrorCode.RATE_LIMITED, f"at most {rate} operations a second: op dropped")


async def _refuse(send: Send, status: int, code: ErrorCode, message: str) -> None:
    """Refuse the handshake with an HTTP error and the usual error body (ASGI's WebSocket
    denial response, which uvicorn supports)."""
    body = ch.dumps({"error": {"code": code, "message": message, "fields": {}}}).encode()
    headers = [(b"content-type", b"application/json"), (b"retry-after", b"30")]
    await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": body})


async def _handle(
    text: str, peer: SocketPeer, hub: Hub, account: Account | None, pending: bool = False
) -> None:
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
        peer.push(
            ch.error_frame(
                ErrorCode.TOO_MANY_CHANNELS, f"at most {MAX_CHANNELS_PER_SOCKET} channels", channel
            )
        )
        return
    if channel == ch.BOARD:
        await hub.subscribe_board(peer)
    elif channel == ch.STAFF:
        if pending:
            peer.push(ch.error_frame(ErrorCode.MFA_REQUIRED, "give your second factor first", channel))
            return
        if not policy.is_staff(account):
            peer.push(ch.error_frame(ErrorCode.FORBIDDEN, "the staff channel is for staff only", channel))
            return
        await hub.subscribe_staff(peer)
    elif channel == ch.ME:
        if account is None:
            peer.push(ch.error_frame(ErrorCode.UNAUTHORIZED, "the me channel needs a login", channel))
            return
        await hub.subscribe_me(peer)
    else:
        thread_id = ch.parse_thread_channel(channel)
        if thread_id is None:
            peer.push(ch.error_frame(ErrorCode.UNKNOWN_CHANNEL, f"no such channel {channel!r}", channel))
            return
        await hub.subscribe_thread(peer, thread_id, since, epoch)
