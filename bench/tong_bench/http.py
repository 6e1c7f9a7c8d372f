"""A small keep-alive HTTP/1.1 client for the load's hot path (posts and recommendations).

httpx spends several hundred microseconds of CPU per request; at 1,000–2,000 requests a second on
a 2-core machine shared with the server that would make the load tool the bottleneck. This client
does only what the hot path needs: JSON bodies, a cookie, Content-Length or chunked responses.
Setup (log-in, thread creation, final checks) uses httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any
from urllib.parse import urlsplit

# uvicorn closes a keep-alive connection idle for 5 s (its timeout_keep_alive). A request written
# to one just as it closes gets no answer, and the load tool counted it as an error: connections
# idle longer than this are closed here instead of reused.
REUSE_IDLE_S = 4.0


class HttpError(Exception):
    """The connection broke or the response could not be read."""


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = 0.0

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes, bool]:
        self.writer.write(head + body)
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length: int | None = None
        chunked = False
        keep_alive = True
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                keep_alive = b"close" not in value.lower()
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            data = b"".join(parts)
        elif length is not None:
            data = await self.reader.readexactly(length)
        else:
            data = await self.reader.read()
            keep_alive = False
        return status, data, keep_alive

    def close(self) -> None:
        self.writer.close()


class HttpPool:
    """Up to `size` keep-alive connections to one origin, shared by many concurrent requests."""

    def __init__(self, base_url: str, size: int = 64, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.host_header = parts.netloc
        self.timeout = timeout
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(size)

    async def request(
        self, method: str, path: str, payload: Any = None, cookie: str | None = None
    ) -> tuple[int, bytes]:
        body = b"" if payload is None else json.dumps(payload).encode()
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host_header}",
            f"Content-Length: {len(body)}",
        ]
        if payload is not None:
            lines.append("Content-Type: application/json")
        if cookie:
            lines.append(f"Cookie: {cookie}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        async with self._slots:
            conn = self._idle.pop() if self._idle else None
            if conn is not None and time.monotonic() - conn.idle_since > REUSE_IDLE_S:
                # The stack's most recent is the least idle: every connection below it is older.
                stale, self._idle = [conn, *self._idle], []
                for old in stale:
                    old.close()
                conn = None
            try:
                if conn is None:
                    reader, writer = await asyncio.open_connection(self.host, self.port)
                    conn = _Connection(reader, writer)
                async with asyncio.timeout(self.timeout):
                    status, data, keep_alive = await conn.request(head, body)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                if conn is not None:
                    conn.close()
                raise HttpError(f"{method} {path}: {exc!r}") from exc
            except BaseException:
                if conn is not None:
                    conn.close()
                raise
            if keep_alive:
                conn.idle_since = time.monotonic()
                self._idle.append(conn)
            else:
                conn.close()
            return status, data

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
        for conn in idle:
            with contextlib.suppress(OSError):
                await conn.writer.wait_closed()
