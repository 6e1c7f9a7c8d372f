"""The mail outbox: rows written in the transaction of what they announce, sent later.

A notice and its outbox row commit together, so a mail is never announced for a change that
rolled back, nor lost for one that committed. A sender claims due rows by moving their
`next_attempt_at` past the time a send may take (the lease), in one statement: on PostgreSQL the
candidate rows are locked with `FOR UPDATE SKIP LOCKED`, so several processes claim disjoint
rows without waiting on each other; SQLite has one writer at a time, which serialises the claims.
A process that dies mid-send leaves its rows to come due again when the lease ends: the mail may
then go twice, with the same Message-ID (mailer.py), which receivers fold into one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.store.database import Database
from server.store.models import AccountMail, Notice, Outbox, utcnow

KST = ZoneInfo("Asia/Seoul")

EMAIL = "email"
DIGEST = "digest"
CONFIRM = "confirm"
# A password reset link, an invitation to set a first password (v1.2): `token_id` names the link.
RESET = "reset"
INVITE = "invite"
TOKEN_CHANNELS = (RESET, INVITE)
DELIVERIES = ("immediate", "daily", "none")

Clock = Callable[[], datetime]

# At most one notice mail per account per thread in this window; later notices fold into the next.
# 40 replies in an hour were 40 mails; a quarter of an hour keeps a live discussion to four mails an
# hour while a single notice still goes at once.
FOLD_WINDOW = timedelta(minutes=15)

Key = tuple[int, int]  # (account id, thread id)


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive UTC times.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Claimed:
    id: int
    notice_id: int | None
    channel: str
    account_id: int
    attempts: int
    token_id: int | None = None


def digest_due(created_at: datetime, hour: int) -> datetime:
    """When the digest holding a notice made at `created_at` goes out: `hour` o'clock KST on the
    day after the notice's KST day (one mail per account per KST day)."""
    day = created_at.astimezone(KST).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=KST).astimezone(UTC)


