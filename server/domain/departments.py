"""The managed list of departments (v1.2): admins add, rename, reorder and retire them, as staff do
categories; a proposal is assigned to one (workflow.py) and a staff account belongs to one.

A retired department stays on the proposals and accounts that carry it but takes no new
assignment. An account's department is also written to `account.department`, the name its
published answers showed before departments were a list.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.contract.errors import Conflict, ErrorCode, Invalid, NotFound
from server.contract.vocabulary import ADMIN, STAFF, EventType
from server.domain import policy
from server.events.seam import EventLog
from server.store.database import Database
from server.store.models import Account, Department, DepartmentMember, ThreadAssignment, utcnow
from server.text.identifiers import refuse_identifiers
from server.text.validation import text

NAME_MAX = 50


def shown(row: Department) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "name_en": row.name_en,
        "retired": row.retired,
        "position": row.position,
    }


async def find(s: AsyncSession, department_id: int, *, for_new: bool = False) -> Department:
    """The department `department_id`; 422 when it is not on the list (or, `for_new`, retired)."""
    row = (await s.execute(select(Department).where(col(Department.id) == department_id))).scalars().first()
    if row is None:
        raise Invalid(f"department {department_id} is not on the list", {"department": "unknown"})
    if for_new and row.retired:
        raise Invalid(f"department {department_id} is retired", {"department": "retired"})
    return row


async def member_departments(s: AsyncSession, account_ids: list[int]) -> dict[int, int]:
    """account id -> department id, for the accounts that belong to one."""
    if not account_ids:
        return {}
    rows = await s.execute(
        select(col(DepartmentMember.account_id), col(DepartmentMember.department_id)).where(
            col(DepartmentMember.account_id).in_(account_ids)
        )
    )
    return {int(a): int(d) for a, d in rows.all()}


async def assigned_department(s: AsyncSession, thread_id: int) -> str | None:
    """The name of the department a proposal is assigned to now (its newest assignment)."""
    return (  # type: ignore[no-any-return]
        await s.execute(
            select(col(Department.name))
            .join(ThreadAssignment, col(ThreadAssignment.department_id) == col(Department.id))
            .where(col(ThreadAssignment.thread_id) == thread_id)
            .order_by(col(ThreadAssignment.id).desc())
            .limit(1)
        )
    ).scalar()


class Departments:
    def __init__(self, db: Database, events: EventLog, *, refuse_identifiers: bool = True) -> None:
        self.db = db
        self.events = events
        # Department names are public (a published answer shows its proposal's department).
        self.refuse_identifiers = refuse_identifiers

    async def listed(self) -> dict[str, Any]:
        """Every department in order, with how many staff accounts belong to it."""
        counts = (
            select(col(DepartmentMember.department_id), func.count().label("n"))
            .group_by(col(DepartmentMember.department_id))
            .subquery()
        )
        async with self.db.read() as s:
            rows = (
                await s.execute(
                    select(Department, func.coalesce(counts.c.n, 0))
                    .outerjoin(counts, counts.c.department_id == Department.id)
                    .order_by(col(Department.position), col(Department.id))
                )
            ).all()
        return {"items": [{**shown(row), "members": int(n)} for row, n in rows]}

    async def add(self, actor: Account, name: Any, name_en: Any = None) -> dict[str, Any]:
        policy.require_role(actor, ADMIN, "manage departments")
        name = text(name, "name", NAME_MAX)
        name_en = text(name_en, "name_en", NAME_MAX) if name_en else None
        self._screen(name, name_en)
        async with self.events.change() as change:
            s = change.session
            await self._free(s, name)
            position = (
                await s.execute(select(func.coalesce(func.max(Department.position), -1)))
            ).scalar_one()
            row = Department(name=name, name_en=name_en, position=position + 1)
            s.add(row)
            await s.flush()
            await change.append(EventType.DEPARTMENT_CREATED, actor, {"department": shown(row)})
            result = shown(row)
        return result

    async def change(
        self,
        actor: Account,
        department_id: int,
        *,
        name: Any = None,
        name_en: Any = None,
        retired: bool | None = None,
        position: int | None = None,
    ) -> dict[str, Any]:
        """Rename (the name moves to its members' `account.department`), retire or restore, reorder."""
        policy.require_role(actor, ADMIN, "manage departments")
        if name is None and name_en is None and retired is None and position is None:
            raise Invalid("say what to change: name, name_en, retired or position", {"name": "required"})
        name = text(name, "name", NAME_MAX) if name is not None else None
        name_en = text(name_en, "name_en", NAME_MAX) if name_en else name_en
        self._screen(name, name_en)
        async with self.events.change() as change:
            s = change.session
            row = (
                (await s.execute(select(Department).where(col(Department.id) == department_id)))
                .scalars()
                .first()
            )
            if row is None:
                raise NotFound(f"department {department_id} does not exist")
            before = shown(row)
            if name is not None and name != row.name:
                await self._free(s, name)
                row.name = name
                members = select(col(DepartmentMember.account_id)).where(
                    col(DepartmentMember.department_id) == department_id
                )
                await s.execute(update(Account).where(col(Account.id).in_(members)).values(department=name))
            if name_en is not None:
                row.name_en = name_en or None
            if retired is not None:
                row.retired = retired
            if position is not None:
                row.position = position
            await s.flush()
            after = shown(row)
            changed = {k: after[k] for k in after if after[k] != before[k]}
            if changed:
                payload = {
                    "department": after,
                    "changed": changed,
                    "previous": {k: before[k] for k in changed},
                }
                await change.append(EventType.DEPARTMENT_CHANGED, actor, payload)
        return after

    async def set_member(
        self, actor: Account | None, login: str, department_id: int | None
    ) -> dict[str, Any]:
        """Put a staff account in a department (None: in none). `actor` None: the CLI."""
        return (await self.set_members(actor, [login], department_id))[0]

    async def set_members(
        self, actor: Account | None, logins: list[str], department_id: int | None
    ) -> list[dict[str, Any]]:
        """Put staff accounts in a department (None: in none), all or none of them."""
        if actor is not None:
            policy.require_role(actor, ADMIN, "set an account's department")
        done = []
        async with self.events.change() as change:
            s = change.session
            name = None
            if department_id is not None:
                row = await s.get(Department, department_id)
                if row is None:
                    raise NotFound(f"department {department_id} does not exist")
                if row.retired:
                    raise Invalid(f"department {department_id} is retired", {"department": "retired"})
                name = row.name
            for login in logins:
                account = (
                    (await s.execute(select(Account).where(col(Account.login) == login))).scalars().first()
                )
                if account is None or account.kind != STAFF:
                    # The body names it, not the path: 422 (the department itself exists).
                    raise Invalid(f"no staff account {login!r}", {"logins": "unknown"})
                assert account.id is not None
                await s.execute(
                    delete(DepartmentMember).where(col(DepartmentMember.account_id) == account.id)
                )
                if department_id is not None:
                    s.add(
                        DepartmentMember(account_id=account.id, department_id=department_id, set_at=utcnow())
                    )
                await s.execute(update(Account).where(col(Account.id) == account.id).values(department=name))
                # An `account.*` row: staff other than admins see no actor on it (public.log_row).
                payload = {"account_id": account.id, "department": department_id}
                await change.append(EventType.ACCOUNT_CHANGED, actor or account, payload)
                done.append({"id": account.id, "login": account.login, "department": department_id})
        return done

    def _screen(self, name: str | None, name_en: str | None) -> None:
        if self.refuse_identifiers:
            refuse_identifiers({"name": name, "name_en": name_en})

    async def _free(self, s: AsyncSession, name: str) -> None:
        taken = (await s.execute(select(col(Department.id)).where(col(Department.name) == name))).first()
        if taken is not None:
            raise Conflict(
                f"a department named {name!r} exists", {"name": "taken"}, code=ErrorCode.DEPARTMENT_TAKEN
            )
