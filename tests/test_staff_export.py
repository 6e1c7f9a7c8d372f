"""The event log pages by keyset and exports as a stream: 100,000 rows in bounded memory, as CSV
that Excel opens with Korean text intact, as JSON Lines, and through `tong export`."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import insert

from server.store.models import Event, utcnow
from tests.support.clients import Http
from tests.support.servers import TEST_ENV, InProcessServer, Stack

ROWS = 100_000
INSERT_CHUNK = 10_000
# The export holds one keyset batch (1,000 rows) and one CSV chunk at a time; the whole export is
# ~45 MB, so a peak far below that shows nothing accumulates.
PEAK_LIMIT = 16 * 1024 * 1024
QUIET = {"seal_interval_s": 0.0}  # no sealer competing for the database while timing
# Inserting 100,000 rows and exporting them under tracemalloc took 540 s at load 18 (postgres).
BIG_LOG_TIMEOUT_S = 1800


async def _bulk_insert(server: InProcessServer, rows: int) -> None:
    """Insert `rows` realistic events fast: one multi-row INSERT per chunk."""
    start = utcnow() - timedelta(days=30)
    body = "나라장터 공고 첨부파일을 한 번에 내려받을 수 있으면 좋겠습니다. " * 4
    async with server.services.db.transaction() as s:
        for offset in range(0, rows, INSERT_CHUNK):
            await s.execute(
                insert(Event),
                [
                    {
                        "type": "comment.created" if n % 3 else "recommendation.added",
                        "thread_id": 1 + n % 500,
                        "seq": n // 500 + 1,
                        "actor_account_id": None,
                        "payload": {"comment": {"id": n, "body": body, "seq": n // 500 + 1}},
                        "created_at": start + timedelta(seconds=n * 20),
                    }
                    for n in range(offset, min(rows, offset + INSERT_CHUNK))
                ],
            )


@pytest_asyncio.fixture(scope="module")
async def big_log(stack: Stack) -> AsyncIterator[tuple[InProcessServer, Http]]:
    """A server whose log holds 100,000 more events, shared by the module's tests: they only read
    it, and inserting the rows is most of their cost."""
    server = await InProcessServer(await stack.fresh_settings(**QUIET)).start()
    staff = await server.user("staff")
    try:
        started = time.perf_counter()
        await _bulk_insert(server, ROWS)
        print(
            f"\n[{server.services.db.dialect}] inserted {ROWS} events in {time.perf_counter() - started:.1f}s"
        )
        yield server, staff
    finally:
        await staff.aclose()
        await server.stop()


@pytest.mark.slow
@pytest.mark.timeout(BIG_LOG_TIMEOUT_S)
async def test_keyset_paging_and_streamed_export(big_log: tuple[InProcessServer, Http]) -> None:
    """Paging by after_id returns every row once in id order; the CSV export of 100,000 rows streams
    with a small, bounded peak memory and opens in Excel (BOM, header, Korean text)."""
    server, staff = big_log
    total = await server.services.reader.max_log_id()
    seen = 0
    after = 0
    previous = 0
    while True:
        page = (await staff.get("/api/staff/events", params={"after_id": after, "limit": 1000})).json()
        ids = [e["id"] for e in page["items"]]
        assert ids == sorted(ids) and (not ids or ids[0] > previous)
        seen += len(ids)
        previous = ids[-1] if ids else previous
        if page["next_after_id"] is None:
            break
        after = page["next_after_id"]
    assert seen == total >= ROWS

    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        started = time.perf_counter()
        size = lines = 0
        head = b""
        async with staff.stream("GET", "/api/staff/events", params={"format": "csv"}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/csv")
            async for chunk in response.aiter_bytes():
                if len(head) < 4096:
                    head += chunk[:4096]
                size += len(chunk)
                lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    growth = peak - baseline
    print(
        f"[{server.services.db.dialect}] CSV export: {lines - 1} rows, {size / 1e6:.1f} MB in {seconds:.1f}s "
        f"(under tracemalloc), peak memory growth {growth / 1e6:.1f} MB"
    )
    assert lines - 1 == total
    assert growth < PEAK_LIMIT
    assert size > 2 * PEAK_LIMIT  # the bound is meaningful: the export is far larger than the peak
    assert head.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(head.decode("utf-8-sig", errors="ignore"))))
    assert rows[0][:7] == ["id", "type", "thread_id", "seq", "actor_kind", "actor_key", "created_at"]
    assert rows[0][-1] == "payload"
    assert any("나라장터" in row[-1] for row in rows[1:5])


@pytest.mark.slow
@pytest.mark.timeout(BIG_LOG_TIMEOUT_S)
async def test_jsonl_export_filters_and_streams(big_log: tuple[InProcessServer, Http]) -> None:
    """The JSON Lines export applies the filters (type and time range), one JSON object per line."""
    server, staff = big_log
    started = time.perf_counter()
    count = 0
    async with staff.stream(
        "GET", "/api/staff/events", params={"format": "jsonl", "type": "recommendation.added"}
    ) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line:
                assert json.loads(line)["type"] == "recommendation.added"
                count += 1
    print(
        f"[{server.services.db.dialect}] JSONL export: {count} rows in {time.perf_counter() - started:.1f}s"
    )
    assert count == (ROWS + 2) // 3


async def test_tong_export_command(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http], tmp_path: Path
) -> None:
    """`tong export --format csv --output FILE` writes an Excel-ready CSV and a progress bar on stderr."""
    server = await make_server(**QUIET)
    clients.append(author := await server.user("company"))
    thread = await author.thread("=1+2 한글 제목")
    await author.comment(thread["id"], "한글 댓글, 쉼표 포함")
    env = {
        **os.environ,
        **TEST_ENV,
        "DATABASE_URL": server.settings.effective_database_url,
        "TONG_DATA_DIR": str(server.settings.data_dir),
    }
    out = tmp_path / "log.csv"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", "export", "--format", "csv", "--output", str(out),
        "--thread-id", str(thread["id"]), "--from", "2000-01-01",
        env=env, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert "rows" in err.decode() and "wrote 2 rows" in err.decode()
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["type"] for r in rows] == ["thread.created", "comment.created"]
    assert rows[0]["title"] == "'=1+2 한글 제목"  # a spreadsheet shows it, never computes it
    assert json.loads(rows[1]["payload"])["comment"]["body"] == "한글 댓글, 쉼표 포함"

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", "export", "--format", "jsonl", "--type", "comment.created",
        "--actor-kind", "company", env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, _ = await process.communicate()
    lines = [json.loads(line) for line in stdout.decode().splitlines()]
    assert [e["payload"]["comment"]["body"] for e in lines] == ["한글 댓글, 쉼표 포함"]
