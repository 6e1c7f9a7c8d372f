"""One run: log in, create threads, connect the watchers, apply the phases, collect the figures."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time
from collections import Counter
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

import httpx

from . import redisstats
from .clients import CONNECTIONS_PER_SOURCE, WatcherPool, WorkerConfig
from .feeders import Account, Poster, Recommender
from .http import HttpPool
from .plan import Phase, Plan
from .report import Progress
from .resources import MetricsSampler, ProcessSampler
from .spawn import Endpoint
from .stats import Histogram, median

# A load process above this share of one core is itself the bottleneck: its latencies include
# its own queueing.
CLIENT_SATURATED_PERCENT = 90.0
# Pause after the load before the last readings, so the last coalesced counts frame (≤ 250 ms
# apart in Tong) has been sent.
COUNTS_QUIET = 1.5


# Counts frames sent 250 ms apart arrive a few ms apart more or less; five of them can then fall
# into one full second though the server kept to four a second. Windows are this much shorter.
COUNTS_JITTER = 0.05


class RunError(Exception):
    """The run could not be set up (log-in refused, thread not created, watchers not connected)."""


async def login(client: httpx.AsyncClient, plan: Plan) -> list[Account]:
    """Log in as `{prefix}-1` … `{prefix}-N`; argon2 makes this slow, hence the bounded concurrency."""
    gate = asyncio.Semaphore(4)

    async def one(i: int) -> Account:
        name = f"{plan.account_prefix}-{i}"
        async with gate:
            r = await client.post("/api/session", json={"login": name, "password": plan.password})
        if r.status_code >= 300:
            raise RunError(f"log-in as {name} refused: {r.status_code} {r.text[:200]}")
        cookie = "; ".join(f"{k}={v}" for k, v in r.cookies.items())
        return Account(name, cookie)

    return list(await asyncio.gather(*(one(i) for i in range(1, plan.accounts + 1))))


async def create_threads(client: httpx.AsyncClient, account: Account, count: int) -> list[int]:
    ids = []
    for i in range(count):
        r = await client.post(
            "/api/threads",
            json={"kind": "proposal", "title": f"tong bench {i + 1}", "body": "A thread for tong bench."},
            headers={"Cookie": account.cookie},
        )
        if r.status_code != 201:
            raise RunError(f"creating a thread failed: {r.status_code} {r.text[:200]}")
        ids.append(int(r.json()["id"]))
    return ids


def assign(plan: Plan, threads: list[int]) -> list[tuple[int, int]]:
    """(watcher index, thread id) for every watcher: the hot share on threads[0], the rest spread."""
    if len(threads) == 1:
        return [(i, threads[0]) for i in range(plan.watchers)]
    hot = round(plan.watchers * plan.hot_share)
    others = threads[1:]
    return [(i, threads[0] if i < hot else others[(i - hot) % len(others)]) for i in range(plan.watchers)]


def thread_weights(plan: Plan, threads: list[int]) -> list[float]:
    if len(threads) == 1:
        return [1.0]
    rest = (1.0 - plan.hot_share) / (len(threads) - 1)
    return [plan.hot_share] + [rest] * (len(threads) - 1)


def max_per_second(stamps: list[float], window: float = 1.0 - COUNTS_JITTER) -> int:
    """The most timestamps inside any window of (about) one second."""
    best = start = 0
    for end, t in enumerate(stamps):
        while t - stamps[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class Run:
    def __init__(self, plan: Plan, endpoint: Endpoint, progress: Progress) -> None:
        self.plan = plan
        self.endpoint = endpoint
        self.progress = progress
        self.warnings: list[str] = []
        self.redis: tuple[dict[str, Any], dict[str, Any]] | None = None

    async def execute(self) -> dict[str, Any]:
        plan, endpoint = self.plan, self.endpoint
        server: ProcessSampler | MetricsSampler
        if endpoint.pids:
            server = ProcessSampler(endpoint.pids)
            server.start()
        else:
            server = MetricsSampler(endpoint.http_url)
            await server.start()
        async with httpx.AsyncClient(base_url=endpoint.http_url, timeout=60) as client:
            self.progress.update(f"{endpoint.name}: logging in {plan.accounts} accounts")
            accounts = await login(client, plan)
            threads = await create_threads(client, accounts[0], plan.threads)
            initials = await self._finals(client, threads)
            placement = assign(plan, threads)
            watchers_on = Counter(thread for _, thread in placement)
            await asyncio.sleep(0.5)
            rss_before = await self._rss(server)
            pool = self._pool(placement)
            # Not the coordinator's children: a spawned server is one of them.
            clients = ProcessSampler({os.getpid(): "coordinator"}, children=False)
            try:
                pool.start()
                clients.roots.update({pid: f"watchers {i + 1}" for i, pid in enumerate(pool.pids)})
                clients.start()
                connect_started = time.monotonic()
                ok = await pool.wait_connected(plan.watchers, plan.connect_timeout, self._connect_tick(pool))
                connect_seconds = time.monotonic() - connect_started
                if not ok:
                    self.warnings.append(
                        f"only {pool.total('connected')} of {plan.watchers} watchers connected "
                        f"within {plan.connect_timeout:.0f} s"
                    )
                self.progress.update(f"{endpoint.name}: {pool.total('connected')} connected; settling")
                await asyncio.sleep(plan.settle)
                rss_after = await self._rss(server)
                connected_idle = pool.total("connected")
                await self._mark(server)
                clients.mark()
                pool.send("mark")
                redis_before = await redisstats.counters(endpoint.redis_url) if endpoint.redis_url else None
                phases, poster, recommender = await self._phases(
                    pool, accounts, threads, watchers_on, client, endpoint
                )
                await asyncio.sleep(COUNTS_QUIET if any(p.rec_rate for p in plan.phases) else 0.2)
                if redis_before is not None and endpoint.redis_url:
                    self.redis = (redis_before, await redisstats.counters(endpoint.redis_url))
                finals = await self._finals(client, threads)
                final_seqs = {t: f["seq"] for t, f in finals.items()}
                self.progress.update(f"{endpoint.name}: draining")
                results = await pool.finish(final_seqs, plan.drain)
            finally:
                await server.stop()
                await clients.stop()
                await pool.close()
        self.progress.done()
        return self._report(
            results=results,
            phases=phases,
            poster=poster,
            recommender=recommender,
            finals=finals,
            initials=initials,
            threads=threads,
            watchers_on=watchers_on,
            memory=(rss_before, rss_after, connected_idle),
            connect_seconds=connect_seconds,
            server=server,
            clients=clients,
        )

    def _pool(self, placement: list[tuple[int, int]]) -> WatcherPool:
        plan = self.plan
        host = urlsplit(self.endpoint.ws_url).hostname or ""
        loopback = host.startswith("127.") or host == "localhost"
        sources = math.ceil(plan.watchers / CONNECTIONS_PER_SOURCE) if loopback else 1
        processes = max(1, min(plan.clients, plan.watchers))
        configs = [
            WorkerConfig(
                worker=i,
                ws_url=self.endpoint.ws_url,
                watchers=placement[i::processes],
                compression=plan.deflate,
                connect_concurrency=plan.connect_concurrency,
                source_addresses=sources,
            )
            for i in range(processes)
        ]
        return WatcherPool(configs)

    def _connect_tick(self, pool: WatcherPool) -> Any:
        def tick() -> None:
            self.progress.update(
                f"{self.endpoint.name}: connecting {pool.total('connected')}/{self.plan.watchers}"
                f" (failures {pool.total('connect_failures')})"
            )

        return tick

    async def _rss(self, server: ProcessSampler | MetricsSampler) -> int:
        if isinstance(server, ProcessSampler):
            server.sample()
        else:
            await server.sample()
        return server.usage.total_rss()

    async def _mark(self, server: ProcessSampler | MetricsSampler) -> None:
        if isinstance(server, ProcessSampler):
            server.mark()
        else:
            await server.mark()

    async def _phases(
        self,
        pool: WatcherPool,
        accounts: list[Account],
        threads: list[int],
        watchers_on: Counter[int],
        client: httpx.AsyncClient,
        endpoint: Endpoint,
    ) -> tuple[list[dict[str, Any]], Poster, Recommender]:
        plan = self.plan
        post_pool = HttpPool(endpoint.http_url, size=plan.max_in_flight)
        rec_pool = HttpPool(endpoint.http_url, size=plan.max_in_flight)
        poster = Poster(
            post_pool,
            accounts,
            threads,
            thread_weights(plan, threads),
            plan.body_size,
            plan.max_in_flight,
            plan.seed,
        )
        # The thread's author may not recommend it (409): recommend with the other accounts.
        recommenders = accounts[1:] or accounts
        recommender = Recommender(rec_pool, recommenders, threads[0], plan.max_in_flight, plan.seed)
        done: list[dict[str, Any]] = []
        try:
            for number, phase in enumerate(plan.phases):
                done.append(await self._phase(number, phase, pool, poster, recommender))
        finally:
            await poster.settle()
            await recommender.settle()
            await post_pool.aclose()
            await rec_pool.aclose()
        return done, poster, recommender

    async def _phase(
        self, number: int, phase: Phase, pool: WatcherPool, poster: Poster, recommender: Recommender
    ) -> dict[str, Any]:
        posted_before, recs_before = poster.ok, recommender.ok
        skipped_before = (poster.skipped, recommender.skipped)
        statuses_before = (poster.statuses.copy(), recommender.statuses.copy())
        post_latency, rec_latency = poster.latency, recommender.latency
        poster.latency, recommender.latency = Histogram(), Histogram()
        first_index = poster.next_index
        if phase.churn > 0:
            pool.send("drop", phase.churn, phase.churn_pause, phase.duration, self.plan.seed + number)
        drop_task = None
        if phase.drop_all_at is not None:
            drop_task = asyncio.create_task(self._drop_all_later(pool, phase.drop_all_at, number))
        started = time.monotonic()
        started_wall = time.time()
        ticker = asyncio.create_task(self._ticker(phase, started, pool, poster, recommender))
        try:
            await asyncio.gather(
                poster.run(phase.post_rate, phase.duration, number),
                recommender.run(phase.rec_rate, phase.duration),
            )
            await poster.settle()
            await recommender.settle()
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            if drop_task is not None:
                await drop_task
        seconds = time.monotonic() - started
        posts = {
            **poster.figures(seconds),
            "ok": poster.ok - posted_before,
            "skipped": poster.skipped - skipped_before[0],
            "statuses": dict(poster.statuses - statuses_before[0]),
        }
        recs = {
            **recommender.figures(seconds),
            "ok": recommender.ok - recs_before,
            "skipped": recommender.skipped - skipped_before[1],
            "statuses": dict(recommender.statuses - statuses_before[1]),
        }
        posts["rate"] = posts["ok"] / seconds
        recs["rate"] = recs["ok"] / seconds
        figures = {
            "name": phase.name,
            "number": number,
            "seconds": seconds,
            "window": (started_wall, time.time()),
            "offered": asdict(phase),
            "first_index": first_index,
            "last_index": poster.next_index,
            "posts": posts,
            "recommendations": recs,
        }
        post_latency.merge(poster.latency)
        rec_latency.merge(recommender.latency)
        poster.latency, recommender.latency = post_latency, rec_latency
        return figures

    async def _drop_all_later(self, pool: WatcherPool, delay: float, number: int) -> None:
        await asyncio.sleep(delay)
        pool.send("drop", 1.0, 0.0, 0.0, self.plan.seed + number)

    async def _ticker(
        self, phase: Phase, started: float, pool: WatcherPool, poster: Poster, recommender: Recommender
    ) -> None:
        while True:
            elapsed = time.monotonic() - started
            p99 = poster.latency.percentile(99)
            self.progress.update(
                f"{self.endpoint.name} {phase.name} {elapsed:5.1f}/{phase.duration:.0f}s"
                f"  connected {pool.total('connected')}  delivered {pool.total('delivered')}"
                f"  posts {poster.ok}"
                + (f" (p99 {p99 * 1000:.0f} ms)" if p99 else "")
                + (f"  recs {recommender.ok}" if phase.rec_rate else "")
                + (f"  pending resume {pool.total('pending_resume')}" if pool.total("pending_resume") else "")
            )
            await asyncio.sleep(0.5)

    async def _finals(self, client: httpx.AsyncClient, threads: list[int]) -> dict[int, dict[str, Any]]:
        finals = {}
        for thread in threads:
            try:
                r = await client.get(f"/api/threads/{thread}")
            except httpx.TransportError:
                # A keep-alive connection idle through a long connect phase may have been closed by
                # the server just as it was reused: one retry opens a fresh one.
                r = await client.get(f"/api/threads/{thread}")
            r.raise_for_status()
            body = r.json()
            finals[thread] = {"seq": int(body.get("seq", 0)), "counts": body.get("counts", {})}
        return finals

    def _report(
        self,
        *,
        results: list[dict[str, Any]],
        phases: list[dict[str, Any]],
        poster: Poster,
        recommender: Recommender,
        finals: dict[int, dict[str, Any]],
        initials: dict[int, dict[str, Any]],
        threads: list[int],
        watchers_on: Counter[int],
        memory: tuple[int, int, int],
        connect_seconds: float,
        server: ProcessSampler | MetricsSampler,
        clients: ProcessSampler,
    ) -> dict[str, Any]:
        plan, endpoint = self.plan, self.endpoint
        delivery_keys = ("expected", "delivered", "lost", "duplicated", "out_of_order", "resynced")
        delivery: dict[str, Any] = {
            k: sum(r.get(k, 0) for r in results)
            for k in (*delivery_keys, "replayed", "errors", "never_subscribed", "still_dropped")
        }
        closes: Counter[str] = Counter()
        connect_time, resume_time = Histogram(), Histogram()
        for r in results:
            closes.update(r.get("server_closes", {}))
            if r:
                connect_time.merge(Histogram.from_wire(r["connect_time"]))
                resume_time.merge(Histogram.from_wire(r["resume_time"]))
        delivery["server_closes"] = dict(closes)
        if len(results) < max(1, min(plan.clients, plan.watchers)) or any(not r for r in results):
            self.warnings.append(
                "a watcher process did not report: its watchers are missing from the figures"
            )

        phase_reports = []
        for figures in phases:
            number = figures["number"]
            latency = Histogram()
            per_comment: dict[int, list[float]] = {}
            for r in results:
                wire = r.get("phases", {}).get(number)
                if wire is None:
                    continue
                latency.merge(Histogram.from_wire(wire["latency"]))
                for index, (count, slowest) in wire["per_comment"].items():
                    entry = per_comment.setdefault(index, [0, 0.0])
                    entry[0] += count
                    entry[1] = max(entry[1], slowest)
            last_watcher = [
                per_comment[i][1]
                for i in range(figures["first_index"], figures["last_index"])
                if i in poster.accepted and per_comment.get(i, [0])[0] >= watchers_on[poster.accepted[i]]
            ]
            comments = sum(
                1 for i in range(figures["first_index"], figures["last_index"]) if i in poster.accepted
            )
            ttl = Histogram.of(last_watcher)
            phase_reports.append(
                {
                    **{
                        k: v
                        for k, v in figures.items()
                        if k not in ("first_index", "last_index", "number", "window")
                    },
                    "fanout": latency.summary(),
                    "time_to_last_watcher": {
                        "median": median(last_watcher),
                        "p90": ttl.percentile(90),
                        "max": ttl.max if last_watcher else None,
                        "complete": len(last_watcher),
                        "comments": comments,
                    },
                }
            )

        hot = threads[0]
        counts_at = [stamps for r in results for t, stamps in r.get("counts_at", {}).items() if t == hot]
        last_seen: Counter[Any] = Counter()
        for r in results:
            last_seen.update(r.get("last_recommendations", {}).get(hot, {}))
        final_recs = finals[hot]["counts"].get("recommendations")
        storm_windows = [p["window"] for p in phases if p["offered"]["rec_rate"] > 0]
        storm_seconds = sum(end - start for start, end in storm_windows)
        # During a storm, judge the coalescing on the storm alone: a connect burst before it also
        # makes counts frames (watchers), and clients busy connecting receive them bunched up.
        if storm_windows:
            counts_at = [
                [t for t in stamps if any(start <= t <= end for start, end in storm_windows)]
                for stamps in counts_at
            ]
        storm_frames = sum(len(stamps) for stamps in counts_at)
        counts = {
            "frames": sum(r.get("counts_frames", 0) for r in results),
            "max_per_second": max((max_per_second(s) for s in counts_at), default=0),
            "mean_per_second_storm": (
                storm_frames / len(counts_at) / storm_seconds if counts_at and storm_seconds else None
            ),
            "final_recommendations": final_recs,
            "expected_recommendations": recommender.expected_count if recommender.ok else None,
            "watchers_with_exact_last": last_seen.get(final_recs, 0),
            "watchers": sum(last_seen.values()),
        }
        counts["last_exact"] = (
            counts["watchers"] > 0 and counts["watchers_with_exact_last"] == counts["watchers"]
        )

        persisted = {}
        for t in threads:
            comments_before = initials[t]["counts"].get("comments") or 0
            comments_after = finals[t]["counts"].get("comments")
            persisted[str(t)] = {
                "accepted": poster.accepted_per_thread.get(t, 0),
                "new_seqs": finals[t]["seq"] - initials[t]["seq"],
                "new_comments": None if comments_after is None else comments_after - comments_before,
            }
        all_persisted = all(
            p["new_seqs"] == p["accepted"] and p["new_comments"] in (None, p["accepted"])
            for p in persisted.values()
        )

        # Every frame the watchers received from the load phases' start to the drain's end, per
        # comment each of them should have had live (frames per comment per watcher: 1.0 means
        # a comment costs a watcher exactly its own event frame).
        by_type: Counter[str] = Counter()
        for r in results:
            by_type.update(r.get("frames", {}))
        owed = sum(watchers_on[thread] for thread in poster.accepted.values())
        received = {
            "by_type": dict(by_type),
            "total": sum(by_type.values()),
            "bytes": sum(r.get("frame_bytes", 0) for r in results),
            "owed_deliveries": owed,
            "per_comment_per_watcher": sum(by_type.values()) / owed if owed else None,
            "per_comment_per_watcher_by_type": {k: v / owed for k, v in by_type.items()} if owed else {},
        }

        rss_before, rss_after, idle = memory
        server_procs = server.usage.report()
        client_procs = clients.usage.report()
        saturated = [p for p in client_procs if p["cpu_percent"] >= CLIENT_SATURATED_PERCENT]
        if saturated:
            self.warnings.append(
                "load tool near 100% CPU ("
                + ", ".join(f"{p['role']} {p['cpu_percent']:.0f}%" for p in saturated)
                + "): latencies include the tool's own queueing"
            )
        total_server_cpu = sum(p["cpu_percent"] for p in server_procs)
        if total_server_cpu + sum(p["cpu_percent"] for p in client_procs) > 100 * (os.cpu_count() or 1) * 0.9:
            self.warnings.append("the machine's CPUs are nearly all busy: server and load tool compete")

        ok = (
            delivery["lost"] == 0
            and delivery["duplicated"] == 0
            and delivery["out_of_order"] == 0
            and delivery["never_subscribed"] == 0
            and all_persisted
        )
        peak_rss = sum(p["peak_rss"] for p in server_procs)
        live = sum(p["fanout"]["count"] for p in phase_reports)
        window = server.usage.window_end - server.usage.window_start
        server_cpu_seconds = total_server_cpu / 100 * window
        return {
            "target": endpoint.name,
            "description": endpoint.description,
            "http_url": endpoint.http_url,
            "ws_url": endpoint.ws_url,
            "plan": asdict(plan),
            "connect": {
                "watchers": plan.watchers,
                "connected": idle,
                "seconds": connect_seconds,
                "failures": sum(r.get("connect_failures", 0) for r in results),
                "gave_up": sum(r.get("gave_up", 0) for r in results),
                "handshake": connect_time.summary(),
                "deflate_negotiated": sum(r.get("deflate_negotiated", 0) for r in results),
            },
            "memory": {
                "rss_before": rss_before,
                "rss_after": rss_after,
                "connections": idle,
                "per_connection_bytes": (rss_after - rss_before) / idle if idle else None,
            },
            "phases": phase_reports,
            "delivery": delivery,
            "resume": {**resume_time.summary(), "still_dropped": delivery["still_dropped"]},
            "counts": counts,
            "frames": received,
            "persisted": persisted,
            "all_persisted": all_persisted,
            "server": {
                "processes": server_procs,
                "cpu_percent": total_server_cpu,
                "peak_rss": peak_rss,
                "peak_rss_per_connection": (peak_rss - rss_before) / idle if idle else None,
                # An upper bound: the window's CPU also pays for posts, recommendations, counts.
                "cpu_per_delivery": server_cpu_seconds / live if live else None,
                # The same CPU over every frame delivered (events, counts, anything else).
                "cpu_per_frame": server_cpu_seconds / received["total"] if received["total"] else None,
            },
            "clients": {"processes": client_procs, "saturated": bool(saturated)},
            # Publishes and commands Redis processed during the load phases, per comment posted.
            "redis": (
                redisstats.difference(*self.redis, sum(p["posts"]["ok"] for p in phase_reports))
                if self.redis
                else None
            ),
            "warnings": self.warnings,
            "ok": ok,
        }
