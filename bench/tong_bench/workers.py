"""`tong bench workers`: the memory N idle worker processes use together, against one process.

RSS counts a page shared by several processes in each of them, so N workers sharing the search
model would look N times as big; PSS (`/proc/PID/smaps_rollup`) divides each shared page among
its sharers, so the sum over the process tree is what the machine really gives them. Each start
(`fork`, the default, and `spawn`, uvicorn's own) is measured once with one process and once with
N, after every worker has served searches (the model is loaded) and memory has stopped growing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import replace
from typing import Any

import httpx
import psutil

from .spawn import SpawnedServer, SpawnOptions

# "N = 4 idle uses ≤ 1.5× one process's memory, measured as PSS."
TARGET_RATIO = 1.5
# Memory has settled when the tree's PSS moved less than this share over SETTLE_S.
SETTLE_SHARE = 0.01
SETTLE_S = 3.0
SETTLE_TIMEOUT_S = 120.0


def pss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def tree_memory(pid: int) -> tuple[int, int, int]:
    """(PSS, RSS, processes) summed over the server's process tree."""
    processes = tree(pid)
    pss = rss = 0
    for process in processes:
        try:
            pss += pss_bytes(process.pid)
            rss += process.memory_info().rss
        except (psutil.NoSuchProcess, FileNotFoundError):
            continue
    return pss, rss, len(processes)


async def settled(pid: int) -> tuple[int, int, int]:
    """The tree's memory once it stopped growing (the workers' model loads run in the background)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    last = tree_memory(pid)
    while True:
        await asyncio.sleep(SETTLE_S)
        now = tree_memory(pid)
        if abs(now[0] - last[0]) <= SETTLE_SHARE * last[0] or time.monotonic() > deadline:
            return now
        last = now


async def measure(options: SpawnOptions, searches: int) -> dict[str, Any]:
    async with SpawnedServer(options) as endpoint:
        (pid,) = endpoint.pids
        # Searches need the model: with several workers, enough of them that each is asked.
        async with httpx.AsyncClient(base_url=endpoint.http_url, timeout=60) as client:
            for _ in range(searches):
                (await client.get("/api/threads", params={"q": "입찰 보증금 반환"})).raise_for_status()
        pss, rss, processes = await settled(pid)
    return {
        "workers": options.workers,
        "start": options.worker_start,
        "pss": pss,
        "rss": rss,
        "processes": processes,
    }


async def run(options: SpawnOptions, workers: int, repeat: int) -> dict[str, Any]:
    rows: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for _ in range(repeat):
        for start in ("fork", "spawn"):
            for n in (1, workers):
                if n == 1 and start == "spawn":
                    continue  # one process is started the same way either way
                o = replace(options, workers=n, worker_start=start, broker="redis")
                rows.setdefault((start, n), []).append(await measure(o, searches=8 * n))
    one = statistics.median(r["pss"] for r in rows[("fork", 1)])
    cells = []
    for (start, n), runs in rows.items():
        pss = statistics.median(r["pss"] for r in runs)
        cells.append(
            {
                "start": start if n > 1 else "-",
                "workers": n,
                "processes": runs[0]["processes"],
                "pss_mib": round(pss / 2**20),
                "rss_mib": round(statistics.median(r["rss"] for r in runs) / 2**20),
                "ratio": round(pss / one, 2),
                "runs": len(runs),
            }
        )
    fork = next(c for c in cells if c["start"] == "fork")
    return {
        "scenario": "workers",
        "cells": cells,
        "target": TARGET_RATIO,
        "met": fork["ratio"] <= TARGET_RATIO,
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        "| start | workers | processes | PSS MiB | RSS MiB | PSS / one process | runs |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in result["cells"]:
        lines.append(
            f"| {c['start']} | {c['workers']} | {c['processes']} | {c['pss_mib']} | {c['rss_mib']} | "
            f"{c['ratio']:.2f}× | {c['runs']} |"
        )
    verdict = "met" if result["met"] else "MISSED"
    lines.append(f"\nfork: N workers ≤ {result['target']}× one process's PSS: {verdict}")
    return "\n".join(lines)


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    w = commands.add_parser(
        "workers",
        help="PSS of N idle workers (fork and spawn) against one process",
        description=__doc__,
    )
    w.add_argument("--workers", type=int, default=4, help="processes of the multi-worker runs")
    w.add_argument("--repeat", type=int, default=3, help="runs per cell (medians)")
    w.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    w.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="the workers' shared broker")
    w.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    options = SpawnOptions(db=args.db, redis_url=args.redis_url, accounts=1)
    result = asyncio.run(run(options, args.workers, args.repeat))
    print(table(result))
    return 0 if result["met"] else 2
