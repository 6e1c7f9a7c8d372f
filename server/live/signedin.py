"""The sockets of this process opened with a session, and when each session ends.

A session ends by logout, password change, account disabling (a `revoked` message through the
broker, sessions.py), or by expiring. As a backstop for a lost message, an expiry or a purge, the
sessions held are re-checked against SQL every `SESSION_RECHECK_S`; the expiry times that check
returns are applied on every tick. Which sockets' sessions ended is all this module answers: the
hub takes the staff and `me` channels away from them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from server.live.peer import Peer

# Staff sessions are re-checked against SQL this often: a lost `revoked` message or a purge costs
# a staff socket its channel within seconds, for one query per process.
SESSION_RECHECK_S = 10.0


class SessionSource(Protocol):
    async def live(self, hashes: list[str]) -> dict[str, float]:
        """Which of these sessions (token hashes) are live, and until when (unix time)."""

    def forget(self, account_id: int, session: str | None) -> None:
        """The session (None: every session) of the account ended: drop what is cached of it."""


class SignedIn:
    __slots__ = ("_clock", "_expires", "_sessions")

    def __init__(self, sessions: SessionSource | None, clock: Callable[[], float] = time.time) -> None:
        self._sessions = sessions
        # Session expiry is wall-clock time (the sessions table's), not the ticker's clock.
        self._clock = clock
        # Socket -> when its session expires (infinity until the first check).
        self._expires: dict[Peer, float] = {}

    def __len__(self) -> int:
        return len(self._expires)

    def add(self, peer: Peer) -> None:
        self._expires[peer] = float("inf")

    def discard(self, peer: Peer) -> None:
        self._expires.pop(peer, None)

    def revoked(self, account_id: int, session: str | None) -> list[Peer]:
        """The session (None: every session) of the account ended: the sockets opened with it,
        forgotten here; the session source forgets it too."""
        if self._sessions is not None:
            self._sessions.forget(account_id, session)
        ended = [
            peer
            for peer in self._expires
            if peer.account_id == account_id and (session is None or peer.session == session)
        ]
        for peer in ended:
            del self._expires[peer]
        return ended

    def expired(self) -> list[Peer]:
        """The sockets whose session expired by now, forgotten here."""
        now = self._clock()
        ended = [peer for peer, expires in self._expires.items() if expires <= now]
        for peer in ended:
            del self._expires[peer]
        return ended

    async def recheck(self) -> list[Peer]:
        """Ask SQL which sessions are still live: the sockets of those that are not, forgotten
        here; the others learn their expiry."""
        if self._sessions is None or not self._expires:
            return []
        held = {p.session for p in self._expires if p.session is not None}
        live = await self._sessions.live(sorted(held))
        ended = []
        # Sockets added while SQL was asked are checked next time (they are not in `held`).
        for peer in [p for p in self._expires if p.session in held or p.session is None]:
            until = live.get(peer.session) if peer.session is not None else None
            if until is None:
                del self._expires[peer]
                ended.append(peer)
            else:
                self._expires[peer] = until
        return ended
