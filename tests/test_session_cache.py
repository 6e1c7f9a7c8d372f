"""Each process remembers good sessions (no SQL read per request); an ended session must stop
working on every process at once, not when the cache entry ages out. Two `tong serve` processes
on PostgreSQL and Redis, the cache's age limit set far beyond the test: only the broker's
`revoked` messages can make the second process let go."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from tests.support.clients import PASSWORD, Http
from tests.support.processes import create_accounts, logged_in, two_servers
from tests.support.servers import ProcessServer, Stack

# Long enough that passing can only mean the broker carried the end.
CACHE_S = "600"
# How long an end may take to reach the other process (a broker hop; generous for a loaded machine).
REACH_S = 10.0


async def me_status(client: Http, server: ProcessServer) -> int:
    response = await client.client.get(server.base_url + "/api/me")
    return response.status_code


async def refused_within(client: Http, server: ProcessServer) -> None:
    """Poll until the session is refused on `server`, failing after REACH_S."""
    deadline = time.monotonic() + REACH_S
    while await me_status(client, server) != 401:
        assert time.monotonic() < deadline, "the ended session still works on the other process"
        await asyncio.sleep(0.05)


async def test_ended_sessions_stop_working_on_every_process(pg: Stack) -> None:
    async with two_servers(pg, env={"TONG_SESSION_CACHE_S": CACHE_S}) as (a, b):
        logins = await create_accounts(a, "company", 3)

        # Logout on one process: the other, which has the session cached, refuses it.
        user = await logged_in(a, logins[0])
        assert await me_status(user, b) == 200  # b reads and caches it
        assert await me_status(user, b) == 200  # from b's cache
        cookie = user.cookie
        assert (await user.delete("/api/session")).status_code == 204
        user.client.cookies.set("tong_session", cookie.split("=", 1)[1])
        await refused_within(user, b)
        assert await me_status(user, a) == 401

        # A password change ends the account's other sessions everywhere; the changing one goes on.
        first, second = await logged_in(a, logins[1]), await logged_in(b, logins[1])
        assert await me_status(second, b) == 200
        assert await me_status(first, a) == 200
        changed = await first.post("/api/me/password", json={"current": PASSWORD, "new": PASSWORD + "-2nd"})
        assert changed.status_code == 204, changed.text
        await refused_within(second, b)
        assert await me_status(first, a) == 200 and await me_status(first, b) == 200

        # `tong accounts disable`, a separate process, reaches both servers' caches.
        third = await logged_in(a, logins[2])
        assert await me_status(third, a) == 200 and await me_status(third, b) == 200
        disabled = subprocess.run(
            [sys.executable, "-m", "server", "accounts", "disable", logins[2]],
            env=a.environment(),
            capture_output=True,
            check=False,
        )
        assert disabled.returncode == 0, disabled.stderr.decode()
        await refused_within(third, a)
        await refused_within(third, b)
        for client in (user, first, second, third):
            await client.aclose()
