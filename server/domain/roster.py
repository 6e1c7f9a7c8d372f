"""Accounts, for admins (v1.2): the list, a change of roles or state, a CSV import with invitations.

What an admin sees of an account is its administration, never its writing: no post, no count of
posts, and the last login as a date only (an exact time, matched against post times, would link
an account to its posts without the logged reveal). Every change is an `account.changed` row in
the transaction of the change; its actor only admins see (public.log_row). Disabling ends every
session of the account on every process, sockets included, through the seam's one door
(`EventLog.sessions_ended`). A role change keeps the sessions but goes through the same door, so
that no process keeps acting on the old roles (its cached sessions, its sockets' staff channel).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update

from server.contract.errors import Conflict, ErrorCode, Invalid, NotFound
from server.contract.vocabulary import (
    ACCOUNT_KINDS,
    ACCOUNT_STATES,
    ACTIVE,
    ADMIN,
    DISABLED,
    STAFF,
    STAFF_ROLES,
    EventType,
)
from server.domain import policy
from server.domain.passwords import INVITE, LinkMails, new_link
from server.domain.sessions import Sessions
from server.events.seam import EventLog
from server.store.database import Database
from server.store.models import Account, AccountMail, AccountSession, utcnow
from server.text.addresses import normalise_address
from server.text.validation import KST

LOGIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")
PAGE = 50
# An import is one request under the 1 MiB body limit: some 10,000 lines of a typical CSV. Larger
# lists go in several files (each all or nothing).
IMPORT_MAX_LINES = 5000
IMPORT_HEADER = ["login", "email", "kind", "roles"]
# An imported account has no password until its invitation link sets one; argon2 refuses this as
# a hash, so no password matches it (as for accounts made by single sign-on).
NO_PASSWORD = "!"


def _day(moment: datetime | None) -> str | None:
    """A time as its KST date only (see the module's docstring)."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(KST).date().isoformat()


def row(account: Account, address: str | None = None) -> dict[str, Any]:
    """An account as the admin list shows it."""
    return {
        "id": account.id,
        "login": account.login,
        "kind": account.kind,
        "roles": sorted(account.role_set),
        "state": DISABLED if account.disabled else ACTIVE,
        "via": account.via,
        "department": account.department,
        "email": address,
        "created": _day(account.created_at),
        "last_login": _day(account.last_login_at),
    }


def parse_roles(value: Any, kind: str, field: str = "roles") -> list[str]:
    """Roles as a sorted list; 422 for an unknown role or roles on an account that is not staff."""
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        raise Invalid("roles must be a list of role names", {field: "invalid"})
    roles = sorted(set(value))
    if any(r not in STAFF_ROLES for r in roles):
        raise Invalid(f"roles must be among {', '.join(STAFF_ROLES)}", {field: "unknown"})
    if roles and kind != STAFF:
        raise Invalid("only staff accounts hold roles", {field: "staff_only"})
    return roles


@dataclass(frozen=True)
class ImportLine:
    line: int
    login: str
    address: str
    kind: str
    roles: list[str]


class Roster:
    def __init__(
        self,
        db: Database,
        events: EventLog,
        sessions: Sessions,
        mails: LinkMails,
        secret: bytes,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.db = db
        self.events = events
        self.sessions = sessions
        self.mails = mails
        self.secret = secret
        self.wake = wake

    # --- the list ------------------------------------------------------------------------------

    async def page(
        self,
        q: str | None = None,
        kind: str | None = None,
        role: str | None = None,
        state: str | None = None,
        cursor: int | None = None,
        limit: int = PAGE,
    ) -> dict[str, Any]:
        """Accounts, newest first, `limit` a page; `next_cursor` the id to pass on."""
        stmt = select(Account, AccountMail.address).outerjoin(  # type: ignore[call-overload]
            AccountMail,
            AccountMail.account_id == Account.id,  # type: ignore[arg-type]
        )
        if q and q.strip():
            pattern = (
                "%" + q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            )
            stmt = stmt.where(
                or_(
                    func.lower(Account.login).like(pattern, escape="\\"),
                    func.lower(AccountMail.address).like(pattern, escape="\\"),
                )
            )
        if kind:
            stmt = stmt.where(Account.kind == kind)
        if role:
            stmt = stmt.where(("," + Account.roles + ",").like(f"%,{role},%"))  # type: ignore[attr-defined,operator]
        if state:
            stmt = stmt.where(Account.disabled == (state == DISABLED))
        if cursor is not None:
            stmt = stmt.where(Account.id < cursor)  # type: ignore[operator]
        stmt = stmt.order_by(Account.id.desc()).limit(limit + 1)  # type: ignore[union-attr]
        async with self.db.read() as s:
            found = (await s.execute(stmt)).all()
        items = [row(account, address) for account, address in found[:limit]]
        more = len(found) > limit
        return {"items": items, "next_cursor": str(items[-1]["id"]) if more and items else None}

    async def find(self, login: str) -> int | None:
        async with self.db.read() as s:
            found = (await s.execute(select(Account.id).where(Account.login == login))).scalar()  # type: ignore[call-overload]
        return int(found) if found is not None else None

    # --- a change ------------------------------------------------------------------------------

    async def change(
        self, actor: Account | None, account_id: int, *, roles: Any = None, state: str | None = None
    ) -> dict[str, Any]:
        """Change an account's roles and/or state (`actor` None: the command line). Nothing that
        stays the same is written; a change is one `account.changed` row with what it was."""
        if state is not None and state not in ACCOUNT_STATES:
            raise Invalid("state must be active or disabled", {"state": "unknown"})
        async with self.events.change() as change:
            s = change.session
            account = await s.get(Account, account_id, with_for_update=True)
            if account is None:
                raise NotFound(f"account {account_id} does not exist")
            new_roles = parse_roles(roles, account.kind) if roles is not None else None
            was_roles = sorted(account.role_set)
            was_state = DISABLED if account.disabled else ACTIVE
            changed: dict[str, Any] = {}
            was: dict[str, Any] = {}
            if new_roles is not None and new_roles != was_roles:
                changed["roles"], was["roles"] = new_roles, was_roles
            if state is not None and state != was_state:
                changed["state"], was["state"] = state, was_state
            policy.ensure(
                policy.can_change_account(
                    actor,
                    account_id,
                    disable=changed.get("state") == DISABLED,
                    drops_admin="roles" in changed and ADMIN in was_roles and ADMIN not in changed["roles"],
                )
            )
            if not changed:
                return row(account, await self._address(account_id))
            values: dict[str, Any] = {}
            if "roles" in changed:
                values["roles"] = ",".join(changed["roles"])
            if "state" in changed:
                values["disabled"] = changed["state"] == DISABLED
            await s.execute(update(Account).where(Account.id == account_id).values(**values))  # type: ignore[arg-type]
            if changed.get("state") == DISABLED:
                await s.execute(delete(AccountSession).where(AccountSession.account_id == account_id))  # type: ignore[arg-type]
            await change.append(
                EventType.ACCOUNT_CHANGED,
                actor,
                {"account_id": account_id, "changed": changed, "was": was, "by": "admin" if actor else "cli"},
            )
            for key, value in values.items():
                setattr(account, key, value)
        if "roles" in changed or changed.get("state") == DISABLED:
            # Every process forgets the account's sessions (a disabled account's are gone; after a
            # role change the next request reads the new roles) and its sockets lose the staff and
            # `me` channels, through the one door.
            self.sessions.forget(account_id, None)
            await self.events.sessions_ended(account_id)
        return row(account, await self._address(account_id))

    async def _address(self, account_id: int) -> str | None:
        async with self.db.read() as s:
            return (
                await s.execute(select(AccountMail.address).where(AccountMail.account_id == account_id))  # type: ignore[call-overload,arg-type]
            ).scalar()

    # --- import --------------------------------------------------------------------------------

    def parse(self, text: str) -> list[ImportLine]:
        """The CSV's lines (`login,email,kind,roles`, the header optional, roles separated by `;`
        or spaces); 422 naming every bad line (`fields`: `"<line>.<column>": code`), nothing kept."""
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
        lines: list[ImportLine] = []
        errors: dict[str, str] = {}
        seen: dict[str, int] = {}
        for number, cells in enumerate(reader, start=1):
            if not cells or all(not c.strip() for c in cells):
                continue
            cells = [c.strip() for c in cells]
            if number == 1 and [c.lower() for c in cells[:4]] == IMPORT_HEADER:
                continue
            if len(lines) + len(errors) >= IMPORT_MAX_LINES:
                raise Invalid(f"at most {IMPORT_MAX_LINES} lines per import", {"csv": "too_long"})
            if len(cells) < 3 or len(cells) > 4:
                errors[f"{number}"] = "columns"
                continue
            login, address, kind = cells[:3]
            role_names = (cells[3] if len(cells) == 4 else "").replace(";", " ").replace("|", " ").split()
            if not 3 <= len(login) <= 64 or not set(login) <= LOGIN_CHARS:
                errors[f"{number}.login"] = "invalid"
            elif login.casefold() in seen:
                errors[f"{number}.login"] = "duplicate"
            seen.setdefault(login.casefold(), number)
            try:
                address = normalise_address(address, "email")
            except Invalid as exc:
                errors[f"{number}.email"] = exc.fields.get("email", "invalid")
            roles: list[str] = []
            if kind not in ACCOUNT_KINDS:
                errors[f"{number}.kind"] = "unknown"
            else:
                try:
                    roles = parse_roles(role_names, kind)
                except Invalid as exc:
                    errors[f"{number}.roles"] = exc.fields["roles"]
            if not any(key == str(number) or key.startswith(f"{number}.") for key in errors):
                lines.append(ImportLine(number, login, address, kind, roles))
        if not lines and not errors:
            raise Invalid("the CSV has no accounts (login,email,kind,roles)", {"csv": "empty"})
        if errors:
            raise Invalid(_describe(errors), errors)
        return lines

    async def import_csv(self, actor: Account | None, text: str) -> dict[str, Any]:
        """Create the CSV's accounts, all or none, each with a confirmed address (the admin's word)
        and an invitation mail whose link sets its first password."""
        if not self.mails.enabled:
            raise Conflict(
                "no mail server is configured: invitations cannot be sent", code=ErrorCode.MAIL_DISABLED
            )
        lines = self.parse(text)
        now = utcnow()
        created: list[dict[str, Any]] = []
        async with self.events.change() as change:
            s = change.session
            logins = [line.login for line in lines]
            taken = set(
                (await s.execute(select(Account.login).where(Account.login.in_(logins)))).scalars().all()  # type: ignore[call-overload,attr-defined]
            )
            if taken:
                errors = {f"{line.line}.login": "taken" for line in lines if line.login in taken}
                raise Invalid(_describe(errors), errors)
            for line in lines:
                account = Account(
                    login=line.login, password_hash=NO_PASSWORD, kind=line.kind, roles=",".join(line.roles)
                )
                s.add(account)
                await s.flush()
                assert account.id is not None
                s.add(AccountMail(account_id=account.id, address=line.address, verified_at=now))
                await new_link(s, self.secret, self.mails, account.id, INVITE, now)
                await change.append(
                    EventType.ACCOUNT_CREATED,
                    actor,
                    {"account_id": account.id, "kind": line.kind, "roles": line.roles, "via": "import"},
                )
                created.append({"line": line.line, "id": account.id, "login": line.login})
        self.wake()
        return {"created": created, "invited": len(created)}


def _describe(errors: dict[str, str]) -> str:
    shown = ", ".join(f"line {key.replace('.', ' ')}: {code}" for key, code in list(errors.items())[:20])
    more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
    return f"the CSV has {len(errors)} error(s): {shown}{more}; nothing was imported"
