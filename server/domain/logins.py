"""Who may try a password, and how soon: per client address a limit (429 with Retry-After), per
login a delay that grows with recent failures.

The delay never turns into a lock-out: however many wrong passwords someone sends for `admin`,
the right one still logs in, after at most `delay_max_s`. Failures are counted per login string,
whether or not such an account exists, so an unknown login and a wrong password get the same
answer after the same time. Counts live in the shared `Counter` (Redis when configured), so every
process sees them.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable

from server.contract.errors import RateLimited
from server.domain.ratelimit import Counter, per_second
from server.runtime.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """`10.0.0.0/8`, `203.0.113.7` or `2001:db8::/32`; a ValueError names a bad entry."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip())


def _login_key(login: str) -> str:
    # A digest, so Redis holds no login names and a 10 kB "login" costs the same short key.
    return hashlib.sha256(login.strip().casefold().encode()).hexdigest()[:32]


class LoginGuard:
    def __init__(
        self,
        counter: Counter,
        *,
        per_minute: int,
        allow: tuple[Network, ...] = (),
        free_failures: int = 5,
        failure_window_s: int = 900,
        delay_base_s: float = 1.0,
        delay_max_s: float = 10.0,
    ) -> None:
        self.counter = counter
        self.per_minute = per_minute
        self.allow = allow
        self.free_failures = free_failures
        self.delay_base_s = delay_base_s
        self.delay_max_s = delay_max_s
        self._attempts = per_second(max(per_minute, 1), 60)
        # Failures are counted up to a huge limit: the count sets the delay, it never refuses.
        self._failures = per_second(1_000_000, failure_window_s)

    @classmethod
    def from_settings(cls, settings: Settings, counter: Counter) -> LoginGuard:
        return cls(
            counter,
            per_minute=settings.login_limit_per_minute,
            allow=parse_networks(settings.login_allowlist),
            free_failures=settings.login_free_failures,
            failure_window_s=settings.login_failure_window_s,
            delay_base_s=settings.login_delay_base_s,
            delay_max_s=settings.login_delay_max_s,
        )

    def allowed(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.allow)

    async def admit(self, address: str | None) -> None:
        """Count one login attempt from `address`; 429 past the limit (unless allow-listed)."""
        if self.per_minute <= 0 or not address or self.allowed(address):
            return
        if not await self.counter.hit(self._attempts, "login-address", address):
            retry = await self.counter.retry_after(self._attempts, "login-address", address)
            raise RateLimited(
                f"too many login attempts from this address: at most {self.per_minute} a minute", retry
            )

    def delay_after(self, failures: int) -> float:
        """Seconds to wait before checking a password after `failures` recent failures: none for
        the first few (typos), then doubling up to the cap."""
        extra = failures - self.free_failures
        if extra < 0:
            return 0.0
        return min(self.delay_max_s, self.delay_base_s * 2.0**extra)

    async def failures(self, login: str) -> int:
        """Failed logins for `login` within the window (whether or not such an account exists)."""
        return await self.counter.count(self._failures, "login-failed", _login_key(login))

    async def failed(self, login: str) -> None:
        await self.counter.hit(self._failures, "login-failed", _login_key(login))

    async def succeeded(self, login: str) -> None:
        await self.counter.clear(self._failures, "login-failed", _login_key(login))
