"""Several server processes sharing PostgreSQL and Redis: fan-out across processes, gap-free seqs
under concurrent writers, and a Redis outage that loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.clients import Http, Socket
from tests.support.processes import create_accounts, logged_in, two_servers
from tests.support.servers import PrivateRedis, ProcessServer, Stack


async def test_comment_crosses_processes(pg: Stack) -> None:
    """A comment posted through one process reaches a watcher connected to the other."""
    async with two_servers(pg) as (a, b):
        (login,) = await create_accounts(a, "company", 1)
        author = await logged_in(a, login)
        thread = await author.thread()
        watcher = await Socket.open(b.ws_url)
        await watcher.subscribe(f"thread:{thread['id']}", since=0)
        posted = await author.comment(thread["id"], "다른 프로세스로")
        (event,) = await watcher.events(1)
        assert event["seq"] == posted["seq"] and event["data"]["comment"]["body"] == "다른 프로세스로"
        await watcher.close()
        await author.aclose()


async def test_concurrent_posts_are_gap_free_and_delivered_once(pg: Stack) -> None:
    """200 concurrent posts over two processes into one thread: seq 1..200, no gap, each delivered
    exactly once and in order to a watcher on each process."""
    async with two_servers(pg) as (a, b):
        logins = await create_accounts(a, "agency", 20)
        writers = [await logged_in(a if n % 2 else b, login) for n, login in enumerate(logins)]
        thread = await writers[0].thread()
        watchers = [await Socket.open(s.ws_url) for s in (a, b)]
        for watcher in watchers:
            await watcher.subscribe(f"thread:{thread['id']}", since=0)
        readers = [asyncio.create_task(w.events(200, timeout=30)) for w in watchers]

        async def post(writer: Http, n: int) -> int:
            return (await writer.comment(thread["id"], f"동시 {n}"))["seq"]

        seqs = await asyncio.gather(*(post(writers[n % 20], n) for n in range(200)))
        assert sorted(seqs) == list(range(1, 201))
        for reader in readers:
            events = await reader
            assert [e["seq"] for e in events] == list(range(1, 201))
        for watcher in watchers:
            assert await watcher.quiet(0.5) == []
            await watcher.close()
        for writer in writers:
            await writer.aclose()


async def test_workers_option_serves_with_redis(pg: Stack) -> None:
    """`tong serve --workers 2` with REDIS_URL starts worker processes that share the broker, and the
    search model: one copy for the machine."""
    server = ProcessServer(await pg.fresh_settings(), workers=2)
    await server.start()
    try:
        assert server.process is not None
        children = psutil.Process(server.process.pid).children()
        workers = [p for p in children if "resource_tracker" not in " ".join(p.cmdline())]
        assert len(workers) == 2, [p.cmdline() for p in children]
        (login,) = await create_accounts(server, "company", 1)
        author = await logged_in(server, login)
        thread = await author.thread()
        watchers = [await Socket.open(server.ws_url) for _ in range(4)]
        for watcher in watchers:
            await watcher.subscribe(f"thread:{thread['id']}", since=0)
        await author.comment(thread["id"], "워커")
        for watcher in watchers:
            assert [e["seq"] for e in await watcher.events(1)] == [1]
            await watcher.close()
        await author.aclose()
        # The workers were forked after the supervisor loaded the search model: its pages are
        # shared, so the tree's PSS is far below its RSS (spawned workers, each with a model of its
        # own, measured 0.88 here; forked ones about 0.3; `tong bench workers` measures the target).
        tree = [psutil.Process(server.process.pid), *workers]
        pss = sum(proportional_set_size(p.pid) for p in tree)
        rss = sum(p.memory_info().rss for p in tree)
        assert pss < 0.6 * rss, (pss, rss)
    finally:
        await server.stop()


def proportional_set_size(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no Pss in /proc/{pid}/smaps_rollup")


async def readyz_until(server: ProcessServer, status: int, timeout: float = 15.0) -> httpx.Response:
    """Poll `/readyz` until it answers `status`."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient() as probe:
        while True:
            response = await probe.get(server.base_url + "/readyz")
            if response.status_code == status:
                return response
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail(f"/readyz still answers {response.status_code}, not {status}")
            await asyncio.sleep(0.05)


