"""Alembic's environment for Tong: run by every `tong db` command and by the app's start.

The caller hands over a connection already inside a transaction that holds the migration lock
(see `server.store.migrations.upgrade`); the migrations then run in that transaction, so an upgrade on
PostgreSQL or SQLite is all or nothing.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from server.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from server.store.migrations import include_object


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Autogenerate writes SQLModel's column types as the plain SQLAlchemy types they store:
    revisions must not depend on SQLModel's internals, which may change while a revision stays."""
    if type_ != "type":
        return False
    if isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, sa.JSON) and "postgresql" in obj._variant_mapping:
        # Alembic would write `JSONB(astext_type=Text())` without importing Text.
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        # ALTER on SQLite means copying the table; batch mode does that, and is a plain ALTER on
        # PostgreSQL, so one revision serves both databases.
        render_as_batch=True,
        render_item=render_item,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `tong db ...`, which opens the connection and takes the lock")
run(connection)
