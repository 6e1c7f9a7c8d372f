"""moderation: hidden proposals, thread reports, report categories, suspensions, appealable actions

Issue 22 (parts 1-3). Existing proposals are not hidden (server default false); existing reports
have no category. Nothing to move.

Revision ID: 0016
Revises: 0015
Created: 2026-12-07 18:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("hidden_reason", sa.String(), nullable=True))
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=16), nullable=True))
    op.create_table(
        "thread_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("thread_report_account_id_fkey")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("thread_report_thread_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("thread_report_pkey")),
        sa.UniqueConstraint("thread_id", "account_id", name="uq_thread_report_thread_account"),
    )
    op.create_index(op.f("ix_thread_report_thread_id"), "thread_report", ["thread_id"], unique=False)
    op.create_table(
        "suspension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("post_kind", sa.String(length=8), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("suspension_account_id_fkey")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("suspension_thread_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("suspension_pkey")),
    )
    op.create_index(op.f("ix_suspension_account_id"), "suspension", ["account_id"], unique=False)
    op.create_table(
        "moderation_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("moderation_action_account_id_fkey")
        ),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("moderation_action_thread_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("moderation_action_pkey")),
    )
    op.create_index(
        op.f("ix_moderation_action_account_id"), "moderation_action", ["account_id"], unique=False
    )
    op.create_index(
        "ix_moderation_action_target", "moderation_action", ["kind", "target_id", "id"], unique=False
    )
    op.create_table(
        "appeal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decision_reason", sa.String(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("appeal_account_id_fkey")),
        sa.ForeignKeyConstraint(["action_id"], ["moderation_action.id"], name=op.f("appeal_action_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("appeal_pkey")),
        sa.UniqueConstraint("action_id", name="uq_appeal_action"),
    )
    op.create_index(op.f("ix_appeal_account_id"), "appeal", ["account_id"], unique=False)
    op.create_index(op.f("ix_appeal_decision"), "appeal", ["decision"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_appeal_decision"), table_name="appeal")
    op.drop_index(op.f("ix_appeal_account_id"), table_name="appeal")
    op.drop_table("appeal")
    op.drop_index("ix_moderation_action_target", table_name="moderation_action")
    op.drop_index(op.f("ix_moderation_action_account_id"), table_name="moderation_action")
    op.drop_table("moderation_action")
    op.drop_index(op.f("ix_suspension_account_id"), table_name="suspension")
    op.drop_table("suspension")
    op.drop_index(op.f("ix_thread_report_thread_id"), table_name="thread_report")
    op.drop_table("thread_report")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("category")
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.drop_column("hidden_reason")
        batch_op.drop_column("hidden")
