"""The HTTP API of PROTOCOL.md: threads, comments, recommendations, reports, answers, moderation,
limits and the error body."""

from __future__ import annotations

import pytest

from tests.support.clients import Http
from tests.support.servers import InProcessServer


def assert_error(response, status: int, code: str | None = None) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"]), body
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]  # type: ignore[no-any-return]


async def test_proposal_has_the_contract_fields(company: Http) -> None:
    """A new proposal answers 201 with the thread's fields, status `received`, no outcome, seq 0."""
    response = await company.post(
        "/api/threads", json={"kind": "proposal", "title": "  제목  ", "body": "본문", "category": "전자조달"}
    )
    assert response.status_code == 201, response.text
    thread = response.json()
    assert {
        "id",
        "kind",
        "title",
        "status",
        "outcome",
        "author",
        "created_at",
        "last_activity_at",
        "counts",
    } <= set(thread)
    assert thread["title"] == "제목" and thread["status"] == "received" and thread["outcome"] is None
    assert thread["counts"] == {"comments": 0, "recommendations": 0, "watchers": 0}
    assert thread["seq"] == 0 and thread["answers"] == [] and thread["mine"] is True
    assert thread["author"] == {"kind": "company", "label": "기업 1", "is_op": True}


async def test_change_threads_are_for_staff(company: Http, staff: Http) -> None:
    """Only staff post `change` threads; they have neither status nor outcome."""
    assert_error(await company.post("/api/threads", json={"kind": "change", "title": "t", "body": "b"}), 403)
    response = await staff.post(
        "/api/threads", json={"kind": "change", "title": "이렇게 바꾸었습니다", "body": "b"}
    )
    assert response.status_code == 201
    assert response.json()["status"] is None and response.json()["outcome"] is None
    assert response.json()["author"]["label"] == "조달청"


async def test_writing_needs_a_login(anonymous: Http, company: Http) -> None:
    """Reading is public; writing without a session answers 401."""
    thread = await company.thread()
    assert (await anonymous.get(f"/api/threads/{thread['id']}")).status_code == 200
    assert (await anonymous.get(f"/api/threads/{thread['id']}/comments")).status_code == 200
    assert_error(
        await anonymous.post("/api/threads", json={"kind": "proposal", "title": "t", "body": "b"}), 401
    )
    assert_error(await anonymous.post(f"/api/threads/{thread['id']}/comments", json={"body": "b"}), 401)
    assert_error(await anonymous.put(f"/api/threads/{thread['id']}/recommendation"), 401)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "proposal", "title": "", "body": "b"}, "title"),
        ({"kind": "proposal", "title": "   ", "body": "b"}, "title"),
        ({"kind": "proposal", "title": "가" * 201, "body": "b"}, "title"),
        ({"kind": "proposal", "title": "t", "body": "가" * 20_001}, "body"),
        ({"kind": "proposal", "title": 5, "body": "b"}, "title"),
        ({"kind": "proposal", "title": "t"}, "body"),
        ({"kind": "wish", "title": "t", "body": "b"}, "kind"),
    ],
)
async def test_thread_validation(company: Http, anonymous: Http, payload: dict, field: str) -> None:  # type: ignore[type-arg]
    """Bad thread input answers 422 naming the field, and nothing is stored."""
    before = (await anonymous.get("/api/threads?limit=1")).json()["items"]
    error = assert_error(await company.post("/api/threads", json=payload), 422, "validation_error")
    assert field in error["fields"]
    assert (await anonymous.get("/api/threads?limit=1")).json()["items"] == before


async def test_limits_count_code_points(company: Http) -> None:
    """Limits count Unicode code points after trimming: 200 Hangul syllables or emoji fit a title."""
    response = await company.post("/api/threads", json={"kind": "proposal", "title": "🙂" * 200, "body": "b"})
    assert response.status_code == 201
    thread = response.json()
    ok = await company.post(f"/api/threads/{thread['id']}/comments", json={"body": " " + "가" * 4_000 + " "})
    assert ok.status_code == 201
    assert_error(
        await company.post(f"/api/threads/{thread['id']}/comments", json={"body": "가" * 4_001}), 422
    )


