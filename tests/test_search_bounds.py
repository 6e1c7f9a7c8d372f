"""What one searcher or one long text may cost everyone else: the Korean analysis runs outside
every write transaction, a query is words (at most 200 characters), and searches are limited per
client address."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from server.store import analyser, search
from tests.support.clients import Http
from tests.support.servers import InProcessServer

# The body of a long proposal: the marker lets the blocked analyser pick it out.
MARK = "장기계속계약"
LONG_BODY = (MARK + " 차수별 계약의 물가변동 조정 기준을 정해 주세요. " * 700)[:20_000]
# A bound for a test that fails, not a timing: every step here is a few milliseconds when it works.
GIVE_UP_S = 30


class BlockedAnalysis:
    """`search.analyse_parts` held, for texts carrying MARK, until `release` is set."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self._real = search.analyse_parts

    def __call__(self, texts: dict[str, list[str]]) -> dict[str, str]:
        if any(MARK in text for part in texts.values() for text in part):
            self.started.set()
            self.release.wait(GIVE_UP_S * 2)
        return self._real(texts)

    async def wait_started(self) -> None:
        assert await asyncio.to_thread(self.started.wait, GIVE_UP_S), "the long text was never analysed"


@pytest.fixture
def blocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[BlockedAnalysis]:
    analysis = BlockedAnalysis()
    monkeypatch.setattr(search, "analyse_parts", analysis)
    yield analysis
    analysis.release.set()


async def _within(task: asyncio.Task[Any], what: str) -> Any:
    done, _ = await asyncio.wait({task}, timeout=GIVE_UP_S)
    assert task in done, f"{what} waited for the blocked analysis"
    return task.result()


async def _search(client: Http, q: str) -> list[int]:
    response = await client.get("/api/threads", params={"q": q})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_a_comment_commits_while_a_long_edit_is_analysed(
    make_server: Callable[..., Awaitable[InProcessServer]],
    clients: list[Http],
    blocked: BlockedAnalysis,
) -> None:
    """While the analysis of a proposal's 20,000-character edit is held, another user's comment on
    that same proposal commits (no write lock or row lock waits for the analyser), and once the
    analysis goes on, a search finds the new text."""
    server = await make_server()
    clients.extend([author := await server.user("company"), other := await server.user("agency")])
    thread = await author.thread("물가변동 조정", "계약금액 조정이 늦습니다.")
    await server.services.reader.flush_search()
    edit = asyncio.create_task(author.patch(f"/api/threads/{thread['id']}", json={"body": LONG_BODY}))
    await blocked.wait_started()
    comment = asyncio.create_task(other.comment(thread["id"], "같은 문제를 겪고 있습니다"))
    posted = await _within(comment, "another user's comment")
    assert not blocked.release.is_set()
    assert posted["seq"] > thread["seq"]
    edited = await _within(edit, "the edit itself")
    assert edited.status_code == 200, edited.text
    blocked.release.set()
    assert await _search(other, MARK) == [thread["id"]]


async def test_a_comment_commits_while_a_long_proposal_is_analysed(
    make_server: Callable[..., Awaitable[InProcessServer]],
    clients: list[Http],
    blocked: BlockedAnalysis,
) -> None:
    """While a new 20,000-character proposal's analysis is held, the proposal has been stored and
    another user's comment on another thread commits; the proposal is found once it goes on."""
    server = await make_server()
    clients.extend([author := await server.user("company"), other := await server.user("agency")])
    elsewhere = await other.thread("검수 일정", "검수가 늦습니다.")
    await server.services.reader.flush_search()
    proposal = asyncio.create_task(author.thread("장기계속계약 물가변동", LONG_BODY))
    await blocked.wait_started()
    comment = asyncio.create_task(other.comment(elsewhere["id"], "저도 그렇습니다"))
    posted = await _within(comment, "another user's comment")
    assert not blocked.release.is_set()
    assert posted["body"] == "저도 그렇습니다"
    created = await _within(proposal, "the proposal itself")
    blocked.release.set()
    assert await _search(other, MARK) == [created["id"]]


async def test_a_long_query_is_refused(server: InProcessServer, company: Http) -> None:
    """A search query or a similar-proposal title over 200 characters is a 422 naming the field."""
    long_query = "입찰 " * 100
    response = await company.get("/api/threads", params={"q": long_query[: analyser.MAX_QUERY + 1]})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"] == {"q": "too_long"}
    similar = await company.get("/api/threads/similar", params={"title": long_query})
    assert similar.status_code == 422, similar.text
    assert similar.json()["error"]["fields"] == {"title": "too_long"}
    fits = await company.get("/api/threads", params={"q": long_query[: analyser.MAX_QUERY]})
    assert fits.status_code == 200, fits.text


def test_the_analyser_reads_a_bounded_text_in_pieces() -> None:
    """A text is analysed up to MAX_INPUT characters, in pieces cut at spaces, so a search waits
    for one piece of a long document's analysis, not all of it."""
    text = "가나다 " * 10_000
    parts = analyser.pieces(text[: analyser.MAX_INPUT])
    assert "".join(parts) == text[: analyser.MAX_INPUT]
    assert all(len(p) <= analyser.PIECE for p in parts)
    assert all(p.endswith("다") or p.endswith(" ") for p in parts[:-1])
    assert analyser.pieces("x" * (analyser.PIECE + 5)) == ["x" * analyser.PIECE, "xxxxx"]


async def test_searches_are_limited_per_address(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """Past the per-address budget a search (and a similar-proposal look-up) gets 429
    rate_limited with Retry-After; listing without q is not counted."""
    server = await make_server(search_limit_per_minute=3)
    clients.append(reader := await server.user("company"))
    for _ in range(3):
        assert (await reader.get("/api/threads", params={"q": "입찰"})).status_code == 200
    for response in (
        await reader.get("/api/threads", params={"q": "입찰"}),
        await reader.get("/api/threads/similar", params={"title": "입찰 보증금"}),
    ):
        assert response.status_code == 429, response.text
        assert response.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert (await reader.get("/api/threads")).status_code == 200


async def test_texts_and_queries_are_analysed_up_to_their_caps() -> None:
    """Words past a text's cap (MAX_INPUT) or a query's (MAX_QUERY) are not analysed: a longer
    text or query costs the analyser no more."""
    await analyser.ready()
    assert await asyncio.to_thread(analyser.tokens, "입찰 보증금", 3) == ["입찰"]
    padded = "입찰 " * (analyser.MAX_QUERY // 3 + 1) + "보증금"
    assert await asyncio.to_thread(analyser.query_terms, padded) == ["입찰"]
    assert "보증금" in await asyncio.to_thread(analyser.query_terms, "입찰 보증금")
