"""The live core checked across two `tong serve` processes, whatever the broker and the database
path between them (Redis Cluster, PgBouncer): fan-out across processes, gap-free seqs under
concurrent writers delivered once and in order, and watchers counted over both processes."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from tests.support.clients import Http, Socket
from tests.support.processes import create_accounts, logged_in
from tests.support.servers import ProcessServer


async def comment_crosses_processes(a: ProcessServer, b: ProcessServer) -> None:
    (login,) = await create_accounts(a, "company", 1)
    author = await logged_in(a, login)
    thread = await author.thread()
    watcher = await Socket.open(b.ws_url)
    await watcher.subscribe(f"thread:{thread['id']}", since=0)
    posted = await author.comment(thread["id"], "다른 프로세스로")
    (event,) = await watcher.events(1, timeout=15)
    assert event["seq"] == posted["seq"] and event["data"]["comment"]["body"] == "다른 프로세스로"
    await watcher.close()
    await author.aclose()


async def concurrent_posts_delivered_once(a: ProcessServer, b: ProcessServer, posts: int = 100) -> None:
    logins = await create_accounts(a, "agency", 10)
    writers = [await logged_in(a if n % 2 else b, login) for n, login in enumerate(logins)]
    thread = await writers[0].thread()
    watchers = [await Socket.open(s.ws_url) for s in (a, b)]
    for watcher in watchers:
        await watcher.subscribe(f"thread:{thread['id']}", since=0)
    readers = [asyncio.create_task(w.events(posts, timeout=30)) for w in watchers]

    # Ten in flight at a time: concurrent enough to interleave the two processes' commits, while
    # each process's pool stays far below the PostgreSQL connections other test runs share.
    in_flight = asyncio.Semaphore(10)

    async def post(writer: Http, n: int) -> int:
        async with in_flight:
            return (await writer.comment(thread["id"], f"동시 {n}"))["seq"]  # type: ignore[no-any-return]

    seqs = await asyncio.gather(*(post(writers[n % len(writers)], n) for n in range(posts)))
    assert sorted(seqs) == list(range(1, posts + 1))
    for reader in readers:
        assert [e["seq"] for e in await reader] == list(range(1, posts + 1))
    for watcher in watchers:
        assert await watcher.quiet(0.5) == []
        await watcher.close()
    for writer in writers:
        await writer.aclose()


async def watchers_counted_across_processes(a: ProcessServer, b: ProcessServer) -> None:
    (login,) = await create_accounts(a, "company", 1)
    author = await logged_in(a, login)
    thread = await author.thread()
    channel = f"thread:{thread['id']}"
    first, second = await Socket.open(a.ws_url), await Socket.open(b.ws_url)
    await first.subscribe(channel)
    await second.subscribe(channel)
    await first.expect(lambda f: f["type"] == "counts" and f["data"]["watchers"] == 2, timeout=15)
    await second.close()
    await first.expect(lambda f: f["type"] == "counts" and f["data"]["watchers"] == 1, timeout=15)
    await first.close()
    await author.aclose()


async def live_core(a: ProcessServer, b: ProcessServer) -> None:
    await comment_crosses_processes(a, b)
    await concurrent_posts_delivered_once(a, b)
    await watchers_counted_across_processes(a, b)


@dataclass
class Watcher:
    """A socket that records when each event arrived, to tell when it was whole again."""

    socket: Socket
    seqs: list[int] = field(default_factory=list)
    arrived: dict[int, float] = field(default_factory=dict)
    _arrival: asyncio.Event = field(default_factory=asyncio.Event)

    async def read_forever(self) -> None:
        while True:
            event = await self.socket.expect(lambda f: f["type"] == "event", timeout=3600)
            self.seqs.append(event["seq"])
            self.arrived.setdefault(event["seq"], time.monotonic())
            self._arrival.set()

    async def wait_for(self, last: int, timeout: float) -> None:
        """Until this watcher has seen seq `last` (or the timeout passes)."""
        async with asyncio.timeout(timeout):
            while not self.seqs or self.seqs[-1] < last:
                self._arrival.clear()
                await self._arrival.wait()

    def whole_at(self, seq: int) -> float:
        """When this watcher held every event up to `seq`."""
        return max(self.arrived[s] for s in range(1, seq + 1))
