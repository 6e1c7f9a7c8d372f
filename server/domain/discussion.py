"""The domain: accounts, threads, comments, answers, moderation and recommendations.

Each change is one `events.change()`: its writes and the event-log rows that say what happened
commit together, and the seam publishes the messages afterwards. Placing something in a thread
(the next seq, pseudonyms, a comment) is `posting.Posting`'s, shared with the holds desk.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.contract.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound, Unauthorized
from server.contract.vocabulary import (
    ACCOUNT_KINDS,
    ANSWERED,
    CHANGE,
    OUTCOMES,
    PROPOSAL,
    RECEIVED,
    REVIEWING,
    SETTABLE_STATUSES,
    STAFF,
    STAFF_ROLES,
    THREAD_KINDS,
    EventType,
)
from server.domain import actions, drafts, policy
from server.domain.accounts import Passwords, check_strength, new_session_token, token_hash
from server.domain.attachments import Attachments, with_attachments
from server.domain.categories import resolve as resolve_category
from server.domain.departments import assigned_department
from server.domain.holds import Holds
from server.domain.links import parse_links, store_links, tell_proposals
from server.domain.moderation import report_category
from server.domain.obligation import Obligation
from server.domain.posting import Posting
from server.domain.ratelimit import RateLimiter
from server.domain.reading import thread_authors
from server.domain.sanctions import Sanctions
from server.domain.sessions import Sessions
from server.events import public
from server.events.seam import Change, EventLog
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import (
    Account,
    AccountSession,
    Answer,
    Comment,
    Recommendation,
    Report,
    Thread,
    utcnow,
)
from server.text.identifiers import refuse_identifiers
from server.text.validation import text

__all__ = ["Discussion", "text"]

LOGIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")
CATEGORY_MAX = 50


@dataclass(frozen=True)
class _RecommendStatements:
    """A recommendation's statements, prepared once as Core statements on the tables: a storm of
    toggles runs them thousands of times a second, and building them through the ORM each time
    (the bulk insert/update paths, cache keys) was most of a toggle's CPU."""

    add: Any
    remove: Any
    count: Any
    move: Any


def _recommend_statements(dialect: Any, model: type[Thread] | type[Comment]) -> _RecommendStatements:
    marks: Any = Recommendation.__table__  # type: ignore[attr-defined]
    table: Any = model.__table__  # type: ignore[attr-defined]
    mine = (
        (marks.c.target == bindparam("target"))
        & (marks.c.target_id == bindparam("target_id"))
        & (marks.c.account_id == bindparam("account_id"))
    )
    return _RecommendStatements(
        add=dialect.insert(marks).on_conflict_do_nothing().returning(marks.c.target_id),
        remove=delete(marks).where(mine).returning(marks.c.target_id),
        count=select(table.c.recommendation_count).where(table.c.id == bindparam("target")),
        move=update(table)
        .where(table.c.id == bindparam("target"))
        .values(recommendation_count=table.c.recommendation_count + bindparam("step"))
        .returning(table.c.recommendation_count),
    )


_RECOMMEND = {
    (name, target): _recommend_statements(module, model)
    for name, module in (("postgresql", postgresql), ("sqlite", sqlite))
    for target, model in (("thread", Thread), ("comment", Comment))
}


