"""What one hostile or careless client can do to everyone else: board noise from its watching,
sockets per address, memory for made-up channels, half-sent handshakes (slowloris)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from websockets.exceptions import InvalidStatus

from server.live import hub as hub_module
from tests.support.clients import Socket
from tests.support.servers import InProcessServer, ProcessServer, Stack

SLOWLORIS = 500
HEADER_TIMEOUT_S = 2.0


@pytest_asyncio.fixture(scope="module")
async def embedded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    yield Stack("sqlite", tmp_path_factory.mktemp("limits"))


async def started(stack: Stack, **overrides: object) -> InProcessServer:
    return await InProcessServer(await stack.fresh_settings(**overrides)).start()


async def test_one_client_watching_many_threads_does_not_flood_the_board(embedded: Stack) -> None:
    """A client hopping across 100 threads reaches board watchers as a digest every few seconds
    (at most a couple of frames a second in total), and the digest carries the watcher counts."""
    server = await started(embedded)
    try:
        author = await server.user()
        threads = [(await author.thread(f"글 {n}"))["id"] for n in range(100)]
        board = await Socket.open(server.ws_url)
        await board.subscribe("board")
        hopper = await Socket.open(server.ws_url)
        frames: list[dict[str, object]] = []

        async def collect() -> None:
            while True:
                frames.append(await board.recv(timeout=3600))

        collector = asyncio.create_task(collect())
        began = time.monotonic()
        while time.monotonic() - began < 4.0:
            for thread_id in threads:
                await hopper.subscribe(f"thread:{thread_id}")
                await hopper.send({"op": "unsubscribe", "channel": f"thread:{thread_id}"})
        await hopper.subscribe(f"thread:{threads[7]}")
        hopped = time.monotonic() - began
        # The hopper now watches one thread: a digest must tell the board so.
        deadline = time.monotonic() + 2 * hub_module.BOARD_DIGEST_S + 1
        while time.monotonic() < deadline:
            digests = [f for f in frames if f["type"] == "counts"]
            watchers = digests[-1]["data"]["watchers"] if digests else {}  # type: ignore[index]
            if watchers.get(str(threads[7])) == 1:  # type: ignore[union-attr]
                break
            await asyncio.sleep(0.1)
        collector.cancel()
        elapsed = time.monotonic() - began
        print(f"\nboard watcher: {len(frames)} frames in {elapsed:.1f} s; one client hopped {hopped:.1f} s")
        assert len(frames) <= 2 * elapsed, [f["type"] for f in frames]
        assert watchers.get(str(threads[7])) == 1, frames  # type: ignore[union-attr]
        for socket in (board, hopper):
            await socket.close()
        await author.aclose()
    finally:
        await server.stop()


async def test_sockets_per_address_are_bounded(embedded: Stack) -> None:
    """Past TONG_WS_MAX_PER_IP open sockets from one address, the handshake gets 429 with the error
    body; once one closes, the address may open another."""
    server = await started(embedded, ws_max_per_ip=5)
    try:
        sockets = [await Socket.open(server.ws_url) for _ in range(5)]
        with pytest.raises(InvalidStatus) as refused:
            await Socket.open(server.ws_url)
        assert refused.value.response.status_code == 429
        assert b'"too_many_sockets"' in refused.value.response.body
        await sockets.pop().close()
        for _attempt in range(100):
            try:
                sockets.append(await Socket.open(server.ws_url))
                break
            except InvalidStatus:
                await asyncio.sleep(0.05)
        assert len(sockets) == 5
        await sockets[-1].send({"op": "ping"})
        await sockets[-1].expect(lambda f: f["type"] == "pong")
        for socket in sockets:
            await socket.close()
    finally:
        await server.stop()


async def test_made_up_thread_channels_hold_no_memory(embedded: Stack) -> None:
    """Subscribing to 1,000 threads that do not exist answers not_found each time and leaves no
    channel (nor broker subscription) behind."""
    server = await started(embedded)
    try:
        hub = server.services.hub
        before = len(hub.threads)
        socket = await Socket.open(server.ws_url)
        for n in range(1000):
            answer = await socket.subscribe(f"thread:{900_000_000 + n}")
            assert answer["type"] == "error" and answer["code"] == "not_found"
        assert len(hub.threads) == before
        assert not [c for c in server.services.broker._channels if c.startswith("thread:9000")]  # type: ignore[attr-defined]
        await socket.close()
    finally:
        await server.stop()


async def test_half_sent_handshakes_are_closed(embedded: Stack, tmp_path: Path) -> None:
    """500 half-sent WebSocket handshakes (slowloris) are all closed within the header timeout
    (a few seconds more at most), and the server serves on."""
    settings = await embedded.fresh_settings()
    server = await ProcessServer(settings, env={"TONG_HTTP_HEADER_TIMEOUT_S": str(HEADER_TIMEOUT_S)}).start()
    try:
        partial = b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        opened = time.monotonic()
        connections = []
        for _ in range(SLOWLORIS):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(partial)
            connections.append((reader, writer))

        async def closed_after(reader: asyncio.StreamReader) -> float:
            # A trickle of header bytes would not help: read until the server closes.
            while await reader.read(1024):
                pass
            return time.monotonic() - opened

        took = await asyncio.wait_for(
            asyncio.gather(*(closed_after(r) for r, _ in connections)), HEADER_TIMEOUT_S + 10
        )
        print(f"\n{SLOWLORIS} half-sent handshakes all closed {max(took):.1f} s after the first opened")
        for _, writer in connections:
            writer.close()
        async with httpx.AsyncClient() as client:
            assert (await client.get(server.base_url + "/healthz")).status_code == 200
    finally:
        await server.stop()


async def test_the_listen_backlog_holds_a_reconnect_storm(embedded: Stack) -> None:
    """The listening socket queues more than uvicorn's 2,048 waiting connections: 10,000 watchers
    cut at once reconnect without SYN retransmits (up to the kernel's somaxconn)."""
    from server.ops.serving import LISTEN_BACKLOG

    server = await started(embedded)
    try:
        assert server.config.backlog == LISTEN_BACKLOG >= 10_000
        # Many handshakes at once are all answered.
        sockets = await asyncio.gather(*(Socket.open(server.ws_url) for _ in range(300)))
        await asyncio.gather(*(s.close() for s in sockets))
    finally:
        await server.stop()
