"""Slow HTTP clients: a request body must keep a minimum data rate (Kestrel's
MinRequestBodyDataRate), and one client address may have only so many requests in progress."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx

from tests.support.servers import InProcessServer

# A shorter grace than the default 5 s: the mechanism, not the figure, is under test.
GRACE_S = 2.0
# Far longer than grace + a tick or two: a trickle must be closed well before this.
CLOSED_WITHIN_S = 20.0


def _login_headers(server: InProcessServer, length: int, forwarded: str | None = None) -> bytes:
    lines = [
        "POST /api/session HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}",
        f"Origin: {server.base_url}",
        "Content-Type: application/json",
        f"Content-Length: {length}",
    ]
    if forwarded:
        lines.append(f"X-Forwarded-For: {forwarded}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@asynccontextmanager
async def _connection(
    server: InProcessServer,
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        yield reader, writer
    finally:
        writer.close()


async def test_a_trickling_body_is_answered_408_and_closed(
    make_server: Callable[..., Awaitable[InProcessServer]],
) -> None:
    """A body trickling a byte every second is answered 408 and its connection closed once the
    grace has passed; the server serves on."""
    server = await make_server(http_body_rate_grace_s=GRACE_S)
    async with _connection(server) as (reader, writer):
        writer.write(_login_headers(server, 100_000))

        async def trickle() -> None:
            while not writer.is_closing():
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(1.0)  # the client's pace, not a wait for the server

        async def until_closed() -> bytes:
            # Chunk by chunk: a byte the client writes after the server's close draws a reset, and
            # a reader holding the 408 unread would then raise instead of returning it.
            received = b""
            with contextlib.suppress(ConnectionResetError):
                while chunk := await reader.read(65_536):
                    received += chunk
            return received

        trickling = asyncio.create_task(trickle())
        try:
            answer = await asyncio.wait_for(until_closed(), CLOSED_WITHIN_S)
        finally:
            trickling.cancel()
    assert answer.startswith(b"HTTP/1.1 408"), answer
    async with httpx.AsyncClient() as client:
        assert (await client.get(server.base_url + "/healthz")).status_code == 200


async def test_a_slow_real_upload_is_not_cut_off(
    make_server: Callable[..., Awaitable[InProcessServer]],
) -> None:
    """A body arriving slowly but above the minimum rate (1,000 bytes/s, past the grace) is read
    whole and answered, however long it takes."""
    server = await make_server(http_body_rate_grace_s=GRACE_S)
    body = b'{"login": "nobody", "password": "not the password"}'
    body += b" " * (4_000 - len(body))
    async with _connection(server) as (reader, writer):
        writer.write(_login_headers(server, len(body)))
        for start in range(0, len(body), 250):
            writer.write(body[start : start + 250])
            await writer.drain()
            await asyncio.sleep(0.25)  # the client's pace: 1,000 bytes a second for 4 s
        status_line = await asyncio.wait_for(reader.readline(), CLOSED_WITHIN_S)
    assert status_line.startswith(b"HTTP/1.1 401"), status_line


async def test_requests_in_progress_are_capped_per_forwarded_address(
    make_server: Callable[..., Awaitable[InProcessServer]],
) -> None:
    """Past `http_max_per_ip` requests in progress from one client address (the one the trusted
    proxy forwards), the next gets 429 `too_many_connections`; another address is served, and once
    a held request ends the first address is served again."""
    server = await make_server(http_max_per_ip=2, http_body_min_rate=0)
    held = []
    for _ in range(2):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(_login_headers(server, 1_000, forwarded="203.0.113.9"))
        await writer.drain()
        held.append((reader, writer))
    try:
        async with httpx.AsyncClient(base_url=server.base_url) as client:

            async def status(address: str) -> httpx.Response:
                return await client.get("/healthz", headers={"X-Forwarded-For": address})

            deadline = asyncio.get_running_loop().time() + CLOSED_WITHIN_S
            while (refused := await status("203.0.113.9")).status_code != 429:
                # The two held requests count once the server has read their headers.
                assert asyncio.get_running_loop().time() < deadline, refused
                await asyncio.sleep(0.02)
            assert refused.json()["error"]["code"] == "too_many_connections"
            assert refused.headers["connection"] == "close" and "retry-after" in refused.headers
            assert (await status("203.0.113.10")).status_code == 200
            held.pop()[1].close()
            while (again := await status("203.0.113.9")).status_code != 200:
                assert asyncio.get_running_loop().time() < deadline, again
                await asyncio.sleep(0.02)
    finally:
        for _, writer in held:
            writer.close()
