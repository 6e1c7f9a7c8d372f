"""search_pending: a new comment waits here to join its thread's search document.

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
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], name=op.f("search_pending_comment_id_fkey")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("search_pending_thread_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("search_pending_pkey")),
    )
    with op.batch_alter_table("search_pending", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_pending_thread_id"), ["thread_id"], unique=False)


def downgrade() -> None:
    # Waiting comments are dropped with the table: `tong search reindex` after the downgrade
    # rebuilds the documents, those comments included.
    with op.batch_alter_table("search_pending", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_pending_thread_id"))
    op.drop_table("search_pending")
