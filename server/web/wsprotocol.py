"""uvicorn's websockets-sansio protocol, trimmed for tens of thousands of idle sockets."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.types import Message
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.server import ServerProtocol

# uvicorn's deflate keeps a 4 KiB window and zlib's memLevel 5 per socket: about 64 KiB of server
# memory per idle browser tab measured here, against 21 KiB without compression. Tong's frames
# are small JSON documents (a comment is under 1 KiB), so a 512-byte window and memLevel 2 still
# compress them, at about 41 KiB per socket. Browsers offer client_max_window_bits, which lets
# the server shrink the window they compress with too.
WINDOW_BITS = 9
MEM_LEVEL = 2
# No context takeover either way (RFC 7692 lets the server require both): every message is
# compressed on its own, so the compressed frame of an event is the same bytes for every watcher
# and is built once (wireframe.py), and no socket keeps a zlib stream between messages (the
# compressor and decompressor live only while one message is encoded or decoded). With a 512-byte
# window there was little history to take over anyway.
NO_CONTEXT_TAKEOVER = True


class Inbox:
    """What uvicorn's protocol needs of its ASGI receive queue, for one reader: `asyncio.Queue`
    holds two deques and an Event (with a third) per socket, about 2 KiB of an idle socket."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Any:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)


class Flag:
    """`asyncio.Event` without its deque of waiters (about 600 bytes per socket): uvicorn's
    `writable`, awaited by at most the one task sending on the socket."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = True
        self._waiters: list[asyncio.Future[bool]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(True)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        if self._set:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        return await waiter


class TongWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Flag()  # type: ignore[assignment]
        if self.config.ws_per_message_deflate:
            self.conn = ServerProtocol(
                extensions=[
                    ServerPerMessageDeflateFactory(
                        server_no_context_takeover=NO_CONTEXT_TAKEOVER,
                        client_no_context_takeover=NO_CONTEXT_TAKEOVER,
                        server_max_window_bits=WINDOW_BITS,
                        client_max_window_bits=WINDOW_BITS,
                        compress_settings={"memLevel": MEM_LEVEL},
                    )
                ],
                max_size=self.config.ws_max_size,
                logger=logging.getLogger("uvicorn.error"),
            )

    async def send(self, message: Message) -> None:  # type: ignore[override]
        await super().send(message)  # type: ignore[arg-type]
        if message["type"] == "websocket.accept":
            # The handshake's request and response (about 2 KiB of headers) are never read again.
            self.request = None  # type: ignore[assignment]
            self.response = None  # type: ignore[assignment]
