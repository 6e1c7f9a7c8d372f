"""A frame's bytes on the wire, built once for every socket that gets it.

Every watcher of a channel receives the same text, so the WebSocket frame (a server's frames are
not masked) is the same bytes for all of them: it is built once per event and written to each
transport as is, as gorilla/websocket's `PreparedMessage` does for Go servers. With
permessage-deflate negotiated without context takeover on the server's side, the compressed frame
depends only on the text, the window size and zlib's settings, so it is built once too (per
distinct window and settings: in practice one). Sockets that keep a compression context between
messages cannot share bytes and frame their copy themselves (routes/ws.py).
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

OP_TEXT_FIN = 0x81
# RSV1 marks the first frame of a compressed message (RFC 7692).
OP_TEXT_FIN_DEFLATED = 0xC1
# A sync flush ends with an empty stored block, which permessage-deflate leaves out.
_EMPTY_BLOCK = b"\x00\x00\xff\xff"


# (window bits, zlib settings as sorted items): hashable, made once per socket (deflate_params).
DeflateParams = tuple[int, tuple[tuple[str, Any], ...]]


def deflate_params(window_bits: int, settings: dict[str, Any]) -> DeflateParams:
    return (window_bits, tuple(sorted(settings.items())))


def _header(first: int, length: int) -> bytes:
    if length < 126:
        return struct.pack("!BB", first, length)
    if length < 65536:
        return struct.pack("!BBH", first, 126, length)
    return struct.pack("!BBQ", first, 127, length)


class PreparedFrame:
    """A text frame's payload and, made on first use, its wire bytes plain and deflated."""

    __slots__ = ("_deflated", "_plain", "data", "text")

    def __init__(self, text: str, data: bytes | None = None) -> None:
        self.text = text
        self.data = data if data is not None else text.encode()
        self._plain: bytes | None = None
        self._deflated: dict[Any, bytes] | None = None

    def plain(self) -> bytes:
        """The frame as sent without extensions."""
        if self._plain is None:
            self._plain = _header(OP_TEXT_FIN, len(self.data)) + self.data
        return self._plain

    def deflated(self, params: DeflateParams) -> bytes:
        """The frame compressed with a fresh context (server_no_context_takeover), as
        `websockets`' PerMessageDeflate would compress it for such a socket."""
        if self._deflated is None:
            self._deflated = {}
        wire = self._deflated.get(params)
        if wire is None:
            window_bits, settings = params
            encoder = zlib.compressobj(wbits=-window_bits, **dict(settings))
            body = encoder.compress(self.data) + encoder.flush(zlib.Z_SYNC_FLUSH)
            if body.endswith(_EMPTY_BLOCK):
                body = body[:-4]
            wire = self._deflated[params] = _header(OP_TEXT_FIN_DEFLATED, len(body)) + body
        return wire
