"""Logs: JSON lines with a request id per request and socket, one access line each, no secrets,
and repeated failures written once per interval with their count."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from server.telemetry.logs import RepeatFilter
from tests.support.clients import PASSWORD
from tests.support.servers import IN_CI, PrivateRedis, ProcessServer, Stack

JSON_LOGS = {"TONG_LOG_FORMAT": "json"}


def _lines(server: ProcessServer) -> list[dict[str, Any]]:
    """The server's JSON log lines (the CLI's own plain start-up lines skipped)."""
    found = []
    for line in server.log_path.read_text().splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


async def _until(server: ProcessServer, match: Any, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Poll the log until some line matches; the matching lines."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = [line for line in _lines(server) if match(line)]
        if found:
            return found
        assert asyncio.get_running_loop().time() < deadline, server.log_path.read_text()[-3000:]
        await asyncio.sleep(0.1)


def test_repeats_are_held_back_then_counted() -> None:
    """500 identical warnings within the interval write one line; the first after it carries the
    499 held back; other messages and info lines are never held back."""
    now = [0.0]
    records: list[logging.LogRecord] = []
    logger = logging.getLogger("tong.test.repeats")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    handler.addFilter(RepeatFilter(60.0, clock=lambda: now[0]))
    logger.addHandler(handler)
    try:
        for i in range(500):
            now[0] = i * 0.1
            logger.warning("redis pub/sub lost (%s); reconnecting", "Connection refused")
            logger.info("GET /api/threads 200")
        logger.warning("another failure")
        assert [r.getMessage() for r in records if r.levelno == logging.WARNING] == [
            "redis pub/sub lost (Connection refused); reconnecting",
            "another failure",
        ]
        assert sum(r.levelno == logging.INFO for r in records) == 500
        now[0] = 60.0
        logger.warning("redis pub/sub lost (%s); reconnecting", "Connection refused")
        assert records[-1].repeated == 499  # type: ignore[attr-defined]
        written = len(records)
        now[0] = 61.0
        logger.warning("redis pub/sub lost (%s); reconnecting", "Connection refused")
        assert len(records) == written, "a new interval started with the summary line"
    finally:
        logger.removeHandler(handler)


async def test_requests_and_sockets_have_ids_and_one_access_line(tmp_path: Path) -> None:
    """A real `tong serve` writes JSON lines: the proxy's X-Request-ID (or a new id) comes back in
    the header and in error bodies, and is on the one access line per request and per socket, with
    method, path, status and duration; the password, cookie, body and query string are not."""
    settings = await Stack("sqlite", tmp_path).fresh_settings()
    server = await ProcessServer(settings, env=JSON_LOGS).start()
    try:
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            missing = await client.get(
                "/api/threads/999999?token=very-secret-token", headers={"X-Request-ID": "proxy-1"}
            )
            assert missing.status_code == 404 and missing.headers["x-request-id"] == "proxy-1"
            assert missing.json()["error"]["request_id"] == "proxy-1"
            refused = await client.post(
                "/api/session",
                json={"login": "nobody", "password": PASSWORD},
                headers={"Cookie": "tong_session=cookie-value-123"},
            )
            assert refused.status_code == 401
            generated = refused.headers["x-request-id"]
            assert len(generated) == 32 and refused.json()["error"]["request_id"] == generated
            forged = await client.get("/healthz", headers={"X-Request-ID": 'bad id {"level": "x"}'})
            assert len(forged.headers["x-request-id"]) == 32

        async with connect(server.ws_url, additional_headers={"X-Request-ID": "proxy-ws-2"}) as socket:
            assert socket.response is not None
            assert socket.response.headers["x-request-id"] == "proxy-ws-2"
            await socket.send(json.dumps({"op": "subscribe", "channel": "board"}))
            await socket.recv()

        access = await _until(server, lambda line: line.get("method") == "WEBSOCKET")
        (ws_line,) = access
        assert ws_line["request_id"] == "proxy-ws-2" and ws_line["status"] == 101 and ws_line["path"] == "/ws"
        assert "close_code" in ws_line and ws_line["duration_ms"] >= 0
        lines = _lines(server)
        (get_line,) = [line for line in lines if line.get("request_id") == "proxy-1"]
        assert get_line["logger"] == "tong.access" and get_line["level"] == "info"
        assert (get_line["method"], get_line["path"], get_line["status"]) == (
            "GET",
            "/api/threads/999999",
            404,
        )
        assert isinstance(get_line["duration_ms"], float) and "timestamp" in get_line
        assert [line["status"] for line in lines if line.get("request_id") == generated] == [401]
        text = server.log_path.read_text()
        for secret in (PASSWORD, "cookie-value-123", "very-secret-token", "nobody"):
            assert secret not in text, secret
    finally:
        await server.stop()


async def test_a_redis_outage_writes_one_line_per_interval(tmp_path: Path) -> None:
    """With Redis killed under a running server, its reconnect warning is written once, then once
    per interval (here 2 s) with how many times it repeated meanwhile, not once per retry."""
    if shutil.which("redis-server") is None:
        if IN_CI:
            pytest.fail("CI needs redis-server")
        pytest.skip("redis-server is not installed")
    redis = PrivateRedis(tmp_path)
    await redis.start()
    settings = await Stack("sqlite", tmp_path).fresh_settings(redis_url=redis.url)
    server = await ProcessServer(settings, env={**JSON_LOGS, "TONG_LOG_REPEAT_INTERVAL_S": "2"}).start()
    try:
        redis.stop()
        summary = await _until(
            server, lambda line: line.get("logger") == "tong.broker" and line.get("repeated")
        )
        assert summary[0]["repeated"] >= 1 and summary[0]["repeated_interval_s"] == 2.0
        # Lines of one message are at least the interval apart: one when the outage began, then
        # one per interval carrying the count.
        written: dict[str, list[datetime]] = {}
        for line in _lines(server):
            if line.get("level") in ("warning", "error"):
                key = f"{line['logger']}:{line['event'].split('(')[0]}"
                written.setdefault(key, []).append(datetime.fromisoformat(line["timestamp"]))
        for key, times in written.items():
            gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
            assert all(gap >= 1.9 for gap in gaps), (key, gaps)
    finally:
        await server.stop()
        redis.stop()
