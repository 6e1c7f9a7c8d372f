"""Proposals are reported, hidden and restored (v1.2): a hidden proposal keeps its place and
number while its text, and its comments' text, are null to the public in every path."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer


def _letters(prefix: str) -> str:
    """A word no other test wrote, in letters only (digits could read as an identifier)."""
    return prefix + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:10])


async def _events(staff: Http, **params: Any) -> list[dict[str, Any]]:
    response = await staff.get("/api/staff/events", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


async def test_report_hide_restore_thread(company: Http, agency: Http, staff: Http) -> None:
    """A reported proposal is in the queue with its category; hiding it resolves the report,
    shows it null to the public, and restoring brings its text back."""
    thread = await company.thread(_letters("숨길제안"), "문제 있는 본문")
    url = f"/api/threads/{thread['id']}/reports"
    bad = await agency.post(url, json={"reason": "광고", "category": "spam"})
    assert bad.status_code == 422
    response = await agency.post(url, json={"reason": "광고 글", "category": "advertising"})
    assert response.status_code == 201, response.text
    assert response.json()["category"] == "advertising"
    assert (await agency.post(url, json={"reason": "again"})).status_code == 409
    queue = (await staff.get("/api/staff/reports")).json()["items"]
    (item,) = [i for i in queue if i.get("kind") == "thread" and i["thread"]["id"] == thread["id"]]
    assert item["thread"]["body"] == "문제 있는 본문" and item["reasons"][0]["category"] == "advertising"

    assert (
        await company.post(f"/api/threads/{thread['id']}/hide", json={"reason": "광고"})
    ).status_code == 403
    hidden = await staff.post(f"/api/threads/{thread['id']}/hide", json={"reason": "광고성 게시물"})
    assert hidden.status_code == 200, hidden.text
    assert hidden.json()["seq"] == thread["seq"] + 1
    again = await staff.post(f"/api/threads/{thread['id']}/hide", json={"reason": "x"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_hidden"
    shown = (await agency.get(f"/api/threads/{thread['id']}")).json()
    assert shown["hidden"] is True and shown["title"] is None and shown["body"] is None
    assert shown["hidden_reason"] == "광고성 게시물"
    queue = (await staff.get("/api/staff/reports")).json()["items"]
    assert not [i for i in queue if i.get("kind") == "thread" and i["thread"]["id"] == thread["id"]]

    restored = await staff.post(f"/api/threads/{thread['id']}/restore")
    assert restored.status_code == 200, restored.text
    shown = (await agency.get(f"/api/threads/{thread['id']}")).json()
    assert shown["title"] == thread["title"] and shown["body"] == "문제 있는 본문"
    assert not shown.get("hidden")
    types = [e["type"] for e in await _events(staff, thread_id=thread["id"])]
    assert types.count("thread.hidden") == 1 and types.count("thread.restored") == 1
    assert "report.filed" in types


async def test_hidden_thread_null_in_every_public_path(
    server: InProcessServer, company: Http, agency: Http, staff: Http, anonymous: Http
) -> None:
    """List (its place kept), search, similar, comments, revisions, a change thread's links and a
    replay from seq all show the hidden proposal's text (and its comments') as null."""
    word = _letters("비밀단어")
    thread = await company.thread(f"{word} 제안 제목", f"{word} 본문")
    await company.patch(f"/api/threads/{thread['id']}", json={"body": f"{word} 고친 본문"})
    comment = await agency.comment(thread["id"], f"{word} 댓글")
    change = await staff.post(
        "/api/threads",
        json={"kind": "change", "title": "이렇게 바꾸었습니다", "body": "변경", "links": [thread["id"]]},
    )
    assert change.status_code == 201, change.text
    newer = await company.thread(_letters("뒤의 제안"))
    assert (
        await staff.post(f"/api/threads/{thread['id']}/hide", json={"reason": "명예훼손"})
    ).status_code == 200

    page = (await anonymous.get("/api/threads", params={"limit": 50})).json()["items"]
    ids = [t["id"] for t in page]
    assert ids.index(newer["id"]) < ids.index(thread["id"])
    (listed,) = [t for t in page if t["id"] == thread["id"]]
    assert listed["hidden"] is True and listed["title"] is None and listed["excerpt"] is None
    found = (await anonymous.get("/api/threads", params={"q": word})).json()["items"]
    assert thread["id"] not in [t["id"] for t in found]
    similar = (await anonymous.get("/api/threads/similar", params={"title": f"{word} 제안 제목"})).json()
    assert thread["id"] not in [t["id"] for t in similar["items"]]
    comments = (await anonymous.get(f"/api/threads/{thread['id']}/comments")).json()["items"]
    assert [c["seq"] for c in comments] == [comment["seq"]] and comments[0]["body"] is None
    revisions = (await anonymous.get(f"/api/threads/{thread['id']}/revisions")).json()["items"]
    assert len(revisions) == 2 and all(r["title"] is None and r["body"] is None for r in revisions)
    comment_revisions = (await anonymous.get(f"/api/comments/{comment['id']}/revisions")).json()["items"]
    assert all(r["body"] is None for r in comment_revisions)
    links = (await anonymous.get(f"/api/threads/{change.json()['id']}")).json()["links"]
    assert links[0]["title"] is None and links[0]["hidden"] is True

    socket = await Socket.open(server.ws_url)
    await socket.subscribe(f"thread:{thread['id']}", since=0)
    frames = await socket.events(4)
    await socket.close()
    assert [f["event"] for f in frames][-1] == "thread.hidden"
    assert word not in str(frames)
    assert word not in (await anonymous.get(f"/api/threads/{thread['id']}")).text


async def test_hidden_thread_takes_no_comments_and_board_learns(
    server: InProcessServer, company: Http, agency: Http, staff: Http
) -> None:
    """Watchers of the thread get thread.hidden with the next seq, the board a summary with the
    text null; a comment, an edit or a recommendation on it is 409 thread_hidden."""
    thread = await company.thread(_letters("보드"))
    socket = await Socket.open(server.ws_url)
    await socket.subscribe(f"thread:{thread['id']}", since=thread["seq"])
    await socket.subscribe("board")
    await staff.post(f"/api/threads/{thread['id']}/hide", json={"reason": "개인정보 노출"})
    frame = await socket.expect(lambda f: f.get("event") == "thread.hidden")
    assert frame["seq"] == thread["seq"] + 1
    assert frame["data"] == {"thread_id": thread["id"], "hidden": True, "reason": "개인정보 노출"}
    summary = await socket.expect(
        lambda f: f.get("event") == "thread.summary" and f["data"]["thread"]["id"] == thread["id"]
    )
    assert summary["data"]["thread"]["title"] is None and summary["data"]["thread"]["hidden"] is True
    await socket.close()
    response = await agency.post(f"/api/threads/{thread['id']}/comments", json={"body": "댓글"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "thread_hidden"
    response = await company.patch(f"/api/threads/{thread['id']}", json={"body": "고침"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "thread_hidden"
    response = await agency.put(f"/api/threads/{thread['id']}/recommendation")
    assert response.status_code == 409 and response.json()["error"]["code"] == "thread_hidden"
    await staff.post(f"/api/threads/{thread['id']}/restore")
    assert (
        await agency.post(f"/api/threads/{thread['id']}/comments", json={"body": "댓글"})
    ).status_code == 201


async def test_notice_titles_of_a_hidden_thread_are_null(company: Http, agency: Http, staff: Http) -> None:
    """A follower's notice about a proposal hidden since shows its title null; its author gets a
    moderation notice with the reason and what to appeal."""
    thread = await company.thread(_letters("알림제안"))
    await agency.put(f"/api/threads/{thread['id']}/follow")
    await staff.post(f"/api/threads/{thread['id']}/answers", json={"body": "검토하겠습니다"})
    await staff.post(f"/api/threads/{thread['id']}/hide", json={"reason": "비방"})
    notices = (await agency.get("/api/me/notices")).json()["items"]
    mine = [n for n in notices if n["thread_id"] == thread["id"]]
    assert mine and all(n["data"]["title"] is None for n in mine)
    # Written in the hide's own transaction: there once the hide has answered.
    told = [n for n in (await company.get("/api/me/notices")).json()["items"] if n["kind"] == "moderation"]
    (notice,) = [n for n in told if n["thread_id"] == thread["id"]]
    assert notice["data"]["reason"] == "비방" and notice["data"]["action"] == "hidden"
    assert notice["data"]["appeal"] == {"kind": "thread", "id": thread["id"]}


async def test_comment_report_category(company: Http, agency: Http, staff: Http) -> None:
    """A comment report takes the same optional category; an unknown one is 422."""
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "댓글")
    url = f"/api/comments/{comment['id']}/reports"
    assert (await company.post(url, json={"reason": "x", "category": "nope"})).status_code == 422
    response = await company.post(url, json={"reason": "개인정보", "category": "personal_info"})
    assert response.status_code == 201 and response.json()["category"] == "personal_info"
    queue = (await staff.get("/api/staff/reports")).json()["items"]
    (item,) = [i for i in queue if i.get("comment", {}).get("id") == comment["id"]]
    assert item["reasons"][0]["category"] == "personal_info"
