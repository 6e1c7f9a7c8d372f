"""keyed seal in commit order: event.tx, and the chain re-sealed with TONG_AUDIT_KEY

The seal chained an unkeyed SHA-256 in id order after a fixed delay: a payload rewritten with
every later seal recomputed passed verify, and on PostgreSQL a row committed after the delay was
left out of the chain for good (sealing.py says how the new form avoids both). Each event row now
records its transaction (`tx`, PostgreSQL only), and each seal its place in the chain and the
keyed hash of its payload.

The existing chain is verified in its old form first: a broken chain is refused (its evidence is
what the audit trail is for, and re-sealing would launder it); an intact one is sealed again in
the new form, in the same order, with the key the caller passes (`TONG_AUDIT_KEY`). The hashing
of both forms is copied here, frozen, so this revision means the same whatever sealing.py becomes.

Revision ID: 0012
Revises: 0011
Created: 2026-12-07 15:00:00
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from server.store import models

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
OLD_COLUMNS = ("id", "type", "thread_id", "seq", "actor_account_id", "payload", "created_at")
NEW_COLUMNS = ("id", "type", "thread_id", "seq", "actor_account_id", "created_at")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class BrokenChain(RuntimeError):
    """The old chain does not verify: the upgrade stops and changes nothing."""


def _moment(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _values(row: Any) -> dict[str, Any]:
    payload = row.payload if not isinstance(row.payload, str) else json.loads(row.payload)
    return {
        "id": row.id,
        "type": row.type,
        "thread_id": row.thread_id,
        "seq": row.seq,
        "actor_account_id": row.actor_account_id,
        "payload": payload,
        "created_at": _moment(row.created_at),
    }


def _old_row_hash(values: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    for name in OLD_COLUMNS:
        digest.update(f"{name}={_json(values[name])}\x1f".encode())
    return digest.hexdigest()


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _new_seal(key: bytes, values: dict[str, Any], previous: str) -> dict[str, Any]:
    columns = {name: _json(values[name]) for name in NEW_COLUMNS}
    payload_hash = _mac(key, "payload=" + _json(values["payload"]))
    body = "".join(f"{name}={columns[name]}\x1f" for name in NEW_COLUMNS)
    row = _mac(key, f"{body}payload_hash={payload_hash}\x1f")
    digests = {name: _mac(key, f"{name}={value}")[:16] for name, value in columns.items()}
    digests["payload"] = payload_hash[:16]
    return {
        "payload_hash": payload_hash,
        "row_hash": row,
        "chain_hash": _mac(key, previous + row),
        "digests": digests,
    }


def _events(connection: sa.Connection, ids: list[int]) -> dict[int, Any]:
    table = models.Event.__table__  # type: ignore[attr-defined]
    columns = [table.c[name] for name in OLD_COLUMNS]
    found: dict[int, Any] = {}
    for start in range(0, len(ids), 1_000):
        chunk = ids[start : start + 1_000]
        found.update(
            {row.id: row for row in connection.execute(sa.select(*columns).where(table.c.id.in_(chunk)))}
        )
    return found


def _old_chain(connection: sa.Connection) -> list[tuple[Any, Any]]:
    """The old chain verified as `tong audit verify` did: (seal, event) pairs in id order."""
    old = sa.table(
        "event_seal",
        sa.column("event_id", BigId),
        sa.column("prev_event_id", BigId),
        sa.column("row_hash", sa.String),
        sa.column("chain_hash", sa.String),
        sa.column("sealed_at", models.EventSeal.__table__.c.sealed_at.type),  # type: ignore[attr-defined]
    )
    seals = list(connection.execute(sa.select(old).order_by(old.c.event_id)))
    events = _events(connection, [seal.event_id for seal in seals])
    previous_id, previous_chain = None, GENESIS
    for seal in seals:
        event = events.get(seal.event_id)
        if seal.prev_event_id != previous_id:
            raise BrokenChain(
                f"the seal of event {seal.event_id} follows {seal.prev_event_id}, not {previous_id}"
            )
        if event is None:
            raise BrokenChain(f"event {seal.event_id} was sealed but is missing")
        if _old_row_hash(_values(event)) != seal.row_hash:
            raise BrokenChain(f"event {seal.event_id} was changed after sealing")
        if hashlib.sha256((previous_chain + seal.row_hash).encode()).hexdigest() != seal.chain_hash:
            raise BrokenChain(f"the seal of event {seal.event_id} was altered")
        previous_id, previous_chain = seal.event_id, seal.chain_hash
    if seals:
        table = models.Event.__table__  # type: ignore[attr-defined]
        unsealed = sa.select(sa.func.min(table.c.id)).where(
            table.c.id < previous_id, table.c.id.not_in(sa.select(old.c.event_id))
        )
        gap = connection.execute(unsealed).scalar()
        if gap is not None:
            raise BrokenChain(f"event {gap} is not in the chain")
    return [(seal, events[seal.event_id]) for seal in seals]


def _seal_table(*columns: sa.Column[Any]) -> None:
    op.create_table(
        "event_seal",
        sa.Column("event_id", BigId, autoincrement=False, nullable=False),
        *columns,
        sa.Column("digests", Json, nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("event_seal_pkey")),
    )


def upgrade() -> None:
    connection = op.get_bind()
    try:
        sealed = _old_chain(connection)
    except BrokenChain as exc:
        raise BrokenChain(
            f"the event log's seal chain is broken ({exc}): not re-sealing it in the new form. "
            "Investigate with `tong audit verify` on the previous release; the database is unchanged"
        ) from None
    config = op.get_context().config
    key: bytes = config.attributes.get("audit_key") or b"" if config is not None else b""
    if sealed and not key:
        raise BrokenChain("re-sealing the event log needs the audit key (TONG_AUDIT_KEY): none was given")

    if connection.dialect.name == "postgresql":
        # The default gives each row its writer's transaction id; rows already there get this
        # migration's, older than every transaction to come.
        op.execute("ALTER TABLE event ADD COLUMN tx BIGINT DEFAULT (pg_current_xact_id()::text::bigint)")
    else:
        with op.batch_alter_table("event", schema=None) as batch_op:
            batch_op.add_column(sa.Column("tx", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_tx", ["tx", "id"], unique=False)

    op.drop_table("event_seal")
    _seal_table(
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("prev_event_id", BigId, nullable=True),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
    )
    with op.batch_alter_table("event_seal", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("event_seal_position_key"), ["position"])
    previous_id, previous_chain, rows = None, GENESIS, []
    for position, (old, event) in enumerate(sealed, 1):
        seal = _new_seal(key, _values(event), previous_chain)
        rows.append(
            {
                "event_id": event.id,
                "position": position,
                "prev_event_id": previous_id,
                "sealed_at": old.sealed_at,
                **seal,
            }
        )
        previous_id, previous_chain = event.id, seal["chain_hash"]
    if rows:
        op.bulk_insert(models.EventSeal.__table__, rows)  # type: ignore[attr-defined]


def downgrade() -> None:
    # Back to the old form: the sealed rows in id order, sealed again unkeyed (no check of the
    # keyed chain here: `tong audit verify` before downgrading is the operator's to run).
    connection = op.get_bind()
    stamp = models.EventSeal.__table__.c.sealed_at.type  # type: ignore[attr-defined]
    seals = sa.table("event_seal", sa.column("event_id", BigId), sa.column("sealed_at", stamp))
    kept = list(connection.execute(sa.select(seals.c.event_id, seals.c.sealed_at).order_by(seals.c.event_id)))
    events = _events(connection, [row.event_id for row in kept])
    op.drop_table("event_seal")
    _seal_table(
        sa.Column("prev_event_id", BigId, nullable=True),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
    )
    rows, previous_id, previous_chain = [], None, GENESIS
    for row in kept:
        values = _values(events[row.event_id])
        digest = _old_row_hash(values)
        previous_chain = hashlib.sha256((previous_chain + digest).encode()).hexdigest()
        digests = {
            name: hashlib.sha256(_json(values[name]).encode()).hexdigest()[:16] for name in OLD_COLUMNS
        }
        rows.append(
            {
                "event_id": row.event_id,
                "prev_event_id": previous_id,
                "row_hash": digest,
                "chain_hash": previous_chain,
                "digests": digests,
                "sealed_at": row.sealed_at,
            }
        )
        previous_id = row.event_id
    if rows:
        old = sa.table(
            "event_seal",
            *(sa.column(name) for name in ("event_id", "prev_event_id", "row_hash", "chain_hash")),
            sa.column("digests", Json),
            sa.column("sealed_at", stamp),
        )
        op.bulk_insert(old, rows)
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_tx")
        batch_op.drop_column("tx")
