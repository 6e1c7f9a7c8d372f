"""ClamAV's daemon, spoken to directly: clamd's `INSTREAM` command (clamd(8)) sends the file in
length-prefixed chunks over a unix or TCP socket and reads one line back.

A scanner that is configured but does not answer is an outage, never a pass: the upload is
refused with 503 and nothing is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from pathlib import Path
from urllib.parse import urlsplit

from server.contract.errors import Unavailable

CHUNK = 64 * 1024
# A 10 MiB file scans in well under a second; a daemon still loading its database, or hung, must
# not hold an upload for long.
TIMEOUT_S = 60.0


class Infected(Exception):
    def __init__(self, signature: str) -> None:
        super().__init__(signature)
        self.signature = signature


class Clamd:
    """`unix:///run/clamav/clamd.ctl` or `tcp://host:port`."""

    def __init__(self, url: str, timeout: float = TIMEOUT_S) -> None:
        parts = urlsplit(url)
        if parts.scheme == "unix" and parts.path:
            self._unix: str | None = parts.path
            self._tcp: tuple[str, int] | None = None
        elif parts.scheme == "tcp" and parts.hostname and parts.port:
            self._unix, self._tcp = None, (parts.hostname, parts.port)
        else:
            raise ValueError(f"TONG_CLAMD_URL must be unix:///path or tcp://host:port, not {url!r}")
        self.timeout = timeout

    async def scan(self, path: Path) -> None:
        """Return if clean; raise `Infected` with the signature's name, or `Unavailable`."""
        try:
            reply = await asyncio.wait_for(self._instream(path), self.timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            raise Unavailable(f"the virus scanner does not answer: {exc!r}") from exc
        # "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
        verdict = reply.decode("utf-8", "replace").strip("\0").strip()
        if verdict.endswith("FOUND"):
            raise Infected(verdict.removeprefix("stream:").removesuffix("FOUND").strip())
        if not verdict.endswith("OK"):
            raise Unavailable(f"the virus scanner answered {verdict!r}")

    async def ping(self) -> bool:
        try:
            reader, writer = await asyncio.wait_for(self._connect(), self.timeout)
        except (TimeoutError, OSError):
            return False
        try:
            writer.write(b"zPING\0")
            await writer.drain()
            return (await asyncio.wait_for(reader.readuntil(b"\0"), self.timeout)).startswith(b"PONG")
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            return False
        finally:
            await _close(writer)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._unix is not None:
            return await asyncio.open_unix_connection(self._unix)
        assert self._tcp is not None
        return await asyncio.open_connection(*self._tcp)

    async def _instream(self, path: Path) -> bytes:
        reader, writer = await self._connect()
        try:
            writer.write(b"zINSTREAM\0")
            with path.open("rb") as f:
                while chunk := await asyncio.to_thread(f.read, CHUNK):
                    writer.write(struct.pack(">I", len(chunk)) + chunk)
                    await writer.drain()
            writer.write(struct.pack(">I", 0))
            await writer.drain()
            return await reader.readuntil(b"\0")
        finally:
            await _close(writer)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
