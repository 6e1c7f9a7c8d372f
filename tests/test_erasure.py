"""Erasure (PROTOCOL v1.2): an admin destroys a post's text; it is in no table, no page of the
database's files, no replay or export, and `tong audit verify` still passes (and still fails on
any other change); a restore of an older backup erases it again from the ledger."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select, update

from server.events import channels as ch
from server.events.redaction import Audience, CommentState, shown_to
from server.events.sealing import verify
from server.live.threads import redact_recent
from server.live.wireframe import PreparedFrame
from server.store.database import Database
from server.store.models import Comment, Event
from tests.support import files
from tests.support.clients import Http, Socket
from tests.support.servers import TEST_ENV, InProcessServer, Stack
from tests.test_backup import tong

KEY = TEST_ENV["TONG_AUDIT_KEY"].encode()
MANUAL = {"seal_interval_s": 0.0}
ERASED = {"erased": True}


def marker(kind: str) -> str:
    """A text no other text holds: letters only (the identifier guard leaves it alone)."""
    return f"zq{kind}" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:16])


async def _admin(server: InProcessServer, clients: list[Http]) -> Http:
    clients.append(admin := await server.user("staff", ("moderator", "admin")))
    return admin


async def _erase(admin: Http, kind: str, post_id: int, expect: int = 200, **body: Any) -> dict[str, Any]:
    sent = {"reason": "개인정보 삭제 요청"} | body
    response = await admin.post(f"/api/admin/posts/{kind}/{post_id}/erase", json=sent)
    assert response.status_code == expect, response.text
    return response.json()  # type: ignore[no-any-return]


async def _seal(server: InProcessServer) -> None:
    sealer = server.services.desk.sealer
    while True:
        await sealer.seal_all()
        verdict = await verify(server.services.db, KEY)
        assert verdict.ok, verdict
        if verdict.unsealed == 0:
            return


async def _database_files(db: Database, path: Path | None) -> dict[str, bytes]:
    """Every byte the database keeps in files, by file: SQLite's file and its WAL; PostgreSQL's
    table, TOAST and index files of this database (every segment), read by the server (as
    superuser) after a CHECKPOINT wrote every dirty page out."""
    if db.dialect == "sqlite":
        assert path is not None
        files = [path, path.with_name(path.name + "-wal")]
        return {f.name: f.read_bytes() for f in files if f.exists()}
    found = {}
    async with db.engine.connect() as conn:
        await conn.execute(sa.text("CHECKPOINT"))
        rows = await conn.execute(
            sa.text(
                "SELECT c.oid::regclass::text, pg_relation_filepath(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 't', 'i', 'm') "
                "AND pg_relation_filepath(c.oid) IS NOT NULL"
            )
        )
        for name, base in rows.all():
            segment = 0
            while True:
                file = base if segment == 0 else f"{base}.{segment}"
                size = (
                    await conn.execute(sa.text("SELECT (pg_stat_file(:f, true)).size"), {"f": file})
                ).scalar()
                if size is None:
                    break
                data = await conn.execute(sa.text("SELECT pg_read_binary_file(:f)"), {"f": file})
                found[f"{name} ({file})"] = bytes(data.scalar_one())
                segment += 1
    return found


def _holding(files: dict[str, bytes], text: str) -> list[str]:
    """The files that hold `text`."""
    return [name for name, data in files.items() if text.encode() in data]


def _sqlite_path(server: InProcessServer) -> Path | None:
    return _sqlite_path_of(server.settings.effective_database_url)


async def _written(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> dict[str, Any]:
    """A proposal and a comment (edited once) each holding its own marker, another comment that
    stays, all of it indexed and sealed."""
    server = await make_server(**MANUAL)
    clients.append(author := await server.user("company"))
    clients.append(other := await server.user("agency"))
    texts = {name: marker(name) for name in ("title", "body", "first", "edited", "kept", "threadkept")}
    thread = await author.thread(title=f"제목 {texts['title']}", body=f"본문 {texts['body']}")
    kept_thread = await author.thread(title="남는 제안", body=f"본문 {texts['threadkept']}")
    comment = await other.comment(thread["id"], f"댓글 {texts['first']}")
    edited = await other.patch(
        f"/api/comments/{comment['id']}", json={"body": f"고친 댓글 {texts['edited']}"}
    )
    assert edited.status_code == 200, edited.text
    await author.comment(thread["id"], f"남는 댓글 {texts['kept']}")
    await server.services.reader.flush_search()
    await _seal(server)
    return {
        "server": server,
        "texts": texts,
        "thread": thread,
        "kept_thread": kept_thread,
        "comment": comment,
        "admin": await _admin(server, clients),
    }


async def test_erased_text_is_in_no_file_of_the_database(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """After erasing a comment and a proposal, neither the database's files (SQLite: file and WAL;
    PostgreSQL: every table, TOAST and index page) hold any of their texts, while text that was
    not erased is still found there; the chain verifies and reports the erased rows."""
    w = await _written(make_server, clients)
    server: InProcessServer = w["server"]
    db = server.services.db
    texts: dict[str, str] = w["texts"]
    before = await _database_files(db, _sqlite_path(server))
    assert all(_holding(before, t) for t in texts.values()), "the scan does not see stored text"

    erased_comment = await _erase(w["admin"], "comment", w["comment"]["id"])
    erased_thread = await _erase(w["admin"], "thread", w["thread"]["id"])
    assert erased_comment["reclaimed"]["complete"] and erased_thread["reclaimed"]["complete"]
    for name, done in (("comment", erased_comment), ("proposal", erased_thread)):
        print(f"\nerased a {name} in {done['erase_ms']} ms; reclaimed {done['reclaimed']['timings_ms']}")
    # comment.created and comment.edited; thread.created and thread.updated (none: not edited).
    assert len(erased_comment["erased_events"]) == 2 and len(erased_thread["erased_events"]) == 1
    await server.services.reader.flush_search()

    after = await _database_files(db, _sqlite_path(server))
    left = {name: _holding(after, texts[name]) for name in ("title", "body", "first", "edited")}
    assert not any(left.values()), f"erased text still in the database's files: {left}"
    assert _holding(after, texts["kept"]) and _holding(after, texts["threadkept"])

    async with db.read() as s:
        rows = {i: p for i, p in await s.execute(select(Event.id, Event.payload))}
    for event_id in erased_comment["erased_events"] + erased_thread["erased_events"]:
        assert rows[event_id] == ERASED
    await _seal(server)
    verdict = await verify(db, KEY)
    assert verdict.ok and verdict.erased == 3, verdict


async def test_audit_verify_passes_erasures_and_fails_any_other_change(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """`tong audit verify` exits 0 after erasures (naming the erased rows) and 1 once an erased
    row's payload is anything but {"erased": true}, or another column of it changed."""
    w = await _written(make_server, clients)
    server: InProcessServer = w["server"]
    db = server.services.db
    done = await _erase(w["admin"], "comment", w["comment"]["id"])
    await _seal(server)
    passed = await tong(server.settings, "audit", "verify")
    assert passed.returncode == 0, passed.stdout
    assert "(2 erased)" in passed.stdout and str(done["erased_events"][0]) in passed.stdout

    victim = done["erased_events"][0]
    async with db.read() as s:
        sealed_seq = (await s.execute(select(Event.seq).where(Event.id == victim))).scalar()
    # In process (each `tong` start costs seconds); the command's exit status once, at the end.
    for change, undo in (
        ({"payload": {"erased": True, "by": "someone"}}, {"payload": ERASED}),
        ({"payload": {}}, {"payload": ERASED}),
        ({"seq": 999}, {"seq": sealed_seq}),
    ):
        async with db.transaction() as s:
            await s.execute(update(Event).where(Event.id == victim).values(**change))  # type: ignore[arg-type]
        verdict = await verify(db, KEY)
        assert not verdict.ok and verdict.broken_id == victim, (change, verdict)
        async with db.transaction() as s:
            await s.execute(update(Event).where(Event.id == victim).values(**undo))  # type: ignore[arg-type]
        assert (await verify(db, KEY)).ok
    async with db.transaction() as s:
        await s.execute(update(Event).where(Event.id == victim).values(payload={"erased": False}))  # type: ignore[arg-type]
    failed = await tong(server.settings, "audit", "verify")
    assert failed.returncode == 1 and f"BROKEN at event {victim}" in failed.stdout, failed.stdout