class Discussion:
    def __init__(
        self,
        db: Database,
        events: EventLog,
        posting: Posting,
        holds: Holds,
        settings: Settings,
        passwords: Passwords,
        limiter: RateLimiter | None = None,
        sessions: Sessions | None = None,
        sanctions: Sanctions | None = None,
        attachments: Attachments | None = None,
    ) -> None:
        self.db = db
        self.events = events
        self.posting = posting
        # Pre-moderation: a comment matching its words outside office hours waits for a moderator.
        self.holds = holds
        self.settings = settings
        self.passwords = passwords
        self.limiter = limiter or RateLimiter(settings.rate_limit_per_minute)
        self.sessions = sessions or Sessions(db)
        self.obligation = Obligation(
            posting, settings.answer_obligation_recommendations, settings.answer_target_days
        )
        # A suspended author reads but does not write (sanctions.py).
        self.sanctions = sanctions or Sanctions(db, events, settings)
        self.attachments = attachments

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
        if roles and kind != STAFF:
            raise Invalid("only staff accounts hold roles", {"roles": "staff_only"})
        for login in logins:
            if not 3 <= len(login) <= 64 or not set(login) <= LOGIN_CHARS:
                raise Invalid("login must be 3-64 letters, digits or . _ - @", {"login": "invalid"})
        # Numbered logins share a prefix: a few of them tell zxcvbn all it needs.
        check_strength(password, [*logins[:10], kind], self.settings.password_min_score)
        hashed = await self.passwords.hash_bounded(password)
        created = []
        async with self.events.change() as change:
            s = change.session
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
                await change.append(
                    EventType.ACCOUNT_CREATED, actor or account, {"kind": kind, "roles": roles}
                )
                created.append(account)
        return created

    async def login(self, login: str, password: str, staff_only: bool = False) -> tuple[str, Account]:
        """A password login. `staff_only` (TONG_LOCAL_LOGIN=staff): the portal's users sign in
        through its provider; checked after the password, so it tells nothing to a guesser."""
        async with self.db.read() as s:
            account = (await s.execute(select(Account).where(Account.login == login))).scalars().first()
        stored = account.password_hash if account is not None and not account.disabled else None
        if not await self.passwords.verify_bounded(stored, password) or account is None:
            raise Unauthorized("login or password is wrong", code=ErrorCode.LOGIN_FAILED)
        if staff_only and account.kind != STAFF:
            raise Forbidden(
                "sign in through the portal (password logins are for staff)", code=ErrorCode.USE_SSO
            )
        token = new_session_token()
        now = utcnow()
        async with self.events.change() as change:
            change.session.add(
                AccountSession(
                    token_hash=token_hash(token),
                    account_id=account.id,
                    expires_at=now + timedelta(days=self.settings.session_days),
                )
            )
            # The admin list shows its date (roster.py).
            await change.session.execute(
                update(Account).where(Account.id == account.id).values(last_login_at=now)
            )
            await change.append(EventType.SESSION_STARTED, account, {})
        return token, account

    async def logout(self, token: str) -> int | None:
        """End the session; every process hears it. Returns its account's id (None: no such
        session)."""
        async with self.db.transaction() as s:
            account_id = (
                await s.execute(
                    delete(AccountSession)
                    .where(AccountSession.token_hash == token_hash(token))  # type: ignore[arg-type]
                    .returning(AccountSession.account_id)
                )
            ).scalar()
        if account_id is None:
            return None
        self.sessions.cache.forget(int(account_id), token_hash(token))
        await self.events.sessions_ended(int(account_id), [token_hash(token)])
        return int(account_id)

    async def change_password(self, account: Account, current: str, new: str, token: str) -> None:
        """The account's own password change: the current one must match; the new one passes the
        strength check. Every other session of the account ends (their sockets lose the staff
        channel within seconds, through the hub's session check); this one goes on."""
        async with self.db.read() as s:
            stored = (await s.execute(select(Account.password_hash).where(Account.id == account.id))).scalar()
        if not await self.passwords.verify_bounded(stored, current):
            raise Invalid("the current password is wrong", {"current": "wrong_password"})
        check_strength(new, [account.login, account.kind], self.settings.password_min_score)
        hashed = await self.passwords.hash_bounded(new)
        async with self.events.change() as change:
            s = change.session
            await s.execute(update(Account).where(Account.id == account.id).values(password_hash=hashed))
            # Every account change is a log row (v1.2); its actor only admins see.
            await change.append(
                EventType.ACCOUNT_CHANGED,
                account,
                {"account_id": account.id, "changed": ["password"], "by": "self"},
            )
            ended = (
                (
                    await s.execute(
                        delete(AccountSession)
                        .where(
                            AccountSession.account_id == account.id,
                            AccountSession.token_hash != token_hash(token),
                        )
                        .returning(AccountSession.token_hash)
                    )
                )
                .scalars()
                .all()
            )
        # The ended sessions' ends reach every process (their caches and sockets) through the broker.
        assert account.id is not None
        for hashed in ended:
            self.sessions.cache.forget(account.id, hashed)
        await self.events.sessions_ended(account.id, ended)

    async def disable_account(self, login: str) -> int | None:
        """Disable an account and end its sessions, here and on every process (their sockets lose
        the staff channel); returns its id (None: no such login)."""
        account_id = await self.sessions.disable(login)
        if account_id is not None:
            await self.events.sessions_ended(account_id)
        return account_id

    async def account_for_token(self, token: str) -> Account | None:
        """The account of a good session (unexpired, account enabled), from this process's cache
        when it knows the session (sessions.SessionCache says how an end reaches it)."""
        hashed = token_hash(token)
        cache = self.sessions.cache
        account = cache.get(hashed)
        if account is not None:
            return account
        generation = cache.generation
        async with self.db.read() as s:
            row = (
                await s.execute(
                    select(Account, AccountSession.expires_at)
                    .join(AccountSession, AccountSession.account_id == Account.id)
                    .where(AccountSession.token_hash == hashed)
                )
            ).first()
        if row is None:
            return None
        account, expires_at = row
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        if expires_at < utcnow() or account.disabled:
            return None
        cache.put(hashed, account, expires_at.timestamp(), generation)
        return account

    # --- threads ----------------------------------------------------------------------------

    async def create_thread(
        self,
        actor: Account,
        kind: Any,
        title: Any,
        body: Any,
        category: Any = None,
        links: Any = None,
        attachments: Any = None,
    ) -> dict[str, Any]:
        if kind not in THREAD_KINDS:
            raise Invalid("kind must be proposal or change", {"kind": "unknown"})
        policy.ensure(policy.can_post_thread(actor, kind))
        title = text(title, "title", self.settings.title_max)
        body = text(body, "body", self.settings.thread_body_max)
        if category is not None:
            category = text(category, "category", CATEGORY_MAX)
        if self.settings.refuse_identifiers:
            refuse_identifiers({"title": title, "body": body, "category": category})
        if links is not None and kind != CHANGE:
            raise Invalid("only change threads link proposals", {"links": "change_threads_only"})
        link_ids = parse_links(links) if links is not None else []
        await self.sanctions.ensure_can_write(actor)
        file_ids = self._file_ids(attachments)
        await self.limiter.check(actor)
        now = utcnow()
        async with self.events.change() as change:
            s = change.session
            thread = Thread(
                kind=kind,
                title=title,
                body=body,
                category=category,
                status=RECEIVED if kind == PROPOSAL else None,
                author_id=actor.id,  # type: ignore[arg-type]
                created_at=now,
                last_activity_at=now,
            )
            if category is not None:
                chosen = await resolve_category(s, category)
                thread.category, thread.category_id = chosen.name, chosen.id
            s.add(thread)
            await s.flush()
            assert thread.id is not None
            op = await self.posting.pseudonym(s, thread.id, actor, is_op=True)
            linked = await store_links(s, thread.id, link_ids) if link_ids else []
            files = await self._attach(s, actor, file_ids, "thread", thread.id, thread.id)
            summary = public.thread_summary(thread, op)
            # The full body, not only the summary's excerpt: the seal covers what was posted.
            payload: dict[str, Any] = {"thread": summary, "body": thread.body}
            if files:
                payload["attachments"] = files
            await change.append(EventType.THREAD_CREATED, actor, payload, thread_id=thread.id)
            # The proposal form's draft became this thread (a change thread's form is the same one).
            await drafts.discard(s, thread.author_id, drafts.NEW_THREAD)
            if link_ids:
                await tell_proposals(change, self.posting, actor, link_ids)
        shown = with_attachments(public.thread_detail(thread, op, []), files)
        if kind == CHANGE:
            shown["links"] = linked
        shown["mine"] = True
        shown["recommended"] = False
        return shown

    async def set_status(self, actor: Account, thread_id: int, status: Any) -> None:
        policy.require_staff(actor, "change a proposal's status")
        if status not in SETTABLE_STATUSES:
            raise Invalid(
                "status must be received or reviewing (post an answer with an outcome to answer)",
                {"status": "invalid"},
            )
        async with self.events.change() as change:
            s = change.session
            # Read under the thread's row lock (PostgreSQL; SQLite's write lock is already held),
            # so two staff setting the same status at once cannot both see the old one.
            previous = await self._proposal_status(s, thread_id, lock=True)
            if previous == status:
                # Nothing changes: no event, no seq, no notice to the followers.
                return
            seq = await self.posting.next_seq(s, thread_id, status=status, outcome=None)
            data = {"thread_id": thread_id, "status": status, "outcome": None, "previous": previous}
            await change.append(EventType.THREAD_STATUS_CHANGED, actor, data, thread_id=thread_id, seq=seq)

    async def answer(
        self, actor: Account, thread_id: int, body: Any, outcome: Any = None, attachments: Any = None
    ) -> dict[str, Any]:
        policy.require_staff(actor, "post official answers")
        if self.settings.answer_approval == "required":
            raise Conflict(
                "answers are published only after approval: post a draft (draft: true)",
                code=ErrorCode.APPROVAL_REQUIRED,
            )
        file_ids = self._file_ids(attachments)
        body = text(body, "body", self.settings.thread_body_max)
        if self.settings.refuse_identifiers:
            refuse_identifiers({"body": body})
        if outcome is not None and outcome not in OUTCOMES:
            raise Invalid(f"outcome must be one of {', '.join(OUTCOMES)}", {"outcome": "unknown"})
        async with self.events.change() as change:
            await self._proposal_status(change.session, thread_id)

            async def attach(s: AsyncSession, answer_id: int) -> list[dict[str, Any]]:
                return await self._attach(s, actor, file_ids, "answer", answer_id, thread_id)

            _, shown = await publish_answer(
                change, self.posting, actor, actor, thread_id, body, outcome, attach
            )
        return shown

    # --- comments ---------------------------------------------------------------------------

    async def post_comment(
        self, actor: Account, thread_id: int, body: Any, parent_id: Any = None, attachments: Any = None
    ) -> dict[str, Any]:
        body = text(body, "body", self.settings.comment_body_max)
        file_ids = self._file_ids(attachments)
        if self.settings.refuse_identifiers:
            refuse_identifiers({"body": body})
        await self.sanctions.ensure_can_write(actor)
        await self.limiter.check(actor)
        if words := self.holds.matches(body):
            async with self.db.read() as s:
                thread = (
                    await s.execute(
                        select(Thread.kind, Thread.status, Thread.author_id, Thread.hidden).where(
                            Thread.id == thread_id
                        )
                    )
                ).first()
            if thread is not None:
                policy.ensure(policy.can_comment(thread))
            held = await self.holds.hold(actor, thread_id, body, parent_id, words, file_ids)
            if parent_id is None:
                async with self.db.transaction() as s:
                    await drafts.discard(s, actor.id, drafts.thread_key(thread_id))  # type: ignore[arg-type]
            return held

        async def attach(s: AsyncSession, comment_id: int) -> list[dict[str, Any]]:
            return await self._attach(s, actor, file_ids, "comment", comment_id, thread_id)

        async def work(change: Change) -> dict[str, Any]:
            shown = await self.posting.insert_comment(
                change, actor, thread_id, body, parent_id, attach if file_ids else None
            )
            if parent_id is None:
                # The thread's comment box holds the draft; a reply's box keeps none.
                await drafts.discard(change.session, actor.id, drafts.thread_key(thread_id))  # type: ignore[arg-type]
            return shown

        # Group commit: comments arriving while the previous group commits share one transaction.
        shown = await self.events.grouped(work, key=(0, thread_id))
        return {**shown, "mine": True, "recommended": False}

    def _file_ids(self, attachments: Any) -> list[int]:
        ids = Attachments.check_ids(attachments)
        if ids and self.attachments is None:
            raise Invalid("this server takes no attachments", {"attachments": "not_allowed"})
        return ids

    async def _attach(
        self, s: AsyncSession, actor: Account, ids: list[int], target: str, target_id: int, thread_id: int
    ) -> list[dict[str, Any]]:
        if not ids or self.attachments is None:
            return []
        return await self.attachments.attach(s, actor, ids, target, target_id, thread_id)

    async def moderate(self, actor: Account, comment_id: int, hide: bool, reason: Any) -> dict[str, Any]:
        policy.require_moderator(actor, "hide or restore comments")
        reason = text(reason, "reason", self.settings.report_reason_max) if hide or reason else None
        if self.settings.refuse_identifiers:
            # The reason is public (in the hidden comment's place, and in the thread channel's
            # comment.hidden or comment.restored frame): staff text is screened as comments are.
            refuse_identifiers({"reason": reason})
        async with self.events.change() as change:
            s = change.session
            row = (await s.execute(select(Comment).where(Comment.id == comment_id))).scalars().first()
            if row is None:
                raise NotFound(f"comment {comment_id} does not exist")
            seq = await self.posting.next_seq(s, row.thread_id)
            # Re-read under the thread's lock: a concurrent hide/restore has committed by now.
            await s.refresh(row)
            policy.ensure(policy.can_moderate(row, hide=hide))
            if (
                not hide
                and (await s.execute(select(Thread.hidden).where(Thread.id == row.thread_id))).scalar()
            ):
                # Its restored frame would carry the text inside a proposal whose text is null.
                policy.ensure(policy.thread_hidden())
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
            # Its author is told and may appeal (actions.py, notices.py).
            if hide:
                assert hidden_reason is not None
                await actions.record(
                    s,
                    kind=actions.COMMENT,
                    target_id=comment_id,
                    thread_id=row.thread_id,
                    account_id=row.author_id,
                    action=actions.HIDDEN,
                    reason=hidden_reason,
                )
            else:
                await actions.undo(s, actions.COMMENT, comment_id)
            authors = await thread_authors(s, row.thread_id, [row.author_id])
            shown = public.comment(row, authors[row.author_id])
            event = EventType.COMMENT_HIDDEN if hide else EventType.COMMENT_RESTORED
            data = {"comment": shown, "reason": reason}
            await change.append(event, actor, data, thread_id=row.thread_id, seq=seq)
        return shown

    async def report(
        self, actor: Account, comment_id: int, reason: Any, category: Any = None
    ) -> dict[str, Any]:
        reason = text(reason, "reason", self.settings.report_reason_max)
        category = report_category(category)
        await self.sanctions.ensure_can_write(actor)
        await self.limiter.check(actor)
        async with self.events.change() as change:
            s = change.session
            thread_id = (await s.execute(select(Comment.thread_id).where(Comment.id == comment_id))).scalar()
            if thread_id is None:
                raise NotFound(f"comment {comment_id} does not exist")
            values = {
                "comment_id": comment_id,
                "thread_id": thread_id,
                "account_id": actor.id,
                "reason": reason,
                "category": category,
                "created_at": utcnow(),
            }
            report_id = (
                await s.execute(
                    self._insert_ignore(Report).values(**values).returning(Report.id)  # type: ignore[attr-defined]
                )
            ).scalar()
            if report_id is None:
                raise Conflict("you have already reported this comment", code=ErrorCode.ALREADY_REPORTED)
            payload = {"report_id": report_id, "comment_id": comment_id, "reason": reason}
            if category is not None:
                payload["category"] = category
            await change.append(EventType.REPORT_FILED, actor, payload, thread_id=thread_id)
        return {
            "id": report_id,
            "comment_id": comment_id,
            "reason": reason,
            "category": category,
            "created_at": public.iso(values["created_at"]),  # type: ignore[arg-type]
        }

    # --- recommendations --------------------------------------------------------------------

    async def recommend(self, actor: Account, target: str, target_id: int, on: bool) -> dict[str, Any]:
        """Recommend (on) or withdraw; idempotent, so a retried request changes nothing.

        The checks read first; the write joins a group commit behind the comments waiting (a storm
        of recommendations must not hold a thread's comments up)."""
        async with self.db.read() as s:
            if target == "thread":
                row = (
                    await s.execute(
                        select(Thread.id, Thread.author_id, Thread.status, Thread.hidden).where(
                            Thread.id == target_id
                        )
                    )
                ).first()
                withdrawn = False
                if row is not None and row.hidden and on:
                    policy.ensure(policy.thread_hidden())
                hidden = False
            else:
                row = (
                    await s.execute(
                        select(Comment.thread_id, Comment.author_id, Thread.status)
                        .add_columns(Comment.hidden, Comment.withdrawn)
                        .join(Thread, Thread.id == Comment.thread_id)
                        .where(Comment.id == target_id)
                    )
                ).first()
                hidden = bool(row and row.hidden)
                withdrawn = bool(row and row.withdrawn)
        if row is None:
            raise NotFound(f"{target} {target_id} does not exist")
        thread_id, author_id = row[0], row[1]
        if on:
            await self.sanctions.ensure_can_write(actor)
            refusal = policy.can_recommend(
                actor, author_id=author_id, thread_status=row.status, hidden=hidden, withdrawn=withdrawn
            )
            policy.ensure(refusal)
        await self.limiter.check(actor)
        key = {"target": target, "target_id": target_id, "account_id": actor.id}

        statements = _RECOMMEND[self.db.dialect, target]

        async def work(change: Change) -> int:
            s = change.session
            if on:
                params = {**key, "thread_id": thread_id, "created_at": utcnow()}
                changed = (await s.execute(statements.add, params)).first() is not None
            else:
                changed = (await s.execute(statements.remove, key)).first() is not None
            if not changed:
                return int((await s.execute(statements.count, {"target": target_id})).scalar_one())
            step = {"target": target_id, "step": 1 if on else -1}
            count = (await s.execute(statements.move, step)).scalar_one()
            await change.append(
                EventType.RECOMMENDATION_ADDED if on else EventType.RECOMMENDATION_WITHDRAWN,
                actor,
                {"target": target, "target_id": target_id, "count": count},
                thread_id=thread_id,
            )
            if on and target == "thread":
                await self.obligation.on_count(change, target_id, int(count))
            return int(count)

        # Row locks in a group are taken threads first, then comments, each in id order.
        order = (0, target_id) if target == "thread" else (1, target_id)
        count = await self.events.grouped(work, key=order, urgent=False)
        return {"recommended": on, "count": count}

    # --- internals --------------------------------------------------------------------------

    async def _proposal_status(self, s: AsyncSession, thread_id: int, lock: bool = False) -> str | None:
        query = select(Thread.kind, Thread.status, Thread.author_id).where(Thread.id == thread_id)
        if lock:
            query = query.with_for_update()
        row = (await s.execute(query)).first()
        if row is None:
            raise NotFound(f"thread {thread_id} does not exist")
        policy.ensure(policy.can_change_status(row))
        return row.status  # type: ignore[no-any-return]

    def _insert_ignore(self, table: Any) -> Any:
        dialect = postgresql if self.db.dialect == "postgresql" else sqlite
        return dialect.insert(table).on_conflict_do_nothing()