class OutboxStore:
    def __init__(
        self,
        db: Database,
        *,
        enabled: bool,
        digest_hour: int,
        retry_base_s: float,
        retry_max_s: float,
        lease_s: float,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        # Without SMTP no rows are written at all: in-app notices only.
        self.enabled = enabled
        self.digest_hour = digest_hour
        self.retry_base_s = retry_base_s
        self.retry_max_s = retry_max_s
        self.lease_s = lease_s
        self.clock = clock

    async def add_for_notices(self, s: AsyncSession, notices: Iterable[tuple[int, int, int]]) -> int:
        """Outbox rows for new notices, given as (notice id, account id, thread id), inside the
        caller's transaction: a mail for accounts with a verified address that want one, due when
        the account's window on that thread allows (FOLD_WINDOW). Returns how many."""
        if not self.enabled:
            return 0
        pairs = list(notices)
        if not pairs:
            return 0
        accounts = {account_id for _notice_id, account_id, _thread_id in pairs}
        wanted: dict[int, str] = dict(
            (
                await s.execute(
                    select(AccountMail.account_id, AccountMail.delivery).where(
                        AccountMail.account_id.in_(accounts),  # type: ignore[attr-defined]
                        AccountMail.verified_at.is_not(None),  # type: ignore[union-attr]
                        AccountMail.delivery != "none",
                    )
                )
            ).all()
        )
        now = self.clock()
        immediate = {(a, t) for _n, a, t in pairs if wanted.get(a) == "immediate"}
        due_at = await self._fold_times(s, immediate, now)
        rows = []
        for notice_id, account_id, thread_id in pairs:
            delivery = wanted.get(account_id)
            if delivery is None:
                continue
            daily = delivery == "daily"
            if daily:
                due = digest_due(now, self.digest_hour)
            else:
                due = due_at.get((account_id, thread_id), now)
                # A second notice in this transaction folds into the first one's mail.
                due_at[(account_id, thread_id)] = due
            rows.append(
                Outbox(
                    notice_id=notice_id,
                    channel=DIGEST if daily else EMAIL,
                    account_id=account_id,
                    next_attempt_at=due,
                    created_at=now,
                )
            )
        s.add_all(rows)
        return len(rows)

    async def _fold_times(self, s: AsyncSession, keys: set[Key], now: datetime) -> dict[Key, datetime]:
        """When a new notice mail for each (account, thread) may go: with the one still waiting
        (the same due time), or a window after the last one sent; absent when it may go now."""
        if not keys:
            return {}
        rows = await s.execute(
            select(Outbox.account_id, Notice.thread_id, Outbox.sent_at, Outbox.next_attempt_at)
            .join(Notice, Notice.id == Outbox.notice_id)  # type: ignore[arg-type]
            .where(
                Outbox.channel == EMAIL,
                Outbox.account_id.in_({a for a, _t in keys}),  # type: ignore[attr-defined]
                Notice.thread_id.in_({t for _a, t in keys}),  # type: ignore[attr-defined]
                (Outbox.sent_at > now - FOLD_WINDOW) | Outbox.next_attempt_at.is_not(None),  # type: ignore[operator,union-attr]
            )
        )
        due: dict[Key, datetime] = {}
        for account_id, thread_id, sent_at, next_attempt_at in rows.all():
            key = (account_id, thread_id)
            if key not in keys:
                continue
            at = _aware(sent_at) + FOLD_WINDOW if sent_at is not None else _aware(next_attempt_at)
            if at > now or key in due:
                due[key] = max(at, due.get(key, at))
            else:
                # A mail still waiting and already due: this notice goes with it.
                due[key] = at
        return due

    async def last_sent(self, keys: set[Key]) -> dict[Key, datetime]:
        """When the last notice mail to each (account, thread) went out, within the window."""
        if not keys:
            return {}
        since = self.clock() - FOLD_WINDOW
        async with self.db.read() as s:
            rows = await s.execute(
                select(Outbox.account_id, Notice.thread_id, func.max(Outbox.sent_at))
                .join(Notice, Notice.id == Outbox.notice_id)  # type: ignore[arg-type]
                .where(
                    Outbox.channel == EMAIL,
                    Outbox.account_id.in_({a for a, _t in keys}),  # type: ignore[attr-defined]
                    Notice.thread_id.in_({t for _a, t in keys}),  # type: ignore[attr-defined]
                    Outbox.sent_at > since,  # type: ignore[operator]
                )
                .group_by(Outbox.account_id, Notice.thread_id)
            )
            return {(a, t): _aware(at) for a, t, at in rows.all() if (a, t) in keys}

    async def postpone(self, ids: list[int], when: datetime) -> None:
        """Claimed rows that must wait for their window: due at `when`, the claim not counted as
        an attempt."""
        async with self.db.transaction() as s:
            await s.execute(
                update(Outbox)
                .where(Outbox.id.in_(ids))  # type: ignore[union-attr]
                .values(next_attempt_at=when, attempts=Outbox.attempts - 1)
            )

    def add_confirmation(self, s: AsyncSession, account_id: int) -> None:
        now = self.clock()
        s.add(Outbox(channel=CONFIRM, account_id=account_id, next_attempt_at=now, created_at=now))

    def add_token_mail(self, s: AsyncSession, channel: str, account_id: int, token_id: int) -> None:
        """A reset or invitation mail carrying the link of `token_id`, due now (no folding and no
        delivery preference: the account asked for it, or an admin invited it)."""
        assert channel in TOKEN_CHANNELS
        now = self.clock()
        s.add(
            Outbox(
                channel=channel, account_id=account_id, token_id=token_id, next_attempt_at=now, created_at=now
            )
        )

    async def claim(self, limit: int) -> list[Claimed]:
        """Due single mails (notices and confirmations), leased to this process."""
        now = self.clock()
        due = (
            select(Outbox.id)
            .where(Outbox.next_attempt_at <= now, Outbox.channel != DIGEST)  # type: ignore[operator]
            # Rows folded into one mail share their due time and account: claimed side by side.
            .order_by(Outbox.next_attempt_at, Outbox.account_id, Outbox.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return await self._lease(Outbox.id.in_(due.scalar_subquery()), now)  # type: ignore[union-attr]

    async def claim_digest(self) -> list[Claimed]:
        """Every due digest line of one account (one mail gathers them), leased to this process."""
        now = self.clock()
        one = (
            select(Outbox.account_id)
            .where(Outbox.next_attempt_at <= now, Outbox.channel == DIGEST)  # type: ignore[operator]
            .order_by(Outbox.next_attempt_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        async with self.db.transaction() as s:
            account_id = (await s.execute(one)).scalar()
            if account_id is None:
                return []
            return await self._lease_in(
                s,
                (Outbox.account_id == account_id)
                & (Outbox.channel == DIGEST)
                & (Outbox.next_attempt_at <= now),  # type: ignore[operator]
                now,
            )

    async def _lease(self, where: object, now: datetime) -> list[Claimed]:
        async with self.db.transaction() as s:
            return await self._lease_in(s, where, now)

    async def _lease_in(self, s: AsyncSession, where: object, now: datetime) -> list[Claimed]:
        result = await s.execute(
            update(Outbox)
            .where(where)  # type: ignore[arg-type]
            .values(attempts=Outbox.attempts + 1, next_attempt_at=now + timedelta(seconds=self.lease_s))
            .returning(
                Outbox.id,
                Outbox.notice_id,
                Outbox.channel,
                Outbox.account_id,
                Outbox.attempts,
                Outbox.token_id,
            )
        )
        claimed = [Claimed(*row) for row in result.all()]
        return sorted(claimed, key=lambda c: c.id)

    async def sent(self, ids: list[int]) -> None:
        async with self.db.transaction() as s:
            await s.execute(
                update(Outbox)
                .where(Outbox.id.in_(ids))  # type: ignore[union-attr]
                .values(sent_at=self.clock(), next_attempt_at=None, last_error=None)
            )

    def backoff(self, attempts: int) -> float:
        """Seconds before attempt `attempts + 1`: doubling from the base up to the cap, with up to
        10% added at random so rows that failed together do not all come back together."""
        delay = min(self.retry_base_s * 2 ** min(attempts - 1, 30), self.retry_max_s)
        return delay * (1 + random.random() / 10)

    async def failed(self, ids: list[int], attempts: int, error: str, *, give_up: bool) -> None:
        when = None if give_up else self.clock() + timedelta(seconds=self.backoff(attempts))
        async with self.db.transaction() as s:
            await s.execute(
                update(Outbox)
                .where(Outbox.id.in_(ids))  # type: ignore[union-attr]
                .values(next_attempt_at=when, last_error=error[:500])
            )

    async def drop(self, ids: list[int], reason: str) -> None:
        """Rows that will not be sent (the address went away, the account unsubscribed)."""
        await self.failed(ids, 0, reason, give_up=True)