async def test_erased_post_reads_as_erased_everywhere(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """Live watchers get `post.erased`; the thread, its comments, revisions (to admins too), search,
    a resume from seq 0 and the staff export show `erased: true` and none of the text."""
    w = await _written(make_server, clients)
    server: InProcessServer = w["server"]
    admin: Http = w["admin"]
    texts: dict[str, str] = w["texts"]
    thread_id, comment_id = w["thread"]["id"], w["comment"]["id"]
    watcher = await Socket.open(server.ws_url)
    try:
        await watcher.subscribe(f"thread:{thread_id}")
        await _erase(admin, "comment", comment_id)
        await _erase(admin, "thread", thread_id)
        live = await watcher.events(2)
    finally:
        await watcher.close()
    assert [f["event"] for f in live] == ["post.erased", "post.erased"]
    assert live[0]["data"]["comment"]["erased"] is True and live[0]["data"]["comment"]["body"] is None
    assert live[1]["data"]["thread"]["erased"] is True and live[1]["data"]["thread"]["title"] is None
    await server.services.reader.flush_search()

    seen: list[str] = []
    for path in (
        f"/api/threads/{thread_id}",
        f"/api/threads/{thread_id}/comments",
        f"/api/comments/{comment_id}/revisions",
        f"/api/threads/{thread_id}/revisions",
        "/api/threads?limit=50",
        f"/api/threads?q={texts['first']}",
        f"/api/threads?q={texts['title']}",
        "/api/staff/events?format=jsonl",
        "/api/staff/events?format=csv",
    ):
        response = await admin.get(path)
        assert response.status_code == 200, (path, response.text)
        seen.append(response.text)
    shown = json.loads(seen[0])
    assert shown["erased"] is True and shown["title"] is None and shown["body"] is None
    comment = next(c for c in json.loads(seen[1])["items"] if c["id"] == comment_id)
    assert comment["erased"] is True and comment["body"] is None
    revisions = json.loads(seen[2])
    assert revisions["erased"] is True and [i["body"] for i in revisions["items"]] == [None, None]
    assert json.loads(seen[5])["items"] == [] and json.loads(seen[6])["items"] == []
    exported = [json.loads(line) for line in seen[7].splitlines() if line.strip()]
    assert sum(row["payload"] == ERASED for row in exported) == 3
    assert sum(row["type"] == "post.erased" for row in exported) == 2

    replay = await Socket.open(server.ws_url)
    try:
        subscribed = await replay.subscribe(f"thread:{thread_id}", since=0)
        frames = await replay.events(subscribed["seq"])
    finally:
        await replay.close()
    seen.append(json.dumps(frames, ensure_ascii=False))
    created = next(f for f in frames if f["event"] == "comment.created" and f["data"].get("erased"))
    assert created["data"]["comment"]["id"] == comment_id and created["data"]["comment"]["body"] is None
    for text in (texts["title"], texts["body"], texts["first"], texts["edited"]):
        assert not any(text in body for body in seen), text


async def test_erasure_is_an_admins_with_a_reason_once(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """A moderator without the admin role gets 403 `admin_only`; no reason is a 422; an unknown
    post a 404; a second erasure of the same post 409 `already_erased`; an erased comment can no
    longer be edited by its author."""
    server = await make_server(**MANUAL)
    clients.append(author := await server.user("company"))
    clients.append(moderator := await server.user("staff", ("moderator",)))
    admin = await _admin(server, clients)
    thread = await author.thread()
    comment = await author.comment(thread["id"], "지울 댓글")
    refused = await moderator.post(f"/api/admin/posts/comment/{comment['id']}/erase", json={"reason": "요청"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "admin_only"
    missing = await admin.post(f"/api/admin/posts/comment/{comment['id']}/erase", json={})
    assert missing.status_code == 422
    await _erase(admin, "comment", comment["id"] + 1000, expect=404)
    await _erase(admin, "comment", comment["id"])
    again = await _erase(admin, "comment", comment["id"], expect=409)
    assert again["error"]["code"] == "already_erased"
    edit = await author.patch(f"/api/comments/{comment['id']}", json={"body": "다시 쓰기"})
    assert edit.status_code == 409 and edit.json()["error"]["code"] == "already_erased"


async def test_restoring_an_older_backup_erases_again_from_the_ledger(
    stack: Stack, make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http], tmp_path: Path
) -> None:
    """A backup taken before an erasure, restored, has the post erased again from the ledger
    (which lives beside the audit checkpoints, outside the backup) and its chain verifies."""
    server = await make_server(seal_interval_s=0.2)
    clients.append(author := await server.user("company"))
    admin = await _admin(server, clients)
    text = marker("restore")
    thread = await author.thread()
    comment = await author.comment(thread["id"], f"복원 댓글 {text}")
    archive = tmp_path / "before-erasure.tar.gz"
    taken = await tong(server.settings, "backup", "--output", str(archive))
    assert taken.returncode == 0, taken.stderr
    await _erase(admin, "comment", comment["id"])
    ledger = server.settings.erasure_ledger_path
    assert ledger.exists() and str(comment["id"]) in ledger.read_text()

    target = await stack.fresh_settings()
    restored = await tong(target, "restore", str(archive), TONG_ERASURE_LEDGER_FILE=str(ledger))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "erasure ledger: 1 erasures applied again" in restored.stdout and "OK:" in restored.stdout
    assert "erased" in restored.stdout  # the chain was verified after the ledger, as `audit verify` does

    db = Database(target.effective_database_url, pool_size=1)
    try:
        async with db.read() as s:
            row = (await s.execute(select(Comment).where(Comment.id == comment["id"]))).scalars().one()
            payloads = [
                json.dumps(p, ensure_ascii=False) for p in (await s.execute(select(Event.payload))).scalars()
            ]
        assert row.erased and row.body == ""
        assert not any(text in p for p in payloads)
        files = await _database_files(db, _sqlite_path_of(target.effective_database_url))
        assert not _holding(files, text), (_holding(files, text), restored.stdout)
    finally:
        await db.dispose()


def _sqlite_path_of(url: str) -> Path | None:
    parsed = sa.engine.make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


def test_the_rule_shows_an_erased_post_without_text_to_everyone() -> None:
    """Pure: an erased row shows {"erased": true}; a comment erased since shows no body to the
    public nor to staff; the ring's frames lose an erased proposal's title and body."""
    assert shown_to(Audience.PUBLIC, dict(ERASED), {}) == ERASED
    assert shown_to(Audience.STAFF, dict(ERASED), {}) == ERASED
    old = {"comment": {"id": 7, "body": "옛 글", "hidden": False, "revision": 2, "edited_at": "t"}}
    for audience in Audience:
        shown = shown_to(audience, old, {7: CommentState(erased=True, revision=2, edited_at="t")})["comment"]
        assert (shown["body"], shown["erased"], shown["revision"]) == (None, True, 2)

    name = ch.thread_channel(3)
    updated = {"thread": {"id": 3, "title": "제목", "body": "본문", "excerpt": "본문", "revision": 2}}
    erased = {"post": {"kind": "thread", "id": 3}, "thread": {"id": 3, "title": None, "erased": True}}
    ring = deque([(1, PreparedFrame(ch.event_frame(name, "thread.updated", updated, 1)))])
    redact_recent(ring, ch.event_frame(name, "post.erased", erased, 2))
    kept = json.loads(ring[0][1].text)["data"]["thread"]
    assert (kept["title"], kept["body"], kept["excerpt"], kept["erased"], kept["revision"]) == (
        None, None, None, True, 2,
    )  # fmt: skip


async def test_an_erased_comments_files_go_and_its_author_is_told_and_may_appeal(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """The comment's attachment 404s and its file leaves the store; the author gets a `moderation`
    notice saying `erased` with the reason, and one appeal of it is accepted."""
    server = await make_server(**MANUAL)
    clients.append(author := await server.user("agency"))
    admin = await _admin(server, clients)
    thread = await admin.thread()
    response = await author.post(
        "/api/uploads", files={"file": ("note.png", files.png(), "application/octet-stream")}
    )
    assert response.status_code == 201, response.text
    upload = response.json()
    posted = await author.post(
        f"/api/threads/{thread['id']}/comments", json={"body": "파일과 함께", "attachments": [upload["id"]]}
    )
    assert posted.status_code == 201, posted.text
    url = posted.json()["attachments"][0]["url"]
    stored = server.services.settings.attachments_dir
    assert any(p.name == upload["sha256"] for p in stored.rglob("*"))
    await _erase(admin, "comment", posted.json()["id"], reason="주민번호가 적혀 있어 삭제합니다")
    assert (await author.get(url)).status_code == 404
    deadline = asyncio.get_running_loop().time() + 10
    while any(p.name == upload["sha256"] for p in stored.rglob("*")):
        assert asyncio.get_running_loop().time() < deadline, "the erased comment's file is still stored"
        await asyncio.sleep(0.05)
    items = (await author.get("/api/me/notices")).json()["items"]
    (notice,) = [n for n in items if n["kind"] == "moderation"]
    assert notice["data"]["action"] == "erased"
    assert notice["data"]["reason"] == "주민번호가 적혀 있어 삭제합니다"
    appeal = {**notice["data"]["appeal"], "text": "개인정보가 아니었습니다"}
    assert (await author.post("/api/me/appeals", json=appeal)).status_code == 201
    assert (await author.post("/api/me/appeals", json=appeal)).status_code == 409
