"""search: each thread's public text as analysed tokens, with a ranked index over it.

`search_document` is a model (SearchDocument). The index over it is not: on SQLite an FTS5 table
with external content, kept by triggers; on PostgreSQL a generated tsvector column ('simple'
configuration: the tokens are already analysed) with a GIN index, and a smaller one of the title,
body and answers that ranking reads. Existing threads are indexed
by `tong search reindex`.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "title, body, answers, comments"
NEW = "new.thread_id, new.title, new.body, new.answers, new.comments"
OLD = "old.thread_id, old.title, old.body, old.answers, old.comments"


def upgrade() -> None:
    op.create_table(
        "search_document",
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("answers", sa.String(), nullable=False),
        sa.Column("comments", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], name=op.f("search_document_thread_id_fkey")),
        sa.PrimaryKeyConstraint("thread_id", name=op.f("search_document_pkey")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE search_document ADD COLUMN document tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
            "setweight(to_tsvector('simple'::regconfig, body), 'B') || "
            "setweight(to_tsvector('simple'::regconfig, answers), 'B') || "
            "setweight(to_tsvector('simple'::regconfig, comments), 'D')) STORED"
        )
        # What ranking reads: the title, body and answers only, a small vector kept in the row,
        # so ranking thousands of candidates does not detoast their comments.
        op.execute(
            "ALTER TABLE search_document ADD COLUMN head tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
            "setweight(to_tsvector('simple'::regconfig, body), 'B') || "
            "setweight(to_tsvector('simple'::regconfig, answers), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_search_document_document ON search_document USING gin (document)")
        return
    op.execute(
        f"CREATE VIRTUAL TABLE search_fts USING fts5({COLUMNS}, content='search_document', "
        "content_rowid='thread_id', tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute(
        "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
        f"INSERT INTO search_fts(rowid, {COLUMNS}) VALUES ({NEW}); END"
    )
    op.execute(
        "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {COLUMNS}) VALUES ('delete', {OLD}); END"
    )
    op.execute(
        "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {COLUMNS}) VALUES ('delete', {OLD}); "
        f"INSERT INTO search_fts(rowid, {COLUMNS}) VALUES ({NEW}); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("search_document_ai", "search_document_ad", "search_document_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_document")
