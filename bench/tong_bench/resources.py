"""CPU and memory of the processes under test and of the load tool itself.

Spawned servers and the tool's own processes are read through psutil (a server's uvicorn worker
children included); a server given by `--url` is read through its Prometheus `/metrics`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil

SAMPLE_INTERVAL = 0.5
_METRIC = re.compile(r"^(process_resident_memory_bytes|process_cpu_seconds_total)(\{[^}]*\})?\s+(\S+)", re.M)


@dataclass
class _Proc:
    pid: int
    role: str
    cpu_start: float
    cpu_last: float
    rss_last: int
    rss_peak: int
    cpu_mark: float = 0.0


@dataclass
class Usage:
    """One sampler's view: per process, CPU over a window and peak RSS."""

    procs: dict[int, _Proc] = field(default_factory=dict)
    window_start: float = 0.0
    window_end: float = 0.0

    def total_rss(self) -> int:
        return sum(p.rss_last for p in self.procs.values())

    def report(self) -> list[dict[str, Any]]:
        seconds = max(1e-9, self.window_end - self.window_start)
        return [
            {
                "pid": p.pid,
                "role": p.role,
                "cpu_percent": round(100 * (p.cpu_last - p.cpu_mark) / seconds, 1),
                "peak_rss": p.rss_peak,
                "rss": p.rss_last,
            }
            for p in self.procs.values()
        ]


class ProcessSampler:
    """Samples the given root pids (and, with `children`, their descendants) every SAMPLE_INTERVAL s."""

    def __init__(self, roots: dict[int, str], children: bool = True) -> None:
        self.roots = roots
        self.children = children
        self.usage = Usage()
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        now = time.monotonic()
        for root, role in self.roots.items():
            try:
                top = psutil.Process(root)
                family = [(top, role)]
                if self.children:
                    family += [(c, f"{role} child") for c in top.children(recursive=True)]
            except psutil.Error:
                continue
            for proc, name in family:
                try:
                    with proc.oneshot():
                        cpu = proc.cpu_times()
                        rss = proc.memory_info().rss
                except psutil.Error:
                    continue
                seconds = cpu.user + cpu.system
                known = self.usage.procs.get(proc.pid)
                if known is None:
                    self.usage.procs[proc.pid] = _Proc(proc.pid, name, seconds, seconds, rss, rss, seconds)
                else:
                    known.cpu_last = seconds
                    known.rss_last = rss
                    known.rss_peak = max(known.rss_peak, rss)
        self.usage.window_end = now

    def mark(self) -> None:
        """Start the CPU window now (after setup, so logins and connects do not count)."""
        self.sample()
        self.usage.window_start = time.monotonic()
        for p in self.usage.procs.values():
            p.cpu_mark = p.cpu_last

    async def _loop(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(SAMPLE_INTERVAL)

    def start(self) -> None:
        self.sample()
        self.usage.window_start = time.monotonic()
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.sample()


class MetricsSampler:
    """The same figures for a server we did not start, from `/metrics` (summed over its series)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.usage = Usage()
        self._task: asyncio.Task[None] | None = None
        self._client = httpx.AsyncClient(timeout=5)
        self.available = True

    async def sample(self) -> None:
        try:
            response = await self._client.get(f"{self.base_url}/metrics")
        except httpx.HTTPError:
            return
        if response.status_code != 200:
            self.available = False
            return
        rss = cpu = 0.0
        found = False
        for name, _labels, value in _METRIC.findall(response.text):
            found = True
            if name == "process_resident_memory_bytes":
                rss += float(value)
            else:
                cpu += float(value)
        if not found:
            self.available = False
            return
        known = self.usage.procs.get(0)
        if known is None:
            self.usage.procs[0] = _Proc(0, "server (/metrics)", cpu, cpu, int(rss), int(rss), cpu)
        else:
            known.cpu_last = cpu
            known.rss_last = int(rss)
            known.rss_peak = max(known.rss_peak, int(rss))
        self.usage.window_end = time.monotonic()

    async def mark(self) -> None:
        await self.sample()
        self.usage.window_start = time.monotonic()
        for p in self.usage.procs.values():
            p.cpu_mark = p.cpu_last

    async def _loop(self) -> None:
        while True:
            await self.sample()
            await asyncio.sleep(SAMPLE_INTERVAL)

    async def start(self) -> None:
        await self.sample()
        self.usage.window_start = time.monotonic()
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.sample()
        await self._client.aclose()