async def test_malformed_bodies(company: Http) -> None:
    """Invalid JSON is a 400, a non-object body a 422, a body over 1 MiB a 413."""
    thread = await company.thread()
    url = f"/api/threads/{thread['id']}/comments"
    headers = {"content-type": "application/json"}
    assert_error(await company.post(url, content=b"{nope", headers=headers), 400, "invalid_json")
    assert_error(await company.post(url, content=b"[1]", headers=headers), 422)
    assert_error(await company.post(url, content=b'"x"', headers=headers), 422)
    assert_error(
        await company.post(url, content=b"{" + b" " * (1024 * 1024 + 10) + b"}", headers=headers), 413
    )
    comments = (await company.get(url)).json()
    assert comments["items"] == [] and comments["seq"] == 0


async def test_unknown_paths_use_the_error_body(anonymous: Http) -> None:
    """404 and 405 answer with the contract's error body too."""
    assert_error(await anonymous.get("/api/threads/999999999"), 404, "not_found")
    assert_error(await anonymous.get("/api/nothing-here"), 404)
    assert_error(await anonymous.post("/api/me"), 405)


async def test_list_sorts_filters_and_pages(server: InProcessServer, clients: list[Http]) -> None:
    """The board sorts, filters by status and kind, searches, and pages with a cursor."""
    clients.append(author := await server.user("company"))
    clients.append(voter := await server.user("agency"))
    clients.append(staff := await server.user("staff"))
    marker = "정렬시험"
    made = [await author.thread(title=f"{marker} {n}") for n in range(5)]
    await voter.put(f"/api/threads/{made[1]['id']}/recommendation")
    await voter.comment(made[3]["id"], "댓글")
    await voter.comment(made[3]["id"], "댓글")
    await staff.post(f"/api/threads/{made[2]['id']}/answers", json={"body": "답변", "outcome": "declined"})

    async def ids(query: str) -> list[int]:
        return [t["id"] for t in (await author.get(f"/api/threads?q={marker}&{query}")).json()["items"]]

    assert await ids("sort=latest") == [t["id"] for t in reversed(made)]
    assert (await ids("sort=recommended"))[0] == made[1]["id"]
    assert (await ids("sort=commented"))[0] == made[3]["id"]
    assert (await ids("sort=active"))[0] == made[2]["id"]
    assert await ids("status=answered") == [made[2]["id"]]
    assert await ids("kind=change") == []
    first = (await author.get(f"/api/threads?q={marker}&limit=2&sort=commented")).json()
    second = (
        await author.get(f"/api/threads?q={marker}&limit=2&sort=commented&cursor={first['next_cursor']}")
    ).json()
    third = (
        await author.get(f"/api/threads?q={marker}&limit=2&sort=commented&cursor={second['next_cursor']}")
    ).json()
    paged = [t["id"] for page in (first, second, third) for t in page["items"]]
    assert sorted(paged) == sorted(t["id"] for t in made) and third["next_cursor"] is None
    assert_error(await author.get("/api/threads?sort=random"), 422)
    assert_error(await author.get("/api/threads?cursor=%%%"), 422)
    assert_error(await author.get("/api/threads?limit=0"), 422)


async def test_comments_page_by_seq(company: Http, agency: Http) -> None:
    """Comments come in seq order with the thread's latest seq; `after_seq` pages onwards."""
    thread = await company.thread()
    posted = [await agency.comment(thread["id"], f"{n}") for n in range(5)]
    page = (await company.get(f"/api/threads/{thread['id']}/comments?limit=2")).json()
    assert [c["seq"] for c in page["items"]] == [1, 2] and page["seq"] == 5 and page["has_more"]
    rest = (await company.get(f"/api/threads/{thread['id']}/comments?after_seq=2")).json()
    assert [c["id"] for c in rest["items"]] == [p["id"] for p in posted[2:]]
    item = rest["items"][0]
    assert {"id", "thread_id", "parent_id", "seq", "author", "body", "created_at", "hidden", "counts"} <= set(
        item
    )
    assert_error(await company.get(f"/api/threads/{thread['id']}/comments?after_seq=x"), 422)


