"""attachment: uploads and the files of posts (v1.2); the files themselves live in the data
directory's attachments/, one per sha256.

Revision ID: 0018
Revises: 0017
Created: 2026-12-07 18:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("target", sa.String(length=8), nullable=True),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("attachment_account_id_fkey")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("attachment_thread_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("attachment_pkey")),
    )
    op.create_index("ix_attachment_target", "attachment", ["target", "target_id"])
    op.create_index("ix_attachment_account_created", "attachment", ["account_id", "created_at"])
    op.create_index(op.f("ix_attachment_sha256"), "attachment", ["sha256"])
    op.create_index(op.f("ix_attachment_created_at"), "attachment", ["created_at"])
    op.create_index(op.f("ix_attachment_thread_id"), "attachment", ["thread_id"])


def downgrade() -> None:
    op.drop_table("attachment")
