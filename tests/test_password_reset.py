"""Password reset by e-mail (v1.2): a single-use link valid 30 minutes, mailed through the outbox
to a real SMTP server, only to a confirmed address; the answer never tells whether an account has
the address; the limits drop mails silently; success ends every session of the account."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import unquote

import pytest
import pytest_asyncio
from sqlalchemy import select

from server.store.models import Event, utcnow
from tests.support.clients import PASSWORD, Http
from tests.support.mailing import NEW_PASSWORD, mailing_server
from tests.support.servers import InProcessServer, Stack
from tests.support.smtp_sink import SmtpSink


@pytest_asyncio.fixture(scope="module")
async def mailing(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[InProcessServer, SmtpSink]]:
    """One server per stack for this module, mailing a real SMTP server (a fresh database costs a
    server start; every test uses addresses of its own)."""
    async with mailing_server(stack, tmp_path_factory.mktemp("reset-mail")) as running:
        yield running


def to(sink: SmtpSink, address: str) -> list[EmailMessage]:
    return [m for m in sink.messages() if m["To"] == address]


def reset_token(message: EmailMessage) -> str:
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(r"https://tong\.test/reset-password\?token=(\S+)", text)
    assert found, text
    return unquote(found.group(1))


async def with_address(server: InProcessServer, address: str, verified: bool = True) -> str:
    (login,) = await server.accounts("company")
    account_id = await server.services.mailboxes.account_id(login)
    assert account_id is not None
    await server.services.mailboxes.set_address(account_id, address, verified=verified)
    return login


async def handled(server: InProcessServer, count: int) -> None:
    """Wait until `count` reset requests in all were handled after their answers (a hang guard)."""
    deadline = time.monotonic() + 30
    while sum(server.services.passwords.handled.values()) < count:
        assert time.monotonic() < deadline, dict(server.services.passwords.handled)
        await asyncio.sleep(0.02)


async def account_rows(server: InProcessServer, account_id: int) -> list[Event]:
    async with server.services.db.read() as s:
        rows = await s.execute(select(Event).where(Event.type == "account.changed").order_by(Event.id))  # type: ignore[arg-type]
        return [e for e in rows.scalars().all() if e.payload.get("account_id") == account_id]


async def test_reset_link_sets_the_password_once_and_ends_every_session(
    mailing: tuple[InProcessServer, SmtpSink], clients: list[Http]
) -> None:
    """The mailed link (`/reset-password?token=`) shows its login, refuses a weak password and
    stays usable, then sets the password once: every session of the account ends, the old
    password stops working, the link is spent, and an `account.changed` row says so. A newer link
    does not cancel an older one."""
    server, sink = mailing
    login = await with_address(server, "Reset.Me@Example.KR")
    clients.append(first := Http(server.base_url))
    clients.append(second := Http(server.base_url))
    await first.login(login)
    await second.login(login)
    clients.append(stranger := Http(server.base_url))
    for _ in range(2):
        asked = await stranger.post("/api/password-reset", json={"email": "reset.me@example.kr"})
        assert asked.status_code == 202 and asked.json() == {"accepted": True}
    await sink.wait_for(lambda found: len(to(sink, "Reset.Me@example.kr")) == 2)
    older, newer = to(sink, "Reset.Me@example.kr")
    assert older["To"] == "Reset.Me@example.kr" and "비밀번호" in str(older["Subject"])
    token = reset_token(older)
    assert token != reset_token(newer)

    shown = await stranger.get("/api/password-reset/confirm", params={"token": token})
    assert shown.status_code == 200 and shown.json()["login"] == login
    weak = await stranger.post("/api/password-reset/confirm", json={"token": token, "password": "password"})
    assert weak.status_code == 422 and weak.json()["error"]["fields"] == {"password": "too_weak"}
    done = await stranger.post("/api/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 200, done.text
    assert done.json() == {"login": login, "sessions_ended": 2}

    for client in (first, second):
        assert (await client.get("/api/me")).status_code == 401
    again = await stranger.post(
        "/api/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert again.status_code == 404 and again.json()["error"]["code"] == "invalid_token"
    assert (
        await stranger.post("/api/session", json={"login": login, "password": PASSWORD})
    ).status_code == 401
    assert (await stranger.login(login, NEW_PASSWORD))["login"] == login
    # The newer link still works until it expires.
    assert (
        await stranger.get("/api/password-reset/confirm", params={"token": reset_token(newer)})
    ).status_code == 200
    account_id = await server.services.mailboxes.account_id(login)
    assert account_id is not None
    (row,) = await account_rows(server, account_id)
    assert row.payload["changed"] == ["password"] and row.payload["by"] == "reset"


async def test_expired_and_forged_links_are_refused(
    mailing: tuple[InProcessServer, SmtpSink], clients: list[Http]
) -> None:
    """A link past its 30 minutes answers 404 `expired_token`; a forged or unknown one 404
    `invalid_token`; neither changes the password."""
    server, sink = mailing
    login = await with_address(server, "late@example.kr")
    clients.append(anyone := Http(server.base_url))
    await anyone.post("/api/password-reset", json={"email": "late@example.kr"})
    await sink.wait_for(lambda found: len(to(sink, "late@example.kr")) == 1)
    token = reset_token(to(sink, "late@example.kr")[0])
    later = utcnow() + timedelta(minutes=31)
    server.services.passwords.clock = lambda: later
    try:
        expired = await anyone.post(
            "/api/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
        )
    finally:
        server.services.passwords.clock = utcnow
    assert expired.status_code == 404 and expired.json()["error"]["code"] == "expired_token"
    for forged in (token[:-3] + "xyz", "p.1.abc", "nonsense", "p.９.x"):
        refused = await anyone.post(
            "/api/password-reset/confirm", json={"token": forged, "password": NEW_PASSWORD}
        )
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "invalid_token", forged
    assert (await anyone.login(login))["login"] == login


async def test_the_answer_never_tells_whether_an_account_has_the_address(
    mailing: tuple[InProcessServer, SmtpSink], clients: list[Http]
) -> None:
    """A confirmed address, an unconfirmed one, an unknown one, one over its limit and a string
    that is no address all answer 202 with the same body, headers and (within a bound) time; only
    the confirmed address gets mail, and past 3 an hour its mails are dropped silently."""
    server, sink = mailing
    before = dict(server.services.passwords.handled)
    await with_address(server, "known@example.kr")
    await with_address(server, "pending@example.kr", verified=False)
    clients.append(anyone := Http(server.base_url))

    async def ask(address: str) -> tuple[int, bytes, list[str], float]:
        started = time.perf_counter()
        answer = await anyone.post("/api/password-reset", json={"email": address})
        elapsed = time.perf_counter() - started
        headers = sorted(k for k in answer.headers if k not in ("date", "x-request-id"))
        return answer.status_code, answer.content, headers, elapsed

    answers = []
    # Interleaved, so that load on the machine falls on both sides alike.
    for _ in range(5):
        for address in ("known@example.kr", "nobody@example.kr", "pending@example.kr", "not an address"):
            answers.append((address, await ask(address)))
    shapes = {(status, body, tuple(headers)) for _, (status, body, headers, _) in answers}
    assert len(shapes) == 1, shapes
    assert next(iter(shapes))[:2] == (202, b'{"accepted":true}')
    times = {
        address: statistics.median(t for a, (_, _, _, t) in answers if a == address)
        for address in ("known@example.kr", "nobody@example.kr")
    }
    # The lookup and the mail happen after the answer: a known address is not slower to answer.
    assert times["known@example.kr"] <= 3 * times["nobody@example.kr"] + 0.05, times
    await handled(server, sum(before.values()) + len(answers))
    after = server.services.passwords.handled
    # Each address has its own limit (3 an hour), known or not; a non-address is never counted.
    assert {k: after[k] - before.get(k, 0) for k in after} == {"queued": 3, "limited": 6, "ignored": 11}
    await sink.wait_for(lambda found: len(to(sink, "known@example.kr")) >= 3)
    assert len(to(sink, "known@example.kr")) == 3
    # The unconfirmed address got its confirmation mail only.
    assert all("재설정" not in str(m["Subject"]) for m in to(sink, "pending@example.kr"))


async def test_a_password_change_is_logged_and_ends_the_other_sessions(
    mailing: tuple[InProcessServer, SmtpSink], clients: list[Http]
) -> None:
    """`POST /api/me/password` ends the account's other sessions (not this one) and writes an
    `account.changed` row by the account itself, whose actor a moderator does not see."""
    server, _ = mailing
    (login,) = await server.accounts("company")
    clients.append(here := Http(server.base_url))
    clients.append(there := Http(server.base_url))
    await here.login(login)
    await there.login(login)
    changed = await here.post("/api/me/password", json={"current": PASSWORD, "new": NEW_PASSWORD})
    assert changed.status_code == 204, changed.text
    assert (await here.get("/api/me")).status_code == 200
    assert (await there.get("/api/me")).status_code == 401
    account_id = (await here.get("/api/me")).json()["id"]
    (row,) = await account_rows(server, account_id)
    assert row.payload == {"account_id": account_id, "changed": ["password"], "by": "self"}
    clients.append(moderator := await server.user("staff", ("moderator",)))
    shown = (
        await moderator.get("/api/staff/events", params={"type": "account.changed", "limit": 1000})
    ).json()
    (mine,) = [e for e in shown["items"] if e["payload"].get("account_id") == account_id]
    assert mine["actor"] is None
