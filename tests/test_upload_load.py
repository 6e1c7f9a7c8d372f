"""Twenty concurrent 10 MiB uploads against a `tong serve` process: every one is kept, and the
server's memory stays far below what holding the uploads whole would take (they stream to disk).
Prints the throughput and the server's peak RSS (a measurement, not a speed assertion)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support import files
from tests.support.clients import PASSWORD
from tests.support.servers import ProcessServer, Stack

pytestmark = pytest.mark.slow

UPLOADS = 20
MIB = 1024 * 1024
# A PDF just under TONG_UPLOAD_MAX's default (10 MiB), padded with incompressible bytes.
PADDING = 10 * MIB - 64 * 1024
# Holding every upload whole would take 200 MiB; the bound is half of that, which leaves room for
# the worker threads cleaning a few files at once (each maps one 10 MiB PDF).
RSS_GROWTH_MAX = UPLOADS * 10 * MIB // 2


async def sample_rss(process: psutil.Process, peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], process.memory_info().rss)
        await asyncio.sleep(0.02)


@pytest.mark.timeout(900)
async def test_twenty_concurrent_ten_mib_uploads_stream_to_disk(tmp_path: Path) -> None:
    """20 accounts upload a 10 MiB PDF each at once: all 201, and the server's RSS grows by less
    than half of their total."""
    settings = await Stack("sqlite", tmp_path).fresh_settings()
    # glibc gives each thread that allocates its own arena and keeps what it grew to: with the
    # cleaning threads, RSS then measures the allocator's high-water marks (+113 MiB measured here
    # with the default) more than Tong's buffers. Two arenas, as a memory-tight host would run.
    environment = {"TONG_UPLOAD_DAILY_BYTES": "0", "MALLOC_ARENA_MAX": "2"}
    server = await ProcessServer(settings, env=environment).start()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "server", "accounts", "create", "load", "--kind", "company",
             "--count", str(UPLOADS), "--password-stdin"],
            input=PASSWORD.encode() + b"\n", env=server.environment(), capture_output=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr.decode()
        # One PDF made, twenty told apart by the number it shows (distinct files, none deduplicated).
        template = files.pdf_with_author("Load 00", padding=PADDING)
        bodies = [template.replace(b"(Load 00)", f"(Load {n:02})".encode()) for n in range(UPLOADS)]
        assert len({hash(b) for b in bodies}) == UPLOADS
        clients = [httpx.AsyncClient(base_url=server.base_url, timeout=300) for _ in range(UPLOADS)]
        for n, client in enumerate(clients, 1):
            r = await client.post("/api/session", json={"login": f"load-{n}", "password": PASSWORD})
            assert r.status_code == 200, r.text
        assert server.process is not None
        process = psutil.Process(server.process.pid)
        baseline = process.memory_info().rss
        peak = [baseline]
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(process, peak, stop))
        started = time.perf_counter()
        answers = await asyncio.gather(
            *(
                client.post("/api/uploads", files={"file": (f"load-{n}.pdf", body, "application/pdf")})
                for n, (client, body) in enumerate(zip(clients, bodies, strict=True))
            )
        )
        seconds = time.perf_counter() - started
        stop.set()
        await sampler
        for client in clients:
            await client.aclose()
        assert [a.status_code for a in answers] == [201] * UPLOADS, [a.text[:200] for a in answers]
        total = sum(len(b) for b in bodies)
        growth = peak[0] - baseline
        print(
            f"\nuploads: {UPLOADS} x {len(bodies[0]) / MIB:.1f} MiB at once in {seconds:.2f} s = "
            f"{total / MIB / seconds:.1f} MiB/s; server RSS {baseline / MIB:.0f} MiB before, "
            f"peak {peak[0] / MIB:.0f} MiB (+{growth / MIB:.0f} MiB)"
        )
        assert growth < RSS_GROWTH_MAX, f"RSS grew by {growth / MIB:.0f} MiB"
        kept = [p for p in settings.attachments_dir.rglob("*") if p.is_file()]
        assert len(kept) == UPLOADS
        assert not any(settings.uploading_dir.iterdir())
        assert all(a.json()["size"] > 9 * MIB for a in answers)
    finally:
        await server.stop()
