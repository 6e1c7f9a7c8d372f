"""Sending the outbox: one task per server process, off every request's path.

Why aiosmtplib rather than smtplib in a thread: the sender lives in the server's event loop next to
the hub and the publisher; an async client gives each SMTP step a timeout, is cancelled cleanly
when the lifespan stops it, and ties up no thread pool while a slow relay answers.

Each mail carries a Message-ID derived from what it announces (the notice's id and the database's
epoch, so a restored or new database never reuses one): a row sent twice, because the process or
the relay died between the relay's storing it and our marking it sent, reaches the reader twice
with the same Message-ID, and mail clients fold the two. Every notice mail has a plain-text part
(with an HTML alternative) and RFC 8058 one-click unsubscribe headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit

import aiosmtplib
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.notices import hidden_threads
from server.domain.passwords import password_token
from server.mail import mailtokens
from server.mail.mailboxes import Mailboxes
from server.mail.outbox import (
    CONFIRM,
    DIGEST,
    EMAIL,
    FOLD_WINDOW,
    INVITE,
    KST,
    TOKEN_CHANNELS,
    Claimed,
    OutboxStore,
)
from server.mail.reminders import REMINDER, ReminderSource, no_reminders
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import AccountMail, Notice, PasswordToken
from server.telemetry.metrics import Metrics

log = logging.getLogger("tong.mailer")

# Rows claimed per round: a round holds one SMTP connection, and a lease covers the whole round.
BATCH = 20


@dataclass(frozen=True)
class MailNotice:
    """What a mail may say about a notice: public labels and text only (the notice's own view,
    which never carries hidden or held text)."""

    id: int
    account_id: int
    thread_id: int
    title: str
    thread_title: str
    path: str
    created_at: datetime


STATUS_NAMES = {"received": "접수", "reviewing": "검토중", "answered": "답변완료", "withdrawn": "철회"}


def describe(kind: str, data: dict[str, Any], count: int) -> str:
    """A notice's line in a mail, from the notice's own data: the thread's public labels only."""
    if kind == "answer":
        final = data.get("status") == "answered"
        return "공식 답변(최종)이 등록되었습니다" if final else "공식 답변(중간)이 등록되었습니다"
    if kind == "status":
        status = str(data.get("status") or "")
        return f"처리 상태가 '{STATUS_NAMES.get(status, status)}'(으)로 바뀌었습니다"
    if kind == "change":
        return "'이렇게 바꾸었습니다' 글에 이 제안이 연결되었습니다"
    if kind == "reply":
        author = data.get("author")
        return f"{author}이(가) 내 댓글에 답글을 달았습니다" if author else "내 댓글에 답글이 달렸습니다"
    if kind == "comments":
        return f"내 제안에 새 댓글 {count}개"
    if kind == "moderation":
        return moderation_line(data)
    return "새 알림"


MODERATION_LINES = {
    ("hidden", "thread"): "운영자가 내 제안을 숨겼습니다",
    ("hidden", "comment"): "운영자가 내 댓글을 숨겼습니다",
    ("rejected", "held"): "운영자가 검토를 기다리던 내 댓글을 게시하지 않기로 했습니다",
    ("suspended", "suspension"): "운영자가 내 계정의 글쓰기를 정지했습니다",
    ("erased", "erasure"): "운영자가 내 글을 삭제했습니다",
    ("appeal_upheld", None): "이의 신청이 받아들여지지 않았습니다",
    ("appeal_reversed", None): "이의 신청이 받아들여져 조치가 취소되었습니다",
}


def moderation_line(data: dict[str, Any]) -> str:
    """A moderation notice's line: what was done, and why (the reason is public text)."""
    action = str(data.get("action") or "")
    what = MODERATION_LINES.get((action, data.get("target"))) or MODERATION_LINES.get(
        (action, None), "운영자 조치"
    )
    line = f"{what} — 사유: {data.get('reason') or '-'}"
    if data.get("until"):
        line += f" (정지 종료: {data['until']})"
    return line


