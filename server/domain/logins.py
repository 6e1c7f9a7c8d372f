"""Who may try a password, and how soon.

Per client address: a limit (429 with Retry-After). Per login: a budget that no number of
addresses and no amount of concurrency can widen (PROTOCOL v1.2, "guessing is bounded per account"):

- Each attempt from a browser Tong does not know takes one of `free_failures` attempts of the
  login's window *before* the password is checked, so 60 requests arriving at once cannot all be
  checked while a failure count is still catching up. A success gives the attempts back.
- Past them, at most one password check per `check_interval_s` for that login, from anywhere; every
  other attempt is refused at once with 429 and Retry-After (a sleep would not bound anything: 60
  sleeps run side by side and then 60 checks follow).
- A browser that has logged in to the login before holds a signed device cookie (OWASP's "device
  cookies"): it spends a budget of its own, so an attacker who exhausts the login's budget does not
  lock its owner out. A device that fails `free_failures` times within the window loses that
  privilege until the window ends.

Attempts are counted per login string, whether or not such an account exists, so an unknown login
and a wrong password meet the same limits. Counts live in the shared `Counter` (Redis when
configured), so every process sees them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from server.contract.errors import RateLimited
from server.domain.ratelimit import Counter, per_second
from server.runtime.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEVICE_COOKIE = "tong_device"
# A device cookie names a browser, not a session: it outlives logout (v1.2) and lasts a year.
DEVICE_COOKIE_DAYS = 365


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """`10.0.0.0/8`, `203.0.113.7` or `2001:db8::/32`; a ValueError names a bad entry."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip())


def _login_key(login: str) -> str:
    # A digest, so Redis holds no login names and a 10 kB "login" costs the same short key.
    return hashlib.sha256(login.strip().casefold().encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Attempt:
    """One admitted attempt: whose budget it spent (the device's nonce, or None for the login's)."""

    login: str
    device: str | None


class LoginGuard:
    def __init__(
        self,
        counter: Counter,
        *,
        per_minute: int,
        secret: bytes = b"",
        allow: tuple[Network, ...] = (),
        free_failures: int = 5,
        failure_window_s: int = 900,
        check_interval_s: int = 10,
    ) -> None:
        self.counter = counter
        self.per_minute = per_minute
        self.secret = secret
        self.allow = allow
        self.free_failures = free_failures
        self.check_interval_s = check_interval_s
        self._attempts = per_second(max(per_minute, 1), 60)
        self._free = per_second(max(free_failures, 1), failure_window_s)
        self._checks = per_second(1, max(check_interval_s, 1))

    @classmethod
    def from_settings(cls, settings: Settings, counter: Counter) -> LoginGuard:
        return cls(
            counter,
            per_minute=settings.login_limit_per_minute,
            secret=settings.resolved_secret().encode(),
            allow=parse_networks(settings.login_allowlist),
            free_failures=settings.login_free_failures,
            failure_window_s=settings.login_failure_window_s,
            check_interval_s=settings.login_check_interval_s,
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

    # --- device cookies ----------------------------------------------------------------------

    def _sign(self, payload: str) -> str:
        mac = hmac.new(self.secret, f"device:{payload}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:18]).decode()

    def device_cookie(self, login: str) -> str:
        """A new device cookie for a browser that just logged in to `login`."""
        payload = f"{_login_key(login)}.{secrets.token_urlsafe(12)}"
        return f"{payload}.{self._sign(payload)}"

    def device_for(self, cookie: str | None, login: str) -> str | None:
        """The device's nonce when `cookie` is a good device cookie for `login`, else None."""
        if not cookie or len(cookie) > 200 or not cookie.isascii():
            return None
        payload, _, signature = cookie.rpartition(".")
        key, _, nonce = payload.partition(".")
        if not nonce or key != _login_key(login):
            return None
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        return nonce

    # --- the per-login budget ----------------------------------------------------------------

    async def attempt(self, login: str, device_cookie: str | None = None) -> Attempt:
        """Spend one attempt for `login`, before its password is checked; 429 at once when its
        budget (the device's, else the login's) allows no check now."""
        device = self.device_for(device_cookie, login)
        if (
            device is not None
            and self.free_failures > 0
            and await self.counter.hit(self._free, "login-device", device)
        ):
            return Attempt(login, device)
        key = _login_key(login)
        if self.free_failures > 0 and await self.counter.hit(self._free, "login-free", key):
            return Attempt(login, None)
        if await self.counter.hit(self._checks, "login-check", key):
            return Attempt(login, None)
        retry = await self.counter.retry_after(self._checks, "login-check", key)
        raise RateLimited(
            f"too many failed logins for this account: one try per {self.check_interval_s} seconds", retry
        )

    async def succeeded(self, attempt: Attempt) -> None:
        """The password was right: the budget it came from is whole again."""
        if attempt.device is not None:
            await self.counter.clear(self._free, "login-device", attempt.device)
        else:
            await self.counter.clear(self._free, "login-free", _login_key(attempt.login))

    async def attempts(self, login: str) -> int:
        """Attempts spent from the login's shared budget within the window."""
        return await self.counter.count(self._free, "login-free", _login_key(login))
