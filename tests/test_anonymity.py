"""Anonymity: no account id, login or name in public bodies or frames; pseudonyms stable per thread
and unlinkable across threads; staff see actor keys; only admins reveal, with a reason, on the log."""

from __future__ import annotations

import json

from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer


async def test_nothing_identifying_in_public_bodies_or_frames(
    server: InProcessServer, company: Http, agency: Http, staff: Http
) -> None:
    """Public REST bodies and every frame a watcher gets name no login and no account id."""
    me = [(await c.get("/api/me")).json() for c in (company, agency, staff)]
    board = await Socket.open(server.ws_url)
    await board.subscribe("board")
    thread = await company.thread(title="익명 확인")
    watcher = await Socket.open(server.ws_url)
    await watcher.subscribe(f"thread:{thread['id']}", since=0)
    comment = await agency.comment(thread["id"], "의견")
    await company.comment(thread["id"], "답글", parent_id=comment["id"])
    await staff.post(f"/api/threads/{thread['id']}/answers", json={"body": "답변", "outcome": "accepted"})
    await agency.put(f"/api/threads/{thread['id']}/recommendation")
    frames = await watcher.events(3)
    frames.append(await watcher.expect(lambda f: f["type"] == "counts"))
    frames.append(await board.expect(lambda f: f.get("event") == "thread.created"))
    reader = Http(server.base_url)
    bodies = [
        (await reader.get(f"/api/threads/{thread['id']}")).json(),
        (await reader.get(f"/api/threads/{thread['id']}/comments")).json(),
        (await reader.get("/api/threads?limit=5")).json(),
    ]
    await reader.aclose()
    text = json.dumps([frames, bodies], ensure_ascii=False)
    for account in me:
        assert account["login"] not in text
        assert f'"author_id": {account["id"]}' not in text and "account_id" not in text
    assert '"mine"' not in json.dumps(frames)
    for item in bodies[1]["items"]:
        assert set(item["author"]) == {"kind", "label", "is_op"}
    await board.close()
    await watcher.close()


async def test_pseudonyms_stable_in_a_thread_and_unlinkable_across(
    server: InProcessServer, clients: list[Http]
) -> None:
    """The n-th distinct company author of a thread is 기업 n there, whatever it is elsewhere."""
    for kind in ("company", "company", "company", "agency"):
        clients.append(await server.user(kind))
    op, first, second, agency = clients[-4:]
    one = await op.thread()
    two = await op.thread()
    a1 = await first.comment(one["id"], "A in one")
    b1 = await second.comment(one["id"], "B in one")
    b2 = await second.comment(two["id"], "B in two")
    a2 = await first.comment(two["id"], "A in two")
    again = await first.comment(one["id"], "A again")
    g1 = await agency.comment(one["id"], "agency")
    assert one["author"] == {"kind": "company", "label": "기업 1", "is_op": True}
    assert a1["author"] == again["author"] == {"kind": "company", "label": "기업 2", "is_op": False}
    assert b1["author"]["label"] == "기업 3"
    assert b2["author"]["label"] == "기업 2" and a2["author"]["label"] == "기업 3"
    assert g1["author"] == {"kind": "agency", "label": "기관 1", "is_op": False}
    op_reply = await op.comment(one["id"], "OP here")
    assert op_reply["author"] == {"kind": "company", "label": "기업 1", "is_op": True}


async def test_staff_see_actor_keys_not_accounts(server: InProcessServer, company: Http, staff: Http) -> None:
    """The event log shows actors as {kind, key}: stable per account, and not the account id."""
    thread = await company.thread()
    await company.comment(thread["id"], "하나")
    await company.comment(thread["id"], "둘")
    page = (await staff.get(f"/api/staff/events?thread_id={thread['id']}")).json()
    actors = {json.dumps(row["actor"], sort_keys=True) for row in page["items"]}
    assert len(actors) == 1
    actor = page["items"][0]["actor"]
    me = (await company.get("/api/me")).json()
    assert (
        actor["kind"] == "company" and str(me["id"]) != actor["key"] and me["login"] not in json.dumps(page)
    )
    assert "actor_account_id" not in json.dumps(page)


async def test_only_admins_reveal_with_a_reason(
    server: InProcessServer, company: Http, agency: Http, staff: Http, clients: list[Http]
) -> None:
    """Revealing an author takes the admin role and a reason, and is itself written to the log."""
    clients.append(moderator := await server.user("staff", ("moderator",)))
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "누가 썼나")
    url = f"/api/admin/posts/comment/{comment['id']}/author"
    assert (await agency.get(url + "?reason=x")).status_code == 403
    assert (await moderator.get(url + "?reason=x")).status_code == 403
    assert (await staff.get(url)).status_code == 422
    revealed = await staff.get(url + "?reason=수사기관 요청 2026-123")
    assert revealed.status_code == 200
    assert revealed.json()["account"]["login"] == (await agency.get("/api/me")).json()["login"]
    thread_owner = await staff.get(f"/api/admin/posts/thread/{thread['id']}/author?reason=확인")
    assert thread_owner.json()["account"]["kind"] == "company"
    assert (await staff.get(f"/api/admin/posts/user/{thread['id']}/author?reason=x")).status_code == 404
    log = (await staff.get(f"/api/staff/events?thread_id={thread['id']}&type=author.revealed")).json()[
        "items"
    ]
    assert [row["payload"]["reason"] for row in log] == ["수사기관 요청 2026-123", "확인"]
    public = json.dumps(
        (await agency.get(f"/api/threads/{thread['id']}/comments")).json(), ensure_ascii=False
    )
    assert "수사기관" not in public


async def test_staff_endpoints_refuse_others(company: Http, agency: Http, anonymous: Http) -> None:
    """The event log and stats answer 401 to anonymous readers and 403 to companies and agencies."""
    for path in ("/api/staff/events", "/api/staff/stats", "/api/admin/posts/thread/1/author?reason=x"):
        assert (await anonymous.get(path)).status_code == 401
        assert (await company.get(path)).status_code == 403
        assert (await agency.get(path)).status_code == 403
