"""Sockets follow sessions: which sessions held by open sockets are still good, and how their end
(logout, expiry, a disabled account) reaches every process.

A socket learns its account once, at the handshake; what it may read afterwards (the `staff`
channel) must end when the session does. The end travels two ways: at once, as a `revoked`
message through the broker to every process; and as a backstop, each hub re-checks the sessions
its staff sockets hold against SQL every few seconds (a lost message, an expiry, a purge).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from server import channels as ch
from server.accounts import token_hash
from server.database import Database
from server.models import Account, AccountSession, utcnow
from server.periodic import Periodic

Message = tuple[str, bytes]


def revoked_message(account_id: int, token: str | None = None) -> Message:
    """Tell every process that a session (or, without `token`, every session) of the account ended."""
    return ch.SESSIONS, ch.encode_revoked(account_id, token_hash(token) if token else None)


class Sessions:
    def __init__(self, db: Database) -> None:
        self.db = db

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
        """Disable an account and end its sessions; returns its id (None: no such login)."""
        async with self.db.transaction() as s:
            account_id = (await s.execute(select(Account.id).where(Account.login == login))).scalar()
            if account_id is None:
                return None
            await s.execute(update(Account).where(Account.id == account_id).values(disabled=True))
            await s.execute(delete(AccountSession).where(AccountSession.account_id == account_id))
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
