"""`/ws`: subscriptions, sequenced events, resume with `since`, resync, counts, bad frames, slow clients."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer


async def watch(server: InProcessServer, thread_id: int, since: int | None = None) -> Socket:
    socket = await Socket.open(server.ws_url)
    frame = await socket.subscribe(f"thread:{thread_id}", since)
    assert frame["type"] == "subscribed", frame
    return socket


async def test_subscribed_carries_latest_seq(server: InProcessServer, company: Http, agency: Http) -> None:
    """`subscribed` carries the thread channel's latest committed seq, the same seq REST reports."""
    thread = await company.thread()
    for n in range(3):
        await agency.comment(thread["id"], f"댓글 {n}")
    rest = (await agency.get(f"/api/threads/{thread['id']}")).json()
    socket = await Socket.open(server.ws_url)
    frame = await socket.subscribe(f"thread:{thread['id']}")
    assert frame == {
        "type": "subscribed",
        "channel": f"thread:{thread['id']}",
        "seq": rest["seq"],
        "epoch": frame["epoch"],
    }
    await socket.close()


async def test_live_events_in_seq_order(server: InProcessServer, company: Http, agency: Http) -> None:
    """Content events arrive live with seq 1, 2, 3 … and the seq REST returned for each post."""
    thread = await company.thread()
    socket = await watch(server, thread["id"], since=thread["seq"])
    posted = [await agency.comment(thread["id"], f"의견 {n}") for n in range(5)]
    events = await socket.events(5)
    assert [e["seq"] for e in events] == [p["seq"] for p in posted] == [1, 2, 3, 4, 5]
    assert all(e["event"] == "comment.created" and e["channel"] == f"thread:{thread['id']}" for e in events)
    assert [e["data"]["comment"]["body"] for e in events] == [f"의견 {n}" for n in range(5)]
    assert "mine" not in json.dumps(events)
    await socket.close()


async def test_resume_replays_missed_events_once(
    server: InProcessServer, company: Http, agency: Http
) -> None:
    """A client that missed events and subscribes with `since` gets each missing one once, in order,
    then the live ones."""
    thread = await company.thread()
    first = await agency.comment(thread["id"], "처음")
    missed = [await agency.comment(thread["id"], f"놓친 {n}") for n in range(4)]
    socket = await watch(server, thread["id"], since=first["seq"])
    replayed = await socket.events(4)
    assert [e["seq"] for e in replayed] == [m["seq"] for m in missed]
    live = await agency.comment(thread["id"], "실시간")
    (event,) = await socket.events(1)
    assert event["seq"] == live["seq"]
    assert await socket.quiet(0.3) == []
    await socket.close()


async def test_resume_after_restart_reads_the_log(make_server, clients: list[Http]) -> None:  # type: ignore[no-untyped-def]
    """With nothing in memory (a fresh channel), the replay comes from the event log, in order."""
    server = await make_server(recent_frames=2)
    clients.append(author := await server.user("company"))
    clients.append(writer := await server.user("agency"))
    thread = await author.thread()
    posted = [await writer.comment(thread["id"], f"기록 {n}") for n in range(6)]
    socket = await watch(server, thread["id"], since=0)
    events = await socket.events(6)
    assert [e["seq"] for e in events] == [p["seq"] for p in posted]
    await socket.close()


async def test_resync_past_the_replay_limit(make_server, clients: list[Http]) -> None:  # type: ignore[no-untyped-def]
    """More than the replay limit missing: `resync` instead of a replay, then live events."""
    server = await make_server(replay_limit=3)
    clients.append(author := await server.user("company"))
    thread = await author.thread()
    for n in range(5):
        await author.comment(thread["id"], f"많은 {n}")
    socket = await Socket.open(server.ws_url)
    subscribed = await socket.subscribe(f"thread:{thread['id']}", since=1)
    assert subscribed["seq"] == 5
    assert await socket.recv() == {"type": "resync", "channel": f"thread:{thread['id']}"}
    live = await author.comment(thread["id"], "다음")
    (event,) = await socket.events(1)
    assert event["seq"] == live["seq"] == 6
    await socket.close()


async def test_since_ahead_of_the_channel_resyncs(server: InProcessServer, company: Http) -> None:
    """A `since` beyond anything committed (a client from another database) gets `resync`."""
    thread = await company.thread()
    socket = await Socket.open(server.ws_url)
    await socket.subscribe(f"thread:{thread['id']}", since=99)
    assert (await socket.recv())["type"] == "resync"
    await socket.close()


