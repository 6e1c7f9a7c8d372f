"""The managed category list: staff add, rename and retire categories; writers choose from it.

A thread keeps its category's name in `thread.category` (v1's `category` string) and the row in
`category_id`; a rename rewrites the name on its threads in the same transaction, so filters,
search and the export read one current value. A retired category stays on its threads and in
the board's filters while threads carry it, but cannot be chosen for a new thread.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.contract.errors import Conflict, ErrorCode, Invalid, NotFound
from server.contract.vocabulary import EventType
from server.domain import policy
from server.events.seam import EventLog
from server.store.database import Database
from server.store.models import Account, Category, Thread
from server.text.identifiers import refuse_identifiers
from server.text.validation import text

NAME_MAX = 50
SLUG_MAX = 60
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


def shown(row: Category, count: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "slug": row.slug,
        "name": row.name,
        "name_en": row.name_en,
        "retired": row.retired,
        "position": row.position,
    }
    if count is not None:
        out["count"] = count
    return out


def _slug_from(value: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:SLUG_MAX].strip("-")
    return slug


async def resolve(s: AsyncSession, value: str) -> Category:
    """The category a writer chose, by name (Korean or English) or slug; 422 if it is not on the
    list or retired."""
    row = (
        (
            await s.execute(
                select(Category).where(
                    (col(Category.name) == value)
                    | (col(Category.slug) == value.lower())
                    | (col(Category.name_en) == value)
                )
            )
        )
        .scalars()
        .first()
    )
    if row is None:
        raise Invalid(f"category {value!r} is not on the list", {"category": "unknown"})
    if row.retired:
        raise Invalid(f"category {value!r} is retired", {"category": "retired"})
    return row


class Categories:
    def __init__(self, db: Database, events: EventLog, *, refuse_identifiers: bool = True) -> None:
        self.db = db
        self.events = events
        # Category names are public (every board, filter and thread shows them): screened as
        # comments are (TONG_REFUSE_IDENTIFIERS).
        self.refuse_identifiers = refuse_identifiers

    async def listed(self, kind: str | None = None) -> dict[str, Any]:
        """Every category in order, with how many threads (of `kind`, if given) carry it."""
        counted = select(col(Thread.category_id), func.count().label("n")).where(
            col(Thread.category_id).is_not(None)
        )
        if kind:
            counted = counted.where(col(Thread.kind) == kind)
        counts = counted.group_by(col(Thread.category_id)).subquery()
        async with self.db.read() as s:
            rows = (
                await s.execute(
                    select(Category, func.coalesce(counts.c.n, 0))
                    .outerjoin(counts, counts.c.category_id == Category.id)
                    .order_by(Category.position, Category.id)  # type: ignore[arg-type]
                )
            ).all()
        return {"items": [shown(row, int(n)) for row, n in rows]}

    async def add(self, actor: Account, name: Any, name_en: Any = None, slug: Any = None) -> dict[str, Any]:
        policy.require_staff(actor, "manage categories")
        name = text(name, "name", NAME_MAX)
        name_en = text(name_en, "name_en", NAME_MAX) if name_en else None
        self._screen(name, name_en)
        slug = self._slug(slug if slug else _slug_from(name_en or ""))
        async with self.events.change() as change:
            s = change.session
            await self._free(s, name, slug)
            position = (await s.execute(select(func.coalesce(func.max(Category.position), -1)))).scalar_one()
            row = Category(name=name, name_en=name_en, slug=slug or "pending", position=position + 1)
            s.add(row)
            await s.flush()
            if not slug:
                row.slug = f"c-{row.id}"
                await s.flush()
            await change.append(EventType.CATEGORY_CREATED, actor, {"category": shown(row)})
            result = shown(row, 0)
        return result

    async def change(
        self,
        actor: Account,
        category_id: int,
        *,
        name: Any = None,
        name_en: Any = None,
        retired: bool | None = None,
        position: int | None = None,
    ) -> dict[str, Any]:
        """Rename (the name moves to every thread carrying it), retire or restore, reorder."""
        policy.require_staff(actor, "manage categories")
        if name is None and name_en is None and retired is None and position is None:
            raise Invalid("say what to change: name, name_en, retired or position", {"name": "required"})
        name = text(name, "name", NAME_MAX) if name is not None else None
        name_en = text(name_en, "name_en", NAME_MAX) if name_en else name_en
        self._screen(name, name_en)
        async with self.events.change() as change:
            s = change.session
            row = (await s.execute(select(Category).where(col(Category.id) == category_id))).scalars().first()
            if row is None:
                raise NotFound(f"category {category_id} does not exist")
            before = shown(row)
            if name is not None and name != row.name:
                await self._free(s, name, None)
                row.name = name
                await s.execute(
                    update(Thread).where(col(Thread.category_id) == category_id).values(category=name)
                )
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
                payload = {"category": after, "changed": changed, "previous": {k: before[k] for k in changed}}
                await change.append(EventType.CATEGORY_CHANGED, actor, payload)
            count = (
                await s.execute(select(func.count()).where(col(Thread.category_id) == category_id))
            ).scalar_one()
            result = shown(row, int(count))
        return result

    def _screen(self, name: str | None, name_en: str | None) -> None:
        if self.refuse_identifiers:
            refuse_identifiers({"name": name, "name_en": name_en})

    def _slug(self, slug: str) -> str:
        slug = slug.strip().lower()
        if slug and not SLUG.match(slug):
            raise Invalid("slug must be 1-60 lower-case letters, digits or hyphens", {"slug": "invalid"})
        return slug

    async def _free(self, s: AsyncSession, name: str, slug: str | None) -> None:
        taken = (await s.execute(select(col(Category.id)).where(col(Category.name) == name))).first()
        if taken is not None:
            raise Conflict(
                f"a category named {name!r} exists", {"name": "taken"}, code=ErrorCode.CATEGORY_TAKEN
            )
        if slug:
            taken = (await s.execute(select(col(Category.id)).where(col(Category.slug) == slug))).first()
            if taken is not None:
                raise Conflict(
                    f"the slug {slug!r} is taken", {"slug": "taken"}, code=ErrorCode.CATEGORY_TAKEN
                )
