"""Drafts on the server (v1.2 `/api/me/drafts/{key}`): saved, read back and discarded by their
account only, within the post limits and a per-account cap, deleted by the post they became,
and never in an event, a frame or the log."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.domain import drafts
from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer


def _error(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    return error  # type: ignore[no-any-return]


async def test_proposal_draft_is_saved_read_and_discarded(company: Http) -> None:
    """PUT keeps the title and body (trimmed), GET gives them back, DELETE removes it (twice is fine)."""
    saved = await company.put(
        "/api/me/drafts/new-thread", json={"title": " 공고 기간 ", "body": "본문 쓰는 중\n"}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["title"] == "공고 기간" and saved.json()["body"] == "본문 쓰는 중"
    read = (await company.get("/api/me/drafts/new-thread")).json()
    assert {k: read[k] for k in ("key", "title", "body")} == {
        "key": "new-thread",
        "title": "공고 기간",
        "body": "본문 쓰는 중",
    }
    assert read["updated_at"]
    again = await company.put("/api/me/drafts/new-thread", json={"body": ""})
    assert again.json()["title"] is None and again.json()["body"] == ""
    assert (await company.delete("/api/me/drafts/new-thread")).status_code == 204
    assert (await company.delete("/api/me/drafts/new-thread")).status_code == 204
    _error(await company.get("/api/me/drafts/new-thread"), 404, "not_found")


async def test_keys_are_the_two_forms_only(company: Http) -> None:
    """Only `new-thread` and `thread-{id}` (one spelling) are keys; anything else is 422 on every method."""
    thread = await company.thread()
    keys = (
        "thread-0",
        f"thread-0{thread['id']}",
        "thread-",
        "new_thread",
        "thread-1x",
        "comment-1",
        "thread-12345678901",
    )
    for key in keys:
        for method in ("GET", "PUT", "DELETE"):
            response = await company.request(method, f"/api/me/drafts/{key}", json={"body": "b"})
            assert _error(response, 422, "validation_error")["fields"] == {"key": "invalid"}, (method, key)


async def test_comment_draft_needs_an_existing_thread_and_no_title(company: Http) -> None:
    """A thread's draft is for a thread that exists (404 otherwise) and carries no title (422)."""
    thread = await company.thread()
    key = f"thread-{thread['id']}"
    _error(await company.put("/api/me/drafts/thread-2147480000", json={"body": "b"}), 404, "not_found")
    # Past the id columns' range: no such thread either (never a database error).
    _error(await company.put("/api/me/drafts/thread-9999999999", json={"body": "b"}), 404, "not_found")
    error = _error(
        await company.put(f"/api/me/drafts/{key}", json={"title": "t", "body": "b"}), 422, "validation_error"
    )
    assert error["fields"] == {"title": "not_allowed"}
    assert (await company.put(f"/api/me/drafts/{key}", json={"body": "댓글 초안"})).status_code == 200


async def test_drafts_have_the_post_limits(server: InProcessServer, company: Http) -> None:
    """A comment draft holds what a comment may (4,000), a proposal's what a proposal may; NUL is refused."""
    settings = server.services.settings
    thread = await company.thread()
    key = f"thread-{thread['id']}"
    ok = await company.put(f"/api/me/drafts/{key}", json={"body": "가" * settings.comment_body_max})
    assert ok.status_code == 200
    over = await company.put(f"/api/me/drafts/{key}", json={"body": "가" * (settings.comment_body_max + 1)})
    assert _error(over, 422, "validation_error")["fields"] == {"body": "too_long"}
    long_body = {"title": "t", "body": "가" * settings.thread_body_max}
    assert (await company.put("/api/me/drafts/new-thread", json=long_body)).status_code == 200
    title = {"title": "가" * (settings.title_max + 1), "body": ""}
    assert _error(await company.put("/api/me/drafts/new-thread", json=title), 422, "validation_error")[
        "fields"
    ] == {"title": "too_long"}
    nul = await company.put("/api/me/drafts/new-thread", json={"body": "a\x00b"})
    assert nul.status_code == 422
    _error(await company.put("/api/me/drafts/new-thread", json={"title": "t"}), 422, "validation_error")
    _error(await company.put("/api/me/drafts/new-thread", json={"body": 5}), 422, "validation_error")