async def test_unknown_thread_is_an_error_frame(server: InProcessServer) -> None:
    """Subscribing to a thread that does not exist answers an error frame; the socket stays open."""
    socket = await Socket.open(server.ws_url)
    frame = await socket.subscribe("thread:987654321")
    assert frame["type"] == "error" and frame["code"] == "not_found"
    assert (await socket.subscribe("board"))["type"] == "subscribed"
    await socket.close()


async def test_hidden_comment_replays_without_body(
    server: InProcessServer, company: Http, agency: Http, staff: Http
) -> None:
    """A comment hidden since it was posted replays with body null, followed by its hide event."""
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "가릴 내용")
    hidden = await staff.post(f"/api/comments/{comment['id']}/hide", json={"reason": "개인정보"})
    assert hidden.status_code == 200, hidden.text
    socket = await watch(server, thread["id"], since=0)
    created, hide = await socket.events(2)
    assert created["event"] == "comment.created" and created["data"]["comment"]["body"] is None
    assert hide["event"] == "comment.hidden" and hide["data"]["comment"]["hidden"] is True
    assert "가릴 내용" not in json.dumps([created, hide], ensure_ascii=False)
    await socket.close()


async def test_hidden_comment_is_blanked_in_memory_too(
    server: InProcessServer, company: Http, agency: Http, staff: Http
) -> None:
    """While a thread is watched (its recent frames in memory), a resume after a hide never
    carries the hidden text either."""
    thread = await company.thread()
    watcher = await watch(server, thread["id"], since=0)
    comment = await agency.comment(thread["id"], "곧 가려질 내용")
    await staff.post(f"/api/comments/{comment['id']}/hide", json={"reason": "욕설"})
    await watcher.events(2)
    late = await watch(server, thread["id"], since=0)
    created, hide = await late.events(2)
    assert created["data"]["comment"]["body"] is None and created["data"]["comment"]["hidden"] is True
    assert hide["data"]["reason"] == "욕설"
    await watcher.close()
    await late.close()


async def test_answer_and_status_are_sequenced(
    server: InProcessServer, company: Http, agency: Http, staff: Http
) -> None:
    """Answers and status changes take the thread's next seq, between comments, in commit order."""
    thread = await company.thread()
    socket = await watch(server, thread["id"], since=0)
    await agency.comment(thread["id"], "질문")
    assert (
        await staff.patch(f"/api/threads/{thread['id']}", json={"status": "reviewing"})
    ).status_code == 200
    interim = await staff.post(f"/api/threads/{thread['id']}/answers", json={"body": "검토 중입니다"})
    assert interim.status_code == 201
    final = await staff.post(
        f"/api/threads/{thread['id']}/answers", json={"body": "반영하겠습니다", "outcome": "accepted"}
    )
    assert final.status_code == 201
    events = await socket.events(4)
    assert [e["seq"] for e in events] == [1, 2, 3, 4]
    assert [e["event"] for e in events] == [
        "comment.created",
        "thread.status_changed",
        "answer.posted",
        "answer.posted",
    ]
    assert events[1]["data"]["status"] == "reviewing"
    assert events[3]["data"]["status"] == "answered" and events[3]["data"]["outcome"] == "accepted"
    assert events[3]["data"]["answer"]["author"]["label"] == "조달청"
    await socket.close()


