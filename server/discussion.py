"""The domain: every change is one transaction that also appends its event-log row, then a publish.

A sequenced change (see `channels.SEQUENCED_EVENTS`) first increments `thread.seq` in SQL: that
UPDATE takes the thread's row lock (PostgreSQL) or the database write lock (SQLite, BEGIN
IMMEDIATE), so seqs are gap-free and commit in order even with writers in several processes.
Counts are incremented in SQL too, never read-modify-written in Python.
"""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server import channels as ch
from server import public
from server.accounts import ACCOUNT_KINDS, STAFF_ROLES, Passwords, new_session_token, token_hash
from server.database import Database
from server.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from server.identifiers import refuse_identifiers
from server.links import parse_links, store_links
from server.models import (
    Account,
    AccountSession,
    Answer,
    Comment,
    Event,
    Recommendation,
    Report,
    Thread,
    ThreadAuthor,
    utcnow,
)
from server.plaintext import is_blank, neutralise_bidi
from server.publisher import Message, Publisher
from server.ratelimit import RateLimiter
from server.reading import OUTCOMES, THREAD_KINDS, thread_authors
from server.settings import Settings

if TYPE_CHECKING:
    from server.holds import Holds

# Statements built once; executing them with parameters skips building a statement per request.
INSERT_EVENT = insert(Event).returning(Event.id)  # type: ignore[arg-type]
INSERT_COMMENT = insert(Comment).returning(Comment.id)  # type: ignore[arg-type]
# (thread, account) -> author object; bounded so a long-running process does not grow forever.
PSEUDONYM_CACHE = 100_000

LOGIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")
PASSWORD_MIN = 8
CATEGORY_MAX = 50


def text(value: str, name: str, maximum: int) -> str:
    """Trimmed text of 1..maximum code points, or a 422 that names the field."""
    # Bidi controls go (text that lies about its direction); text that shows nothing (zero-width
    # characters, Hangul fillers) is empty.
    trimmed = neutralise_bidi(value).strip()
    if is_blank(trimmed):
        raise Invalid(f"{name} must not be empty", {name: "empty"})
    if len(trimmed) > maximum:
        raise Invalid(
            f"{name} is {len(trimmed)} characters; the limit is {maximum}",
            {name: "too_long"},
        )
    if "\x00" in trimmed:
        raise Invalid(f"{name} must not contain NUL characters", {name: "nul_character"})
    return trimmed


