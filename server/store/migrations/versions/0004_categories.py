"""categories: the managed category list; threads reference it.

Free-text categories become rows of the list: the well-known ones with their English names and
slugs, any other value a thread carried as a row of its own (slug `c-<n>`); every thread keeps its
`category` text and gains the `category_id` of its row.

Revision ID: 0004
Revises: 0003
Created: 2026-11-29 23:10:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The list a new database starts with (slug, Korean name, English name).
STARTING_LIST = (
    ("e-procurement", "전자조달", "e-Procurement"),
    ("contracts", "계약제도", "Contracts"),
    ("innovation", "혁신조달", "Innovative procurement"),
    ("excellent-products", "우수조달", "Excellent products"),
    ("payment", "대금지급", "Payment"),
    ("registration", "업체등록", "Supplier registration"),
    ("quarterly", "분기별 개선", "Quarterly changes"),
)


def upgrade() -> None:
    category = op.create_table(
        "category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("name_en", sa.String(length=50), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("category_pkey")),
        sa.UniqueConstraint("name", name=op.f("category_name_key")),
        sa.UniqueConstraint("slug", name=op.f("category_slug_key")),
    )
    with op.batch_alter_table("thread") as batch:
        batch.add_column(sa.Column("category_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_thread_category_id"), ["category_id"], unique=False)
        batch.create_foreign_key(batch.f("thread_category_id_fkey"), "category", ["category_id"], ["id"])

    bind = op.get_bind()
    thread = sa.table("thread", sa.column("category", sa.String), sa.column("category_id", sa.Integer))
    used = [
        value
        for value in bind.execute(
            sa.select(thread.c.category).where(thread.c.category.is_not(None)).distinct()
        ).scalars()
    ]
    now = datetime.now(UTC)
    rows = [
        {"slug": slug, "name": name, "name_en": name_en, "retired": False, "position": n, "created_at": now}
        for n, (slug, name, name_en) in enumerate(STARTING_LIST)
    ]
    known = {row["name"] for row in rows}
    for value in sorted(v for v in used if v not in known):
        n = len(rows)
        slug = f"c-{n + 1}"
        rows.append(
            {"slug": slug, "name": value, "name_en": None, "retired": False, "position": n, "created_at": now}
        )
    op.bulk_insert(category, rows)
    ids = {name: id_ for id_, name in bind.execute(sa.select(category.c.id, category.c.name))}
    for name in used:
        bind.execute(sa.update(thread).where(thread.c.category == name).values(category_id=ids[name]))


def downgrade() -> None:
    with op.batch_alter_table("thread") as batch:
        batch.drop_constraint(batch.f("thread_category_id_fkey"), type_="foreignkey")
        batch.drop_index(batch.f("ix_thread_category_id"))
        batch.drop_column("category_id")
    op.drop_table("category")