def notice_path(thread_id: int, comment_id: int | None, answer_id: int | None) -> str:
    anchor = f"#answer-{answer_id}" if answer_id else f"#comment-{comment_id}" if comment_id else ""
    return f"/threads/{thread_id}{anchor}"


class UnfoldedHeader(str):
    """A header written on one line exactly as given (RFC 5322 allows 998 characters).

    The mail library folds a long unstructured value by turning it into RFC 2047 encoded words:
    past about 78 characters `List-Unsubscribe: <https://…>` became `=?utf-8?q?=3Chttps=3A//…?=`,
    which RFC 2369 and 8058 readers do not decode, so providers hid their unsubscribe button. The
    email package writes a value that has a `name` by calling its `fold` (email.policy.EmailPolicy).
    """

    name: str

    def __new__(cls, name: str, value: str) -> UnfoldedHeader:
        if not value.isascii() or any(c in value for c in "\r\n") or len(name) + 2 + len(value) > 998:
            raise ValueError(f"{name} must be one line of ASCII")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy: Any) -> str:
        return f"{self.name}: {self}{policy.linesep}"


class NoticeSource(Protocol):
    def __call__(self, notice_ids: list[int]) -> Awaitable[dict[int, MailNotice]]: ...


async def no_notices(notice_ids: list[int]) -> dict[int, MailNotice]:
    return {}


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool

    @classmethod
    def from_url(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("TONG_SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465")
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=tls,
        )


class Permanent(Exception):
    """The relay refused the mail for good (a 5xx): retrying cannot help."""


