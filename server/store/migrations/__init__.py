"""Schema revisions with Alembic: where the database stands, upgrading it under a lock, and the
check that the models and the revisions agree.

Every schema change is a revision in `versions/` (`tong db revision -m "..."` writes one from the
models). The app never creates tables itself: it upgrades an empty database to head, refuses a
database behind head unless asked to upgrade, and refuses one ahead of the code.
"""

from __future__ import annotations

import asyncio
import io
import logging
import weakref
from dataclasses import dataclass
from typing import TextIO

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from server.store import models  # registers the tables on SQLModel.metadata
from server.store.database import Database

SCRIPT_LOCATION = "server.store:migrations"
# The revision equal to the schema `create_all` made before migrations existed: a database with
# Tong's tables but no version is stamped with it before upgrading.
BASELINE = "0001"
VERSION_TABLE = "alembic_version"

log = logging.getLogger("tong.migrations")

# Alembic's `context` and `op` are module globals, set up and torn down around each command, and
# `run_sync` runs a command in the event loop's thread as a greenlet that yields at every
# statement: two upgrades of two databases in one loop would take each other's connection or find
# the context gone. The database's schema lock keeps processes apart; this keeps one loop's
# upgrades apart. Keyed by loop, as an asyncio.Lock belongs to the loop that first waits on it.
_in_process: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _alembic_turn() -> asyncio.Lock:
    return _in_process.setdefault(asyncio.get_running_loop(), asyncio.Lock())


class SchemaError(Exception):
    """The database's schema is not the one this code needs; the message says what to run."""


@dataclass(frozen=True)
class SchemaState:
    current: tuple[str, ...]
    head: tuple[str, ...]
    # Tables other than the version table: none means a new, empty database.
    has_tables: bool
    known: frozenset[str]

    @property
    def up_to_date(self) -> bool:
        return set(self.current) == set(self.head)

    @property
    def empty(self) -> bool:
        return not self.current and not self.has_tables

    @property
    def unknown(self) -> tuple[str, ...]:
        """Revisions in the database that this code does not have (a newer release wrote them)."""
        return tuple(r for r in self.current if r not in self.known)

    def describe(self) -> str:
        current = ", ".join(self.current) or ("none (empty database)" if self.empty else "none")
        return f"database at {current}; code at {', '.join(self.head)}"


def alembic_config(
    connection: sa.Connection | None = None, stdout: TextIO | None = None, audit_key: bytes | None = None
) -> Config:
    """Alembic's configuration without an alembic.ini: everything it needs is in the package.
    `audit_key` (TONG_AUDIT_KEY) is for revisions that seal the event log again (0012)."""
    config = Config(stdout=stdout) if stdout is not None else Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    # Revisions are numbered (0001_baseline.py): two branches that both add 0002 collide loudly
    # instead of silently forming two heads.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    config.attributes["audit_key"] = audit_key
    return config


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revisions() -> tuple[str, ...]:
    return tuple(scripts().get_heads())


def next_revision_id() -> str:
    numbers = [int(r.revision) for r in scripts().walk_revisions() if r.revision.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def _state(connection: sa.Connection) -> SchemaState:
    tables = set(sa.inspect(connection).get_table_names()) - {VERSION_TABLE}
    current = tuple(MigrationContext.configure(connection).get_current_heads())
    directory = scripts()
    known = frozenset(r.revision for r in directory.walk_revisions())
    return SchemaState(current, tuple(directory.get_heads()), bool(tables), known)


async def state(db: Database) -> SchemaState:
    async with db.engine.connect() as conn:
        return await conn.run_sync(_state)


def _upgrade(connection: sa.Connection, revision: str, audit_key: bytes | None) -> None:
    found = _state(connection)
    if found.unknown:
        raise SchemaError(f"{found.describe()}: a newer release upgraded this database; run that release")
    if not found.current and found.has_tables:
        # Made by `create_all` before migrations existed: it holds the baseline schema.
        log.warning("database has tables but no schema version: stamping it with the baseline %s", BASELINE)
        command.stamp(alembic_config(connection), BASELINE)
    command.upgrade(alembic_config(connection, audit_key=audit_key), revision)


async def upgrade(db: Database, revision: str = "head", *, audit_key: bytes | None = None) -> SchemaState:
    """Upgrade to `revision` in one transaction, under the schema lock (see Database.schema_transaction):
    replicas starting together upgrade once, the others wait and find nothing left to do. The
    database's lock is taken first, so upgrades of one database never wait on each other here."""
    before = await state(db)
    async with db.schema_transaction() as conn, _alembic_turn():
        await conn.run_sync(_upgrade, revision, audit_key)
    after = await state(db)
    if after.current != before.current:
        log.warning(
            "schema upgraded: %s -> %s", ", ".join(before.current) or "empty", ", ".join(after.current)
        )
    return after


async def ensure_current(
    db: Database, *, upgrade_if_behind: bool = False, audit_key: bytes | None = None
) -> SchemaState:
    """Make sure the schema is the code's head before serving: an empty database is created at
    head (nothing to lose); one behind head is upgraded only when asked; else SchemaError."""
    found = await state(db)
    if found.up_to_date:
        return found
    if found.unknown:
        raise SchemaError(f"{found.describe()}: a newer release upgraded this database; run that release")
    if found.empty or upgrade_if_behind:
        return await upgrade(db, audit_key=audit_key)
    raise SchemaError(
        f"{found.describe()}: the database is behind this release. Run `tong db upgrade` "
        "(once, before starting the new replicas), or start with `tong serve --migrate` "
        "(TONG_MIGRATE_ON_START=true)"
    )


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave out of comparisons what only a revision makes: the search index's FTS5 tables
    (SQLite) and tsvector column and index (PostgreSQL); see models.SearchDocument."""
    if type_ == "column" and getattr(getattr(obj, "table", None), "name", None) != "search_document":
        return True
    return not (reflected and models.is_search_index_object(name, type_))


def _differences(connection: sa.Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    return list(compare_metadata(context, SQLModel.metadata))


async def differences(db: Database) -> list[object]:
    """What the models have that the migrated database lacks, or the reverse (Alembic's `check`):
    empty when every model change has its revision."""
    async with db.engine.connect() as conn:
        return await conn.run_sync(_differences)


def history_text() -> str:
    out = io.StringIO()
    command.history(alembic_config(stdout=out))
    return out.getvalue()


def _revision(connection: sa.Connection, message: str, rev_id: str) -> str:
    script = command.revision(alembic_config(connection), message=message, autogenerate=True, rev_id=rev_id)
    assert script is not None and not isinstance(script, list)
    return str(script.path)


async def write_revision(db: Database, message: str) -> str:
    """Write the next revision from what the models have and `db` (at head) lacks; its path."""
    await upgrade(db)
    async with db.engine.connect() as conn, _alembic_turn():
        return await conn.run_sync(_revision, message, next_revision_id())
