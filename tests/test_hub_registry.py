"""The registry alone (server/live/registry.py): sockets and channels, both ways, without a server."""

from __future__ import annotations

from server.live.registry import Left, Registry
from tests.support.hubfakes import FakePeer


def test_a_join_is_seen_from_both_sides() -> None:
    """A socket that joins a channel is among its members, and the channel is among the socket's."""
    registry, peer = Registry(), FakePeer()
    assert registry.join(peer, "thread:1")
    assert peer.channels == {"thread:1"} and set(registry.members("thread:1")) == {peer}
    assert registry.count("thread:1") == 1 and registry.channels() == ["thread:1"]


def test_joining_twice_is_one_membership() -> None:
    """A second join of the same channel says so and changes nothing."""
    registry, peer = Registry(), FakePeer()
    registry.join(peer, "board")
    assert not registry.join(peer, "board")
    assert registry.count("board") == 1


def test_the_last_to_leave_empties_the_channel() -> None:
    """Leaving reports whether the channel kept watchers here; an emptied channel holds nothing."""
    registry, a, b = Registry(), FakePeer(), FakePeer()
    registry.join(a, "thread:1")
    registry.join(b, "thread:1")
    assert registry.leave(a, "thread:1") == Left("thread:1", emptied=False)
    assert registry.leave(b, "thread:1") == Left("thread:1", emptied=True)
    assert registry.count("thread:1") == 0 and registry.channels() == [] and not b.channels


def test_leaving_a_channel_not_joined_is_nothing() -> None:
    """A socket that leaves a channel it never joined gets None and changes no one's membership."""
    registry, a, b = Registry(), FakePeer(), FakePeer()
    registry.join(a, "board")
    assert registry.leave(b, "board") is None
    assert set(registry.members("board")) == {a}


def test_me_is_each_account_s_own_channel_even_after_sign_out() -> None:
    """Sockets of two accounts both join `me` but are fanned out from their own account's channel;
    one that forgot its account (session ended) still leaves the right one."""
    registry, mine, theirs = Registry(), FakePeer(account_id=5), FakePeer(account_id=6)
    registry.join(mine, "me", "me:5")
    registry.join(theirs, "me", "me:6")
    assert set(registry.members("me:5")) == {mine} and set(registry.members("me:6")) == {theirs}
    assert registry.count("me") == 0
    mine.sign_out()
    assert registry.leave(mine, "me") == Left("me:5", emptied=True)
    assert set(registry.members("me:6")) == {theirs}


def test_a_socket_that_closes_leaves_everything() -> None:
    """Disconnecting counts the socket out and takes it from every channel it watched."""
    registry, peer, other = Registry(), FakePeer(account_id=5), FakePeer()
    registry.connect()
    registry.connect()
    for name in ("board", "thread:1"):
        registry.join(peer, name)
        registry.join(other, name)
    registry.join(peer, "me", "me:5")
    left = registry.disconnect(peer)
    assert sorted(left, key=lambda item: item.channel) == [
        Left("board", False),
        Left("me:5", True),
        Left("thread:1", False),
    ]
    assert registry.connections == 1 and not peer.channels
    assert set(registry.channels()) == {"board", "thread:1"}
