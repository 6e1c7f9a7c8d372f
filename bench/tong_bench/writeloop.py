"""`tong bench writes --connections N`: the write path's own cost, closed loop.

N keep-alive HTTP connections, each a logged-in account posting comments one after another as
fast as the server answers (closed loop: the offered load is whatever the server accepts). After a
warm-up the window is measured: accepted comments per second, POST p50/p99, and the server's CPU
per accepted comment, read from /proc (psutil) for the server process and its children (the
workers). Every accepted comment must then be in SQL: the threads' comment counts are read back.
With `--profile DIR`, py-spy samples the server during the window and writes a flame graph (the
CPU figures of a profiled run are not the ones to quote: the sampler shares the cores).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psutil

from .frames import comment_body
from .http import HttpError, HttpPool
from .plan import Plan
from .report import Progress
from .runner import create_threads, login
from .targets import TargetOptions, open_target

# Seconds of posting before the measured window: connections made, caches warm.
WARMUP_S = 3.0
# Seconds of measuring the idle server before posting starts.
IDLE_S = 3.0


def _cpu_seconds(roots: list[int]) -> float:
    """User + system CPU of the roots and all their descendants so far (dead children excluded)."""
    total = 0.0
    for pid in roots:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for proc in procs:
            try:
                t = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += t.user + t.system
    return total


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def closed_loop(
    plan: Plan,
    target: TargetOptions,
    progress: Progress,
    connections: int,
    duration: float,
    profile: Path | None = None,
) -> dict[str, Any]:
    async with open_target(target, plan) as endpoint:
        async with httpx.AsyncClient(base_url=endpoint.http_url, timeout=60.0) as client:
            accounts = await login(client, plan)
            threads = await create_threads(client, accounts[0], max(1, plan.threads))
        pool = HttpPool(endpoint.http_url, size=connections, timeout=30.0)
        latency: list[float] = []
        statuses: Counter[str] = Counter()
        accepted = 0
        posted_total = 0
        measuring = False
        stop = False
        body = comment_body(0, 0, plan.body_size)

        async def poster(i: int) -> None:
            nonlocal accepted, posted_total
            account = accounts[i % len(accounts)]
            thread = threads[i % len(threads)]
            n = 0
            while not stop:
                n += 1
                started = time.perf_counter()
                try:
                    status, _ = await pool.request(
                        "POST",
                        f"/api/threads/{thread}/comments",
                        {"body": f"{body} {i}.{n}"},
                        cookie=account.cookie,
                    )
                except HttpError:
                    status = 0
                elapsed = time.perf_counter() - started
                if status == 201:
                    posted_total += 1
                if not measuring:
                    continue
                statuses[str(status)] += 1
                if status == 201:
                    accepted += 1
                    latency.append(elapsed)

        roots = list(endpoint.pids)
        # The server's own background work (hub ticks, periodic loops) while nobody posts: at a
        # low accepted rate it is a large share of the CPU per comment, so it is reported apart.
        idle0, i0 = _cpu_seconds(roots), time.monotonic()
        await asyncio.sleep(IDLE_S)
        idle_rate = (_cpu_seconds(roots) - idle0) / (time.monotonic() - i0) if roots else None
        tasks = [asyncio.create_task(poster(i)) for i in range(connections)]
        spy: subprocess.Popen[bytes] | None = None
        try:
            progress.note(f"{connections} connections posting; warming up {WARMUP_S:g} s")
            await asyncio.sleep(WARMUP_S)
            if profile is not None and roots:
                spy = _start_profile(profile, roots[0], duration)
            measuring = True
            cpu0, t0 = _cpu_seconds(roots), time.monotonic()
            await asyncio.sleep(duration)
            cpu1, t1 = _cpu_seconds(roots), time.monotonic()
            measuring = False
            load = _loadavg()
        finally:
            stop = True
            await asyncio.gather(*tasks, return_exceptions=True)
            await pool.aclose()
            if spy is not None:
                await asyncio.to_thread(spy.wait, 60)
        seconds = t1 - t0
        async with httpx.AsyncClient(base_url=endpoint.http_url, timeout=60.0) as client:
            stored = 0
            for thread in threads:
                r = await client.get(f"/api/threads/{thread}", headers={"Cookie": accounts[0].cookie})
                if r.status_code == 200:
                    shown = r.json()
                    stored += int(shown.get("thread", shown)["counts"]["comments"])
        cpu = cpu1 - cpu0 if roots else None
        result = {
            "scenario": "writes-closed-loop",
            "target": endpoint.description,
            "connections": connections,
            "threads": len(threads),
            "seconds": round(seconds, 2),
            "accepted": accepted,
            "rate": accepted / seconds if seconds else None,
            "statuses": dict(statuses),
            "post_p50_ms": _ms(_percentile(latency, 0.5)),
            "post_p99_ms": _ms(_percentile(latency, 0.99)),
            "server_cpu_s": round(cpu, 3) if cpu is not None else None,
            "server_cpu_ms_per_comment": (
                round(cpu / accepted * 1000, 3) if cpu is not None and accepted else None
            ),
            "server_cores_busy": round(cpu / seconds, 2) if cpu is not None and seconds else None,
            "server_idle_cores": round(idle_rate, 3) if idle_rate is not None else None,
            "server_cpu_ms_per_comment_net": (
                round((cpu - idle_rate * seconds) / accepted * 1000, 3)
                if cpu is not None and idle_rate is not None and accepted
                else None
            ),
            "posted_total": posted_total,
            "stored_total": stored,
            "persisted": stored == posted_total,
            "loadavg": load,
            "profile": str(profile) if profile else None,
        }
        return result


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(seconds: float | None) -> float | None:
    return round(seconds * 1000, 1) if seconds is not None else None


def _start_profile(path: Path, root: int, duration: float) -> subprocess.Popen[bytes]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    path.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        spy,
        "record",
        "--format",
        # A .txt path gets the collapsed stacks (one line per stack and its count), for scripts.
        "raw" if path.suffix == ".txt" else "flamegraph",
        "--output",
        str(path),
        "--pid",
        str(root),
        "--subprocesses",
        "--rate",
        "200",
        "--duration",
        str(max(1, int(duration))),
        # Not --nonblocking: reading a running process's stacks truncates many of them (a third
        # of the request thread's samples ended at asyncio's Runner.run), hiding the handlers.
    ]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def table(result: dict[str, Any]) -> str:
    r = result
    return (
        f"writes, closed loop: {r['target']}, {r['connections']} connections on {r['threads']} threads\n"
        f"  {r['rate']:.0f} comments/s over {r['seconds']} s "
        f"({r['accepted']} accepted; statuses {r['statuses']})\n"
        f"  POST p50 {r['post_p50_ms']} ms, p99 {r['post_p99_ms']} ms\n"
        f"  server CPU {r['server_cpu_ms_per_comment']} ms per accepted comment "
        f"({r['server_cores_busy']} cores busy); without the idle server's own "
        f"{r['server_idle_cores']} cores: {r['server_cpu_ms_per_comment_net']} ms\n"
        f"  persisted: {r['stored_total']} in SQL of {r['posted_total']} accepted -> "
        f"{'ok' if r['persisted'] else 'MISMATCH'}\n"
        f"  load average {r['loadavg']}"
    )
