"""What a replayed event may show: the content's current public form, on every replay path."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from tests.clients import Http, Socket
from tests.servers import InProcessServer

SECRET_TEXT = "다시 가려진 내용"


async def hide_restore_hide(staff: Http, comment_id: int) -> None:
    for path, body in (("hide", {"reason": "욕설"}), ("restore", {}), ("hide", {"reason": "다시"})):
        response = await staff.post(f"/api/comments/{comment_id}/{path}", json=body)
        assert response.status_code == 200, response.text


async def anonymous_replay(server: InProcessServer, thread_id: int, count: int) -> list[dict[str, object]]:
    socket = await Socket.open(server.ws_url)
    try:
        assert (await socket.subscribe(f"thread:{thread_id}", since=0))["type"] == "subscribed"
        events = await socket.events(count)
        assert await socket.quiet(0.3) == []
        return events
    finally:
        await socket.close()


async def test_rehidden_comment_never_replays_its_restored_body_from_memory(
    server: InProcessServer, company: Http, agency: Http, staff: Http
) -> None:
    """Hide, restore, hide again while watched: an anonymous `since: 0` replay from the in-memory ring
    shows the comment's hidden form in every frame, the `comment.restored` one included."""
    thread = await company.thread()
    watcher = await Socket.open(server.ws_url)
    await watcher.subscribe(f"thread:{thread['id']}", since=0)
    comment = await agency.comment(thread["id"], SECRET_TEXT)
    await hide_restore_hide(staff, comment["id"])
    live = await watcher.events(4)
    assert [e["event"] for e in live] == [
        "comment.created",
        "comment.hidden",
        "comment.restored",
        "comment.hidden",
    ]
    await watcher.close()
    replayed = await anonymous_replay(server, thread["id"], 4)
    assert [e["event"] for e in replayed] == [e["event"] for e in live]
    assert SECRET_TEXT not in json.dumps(replayed, ensure_ascii=False)
    assert all(e["data"]["comment"]["hidden"] is True for e in replayed)  # type: ignore[index]


async def test_rehidden_comment_never_replays_its_restored_body_from_sql(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """The same after a restart: the replay read from the event log shows only the hidden form."""
    first = await make_server()
    clients.append(author := await first.user("company"))
    clients.append(writer := await first.user("agency"))
    clients.append(moderator := await first.user("staff", ("moderator",)))
    thread = await author.thread()
    comment = await writer.comment(thread["id"], SECRET_TEXT)
    await hide_restore_hide(moderator, comment["id"])
    settings = first.settings
    await first.stop()
    restarted = await make_server(
        database_url=settings.effective_database_url,
        redis_url=settings.redis_url,
        redis_prefix=settings.redis_prefix,
        data_dir=settings.data_dir,
    )
    replayed = await anonymous_replay(restarted, thread["id"], 4)
    assert [e["event"] for e in replayed] == [
        "comment.created",
        "comment.hidden",
        "comment.restored",
        "comment.hidden",
    ]
    assert SECRET_TEXT not in json.dumps(replayed, ensure_ascii=False)


async def test_restored_comment_replays_with_its_body(
    server: InProcessServer, company: Http, agency: Http, staff: Http
) -> None:
    """Redaction follows the current state: a comment restored for good replays its body again."""
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "돌아온 내용")
    await staff.post(f"/api/comments/{comment['id']}/hide", json={"reason": "확인"})
    await staff.post(f"/api/comments/{comment['id']}/restore", json={})
    replayed = await anonymous_replay(server, thread["id"], 3)
    assert replayed[-1]["event"] == "comment.restored"
    assert replayed[-1]["data"]["comment"]["body"] == "돌아온 내용"  # type: ignore[index]
