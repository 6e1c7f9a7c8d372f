"""A socket as the hub sees it (the web layer's SocketPeer is one; the unit tests use their own)."""

from __future__ import annotations

from typing import Protocol

from server.live.wireframe import PreparedFrame


class Peer(Protocol):
    """`push` never blocks: a peer that falls behind closes itself."""

    closed: bool
    # The channel names the client subscribed to (`me`, not `me:{account}`).
    channels: set[str]
    # The session (token hash) the socket was opened with; None when anonymous.
    session: str | None

    @property
    def account_id(self) -> int | None:
        """The account the socket was opened with; None when anonymous or signed out."""

    def push(self, frame: str, prepared: PreparedFrame | None = None) -> None:
        """Send `frame`; `prepared` is its wire bytes when the caller built them once for many."""

    def sign_out(self) -> None:
        """Forget the account: the socket reads on as anonymous."""
