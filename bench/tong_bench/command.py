"""`tong bench`: argparse wiring for the load tool's scenarios."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import chart, runall, scenarios, workers
from .plan import Phase, Plan
from .report import Progress, run_table, to_json
from .spawn import SpawnOptions
from .targets import TargetOptions

SCENARIOS = {
    "fanout": "N watchers on one thread: time until the last has a comment, against the bare floor",
    "memory": "server RSS per idle connection without and with permessage-deflate; 50,000 held",
    "writes": "sustained comments/s (300 on SQLite, 1,000 on PostgreSQL), persisted and delivered",
    "storm": "2,000 recommendations/s on a thread watched by 5,000: coalesced, exact, comments unharmed",
    "reconnect": "10,000 watchers cut at once resume with since within 10 s, nothing lost or doubled",
    "replicas": "40,000 watchers on 20 threads over 4 processes: Redis Cluster against one Redis",
    "search": "search p95 over 100,000 threads and 1,000,000 comments on PostgreSQL (seeds with COPY)",
}

EXIT_OK, EXIT_BROKEN, EXIT_MISSED = 0, 1, 2
REPLICAS = 4


def _common(parser: argparse.ArgumentParser) -> None:
    t = parser.add_argument_group("target")
    t.add_argument(
        "--url", help="a running server's base URL, e.g. http://127.0.0.1:8000 (default: spawn one)"
    )
    t.add_argument("--ws-url", help="its WebSocket URL (default: the URL's /ws; for a floor, port + 1)")
    t.add_argument("--pid", type=int, help="with --url: the server's pid, to read CPU/RSS with psutil")
    t.add_argument(
        "--target", choices=("tong", "bare"), default="tong", help="what to measure (default tong)"
    )
    t.add_argument(
        "--spawn", action="store_true", help="start the server for the run (the default without --url)"
    )
    t.add_argument("--workers", type=int, default=1, help="spawned Tong's processes")
    t.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite", help="spawned Tong's database")
    t.add_argument(
        "--broker",
        choices=("memory", "redis", "cluster"),
        help="spawned Tong's broker (redis if --workers > 1; cluster takes a redis+cluster:// --redis-url)",
    )
    t.add_argument(
        "--postgres-url", default=SpawnOptions.postgres_url, help="where to create a throwaway database"
    )
    t.add_argument("--redis-url", default=SpawnOptions.redis_url)
    t.add_argument("--log-dir", help="keep spawned servers' logs here")

    c = parser.add_argument_group("clients")
    c.add_argument("--watchers", type=int, help="WebSocket watchers (connections)")
    c.add_argument("--threads", type=int, help="threads the watchers spread over")
    c.add_argument("--hot-share", type=float, help="share of watchers and comments on the first thread")
    c.add_argument("--clients", type=int, help="watcher processes (default 2; memory 4)")
    c.add_argument("--connect-concurrency", type=int, help="handshakes in flight per process (default 200)")
    c.add_argument(
        "--deflate", action=argparse.BooleanOptionalAction, default=None, help="permessage-deflate"
    )
    c.add_argument("--duration", type=float, help="seconds of each load phase")
    c.add_argument("--body-size", type=int, help="comment body characters (default 200, limit 4000)")
    c.add_argument("--accounts", type=int, help="accounts posting and recommending")
    c.add_argument("--account-prefix", help="logins are PREFIX-1 … PREFIX-N (default bench)")
    c.add_argument("--password", help="their password")
    c.add_argument("--settle", type=float, help="idle seconds after connecting, before the memory reading")
    c.add_argument("--drain", type=float, help="seconds the watchers may take to catch up after the load")
    c.add_argument("--seed", type=int)

    o = parser.add_argument_group("output")
    o.add_argument("--json", action="store_true", help="print JSON instead of the table")
    o.add_argument("--output", type=Path, help="also write the JSON report to this file")
    o.add_argument("--quiet", action="store_true", help="no progress line on stderr")


_PLAN_FLAGS = (
    "watchers",
    "threads",
    "hot_share",
    "clients",
    "connect_concurrency",
    "body_size",
    "accounts",
    "account_prefix",
    "password",
    "settle",
    "drain",
    "seed",
)


def _plan(args: argparse.Namespace, base: Plan) -> Plan:
    changes: dict[str, Any] = {k: getattr(args, k) for k in _PLAN_FLAGS if getattr(args, k, None) is not None}
    if args.deflate is not None:
        changes["deflate"] = args.deflate
    plan = replace(base, **changes)
    if args.duration is not None:
        plan.phases = [replace(p, duration=args.duration) for p in plan.phases]
    return plan


def _target(args: argparse.Namespace) -> TargetOptions:
    broker = args.broker or ("redis" if args.workers > 1 else "memory")
    spawn = SpawnOptions(
        target=args.target,
        workers=args.workers,
        db=args.db,
        broker=broker,
        postgres_url=args.postgres_url,
        redis_url=args.redis_url,
        log_dir=args.log_dir,
    )
    return TargetOptions(
        target=args.target,
        url=None if args.spawn else args.url,
        ws_url=args.ws_url,
        pid=args.pid,
        spawn=spawn,
    )


def _emit(args: argparse.Namespace, result: dict[str, Any]) -> int:
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(to_json(result))
    if args.json:
        print(to_json(result))
    else:
        for run in result.get("runs", []):
            print(run_table(run))
            print()
        verdicts = result.get("verdicts", [])
        if verdicts:
            print(f"== {result['scenario']}: targets")
            for v in verdicts:
                print(f"  [{'ok' if v['ok'] else 'MISSED'}] {v['name']}: {v['measured']}")
    if not all(run["ok"] for run in result.get("runs", [])):
        return EXIT_BROKEN
    return EXIT_OK if all(v["ok"] for v in result.get("verdicts", [])) else EXIT_MISSED


def _execute(args: argparse.Namespace) -> int:
    progress = Progress(enabled=not args.quiet)
    try:
        result = asyncio.run(_dispatch(args, progress))
    except KeyboardInterrupt:
        progress.note("interrupted")
        return 130
    except Exception as exc:  # the tool's own failure: say what, not a traceback for people
        progress.done()
        if args.json:
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        else:
            print(f"tong bench: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_BROKEN
    if args.bench_command == "chart":
        return EXIT_OK
    if args.bench_command == "run-all":
        return _emit_all(args, result)
    if result.get("scenario") == "writes-closed-loop":
        from . import writeloop

        if args.output:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(to_json(result))
        print(to_json(result) if args.json else writeloop.table(result))
        return EXIT_OK if result["persisted"] else EXIT_BROKEN
    if result.get("scenario") == "search" and not args.json:
        seeded, measured = result["seeded"], result["measured"]
        print(
            f"== search: {seeded['threads']:,} threads, {seeded['comments']:,} comments on PostgreSQL "
            f"(seeded in {seeded['seed_s']} s); {measured['requests']} searches from {measured['clients']} "
            f"clients, {measured['errors']} errors; "
            f"load average {result['load_average']} on {result['cpus']} CPUs"
        )
    return _emit(args, result)


def _emit_all(args: argparse.Namespace, result: dict[str, Any]) -> int:
    table = runall.markdown(result)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(to_json(result))
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(table)
    if args.charts:
        for path in runall.charts(result, args.charts):
            print(f"wrote {path}", file=sys.stderr)
    print(to_json(result) if args.json else table)
    broken = any(r["ok"] == 0.0 for cell in result["cells"] for rs in cell["runs"].values() for r in rs)
    return EXIT_BROKEN if broken else EXIT_OK


async def _dispatch(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    name = args.bench_command
    target = _target(args)
    if name == "run":
        phase = Phase(
            "load",
            args.duration if args.duration is not None else 10.0,
            post_rate=args.post_rate,
            rec_rate=args.rec_rate,
            churn=args.churn,
            churn_pause=args.churn_pause,
            drop_all_at=args.drop_all_at,
        )
        plan = _plan(args, Plan(phases=[phase]))
        return await scenarios.run_generic(plan, target, args.compare_bare, progress)
    if name == "chart":
        return await _chart(args, target, progress)
    if name == "search":
        from . import searchbench

        assert target.spawn is not None, "tong bench search spawns its own Tong on PostgreSQL"
        return await searchbench.run(
            target.spawn,
            args.threads or 100_000,
            args.comments,
            args.requests,
            args.clients or 4,
            args.seed if args.seed is not None else 1,
            progress,
        )
    if name == "run-all":
        sizes = [int(s) for s in args.sizes.split(",")]
        only = set(args.only.split(",")) if args.only else None
        duration = args.duration if args.duration is not None else 10.0
        return await runall.run_all(target, sizes, args.repeat, duration, progress, only, args.output)
    plan = _plan(args, scenarios.default_plan(name, args.db))
    if name == "fanout":
        if args.rate is not None:
            plan.phases = [replace(p, post_rate=args.rate) for p in plan.phases]
        return await scenarios.fanout(plan, target, progress, redis_pair=args.redis_pair)
    if name == "memory":
        return await scenarios.memory(plan, target, progress)
    if name == "writes" and args.connections:
        from . import writeloop

        threads = args.threads or 8
        return await writeloop.closed_loop(
            replace(plan, threads=threads),
            target,
            progress,
            args.connections,
            args.duration or 10.0,
            args.profile,
        )
    if name == "writes":
        rate = args.rate or plan.phases[1].post_rate
        plan.phases = [replace(plan.phases[0], post_rate=rate / 2), replace(plan.phases[1], post_rate=rate)]
        return await scenarios.writes(plan, target, progress, rate)
    if name == "storm":
        plan.phases = [
            replace(p, post_rate=args.post_rate if args.post_rate is not None else p.post_rate)
            for p in plan.phases
        ]
        if args.rate is not None:
            plan.phases[1] = replace(plan.phases[1], rec_rate=args.rate)
        return await scenarios.storm(plan, target, progress)
    if name == "replicas":
        # Four processes unless told otherwise: the scenario is about several replicas.
        workers = args.workers if args.workers != 1 else REPLICAS
        assert target.spawn is not None
        target = replace(target, spawn=replace(target.spawn, workers=workers))
        if args.post_rate is not None:
            plan.phases = [replace(p, post_rate=args.post_rate) for p in plan.phases]
        return await scenarios.replicas(plan, target, progress, args.cluster_url)
    if name == "reconnect":
        phase = plan.phases[0]
        drop_at = (
            args.drop_at if args.drop_at is not None else min(phase.drop_all_at or 10.0, phase.duration / 3)
        )
        post_rate = args.post_rate if args.post_rate is not None else phase.post_rate
        plan.phases = [replace(phase, drop_all_at=drop_at, post_rate=post_rate)]
        return await scenarios.reconnect(plan, target, progress)
    raise ValueError(f"unknown bench command {name}")


async def _chart(args: argparse.Namespace, target: TargetOptions, progress: Progress) -> dict[str, Any]:
    sizes = [int(s) for s in args.sizes.split(",")]
    plan = _plan(args, chart.default_plan())
    points = await chart.collect(sizes, plan, target, progress)
    # Two lines: one does not fit the figure's width.
    title = (
        f"Fan-out of one comment: {target.label()}\n"
        "vs bare websockets + broadcast(); load tool on the same machine"
    )
    chart.draw(points, args.chart_output, title)
    progress.note(f"wrote {args.chart_output}")
    result = {"scenario": "chart", "points": points}
    if args.output:
        args.output.write_text(to_json(result))
    print(to_json(result) if args.json else "\n".join(json.dumps(p) for p in points))
    return result


def _floor(args: argparse.Namespace) -> int:
    from .floor import main

    argv = ["--host", args.host, "--port", str(args.port), "--ws-port", str(args.ws_port)]
    main(argv + (["--deflate"] if args.deflate else []))
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `bench` and its scenarios to the `tong` command line."""
    bench = subparsers.add_parser(
        "bench",
        help="load and latency measurements "
        "(tong bench fanout|memory|writes|storm|reconnect|workers|run|chart)",
        description="Load a Tong (or the bare websockets floor) with real WebSocket clients and measure it. "
        "Exit status: 0 all targets met, 1 something lost/doubled/not persisted or the run failed, "
        "2 a performance target missed.",
    )
    commands = bench.add_subparsers(dest="bench_command", required=True)

    run = commands.add_parser("run", help="a single run with every knob")
    _common(run)
    run.add_argument("--post-rate", type=float, default=1.0, help="comments per second")
    run.add_argument(
        "--rec-rate", type=float, default=0.0, help="recommendation toggles per second (hot thread)"
    )
    run.add_argument(
        "--churn", type=float, default=0.0, help="share of watchers that drop and resume with since"
    )
    run.add_argument("--churn-pause", type=float, default=1.0, help="seconds a churned watcher stays away")
    run.add_argument("--drop-all-at", type=float, help="cut every watcher at once this many seconds in")
    run.add_argument("--compare-bare", action="store_true", help="run the bare floor too and compare")
    run.set_defaults(func=_execute)

    for name, help_text in SCENARIOS.items():
        p = commands.add_parser(name, help=help_text, description=help_text)
        _common(p)
        if name in ("fanout", "writes"):
            p.add_argument("--rate", type=float, help="comments per second")
        if name == "writes":
            p.add_argument(
                "--connections",
                type=int,
                help="closed loop instead: N keep-alive connections posting as fast as answered "
                "(comments/s, server CPU per comment, POST p50/p99)",
            )
            p.add_argument(
                "--profile",
                type=Path,
                help="with --connections: a py-spy flame graph (SVG; a .txt path: collapsed stacks)",
            )
        if name == "fanout":
            p.add_argument(
                "--redis-pair",
                action=argparse.BooleanOptionalAction,
                default=True,
                help="also run Tong with two processes and Redis (spawned single-process Tong only)",
            )
        if name == "storm":
            p.add_argument("--rate", type=float, help="recommendation toggles per second (default 2000)")
        if name in ("storm", "reconnect", "replicas"):
            p.add_argument("--post-rate", type=float, help="comments per second")
        if name == "replicas":
            p.add_argument(
                "--cluster-url",
                required=True,
                help="redis+cluster://host:port[,…] of a Redis Cluster of the run's own "
                "(scripts/redis-cluster starts one); --redis-url names the single Redis",
            )
        if name == "reconnect":
            p.add_argument("--drop-at", type=float, help="seconds into the run when every watcher is cut")
        if name == "search":
            p.add_argument(
                "--comments", type=int, default=1_000_000, help="comments to seed (with --threads)"
            )
            p.add_argument("--requests", type=int, default=2_000, help="searches to time")
        p.set_defaults(func=_execute)

    c = commands.add_parser("chart", help="fan-out latency against watchers, Tong and bare, as a PNG")
    _common(c)
    c.add_argument("--chart-output", type=Path, default=Path("docs/fanout.png"), help="the PNG to write")
    c.add_argument(
        "--sizes", default=",".join(str(s) for s in chart.SIZES), help="comma-separated watcher counts"
    )
    c.set_defaults(func=_execute)

    a = commands.add_parser(
        "run-all",
        help="every fan-out scenario, Tong and the floor in the same run: JSON, README table, charts",
    )
    _common(a)
    a.add_argument(
        "--sizes", default=",".join(str(s) for s in runall.SIZES), help="comma-separated watcher counts"
    )
    a.add_argument("--repeat", type=int, default=3, help="runs per cell (medians with min–max)")
    a.add_argument("--only", help="comma-separated scenario names: fanout, deflate, reconnect")
    a.add_argument("--markdown", type=Path, help="write the table (Markdown) here")
    a.add_argument("--charts", type=Path, help="write one SVG chart per scenario into this directory")
    a.set_defaults(func=_execute)

    workers.register(commands)

    f = commands.add_parser("floor", help="run the bare websockets floor in the foreground")
    f.add_argument("--host", default="127.0.0.1")
    f.add_argument("--port", type=int, default=9000, help="HTTP port")
    f.add_argument("--ws-port", type=int, default=9001, help="WebSocket port")
    f.add_argument("--deflate", action="store_true")
    f.set_defaults(func=_floor)
