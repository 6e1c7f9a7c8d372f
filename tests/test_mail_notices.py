"""Notices by e-mail: each notice of an account with a confirmed address becomes one mail (its
outbox row written in the notice's transaction), through a relay restarted mid-run; the daily
digest gathers one KST day; mails carry public labels only, never a comment's text."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.mail.outbox import KST
from server.store.models import Notice, Outbox
from tests.support.clients import Http
from tests.support.servers import InProcessServer
from tests.support.smtp_sink import SmtpSink
from tests.test_mail import MakeServer, account_id, drained, mail_settings


async def followers(server: InProcessServer, count: int, thread_id: int, clients: list[Http]) -> list[str]:
    """`count` companies with confirmed addresses, each following the thread."""
    logins = await server.accounts("company", count)
    for n, login in enumerate(logins):
        await server.services.mailboxes.set_address(
            await account_id(server, login), f"f{n}@example.kr", verified=True
        )
        clients.append(client := Http(server.base_url))
        await client.login(login)
        assert (await client.put(f"/api/threads/{thread_id}/follow")).status_code == 200
    return logins


async def notice_count(server: InProcessServer) -> int:
    async with server.services.db.read() as s:
        return int((await s.execute(select(func.count()).select_from(Notice))).scalar_one())


@pytest.mark.parametrize("phase", ["after", "during"])
async def test_each_notice_is_mailed_once_through_a_relay_restart(
    make_server: MakeServer, sink: SmtpSink, clients: list[Http], phase: str
) -> None:
    """Staff answers to three threads 8 accounts follow make 24 notices; the relay dies at the
    10th mail and comes back: every notice arrives, and the only duplicate (a mail stored before
    the relay's 250) carries the same Message-ID. (Each answer is on its own thread: notices on
    one thread fold into one mail per person per 15 minutes.)"""
    await sink.start(die_at=10, phase=phase)
    server = await make_server(**mail_settings(sink))
    clients.append(author := await server.user("company"))
    clients.append(staff := await server.user("staff"))
    threads = [await author.thread(f"메일 알림 시험 {n}") for n in range(3)]
    await followers(server, 8, threads[0]["id"], clients)
    for follower in clients[-8:]:
        for thread in threads[1:]:
            assert (await follower.put(f"/api/threads/{thread['id']}/follow")).status_code == 200
    for n, (thread, outcome) in enumerate(zip(threads, [None, None, "accepted"], strict=True)):
        body = {"body": f"답변 {n}"} | ({"outcome": outcome} if outcome else {})
        assert (await staff.post(f"/api/threads/{thread['id']}/answers", json=body)).status_code == 201
    assert await sink.exited() != 0
    await sink.start()
    await drained(server)
    async with server.services.db.read() as s:
        rows = (
            await s.execute(select(Outbox.notice_id, Outbox.sent_at).where(Outbox.channel == "email"))
        ).all()
    follower_notices = len(rows)
    assert follower_notices == 24 and all(sent is not None for _, sent in rows)
    received = sink.messages()
    per_id = Counter(str(m["Message-ID"]) for m in received)
    assert len(per_id) == 24, per_id
    duplicates = {k: v for k, v in per_id.items() if v > 1}
    assert list(duplicates.values()) == ([2] if phase == "after" else [])
    for message in received:
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert (
            str(message["List-Unsubscribe"])
            .strip()
            .startswith("<https://tong.test/api/mail/unsubscribe?token=")
        )
        assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
    print(
        f"\nmail-notices {phase}: {follower_notices} notices, {len(received)} mails received, "
        f"{len(per_id)} distinct Message-IDs, per notice {sorted(Counter(per_id.values()).items())}"
    )


async def test_one_click_unsubscribe_from_a_mail_stops_the_next(
    make_server: MakeServer, sink: SmtpSink, clients: list[Http]
) -> None:
    """POSTing the mail's List-Unsubscribe URL as a mail provider does (no cookie) stops mails:
    the next notice is in the app only."""
    await sink.start()
    server = await make_server(**mail_settings(sink))
    clients.append(author := await server.user("company"))
    clients.append(staff := await server.user("staff"))
    thread = await author.thread("구독 해지 시험")
    await followers(server, 1, thread["id"], clients)
    await staff.post(f"/api/threads/{thread['id']}/answers", json={"body": "중간 답변"})
    (mail,) = await sink.wait_for(lambda found: len(found) == 1)
    url = str(mail["List-Unsubscribe"]).strip().strip("<>").replace("https://tong.test", "")
    clients.append(provider := Http(server.base_url))
    answer = await provider.post(
        url,
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text
    before = await notice_count(server)
    await staff.post(f"/api/threads/{thread['id']}/answers", json={"body": "최종", "outcome": "declined"})
    assert await notice_count(server) > before
    await drained(server)
    async with server.services.db.read() as s:
        assert (await s.execute(select(func.count()).select_from(Outbox))).scalar_one() == 1
    assert len(sink.messages()) == 1


async def test_a_reply_mail_carries_no_comment_text(
    make_server: MakeServer, sink: SmtpSink, clients: list[Http]
) -> None:
    """A reply's mail names the replier by the thread's label and links to the comment; the reply's
    text is not in it."""
    await sink.start()
    server = await make_server(**mail_settings(sink))
    clients.append(author := await server.user("company"))
    clients.append(replier := await server.user("agency"))
    thread = await author.thread("답글 알림 시험")
    (login,) = await followers(server, 1, thread["id"], clients)
    follower = clients[-1]
    parent = await follower.comment(thread["id"], "원 댓글입니다")
    reply = await replier.comment(thread["id"], "아무도 메일로 받으면 안 되는 답글 본문", parent["id"])
    messages = await sink.wait_for(lambda found: any(m["To"] == "f0@example.kr" for m in found))
    (mail,) = [m for m in messages if m["To"] == "f0@example.kr"]
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "답글 본문" not in text and "답글 본문" not in html
    assert f"/threads/{thread['id']}#comment-{reply['id']}" in text
    assert login not in text and "기관 1" in text


async def test_daily_digest_gathers_a_kst_day_into_one_mail(
    make_server: MakeServer, sink: SmtpSink, clients: list[Http]
) -> None:
    """An account on the daily digest gets nothing while the day lasts; at the digest hour of the
    next KST morning (an injected clock) it gets one mail listing the day's notices, once."""
    await sink.start()
    server = await make_server(**mail_settings(sink))
    clients.append(author := await server.user("company"))
    clients.append(staff := await server.user("staff"))
    me = await account_id(server, (await author.get("/api/me")).json()["login"])
    await server.services.mailboxes.set_address(me, "digest@example.kr", verified=True)
    await server.services.mailboxes.set_delivery(me, "daily")
    thread = await author.thread("요약 메일 시험")
    await staff.patch(f"/api/threads/{thread['id']}", json={"status": "reviewing"})
    await staff.post(f"/api/threads/{thread['id']}/answers", json={"body": "중간 답변"})
    server.services.mailer.wake()
    await server.services.mailer.step()
    assert sink.messages() == []
    async with server.services.db.read() as s:
        due = (
            (await s.execute(select(Outbox.next_attempt_at).where(Outbox.channel == "digest")))
            .scalars()
            .all()
        )
    assert len(due) == 2
    today = datetime.now(KST).date()
    morning = datetime(today.year, today.month, today.day, 8, tzinfo=KST) + timedelta(days=1)
    assert {d.replace(tzinfo=UTC) if d.tzinfo is None else d for d in due} == {morning.astimezone(UTC)}
    server.services.outbox.clock = lambda: morning.astimezone(UTC) + timedelta(minutes=1)
    server.services.mailer.wake()
    (mail,) = await sink.wait_for(lambda found: len(found) == 1)
    await drained(server)
    assert mail["Subject"] == f"[통] {today:%Y-%m-%d} 알림 2건"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "검토중" in text and "공식 답변(중간)" in text
    assert len(sink.messages()) == 1


