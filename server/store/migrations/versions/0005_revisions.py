"""revisions: edited proposals, comments and answers keep every version; authors may delete a comment.

Revision ID: 0005
Revises: 0004
Created: 2026-11-29 23:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EDITED = ("thread", "comment", "answer")


def upgrade() -> None:
    op.create_table(
        "revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=True),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["editor_id"], ["account.id"], name=op.f("revision_editor_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("revision_pkey")),
        sa.UniqueConstraint("target", "target_id", "number", name="uq_revision_target_number"),
    )
    for table in EDITED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("comment") as batch:
        batch.add_column(sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("comment") as batch:
        batch.drop_column("withdrawn")
    for table in EDITED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("revision")
            batch.drop_column("edited_at")
    op.drop_table("revision")
