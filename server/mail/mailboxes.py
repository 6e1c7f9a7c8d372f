"""Accounts' e-mail addresses: set (pending), confirmed through a signed link, the delivery an
account wants (immediate, a daily digest in KST, none), and one-click unsubscribe.

An address receives notices only once confirmed. Setting a new one queues a confirmation mail in
the outbox (sent off the request path, like every mail); the link in it is signed over a nonce
kept with the address (mailtokens.py), so a later address makes the earlier link useless.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from server.contract.errors import Conflict, ErrorCode, Invalid, NotFound, RateLimited
from server.mail import mailtokens
from server.mail.outbox import DELIVERIES, Clock, OutboxStore
from server.store.database import Database
from server.store.models import Account, AccountMail, PasswordToken, utcnow
from server.text.addresses import ADDRESS_MAX, normalise_address

__all__ = ["ADDRESS_MAX", "Mailboxes", "normalise_address", "view"]

# A confirmation link works this long after it was sent.
CONFIRM_VALID = timedelta(hours=48)
# One confirmation mail per account per minute: the page cannot be used to flood an address.
CONFIRM_INTERVAL = timedelta(seconds=60)


def view(row: AccountMail | None, enabled: bool) -> dict[str, Any]:
    """The account page's view of its own mail settings."""
    return {
        "enabled": enabled,
        "address": row.address if row else None,
        "verified": bool(row and row.verified_at),
        "delivery": row.delivery if row else "immediate",
    }


class Mailboxes:
    def __init__(self, db: Database, outbox: OutboxStore, secret: bytes, clock: Clock = utcnow) -> None:
        self.db = db
        self.outbox = outbox
        self.secret = secret
        self.clock = clock

    async def settings(self, account_id: int) -> dict[str, Any]:
        async with self.db.read() as s:
            return view(await s.get(AccountMail, account_id), self.outbox.enabled)

    async def set_address(
        self, account_id: int, value: str | None, *, verified: bool = False
    ) -> dict[str, Any]:
        """Set (or with None remove) the address. A new address waits for its confirmation link,
        unless `verified` (an operator vouching for it on the command line)."""
        if value is None:
            async with self.db.transaction() as s:
                await s.execute(delete(AccountMail).where(AccountMail.account_id == account_id))  # type: ignore[arg-type]
            return view(None, self.outbox.enabled)
        address = normalise_address(value)
        if not verified and not self.outbox.enabled:
            raise Conflict(
                "no mail server is configured: an address cannot be confirmed", code=ErrorCode.MAIL_DISABLED
            )
        now = self.clock()
        async with self.db.transaction() as s:
            row = await s.get(AccountMail, account_id, with_for_update=True)
            sent = row.confirm_sent_at if row is not None else None
            if not verified and sent is not None and now - _aware(sent) < CONFIRM_INTERVAL:
                wait = CONFIRM_INTERVAL - (now - _aware(sent))
                raise RateLimited("a confirmation mail was sent a moment ago", int(wait.total_seconds()) + 1)
            if row is not None and row.address == address and (row.verified_at or not verified):
                if row.verified_at is None:
                    # The same address again: a fresh link (the last one may have gone astray).
                    self._start_confirmation(s, row, now)
                return view(row, self.outbox.enabled)
            if row is None:
                row = AccountMail(account_id=account_id, address=address)
                s.add(row)
            row.address = address
            row.verified_at = now if verified else None
            row.confirm_nonce = None
            row.confirm_sent_at = None
            if not verified:
                self._start_confirmation(s, row, now)
            return view(row, self.outbox.enabled)

    def _start_confirmation(self, s: Any, row: AccountMail, now: datetime) -> None:
        row.confirm_nonce = mailtokens.new_nonce()
        row.confirm_sent_at = now
        self.outbox.add_confirmation(s, row.account_id)

    async def set_delivery(self, account_id: int, delivery: str) -> dict[str, Any]:
        if delivery not in DELIVERIES:
            raise Invalid("delivery is not one of the allowed values", {"delivery": "unknown"})
        async with self.db.transaction() as s:
            row = await s.get(AccountMail, account_id)
            if row is None:
                raise Conflict("set an address first", code=ErrorCode.NO_ADDRESS)
            row.delivery = delivery
            return view(row, self.outbox.enabled)

    async def confirm(self, token: str) -> dict[str, Any]:
        read = mailtokens.read_confirm(self.secret, token)
        if read is None:
            raise NotFound("this confirmation link is not valid", code=ErrorCode.INVALID_TOKEN)
        account_id, nonce = read
        now = self.clock()
        async with self.db.transaction() as s:
            row = await s.get(AccountMail, account_id, with_for_update=True)
            if row is None or row.confirm_nonce != nonce:
                raise NotFound("this confirmation link is not valid any more", code=ErrorCode.INVALID_TOKEN)
            sent = row.confirm_sent_at
            if sent is not None and now - _aware(sent) > CONFIRM_VALID:
                raise NotFound("this confirmation link has expired", code=ErrorCode.EXPIRED_TOKEN)
            row.verified_at = now
            row.confirm_nonce = None
            return view(row, self.outbox.enabled)

    async def unsubscribe(self, token: str) -> bool:
        """Stop mails to the address a link was sent to; True when the token was valid."""
        account_id = mailtokens.unsubscribe_account(token)
        if account_id is None:
            return False
        async with self.db.transaction() as s:
            row = await s.get(AccountMail, account_id)
            if row is None or not mailtokens.unsubscribe_valid(self.secret, token, account_id, row.address):
                return False
            row.delivery = "none"
            return True

    async def account_id(self, login: str) -> int | None:
        async with self.db.read() as s:
            return (await s.execute(select(Account.id).where(Account.login == login))).scalar()  # type: ignore[arg-type]

    async def password_tokens(self, token_ids: set[int]) -> dict[int, tuple[PasswordToken, str]]:
        """The password links that reset and invitation mails carry, with their account's login."""
        if not token_ids:
            return {}
        async with self.db.read() as s:
            found = await s.execute(
                select(PasswordToken, Account.login)
                .join(Account, Account.id == PasswordToken.account_id)  # type: ignore[arg-type]
                .where(PasswordToken.id.in_(token_ids))  # type: ignore[union-attr]
            )
            return {token.id: (token, login) for token, login in found.all() if token.id is not None}

    async def rows(self, account_ids: set[int]) -> dict[int, AccountMail]:
        async with self.db.read() as s:
            found = await s.execute(select(AccountMail).where(AccountMail.account_id.in_(account_ids)))  # type: ignore[attr-defined]
            return {row.account_id: row for row in found.scalars()}


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
