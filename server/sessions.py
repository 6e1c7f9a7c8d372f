"""Expired sessions are deleted by a background loop the app's lifespan owns. The event log's
`session.started` rows stay: the log is append-only; only the session table is purged."""

from __future__ import annotations

from sqlalchemy import delete

from server.database import Database
from server.models import AccountSession, utcnow
from server.periodic import Periodic


class SessionPurge:
    def __init__(self, db: Database, interval_s: float) -> None:
        self.db = db
        self.loop = Periodic("session-purge", self.purge, interval_s)

    async def purge(self) -> None:
        """Delete every session past its expiry."""
        async with self.db.transaction() as s:
            await s.execute(delete(AccountSession).where(AccountSession.expires_at < utcnow()))  # type: ignore[arg-type]
