"""thread.answer_due: the answer obligation's due date (v1.2), set when a proposal's
recommendations first reach TONG_ANSWER_OBLIGATION_RECOMMENDATIONS.

Revision ID: 0015
Revises: 0014
Created: 2026-12-07 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No back-fill: a proposal already past the threshold gets its due date at its next
    # recommendation (the obligation starts counting from this release, not retroactively).
    with op.batch_alter_table("thread") as batch:
        batch.add_column(sa.Column("answer_due", sa.Date(), nullable=True))
        batch.create_index(batch.f("ix_thread_answer_due"), ["answer_due"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("thread") as batch:
        batch.drop_index(batch.f("ix_thread_answer_due"))
        batch.drop_column("answer_due")
