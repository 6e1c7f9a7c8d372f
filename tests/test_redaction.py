"""What a replayed event may show: the content's current public form, on every replay path."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from server.events.redaction import Audience, CommentState, shown_to
from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer

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


# --- edits and deletions (v1.1): an old revision never comes back through a replay ---------------

OLD_TEXT = "고치기 전의 문장"
NEW_TEXT = "고친 뒤의 문장"


async def edit_then_reply_and_hide(author: Http, staff: Http, thread_id: int) -> tuple[int, int]:
    """A comment edited twice, then hidden and restored; a second comment deleted by its author."""
    edited = await author.comment(thread_id, OLD_TEXT)
    for body in ("중간 버전", NEW_TEXT):
        response = await author.patch(f"/api/comments/{edited['id']}", json={"body": body})
        assert response.status_code == 200, response.text
    await staff.post(f"/api/comments/{edited['id']}/hide", json={"reason": "확인"})
    await staff.post(f"/api/comments/{edited['id']}/restore", json={})
    deleted = await author.comment(thread_id, SECRET_TEXT)
    assert (await author.delete(f"/api/comments/{deleted['id']}")).status_code == 200
    return edited["id"], deleted["id"]


def check_current_forms(replayed: list[dict[str, object]], edited_id: int, deleted_id: int) -> None:
    text = json.dumps(replayed, ensure_ascii=False)
    assert OLD_TEXT not in text and "중간 버전" not in text and SECRET_TEXT not in text
    for event in replayed:
        comment = event["data"]["comment"]  # type: ignore[index]
        if comment["id"] == deleted_id:
            assert comment["body"] is None and comment["withdrawn"] is True
        elif comment["body"] is not None:
            assert (comment["body"], comment["revision"]) == (NEW_TEXT, 3)
            assert comment["edited_at"]


EDIT_EVENTS = [
    "comment.created",
    "comment.edited",
    "comment.edited",
    "comment.hidden",
    "comment.restored",
    "comment.created",
    "comment.withdrawn",
]


async def test_edited_and_deleted_comments_replay_their_current_form_from_memory(
    server: InProcessServer, company: Http, agency: Http, staff: Http
) -> None:
    """Watched while it happens (the ring holds every frame): a resume from 0 shows the latest
    revision in every frame that carries the edited comment, and no text of the deleted one."""
    thread = await company.thread()
    watcher = await Socket.open(server.ws_url)
    await watcher.subscribe(f"thread:{thread['id']}", since=0)
    edited_id, deleted_id = await edit_then_reply_and_hide(agency, staff, thread["id"])
    live = await watcher.events(len(EDIT_EVENTS))
    assert [e["event"] for e in live] == EDIT_EVENTS
    await watcher.close()
    replayed = await anonymous_replay(server, thread["id"], len(EDIT_EVENTS))
    assert [e["event"] for e in replayed] == EDIT_EVENTS
    check_current_forms(replayed, edited_id, deleted_id)


async def test_edited_and_deleted_comments_replay_their_current_form_from_sql(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """The same after a restart, read back from the event log."""
    first = await make_server()
    clients.append(author := await first.user("company"))
    clients.append(moderator := await first.user("staff", ("moderator",)))
    thread = await author.thread()
    edited_id, deleted_id = await edit_then_reply_and_hide(author, moderator, thread["id"])
    settings = first.settings
    await first.stop()
    restarted = await make_server(
        database_url=settings.effective_database_url,
        redis_url=settings.redis_url,
        redis_prefix=settings.redis_prefix,
        data_dir=settings.data_dir,
    )
    replayed = await anonymous_replay(restarted, thread["id"], len(EDIT_EVENTS))
    assert [e["event"] for e in replayed] == EDIT_EVENTS
    check_current_forms(replayed, edited_id, deleted_id)


def test_the_rule_shows_the_current_revision_and_never_more() -> None:
    """The pure rule: an older revision's frame shows the current text; a frame that showed less
    (a hide replayed after a restore) stays as it was; staff see the frame as stored."""
    old = {"comment": {"id": 7, "body": "v1", "hidden": False}}
    now = CommentState(revision=2, body="v2", edited_at="2026-11-29T00:00:00Z")
    shown = shown_to(Audience.PUBLIC, old, {7: now})["comment"]
    assert (shown["body"], shown["revision"], shown["edited_at"]) == ("v2", 2, "2026-11-29T00:00:00Z")
    hidden_frame = {"comment": {"id": 7, "body": None, "hidden": True, "hidden_reason": "r"}}
    assert shown_to(Audience.PUBLIC, hidden_frame, {7: now}) == hidden_frame
    gone = shown_to(Audience.PUBLIC, old, {7: CommentState(withdrawn=True, revision=2)})["comment"]
    assert (gone["body"], gone["withdrawn"], gone["hidden"]) == (None, True, False)
    assert shown_to(Audience.STAFF, old, {7: CommentState(withdrawn=True)}) == old


async def test_notes_and_drafts_never_replay(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """(v1.2) Internal notes and draft answers take no seq: a `since: 0` replay read from the event
    log (a fresh server: nothing in memory) holds the comment and nothing of them; the staff log
    page keeps them."""
    server = await make_server(recent_frames=1)
    clients.append(author := await server.user("company"))
    clients.append(drafter := await server.user("staff", ("admin",)))
    thread = await author.thread()
    await author.comment(thread["id"], "공개 댓글")
    for path, body in (
        (f"/api/threads/{thread['id']}/notes", {"body": f"메모 {SECRET_TEXT}"}),
        (f"/api/threads/{thread['id']}/answers", {"body": f"초안 {SECRET_TEXT}", "draft": True}),
    ):
        response = await drafter.post(path, json=body)
        assert response.status_code == 201, response.text
    await author.comment(thread["id"], "두 번째 댓글")
    replayed = await anonymous_replay(server, thread["id"], 2)
    assert [e["event"] for e in replayed] == ["comment.created", "comment.created"]
    assert SECRET_TEXT not in json.dumps(replayed, ensure_ascii=False)
    log = (await drafter.get("/api/staff/events", params={"thread_id": thread["id"]})).json()["items"]
    assert {"note.added", "answer.drafted"} <= {row["type"] for row in log}
