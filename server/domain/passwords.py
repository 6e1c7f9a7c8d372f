"""Password links: a reset asked by e-mail, and the invitation an imported account gets (v1.2).

A link carries a token `p.<row id>.<signature>`, the signature an HMAC of the row's random nonce
under the server's secret. The `password_token` row keeps only the token's SHA-256 (how a link
finds its row) and the nonce (how the mailer writes the link again, with the secret): neither a
leaked table nor a leaked secret alone makes a working link. A token is single use (the update
that marks it used is the one that may succeed, so two tabs cannot both use it), ends after
`RESET_VALID` (30 minutes; an invitation after `INVITE_VALID`), and a newer token leaves older
ones valid until they expire (a mail that arrives late still works).

No enumeration: `request_reset` is what runs *after* the route has answered 202, so whether an
account has the address, and whether the mail was dropped by a limit, changes neither the answer
nor its timing. Only a confirmed address of a password account that is not disabled gets a mail.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.contract.errors import ErrorCode, Invalid, NotFound
from server.contract.vocabulary import EventType
from server.domain.accounts import Passwords, check_strength
from server.domain.ratelimit import Counter, per_second
from server.domain.sessions import Sessions
from server.events.seam import EventLog
from server.store.database import Database
from server.store.models import Account, AccountMail, AccountSession, PasswordToken, utcnow
from server.text.addresses import normalise_address

log = logging.getLogger("tong.passwords")

RESET = "reset"
INVITE = "invite"
# The contract's 30 minutes: long enough to open a mail, short enough that a link found later in
# a mailbox is useless.
RESET_VALID = timedelta(minutes=30)
# An invitation waits for someone who may be away for a few days.
INVITE_VALID = timedelta(days=7)
# At most this many reset mails per address, and per account, per hour: a person who lost a mail
# asks again once or twice; more is someone flooding a mailbox. Past it the mail is dropped
# silently (a 429 would tell that the account exists).
RESETS_PER_HOUR = 3
TOKEN = "p"


class LinkMails(Protocol):
    """Where a link's mail is queued, in the link's transaction (the outbox)."""

    enabled: bool

    def add_token_mail(self, s: AsyncSession, channel: str, account_id: int, token_id: int) -> None: ...


def password_token(secret: bytes, token_id: int, nonce: str) -> str:
    digest = hmac.new(secret, f"tong-password:{token_id}:{nonce}".encode(), hashlib.sha256).digest()
    return f"{TOKEN}.{token_id}.{base64.urlsafe_b64encode(digest[:24]).decode().rstrip('=')}"


def token_hash(token: str) -> str:
    """What the row keeps of its link's token."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def new_link(
    s: AsyncSession, secret: bytes, mails: LinkMails, account_id: int, purpose: str, now: datetime
) -> int:
    """A password link for the account and its mail, in the caller's transaction; its row id."""
    nonce = secrets.token_urlsafe(16)
    row = PasswordToken(
        account_id=account_id,
        purpose=purpose,
        # Filled once the id is known (the token names it).
        token_hash=secrets.token_hex(32),
        nonce=nonce,
        created_at=now,
        expires_at=now + (INVITE_VALID if purpose == INVITE else RESET_VALID),
    )
    s.add(row)
    await s.flush()
    assert row.id is not None
    row.token_hash = token_hash(password_token(secret, row.id, nonce))
    mails.add_token_mail(s, purpose, account_id, row.id)
    return row.id


