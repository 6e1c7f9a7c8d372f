"""follow and notice: accounts follow threads and are told of answers, links and replies.

`account.auto_follow` (commenting or recommending follows the thread) defaults to on.

Revision ID: 0007
Revises: 0006
Created: 2026-11-29 23:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("auto_follow", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "follow",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("follow_account_id_fkey")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("follow_thread_id_fkey")),
        sa.PrimaryKeyConstraint("account_id", "thread_id", name=op.f("follow_pkey")),
    )
    op.create_index(op.f("ix_follow_thread_id"), "follow", ["thread_id"], unique=False)
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("notice_account_id_fkey")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("notice_thread_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("notice_pkey")),
    )
    op.create_index("ix_notice_account", "notice", ["account_id", "id"], unique=False)
    op.create_index(op.f("ix_notice_thread_id"), "notice", ["thread_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_notice_thread_id"), table_name="notice")
    op.drop_index("ix_notice_account", table_name="notice")
    op.drop_table("notice")
    op.drop_index(op.f("ix_follow_thread_id"), table_name="follow")
    op.drop_table("follow")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("auto_follow")
