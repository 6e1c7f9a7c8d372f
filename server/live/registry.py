"""Which of this process's sockets watch which channels, both ways; no I/O.

A socket's `channels` holds the names the client subscribed to; the registry holds each channel's
sockets, which is what a frame is fanned out to. Most names are the channel itself; `me` is one
name for every client but each account's own channel (`me:{account}`), so the registry remembers
which one a socket joined: a socket whose session ended has forgotten its account by the time it
leaves. A channel's member set exists only while it has members (a million channels a client made
up and left hold nothing).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from server.live.peer import Peer

_NOBODY: frozenset[Peer] = frozenset()


@dataclass(frozen=True, slots=True)
class Left:
    # The channel the socket left (`me:{account}` for `me`).
    channel: str
    # Whether no socket of this process watches it any more.
    emptied: bool


class Registry:
    __slots__ = ("_aliases", "_members", "connections")

    def __init__(self) -> None:
        # Open sockets, subscribed to anything or not.
        self.connections = 0
        self._members: dict[str, set[Peer]] = {}
        # (socket, name) -> channel, only where the two differ (`me`).
        self._aliases: dict[tuple[Peer, str], str] = {}

    def connect(self) -> None:
        self.connections += 1

    def disconnect(self, peer: Peer) -> list[Left]:
        """The socket closed: it leaves every channel it watched."""
        self.connections -= 1
        return [left for name in list(peer.channels) if (left := self.leave(peer, name)) is not None]

    def join(self, peer: Peer, name: str, channel: str | None = None) -> bool:
        """`peer` watches `name`, fanned out from `channel` (the name itself unless given).
        False when it watched that name already."""
        if name in peer.channels:
            return False
        if channel is not None and channel != name:
            self._aliases[(peer, name)] = channel
        self._members.setdefault(channel or name, set()).add(peer)
        peer.channels.add(name)
        return True

    def leave(self, peer: Peer, name: str) -> Left | None:
        """`peer` stops watching `name`: which channel it left and whether that one is now
        without watchers here; None when it did not watch `name`."""
        if name not in peer.channels:
            return None
        peer.channels.discard(name)
        channel = self._aliases.pop((peer, name), name) if self._aliases else name
        members = self._members.get(channel)
        if members is None:
            return Left(channel, True)
        members.discard(peer)
        if members:
            return Left(channel, False)
        del self._members[channel]
        return Left(channel, True)

    def members(self, channel: str) -> Set[Peer]:
        """The sockets a frame of `channel` goes to (the live set: fan out, don't keep it)."""
        return self._members.get(channel, _NOBODY)

    def count(self, channel: str) -> int:
        members = self._members.get(channel)
        return len(members) if members is not None else 0

    def channels(self) -> list[str]:
        """Every channel watched by at least one socket here."""
        return list(self._members)