async def test_one_level_of_replies(company: Http, agency: Http) -> None:
    """A reply to a comment is stored; a reply to a reply, or to another thread's comment, is a 422."""
    thread = await company.thread()
    other = await company.thread()
    top = await agency.comment(thread["id"], "질문")
    reply = await company.comment(thread["id"], "답글", parent_id=top["id"])
    assert reply["parent_id"] == top["id"]
    url = f"/api/threads/{thread['id']}/comments"
    assert_error(await agency.post(url, json={"body": "x", "parent_id": reply["id"]}), 422)
    foreign = await agency.comment(other["id"], "다른 글")
    assert_error(await agency.post(url, json={"body": "x", "parent_id": foreign["id"]}), 422)
    assert_error(await agency.post(url, json={"body": "x", "parent_id": "1"}), 422)


async def test_recommendations_are_idempotent(company: Http, agency: Http) -> None:
    """PUT twice counts once, DELETE twice withdraws once; one's own post cannot be recommended."""
    thread = await company.thread()
    comment = await company.comment(thread["id"], "내 댓글")
    url = f"/api/threads/{thread['id']}/recommendation"
    assert (await agency.put(url)).json() == {"recommended": True, "count": 1}
    assert (await agency.put(url)).json() == {"recommended": True, "count": 1}
    assert (await agency.delete(url)).json() == {"recommended": False, "count": 0}
    assert (await agency.delete(url)).json() == {"recommended": False, "count": 0}
    curl = f"/api/comments/{comment['id']}/recommendation"
    assert (await agency.put(curl)).json() == {"recommended": True, "count": 1}
    assert_error(await company.put(url), 409)
    assert_error(await company.put(curl), 409)
    assert_error(await agency.put("/api/comments/999999999/recommendation"), 404)
    shown = (await agency.get(f"/api/threads/{thread['id']}/comments")).json()["items"][0]
    assert shown["counts"]["recommendations"] == 1 and shown["recommended"] is True


async def test_reports(company: Http, agency: Http) -> None:
    """A report answers 201 once per account and comment; a second one is a 409."""
    thread = await company.thread()
    comment = await company.comment(thread["id"], "신고 대상")
    url = f"/api/comments/{comment['id']}/reports"
    response = await agency.post(url, json={"reason": "광고"})
    assert response.status_code == 201 and response.json()["reason"] == "광고"
    assert_error(await agency.post(url, json={"reason": "광고"}), 409)
    assert_error(await agency.post(url, json={"reason": ""}), 422)
    assert_error(await agency.post("/api/comments/999999999/reports", json={"reason": "x"}), 404)


async def test_answers_and_status(company: Http, staff: Http, agency: Http) -> None:
    """Staff answer: without an outcome it is interim (reviewing), with one final (answered)."""
    thread = await company.thread()
    url = f"/api/threads/{thread['id']}"
    assert_error(await agency.post(url + "/answers", json={"body": "x"}), 403)
    assert_error(await company.patch(url, json={"status": "reviewing"}), 403)
    interim = await staff.post(url + "/answers", json={"body": "검토 중"})
    assert interim.status_code == 201 and interim.json()["outcome"] is None
    assert (await company.get(url)).json()["status"] == "reviewing"
    assert_error(await staff.post(url + "/answers", json={"body": "x", "outcome": "maybe"}), 422)
    final = await staff.post(url + "/answers", json={"body": "반영", "outcome": "partially_accepted"})
    assert final.status_code == 201
    shown = (await company.get(url)).json()
    assert shown["status"] == "answered" and shown["outcome"] == "partially_accepted"
    assert [a["seq"] for a in shown["answers"]] == [1, 2]
    assert_error(await staff.patch(url, json={"status": "answered"}), 422)
    # v1.1: the title is the author's to edit (editing tests: tests/test_editing.py); a field the
    # path does not take is still refused.
    assert_error(await staff.patch(url, json={"title": "x"}), 403)
    assert_error(await staff.patch(url, json={"outcome": "accepted"}), 422)
    reopened = await staff.patch(url, json={"status": "reviewing"})
    assert reopened.status_code == 200 and reopened.json()["outcome"] is None
    change = (await staff.post("/api/threads", json={"kind": "change", "title": "t", "body": "b"})).json()
    assert_error(await staff.post(f"/api/threads/{change['id']}/answers", json={"body": "x"}), 409)


