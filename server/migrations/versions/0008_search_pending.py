"""search_pending: a new comment's tokens wait here to join their thread's search document.

Appending each comment to its thread's document rewrote the whole row (and the index re-read it),
so a hot thread's comments cost more as it grew; now they join in one rewrite per flush
(search.flush). Nothing to move: documents already hold every comment made before this revision.

Revision ID: 0008
Revises: 0007
Created: 2026-12-06 11:59:32
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_pending",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("search_pending_thread_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("search_pending_pkey")),
    )
    with op.batch_alter_table("search_pending", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_pending_thread_id"), ["thread_id"], unique=False)


def downgrade() -> None:
    # The waiting tokens go into their documents first, so nothing indexed is lost.
    concat = "string_agg" if op.get_bind().dialect.name == "postgresql" else "group_concat"
    op.execute(
        "UPDATE search_document SET comments = trim(comments || ' ' || coalesce(("
        f"SELECT {concat}(p.tokens, ' ') FROM search_pending p "
        "WHERE p.thread_id = search_document.thread_id), '')) "
        "WHERE thread_id IN (SELECT thread_id FROM search_pending)"
    )
    with op.batch_alter_table("search_pending", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_pending_thread_id"))
    op.drop_table("search_pending")