async def test_counts_are_coalesced_and_exact(
    server: InProcessServer, company: Http, clients: list[Http]
) -> None:
    """A burst of recommendations yields at most 4 counts frames a second, the last one exact."""
    thread = await company.thread()
    comment = await company.comment(thread["id"], "추천해 주세요")
    socket = await watch(server, thread["id"])
    voters = []
    for _ in range(12):
        clients.append(voter := await server.user("agency"))
        voters.append(voter)
    started = asyncio.get_running_loop().time()
    frames = []
    last = None

    async def read() -> None:
        # Read while the burst is sent: frames left unread until it ends would look bunched.
        nonlocal last
        deadline = started + 3
        while asyncio.get_running_loop().time() < deadline:
            try:
                frame = await socket.recv(deadline - asyncio.get_running_loop().time())
            except TimeoutError:
                break
            if frame["type"] == "counts":
                frames.append((asyncio.get_running_loop().time(), frame))
                last = frame["data"]

    reader = asyncio.create_task(read())
    await asyncio.gather(
        *(v.put(f"/api/threads/{thread['id']}/recommendation") for v in voters),
        *(v.put(f"/api/comments/{comment['id']}/recommendation") for v in voters[:5]),
    )
    await reader
    assert last is not None
    assert last["recommendations"] == 12
    assert last["watchers"] == 1
    merged: dict[str, int] = {}
    for _, frame in frames:
        merged.update(frame["data"]["comment_recommendations"])
    assert merged[str(comment["id"])] == 5
    times = [t for t, _ in frames]
    for i in range(len(times) - 4):
        assert times[i + 4] - times[i] >= 0.9, "more than 4 counts frames within a second"
    await socket.close()


async def test_a_comment_alone_sends_no_counts_frame(
    server: InProcessServer, company: Http, agency: Http
) -> None:
    """v1.1: a watcher gets one frame per comment. The comments are read to the end, then a
    recommendation: everything up to its counts frame is the comments' own events, and no counts
    frame carries `comments` (a client counts the comment.created events it applies)."""
    thread = await company.thread()
    socket = await watch(server, thread["id"], since=thread["seq"])
    await socket.expect(lambda f: f["type"] == "counts" and f["data"]["watchers"] == 1)
    for n in range(6):
        await agency.comment(thread["id"], f"의견 {n}")
    seen = []
    while len([f for f in seen if f["type"] == "event"]) < 6:
        seen.append(await socket.recv())
    await agency.put(f"/api/threads/{thread['id']}/recommendation")
    while not (seen[-1]["type"] == "counts" and seen[-1]["data"]["recommendations"] == 1):
        seen.append(await socket.recv())
    assert [f["type"] for f in seen] == ["event"] * 6 + ["counts"], seen
    assert "comments" not in seen[-1]["data"]
    await socket.close()


async def test_watchers_are_counted(server: InProcessServer, company: Http) -> None:
    """Watcher counts follow subscriptions, and REST reports them too."""
    thread = await company.thread()
    first = await watch(server, thread["id"])
    second = await watch(server, thread["id"])
    frame = await first.expect(lambda f: f["type"] == "counts" and f["data"]["watchers"] == 2)
    assert frame["channel"] == f"thread:{thread['id']}"
    # REST reads presence, which the hub publishes on its next tick: poll until it shows.
    deadline = asyncio.get_running_loop().time() + 5
    while (rest := (await company.get(f"/api/threads/{thread['id']}")).json())["counts"]["watchers"] != 2:
        assert asyncio.get_running_loop().time() < deadline, rest["counts"]
        await asyncio.sleep(0.02)
    await second.close()
    await first.expect(lambda f: f["type"] == "counts" and f["data"]["watchers"] == 1)
    await first.close()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "bad_frame"),
        ("[1, 2]", "bad_frame"),
        ('"subscribe"', "bad_frame"),
        ('{"op": "dance"}', "unknown_op"),
        ('{"op": "subscribe"}', "bad_frame"),
        ('{"op": "subscribe", "channel": "thread:abc"}', "unknown_channel"),
        ('{"op": "subscribe", "channel": "nowhere"}', "unknown_channel"),
        ('{"op": "subscribe", "channel": "thread:1", "since": -1}', "bad_frame"),
        ('{"op": "subscribe", "channel": "thread:1", "since": "7"}', "bad_frame"),
        ('{"op": "subscribe", "channel": "staff"}', "forbidden"),
    ],
)
async def test_bad_frames_get_error_frames(server: InProcessServer, frame: str, code: str) -> None:
    """A bad frame gets an `error` frame with its code, and the socket stays open."""
    socket = await Socket.open(server.ws_url)
    await socket.send(frame)
    error = await socket.recv()
    assert error["type"] == "error" and error["code"] == code, error
    assert (await socket.subscribe("board"))["type"] == "subscribed"
    await socket.close()


async def test_binary_frame_gets_an_error_frame(server: InProcessServer) -> None:
    """A binary frame gets an `error` frame, and the socket stays open."""
    socket = await Socket.open(server.ws_url)
    await socket.send(b'{"op": "subscribe", "channel": "board"}')
    assert (await socket.recv())["code"] == "bad_frame"
    assert (await socket.subscribe("board"))["type"] == "subscribed"
    await socket.close()