async def test_an_account_keeps_a_bounded_number_of_drafts(
    company: Http, agency: Http, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the cap a new draft is 409 `too_many_drafts`; the existing ones still change, and
    another account is not affected."""
    monkeypatch.setattr(drafts, "DRAFTS_MAX", 2)
    threads = [await agency.thread(title=f"제안 {n}") for n in range(3)]
    keys = [f"thread-{t['id']}" for t in threads]
    for key in keys[:2]:
        assert (await company.put(f"/api/me/drafts/{key}", json={"body": "a"})).status_code == 200
    _error(await company.put(f"/api/me/drafts/{keys[2]}", json={"body": "a"}), 409, "too_many_drafts")
    assert (await company.put(f"/api/me/drafts/{keys[0]}", json={"body": "바뀜"})).status_code == 200
    assert (await agency.put(f"/api/me/drafts/{keys[2]}", json={"body": "a"})).status_code == 200
    assert (await company.delete(f"/api/me/drafts/{keys[1]}")).status_code == 204
    assert (await company.put(f"/api/me/drafts/{keys[2]}", json={"body": "a"})).status_code == 200


async def test_drafts_are_private_to_their_account(company: Http, agency: Http, anonymous: Http) -> None:
    """Another account sees only its own draft under the same key, cannot delete mine, and
    anonymous callers get 401."""
    thread = await company.thread()
    key = f"thread-{thread['id']}"
    await company.put(f"/api/me/drafts/{key}", json={"body": "회사의 초안"})
    _error(await agency.get(f"/api/me/drafts/{key}"), 404, "not_found")
    await agency.put(f"/api/me/drafts/{key}", json={"body": "기관의 초안"})
    assert (await agency.delete(f"/api/me/drafts/{key}")).status_code == 204
    assert (await company.get(f"/api/me/drafts/{key}")).json()["body"] == "회사의 초안"
    for method in ("GET", "PUT", "DELETE"):
        response = await anonymous.request(method, f"/api/me/drafts/{key}", json={"body": "b"})
        assert response.status_code == 401, (method, response.text)


async def test_drafts_make_no_event_frame_or_log_row(
    server: InProcessServer, company: Http, staff: Http
) -> None:
    """Saving and discarding a draft sends no frame on the thread's channel and writes no event
    (the staff log, the exports' source, does not hold its text)."""
    thread = await company.thread()
    key = f"thread-{thread['id']}"
    socket = await Socket.open(server.ws_url, company.cookie)
    try:
        await socket.subscribe(f"thread:{thread['id']}")
        await company.put(f"/api/me/drafts/{key}", json={"body": "비밀스러운 초안 문장"})
        await company.put(
            "/api/me/drafts/new-thread", json={"title": "초안 제목", "body": "비밀스러운 초안 문장"}
        )
        await company.delete(f"/api/me/drafts/{key}")
        assert [f for f in await socket.quiet(0.5) if f.get("type") == "event"] == []
    finally:
        await socket.close()
    log = await staff.get("/api/staff/events", params={"thread_id": thread["id"], "limit": 1000})
    assert log.status_code == 200 and "비밀스러운" not in log.text
    assert "비밀스러운" not in (await staff.get("/api/staff/events", params={"limit": 1000})).text
    assert "draft" not in {row["type"].split(".")[0] for row in log.json()["items"]}


async def test_posting_deletes_the_draft_it_became(company: Http) -> None:
    """Posting a proposal deletes `new-thread`; a top-level comment deletes its thread's draft;
    a reply leaves the comment box's draft alone."""
    await company.put("/api/me/drafts/new-thread", json={"title": "t", "body": "b"})
    thread = await company.thread()
    _error(await company.get("/api/me/drafts/new-thread"), 404, "not_found")
    key = f"thread-{thread['id']}"
    await company.put(f"/api/me/drafts/{key}", json={"body": "쓰는 중"})
    top = await company.comment(thread["id"], "첫 댓글")
    _error(await company.get(f"/api/me/drafts/{key}"), 404, "not_found")
    await company.put(f"/api/me/drafts/{key}", json={"body": "또 쓰는 중"})
    await company.comment(thread["id"], "답글", parent_id=top["id"])
    assert (await company.get(f"/api/me/drafts/{key}")).json()["body"] == "또 쓰는 중"


async def test_a_held_comment_also_deletes_its_draft(make_server, clients: list[Http]) -> None:  # type: ignore[no-untyped-def]
    """A comment held for a moderator was posted all the same: its draft goes."""
    server = await make_server(hold_enabled=True, hold_words=("검토요청",), office_days=())
    clients.append(company := await server.user("company"))
    thread = await company.thread()
    key = f"thread-{thread['id']}"
    await company.put(f"/api/me/drafts/{key}", json={"body": "검토요청 드립니다"})
    held = await company.post(f"/api/threads/{thread['id']}/comments", json={"body": "검토요청 드립니다"})
    assert held.status_code == 202, held.text
    _error(await company.get(f"/api/me/drafts/{key}"), 404, "not_found")


async def test_deleting_an_account_deletes_its_drafts(server: InProcessServer, clients: list[Http]) -> None:
    """The draft rows go with the account's row (ON DELETE CASCADE), on both databases."""
    (login,) = await server.accounts("company")
    clients.append(client := Http(server.base_url))
    account = await client.login(login)
    await client.put("/api/me/drafts/new-thread", json={"title": "t", "body": "b"})
    async with server.services.db.transaction() as s:
        await s.execute(sa.text("DELETE FROM account_session WHERE account_id = :id"), {"id": account["id"]})
        await s.execute(sa.text("DELETE FROM account WHERE id = :id"), {"id": account["id"]})
    async with server.services.db.read() as s:
        left = await s.execute(
            sa.text("SELECT count(*) FROM draft WHERE account_id = :id"), {"id": account["id"]}
        )
        assert left.scalar_one() == 0


async def test_the_api_document_describes_the_draft_routes(anonymous: Http) -> None:
    """/api/openapi.json has GET, PUT and DELETE on /api/me/drafts/{key}, for accounts, with the
    key's pattern and the post limits."""
    doc = (await anonymous.get("/api/openapi.json")).json()
    item = doc["paths"]["/api/me/drafts/{key}"]
    assert set(item) == {"get", "put", "delete"}
    for operation in item.values():
        assert operation["x-roles"][0] == "account"
        (key,) = operation["parameters"]
        assert key["schema"]["pattern"] == drafts.KEY_PATTERN
    assert "422" in item["get"]["responses"] and "409" in item["put"]["responses"]
    body = doc["components"]["schemas"]["DraftBody"]
    assert body["required"] == ["body"]
    assert body["properties"]["body"]["x-max-code-points"] == 20_000
