"""password_token (reset and invitation links), account.last_login_at (the admin list's date),
outbox.token_id (the mail that carries a link).

Revision ID: 0017
Revises: 0016
Created: 2026-12-07 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "password_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("password_token_account_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("password_token_pkey")),
        sa.UniqueConstraint("token_hash", name=op.f("password_token_token_hash_key")),
    )
    op.create_index(op.f("ix_password_token_account_id"), "password_token", ["account_id"], unique=False)
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("token_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("token_id")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("last_login_at")
    op.drop_index(op.f("ix_password_token_account_id"), table_name="password_token")
    op.drop_table("password_token")
