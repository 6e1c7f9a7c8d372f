"""Sockets follow sessions: which sessions held by open sockets are still good, and how their end
(logout, expiry, a disabled account) reaches every process.

A socket learns its account once, at the handshake; what it may read afterwards (the `staff`
channel) must end when the session does. The end travels two ways: at once, as a `revoked`
message through the broker to every process; and as a backstop, each hub re-checks the sessions
its staff sockets hold against SQL every few seconds (a lost message, an expiry, a purge).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from server.runtime.periodic import Periodic
from server.store.database import Database
from server.store.models import Account, AccountSession, utcnow


class SessionCache:
    """This process's memory of good sessions: the account behind a session hash, so a request
    does not read SQL to learn who sent it.

    An entry ends three ways: at once when the session's end reaches the process (`forget`, from
    the hub's `revoked` broker messages and from this process's own logout, password change and
    disable); at the session's expiry; and, as the backstop for an end that never arrives (a lost
    broker message, `tong accounts disable` run beside a single process whose broker is in memory,
    an account changed by hand in SQL), `ttl_s` after it was read from SQL. A read that started
    before an end arrived is not remembered (the generation check), so it cannot bring back a
    session that ended while it ran.
    """

    def __init__(self, ttl_s: float, size: int = 100_000) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self.generation = 0
        self._entries: dict[str, tuple[Account, float, float]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, hashed: str) -> Account | None:
        """The cached account of a still-good session, or None (unknown, stale or expired)."""
        entry = self._entries.get(hashed)
        if entry is None:
            self.misses += 1
            return None
        account, expires, cached = entry
        if time.monotonic() - cached > self.ttl_s or time.time() >= expires:
            del self._entries[hashed]
            self.misses += 1
            return None
        self.hits += 1
        return account

    def put(self, hashed: str, account: Account, expires: float, generation: int) -> None:
        """Remember a session read from SQL, unless an end arrived since the read began."""
        if self.ttl_s <= 0 or generation != self.generation:
            return
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[hashed] = (account, expires, time.monotonic())

    def forget(self, account_id: int, session: str | None = None) -> None:
        """A session (None: every session) of the account ended."""
        self.generation += 1
        for hashed in [h for h, (a, _, _) in self._entries.items() if a.id == account_id]:
            if session is None or hashed == session:
                del self._entries[hashed]


class Sessions:
    def __init__(self, db: Database, cache: SessionCache | None = None) -> None:
        self.db = db
        self.cache = cache or SessionCache(0)

    def forget(self, account_id: int, session: str | None) -> None:
        """A session (None: every session) of the account ended: this process forgets it."""
        self.cache.forget(account_id, session)

    async def live(self, hashes: list[str]) -> dict[str, float]:
        """Of the given session hashes, those still good (unexpired, account enabled), with the
        unix time each expires."""
        if not hashes:
            return {}
        now = datetime.now(UTC)
        async with self.db.read() as s:
            rows = (
                await s.execute(
                    select(AccountSession.token_hash, AccountSession.expires_at)
                    .join(Account, AccountSession.account_id == Account.id)
                    .where(AccountSession.token_hash.in_(hashes))
                    .where(Account.disabled == False)  # noqa: E712
                )
            ).all()
        good = {}
        for hashed, expires_at in rows:
            expires = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
            if expires > now:
                good[hashed] = expires.timestamp()
        return good

    async def disable(self, login: str) -> int | None:
        """Disable an account and end its sessions in SQL and in this process's cache; returns its
        id (None: no such login). `Discussion.disable_account` also tells every process."""
        async with self.db.transaction() as s:
            account_id = (await s.execute(select(Account.id).where(Account.login == login))).scalar()
            if account_id is None:
                return None
            await s.execute(update(Account).where(Account.id == account_id).values(disabled=True))
            await s.execute(delete(AccountSession).where(AccountSession.account_id == account_id))
        self.forget(int(account_id), None)
        return int(account_id)


class SessionPurge:
    """Expired sessions are deleted by a background loop the app's lifespan owns. The event log's
    `session.started` rows stay: the log is append-only; only the session table is purged."""

    def __init__(self, db: Database, interval_s: float) -> None:
        self.db = db
        self.loop = Periodic("session-purge", self.purge, interval_s)

    async def purge(self) -> None:
        """Delete every session past its expiry."""
        async with self.db.transaction() as s:
            await s.execute(delete(AccountSession).where(AccountSession.expires_at < utcnow()))  # type: ignore[arg-type]
