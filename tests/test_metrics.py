"""/metrics: label values come from bounded sets, so no series names an account, thread or channel."""

from __future__ import annotations

import asyncio

from prometheus_client.parser import text_string_to_metric_families

from server.events.channels import CHANNEL_KINDS
from tests.support.clients import Http
from tests.support.servers import InProcessServer

Series = frozenset[tuple[str, tuple[tuple[str, str], ...]]]


async def _scrape(client: Http) -> tuple[Series, float]:
    """Every `tong_*` series (name and labels), and the messages published on `me` channels."""
    text = (await client.get("/metrics")).text
    series = set()
    to_me = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if not sample.name.startswith("tong_"):
                continue
            series.add((sample.name, tuple(sorted(sample.labels.items()))))
            if sample.name == "tong_events_published_total" and sample.labels["kind"].startswith("me"):
                to_me += sample.value
    return frozenset(series), to_me


async def _replies(server: InProcessServer, clients: list[Http], count: int) -> None:
    """`count` new accounts each get a reply to their comment, each in a new thread."""
    for _ in range(count):
        clients.append(author := await server.user("company"))
        clients.append(commenter := await server.user("agency"))
        thread = await author.thread()
        comment = await commenter.comment(thread["id"], "질문입니다")
        await author.comment(thread["id"], "답글입니다", parent_id=comment["id"])


async def _settled(client: Http, to_me_at_least: float) -> Series:
    """The series once the publisher has sent the awaited notices to their `me` channels."""
    for _ in range(250):
        series, to_me = await _scrape(client)
        if to_me >= to_me_at_least:
            return series
        await asyncio.sleep(0.02)
    raise AssertionError("the notices were never published")


async def test_metric_series_stay_fixed_as_accounts_and_threads_grow(
    server: InProcessServer, anonymous: Http, clients: list[Http]
) -> None:
    """More accounts answered in more threads add no series: labels hold a channel's family, never its id."""
    _, before = await _scrape(anonymous)
    # Each reply sends a notice and an unread count to the commenter's own channel.
    await _replies(server, clients, 2)
    first = await _settled(anonymous, before + 2 * 2)
    await _replies(server, clients, 4)
    second = await _settled(anonymous, before + 6 * 2)
    assert second == first
    kinds = {dict(labels)["kind"] for name, labels in second if name == "tong_events_published_total"}
    assert {"thread", "me", "board"} <= kinds <= set(CHANNEL_KINDS)
    for _name, labels in second:
        for label, value in labels:
            # A histogram's bucket bound is the one label that holds a number.
            assert label == "le" or not any(c.isdigit() for c in value), (labels, value)
