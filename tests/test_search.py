"""Korean search over HTTP on both stacks: particles and compounds, which part matched and its
highlight (escaped), filters with q, relevance paging, hidden and held text never found, similar
proposals, and `tong search reindex`."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.clients import Http
from tests.support.servers import InProcessServer, ProcessServer

ALWAYS_HOLD = {"hold_enabled": True, "hold_words": ("사기",), "office_days": ()}


async def _search(client: Http, q: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/api/threads", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def _ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


async def test_particles_endings_and_compounds(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """`입찰보증금을` finds `입찰 보증금`, `낙찰자가` finds `낙찰자`, `계약` (two syllables) finds
    `수의계약`; the matched words are marked in the highlight."""
    server = await make_server()
    clients.extend([author := await server.user("company"), anyone := Http(server.base_url)])
    bond = await author.thread("입찰 보증금 반환을 빨리 해 주세요", "개찰 후 한 달이 걸립니다.")
    winner = await author.thread("개찰 결과 안내", "낙찰자 선정 기준을 공고에 적어 주세요.")
    private = await author.thread("소액 수의계약 견적 기간", "최소 3일은 보장해 주세요.")
    await author.thread("전혀 다른 이야기", "나라장터 화면 글씨가 작습니다.")

    found = await _search(anyone, "입찰보증금을")
    assert _ids(found) == [bond["id"]]
    assert found[0]["match"] == "title"
    assert found[0]["highlight"] == "<mark>입찰</mark> <mark>보증금</mark> 반환을 빨리 해 주세요"
    found = await _search(anyone, "낙찰자가")
    assert _ids(found) == [winner["id"]]
    assert found[0]["match"] == "body" and "<mark>낙찰자</mark>" in found[0]["highlight"]
    assert _ids(await _search(anyone, "계약")) == [private["id"]]
    assert await _search(anyone, "조달") == []


async def test_comments_and_answers_are_searched_hidden_and_held_are_not(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    server = await make_server(**ALWAYS_HOLD)
    clients.extend(
        [
            author := await server.user("company"),
            other := await server.user("agency"),
            staff := await server.user("staff", ("moderator",)),
            anyone := Http(server.base_url),
        ]
    )
    thread = await author.thread("견적 제출 기간", "너무 짧습니다.")
    comment = await other.comment(thread["id"], "지체상금 감면 기준도 함께 봐 주세요 <script>")
    found = await _search(anyone, "지체상금")
    assert _ids(found) == [thread["id"]] and found[0]["match"] == "comment"
    assert found[0]["highlight"] == "<mark>지체상금</mark> 감면 기준도 함께 봐 주세요 &lt;script&gt;"

    hidden = await staff.post(f"/api/comments/{comment['id']}/hide", json={"reason": "주제와 무관"})
    assert hidden.status_code == 200, hidden.text
    assert await _search(anyone, "지체상금") == []
    restored = await staff.post(f"/api/comments/{comment['id']}/restore", json={})
    assert restored.status_code == 200, restored.text
    assert _ids(await _search(anyone, "지체상금")) == [thread["id"]]

    held = await other.post(f"/api/threads/{thread['id']}/comments", json={"body": "하도급 사기 의심"})
    assert held.status_code == 202, held.text
    assert await _search(anyone, "하도급") == []
    released = await staff.post(f"/api/staff/held/{held.json()['id']}/release", json={})
    assert released.status_code == 200, released.text
    assert _ids(await _search(anyone, "하도급")) == [thread["id"]]

    answer = {"body": "검사 기한을 14일로 정했습니다.", "outcome": "accepted"}
    answered = await staff.post(f"/api/threads/{thread['id']}/answers", json=answer)
    assert answered.status_code == 201, answered.text
    found = await _search(anyone, "검사 기한")
    assert found[0]["match"] == "answer" and "<mark>검사</mark>" in found[0]["highlight"]


async def test_highlights_escape_html(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    server = await make_server()
    clients.append(author := await server.user("company"))
    await author.thread('<img src=x onerror="alert(1)"> 입찰 & 계약', "본문")
    (item,) = await _search(author, "입찰")
    assert item["highlight"] == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <mark>입찰</mark> &amp; 계약"


async def test_filters_combine_with_q_and_relevance_pages(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    server = await make_server(rate_limit_per_minute=0)
    clients.extend([author := await server.user("company"), staff := await server.user("staff")])
    ids = [(await author.thread(f"입찰 공고 개선 {n}", "공고문 양식"))["id"] for n in range(5)]
    best = await author.thread("입찰 공고 공고문 입찰", "입찰 공고문 양식을 통일해 주세요")
    answered = await staff.post(
        f"/api/threads/{ids[0]}/answers", json={"body": "반영합니다", "outcome": "accepted"}
    )
    assert answered.status_code == 201
    change = {"kind": "change", "title": "입찰 공고 양식 변경", "body": "바꿨습니다"}
    await staff.post("/api/threads", json=change)

    everything = await _search(author, "입찰 공고")
    assert len(everything) == 7 and everything[0]["id"] == best["id"]
    assert _ids(await _search(author, "입찰 공고", kind="change")) == [everything_id(everything, "change")]
    assert _ids(await _search(author, "입찰 공고", outcome="accepted")) == [ids[0]]
    assert _ids(await _search(author, "입찰 공고", status="answered")) == [ids[0]]
    assert len(await _search(author, "입찰 공고", since="2000-01-01", until="2999-12-31")) == 7
    assert await _search(author, "입찰 공고", until="2000-01-01") == []
    assert _ids(await _search(author, "입찰 공고", sort="latest", kind="proposal")) == sorted(
        [*ids, best["id"]], reverse=True
    )

    pages: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": "입찰 공고", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = (await author.get("/api/threads", params=params)).json()
        pages += _ids(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == _ids(everything)
    bad = await author.get("/api/threads", params={"sort": "relevance"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == {"sort": "needs_q"}


def everything_id(items: list[dict[str, Any]], kind: str) -> int:
    (found,) = [item["id"] for item in items if item["kind"] == kind]
    return found


async def test_similar_proposals(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    server = await make_server(rate_limit_per_minute=0)
    clients.extend([author := await server.user("company"), staff := await server.user("staff")])
    same = [
        await author.thread("입찰보증금 반환 기한을 정해 주세요", "한 달이 넘게 걸립니다."),
        await author.thread("입찰 보증금을 빨리 돌려받고 싶습니다", "유찰 후에도 늦습니다."),
        await author.thread("보증금 반환 지연", "입찰 보증금이 묶여 있습니다."),
    ]
    await author.thread("검사 일정 안내", "문자로 알려 주세요.")
    change = {"kind": "change", "title": "입찰 보증금 반환 기한", "body": "정했습니다"}
    await staff.post("/api/threads", json=change)
    answer = {"body": "7일 이내", "outcome": "accepted"}
    await staff.post(f"/api/threads/{same[0]['id']}/answers", json=answer)

    response = await author.get("/api/threads/similar", params={"title": "입찰보증금 반환이 늦어요"})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert {i["id"] for i in items} == {t["id"] for t in same}
    (answered,) = [i for i in items if i["id"] == same[0]["id"]]
    assert answered["status"] == "answered" and answered["outcome"] == "accepted"
    excluded = await author.get(
        "/api/threads/similar", params={"title": same[0]["title"], "exclude": same[0]["id"], "limit": 1}
    )
    assert [i["id"] for i in excluded.json()["items"]] in ([same[1]["id"]], [same[2]["id"]])
    none = await author.get("/api/threads/similar", params={"title": "은하수 여행"})
    assert none.json()["items"] == []


async def test_reindex_command(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """`tong search reindex` rebuilds the index from the tables (here after it was emptied) and
    draws a progress bar."""
    server = await make_server()
    clients.append(author := await server.user("company"))
    thread = await author.thread("적격심사 서류 전자 제출", "방문 제출을 없애 주세요")
    await server.services.reader.flush_search()  # the new thread's document, then none
    async with server.services.db.transaction() as session:
        from sqlalchemy import delete

        from server.store.models import SearchDocument

        await session.execute(delete(SearchDocument))
    assert await _search(author, "적격심사") == []
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "server", "search", "reindex"],
        env=ProcessServer(server.settings).environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "search: 1 threads indexed" in result.stdout
    assert "search reindex: 100%" in result.stderr
    assert _ids(await _search(author, "적격심사")) == [thread["id"]]


async def test_edits_and_withdrawals_move_the_index(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """An edited title or comment is found by its new words and no longer by its old ones; a
    withdrawn comment is not found at all."""
    server = await make_server()
    clients.extend([author := await server.user("company"), other := await server.user("agency")])
    thread = await author.thread("낙찰하한율 조정", "덤핑이 늘었습니다.")
    comment = await other.comment(thread["id"], "원가계산 기준도 봐 주세요")
    edited = await author.patch(f"/api/threads/{thread['id']}", json={"title": "예정가격 산정 방식"})
    assert edited.status_code == 200, edited.text
    assert await _search(author, "낙찰하한율") == []
    assert _ids(await _search(author, "예정가격")) == [thread["id"]]
    changed = await other.patch(f"/api/comments/{comment['id']}", json={"body": "설계변경 승인이 늦습니다"})
    assert changed.status_code == 200, changed.text
    assert await _search(author, "원가계산") == []
    assert _ids(await _search(author, "설계변경")) == [thread["id"]]
    deleted = await other.delete(f"/api/comments/{comment['id']}")
    assert deleted.status_code == 200, deleted.text
    assert await _search(author, "설계변경") == []


async def test_new_comments_wait_then_join_their_document_once(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """A new comment's tokens wait in search_pending; the flush loop folds them into the thread's
    document without any search asking, each comment once; one hidden before the flush is never
    in it."""
    from sqlalchemy import select

    from server.store import search
    from server.store.models import SearchDocument

    server = await make_server()
    clients.extend([author := await server.user("company"), other := await server.user("agency")])
    staff = await server.user("staff", ("moderator",))
    clients.append(staff)
    thread = await author.thread("검수 일정", "검수가 늦습니다.")
    for word in ("하자보수", "선급금", "하자보수"):
        await other.comment(thread["id"], f"{word} 기준도 봐 주세요")
    hidden = await other.comment(thread["id"], "대가지급 지연")
    assert (
        await staff.post(f"/api/comments/{hidden['id']}/hide", json={"reason": "중복"})
    ).status_code == 200
    db = server.services.db
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        async with db.read() as session:
            if not await search.has_pending(session):
                break
        assert asyncio.get_running_loop().time() < deadline, "the flush loop never emptied search_pending"
        await asyncio.sleep(0.05)
    async with db.read() as session:
        comments = (
            await session.execute(
                select(SearchDocument.comments).where(SearchDocument.thread_id == thread["id"])
            )
        ).scalar_one()
    tokens = comments.split()
    assert tokens.count("하자") == 2 and tokens.count("선급금") == 1
    assert "대가지급" not in tokens


async def test_concurrent_flushes_take_each_comment_once(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """Flushes running at once (each process runs one) take each waiting comment once: only the
    flush whose transaction deletes a queue row appends that comment."""
    from sqlalchemy import select

    from server.store.models import SearchDocument

    server = await make_server()
    db = server.services.db
    await server.services.reader.search_flush.stop()
    clients.extend([author := await server.user("company"), other := await server.user("agency")])
    thread = await author.thread("선급금 지급", "지급이 늦습니다.")
    await server.services.reader.flush_search()  # the new thread's document
    await asyncio.gather(*(other.comment(thread["id"], f"선급금 의견 {n}") for n in range(60)))

    taken = await asyncio.gather(*(server.services.reader.flush_search() for _ in range(4)))
    assert sum(taken) == 60, taken
    async with db.read() as session:
        comments = (
            await session.execute(
                select(SearchDocument.comments).where(SearchDocument.thread_id == thread["id"])
            )
        ).scalar_one()
    assert comments.split().count("선급금") == 60


async def test_a_rebuild_from_an_older_text_never_overwrites_a_newer_one(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """A flush that analysed a thread before an edit and writes after another flush wrote the
    edited text writes nothing: the document keeps the newer text."""
    from server.store import search

    server = await make_server()
    db = server.services.db
    await server.services.reader.search_flush.stop()
    clients.append(author := await server.user("company"))
    thread = await author.thread("낙찰하한율 조정", "덤핑이 늘었습니다.")
    stale = await search.waiting(db, search.FLUSH_BATCH, upto=2**62)
    assert [r.thread_id for r in stale.rebuilds] == [thread["id"]]
    edited = await author.patch(f"/api/threads/{thread['id']}", json={"title": "예정가격 산정 방식"})
    assert edited.status_code == 200, edited.text
    assert await search.flush(db) == 2
    async with db.transaction() as session:
        assert await search.append(session, stale) == 0
    assert await _search(author, "낙찰하한율") == []
    assert _ids(await _search(author, "예정가격")) == [thread["id"]]
