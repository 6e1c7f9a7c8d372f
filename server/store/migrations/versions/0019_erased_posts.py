"""erased posts: `thread.erased` and `comment.erased`

An erasure (PROTOCOL v1.2, "Erasure"; server/domain/erasure.py) destroys a post's text and leaves
the post in its place: the flag says why its title and body are empty, so every public shape
shows `erased: true` and no text instead of an empty string.

Revision ID: 0019
Revises: 0018
Created: 2026-12-07 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("thread", "comment")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("erased", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("erased")
