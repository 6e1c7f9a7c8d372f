"""Sockets follow sessions: on logout, account disabling and session expiry, a staff account's
sockets on every process lose the staff channel (an error frame) and cannot subscribe again."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import asyncpg

from tests.support.clients import Http, Socket
from tests.support.processes import create_accounts, logged_in, two_servers
from tests.support.servers import ProcessServer, Stack

# The hub re-checks staff sessions against SQL every 10 s (hub.SESSION_RECHECK_S); a tick more.
EXPIRY_NOTICED_S = 12.0


async def staff_sockets(staff: Http, servers: tuple[ProcessServer, ...]) -> list[Socket]:
    sockets = []
    for server in servers:
        socket = await Socket.open(server.ws_url, cookie=staff.cookie)
        assert (await socket.subscribe("staff"))["type"] == "subscribed"
        sockets.append(socket)
    return sockets


async def assert_staff_lost(socket: Socket, timeout: float = 5.0) -> None:
    """The socket got an error frame for `staff`, stays open, and may not subscribe again."""
    ended = await socket.expect(lambda f: f["type"] == "error" and f.get("channel") == "staff", timeout)
    assert ended["code"] == "session_ended"
    again = await socket.subscribe("staff")
    assert again["type"] == "error" and again["code"] == "forbidden"
    await socket.send({"op": "ping"})
    await socket.expect(lambda f: f["type"] == "pong")


async def no_staff_events(socket: Socket, author: Http) -> None:
    """After its session ended, nothing more arrives on the staff channel."""
    thread = await author.thread("세션이 끝난 뒤")
    await author.comment(thread["id"], "직원 채널에 가면 안 됨")
    seen: list[dict[str, Any]] = []
    try:
        while True:
            seen.append(await socket.recv(1.0))
    except TimeoutError:
        pass
    assert [f for f in seen if f.get("channel") == "staff"] == []


async def test_logout_ends_staff_subscriptions_on_every_process(pg: Stack) -> None:
    """DELETE /api/session: the account's staff sockets on both processes get an error frame,
    lose the staff channel, and cannot resubscribe; their other sockets' sessions are untouched."""
    async with two_servers(pg) as (a, b):
        (login,) = await create_accounts(a, "staff", 1)
        (writer_login,) = await create_accounts(a, "company", 1)
        staff, other_session = await logged_in(a, login), await logged_in(b, login)
        sockets = await staff_sockets(staff, (a, b))
        kept = await staff_sockets(other_session, (b,))
        response = await staff.client.delete("/api/session")
        assert response.status_code == 204
        for socket in sockets:
            await assert_staff_lost(socket)
        author = await logged_in(a, writer_login)
        await no_staff_events(sockets[1], author)
        # The same account's other session still reads the staff channel.
        event = await kept[0].expect(lambda f: f["type"] == "event" and f["channel"] == "staff")
        assert event["channel"] == "staff"
        for socket in sockets + kept:
            await socket.close()
        for client in (staff, other_session, author):
            await client.aclose()


async def test_disabled_account_loses_staff_on_every_process(pg: Stack) -> None:
    """`tong accounts disable LOGIN` (a process of its own): the account's staff sockets on both
    serving processes lose the staff channel at once, through the broker."""
    async with two_servers(pg) as (a, b):
        (login,) = await create_accounts(a, "staff", 1)
        staff = await logged_in(b, login)
        sockets = await staff_sockets(staff, (a, b))
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "server", "accounts", "disable", login],
            env=a.environment(),
            capture_output=True,
        )
        assert done.returncode == 0, done.stderr.decode()
        for socket in sockets:
            await assert_staff_lost(socket)
        assert (await staff.client.get("/api/session")).json()["account"] is None
        for socket in sockets:
            await socket.close()
        await staff.aclose()


async def test_expired_session_loses_staff_on_every_process(pg: Stack) -> None:
    """A session that expires while its sockets are open: they lose the staff channel within
    seconds on both processes, without any request from the client."""
    async with two_servers(pg) as (a, b):
        (login,) = await create_accounts(a, "staff", 1)
        staff = await logged_in(a, login)
        sockets = await staff_sockets(staff, (a, b))
        dsn = a.settings.effective_database_url.replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(
                "UPDATE account_session SET expires_at = now() - interval '1 second' "
                "WHERE account_id = (SELECT id FROM account WHERE login = $1)",
                login,
            )
        finally:
            await conn.close()
        for socket in sockets:
            await assert_staff_lost(socket, EXPIRY_NOTICED_S)
        for socket in sockets:
            await socket.close()
        await staff.aclose()