# Attaches the caller's uploads to the answer being published (its id): their public shapes.
AttachFiles = Callable[[AsyncSession, int], Awaitable[list[dict[str, Any]]]]


async def publish_answer(
    change: Change,
    posting: Posting,
    author: Account,
    actor: Account,
    thread_id: int,
    body: str,
    outcome: str | None,
    attach: AttachFiles | None = None,
) -> tuple[Answer, dict[str, Any]]:
    """Publish an official answer in `change` (the proposal's state already checked): the thread's
    next seq, the answer row, its files (`attach`, given the answer's id), and `answer.posted`,
    which starts notices, mail and the answer clock. `author` wrote it; `actor` (the approver, in
    the workflow) is the log row's actor. The public sees 조달청 and the department the proposal is
    assigned to (else the author's). The row, and the answer as the public sees it."""
    s = change.session
    status = ANSWERED if outcome else REVIEWING
    department = await assigned_department(s, thread_id)
    seq = await posting.next_seq(s, thread_id, status=status, outcome=outcome)
    row = Answer(
        thread_id=thread_id,
        author_id=author.id,  # type: ignore[arg-type]
        body=body,
        status=status,
        outcome=outcome,
        seq=seq,
        department=department,
    )
    s.add(row)
    await s.flush()
    assert row.id is not None
    files = await attach(s, row.id) if attach is not None else []
    shown = with_attachments(public.answer(row, department or author.department), files)
    data = {"answer": shown, "thread_id": thread_id, "status": status, "outcome": outcome}
    await change.append(EventType.ANSWER_POSTED, actor, data, thread_id=thread_id, seq=seq)
    return row, shown
