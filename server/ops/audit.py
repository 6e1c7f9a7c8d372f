"""`tong audit verify | seal`: check the event log's hash chain, or seal what is waiting now."""

from __future__ import annotations

import argparse
import asyncio

from server.events.sealing import Sealer, Verdict, verify
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.migrations import ensure_current

EXIT_OK, EXIT_BROKEN = 0, 1


async def check(db: Database) -> Verdict:
    """The chain's verdict: what `tong audit verify` prints, and what `tong restore` checks."""
    return await verify(db)


async def _verify(settings: Settings) -> int:
    db = Database(settings.effective_database_url, pool_size=2)
    try:
        await ensure_current(db)
        verdict = await check(db)
    finally:
        await db.dispose()
    return report(verdict)


def report(verdict: Verdict) -> int:
    """Print the verdict; the exit status."""
    if not verdict.ok:
        print(f"BROKEN at event {verdict.broken_id}: {verdict.problem}")
        print(f"{verdict.checked} sealed rows before it verified")
        return EXIT_BROKEN
    print(f"OK: {verdict.checked} sealed rows verified; {verdict.unsealed} newer rows not sealed yet")
    if verdict.head_id is not None:
        # Writing this down elsewhere (a ticket, a signed mail) anchors the chain outside the database.
        print(f"head: event {verdict.head_id} chain {verdict.head_hash}")
    return EXIT_OK


async def _seal(settings: Settings) -> int:
    db = Database(settings.effective_database_url, pool_size=2)
    try:
        await ensure_current(db)
        sealer = Sealer(db, settings.seal_delay_s, settings.seal_interval_s, settings.seal_batch)
        sealed = await sealer.seal_all()
    finally:
        await db.dispose()
    print(f"sealed {sealed} rows")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from server.ops.cli import _settings

    return asyncio.run(_verify(_settings()))


def cmd_seal(args: argparse.Namespace) -> int:
    from server.ops.cli import _settings

    return asyncio.run(_seal(_settings()))


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    audit = commands.add_parser("audit", help="the event log's tamper-evident hash chain").add_subparsers(
        dest="action", required=True
    )
    audit.add_parser(
        "verify", help="recompute the chain; exit 1 and name the first broken link if it is broken"
    ).set_defaults(func=cmd_verify)
    audit.add_parser(
        "seal", help="seal every row older than the seal delay now (the server does this by itself)"
    ).set_defaults(func=cmd_seal)
