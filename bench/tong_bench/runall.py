"""`tong bench run-all`: every fan-out scenario, Tong and the bare floor side by side in one run.

Each cell (a scenario at a number of watchers) runs Tong, then the floor, with the same plan and
the same load tool, `repeat` times (interleaved, so a noisy minute hurts both). The report keeps
every run's figures, their medians with min–max, and Tong's median over the floor's; it renders
as the README's table (Markdown) and one chart per scenario (Tong against the floor over the
watcher counts). A machine shared with other work gives noisy absolute figures: the ratios
against the floor from the same run, and the load average printed beside them, are what to read.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .plan import Phase, Plan
from .report import Progress
from .scenarios import measure
from .targets import TargetOptions

SIZES = (1_000, 5_000, 10_000, 20_000)


@dataclass(frozen=True)
class Cell:
    scenario: str
    watchers: int
    plan: Plan


def cells(sizes: list[int], duration: float) -> list[Cell]:
    """fanout-5/s at every size; fanout-1/s, deflate and reconnect at 10k (or the largest size
    asked for below it)."""

    def plan(watchers: int, phase: Phase, **changes: Any) -> Plan:
        # One watcher process per 10,000 sockets at least: the load tool must not be the bottleneck.
        return Plan(
            watchers=watchers, clients=max(2, min(4, 1 + watchers // 10_000)), phases=[phase], **changes
        )

    big = max((s for s in sizes if s <= 10_000), default=min(sizes))
    mid = max((s for s in sizes if s <= 5_000), default=min(sizes))
    out = [Cell("fanout 5/s", s, plan(s, Phase("fanout", duration, post_rate=5.0))) for s in sizes]
    out.append(Cell("fanout 1/s", big, plan(big, Phase("fanout", duration, post_rate=1.0))))
    out.append(Cell("deflate 5/s", mid, plan(mid, Phase("fanout", duration, post_rate=5.0), deflate=True)))
    reconnect = Phase("reconnect", max(duration, 15.0), post_rate=5.0, drop_all_at=max(duration, 15.0) / 3)
    out.append(Cell("reconnect 5/s", big, plan(big, reconnect)))
    return out


def figures(run: dict[str, Any]) -> dict[str, float | None]:
    """What the table and charts show of one run (seconds, bytes, ratios)."""
    phase = run["phases"][0]
    return {
        "p50": phase["fanout"]["p50"],
        "p99": phase["fanout"]["p99"],
        "last_watcher": phase["time_to_last_watcher"]["median"],
        "cpu_per_delivery": run["server"]["cpu_per_delivery"],
        "frames_per_comment": run["frames"]["per_comment_per_watcher"],
        "rss_per_idle_connection": run["memory"]["per_connection_bytes"],
        "connect_seconds": run["connect"]["seconds"],
        "resume_max": run["resume"]["max"],
        "ok": 1.0 if run["ok"] else 0.0,
    }


def summary(values: list[float | None]) -> dict[str, float | None]:
    present = [v for v in values if v is not None]
    if not present:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(present), "min": min(present), "max": max(present), "n": len(present)}


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "server"], capture_output=True, text=True, check=False
    )
    return {
        "cpus": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "system": platform.platform(),
        # Spawned servers run the working tree as it is when each starts: read at the end.
        "commit": commit + ("+dirty" if dirty.stdout.strip() else ""),
        "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


async def run_all(
    target: TargetOptions,
    sizes: list[int],
    repeat: int,
    duration: float,
    progress: Progress,
    only: set[str] | None = None,
) -> dict[str, Any]:
    results = []
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for cell in cells(sizes, duration):
        if only and not any(cell.scenario.startswith(name) for name in only):
            continue
        runs: dict[str, list[dict[str, Any]]] = {"tong": [], "bare": []}
        loads = []
        for n in range(repeat):
            for which in (target, target.with_target("bare")):
                progress.note(f"-- {cell.scenario} × {cell.watchers}: {which.target} run {n + 1}/{repeat}")
                spawn = replace(which.spawn, deflate=cell.plan.deflate) if which.spawn else None
                loads.append(load_average())
                run = await measure(cell.plan, replace(which, spawn=spawn), progress)
                runs[which.target].append({**figures(run), "warnings": run["warnings"]})
        keys = [k for k in runs["tong"][0] if k != "warnings"] if runs["tong"] else []
        medians = {t: {k: summary([r[k] for r in rs]) for k in keys} for t, rs in runs.items()}
        ratios = {k: _ratio(medians["tong"][k]["median"], medians["bare"][k]["median"]) for k in keys}
        results.append(
            {
                "scenario": cell.scenario,
                "watchers": cell.watchers,
                "runs": runs,
                "summary": medians,
                "ratio": ratios,
                "load_average": loads,
            }
        )
    where = {**machine(), "started": started}
    return {"scenario": "run-all", "machine": where, "repeat": repeat, "cells": results}


# --- rendering ------------------------------------------------------------------------------------

ROWS = (
    ("p99", "p99 delivery", "ms"),
    ("cpu_per_delivery", "server CPU per delivery", "µs"),
    ("frames_per_comment", "frames per comment per watcher", ""),
    ("rss_per_idle_connection", "RSS per idle connection", "KiB"),
    ("connect_seconds", "connect all", "s"),
    ("resume_max", "all resumed within", "s"),
)


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ms":
        return f"{value * 1000:.0f}"
    if unit == "µs":
        return f"{value * 1e6:.1f}"
    if unit == "KiB":
        return f"{value / 1024:.1f}"
    if unit == "s":
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(s: dict[str, float | None], unit: str) -> str:
    if s["median"] is None:
        return "-"
    text = _value(s["median"], unit)
    if s["n"] and s["n"] > 1:
        text += f" ({_value(s['min'], unit)}–{_value(s['max'], unit)})"
    return text


def markdown(report: dict[str, Any]) -> str:
    """The README's table: medians (min–max) of Tong and the floor, and their ratio."""
    m = report["machine"]
    lines = [
        f"`tong bench run-all`, {report['repeat']} run(s) per cell, commit `{m['commit']}`, "
        f"{m['started']} to {m.get('finished', '?')}, "
        f"{m['cpus']} CPUs ({m['system']}, Python {m['python']}); load tool on the same machine.",
        "",
        "| scenario | watchers | figure | Tong | bare floor | Tong / floor | load average |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for cell in report["cells"]:
        loads = [la[0] for la in cell["load_average"] if la]
        load = f"{min(loads):.1f}–{max(loads):.1f}" if loads else "-"
        for key, label, unit in ROWS:
            tong, bare = cell["summary"]["tong"].get(key), cell["summary"]["bare"].get(key)
            if tong is None or (tong["median"] is None and (bare is None or bare["median"] is None)):
                continue
            if key == "resume_max" and not cell["scenario"].startswith("reconnect"):
                continue
            ratio = cell["ratio"].get(key)
            lines.append(
                f"| {cell['scenario']} | {cell['watchers']:,} | {label}"
                + (f" ({unit})" if unit else "")
                + f" | {_cell(tong, unit)} | {_cell(bare, unit) if bare else '-'} | "
                + (f"{ratio:.2f}" if ratio is not None else "-")
                + f" | {load} |"
            )
    return "\n".join(lines) + "\n"


CHART_FIGURES = (
    ("p99", "p99 delivery (ms)", 1000),
    ("cpu_per_delivery", "server CPU per delivery (µs)", 1e6),
)
CHART_TARGETS = (("tong", "tab:blue", "Tong"), ("bare", "tab:gray", "bare websockets"))


def charts(report: dict[str, Any], directory: Path) -> list[Path]:
    """One SVG per scenario measured at several sizes: p99 and CPU per delivery against watchers,
    Tong and the floor, medians with min–max bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    scenarios = sorted({c["scenario"] for c in report["cells"]})
    for scenario in scenarios:
        series = sorted(
            (c for c in report["cells"] if c["scenario"] == scenario), key=lambda c: c["watchers"]
        )
        fig, axes = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
        for ax, (key, label, scale) in zip(axes, CHART_FIGURES, strict=True):
            for target, color, name in CHART_TARGETS:
                points = [(c["watchers"], c["summary"][target][key]) for c in series]
                points = [(w, s) for w, s in points if s["median"] is not None]
                if not points:
                    continue
                xs = [w for w, _ in points]
                ys = [s["median"] * scale for _, s in points]
                low = [(s["median"] - s["min"]) * scale for _, s in points]
                high = [(s["max"] - s["median"]) * scale for _, s in points]
                ax.errorbar(xs, ys, yerr=[low, high], marker="o", color=color, label=name, capsize=3)
            ax.set_xlabel("watchers of one thread")
            ax.set_ylabel(label)
            ax.set_ylim(bottom=0)
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=8)
        fig.suptitle(f"{scenario}: Tong against the bare floor, same run (median, min–max)", fontsize=10)
        fig.tight_layout()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"bench-{scenario.replace(' ', '-').replace('/', 'per')}.svg"
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written
