"""Baseline: the schema `create_all` made from the models before migrations existed.

A database made that way (tables, no alembic_version) is stamped with this revision on upgrade.

Revision ID: 0001
Revises:
Created: 2026-11-29 19:28:41.016159
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("roles", sa.String(length=64), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("account_pkey")),
        sa.UniqueConstraint("login", name=op.f("account_login_key")),
    )
    op.create_table(
        "event",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("actor_account_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("event_pkey")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_created", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_event_thread_seq", ["thread_id", "seq"], unique=False)
        batch_op.create_index("ix_event_type", ["type", "id"], unique=False)

    op.create_table(
        "event_seal",
        sa.Column(
            "event_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("prev_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.Column("digests", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("event_seal_pkey")),
    )
    op.create_table(
        "account_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("account_session_account_id_fkey")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("account_session_pkey")),
    )
    with op.batch_alter_table("account_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_session_account_id"), ["account_id"], unique=False)

    op.create_table(
        "thread",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.Column("recommendation_count", sa.Integer(), nullable=False),
        sa.Column("company_authors", sa.Integer(), nullable=False),
        sa.Column("agency_authors", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["account.id"], name=op.f("thread_author_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("thread_pkey")),
    )
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.create_index("ix_thread_activity", ["last_activity_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_thread_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_thread_commented", ["comment_count", "id"], unique=False)
        batch_op.create_index("ix_thread_created", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_thread_kind"), ["kind"], unique=False)
        batch_op.create_index("ix_thread_recommended", ["recommendation_count", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_thread_status"), ["status"], unique=False)

    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["account.id"], name=op.f("answer_author_id_fkey")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("answer_thread_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("answer_pkey")),
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("hidden_reason", sa.String(), nullable=True),
        sa.Column("recommendation_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["account.id"], name=op.f("comment_author_id_fkey")),
        sa.ForeignKeyConstraint(["parent_id"], ["comment.id"], name=op.f("comment_parent_id_fkey")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("comment_thread_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("comment_pkey")),
        sa.UniqueConstraint("thread_id", "seq", name="uq_comment_thread_seq"),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "notice_seen",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("notice_seen_account_id_fkey")),
        sa.ForeignKeyConstraint(["change_id"], ["thread.id"], name=op.f("notice_seen_change_id_fkey")),
        sa.PrimaryKeyConstraint("account_id", "change_id", name=op.f("notice_seen_pkey")),
    )
    op.create_table(
        "recommendation",
        sa.Column("target", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("recommendation_account_id_fkey")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("recommendation_thread_id_fkey")),
        sa.PrimaryKeyConstraint("target", "target_id", "account_id", name=op.f("recommendation_pkey")),
    )
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recommendation_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "thread_author",
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("is_op", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("thread_author_account_id_fkey")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("thread_author_thread_id_fkey")),
        sa.PrimaryKeyConstraint("thread_id", "account_id", name=op.f("thread_author_pkey")),
    )
    op.create_table(
        "thread_link",
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["change_id"], ["thread.id"], name=op.f("thread_link_change_id_fkey")),
        sa.ForeignKeyConstraint(["proposal_id"], ["thread.id"], name=op.f("thread_link_proposal_id_fkey")),
        sa.PrimaryKeyConstraint("change_id", "proposal_id", name=op.f("thread_link_pkey")),
    )
    with op.batch_alter_table("thread_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_thread_link_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "held_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("words", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["account.id"], name=op.f("held_comment_author_id_fkey")),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], name=op.f("held_comment_comment_id_fkey")),
        sa.ForeignKeyConstraint(["parent_id"], ["comment.id"], name=op.f("held_comment_parent_id_fkey")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("held_comment_thread_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("held_comment_pkey")),
    )
    with op.batch_alter_table("held_comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_held_comment_resolution"), ["resolution"], unique=False)
        batch_op.create_index(batch_op.f("ix_held_comment_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("report_account_id_fkey")),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], name=op.f("report_comment_id_fkey")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("report_thread_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("report_pkey")),
        sa.UniqueConstraint("comment_id", "account_id", name="uq_report_comment_account"),
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_comment_id"), ["comment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_comment_id"))

    op.drop_table("report")
    with op.batch_alter_table("held_comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_held_comment_thread_id"))
        batch_op.drop_index(batch_op.f("ix_held_comment_resolution"))

    op.drop_table("held_comment")
    with op.batch_alter_table("thread_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_thread_link_proposal_id"))

    op.drop_table("thread_link")
    op.drop_table("thread_author")
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_thread_id"))

    op.drop_table("recommendation")
    op.drop_table("notice_seen")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_thread_id"))
        batch_op.drop_index(batch_op.f("ix_comment_author_id"))

    op.drop_table("comment")
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_thread_id"))

    op.drop_table("answer")
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_thread_status"))
        batch_op.drop_index("ix_thread_recommended")
        batch_op.drop_index(batch_op.f("ix_thread_kind"))
        batch_op.drop_index("ix_thread_created")
        batch_op.drop_index("ix_thread_commented")
        batch_op.drop_index(batch_op.f("ix_thread_author_id"))
        batch_op.drop_index("ix_thread_activity")

    op.drop_table("thread")
    with op.batch_alter_table("account_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_session_account_id"))

    op.drop_table("account_session")
    op.drop_table("event_seal")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_type")
        batch_op.drop_index("ix_event_thread_seq")
        batch_op.drop_index("ix_event_created")

    op.drop_table("event")
    op.drop_table("account")
