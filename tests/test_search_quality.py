"""Search quality on a labelled set (tests/fixtures/search_corpus.py): the Korean-aware search
against today's substring search, on the same seeded database, same queries, same measures.

precision@5: of the first five results, the share that is relevant (divided by five, or by the
number of relevant threads when a query has fewer). recall@20: of the relevant threads, the share
in the first twenty. Both are averaged over the queries."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import or_, select

from server.store.models import Thread
from tests.fixtures.search_corpus import IDEAS, QUERIES
from tests.support.clients import PASSWORD, unique
from tests.support.servers import InProcessServer, Stack

pytestmark = pytest.mark.slow


@pytest_asyncio.fixture(scope="module")
async def seeded(stack: Stack) -> AsyncIterator[tuple[InProcessServer, dict[int, str]]]:
    """A server on its own database holding the corpus; thread id -> idea."""
    running = await InProcessServer(await stack.fresh_settings(rate_limit_per_minute=0)).start()
    discussion = running.services.discussion
    logins = [unique("company") for _ in range(8)]
    authors = await discussion.create_accounts(logins, PASSWORD, "company")
    (staff,) = await discussion.create_accounts([unique("staff")], PASSWORD, "staff", ["moderator"])
    ideas: dict[int, str] = {}
    n = 0
    for idea, threads in IDEAS.items():
        for spec in threads:
            n += 1
            thread = await discussion.create_thread(authors[n % 8], "proposal", spec["t"], spec["b"])
            ideas[thread["id"]] = idea
            for i, body in enumerate(spec.get("c", [])):
                await discussion.post_comment(authors[(n + i + 1) % 8], thread["id"], body)
            if "a" in spec:
                await discussion.answer(staff, thread["id"], spec["a"][0], spec["a"][1])
    yield running, ideas
    await running.stop()


def _relevant(ideas: dict[int, str], wanted: list[str]) -> set[int]:
    return {thread_id for thread_id, idea in ideas.items() if idea in wanted}


def _measure(results: list[list[int]], relevant: list[set[int]]) -> tuple[float, float]:
    precision = recall = 0.0
    for found, wanted in zip(results, relevant, strict=True):
        precision += len(set(found[:5]) & wanted) / min(5, len(wanted))
        recall += len(set(found[:20]) & wanted) / len(wanted)
    return precision / len(results), recall / len(results)


async def _new(server: InProcessServer, q: str) -> list[int]:
    _, items, _ = await server.services.reader.list_threads(
        kind=None, status=None, sort=None, q=q, cursor=None, limit=20, viewer=None
    )
    return [item["id"] for item in items]


async def _old(server: InProcessServer, q: str) -> list[int]:
    """Today's search as it was before this change: the whole query as a substring of the title
    or the body, newest first (reading.py's ILIKE)."""
    escaped = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    stmt = (
        select(Thread.id)
        .where(or_(Thread.title.ilike(pattern, escape="\\"), Thread.body.ilike(pattern, escape="\\")))  # type: ignore[attr-defined]
        .order_by(Thread.id.desc())  # type: ignore[union-attr]
        .limit(20)
    )
    async with server.services.db.read() as session:
        return list((await session.execute(stmt)).scalars())


async def test_korean_search_beats_substring_search(seeded: tuple[InProcessServer, dict[int, str]]) -> None:
    server, ideas = seeded
    assert len(QUERIES) >= 60
    relevant = [_relevant(ideas, wanted) for _, wanted in QUERIES]
    new = [await _new(server, q) for q, _ in QUERIES]
    old = [await _old(server, q) for q, _ in QUERIES]
    new_p, new_r = _measure(new, relevant)
    old_p, old_r = _measure(old, relevant)
    report = (
        f"new: precision@5 {new_p:.3f} recall@20 {new_r:.3f}; "
        f"substring: precision@5 {old_p:.3f} recall@20 {old_r:.3f}"
    )
    print(report)
    misses = [
        (q, len(set(found[:5]) & wanted), len(set(found[:20]) & wanted), len(wanted))
        for (q, _), found, wanted in zip(QUERIES, new, relevant, strict=True)
        if len(set(found[:20]) & wanted) < len(wanted)
    ]
    assert new_p >= 0.6, (report, misses)
    assert new_r >= 0.8, (report, misses)
    assert new_p >= old_p + 0.2 and new_r >= old_r + 0.2, report
