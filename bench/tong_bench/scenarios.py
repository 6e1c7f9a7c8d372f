"""The five named scenarios, each a few runs plus the verdicts against the project's targets.

Defaults describe the issue's targets on a 2-core machine with the load tool on it: a verdict
that fails says which figure missed and by how much; the runs' figures are all in the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .plan import Phase, Plan
from .report import Progress
from .runner import Run
from .spawn import SpawnOptions
from .targets import TargetOptions, open_target

# Targets from the issue.
FANOUT_RATIO = 1.25
MEMORY_PLAIN = 16 * 1024
MEMORY_DEFLATE = 40 * 1024
WRITES_SQLITE = 300.0
WRITES_POSTGRES = 1000.0
POST_P99 = 0.050
COUNTS_PER_SECOND = 4
STORM_SLOWDOWN = 1.20
RESUME_WITHIN = 10.0


@dataclass
class Verdict:
    name: str
    ok: bool
    measured: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "measured": self.measured}


async def measure(plan: Plan, target: TargetOptions, progress: Progress) -> dict[str, Any]:
    progress.note(f"-- {target.label()}: {plan.watchers} watchers, {len(plan.phases)} phase(s)")
    async with open_target(target, plan) as endpoint:
        return await Run(plan, endpoint, progress).execute()


def _last_watcher(run: dict[str, Any], phase: int = 0) -> float | None:
    value = run["phases"][phase]["time_to_last_watcher"]["median"]
    return float(value) if value is not None else None


def _p99(run: dict[str, Any], phase: int = 0) -> float | None:
    value = run["phases"][phase]["fanout"]["p99"]
    return float(value) if value is not None else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _delivery_verdict(run: dict[str, Any]) -> Verdict:
    d = run["delivery"]
    return Verdict(
        f"{run['target']}: nothing lost, doubled or out of order",
        run["ok"],
        f"lost {d['lost']}, duplicated {d['duplicated']}, out of order {d['out_of_order']}, "
        f"never subscribed {d['never_subscribed']}, persisted {'all' if run['all_persisted'] else 'NOT all'}",
    )


def _fmt(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


async def run_generic(
    plan: Plan, target: TargetOptions, compare_bare: bool, progress: Progress
) -> dict[str, Any]:
    runs = [await measure(plan, target, progress)]
    verdicts = [_delivery_verdict(runs[0])]
    if compare_bare and target.target != "bare":
        runs.append(await measure(plan, target.with_target("bare"), progress))
        verdicts.append(_delivery_verdict(runs[1]))
        verdicts += _compare(runs[0], runs[1])
    return {"scenario": "run", "runs": runs, "verdicts": [v.as_dict() for v in verdicts]}


def _compare(tong: dict[str, Any], bare: dict[str, Any]) -> list[Verdict]:
    ratio = _ratio(_last_watcher(tong), _last_watcher(bare))
    p99_ratio = _ratio(_p99(tong), _p99(bare))
    return [
        Verdict(
            f"time to last watcher within {FANOUT_RATIO}x of the bare floor",
            ratio is not None and ratio <= FANOUT_RATIO,
            f"tong {_fmt(_last_watcher(tong))}, bare {_fmt(_last_watcher(bare))}, ratio "
            + (f"{ratio:.2f}" if ratio else "-")
            + (f" (p99 ratio {p99_ratio:.2f})" if p99_ratio else ""),
        )
    ]


async def fanout(plan: Plan, target: TargetOptions, progress: Progress, redis_pair: bool) -> dict[str, Any]:
    """N watchers on one thread, one comment a second: Tong against the bare floor, same clients."""
    runs = [await measure(plan, target, progress), await measure(plan, target.with_target("bare"), progress)]
    verdicts = [_delivery_verdict(r) for r in runs] + _compare(runs[0], runs[1])
    spawn = target.spawn
    if redis_pair and not target.url and spawn is not None and spawn.workers == 1:
        pair = replace(target, spawn=replace(spawn, workers=2, broker="redis"))
        runs.append(await measure(plan, pair, progress))
        verdicts.append(_delivery_verdict(runs[2]))
        one, two = _last_watcher(runs[0]), _last_watcher(runs[2])
        # A server that ignored --workers would make this comparison one process against itself.
        processes = len(runs[2]["server"]["processes"])
        verdicts.append(
            Verdict(
                "two processes with Redis faster than one",
                one is not None and two is not None and two < one and processes >= 2,
                f"one process {_fmt(one)}, two with Redis {_fmt(two)}; server processes seen: {processes}",
            )
        )
    return {"scenario": "fanout", "runs": runs, "verdicts": [v.as_dict() for v in verdicts]}


async def memory(plan: Plan, target: TargetOptions, progress: Progress) -> dict[str, Any]:
    """Server RSS per idle connection, without and with permessage-deflate."""
    idle = replace(plan, phases=[Phase("idle", 0.0)])
    runs = []
    verdicts = []
    for deflate, limit in ((False, MEMORY_PLAIN), (True, MEMORY_DEFLATE)):
        run = await measure(replace(idle, deflate=deflate), target, progress)
        runs.append(run)
        per = run["memory"]["per_connection_bytes"]
        negotiated = run["connect"]["deflate_negotiated"]
        held = run["connect"]["connected"]
        label = "with permessage-deflate" if deflate else "without compression"
        verdicts.append(
            Verdict(
                f"RSS per idle connection {label} ≤ {limit // 1024} KiB",
                per is not None and per <= limit and (not deflate or negotiated == held),
                (f"{per / 1024:.1f} KiB" if per is not None else "-")
                + f" over {held} connections"
                + (f", deflate negotiated on {negotiated}" if deflate else ""),
            )
        )
        verdicts.append(
            Verdict(
                f"{plan.watchers} idle watchers held ({label})",
                held >= plan.watchers,
                f"{held} connected",
            )
        )
    return {"scenario": "memory", "runs": runs, "verdicts": [v.as_dict() for v in verdicts]}


async def writes(plan: Plan, target: TargetOptions, progress: Progress, rate: float) -> dict[str, Any]:
    """Sustained comments/s, every one persisted and delivered; POST p99 at half the rate."""
    run = await measure(plan, target, progress)
    half, full = run["phases"][0], run["phases"][1]
    p99 = half["posts"]["latency"]["p99"]
    verdicts = [
        _delivery_verdict(run),
        Verdict(
            f"{rate:g} comments/s sustained",
            full["posts"]["rate"] >= 0.98 * rate and full["posts"]["skipped"] == 0,
            f"{full['posts']['rate']:.0f}/s accepted, skipped {full['posts']['skipped']}, "
            f"statuses {full['posts']['statuses']}, POST p99 {_fmt(full['posts']['latency']['p99'])}",
        ),
        Verdict(
            f"POST p99 under {POST_P99 * 1000:.0f} ms at {rate / 2:g}/s",
            p99 is not None and p99 < POST_P99,
            f"p99 {_fmt(p99)} at {half['posts']['rate']:.0f}/s",
        ),
    ]
    return {"scenario": "writes", "runs": [run], "verdicts": [v.as_dict() for v in verdicts]}


async def storm(plan: Plan, target: TargetOptions, progress: Progress) -> dict[str, Any]:
    """Recommendations at Q/s on the watched thread: coalesced counts, exact last, comments unharmed."""
    run = await measure(plan, target, progress)
    calm, stormy = run["phases"][0], run["phases"][1]
    counts = run["counts"]
    before, during = calm["time_to_last_watcher"]["median"], stormy["time_to_last_watcher"]["median"]
    slowdown = _ratio(during, before)
    verdicts = [
        _delivery_verdict(run),
        Verdict(
            f"at most {COUNTS_PER_SECOND} counts frames per second per channel",
            0 < counts["max_per_second"] <= COUNTS_PER_SECOND,
            f"busiest second {counts['max_per_second']}, mean {counts['mean_per_second_storm'] or 0:.2f}/s",
        ),
        Verdict(
            "the last counts frame is exact",
            counts["last_exact"],
            f"{counts['watchers_with_exact_last']}/{counts['watchers']} watchers saw "
            f"{counts['final_recommendations']} (REST), "
            f"recommender expects {counts['expected_recommendations']}",
        ),
        Verdict(
            f"recommendations sustained at {plan.phases[1].rec_rate:g}/s",
            stormy["recommendations"]["rate"] >= 0.98 * plan.phases[1].rec_rate,
            f"{stormy['recommendations']['rate']:.0f}/s, statuses {stormy['recommendations']['statuses']}",
        ),
        Verdict(
            f"comment fan-out during the storm within {STORM_SLOWDOWN - 1:.0%} of without",
            slowdown is not None and slowdown <= STORM_SLOWDOWN,
            f"time to last watcher {_fmt(before)} calm, {_fmt(during)} storm"
            + (f" ({slowdown:.2f}x)" if slowdown else "")
            + f"; p99 {_fmt(calm['fanout']['p99'])} vs {_fmt(stormy['fanout']['p99'])}",
        ),
    ]
    return {"scenario": "storm", "runs": [run], "verdicts": [v.as_dict() for v in verdicts]}


async def reconnect(plan: Plan, target: TargetOptions, progress: Progress) -> dict[str, Any]:
    """Every watcher cut at once resumes with `since` within 10 s, nothing lost or doubled."""
    run = await measure(plan, target, progress)
    resume = run["resume"]
    verdicts = [
        _delivery_verdict(run),
        Verdict(
            f"all {plan.watchers} watchers resumed within {RESUME_WITHIN:.0f} s",
            resume["count"] >= plan.watchers
            and resume["still_dropped"] == 0
            and resume["max"] is not None
            and resume["max"] <= RESUME_WITHIN,
            f"{resume['count']} resumed, p50 {_fmt(resume['p50'])}, p99 {_fmt(resume['p99'])}, "
            f"max {_fmt(resume['max'])}, still dropped {resume['still_dropped']}",
        ),
    ]
    return {"scenario": "reconnect", "runs": [run], "verdicts": [v.as_dict() for v in verdicts]}


async def replicas(plan: Plan, target: TargetOptions, progress: Progress, cluster_url: str) -> dict[str, Any]:
    """N processes with their watchers on a Redis Cluster (sharded pub/sub), then the same on one
    Redis: what the cluster path costs in latency, CPU and Redis traffic (on 2 cores, no speed-up)."""
    spawn = target.spawn or SpawnOptions()
    on_cluster = replace(target, spawn=replace(spawn, broker="cluster", redis_url=cluster_url))
    on_single = replace(target, spawn=replace(spawn, broker="redis"))
    runs = [await measure(plan, on_cluster, progress), await measure(plan, on_single, progress)]
    verdicts = [_delivery_verdict(r) for r in runs]

    def figures(run: dict[str, Any]) -> str:
        cpu = run["server"]["cpu_per_delivery"]
        redis = run.get("redis") or {}
        per = redis.get("publishes_per_comment")
        return (
            f"p50 {_fmt(run['phases'][0]['fanout']['p50'])} p99 {_fmt(_p99(run))}, "
            + (f"{cpu * 1e6:.0f} µs CPU/delivery, " if cpu else "")
            + (f"{per:.1f} Redis publishes/comment" if per is not None else "")
        )

    verdicts.append(
        Verdict(
            "delivery latency, CPU per delivery and Redis traffic: cluster against one Redis",
            all(r["ok"] for r in runs),
            f"cluster: {figures(runs[0])}; single Redis: {figures(runs[1])}",
        )
    )
    return {"scenario": "replicas", "runs": runs, "verdicts": [v.as_dict() for v in verdicts]}


def default_plan(name: str, db: str) -> Plan:
    """The scenario's defaults; command-line flags override them field by field."""
    if name == "fanout":
        return Plan(watchers=10_000, phases=[Phase("fanout", 20.0, post_rate=1.0)])
    if name == "memory":
        return Plan(watchers=50_000, clients=4, settle=5.0)
    if name == "writes":
        rate = WRITES_POSTGRES if db == "postgres" else WRITES_SQLITE
        return Plan(
            watchers=50,
            accounts=50,
            phases=[Phase("half rate", 15.0, post_rate=rate / 2), Phase("full rate", 20.0, post_rate=rate)],
        )
    if name == "storm":
        return Plan(
            watchers=5_000,
            accounts=200,
            phases=[Phase("calm", 15.0, post_rate=2.0), Phase("storm", 15.0, post_rate=2.0, rec_rate=2000.0)],
        )
    if name == "reconnect":
        return Plan(watchers=10_000, phases=[Phase("reconnect", 30.0, post_rate=5.0, drop_all_at=10.0)])
    if name == "replicas":
        # 20 threads, half the watchers and comments on the hot one; 4 watcher processes since
        # one Python process holds about 10,000 sockets before it becomes the bottleneck.
        return Plan(
            watchers=40_000, threads=20, hot_share=0.5, clients=4, phases=[Phase("load", 20.0, post_rate=2.0)]
        )
    return Plan()


Scenario = Callable[..., Any]
