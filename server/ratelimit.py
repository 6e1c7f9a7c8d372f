"""Per-account write limits, counted in this process (a fixed one-minute window).

With several processes an account can reach the limit once per process; the limit exists to
stop a runaway script or a flood, and a load balancer spreads one client over few processes.
"""

from __future__ import annotations

import time

from server.errors import RateLimited
from server.models import Account

WINDOW_S = 60.0
# Forget idle accounts when the table grows past this, so memory stays bounded.
MAX_TRACKED = 100_000


class RateLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._windows: dict[int, tuple[float, int]] = {}

    def check(self, account: Account) -> None:
        if self.per_minute <= 0 or account.id is None or account.kind == "staff":
            return
        now = time.monotonic()
        start, count = self._windows.get(account.id, (now, 0))
        if now - start >= WINDOW_S:
            start, count = now, 0
        if count >= self.per_minute:
            retry = int(WINDOW_S - (now - start)) + 1
            raise RateLimited(f"too many writes: at most {self.per_minute} a minute", retry)
        if len(self._windows) > MAX_TRACKED:
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < WINDOW_S}
        self._windows[account.id] = (start, count + 1)
