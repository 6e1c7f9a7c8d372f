"""E-mail: addresses confirmed by a mailed link, one-click unsubscribe, and an outbox sent to a
real SMTP server (aiosmtpd in its own process) that is killed and restarted mid-run."""

from __future__ import annotations

import asyncio
import random
import re
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from server.mail import mailtokens
from server.store.models import AccountMail, Outbox
from tests.support.clients import Http
from tests.support.servers import InProcessServer, ProcessServer
from tests.support.smtp_sink import SmtpSink

MakeServer = Callable[..., Awaitable[InProcessServer]]


def mail_settings(sink: SmtpSink) -> dict[str, Any]:
    """Fast polls and retries, so a run with a dead relay takes seconds, not minutes."""
    return {
        "smtp_url": sink.url,
        "public_url": "https://tong.test",
        "mail_poll_interval_s": 0.05,
        "mail_retry_base_s": 0.05,
        "mail_retry_max_s": 0.4,
        "mail_timeout_s": 5,
    }


async def account_id(server: InProcessServer, login: str) -> int:
    found = await server.services.mailboxes.account_id(login)
    assert found is not None
    return found


async def pending_rows(server: InProcessServer) -> int:
    async with server.services.db.read() as s:
        return int(
            (await s.execute(select(func.count()).where(Outbox.next_attempt_at.is_not(None)))).scalar_one()  # type: ignore[union-attr]
        )


async def drained(server: InProcessServer, timeout: float = 60) -> None:
    """Wait until no outbox row is left to send."""
    deadline = asyncio.get_running_loop().time() + timeout
    while await pending_rows(server):
        assert asyncio.get_running_loop().time() < deadline, "the outbox never drained"
        await asyncio.sleep(0.05)


def link(message: EmailMessage, path: str) -> str:
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(rf"https://tong\.test{re.escape(path)}\?token=(\S+)", text)
    assert found, text
    return unquote(found.group(1))


