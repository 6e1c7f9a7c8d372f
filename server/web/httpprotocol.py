"""uvicorn's httptools protocol with a header-read timeout and a minimum body data rate, so
half-sent requests cannot pile up.

Headers: uvicorn times out idle keep-alive connections, but not a request whose headers arrive
slowly: any byte cancels the keep-alive timer, so a client sending one header line every few
seconds (slowloris) holds its connection forever. 500 such half-sent WebSocket handshakes were all
still open after 40 s. Here every request's headers must be complete within `header_timeout` of
the connection opening (or of the request's first byte on a kept-alive connection); otherwise the
connection is answered 408 and closed.

Bodies: nothing timed a body either: 1,500 connections each sending a 100 kB body a byte every
20 s stayed open. As Kestrel's `MinRequestBodyDataRate` (240 bytes/s after a 5 s grace), a body
must arrive at `body_min_rate` bytes a second on average since its first byte was awaited, checked
every second once the grace has passed; a slower one is answered 408 and closed. The clock only
runs while Tong is reading: seconds during which uvicorn paused reading because the app has not
taken the bytes yet are not the client's. A slow but real upload is never limited on total time.

The settings travel on uvicorn's Config object (`header_timeout_s`, `body_min_rate`,
`body_rate_grace_s`), which worker processes receive pickled.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"

DEFAULT_HEADER_TIMEOUT_S = 10.0
# Kestrel's defaults (MinRequestBodyDataRate): slow mobile uploads pass, a trickle does not.
DEFAULT_BODY_MIN_RATE = 240.0
DEFAULT_BODY_RATE_GRACE_S = 5.0
# The body rate is looked at once a second, as Kestrel does.
BODY_TICK_S = 1.0


class SlowClientProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = float(getattr(self.config, "header_timeout_s", DEFAULT_HEADER_TIMEOUT_S))
        self.body_min_rate = float(getattr(self.config, "body_min_rate", DEFAULT_BODY_MIN_RATE))
        self.body_rate_grace = float(getattr(self.config, "body_rate_grace_s", DEFAULT_BODY_RATE_GRACE_S))
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_bytes = 0
        self._body_seconds = 0.0

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _time_out(self) -> None:
        if self.transport.is_closing():
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(REQUEST_TIMEOUT)
        self.transport.close()

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        self._time_out()

    def _expects_body(self) -> bool:
        for name, value in self.headers:
            if name == b"transfer-encoding":
                return True
            if name == b"content-length":
                return value.strip() not in (b"", b"0")
        return False

    def _start_body_clock(self) -> None:
        self._stop_body_clock()
        if self.body_min_rate <= 0:
            return
        self._body_bytes, self._body_seconds = 0, 0.0
        self._body_timer = self.loop.call_later(BODY_TICK_S, self._body_tick)

    def _stop_body_clock(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _body_tick(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or self.cycle is None or self.cycle.response_complete:
            return
        # Not the client's seconds: uvicorn paused reading (the app has not taken the bytes yet),
        # or the client still waits for the `100 Continue` sent when the app first reads.
        if not self.flow.read_paused and not self.cycle.waiting_for_100_continue:
            self._body_seconds += BODY_TICK_S
            if (
                self._body_seconds > self.body_rate_grace
                and self._body_bytes < self.body_min_rate * self._body_seconds
            ):
                self._time_out()
                return
        self._body_timer = self.loop.call_later(BODY_TICK_S, self._body_tick)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()
        if not (self.parser.should_upgrade() and self._should_upgrade()) and self._expects_body():
            self._start_body_clock()

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._stop_body_clock()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._stop_body_clock()
        super().connection_lost(exc)
