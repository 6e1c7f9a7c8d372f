"""What one run does: the watchers it holds and the phases of load it applies to them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Phase:
    name: str
    duration: float
    post_rate: float = 0.0
    rec_rate: float = 0.0
    # Share of the watchers dropped at random moments of the phase, each resuming with `since`
    # after `churn_pause` seconds.
    churn: float = 0.0
    churn_pause: float = 1.0
    # Seconds into the phase at which every watcher is cut at once (the reconnect storm).
    drop_all_at: float | None = None


@dataclass
class Plan:
    watchers: int = 1000
    threads: int = 1
    # Share of the watchers (and of the comments) on the first, hot, thread; the rest is spread
    # evenly over the others.
    hot_share: float = 1.0
    phases: list[Phase] = field(default_factory=lambda: [Phase("load", 10.0, post_rate=1.0)])
    deflate: bool = False
    # Watcher processes; each holds watchers / clients connections.
    clients: int = 2
    # Handshakes in flight per watcher process.
    connect_concurrency: int = 200
    connect_timeout: float = 300.0
    # Idle seconds after the last connection before the memory reading: lets allocations settle.
    settle: float = 3.0
    # After the load, how long the watchers may take to catch up with the final seqs.
    drain: float = 20.0
    body_size: int = 200
    accounts: int = 20
    account_prefix: str = "bench"
    password: str = "bench-password"
    max_in_flight: int = 256
    seed: int = 1