async def test_confirmation_link_verifies_the_address(
    make_server: MakeServer, sink: SmtpSink, clients: list[Http]
) -> None:
    """Setting an address on the account mails a confirmation link (plain text, Message-ID); the
    link confirms it without a session, once; a later address (at most one a minute) makes an
    earlier link useless."""
    await sink.start()
    server = await make_server(**mail_settings(sink))
    clients.append(user := await server.user("company"))
    answer = await user.patch("/api/me/mail", json={"address": "First@Example.KR"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "enabled": True,
        "address": "First@example.kr",
        "verified": False,
        "delivery": "immediate",
    }
    (first,) = await sink.wait_for(lambda found: len(found) == 1)
    assert first["To"] == "First@example.kr" and first["Message-ID"].endswith("@tong.test>")
    stale = link(first, "/mail/confirm")

    # One confirmation mail a minute: the page cannot flood an address. A minute later (an
    # injected clock) the next one goes.
    again = await user.patch("/api/me/mail", json={"address": "second@example.kr"})
    assert again.status_code == 429 and again.json()["error"]["code"] == "rate_limited"
    later = datetime.now(UTC) + timedelta(seconds=61)
    server.services.mailboxes.clock = lambda: later
    assert (await user.patch("/api/me/mail", json={"address": "second@example.kr"})).status_code == 200
    second = (await sink.wait_for(lambda found: len(found) == 2))[1]
    token = link(second, "/mail/confirm")
    clients.append(stranger := Http(server.base_url))
    refused = await stranger.post("/api/mail/confirm", params={"token": stale})
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "invalid_token"
    confirmed = await stranger.post("/api/mail/confirm", params={"token": token})
    assert confirmed.status_code == 200 and confirmed.json()["verified"] is True
    assert (await user.get("/api/me/mail")).json()["verified"] is True
    again = await stranger.post("/api/mail/confirm", params={"token": token})
    assert again.status_code == 404
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert (await stranger.post("/api/mail/confirm", params={"token": forged})).status_code == 404


async def test_without_smtp_no_mail_is_queued(make_server: MakeServer, clients: list[Http]) -> None:
    """With no SMTP configured an address cannot be set from the account page (nothing could
    confirm it), and nothing is written to the outbox."""
    server = await make_server()
    clients.append(user := await server.user("company"))
    assert (await user.get("/api/me/mail")).json()["enabled"] is False
    refused = await user.patch("/api/me/mail", json={"address": "a@example.kr"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "mail_disabled"
    async with server.services.db.read() as s:
        assert (await s.execute(select(func.count()).select_from(Outbox))).scalar_one() == 0


async def test_one_click_unsubscribe_needs_only_the_token(
    make_server: MakeServer, sink: SmtpSink, clients: list[Http]
) -> None:
    """The RFC 8058 POST (form body, no cookie) with the signed token sets delivery to none; a
    token for another account or an earlier address is refused."""
    await sink.start()
    server = await make_server(**mail_settings(sink))
    (login,) = await server.accounts("company")
    me = await account_id(server, login)
    await server.services.mailboxes.set_address(me, "kim@example.kr", verified=True)
    secret = server.services.mailboxes.secret
    clients.append(provider := Http(server.base_url))
    other = mailtokens.unsubscribe_token(secret, me + 1, "kim@example.kr")
    old = mailtokens.unsubscribe_token(secret, me, "old@example.kr")
    for token in (other, old, "u.1.x", "nonsense"):
        refused = await provider.post("/api/mail/unsubscribe", params={"token": token})
        assert refused.status_code == 404, token
    token = mailtokens.unsubscribe_token(secret, me, "kim@example.kr")
    answer = await provider.post(
        "/api/mail/unsubscribe",
        params={"token": token},
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200 and answer.json() == {"unsubscribed": True}
    assert (await server.services.mailboxes.settings(me))["delivery"] == "none"


async def test_cli_sets_a_verified_address(make_server: MakeServer, sink: SmtpSink) -> None:
    """`tong accounts email LOGIN ADDRESS --verified --delivery daily` sets it at once; without
    --verified the address waits for its link, which the running server mails."""
    await sink.start()
    server = await make_server(**mail_settings(sink))
    first, second = await server.accounts("company", 2)
    env = ProcessServer(server.settings).environment()
    env["TONG_SMTP_URL"] = sink.url

    async def tong(*args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server", "accounts", "email", *args, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        return out.decode()

    assert "verified; delivery daily" in await tong(
        first, "kim@example.kr", "--verified", "--delivery", "daily"
    )
    assert "waiting for its confirmation link" in await tong(second, "lee@example.kr")
    (mail,) = await sink.wait_for(lambda found: len(found) == 1)
    assert mail["To"] == "lee@example.kr"
    shown = await server.services.mailboxes.settings(await account_id(server, first))
    assert shown == {"enabled": True, "address": "kim@example.kr", "verified": True, "delivery": "daily"}


def per_message_id(messages: list[EmailMessage]) -> Counter[str]:
    return Counter(str(m["Message-ID"]) for m in messages)


@pytest.mark.parametrize("phase", ["before", "during", "after"])
async def test_relay_dying_loses_nothing_and_duplicates_share_a_message_id(
    make_server: MakeServer, sink: SmtpSink, clients: list[Http], phase: str
) -> None:
    """The relay dies at the 4th of 12 mails (on MAIL FROM, mid-DATA, or after storing it but
    before its 250) and comes back on the same port: every mail arrives, and a mail seen twice
    carries the same Message-ID both times."""
    count = 12
    await sink.start(die_at=4, phase=phase)
    server = await make_server(**mail_settings(sink))
    logins = await server.accounts("company", count)
    for n, login in enumerate(logins):
        await server.services.mailboxes.set_address(await account_id(server, login), f"user{n}@example.kr")
    server.services.mailer.wake()
    assert await sink.exited() != 0
    await sink.start()
    await drained(server)
    received = sink.messages()
    ids = per_message_id(received)
    assert len(ids) == count, ids
    assert sorted(str(m["To"]) for m in {str(m["Message-ID"]): m for m in received}.values()) == sorted(
        f"user{n}@example.kr" for n in range(count)
    )
    duplicates = {k: v for k, v in ids.items() if v > 1}
    if phase == "after":
        assert list(duplicates.values()) == [2], "the mail stored before the 250 came again"
    else:
        assert duplicates == {}
    registry = server.services.metrics.registry
    assert registry.get_sample_value("tong_mails_total", {"result": "sent"}) == count
    assert (registry.get_sample_value("tong_mails_total", {"result": "retry"}) or 0) >= 1
    print(f"\nmail-restart {phase}: {count} mails, {len(received)} received, duplicates {duplicates}")


async def test_relay_killed_at_random_points(make_server: MakeServer, sink: SmtpSink) -> None:
    """SIGKILL from outside at random moments of a run of 30 mails, three times, each time
    restarted on the same port: every mail arrives, duplicates only with one Message-ID."""
    count = 30
    rng = random.Random(11)
    await sink.start()
    server = await make_server(**mail_settings(sink))
    logins = await server.accounts("company", count)
    for n, login in enumerate(logins):
        await server.services.mailboxes.set_address(await account_id(server, login), f"user{n}@example.kr")
    server.services.mailer.wake()
    for _ in range(3):
        seen = len(sink.messages())
        await sink.wait_for(lambda found, seen=seen: len(found) >= min(count, seen + rng.randint(1, 6)))
        sink.kill()
        await sink.start()
    await drained(server)
    ids = per_message_id(sink.messages())
    assert len(ids) == count
    print(f"\nmail-random-kill: {count} mails, {sum(ids.values())} received, {sink.starts} relay starts")


async def test_two_servers_share_the_outbox_without_sending_twice(
    make_server: MakeServer, sink: SmtpSink
) -> None:
    """Two servers (each its own engine and sender) on one database: each of 40 mails is claimed by one and
    arrives once (SKIP LOCKED on PostgreSQL, the single writer on SQLite)."""
    count = 40
    await sink.start()
    first = await make_server(**mail_settings(sink))
    second = await make_server(**mail_settings(sink), database_url=first.settings.effective_database_url)
    logins = await first.accounts("company", count)
    for n, login in enumerate(logins):
        await first.services.mailboxes.set_address(await account_id(first, login), f"user{n}@example.kr")
    first.services.mailer.wake()
    second.services.mailer.wake()
    await drained(first)
    ids = per_message_id(sink.messages())
    assert len(ids) == count and set(ids.values()) == {1}


async def test_a_relay_that_is_down_is_retried_with_back_off(make_server: MakeServer, sink: SmtpSink) -> None:
    """With no relay listening, sends fail and are retried at doubling intervals (capped), each
    row saying why; once the relay starts, every mail goes out once."""
    server = await make_server(**mail_settings(sink))
    outbox = server.services.outbox
    assert [round(outbox.backoff(n) / outbox.retry_base_s, 1) // 1 for n in (1, 2, 3)] == [1, 2, 4]
    assert outbox.retry_max_s <= outbox.backoff(30) <= outbox.retry_max_s * 1.1
    logins = await server.accounts("company", 3)
    for n, login in enumerate(logins):
        await server.services.mailboxes.set_address(await account_id(server, login), f"down{n}@example.kr")
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        async with server.services.db.read() as s:
            rows = (await s.execute(select(Outbox.attempts, Outbox.last_error))).all()
        if all(attempts >= 3 for attempts, _ in rows):
            break
        assert asyncio.get_running_loop().time() < deadline, rows
        await asyncio.sleep(0.05)
    assert all(error and "Connect" in error for _, error in rows), rows
    await sink.start()
    await drained(server)
    assert sorted(per_message_id(sink.messages()).values()) == [1, 1, 1]


NOT_ONE_MAILBOX = ["ceo,x@y.com", "a<b@x.com", "a@[x.com", '"a b"@x.com', "a@x", "a@@x.com"]


@pytest.mark.parametrize("address", NOT_ONE_MAILBOX)
async def test_an_address_that_is_not_one_mailbox_is_refused(company: Http, address: str) -> None:
    """An address the parser does not read as exactly one mailbox (a list, a display name, a
    bracket, a quoted local part, no dotted domain) is refused with a 422 naming the field."""
    answer = await company.patch("/api/me/mail", json={"address": address})
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "validation_error" and error["fields"] == {"address": "invalid"}, error
    assert "e-mail address" in error["message"]
    assert (await company.get("/api/me/mail")).json()["address"] is None


async def test_one_unbuildable_mail_fails_alone_while_the_rest_go_out(
    make_server: MakeServer, sink: SmtpSink
) -> None:
    """A row whose mail cannot be built (an address stored before addresses were parsed) fails
    alone, with its own error, back-off and give-up; the 19 mails claimed with it arrive."""
    await sink.start()
    server = await make_server(**mail_settings(sink), mail_max_attempts=3)
    bad_login, *logins = await server.accounts("company", 20)
    bad = await account_id(server, bad_login)
    # Written as an older release accepted it: the row comes first, in the same batch as the rest.
    async with server.services.db.transaction() as s:
        s.add(AccountMail(account_id=bad, address="a@[x.com", confirm_nonce=mailtokens.new_nonce()))
        server.services.outbox.add_confirmation(s, bad)
    for n, login in enumerate(logins):
        await server.services.mailboxes.set_address(await account_id(server, login), f"good{n}@example.kr")
    server.services.mailer.wake()
    await drained(server, timeout=30)
    assert sorted(str(m["To"]) for m in sink.messages()) == sorted(f"good{n}@example.kr" for n in range(19))
    async with server.services.db.read() as s:
        row = (await s.execute(select(Outbox).where(Outbox.account_id == bad))).scalar_one()
    assert row.sent_at is None and row.next_attempt_at is None and row.attempts == 3
    assert row.last_error and row.last_error.startswith("cannot build the mail"), row.last_error
    registry = server.services.metrics.registry
    assert registry.get_sample_value("tong_mails_total", {"result": "sent"}) == 19
    assert registry.get_sample_value("tong_mails_total", {"result": "retry"}) == 2
    assert registry.get_sample_value("tong_mails_total", {"result": "given_up"}) == 1