class Mailer:
    def __init__(
        self,
        settings: Settings,
        outbox: OutboxStore,
        mailboxes: Mailboxes,
        secret: bytes,
        epoch: Callable[[], str],
        metrics: Metrics,
        notices: NoticeSource = no_notices,
        reminders: ReminderSource = no_reminders,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.outbox = outbox
        self.mailboxes = mailboxes
        self.secret = secret
        self.epoch = epoch
        self.notices = notices
        self.reminders = reminders
        self.target = SmtpTarget.from_url(settings.smtp_url) if settings.smtp_url else None
        self.base = settings.public_url.rstrip("/")
        self.domain = _message_id_domain(settings)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._smtp: aiosmtplib.SMTP | None = None
        # The reminders of the round being sent (step), read with its rows.
        self._round_reminders: dict[int, Any] = {}

    # --- the task ---------------------------------------------------------------------------

    def start(self) -> None:
        if self.target is not None and self._task is None:
            self._task = asyncio.create_task(self._run(), name="mailer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._close()

    def wake(self) -> None:
        """Something was queued in this process: look now instead of at the next poll."""
        self._wake.set()

    async def on_notices(self, s: AsyncSession, notices: Sequence[Any]) -> None:
        """The notice seam's hook (notices.py), inside the notices' transaction: their outbox rows
        commit or roll back with them, and once they commit this process's sender looks at once.
        A batched notice that only grew (`grown`) mails nothing new."""
        added = await self.outbox.add_for_notices(
            s, [(n.id, n.account_id, n.thread_id) for n in notices if not getattr(n, "grown", False)]
        )
        if added:
            event.listen(s.sync_session, "after_commit", lambda _session: self.wake(), once=True)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                busy = await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("mail round failed; retrying")
                busy = False
            if busy:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.mail_poll_interval_s):
                    await self._wake.wait()

    async def step(self) -> bool:
        """One round: due single mails, then one account's due digest. True when there was work.

        The round ends at the first send that fails for a reason that is not the mail's own (the
        relay is down or slow): the rest of the round is put back with the same back-off instead
        of each waiting out its own timeout, so a round never outlives the rows' lease."""
        claimed = await self.outbox.claim(BATCH)
        digest = await self.outbox.claim_digest()
        if not claimed and not digest:
            return False
        rows = [*claimed, *digest]
        accounts = await self.mailboxes.rows({c.account_id for c in rows})
        notice_ids = [c.notice_id for c in rows if c.notice_id is not None and c.channel != REMINDER]
        notices = await self.notices(notice_ids) if notice_ids else {}
        tokens = await self.mailboxes.password_tokens({c.token_id for c in rows if c.token_id is not None})
        # A reminder's row names its `reminder` row in `notice_id` (reminders.py).
        reminder_ids = [c.notice_id for c in rows if c.notice_id is not None and c.channel == REMINDER]
        self._round_reminders = await self.reminders(reminder_ids) if reminder_ids else {}
        mails = await self._fold(claimed, notices) + ([digest] if digest else [])
        try:
            for index, group in enumerate(mails):
                error = await self._deliver(group, accounts.get(group[0].account_id), notices, tokens)
                if error is not None:
                    for rest in mails[index + 1 :]:
                        attempts = max(row.attempts for row in rest)
                        await self.outbox.failed(
                            [row.id for row in rest], attempts, f"not tried: {error}", give_up=False
                        )
                    break
        finally:
            await self._close()
        return True

    async def _fold(self, claimed: list[Claimed], notices: dict[int, MailNotice]) -> list[list[Claimed]]:
        """The claimed single rows as mails: one per confirmation, one per (account, thread) for
        notices (outbox.FOLD_WINDOW). A notice mail whose window is still open because another
        went out meanwhile (it was in flight when this notice came) is put back until it closes."""
        mails: list[list[Claimed]] = []
        by_key: dict[tuple[int, int], list[Claimed]] = {}
        for row in claimed:
            notice = notices.get(row.notice_id) if row.notice_id is not None else None
            if row.channel != EMAIL or notice is None:
                mails.append([row])
                continue
            key = (row.account_id, notice.thread_id)
            if key not in by_key:
                by_key[key] = []
                mails.append(by_key[key])
            by_key[key].append(row)
        sent = await self.outbox.last_sent(set(by_key))
        for key, at in sent.items():
            group = by_key[key]
            await self.outbox.postpone([row.id for row in group], at + FOLD_WINDOW)
            mails.remove(group)
        return mails

    async def _deliver(
        self,
        rows: list[Claimed],
        mailbox: AccountMail | None,
        notices: dict[int, MailNotice],
        tokens: dict[int, tuple[PasswordToken, str]],
    ) -> str | None:
        """Send one mail; the relay's error when it failed for a reason that is not this mail's."""
        ids = [row.id for row in rows]
        attempts = max(row.attempts for row in rows)
        try:
            message = self.compose(rows, mailbox, notices, tokens)
        except LookupError as reason:
            await self.outbox.drop(ids, str(reason))
            self.metrics.mails.labels("dropped").inc(len(ids))
            return None
        except Exception as exc:
            # This mail's own fault (an address stored before addresses were parsed, a header the
            # mail library cannot build): these rows fail alone, and the round goes on. A round
            # that raised here used to put the whole batch back, every time, for good.
            await self._own_failure(ids, attempts, "cannot build the mail", exc)
            return None
        try:
            await self._send(message)
        except Permanent as exc:
            log.warning("mail %s refused for good: %s", message["Message-ID"], exc)
            await self.outbox.failed(ids, attempts, str(exc), give_up=True)
            self.metrics.mails.labels("given_up").inc()
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            give_up = attempts >= self.settings.mail_max_attempts
            log.info("mail %s not sent (attempt %d): %r", message["Message-ID"], attempts, exc)
            await self.outbox.failed(ids, attempts, repr(exc), give_up=give_up)
            self.metrics.mails.labels("given_up" if give_up else "retry").inc()
            await self._close()
            return repr(exc)
        except Exception as exc:
            # Anything else the client raised about this message (an address it cannot encode):
            # the connection's state is unknown, so it is closed, but the relay is fine.
            await self._close()
            await self._own_failure(ids, attempts, f"mail {message['Message-ID']} not sent", exc)
        else:
            await self.outbox.sent(ids)
            self.metrics.mails.labels("sent").inc()
        return None

    async def _own_failure(self, ids: list[int], attempts: int, what: str, exc: Exception) -> None:
        """Rows whose mail failed for a reason of its own: their own error, back-off and give-up."""
        give_up = attempts >= self.settings.mail_max_attempts
        log.warning("%s (outbox rows %s, attempt %d): %r", what, ids, attempts, exc)
        await self.outbox.failed(ids, attempts, f"{what}: {exc!r}", give_up=give_up)
        self.metrics.mails.labels("given_up" if give_up else "retry").inc()

    # --- SMTP -------------------------------------------------------------------------------

    async def _send(self, message: EmailMessage) -> None:
        assert self.target is not None
        if self._smtp is None or not self._smtp.is_connected:
            self._smtp = aiosmtplib.SMTP(
                hostname=self.target.host,
                port=self.target.port,
                username=self.target.username,
                password=self.target.password,
                use_tls=self.target.use_tls,
                timeout=self.settings.mail_timeout_s,
            )
            await self._smtp.connect()
        try:
            await self._smtp.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise Permanent(str(exc)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                raise Permanent(f"{exc.code} {exc.message}") from exc
            raise

    async def _close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and smtp.is_connected:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await smtp.quit()
            smtp.close()

    # --- messages ---------------------------------------------------------------------------

    def message_id(self, rows: list[Claimed]) -> str:
        first = rows[0]
        if first.channel == CONFIRM:
            local = f"confirm.{first.account_id}.{first.id}"
        elif first.channel in TOKEN_CHANNELS:
            local = f"{first.channel}.{first.token_id}"
        elif first.channel == REMINDER:
            local = f"reminder.{first.notice_id}"
        elif first.channel == DIGEST:
            # The digest of one account's day: named after its first notice, so a retry of the same
            # rows has the same id.
            local = f"digest.{first.account_id}.{min(r.notice_id or 0 for r in rows)}"
        else:
            local = f"notice.{first.notice_id}"
        return f"<{local}.{self.epoch() or 'x'}@{self.domain}>"

    def compose(
        self,
        rows: list[Claimed],
        mailbox: AccountMail | None,
        notices: dict[int, MailNotice],
        tokens: dict[int, tuple[PasswordToken, str]] | None = None,
    ) -> EmailMessage:
        """The mail for claimed rows; LookupError when there is nothing to send any more."""
        first = rows[0]
        if mailbox is None:
            raise LookupError("the account has no address any more")
        if first.channel in TOKEN_CHANNELS:
            link = (tokens or {}).get(first.token_id or 0)
            if link is None:
                raise LookupError("the password link is gone")
            return self._password_link(first, mailbox, *link)
        if first.channel == CONFIRM:
            if mailbox.verified_at is not None or mailbox.confirm_nonce is None:
                raise LookupError("the address needs no confirmation any more")
            return self._confirmation(first, mailbox)
        if mailbox.verified_at is None or mailbox.delivery == "none":
            raise LookupError("the account takes no mail")
        if first.channel == REMINDER:
            reminder = self._round_reminders.get(first.notice_id or 0)
            if reminder is None:
                raise LookupError("the reminder is gone")
            return self._reminder(first, mailbox, reminder.day, reminder.items)
        found = [notices[r.notice_id] for r in rows if r.notice_id in notices]
        if not found:
            raise LookupError("the notice is gone")
        if first.channel == DIGEST:
            day = found[0].created_at.astimezone(KST).strftime("%Y-%m-%d")
            subject = f"[통] {day} 알림 {len(found)}건"
            intro = f"{day} (KST) 알림 {len(found)}건입니다."
        elif len(found) > 1:
            # Notices on one thread folded into one mail (outbox.FOLD_WINDOW).
            subject = f"[통] {found[0].title} 외 {len(found) - 1}건"
            intro = f"'{found[0].thread_title}' 글의 새 알림 {len(found)}건입니다."
        else:
            subject = f"[통] {found[0].title}"
            intro = ""
        return self._notice_mail(rows, mailbox, found, subject, intro)

    def _envelope(self, rows: list[Claimed], address: str, subject: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = address
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = self.message_id(rows)
        message["Auto-Submitted"] = "auto-generated"
        return message

    def _notice_mail(
        self, rows: list[Claimed], mailbox: AccountMail, found: list[MailNotice], subject: str, intro: str
    ) -> EmailMessage:
        message = self._envelope(rows, mailbox.address, subject)
        token = mailtokens.unsubscribe_token(self.secret, mailbox.account_id, mailbox.address)
        unsubscribe = f"{self.base}/api/mail/unsubscribe?token={quote(token)}"
        # RFC 8058: an https URL (in production) and the one-click POST marker; RFC 2369's angle
        # brackets, never encoded words.
        message["List-Unsubscribe"] = UnfoldedHeader("List-Unsubscribe", f"<{unsubscribe}>")
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        settings_url = f"{self.base}/account"
        text = [intro, ""] if intro else []
        for notice in found:
            text += [notice.title, f"  {notice.thread_title}", f"  {self.base}{notice.path}", ""]
        text += [
            "-- ",
            "통(通)에서 보낸 알림입니다.",
            f"알림 메일 설정: {settings_url}",
            f"알림 메일 그만 받기: {self.base}/mail/unsubscribe?token={quote(token)}",
        ]
        message.set_content("\n".join(text))
        items = "".join(
            f'<li><a href="{html.escape(self.base + n.path)}">{html.escape(n.title)}</a>'
            f"<br>{html.escape(n.thread_title)}</li>"
            for n in found
        )
        message.add_alternative(
            "<!doctype html><html lang=ko><body>"
            + (f"<p>{html.escape(intro)}</p>" if intro else "")
            + f"<ul>{items}</ul><hr><p>통(通)에서 보낸 알림입니다. "
            f'<a href="{html.escape(settings_url)}">알림 메일 설정</a> · '
            f'<a href="{html.escape(self.base)}/mail/unsubscribe?token={quote(token)}">그만 받기</a></p>'
            "</body></html>",
            subtype="html",
        )
        return message

    def _reminder(self, row: Claimed, mailbox: AccountMail, day: str, items: dict[str, Any]) -> EmailMessage:
        """A staff account's due reminder: its proposals near or past the answer target, and the
        answers waiting for its approval (work mail for staff: titles and links only)."""
        due, approvals = items.get("due", []), items.get("approvals", [])
        message = self._envelope(
            [row], mailbox.address, f"[통] {day} 답변 기한 {len(due)}건 · 결재 대기 {len(approvals)}건"
        )
        lines = [f"{day} (KST) 답변 업무 알림입니다.", ""]
        if due:
            lines.append(f"답변 기한이 다가오거나 지난 제안 {len(due)}건:")
            for item in due:
                state = "기한 지남" if item.get("overdue") else "기한 임박"
                lines += [
                    f"- [{state}] {item['title']} (기한 {item['due_at'][:10]})",
                    f"  {self.base}/threads/{item['id']}",
                ]
            lines.append("")
        if approvals:
            lines.append(f"결재를 기다리는 답변 {len(approvals)}건:")
            for item in approvals:
                lines += [f"- {item['title']}", f"  {self.base}/staff#answers"]
            lines.append("")
        lines += ["-- ", "통(通) 답변 업무 알림 (매일 보냅니다)."]
        message.set_content("\n".join(lines))
        return message

    def _confirmation(self, row: Claimed, mailbox: AccountMail) -> EmailMessage:
        assert mailbox.confirm_nonce is not None
        message = self._envelope([row], mailbox.address, "[통] 이메일 주소 확인")
        token = mailtokens.confirm_token(self.secret, mailbox.account_id, mailbox.confirm_nonce)
        link = f"{self.base}/mail/confirm?token={quote(token)}"
        message.set_content(
            "통(通) 알림을 받을 주소로 이 주소가 등록되었습니다.\n"
            f"맞으면 48시간 안에 이 링크를 열어 확인해 주세요:\n{link}\n\n"
            "직접 등록하지 않았다면 이 메일을 무시하세요.\n"
        )
        message.add_alternative(
            "<!doctype html><html lang=ko><body><p>통(通) 알림을 받을 주소로 이 주소가 등록되었습니다.</p>"
            f'<p><a href="{html.escape(link)}">주소 확인하기</a> (48시간 안에)</p>'
            "<p>직접 등록하지 않았다면 이 메일을 무시하세요.</p></body></html>",
            subtype="html",
        )
        return message

    def _password_link(
        self, row: Claimed, mailbox: AccountMail, token: PasswordToken, login: str
    ) -> EmailMessage:
        """A password reset or invitation mail: the link (`/reset-password?token=`) and how long it
        works. Only to a confirmed address (an invitation's address is the admin's word)."""
        if mailbox.verified_at is None:
            raise LookupError("the address is not confirmed")
        expires = token.expires_at if token.expires_at.tzinfo else token.expires_at.replace(tzinfo=UTC)
        if token.used_at is not None or expires <= datetime.now(UTC):
            raise LookupError("the password link was used or has expired")
        assert token.id is not None
        link = f"{self.base}/reset-password?token={quote(password_token(self.secret, token.id, token.nonce))}"
        until = expires.astimezone(KST).strftime("%Y-%m-%d %H:%M")
        if row.channel == INVITE:
            subject = "[통] 계정이 만들어졌습니다: 비밀번호를 정해 주세요"
            lines = [
                f"통(通)에 계정 '{login}'이(가) 만들어졌습니다.",
                f"이 링크에서 비밀번호를 정한 뒤 로그인하세요 ({until} KST까지, 한 번만 쓸 수 있습니다):",
                link,
                "",
                f"An account '{login}' was made for you on Tong. Set its password with the link above",
                f"(valid until {until} KST, once).",
            ]
        else:
            subject = "[통] 비밀번호 재설정"
            lines = [
                f"통(通) 계정 '{login}'의 비밀번호 재설정을 요청받았습니다.",
                f"이 링크에서 새 비밀번호를 정하세요 ({until} KST까지, 한 번만 쓸 수 있습니다):",
                link,
                "",
                "직접 요청하지 않았다면 이 메일을 무시하세요. 비밀번호는 바뀌지 않습니다.",
                "",
                f"A password reset was asked for the Tong account '{login}'. Set a new password with",
                f"the link above (valid until {until} KST, once). If you did not ask, ignore this mail.",
            ]
        message = self._envelope([row], mailbox.address, subject)
        message.set_content("\n".join(lines) + "\n")
        message.add_alternative(
            "<!doctype html><html lang=ko><body>"
            + "".join(
                f'<p><a href="{html.escape(link)}">{html.escape(link)}</a></p>'
                if line == link
                else f"<p>{html.escape(line)}</p>"
                for line in lines
                if line
            )
            + "</body></html>",
            subtype="html",
        )
        return message


def _message_id_domain(settings: Settings) -> str:
    host = urlsplit(settings.public_url).hostname
    if host:
        return host
    _name, address = parseaddr(settings.mail_from)
    return address.rsplit("@", 1)[-1] if "@" in address else "tong.invalid"


def notice_source(db: Database) -> NoticeSource:
    """What a mail may say about notices, read from the notices themselves (their `data` holds
    only what the thread shows everyone: its title, a label, a status)."""

    async def read(notice_ids: list[int]) -> dict[int, MailNotice]:
        async with db.read() as s:
            rows = (await s.execute(select(Notice).where(Notice.id.in_(notice_ids)))).scalars().all()  # type: ignore[union-attr]
            # A mail not yet sent says nothing of a proposal hidden since (v1.2).
            ids = sorted({n.thread_id for n in rows})
            hidden = await hidden_threads(s, set(ids))
        return {
            n.id: MailNotice(
                id=n.id,
                account_id=n.account_id,
                thread_id=n.thread_id,
                title=describe(n.kind, n.data, n.count),
                thread_title="" if n.thread_id in hidden else str(n.data.get("title") or ""),
                path=notice_path(n.thread_id, n.comment_id, n.answer_id),
                created_at=n.created_at if n.created_at.tzinfo else n.created_at.replace(tzinfo=UTC),
            )
            for n in rows
            if n.id is not None
        }

    return read
