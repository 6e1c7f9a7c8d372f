"""Prepared frames (server/live/wireframe.py): one event's wire bytes built once and written to every
socket. The bytes must be exactly what `websockets` would frame for each socket, plain and with
permessage-deflate without context takeover; real clients of both kinds read them side by side."""

from __future__ import annotations

import asyncio

import pytest
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode

from server.live.wireframe import PreparedFrame, deflate_params
from server.web.wsprotocol import MEM_LEVEL, WINDOW_BITS
from tests.support.clients import Http, Socket

TEXTS = ["", "x", "가" * 41, "a" * 125, "b" * 126, "é" * 40_000, '{"type":"event"}' * 5_000]


@pytest.mark.parametrize("text", TEXTS, ids=lambda t: str(len(t.encode())))
def test_plain_bytes_are_what_websockets_frames(text: str) -> None:
    data = text.encode()
    assert PreparedFrame(text).plain() == Frame(Opcode.TEXT, data).serialize(mask=False)


@pytest.mark.parametrize("text", TEXTS, ids=lambda t: str(len(t.encode())))
def test_deflated_bytes_are_what_websockets_frames_without_context_takeover(text: str) -> None:
    settings = {"memLevel": MEM_LEVEL}
    prepared = PreparedFrame(text)
    extension = PerMessageDeflate(True, True, WINDOW_BITS, WINDOW_BITS, settings)
    for _ in range(3):
        # Without context takeover every message compresses alike: the same bytes each time.
        expected = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[extension])
        assert prepared.deflated(deflate_params(WINDOW_BITS, settings)) == expected
    # Built once per (window, settings).
    params = deflate_params(WINDOW_BITS, dict(settings))
    assert prepared.deflated(params) is prepared.deflated(deflate_params(WINDOW_BITS, settings))


async def test_plain_and_deflate_watchers_read_the_same_events(make_server, clients: list[Http]) -> None:  # type: ignore[no-untyped-def]
    """Sockets with and without permessage-deflate on one thread: the server requires no context
    takeover both ways, and each client decodes every prepared frame (small, 2-byte and 8-byte
    lengths) to the same events, in order, as a replay from memory does for a late subscriber."""
    server = await make_server(ws_deflate=True)
    clients.append(author := await server.user("company"))
    thread = await author.thread()
    channel = f"thread:{thread['id']}"
    plain = [await Socket.open(server.ws_url, compression=None) for _ in range(2)]
    deflate = [await Socket.open(server.ws_url, compression="deflate") for _ in range(2)]
    agreed = deflate[0].connection.response.headers["Sec-WebSocket-Extensions"]
    assert "server_no_context_takeover" in agreed and "client_no_context_takeover" in agreed, agreed
    assert "Sec-WebSocket-Extensions" not in plain[0].connection.response.headers
    for socket in plain + deflate:
        await socket.subscribe(channel, since=0)
    # Every socket, behind the middleware's wrapped `send`, writes the prepared bytes directly.
    peers = server.services.hub.registry.members(channel)
    assert len(peers) == 4 and all(peer.writes_prepared for peer in peers)
    bodies = ["짧은 댓글", "긴 댓글 " + "가" * 3_000, "x" * 4_000, "반복 " * 700 + "끝"]
    for body in bodies:
        await author.comment(thread["id"], body)
    late = await Socket.open(server.ws_url, compression="deflate")
    await late.subscribe(channel, since=0)
    for socket in [*plain, *deflate, late]:
        events = await socket.events(len(bodies))
        assert [e["seq"] for e in events] == [1, 2, 3, 4]
        assert [e["data"]["comment"]["body"] for e in events] == bodies
    # Frames after the replay still flow to all of them, and a ping is answered in between.
    await asyncio.gather(*(s.connection.ping() for s in [*plain, *deflate, late]))
    await author.comment(thread["id"], "마지막")
    for socket in [*plain, *deflate, late]:
        (event,) = await socket.events(1)
        assert event["seq"] == 5 and event["data"]["comment"]["body"] == "마지막"
        await socket.close()
