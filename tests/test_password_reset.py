"""Password reset by e-mail (v1.2): a single-use link valid 30 minutes, mailed through the outbox
to a real SMTP server, only to a confirmed address; the answer never tells whether an account has
the address; the limits drop mails silently; success ends every session of the account."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote

from sqlalchemy import select

from server.store.models import Event, utcnow
from tests.support.clients import PASSWORD, Http
from tests.support.servers import InProcessServer
from tests.support.smtp_sink import SmtpSink

MakeServer = Callable[..., Awaitable[InProcessServer]]
NEW_PASSWORD = "violet tractor umbrella 42"


def mail_settings(sink: SmtpSink) -> dict[str, Any]:
    return {
        "smtp_url": sink.url,
        "public_url": "https://tong.test",
        "mail_poll_interval_s": 0.05,
        "mail_timeout_s": 5,
    }


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
    """Wait until `count` reset requests were handled after their answers (a hang guard)."""
    deadline = time.monotonic() + 30
    while sum(server.services.passwords.handled.values()) < count:
        assert time.monotonic() < deadline, dict(server.services.passwords.handled)
        await asyncio.sleep(0.02)


async def account_rows(server: InProcessServer) -> list[Event]:
    async with server.services.db.read() as s:
        rows = await s.execute(select(Event).where(Event.type == "account.changed").order_by(Event.id))  # type: ignore[arg-type]
        return list(rows.scalars().all())


async def test_reset_link_sets_the_password_once_and_ends_every_session(
    make_server: MakeServer, sink: SmtpSink, clients: list[Http]
) -> None:
    """The mailed link (`/reset-password?token=`) shows its login, refuses a weak password and
    stays usable, then sets the password once: every session of the account ends, the old
    password stops working, the link is spent, and an `account.changed` row says so. A newer link
    does not cancel an older one."""
    await sink.start()
    server = await make_server(**mail_settings(sink))
    login = await with_address(server, "Reset.Me@Example.KR")
    clients.append(first := Http(server.base_url))
    clients.append(second := Http(server.base_url))
    await first.login(login)
    await second.login(login)
    clients.append(stranger := Http(server.base_url))
    for _ in range(2):
        asked = await stranger.post("/api/password-reset", json={"email": "reset.me@example.kr"})
        assert asked.status_code == 202 and asked.json() == {"accepted": True}
    older, newer = await sink.wait_for(lambda found: len(found) == 2)
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
    (row,) = await account_rows(server)
    assert row.payload["changed"] == ["password"] and row.payload["by"] == "reset"


async def test_expired_and_forged_links_are_refused(
    make_server: MakeServer, sink: SmtpSink, clients: list[Http]
) -> None:
    """A link past its 30 minutes answers 404 `expired_token`; a forged or unknown one 404
    `invalid_token`; neither changes the password."""
    await sink.start()
    server = await make_server(**mail_settings(sink))
    login = await with_address(server, "late@example.kr")
    clients.append(anyone := Http(server.base_url))
    await anyone.post("/api/password-reset", json={"email": "late@example.kr"})
    (mail,) = await sink.wait_for(lambda found: len(found) == 1)
    token = reset_token(mail)
    later = utcnow() + timedelta(minutes=31)
    server.services.passwords.clock = lambda: later
    expired = await anyone.post(
        "/api/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert expired.status_code == 404 and expired.json()["error"]["code"] == "expired_token"
    for forged in (token[:-3] + "xyz", "p.1.abc", "nonsense", "p.９.x"):
        refused = await anyone.post(
            "/api/password-reset/confirm", json={"token": forged, "password": NEW_PASSWORD}
        )
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "invalid_token", forged
    assert (await anyone.login(login))["login"] == login


async def test_the_answer_never_tells_whether_an_account_has_the_address(
    make_server: MakeServer, sink: SmtpSink, clients: list[Http]
) -> None:
    """A confirmed address, an unconfirmed one, an unknown one, one over its limit and a string
    that is no address all answer 202 with the same body, headers and (within a bound) time; only
    the confirmed address gets mail, and past 3 an hour its mails are dropped silently."""
    await sink.start()
    server = await make_server(**mail_settings(sink))
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
    assert {(status, body, tuple(headers)) for _, (status, body, headers, _) in answers} == {
        answers[0][1][:2] + (tuple(answers[0][1][2]),)
    }
    assert answers[0][1][0] == 202
    times = {
        address: statistics.median(t for a, (_, _, _, t) in answers if a == address)
        for address in ("known@example.kr", "nobody@example.kr")
    }
    # The lookup and the mail happen after the answer: a known address is not slower to answer.
    assert times["known@example.kr"] <= 3 * times["nobody@example.kr"] + 0.05, times
    await handled(server, len(answers))
    # Each address has its own limit (3 an hour), known or not; a non-address is never counted.
    assert server.services.passwords.handled == {"queued": 3, "limited": 6, "ignored": 11}
    # The unconfirmed address got its confirmation mail only.
    mails = [m for m in await sink.wait_for(lambda found: len(found) >= 4) if "재설정" in str(m["Subject"])]
    assert {m["To"] for m in mails} == {"known@example.kr"} and len(mails) == 3
