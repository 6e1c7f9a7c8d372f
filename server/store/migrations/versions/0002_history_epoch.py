"""history: the epoch of the database's history (one row), which resumes are checked against.

A database upgraded to this revision gets its epoch on the first start (epoch.py).

Revision ID: 0002
Revises: 0001
Created: 2026-11-29 20:07:43.928672
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("history_pkey")),
    )


def downgrade() -> None:
    op.drop_table("history")