class PasswordLinks:
    def __init__(
        self,
        db: Database,
        events: EventLog,
        passwords: Passwords,
        sessions: Sessions,
        mails: LinkMails,
        counter: Counter,
        secret: bytes,
        min_score: int,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.db = db
        self.events = events
        self.passwords = passwords
        self.sessions = sessions
        self.mails = mails
        self.counter = counter
        self.secret = secret
        self.min_score = min_score
        self.wake = wake
        self._limit = per_second(RESETS_PER_HOUR, 3600)
        self.clock: Callable[[], datetime] = utcnow
        # How each reset request ended, in this process (never in an answer): `queued`,
        # `limited` (a limit dropped the mail), `ignored` (no such confirmed address, or no mail).
        self.handled: collections.Counter[str] = collections.Counter()

    async def request_reset(self, address: str) -> int:
        """Queue a reset mail for each password account whose confirmed address this is, within
        the limits; how many were queued (for tests and logs: never for the answer)."""
        queued = await self._request_reset(address)
        self.handled["queued" if queued > 0 else "limited" if queued < 0 else "ignored"] += 1
        return max(queued, 0)

    async def _request_reset(self, address: str) -> int:
        """How many mails were queued; -1 when a limit dropped every one."""
        if not self.mails.enabled:
            return 0
        try:
            normal = normalise_address(address, "email")
        except Invalid:
            return 0
        folded = normal.casefold()
        key = hashlib.sha256(folded.encode()).hexdigest()[:32]
        if not await self.counter.hit(self._limit, "reset-address", key):
            log.info("password reset dropped: the address's hourly limit")
            return -1
        now = self.clock()
        async with self.db.read() as s:
            account_ids = (
                (
                    await s.execute(
                        select(Account.id)  # type: ignore[call-overload]
                        .join(AccountMail, AccountMail.account_id == Account.id)  # type: ignore[arg-type]
                        .where(
                            func.lower(AccountMail.address) == folded,
                            AccountMail.verified_at.is_not(None),  # type: ignore[union-attr]
                            Account.disabled == False,  # noqa: E712
                            Account.oidc_subject.is_(None),  # type: ignore[union-attr]
                        )
                    )
                )
                .scalars()
                .all()
            )
        queued = 0
        for account_id in account_ids:
            if not await self.counter.hit(self._limit, "reset-account", str(account_id)):
                log.info("password reset dropped: the account's hourly limit")
                continue
            async with self.db.transaction() as s:
                await new_link(s, self.secret, self.mails, account_id, RESET, now)
            queued += 1
        if queued:
            self.wake()
        return queued if queued or not account_ids else -1

    async def confirm(self, token: str, password: str) -> dict[str, Any]:
        """Set the password of the link's account and use the link up; every session of the
        account ends. A password the strength rule refuses leaves the link as it was."""
        found = await self._valid(token)
        check_strength(password, [found.login, found.kind], self.min_score)
        hashed = await self.passwords.hash_bounded(password)
        now = self.clock()
        async with self.events.change() as change:
            s = change.session
            used = await s.execute(
                update(PasswordToken)
                .where(PasswordToken.id == found.token_id, PasswordToken.used_at.is_(None))  # type: ignore[arg-type,union-attr]
                .values(used_at=now)
            )
            if used.rowcount != 1:  # type: ignore[attr-defined]
                raise NotFound("this link was already used", code=ErrorCode.INVALID_TOKEN)
            await s.execute(
                update(Account).where(Account.id == found.account_id).values(password_hash=hashed)  # type: ignore[arg-type]
            )
            ended = (
                (
                    await s.execute(
                        delete(AccountSession)  # type: ignore[call-overload]
                        .where(AccountSession.account_id == found.account_id)  # type: ignore[arg-type]
                        .returning(AccountSession.token_hash)
                    )
                )
                .scalars()
                .all()
            )
            actor = await s.get(Account, found.account_id)
            await change.append(
                EventType.ACCOUNT_CHANGED,
                actor,
                {"account_id": found.account_id, "changed": ["password"], "by": found.purpose},
            )
        for hashed_session in ended:
            self.sessions.cache.forget(found.account_id, hashed_session)
        await self.events.sessions_ended(found.account_id)
        return {"login": found.login, "sessions_ended": len(ended)}

    async def check(self, token: str) -> dict[str, Any]:
        """What the reset page shows before asking for a password: the login and the link's end."""
        found = await self._valid(token)
        return {"login": found.login, "purpose": found.purpose, "expires_at": found.expires_at}

    async def _valid(self, token: str) -> _Found:
        if not token.isascii() or len(token) > 200:
            raise NotFound("this link is not valid", code=ErrorCode.INVALID_TOKEN)
        async with self.db.read() as s:
            row = (
                await s.execute(
                    select(PasswordToken, Account)
                    .join(Account, Account.id == PasswordToken.account_id)  # type: ignore[arg-type]
                    .where(PasswordToken.token_hash == token_hash(token))  # type: ignore[arg-type]
                )
            ).first()
        if row is None:
            raise NotFound("this link is not valid", code=ErrorCode.INVALID_TOKEN)
        link, account = row
        if link.used_at is not None or account.disabled:
            raise NotFound("this link was already used", code=ErrorCode.INVALID_TOKEN)
        if _aware(link.expires_at) <= self.clock():
            raise NotFound("this link has expired", code=ErrorCode.EXPIRED_TOKEN)
        assert link.id is not None and account.id is not None
        expires = _aware(link.expires_at).isoformat().replace("+00:00", "Z")
        return _Found(link.id, account.id, account.login, account.kind, link.purpose, expires)


@dataclass(frozen=True)
class _Found:
    """A link that still works, with what its use needs."""

    token_id: int
    account_id: int
    login: str
    kind: str
    purpose: str
    expires_at: str
