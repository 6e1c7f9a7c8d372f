"""Quarterly change threads link the proposals they answer; their followers get a notice."""

from __future__ import annotations

from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer


async def _change(staff: Http, links: list[int]) -> dict:
    response = await staff.post(
        "/api/threads",
        json={
            "kind": "change",
            "title": "2026년 3분기, 이렇게 바꾸었습니다",
            "body": "바뀐 점",
            "links": links,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_change_thread_links_proposals(company: Http, staff: Http, anonymous: Http) -> None:
    """A change thread posted with links lists them, and each proposal shows `changed_in`."""
    first, second = await company.thread("첫 제안"), await company.thread("둘째 제안")
    change = await _change(staff, [first["id"], second["id"]])
    open_proposal = {"status": "received", "outcome": None}
    assert change["links"] == [
        {"id": first["id"], "title": "첫 제안", **open_proposal},
        {"id": second["id"], "title": "둘째 제안", **open_proposal},
    ]
    shown = (await anonymous.get(f"/api/threads/{first['id']}")).json()
    assert shown["changed_in"] == [{"id": change["id"], "title": change["title"]}]
    assert (await anonymous.get(f"/api/threads/{change['id']}")).json()["links"][1]["id"] == second["id"]


async def test_put_links_replaces_and_logs(company: Http, staff: Http, anonymous: Http) -> None:
    """PUT /api/threads/{id}/links replaces the set and writes thread.links_changed."""
    first, second = await company.thread(), await company.thread()
    change = await _change(staff, [first["id"]])
    response = await staff.put(f"/api/threads/{change['id']}/links", json={"links": [second["id"]]})
    assert response.status_code == 200, response.text
    assert [link["id"] for link in response.json()["links"]] == [second["id"]]
    assert (await anonymous.get(f"/api/threads/{first['id']}")).json()["changed_in"] == []
    events = (await staff.get("/api/staff/events", params={"type": "thread.links_changed"})).json()["items"]
    mine = [e for e in events if e["thread_id"] == change["id"]]
    assert mine[-1]["payload"] == {"links": [second["id"]], "added": [second["id"]], "removed": [first["id"]]}


async def test_links_are_validated(company: Http, staff: Http) -> None:
    """Links must be existing proposals, on a change thread; otherwise 422/409 and nothing changes."""
    proposal = await company.thread()
    change = await _change(staff, [])
    assert (
        await staff.put(f"/api/threads/{change['id']}/links", json={"links": [999_999]})
    ).status_code == 422
    assert (await staff.put(f"/api/threads/{change['id']}/links", json={"links": "1"})).status_code == 422
    assert (
        await staff.put(f"/api/threads/{change['id']}/links", json={"links": [change["id"]]})
    ).status_code == 422
    assert (await staff.put(f"/api/threads/{proposal['id']}/links", json={"links": []})).status_code == 409
    response = await company.post(
        "/api/threads", json={"kind": "proposal", "title": "t", "body": "b", "links": [proposal["id"]]}
    )
    assert response.status_code == 422


async def test_recommender_sees_notice_until_seen(
    server: InProcessServer, clients: list[Http], company: Http, agency: Http, staff: Http
) -> None:
    """Recommenders and the author of a linked proposal (its followers) get a `change` notice, unread
    until they mark it seen; a bystander gets none."""
    clients.append(bystander := await server.user("company"))
    proposal = await company.thread("납품 검사 개선")
    assert (await agency.put(f"/api/threads/{proposal['id']}/recommendation")).status_code == 200
    change = await _change(staff, [proposal["id"]])
    ids = []
    for reader in (agency, company):
        page = (await reader.get("/api/me/notices")).json()
        assert page["unread"] == 1
        [notice] = page["items"]
        assert notice["kind"] == "change" and notice["thread_id"] == proposal["id"]
        assert notice["data"] == {
            "title": "납품 검사 개선",
            "change": {"id": change["id"], "title": change["title"]},
        }
        assert notice["seen"] is False
        ids.append(notice["id"])
    assert (await bystander.get("/api/me/notices")).json() == {"items": [], "unread": 0}
    # The other account's notice id is ignored: an account marks only its own.
    seen = await agency.post("/api/me/notices/seen", json={"ids": ids})
    assert seen.json() == {"seen": [ids[0]], "unread": 0}
    assert (await agency.get("/api/me/notices")).json()["unread"] == 0
    assert (await company.get("/api/me/notices")).json()["unread"] == 1


async def test_a_linked_proposal_hears_it_live_in_seq(
    server: InProcessServer, company: Http, staff: Http, anonymous: Http
) -> None:
    """Linking and unlinking send `thread.changed_in` on the proposal's own channel, sequenced
    (the next seq, replayed after a reconnect like any event), carrying its change threads; the
    change thread lists each proposal with its outcome."""
    proposal = await company.thread("실시간 반영 제안")
    answered = await company.thread("답변된 제안")
    posted = await staff.post(
        f"/api/threads/{answered['id']}/answers", json={"body": "반영", "outcome": "accepted"}
    )
    assert posted.status_code == 201
    seq = (await anonymous.get(f"/api/threads/{proposal['id']}")).json()["seq"]
    socket = await Socket.open(server.ws_url)
    try:
        await socket.subscribe(f"thread:{proposal['id']}", since=seq)
        change = await _change(staff, [answered["id"]])
        assert change["links"][0]["outcome"] == "accepted"
        linked = await staff.put(
            f"/api/threads/{change['id']}/links", json={"links": [answered["id"], proposal["id"]]}
        )
        assert linked.status_code == 200
        [frame] = await socket.events(1)
        assert frame["event"] == "thread.changed_in" and frame["seq"] == seq + 1
        assert frame["data"] == {
            "thread_id": proposal["id"],
            "changed_in": [{"id": change["id"], "title": change["title"]}],
        }
        assert (await staff.put(f"/api/threads/{change['id']}/links", json={"links": []})).status_code == 200
        [frame] = await socket.events(1)
        assert frame["seq"] == seq + 2 and frame["data"]["changed_in"] == []
    finally:
        await socket.close()
    replay = await Socket.open(server.ws_url)
    try:
        await replay.subscribe(f"thread:{proposal['id']}", since=seq)
        frames = await replay.events(2)
        assert [f["data"]["changed_in"] != [] for f in frames] == [True, False]
    finally:
        await replay.close()


async def test_links_edited_later_tell_the_newly_linked_proposals_followers(
    company: Http, agency: Http, staff: Http
) -> None:
    """A proposal added to a change thread's links afterwards (PUT) gets its followers a `change`
    notice through follow's notices (derived from `thread.links_changed`), once; removing it
    tells nobody."""
    proposal = await company.thread("나중에 연결되는 제안")
    assert (await agency.put(f"/api/threads/{proposal['id']}/recommendation")).status_code == 200
    change = await _change(staff, [])
    before = (await agency.get("/api/me/notices")).json()["unread"]
    linked = await staff.put(f"/api/threads/{change['id']}/links", json={"links": [proposal["id"]]})
    assert linked.status_code == 200
    page = (await agency.get("/api/me/notices")).json()
    assert page["unread"] == before + 1
    notice = page["items"][0]
    assert notice["kind"] == "change" and notice["thread_id"] == proposal["id"]
    assert notice["data"]["change"] == {"id": change["id"], "title": change["title"]}
    assert (await staff.put(f"/api/threads/{change['id']}/links", json={"links": []})).status_code == 200
    assert (await agency.get("/api/me/notices")).json()["unread"] == before + 1
