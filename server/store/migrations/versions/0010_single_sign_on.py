"""Single sign-on: accounts named by the provider's (iss, sub), provider sessions, pending sign-ins.

Password accounts keep null issuer and subject (a unique constraint over two nullable columns lets
any number of them be null). Nothing to move.

Revision ID: 0010
Revises: 0009
Created: 2026-12-07 15:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("oidc_issuer", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(
            "account_oidc_issuer_oidc_subject_key", ["oidc_issuer", "oidc_subject"]
        )
    with op.batch_alter_table("account_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("oidc_sid", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("id_token", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_account_session_oidc_sid"), ["oidc_sid"], unique=False)
    op.create_table(
        "oidc_login",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("verifier", sa.String(length=128), nullable=False),
        sa.Column("next_path", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("oidc_login_pkey")),
    )
    with op.batch_alter_table("oidc_login", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oidc_login_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("oidc_login", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_login_created_at"))
    op.drop_table("oidc_login")
    with op.batch_alter_table("account_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_session_oidc_sid"))
        batch_op.drop_column("id_token")
        batch_op.drop_column("oidc_sid")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_constraint("account_oidc_issuer_oidc_subject_key", type_="unique")
        batch_op.drop_column("oidc_subject")
        batch_op.drop_column("oidc_issuer")