class Discussion:
    def __init__(
        self,
        db: Database,
        publisher: Publisher,
        settings: Settings,
        secret: bytes,
        passwords: Passwords,
    ) -> None:
        self.db = db
        self.publisher = publisher
        self.settings = settings
        self.secret = secret
        self.passwords = passwords
        self.limiter = RateLimiter(settings.rate_limit_per_minute)
        self._pseudonyms: dict[tuple[int, int], dict[str, Any]] = {}
        self._actor_kinds: dict[int, str] = {}
        # Pre-moderation (holds.py), set by the app when built; None holds nothing.
        self.holds: Holds | None = None

    # --- accounts and sessions --------------------------------------------------------------

    async def create_accounts(
        self,
        logins: list[str],
        password: str,
        kind: str,
        roles: list[str] | None = None,
        department: str | None = None,
        actor: Account | None = None,
    ) -> list[Account]:
        """Create accounts sharing one password (hashed once: argon2 is slow on purpose)."""
        if kind not in ACCOUNT_KINDS:
            raise Invalid(f"kind must be one of {', '.join(ACCOUNT_KINDS)}", {"kind": "unknown"})
        roles = sorted(set(roles or []))
        if any(r not in STAFF_ROLES for r in roles):
            raise Invalid(f"roles must be among {', '.join(STAFF_ROLES)}", {"roles": "unknown"})
        if roles and kind != "staff":
            raise Invalid("only staff accounts hold roles", {"roles": "staff_only"})
        for login in logins:
            if not 3 <= len(login) <= 64 or not set(login) <= LOGIN_CHARS:
                raise Invalid("login must be 3-64 letters, digits or . _ - @", {"login": "invalid"})
        if len(password) < PASSWORD_MIN:
            raise Invalid(f"password must have at least {PASSWORD_MIN} characters", {"password": "too_short"})
        hashed = await asyncio.to_thread(self.passwords.hash, password)
        created = []
        messages: list[Message] = []
        async with self.db.transaction() as s:
            taken = (await s.execute(select(Account.login).where(Account.login.in_(logins)))).scalars().all()  # type: ignore[attr-defined]
            if taken:
                raise Conflict(f"login already taken: {', '.join(taken)}", {"login": "taken"})
            for login in logins:
                account = Account(
                    login=login, password_hash=hashed, kind=kind, roles=",".join(roles), department=department
                )
                s.add(account)
                await s.flush()
                assert account.id is not None
                messages.append(
                    await self._log(
                        s,
                        "account.created",
                        actor_id=actor.id if actor else account.id,
                        payload={"kind": kind, "roles": roles},
                    )
                )
                created.append(account)
        await self.publisher.send(messages)
        return created

    async def login(self, login: str, password: str) -> tuple[str, Account]:
        async with self.db.read() as s:
            account = (await s.execute(select(Account).where(Account.login == login))).scalars().first()
        stored = account.password_hash if account is not None and not account.disabled else None
        if not await asyncio.to_thread(self.passwords.verify, stored, password) or account is None:
            raise Unauthorized("login or password is wrong", code="login_failed")
        token = new_session_token()
        async with self.db.transaction() as s:
            s.add(
                AccountSession(
                    token_hash=token_hash(token),
                    account_id=account.id,
                    expires_at=utcnow() + timedelta(days=self.settings.session_days),
                )
            )
            message = await self._log(s, "session.started", actor_id=account.id, payload={})
        await self.publisher.send([message])
        return token, account

    async def logout(self, token: str) -> None:
        async with self.db.transaction() as s:
            await s.execute(delete(AccountSession).where(AccountSession.token_hash == token_hash(token)))  # type: ignore[arg-type]

    async def account_for_token(self, token: str) -> Account | None:
        async with self.db.read() as s:
            row = (
                await s.execute(
                    select(Account, AccountSession.expires_at)
                    .join(AccountSession, AccountSession.account_id == Account.id)
                    .where(AccountSession.token_hash == token_hash(token))
                )
            ).first()
        if row is None:
            return None
        account, expires_at = row
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        if expires_at < utcnow() or account.disabled:
            return None
        return account

    # --- threads ----------------------------------------------------------------------------

    async def create_thread(
        self, actor: Account, kind: Any, title: Any, body: Any, category: Any = None, links: Any = None
    ) -> dict[str, Any]:
        if kind not in THREAD_KINDS:
            raise Invalid("kind must be proposal or change", {"kind": "unknown"})
        if kind == "change" and actor.kind != "staff":
            raise Forbidden("only staff post 'change' threads", code="staff_only")
        title = text(title, "title", self.settings.title_max)
        body = text(body, "body", self.settings.thread_body_max)
        if category is not None:
            category = text(category, "category", CATEGORY_MAX)
        if self.settings.refuse_identifiers:
            refuse_identifiers({"title": title, "body": body, "category": category})
        if links is not None and kind != "change":
            raise Invalid("only change threads link proposals", {"links": "change_threads_only"})
        link_ids = parse_links(links) if links is not None else []
        self.limiter.check(actor)
        now = utcnow()
        async with self.db.transaction() as s:
            thread = Thread(
                kind=kind,
                title=title,
                body=body,
                category=category,
                status="received" if kind == "proposal" else None,
                author_id=actor.id,  # type: ignore[arg-type]
                created_at=now,
                last_activity_at=now,
            )
            s.add(thread)
            await s.flush()
            assert thread.id is not None
            op = await self._pseudonym(s, thread.id, actor, is_op=True)
            linked = await store_links(s, thread.id, link_ids) if link_ids else []
            summary = public.thread_summary(thread, op)
            log_message = await self._log(
                s, "thread.created", thread_id=thread.id, actor_id=actor.id, payload={"thread": summary}
            )
        board = ch.event_frame(ch.BOARD, "thread.created", {"thread": summary})
        await self.publisher.send([log_message, (ch.BOARD, ch.encode_frame(board))])
        shown = public.thread_detail(thread, op, [])
        if kind == "change":
            shown["links"] = linked
        shown["mine"] = True
        shown["recommended"] = False
        return shown

    async def set_status(self, actor: Account, thread_id: int, status: Any) -> None:
        self._require_staff(actor)
        if status not in ("received", "reviewing"):
            raise Invalid(
                "status must be received or reviewing (post an answer with an outcome to answer)",
                {"status": "invalid"},
            )
        async with self.db.transaction() as s:
            previous = await self._proposal_status(s, thread_id)
            seq = await self._next_seq(s, thread_id, status=status, outcome=None)
            data = {"thread_id": thread_id, "status": status, "outcome": None, "previous": previous}
            messages = await self._sequenced(s, thread_id, seq, "thread.status_changed", actor, data)
        await self.publisher.send([*messages, (ch.BOARD, ch.encode_summary(thread_id))])

    async def answer(self, actor: Account, thread_id: int, body: Any, outcome: Any = None) -> dict[str, Any]:
        self._require_staff(actor)
        body = text(body, "body", self.settings.thread_body_max)
        if self.settings.refuse_identifiers:
            refuse_identifiers({"body": body})
        if outcome is not None and outcome not in OUTCOMES:
            raise Invalid(f"outcome must be one of {', '.join(OUTCOMES)}", {"outcome": "unknown"})
        status = "answered" if outcome else "reviewing"
        async with self.db.transaction() as s:
            await self._proposal_status(s, thread_id)
            seq = await self._next_seq(s, thread_id, status=status, outcome=outcome)
            row = Answer(
                thread_id=thread_id,
                author_id=actor.id,  # type: ignore[arg-type]
                body=body,
                status=status,
                outcome=outcome,
                seq=seq,
            )
            s.add(row)
            await s.flush()
            shown = public.answer(row, actor.department)
            data = {"answer": shown, "thread_id": thread_id, "status": status, "outcome": outcome}
            messages = await self._sequenced(s, thread_id, seq, "answer.posted", actor, data)
        await self.publisher.send([*messages, (ch.BOARD, ch.encode_summary(thread_id))])
        return shown

    # --- comments ---------------------------------------------------------------------------

    async def post_comment(
        self, actor: Account, thread_id: int, body: Any, parent_id: Any = None
    ) -> dict[str, Any]:
        body = text(body, "body", self.settings.comment_body_max)
        if self.settings.refuse_identifiers:
            refuse_identifiers({"body": body})
        self.limiter.check(actor)
        if self.holds is not None and (words := self.holds.matches(body)):
            return await self.holds.hold(actor, thread_id, body, parent_id, words)
        async with self.db.transaction() as s:
            shown, messages = await self.insert_comment(s, actor, thread_id, body, parent_id)
        await self.publisher.send(messages)
        return {**shown, "mine": True, "recommended": False}

    async def insert_comment(
        self, s: AsyncSession, actor: Account, thread_id: int, body: str, parent_id: int | None
    ) -> tuple[dict[str, Any], list[Message]]:
        """Insert a comment with the thread's next seq in the caller's transaction (a post, or a
        held comment released by a moderator); returns it and the messages to send after commit."""
        await self.check_parent(s, thread_id, parent_id)
        now = utcnow()
        seq = await self._next_seq(s, thread_id, comments=1, now=now)
        author = await self._pseudonym(s, thread_id, actor)
        values = {
            "thread_id": thread_id,
            "parent_id": parent_id,
            "seq": seq,
            "author_id": actor.id,
            "body": body,
            "created_at": now,
            "hidden": False,
            "recommendation_count": 0,
        }
        comment_id = (await s.execute(INSERT_COMMENT, values)).scalar_one()
        row = SimpleNamespace(id=comment_id, hidden_reason=None, **values)
        shown = public.comment(row, author)
        messages = await self._sequenced(s, thread_id, seq, "comment.created", actor, {"comment": shown})
        name = ch.thread_channel(thread_id)
        return shown, [
            *messages,
            (name, ch.encode_counts(True, [])),
            (ch.BOARD, ch.encode_summary(thread_id)),
        ]

    async def check_parent(self, s: AsyncSession, thread_id: int, parent_id: int | None) -> None:
        """A reply's parent is a top-level comment of the same thread (one level of replies)."""
        if parent_id is None:
            return
        parent = (
            await s.execute(select(Comment.thread_id, Comment.parent_id).where(Comment.id == parent_id))
        ).first()
        if parent is None or parent.thread_id != thread_id:
            raise Invalid("parent_id is not a comment of this thread", {"parent_id": "not_found"})
        if parent.parent_id is not None:
            raise Invalid(
                "replies go one level deep: reply to the top-level comment instead",
                {"parent_id": "is_a_reply"},
            )

    async def moderate(self, actor: Account, comment_id: int, hide: bool, reason: Any) -> dict[str, Any]:
        if actor.kind != "staff" or "moderator" not in actor.role_set:
            raise Forbidden("only moderators hide or restore comments", code="moderator_only")
        reason = text(reason, "reason", self.settings.report_reason_max) if hide or reason else None
        if self.settings.refuse_identifiers and hide:
            # The reason is shown in the hidden comment's place, to everyone.
            refuse_identifiers({"reason": reason})
        async with self.db.transaction() as s:
            row = (await s.execute(select(Comment).where(Comment.id == comment_id))).scalars().first()
            if row is None:
                raise NotFound(f"comment {comment_id} does not exist")
            seq = await self._next_seq(s, row.thread_id)
            # Re-read under the thread's lock: a concurrent hide/restore has committed by now.
            await s.refresh(row)
            if row.hidden == hide:
                raise Conflict(
                    "the comment is already hidden" if hide else "the comment is not hidden",
                    code="already_hidden" if hide else "not_hidden",
                )
            hidden_reason = reason if hide else None
            await s.execute(
                update(Comment)
                .where(Comment.id == comment_id)  # type: ignore[arg-type]
                .values(hidden=hide, hidden_reason=hidden_reason)
            )
            row.hidden = hide
            row.hidden_reason = hidden_reason
            await s.execute(
                update(Report)
                .where(Report.comment_id == comment_id, Report.resolution.is_(None))  # type: ignore[arg-type,union-attr]
                .values(resolution="hidden" if hide else "restored", resolved_at=utcnow())
            )
            authors = await thread_authors(s, row.thread_id, [row.author_id])
            shown = public.comment(row, authors[row.author_id])
            event = "comment.hidden" if hide else "comment.restored"
            messages = await self._sequenced(
                s, row.thread_id, seq, event, actor, {"comment": shown, "reason": reason}
            )
        await self.publisher.send(messages)
        return shown

    async def report(self, actor: Account, comment_id: int, reason: Any) -> dict[str, Any]:
        reason = text(reason, "reason", self.settings.report_reason_max)
        self.limiter.check(actor)
        async with self.db.transaction() as s:
            thread_id = (await s.execute(select(Comment.thread_id).where(Comment.id == comment_id))).scalar()
            if thread_id is None:
                raise NotFound(f"comment {comment_id} does not exist")
            values = {
                "comment_id": comment_id,
                "thread_id": thread_id,
                "account_id": actor.id,
                "reason": reason,
                "created_at": utcnow(),
            }
            report_id = (
                await s.execute(
                    self._insert_ignore(Report).values(**values).returning(Report.id)  # type: ignore[attr-defined]
                )
            ).scalar()
            if report_id is None:
                raise Conflict("you have already reported this comment", code="already_reported")
            message = await self._log(
                s,
                "report.filed",
                thread_id=thread_id,
                actor_id=actor.id,
                payload={"report_id": report_id, "comment_id": comment_id, "reason": reason},
            )
        await self.publisher.send([message])
        return {
            "id": report_id,
            "comment_id": comment_id,
            "reason": reason,
            "created_at": public.iso(values["created_at"]),  # type: ignore[arg-type]
        }

    # --- recommendations --------------------------------------------------------------------

    async def recommend(self, actor: Account, target: str, target_id: int, on: bool) -> dict[str, Any]:
        """Recommend (on) or withdraw; idempotent, so a retried request changes nothing."""
        model: type[Thread] | type[Comment] = Thread if target == "thread" else Comment
        async with self.db.transaction() as s:
            if target == "thread":
                row = (
                    await s.execute(select(Thread.id, Thread.author_id).where(Thread.id == target_id))
                ).first()
                hidden = False
            else:
                row = (
                    await s.execute(
                        select(Comment.thread_id, Comment.author_id, Comment.hidden).where(
                            Comment.id == target_id
                        )
                    )
                ).first()
                hidden = bool(row and row.hidden)
            if row is None:
                raise NotFound(f"{target} {target_id} does not exist")
            thread_id, author_id = row[0], row[1]
            if on and author_id == actor.id:
                raise Conflict("you cannot recommend your own post", code="own_post")
            if on and hidden:
                raise Conflict("a hidden comment cannot be recommended", code="comment_hidden")
            self.limiter.check(actor)
            key = {"target": target, "target_id": target_id, "account_id": actor.id}
            if on:
                changed = (
                    await s.execute(
                        self._insert_ignore(Recommendation)
                        .values(**key, thread_id=thread_id, created_at=utcnow())
                        .returning(Recommendation.target_id)  # type: ignore[attr-defined]
                    )
                ).first() is not None
            else:
                changed = (
                    await s.execute(
                        delete(Recommendation)
                        .where(*(getattr(Recommendation, k) == v for k, v in key.items()))
                        .returning(Recommendation.target_id)
                    )
                ).first() is not None
            if changed:
                count = (
                    await s.execute(
                        update(model)
                        .where(model.id == target_id)  # type: ignore[arg-type]
                        .values(recommendation_count=model.recommendation_count + (1 if on else -1))
                        .returning(model.recommendation_count)
                    )
                ).scalar_one()
                message = await self._log(
                    s,
                    "recommendation.added" if on else "recommendation.withdrawn",
                    thread_id=thread_id,
                    actor_id=actor.id,
                    payload={"target": target, "target_id": target_id, "count": count},
                )
            else:
                count = (
                    await s.execute(select(model.recommendation_count).where(model.id == target_id))  # type: ignore[arg-type]
                ).scalar_one()
        if changed:
            counts = ch.encode_counts(target == "thread", [] if target == "thread" else [target_id])
            messages = [message, (ch.thread_channel(thread_id), counts)]
            if target == "thread":
                messages.append((ch.BOARD, ch.encode_summary(thread_id)))
            await self.publisher.send(messages)
        return {"recommended": on, "count": count}

    # --- internals --------------------------------------------------------------------------

    @staticmethod
    def _require_staff(actor: Account) -> None:
        if actor.kind != "staff":
            raise Forbidden("only staff may do this", code="staff_only")

    async def _proposal_status(self, s: AsyncSession, thread_id: int) -> str | None:
        row = (await s.execute(select(Thread.kind, Thread.status).where(Thread.id == thread_id))).first()
        if row is None:
            raise NotFound(f"thread {thread_id} does not exist")
        if row.kind != "proposal":
            raise Conflict("only proposals have a status and official answers", code="not_a_proposal")
        return row.status  # type: ignore[no-any-return]

    async def _next_seq(
        self,
        s: AsyncSession,
        thread_id: int,
        *,
        comments: int = 0,
        now: datetime | None = None,
        **changes: Any,
    ) -> int:
        """Take the thread's next seq; this UPDATE holds the thread's lock until commit."""
        statement = _seq_statement(tuple(sorted(changes)), bool(comments))
        params = {"thread": thread_id, "now": now or utcnow(), **{f"new_{k}": v for k, v in changes.items()}}
        seq = (await s.execute(statement, params)).scalar()
        if seq is None:
            raise NotFound(f"thread {thread_id} does not exist")
        return int(seq)

    async def _pseudonym(
        self, s: AsyncSession, thread_id: int, account: Account, is_op: bool = False
    ) -> dict[str, Any]:
        assert account.id is not None
        known = self._pseudonyms.get((thread_id, account.id))
        if known is not None:
            return known
        row = (
            await s.execute(
                select(ThreadAuthor.kind, ThreadAuthor.number, ThreadAuthor.is_op).where(
                    ThreadAuthor.thread_id == thread_id, ThreadAuthor.account_id == account.id
                )
            )
        ).first()
        if row is not None:
            shown = public.author(row.kind, row.number, row.is_op, account.department)
            # Only committed pseudonyms are cached (a new one could still roll back); they never change.
            if len(self._pseudonyms) >= PSEUDONYM_CACHE:
                self._pseudonyms.clear()
            self._pseudonyms[(thread_id, account.id)] = shown
            return shown
        number = 0
        if account.kind in ("company", "agency"):
            column = Thread.company_authors if account.kind == "company" else Thread.agency_authors
            number = (
                await s.execute(
                    update(Thread)
                    .where(Thread.id == thread_id)  # type: ignore[arg-type]
                    .values({column: column + 1})
                    .returning(column)
                )
            ).scalar_one()
        await s.execute(
            insert(ThreadAuthor).values(
                thread_id=thread_id, account_id=account.id, kind=account.kind, number=number, is_op=is_op
            )
        )
        return public.author(account.kind, number, is_op, account.department)

    async def _log(
        self,
        s: AsyncSession,
        type_: str,
        *,
        thread_id: int | None = None,
        seq: int | None = None,
        actor_id: int | None,
        payload: dict[str, Any],
        actor_kind: str | None = None,
    ) -> Message:
        """Append the event-log row; returns the staff-channel message to publish after commit."""
        values = {
            "type": type_,
            "thread_id": thread_id,
            "seq": seq,
            "actor_account_id": actor_id,
            "payload": payload,
            "created_at": utcnow(),
        }
        event_id = (await s.execute(INSERT_EVENT, values)).scalar_one()
        row = SimpleNamespace(id=event_id, **values)
        if actor_id is not None and actor_kind is None:
            actor_kind = self._actor_kinds.get(actor_id)
            if actor_kind is None:
                actor_kind = (await s.execute(select(Account.kind).where(Account.id == actor_id))).scalar()
                # An account's kind never changes, so one look-up per account and process is enough.
                if actor_kind is not None and len(self._actor_kinds) < PSEUDONYM_CACHE:
                    self._actor_kinds[actor_id] = actor_kind
        shown = public.log_row(row, actor_kind, self.secret)
        return ch.STAFF, ch.encode_frame(ch.event_frame(ch.STAFF, type_, {"event": shown}))

    async def _sequenced(
        self, s: AsyncSession, thread_id: int, seq: int, event: str, actor: Account, data: dict[str, Any]
    ) -> list[Message]:
        staff = await self._log(
            s, event, thread_id=thread_id, seq=seq, actor_id=actor.id, payload=data, actor_kind=actor.kind
        )
        name = ch.thread_channel(thread_id)
        return [(name, ch.encode_event(seq, ch.event_frame(name, event, data, seq))), staff]

    def _insert_ignore(self, table: Any) -> Any:
        dialect = postgresql if self.db.dialect == "postgresql" else sqlite
        return dialect.insert(table).on_conflict_do_nothing()


@functools.cache
def _seq_statement(changed: tuple[str, ...], comment: bool) -> Any:
    """UPDATE thread SET seq = seq + 1, … RETURNING seq, built once per shape of change."""
    values: dict[str, Any] = {"seq": Thread.seq + 1, "last_activity_at": bindparam("now")}
    values.update({name: bindparam(f"new_{name}") for name in changed})
    if comment:
        values["comment_count"] = Thread.comment_count + 1
    return update(Thread).where(Thread.id == bindparam("thread")).values(**values).returning(Thread.seq)  # type: ignore[arg-type]
