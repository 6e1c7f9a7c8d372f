"""Due reminders of the answer workflow (issue 23): a daily mail, at the configured hour KST, to
each assignee listing their proposals near or past the answer target and to each approver listing
the answers waiting for them, through the outbox to a real SMTP server, on an injected clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from server.mail.outbox import KST
from server.store.models import utcnow
from tests.support.clients import Http
from tests.support.servers import InProcessServer
from tests.support.smtp_sink import SmtpSink
from tests.test_answer_workflow import draft, office, secret_word
from tests.test_mail import account_id, mail_settings

MakeServer = Callable[..., Awaitable[InProcessServer]]


def kst(day: datetime, hour: int) -> datetime:
    local = day.astimezone(KST)
    return datetime(local.year, local.month, local.day, hour, tzinfo=KST)


def text_of(message: object) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[attr-defined,no-any-return]


async def test_assignees_and_approvers_get_one_reminder_a_day_at_the_hour(
    make_server: MakeServer, sink: SmtpSink, clients: list[Http]
) -> None:
    """Twelve days after a proposal (target 14, near 3), at 09:00 KST, its assignee is mailed
    its title and due date and the approver the answer waiting; not before the hour, not twice a
    day, nothing to a company."""
    await sink.start()
    server = await make_server(**mail_settings(sink), reminder_hour=9, reminder_poll_interval_s=0)
    people = await office(server, clients)
    mailboxes = server.services.mailboxes
    for client, address in ((people.drafter, "drafter@example.kr"), (people.approver, "approver@example.kr"),
                            (people.company, "company@example.kr")):  # fmt: skip
        login = (await client.get("/api/me")).json()["login"]
        await mailboxes.set_address(await account_id(server, login), address, verified=True)
    assigned = await people.company.thread(f"배정된 제안 {secret_word()}", "본문")
    waiting = await people.company.thread(f"결재 대기 제안 {secret_word()}", "본문")
    drafter_id = (await people.drafter.get("/api/me")).json()["id"]
    put = await people.admin.put(
        f"/api/threads/{assigned['id']}/assignment",
        json={"department": people.department["id"], "assignee": drafter_id},
    )
    assert put.status_code == 200, put.text
    made = await draft(people.drafter, waiting["id"], "초안")
    await people.drafter.post(f"/api/answers/{made['id']}/submit")

    reminders, outbox = server.services.reminders, server.services.outbox
    day = utcnow() + timedelta(days=12)
    reminders.clock = outbox.clock = lambda: kst(day, 8)
    assert await reminders.run_due() == 0, "before the hour"
    at_nine = kst(day, 9)
    reminders.clock = outbox.clock = lambda: at_nine
    assert await reminders.run_due() == 2
    assert await reminders.run_due() == 0, "once a day"
    server.services.mailer.wake()
    mails = await sink.wait_for(lambda found: len(found) == 2)
    by_address = {str(m["To"]): m for m in mails}
    assert set(by_address) == {"drafter@example.kr", "approver@example.kr"}
    to_drafter = text_of(by_address["drafter@example.kr"])
    assert assigned["title"] in to_drafter and "기한 임박" in to_drafter
    assert waiting["title"] not in to_drafter
    to_approver = text_of(by_address["approver@example.kr"])
    assert waiting["title"] in to_approver and "결재를 기다리는 답변 1건" in to_approver
    reminders.clock = outbox.clock = lambda: at_nine + timedelta(days=1)
    assert await reminders.run_due() == 2, "the next day's reminders"