async def test_redis_outage_loses_nothing(pg: Stack, tmp_path: Path) -> None:
    """While Redis is down, writes succeed and watchers on another process still get every event
    (late, from SQL); /readyz says degraded; when Redis is back, fan-out resumes."""
    redis = PrivateRedis(tmp_path)
    await redis.start()
    try:
        async with two_servers(pg, redis_url=redis.url, degraded_poll_interval=0.5) as (a, b):
            (login,) = await create_accounts(a, "company", 1)
            author = await logged_in(a, login)
            thread = await author.thread()
            watcher = await Socket.open(b.ws_url)
            await watcher.subscribe(f"thread:{thread['id']}", since=0)
            await author.comment(thread["id"], "before")
            assert [e["seq"] for e in await watcher.events(1)] == [1]

            redis.stop()
            # Polled, not slept on: the process notices the outage on its next broker round trip.
            ready = await readyz_until(b, 503)
            assert ready.json()["status"] == "degraded"
            during = [await author.comment(thread["id"], f"during {n}") for n in range(3)]
            events = await watcher.events(3, timeout=10)
            assert [e["seq"] for e in events] == [p["seq"] for p in during] == [2, 3, 4]

            await redis.start()
            await readyz_until(b, 200)
            after = await author.comment(thread["id"], "after")
            (event,) = await watcher.events(1, timeout=10)
            assert event["seq"] == after["seq"] == 5
            assert await watcher.quiet(1.0) == []
            await watcher.close()
            await author.aclose()
    finally:
        redis.stop()


async def test_notice_crosses_processes(pg: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    """An answer posted through one process rings the author's bell on a socket connected to the
    other: a `notice` frame, then `unread`; another account's `me` socket there hears neither.
    Prints the delay from the answer's notice row (written just before commit) to the frame."""
    async with two_servers(pg) as (a, b):
        (author_login,) = await create_accounts(a, "company", 1)
        (other_login,) = await create_accounts(a, "agency", 1)
        (staff_login,) = await create_accounts(a, "staff", 1)
        logins = (author_login, other_login, staff_login)
        author, other, staff = [await logged_in(a, login) for login in logins]
        thread = await author.thread()
        bell = await Socket.open(b.ws_url, cookie=author.cookie)
        stranger = await Socket.open(b.ws_url, cookie=other.cookie)
        for socket in (bell, stranger):
            assert (await socket.subscribe("me"))["type"] == "subscribed"
        delays = []
        for n in range(1, 11):
            response = await staff.post(f"/api/threads/{thread['id']}/answers", json={"body": f"답변 {n}"})
            assert response.status_code == 201, response.text
            frame = await bell.expect(lambda f: f["type"] == "notice")
            arrived = datetime.now(UTC)
            notice = frame["data"]["notice"]
            assert notice["answer_id"] == response.json()["id"] and notice["kind"] == "answer"
            unread = await bell.expect(lambda f: f["type"] == "unread")
            assert unread["data"] == {"count": n}
            delays.append((arrived - datetime.fromisoformat(notice["created_at"])).total_seconds())
        heard = []
        with contextlib.suppress(TimeoutError):
            while True:
                heard.append((await stranger.recv(0.5))["type"])
        assert "notice" not in heard and "unread" not in heard
        with capsys.disabled():
            load = psutil.getloadavg()
            print(
                "\nanswer -> notice frame on the other process: "
                f"median {statistics.median(delays) * 1000:.1f} ms, "
                f"max {max(delays) * 1000:.1f} ms over {len(delays)} (load average {load[0]:.2f})"
            )
        for socket in (bell, stranger):
            await socket.close()
        for client in (author, other, staff):
            await client.aclose()
