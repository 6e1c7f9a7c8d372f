"""answer workflow: departments and their members, assignments, draft answers, internal notes,
due reminders, and the department a published answer shows (issue 23).

New tables only, and one nullable column on `answer`: the previous release's code runs on the
upgraded schema unchanged.

Revision ID: 0020
Revises: 0019
Created: 2026-12-07 18:14:34.368101
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("name_en", sa.String(length=50), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("department_pkey")),
        sa.UniqueConstraint("name", name=op.f("department_name_key")),
    )
    op.create_table(
        "department_member",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("department_member_account_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("department_member_department_id_fkey")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("department_member_pkey")),
    )
    with op.batch_alter_table("department_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_department_member_department_id"), ["department_id"], unique=False
        )

    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("items", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("reminder_account_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("reminder_pkey")),
        sa.UniqueConstraint("account_id", "day", name="uq_reminder_account_day"),
    )
    op.create_table(
        "thread_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("assigned_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by"], ["account.id"], name=op.f("thread_assignment_assigned_by_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["account.id"], name=op.f("thread_assignment_assignee_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("thread_assignment_department_id_fkey")
        ),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("thread_assignment_thread_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("thread_assignment_pkey")),
    )
    with op.batch_alter_table("thread_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_thread_assignment_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index("ix_thread_assignment_thread", ["thread_id", "id"], unique=False)

    op.create_table(
        "answer_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("revises", sa.Boolean(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_by", sa.Integer(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_reason", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["answer_id"], ["answer.id"], name=op.f("answer_draft_answer_id_fkey")),
        sa.ForeignKeyConstraint(["approved_by"], ["account.id"], name=op.f("answer_draft_approved_by_fkey")),
        sa.ForeignKeyConstraint(["author_id"], ["account.id"], name=op.f("answer_draft_author_id_fkey")),
        sa.ForeignKeyConstraint(["returned_by"], ["account.id"], name=op.f("answer_draft_returned_by_fkey")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("answer_draft_thread_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("answer_draft_pkey")),
    )
    with op.batch_alter_table("answer_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_draft_state"), ["state"], unique=False)
        batch_op.create_index("ix_answer_draft_thread", ["thread_id", "id"], unique=False)

    op.create_table(
        "staff_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["account.id"], name=op.f("staff_note_author_id_fkey")),
        sa.ForeignKeyConstraint(["draft_id"], ["answer_draft.id"], name=op.f("staff_note_draft_id_fkey")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("staff_note_thread_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("staff_note_pkey")),
    )
    with op.batch_alter_table("staff_note", schema=None) as batch_op:
        batch_op.create_index("ix_staff_note_thread", ["thread_id", "id"], unique=False)

    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department", sa.String(length=50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_column("department")

    with op.batch_alter_table("staff_note", schema=None) as batch_op:
        batch_op.drop_index("ix_staff_note_thread")

    op.drop_table("staff_note")
    with op.batch_alter_table("answer_draft", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_draft_thread")
        batch_op.drop_index(batch_op.f("ix_answer_draft_state"))

    op.drop_table("answer_draft")
    with op.batch_alter_table("thread_assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_thread_assignment_thread")
        batch_op.drop_index(batch_op.f("ix_thread_assignment_department_id"))

    op.drop_table("thread_assignment")
    op.drop_table("reminder")
    with op.batch_alter_table("department_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_department_member_department_id"))

    op.drop_table("department_member")
    op.drop_table("department")
