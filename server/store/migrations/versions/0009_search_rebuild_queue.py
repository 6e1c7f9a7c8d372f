"""search_pending: a row without a comment asks for its thread's whole document to be rebuilt.

A new proposal, an edit, an answer, a hidden or restored comment used to rebuild the thread's
document inside the change's transaction: the Korean analysis (seconds for a 20,000-character
body) then held SQLite's write lock or the thread's row lock, and every other writer waited. Now
the change only queues the rebuild; the search flush reads and analyses before its own short
write transaction. Nothing to move: existing rows are comments, as before.

Revision ID: 0009
Revises: 0008
Created: 2026-12-07 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("search_pending", schema=None) as batch_op:
        batch_op.alter_column("comment_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Queued rebuilds are dropped: `tong search reindex` after the downgrade rebuilds every document.
    op.execute("DELETE FROM search_pending WHERE comment_id IS NULL")
    with op.batch_alter_table("search_pending", schema=None) as batch_op:
        batch_op.alter_column("comment_id", existing_type=sa.Integer(), nullable=False)
