"""PostgreSQL shut down (immediate) under a running `tong serve`: 503 with the error body and
Retry-After, quickly, never a 500 or a dropped connection; recovery by itself after the restart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.support.clients import Socket
from tests.support.processes import create_accounts, logged_in
from tests.support.servers import IN_CI, PrivatePostgres, ProcessServer, Stack

# "Quickly": no request may hang on a dead pool (new connections give up after 2 s; a second
# more for a machine loaded by other work).
ANSWER_WITHIN_S = 3.0


@pytest_asyncio.fixture
async def postgres(tmp_path: Path) -> AsyncIterator[PrivatePostgres]:
    missing = PrivatePostgres.missing()
    if missing is not None:
        if IN_CI:
            pytest.fail(f"CI needs a private PostgreSQL cluster: {missing}")
        pytest.skip(missing)
    # The cluster's directory must be reachable by the postgres user: not under root's tmp_path.
    cluster = PrivatePostgres(Path("/tmp") / f"tong-pg-{tmp_path.name}-{time.monotonic_ns()}")
    await cluster.start()
    yield cluster
    await cluster.destroy()


async def timed(
    client: httpx.AsyncClient, method: str, path: str, **kwargs: Any
) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await client.request(method, path, **kwargs)
    return response, time.monotonic() - started


async def test_database_down_answers_503_and_recovers(postgres: PrivatePostgres, tmp_path: Path) -> None:
    """With PostgreSQL stopped every request that needs it gets 503 + error body + Retry-After within
    2 s (never 500, never a dropped connection), sockets get an error frame and stay open, and after
    the restart Tong serves again by itself with nothing lost."""
    settings = await Stack("sqlite", tmp_path).fresh_settings(database_url=postgres.url)
    # Logs as in production (JSON lines): the console format's rich tracebacks hold the event loop.
    server = await ProcessServer(settings, env={"TONG_LOG_FORMAT": "json"}).start()
    try:
        (login,) = await create_accounts(server, "company", 1)
        author = await logged_in(server, login)
        thread = await author.thread("재시작 전")
        before = await author.comment(thread["id"], "멈추기 전")
        socket = await Socket.open(server.ws_url)

        await postgres.stop_immediately()
        anonymous = httpx.AsyncClient(base_url=server.base_url, timeout=30)
        requests: list[tuple[httpx.AsyncClient, str, str, dict[str, Any]]] = [
            (author.client, "POST", f"/api/threads/{thread['id']}/comments", {"json": {"body": "멈춘 동안"}}),
            (
                author.client,
                "POST",
                "/api/threads",
                {"json": {"kind": "proposal", "title": "t", "body": "b"}},
            ),
            (anonymous, "GET", f"/api/threads/{thread['id']}", {}),
            (anonymous, "GET", f"/api/threads/{thread['id']}/comments", {}),
            (anonymous, "GET", "/api/threads", {}),
            (anonymous, "POST", "/api/session", {"json": {"login": login, "password": "x" * 12}}),
        ]
        # Twice: the first round meets the pool's dead connections, the second finds none.
        for _round in range(2):
            for client, method, path, kwargs in requests:
                response, took = await timed(client, method, path, **kwargs)
                assert response.status_code == 503, (method, path, response.status_code, response.text)
                assert response.json()["error"]["code"] == "unavailable", response.text
                assert int(response.headers["retry-after"]) >= 1
                assert took < ANSWER_WITHIN_S, (method, path, took)
        # Who a session is comes from the per-process session cache while its entry lives
        # (TONG_SESSION_CACHE_S), so this may still answer; never a 500 either way.
        response, took = await timed(author.client, "GET", "/api/session")
        assert response.status_code in (200, 503), response.text
        assert took < ANSWER_WITHIN_S
        if response.status_code == 200:
            assert response.json()["account"]["login"] == login
        # A subscription that needs the database is refused with an error frame; the socket lives.
        await socket.send({"op": "subscribe", "channel": f"thread:{thread['id']}"})
        refused = await socket.expect(lambda f: f["type"] == "error")
        assert refused["code"] == "unavailable"
        await socket.send({"op": "ping"})
        assert (await socket.expect(lambda f: f["type"] == "pong"))["type"] == "pong"
        assert (await anonymous.get("/healthz")).status_code == 200

        await postgres.start()
        deadline = time.monotonic() + 20
        while True:
            response = await author.client.post(
                f"/api/threads/{thread['id']}/comments", json={"body": "돌아온 뒤"}
            )
            if response.status_code == 201 or time.monotonic() > deadline:
                break
            assert response.status_code == 503, response.text
            await asyncio.sleep(0.2)
        assert response.status_code == 201, response.text
        assert response.json()["seq"] == before["seq"] + 1
        subscribed = await socket.subscribe(f"thread:{thread['id']}")
        assert subscribed["seq"] == before["seq"] + 1
        await socket.close()
        await anonymous.aclose()
        await author.aclose()
    finally:
        await server.stop()
