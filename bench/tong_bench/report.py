"""How a run is shown: a live line on stderr while it runs, then a table for people or JSON."""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO

# Without a terminal (CI logs, pipes) an updating line would pile up; print one every so often.
PLAIN_INTERVAL = 5.0


class Progress:
    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = self.stream.isatty()
        self._last_plain = 0.0
        self._shown = False

    def update(self, text: str) -> None:
        if not self.enabled:
            return
        if self.tty:
            self.stream.write("\r\x1b[K" + text[:200])
            self._shown = True
        elif time.monotonic() - self._last_plain >= PLAIN_INTERVAL:
            self.stream.write(text + "\n")
            self._last_plain = time.monotonic()
        self.stream.flush()

    def done(self) -> None:
        if self.enabled and self.tty and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    def note(self, text: str) -> None:
        if self.enabled:
            self.done()
            self.stream.write(text + "\n")
            self.stream.flush()


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def mib(n: float | None) -> str:
    return "-" if n is None else f"{n / 1048576:.1f} MiB"


def kib(n: float | None) -> str:
    return "-" if n is None else f"{n / 1024:.1f} KiB"


def _latency(s: dict[str, Any]) -> str:
    if not s or not s.get("count"):
        return "no samples"
    return f"p50 {ms(s['p50'])}  p90 {ms(s['p90'])}  p99 {ms(s['p99'])}  max {ms(s['max'])}  (n={s['count']})"


def run_table(r: dict[str, Any]) -> str:
    """The summary of one run, for people."""
    plan = r["plan"]
    lines = [
        f"== {r['description']} ({r['http_url']})",
        f"watchers {plan['watchers']} on {plan['threads']} thread(s), hot share {plan['hot_share']:.0%}, "
        f"deflate {'on' if plan['deflate'] else 'off'}, {plan['clients']} client process(es)",
    ]
    c = r["connect"]
    lines.append(
        f"  connect      {c['connected']}/{c['watchers']} in {c['seconds']:.1f} s, handshake "
        f"{_latency(c['handshake'])}, failures {c['failures']}"
        + (f", deflate negotiated {c['deflate_negotiated']}" if plan["deflate"] else "")
    )
    m = r["memory"]
    lines.append(
        f"  memory       server RSS {mib(m['rss_before'])} -> {mib(m['rss_after'])} with {m['connections']} "
        f"idle connections: {kib(m['per_connection_bytes'])} per connection"
    )
    for p in r["phases"]:
        o = p["offered"]
        lines.append(f"  phase {p['name']} ({p['seconds']:.1f} s)")
        if o["post_rate"]:
            t = p["time_to_last_watcher"]
            lines.append(f"    fan-out    {_latency(p['fanout'])}")
            lines.append(
                f"    last watcher  median {ms(t['median'])}  p90 {ms(t['p90'])}  max {ms(t['max'])}"
                f"  ({t['complete']}/{t['comments']} comments reached every watcher live)"
            )
            ps = p["posts"]
            lines.append(
                f"    posts      {ps['ok']} ok at {ps['rate']:.1f}/s (offered {o['post_rate']:g}/s), "
                f"{_latency(ps['latency'])}, skipped {ps['skipped']}, statuses {ps['statuses']}"
            )
        if o["rec_rate"]:
            rs = p["recommendations"]
            lines.append(
                f"    recommend  {rs['ok']} ok at {rs['rate']:.1f}/s (offered {o['rec_rate']:g}/s), "
                f"{_latency(rs['latency'])}, skipped {rs['skipped']}, statuses {rs['statuses']}"
            )
    d = r["delivery"]
    lines.append(
        f"  delivery     expected {d['expected']}  delivered {d['delivered']}  lost {d['lost']}  "
        f"duplicated {d['duplicated']}  out-of-order {d['out_of_order']}  resynced {d['resynced']}  "
        f"replayed {d['replayed']}"
        + (f"  never subscribed {d['never_subscribed']}" if d["never_subscribed"] else "")
        + (f"  server closes {d['server_closes']}" if d["server_closes"] else "")
        + (f"  error frames {d['errors']}" if d["errors"] else "")
    )
    if r["resume"]["count"] or r["resume"]["still_dropped"]:
        lines.append(f"  resume       {_latency(r['resume'])}, still dropped {r['resume']['still_dropped']}")
    k = r["counts"]
    if k["frames"]:
        lines.append(
            f"  counts       busiest second {k['max_per_second']} frames/channel, storm mean "
            f"{k['mean_per_second_storm'] or 0:.2f}/s; last exact: {'yes' if k['last_exact'] else 'NO'} "
            f"({k['watchers_with_exact_last']}/{k['watchers']} watchers saw {k['final_recommendations']})"
        )
    f = r.get("frames")
    if f and f.get("per_comment_per_watcher") is not None:
        kinds = ", ".join(f"{k} {v:.2f}" for k, v in sorted(f["per_comment_per_watcher_by_type"].items()))
        lines.append(
            f"  received     {f['per_comment_per_watcher']:.2f} frames per comment per watcher ({kinds}); "
            f"{f['total']} frames, {mib(f['bytes'])} since the load started"
        )
    lines.append(f"  persisted    {'all' if r['all_persisted'] else 'NOT ALL'}: {r['persisted']}")
    s = r["server"]
    lines.append(
        f"  server       CPU {s['cpu_percent']:.0f}%  peak RSS {mib(s['peak_rss'])} "
        f"({kib(s['peak_rss_per_connection'])} per connection)"
        + (f", {s['cpu_per_delivery'] * 1e6:.0f} µs CPU per delivery" if s["cpu_per_delivery"] else "")
    )
    for p in s["processes"]:
        lines.append(
            f"    {p['role']:<16} pid {p['pid']:<8} CPU {p['cpu_percent']:5.1f}%"
            f"  peak RSS {mib(p['peak_rss'])}"
        )
    lines.append(
        "  load tool    "
        + ", ".join(f"{p['role']} {p['cpu_percent']:.0f}%" for p in r["clients"]["processes"])
    )
    rd = r.get("redis")
    if rd:
        per = rd["publishes_per_comment"]
        lines.append(
            f"  redis        {rd['masters']} masters: {rd['publishes']} publishes, {rd['commands']} commands"
            + (f"; per comment {per:.1f} publishes, {rd['commands_per_comment']:.1f} commands" if per else "")
        )
    for w in r["warnings"]:
        lines.append(f"  WARNING      {w}")
    lines.append(f"  result       {'OK' if r['ok'] else 'FAILED'}: nothing lost, doubled or out of order")
    return "\n".join(lines)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False, default=str)