async def test_without_smtp_notices_stay_in_the_app(make_server: MakeServer, clients: list[Http]) -> None:
    """With no SMTP configured, a follower with a confirmed address (set by an operator) gets the
    in-app notice of an answer and no outbox row is written."""
    server = await make_server()
    clients.append(author := await server.user("company"))
    clients.append(staff := await server.user("staff"))
    thread = await author.thread("메일 없는 서버")
    await followers(server, 1, thread["id"], clients)
    await staff.post(f"/api/threads/{thread['id']}/answers", json={"body": "중간 답변"})
    notices = (await clients[-1].get("/api/me/notices")).json()["items"]
    assert [n["kind"] for n in notices] == ["answer"]
    async with server.services.db.read() as s:
        assert (await s.execute(select(func.count()).select_from(Outbox))).scalar_one() == 0


async def test_list_unsubscribe_is_an_angle_bracketed_https_url_on_the_wire(
    make_server: MakeServer, sink: SmtpSink, clients: list[Http]
) -> None:
    """With a long public URL, the notice mail's List-Unsubscribe header is still `<https://…>` on
    one line as RFC 2369/8058 readers expect, never RFC 2047 encoded words, next to
    `List-Unsubscribe-Post: List-Unsubscribe=One-Click`."""
    await sink.start()
    base = "https://procurement-improvement-proposals.tong.example.go.kr"
    server = await make_server(**(mail_settings(sink) | {"public_url": base}))
    clients.append(author := await server.user("company"))
    clients.append(staff := await server.user("staff"))
    thread = await author.thread("긴 주소 구독 해지")
    await followers(server, 1, thread["id"], clients)
    await staff.post(f"/api/threads/{thread['id']}/answers", json={"body": "중간 답변"})
    await sink.wait_for(lambda found: len(found) == 1)
    (raw,) = sink.raw()
    head = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n", b"\n")
    lines = head.split(b"\n")
    (header,) = [line for line in lines if line.lower().startswith(b"list-unsubscribe:")]
    assert header.startswith(b"List-Unsubscribe: <" + base.encode() + b"/api/mail/unsubscribe?token=u.")
    assert header.endswith(b">") and b"=?" not in header
    following = lines[lines.index(header) + 1]
    assert not following[:1].isspace(), "the header is not folded"
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in lines


