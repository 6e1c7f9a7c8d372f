"""The README's chart: fan-out latency against watchers, Tong and the bare floor."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from .plan import Phase, Plan
from .report import Progress
from .scenarios import measure
from .targets import TargetOptions

SIZES = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000)


async def collect(
    sizes: list[int], plan: Plan, target: TargetOptions, progress: Progress
) -> list[dict[str, Any]]:
    """One Tong run and one bare run per size; each point keeps median time-to-last and p99."""
    points = []
    for size in sizes:
        sized = replace(plan, watchers=size, clients=max(plan.clients, min(4, 1 + size // 10_000)))
        for which in (target, target.with_target("bare")):
            run = await measure(sized, which, progress)
            phase = run["phases"][0]
            points.append(
                {
                    "target": which.target,
                    "watchers": size,
                    "connected": run["connect"]["connected"],
                    "time_to_last_watcher": phase["time_to_last_watcher"]["median"],
                    "p99": phase["fanout"]["p99"],
                    "p50": phase["fanout"]["p50"],
                    "ok": run["ok"],
                    "client_saturated": run["clients"]["saturated"],
                }
            )
    return points


def default_plan() -> Plan:
    return Plan(phases=[Phase("fanout", 10.0, post_rate=1.0)])


def draw(points: list[dict[str, Any]], output: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    styles = {
        ("tong", "time_to_last_watcher"): ("Tong: time to last watcher", "tab:blue", "-"),
        ("tong", "p99"): ("Tong: p99", "tab:blue", "--"),
        ("bare", "time_to_last_watcher"): ("bare websockets: time to last watcher", "tab:gray", "-"),
        ("bare", "p99"): ("bare websockets: p99", "tab:gray", "--"),
    }
    for (target, key), (label, color, line) in styles.items():
        series = [
            (p["watchers"], p[key] * 1000) for p in points if p["target"] == target and p[key] is not None
        ]
        if series:
            xs, ys = zip(*series, strict=True)
            ax.plot(xs, ys, line, marker="o", color=color, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    sizes = sorted({p["watchers"] for p in points})
    ax.set_xticks(sizes)
    ax.set_xticklabels([f"{s / 1000:g}k" for s in sizes])
    ax.xaxis.set_minor_formatter(NullFormatter())
    # Plain millisecond labels: matplotlib's log axis would otherwise print "6×10²".
    ax.set_yticks([t for t in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000) if t <= 2 * max_ms(points)])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("watchers of one thread")
    ax.set_ylabel("post-to-delivery latency (ms, log scale)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output)
    plt.close(fig)


def max_ms(points: list[dict[str, Any]]) -> float:
    values = [p[k] for p in points for k in ("time_to_last_watcher", "p99") if p.get(k) is not None]
    return max(values, default=1.0) * 1000