async def test_moderation(server: InProcessServer, company: Http, agency: Http, staff: Http, clients) -> None:  # type: ignore[no-untyped-def]
    """Moderators hide (with a reason) and restore; the body is null to the public while hidden."""
    clients.append(plain_staff := await server.user("staff"))
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "문제 댓글")
    hide = f"/api/comments/{comment['id']}/hide"
    assert_error(await company.post(hide, json={"reason": "x"}), 403)
    assert_error(await plain_staff.post(hide, json={"reason": "x"}), 403)
    assert_error(await staff.post(hide, json={}), 422)
    assert (await staff.post(hide, json={"reason": "욕설"})).status_code == 200
    assert_error(await staff.post(hide, json={"reason": "욕설"}), 409)
    shown = (await company.get(f"/api/threads/{thread['id']}/comments")).json()["items"][0]
    assert shown["hidden"] is True and shown["body"] is None and shown["seq"] == comment["seq"]
    assert shown["hidden_reason"] == "욕설"
    restored = await staff.post(f"/api/comments/{comment['id']}/restore", json={})
    assert restored.status_code == 200 and restored.json()["body"] == "문제 댓글"
    assert (await company.get(f"/api/threads/{thread['id']}/comments")).json()["items"][0]["hidden"] is False


async def test_sessions(server: InProcessServer, clients: list[Http]) -> None:
    """Log in sets an HttpOnly SameSite=Lax cookie; log out ends the session on the server."""
    (login,) = await server.accounts("agency")
    client = Http(server.base_url)
    clients.append(client)
    assert_error(await client.get("/api/me"), 401)
    assert (await client.get("/api/session")).json() == {"account": None}
    assert_error(await client.post("/api/session", json={"login": login, "password": "wrong-password"}), 401)
    assert_error(await client.post("/api/session", json={"login": "nobody-here", "password": "x" * 10}), 401)
    response = await client.post("/api/session", json={"login": login, "password": "correct horse battery"})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    me = (await client.get("/api/me")).json()
    assert me["login"] == login and me["kind"] == "agency"
    stolen = dict(client.client.cookies)
    assert (await client.delete("/api/session")).status_code == 204
    replay = Http(server.base_url)
    clients.append(replay)
    replay.client.cookies.update(stolen)
    assert_error(await replay.get("/api/me"), 401)


async def test_cross_origin_writes_are_refused(server: InProcessServer, company: Http) -> None:
    """An unsafe request whose Origin names another site is a 403, and nothing is stored."""
    thread = await company.thread()
    url = f"/api/threads/{thread['id']}/comments"
    evil = {"origin": "https://evil.example"}
    assert_error(await company.post(url, json={"body": "csrf"}, headers=evil), 403, "cross_origin")
    assert_error(await company.put(f"/api/threads/{thread['id']}/recommendation", headers=evil), 403)
    assert (await company.get(url)).json()["items"] == []
    same = {"origin": server.base_url}
    assert (await company.post(url, json={"body": "ok"}, headers=same)).status_code == 201


async def test_security_headers(anonymous: Http) -> None:
    """Responses carry a strict Content-Security-Policy and nosniff."""
    response = await anonymous.get("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_rate_limit(make_server, clients: list[Http]) -> None:  # type: ignore[no-untyped-def]
    """Past the per-account write limit: 429 with Retry-After, and the server keeps serving."""
    server = await make_server(rate_limit_per_minute=3)
    clients.append(author := await server.user("company"))
    thread = (await author.post("/api/threads", json={"kind": "proposal", "title": "t", "body": "b"})).json()
    await author.comment(thread["id"], "1")
    await author.comment(thread["id"], "2")
    response = await author.post(f"/api/threads/{thread['id']}/comments", json={"body": "3"})
    assert_error(response, 429, "rate_limited")
    assert int(response.headers["retry-after"]) > 0
    assert (await author.get(f"/api/threads/{thread['id']}")).status_code == 200
