"""A second factor for staff: factors (TOTP, WebAuthn), recovery codes, and what a session gave.

Existing sessions start with no factor given: where TONG_STAFF_MFA=required, a staff session
opened before this revision asks for the factor (or the enrolment) at its next request.

Revision ID: 0014
Revises: 0013
Created: 2026-12-07 18:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("factor_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("mfa_challenge", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("mfa_challenge_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "account_factor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("credential_id", sa.String(length=1400), nullable=True),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("account_factor_account_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("account_factor_pkey")),
        sa.UniqueConstraint("credential_id", name=op.f("account_factor_credential_id_key")),
    )
    with op.batch_alter_table("account_factor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_factor_account_id"), ["account_id"], unique=False)
    op.create_table(
        "recovery_code",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("recovery_code_account_id_fkey")),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("recovery_code_pkey")),
    )
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_code_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_code_account_id"))
    op.drop_table("recovery_code")
    with op.batch_alter_table("account_factor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_factor_account_id"))
    op.drop_table("account_factor")
    with op.batch_alter_table("account_session", schema=None) as batch_op:
        batch_op.drop_column("mfa_challenge_at")
        batch_op.drop_column("mfa_challenge")
        batch_op.drop_column("factor_at")