async def test_oversized_frame_closes_with_1009(server: InProcessServer) -> None:
    """A frame over 64 KiB closes the socket with code 1009."""
    socket = await Socket.open(server.ws_url)
    await socket.send(json.dumps({"op": "subscribe", "channel": "board", "pad": "x" * 70_000}))
    with pytest.raises(ConnectionClosed) as closed:
        await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    await socket.close()


async def test_staff_channel_carries_the_log(server: InProcessServer, staff: Http, company: Http) -> None:
    """The staff channel sends every event-log row as it commits, with an actor key, not an id."""
    socket = await Socket.open(server.ws_url, cookie=staff.cookie)
    assert (await socket.subscribe("staff"))["type"] == "subscribed"
    thread = await company.thread(title="스태프가 볼 글")
    frame = await socket.expect(lambda f: f.get("event") == "thread.created")
    row = frame["data"]["event"]
    assert row["thread_id"] == thread["id"] and set(row["actor"]) == {"kind", "key"}
    assert row["actor"]["kind"] == "company" and isinstance(row["id"], int)
    await socket.close()


async def test_board_channel_announces_new_threads(server: InProcessServer, company: Http) -> None:
    """The board channel sends `thread.created` with a summary, and `thread.summary` as counts change."""
    socket = await Socket.open(server.ws_url)
    assert (await socket.subscribe("board"))["type"] == "subscribed"
    thread = await company.thread(title="새 제안")
    created = await socket.expect(lambda f: f.get("event") == "thread.created")
    assert created["data"]["thread"]["id"] == thread["id"] and "seq" not in created
    await company.comment(thread["id"], "첫 댓글")
    summary = await socket.expect(
        lambda f: f.get("event") == "thread.summary" and f["data"]["thread"]["id"] == thread["id"]
    )
    assert summary["data"]["thread"]["counts"]["comments"] == 1
    await socket.close()


async def test_stalled_client_is_closed_with_1013(make_server, clients: list[Http]) -> None:  # type: ignore[no-untyped-def]
    """A client that stops reading is closed with 1013 while the others keep receiving."""
    server = await make_server(ws_send_buffer_max=64 * 1024, ws_stalled_abort_s=60)
    clients.append(author := await server.user("company"))
    thread = await author.thread()
    healthy = await watch(server, thread["id"])
    # A tiny receive buffer and no reading: the server's buffer for this client fills quickly.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    sock.setblocking(False)
    # No keepalive pings of its own: at load 14 the 400 posts outlasted websockets' 20 s ping
    # timeout, and the stalled client closed itself (1011) before the server's 1013 arrived.
    stalled = await Socket.open(server.ws_url, max_queue=1, sock=sock, ping_interval=None)
    await stalled.subscribe(f"thread:{thread['id']}")
    stalled.connection.transport.pause_reading()
    # Loopback kernel buffers absorb a few MB before the server's own buffer starts to fill.
    body = "가" * 3_900
    posts = 400
    reader = asyncio.create_task(healthy.events(posts, timeout=30))
    for batch in range(0, posts, 20):
        await asyncio.gather(*(author.comment(thread["id"], f"{n} {body}") for n in range(batch, batch + 20)))
    received = await reader
    assert [e["seq"] for e in received] == list(range(1, posts + 1))
    stalled.connection.transport.resume_reading()
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await stalled.recv(10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
    await healthy.close()


async def test_deflate_is_negotiated_with_a_small_window(make_server, clients: list[Http]) -> None:  # type: ignore[no-untyped-def]
    """With TONG_WS_DEFLATE on, permessage-deflate is negotiated with a small window, and frames flow."""
    server = await make_server(ws_deflate=True)
    clients.append(author := await server.user("company"))
    thread = await author.thread()
    socket = await Socket.open(server.ws_url, compression="deflate")
    offered = socket.connection.response.headers["Sec-WebSocket-Extensions"]
    assert "permessage-deflate" in offered and "server_max_window_bits=9" in offered
    await socket.subscribe(f"thread:{thread['id']}", since=0)
    await author.comment(thread["id"], "압축" * 500)
    (event,) = await socket.events(1)
    assert event["data"]["comment"]["body"] == "압축" * 500
    await socket.close()
