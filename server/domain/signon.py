"""Accounts of the portal's users, signed in through its OpenID provider (v1.2).

The provider's (`iss`, `sub`) names the account; it is made at the first sign-in with the kind the
configured claim gives (company or agency; staff only through the explicit staff claim setting),
and no name, login or address of the person is kept (an e-mail only when the user turns mail on,
through the mail settings, as for any account).

A provider account whose kind changes (a company's officer moves to an agency) is signed in with
the new kind: it applies to threads the account joins from then on. The per-thread author rows
already written keep the kind they were written with and are never rewritten: re-labelling old
posts would let anyone link the old pseudonyms to the new ones. The change is an `account.changed`
event row. Leaving staff drops the account's roles.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, select, update

from server.contract.errors import ErrorCode, Forbidden
from server.contract.vocabulary import AGENCY, COMPANY, STAFF, EventType
from server.domain.accounts import new_session_token, token_hash
from server.domain.sessions import Sessions
from server.events.seam import EventLog
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import Account, AccountSession, OidcLogin, utcnow

# A person takes a minute or two at the provider; a pending sign-in older than this is refused.
OIDC_LOGIN_TTL = timedelta(minutes=15)
# Provider account kinds: what the kind claim may say.
PROVIDER_KINDS = (COMPANY, AGENCY)


@dataclass(frozen=True)
class Pending:
    nonce: str
    verifier: str
    next_path: str


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _login_for(issuer: str, subject: str) -> str:
    # Unique and stable, and says nothing about the person: admins see it in the account list.
    return "sso-" + hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:16]


def kind_from_claims(claims: dict[str, object], settings: Settings) -> str:
    """The account kind the claims give; 403 `kind_unknown` when they give none Tong knows."""
    if settings.oidc_staff_claim and settings.oidc_staff_value:
        value = claims.get(settings.oidc_staff_claim)
        values = value if isinstance(value, list) else [value]
        if settings.oidc_staff_value in values:
            return STAFF
    kind = claims.get(settings.oidc_kind_claim)
    if kind not in PROVIDER_KINDS:
        raise Forbidden(
            f"the provider did not say whether this is a company or an agency ({settings.oidc_kind_claim})",
            code=ErrorCode.KIND_UNKNOWN,
        )
    return str(kind)


class SignOn:
    def __init__(self, db: Database, events: EventLog, sessions: Sessions, settings: Settings) -> None:
        self.db = db
        self.events = events
        self.sessions = sessions
        self.settings = settings

    async def remember(self, state: str, nonce: str, verifier: str, next_path: str) -> None:
        async with self.db.transaction() as s:
            # Pending sign-ins nobody finished are swept here, so the table stays small.
            await s.execute(delete(OidcLogin).where(OidcLogin.created_at < utcnow() - OIDC_LOGIN_TTL))  # type: ignore[arg-type]
            s.add(
                OidcLogin(state_hash=_state_hash(state), nonce=nonce, verifier=verifier, next_path=next_path)
            )

    async def take(self, state: str) -> Pending | None:
        """The pending sign-in of `state`, removed in the same statement: a second callback with the
        same state (a replay, or a double click) finds nothing, on every process."""
        async with self.db.transaction() as s:
            row = (
                await s.execute(
                    delete(OidcLogin)
                    .where(OidcLogin.state_hash == _state_hash(state))  # type: ignore[arg-type]
                    .returning(OidcLogin.nonce, OidcLogin.verifier, OidcLogin.next_path, OidcLogin.created_at)
                )
            ).first()
        if row is None:
            return None
        nonce, verifier, next_path, created_at = row
        if created_at.tzinfo is None:
            from datetime import UTC

            created_at = created_at.replace(tzinfo=UTC)
        if created_at < utcnow() - OIDC_LOGIN_TTL:
            return None
        return Pending(nonce, verifier, next_path)

    async def sign_in(
        self, issuer: str, subject: str, kind: str, sid: str | None, id_token: str | None
    ) -> tuple[str, Account]:
        """Find or make the account of (issuer, subject), bring its kind up to date, start a session."""
        token = new_session_token()
        async with self.events.change() as change:
            s = change.session
            account = (
                (
                    await s.execute(
                        select(Account).where(Account.oidc_issuer == issuer, Account.oidc_subject == subject)
                    )
                )
                .scalars()
                .first()
            )
            if account is None:
                account = Account(
                    login=_login_for(issuer, subject),
                    # No password: argon2 refuses this as a hash, so a password login never matches.
                    password_hash="!",
                    kind=kind,
                    oidc_issuer=issuer,
                    oidc_subject=subject,
                )
                s.add(account)
                await s.flush()
                await change.append(
                    EventType.ACCOUNT_CREATED, account, {"kind": kind, "roles": [], "via": "oidc"}
                )
            else:
                if account.disabled:
                    raise Forbidden("this account is disabled", code=ErrorCode.ACCOUNT_DISABLED)
                if account.kind != kind:
                    changes: dict[str, object] = {"kind": kind}
                    if kind != STAFF and account.roles:
                        changes["roles"] = ""
                    await s.execute(update(Account).where(Account.id == account.id).values(**changes))
                    await change.append(
                        EventType.ACCOUNT_CHANGED,
                        account,
                        {"account_id": account.id, "kind": kind, "was": account.kind, "by": "provider"},
                    )
                    account.kind = kind
                    if "roles" in changes:
                        account.roles = ""
            s.add(
                AccountSession(
                    token_hash=token_hash(token),
                    account_id=account.id,
                    expires_at=utcnow() + timedelta(days=self.settings.session_days),
                    oidc_sid=sid,
                    id_token=id_token,
                )
            )
            # The admin list shows its date (roster.py).
            await s.execute(update(Account).where(Account.id == account.id).values(last_login_at=utcnow()))
            await change.append(EventType.SESSION_STARTED, account, {"via": "oidc"})
        return token, account

    async def id_token_of(self, token: str) -> str | None:
        async with self.db.read() as s:
            return (
                await s.execute(
                    select(AccountSession.id_token).where(AccountSession.token_hash == token_hash(token))
                )
            ).scalar()

    async def end_provider_sessions(self, issuer: str, subject: str | None, sid: str | None) -> int:
        """Back-channel logout: end the sessions the provider names (its `sid`, else every session of
        its `sub`); their ends reach every process's cache and sockets through the broker."""
        conditions = []
        if sid is not None:
            conditions.append(AccountSession.oidc_sid == sid)
        account_ids = select(Account.id).where(Account.oidc_issuer == issuer)
        if subject is not None:
            account_ids = account_ids.where(Account.oidc_subject == subject)
            if sid is None:
                conditions.append(AccountSession.account_id.in_(account_ids))  # type: ignore[attr-defined]
        if not conditions:
            return 0
        async with self.db.transaction() as s:
            ended = (
                await s.execute(
                    delete(AccountSession)
                    .where(or_(*conditions), AccountSession.account_id.in_(account_ids))  # type: ignore[attr-defined]
                    .returning(AccountSession.account_id, AccountSession.token_hash)
                )
            ).all()
        by_account: dict[int, list[str]] = {}
        for account_id, hashed in ended:
            self.sessions.cache.forget(int(account_id), hashed)
            by_account.setdefault(int(account_id), []).append(hashed)
        for account_id, hashes in by_account.items():
            await self.events.sessions_ended(account_id, hashes)
        return len(ended)