async def test_notices_on_one_thread_fold_into_one_mail_per_window(
    make_server: MakeServer, sink: SmtpSink, clients: list[Http]
) -> None:
    """Five replies to one person's comment make one mail listing all five; a sixth after that
    mail waits until 15 minutes after it (an injected clock), then goes as the second mail; the
    bell holds all six notices."""
    await sink.start()
    server = await make_server(**(mail_settings(sink) | {"mail_poll_interval_s": 3600}))
    mailer, outbox = server.services.mailer, server.services.outbox
    clients.append(author := await server.user("company"))
    clients.append(replier := await server.user("agency"))
    thread = await author.thread("메일 묶음 시험")
    await followers(server, 1, thread["id"], clients)
    follower = clients[-1]
    parent = await follower.comment(thread["id"], "원 댓글")
    # The sender looks only when told: all five notices are queued before it first does.
    wake = mailer.wake
    mailer.wake = lambda: None  # type: ignore[method-assign]
    replies = [await replier.comment(thread["id"], f"답글 {n}", parent["id"]) for n in range(5)]
    mailer.wake = wake  # type: ignore[method-assign]
    mailer.wake()
    (first,) = await sink.wait_for(lambda found: len(found) == 1)
    text = first.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for reply in replies:
        assert f"/threads/{thread['id']}#comment-{reply['id']}" in text
    assert "외 4건" in str(first["Subject"])
    await drained_except_waiting(server)

    sixth = await replier.comment(thread["id"], "여섯째 답글", parent["id"])
    async with server.services.db.read() as s:
        sent_at, waiting = (
            await s.execute(
                select(func.max(Outbox.sent_at), func.max(Outbox.next_attempt_at)).where(
                    Outbox.channel == "email"
                )
            )
        ).one()
    assert waiting is not None and sent_at is not None
    assert _utc(waiting) - _utc(sent_at) == timedelta(minutes=15)
    later = _utc(waiting) + timedelta(seconds=1)
    outbox.clock = lambda: later
    mailer.wake()
    second = (await sink.wait_for(lambda found: len(found) == 2))[1]
    assert f"#comment-{sixth['id']}" in second.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    await drained(server)
    assert len(sink.messages()) == 2
    bell = (await follower.get("/api/me/notices")).json()["items"]
    assert sorted(n["comment_id"] for n in bell if n["kind"] == "reply") == sorted(
        r["id"] for r in [*replies, sixth]
    )


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def drained_except_waiting(server: InProcessServer) -> None:
    """Wait until no outbox row is due now (rows waiting for their window may remain)."""
    for _ in range(600):
        async with server.services.db.read() as s:
            due = (
                await s.execute(
                    select(func.count()).where(
                        Outbox.next_attempt_at.is_not(None),  # type: ignore[union-attr]
                        Outbox.next_attempt_at <= datetime.now(UTC) + timedelta(minutes=1),  # type: ignore[operator]
                    )
                )
            ).scalar_one()
        if not due:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox never settled")
