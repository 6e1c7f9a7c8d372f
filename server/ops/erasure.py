"""`tong erasure reclaim | ledger`: finish an erasure's reclaim, or show the erasure ledger.

An erasure reclaims the space its text held at once (store/reclaim.py); on PostgreSQL a
`VACUUM FULL` that could not have its lock within `lock_timeout` is left undone and said so. This
command runs the reclaim again, at a quiet hour."""

from __future__ import annotations

import argparse
import asyncio

from server.runtime.settings import Settings
from server.store.database import Database
from server.store.erasures import Ledger
from server.store.migrations import ensure_current
from server.store.reclaim import reclaim

EXIT_OK, EXIT_INCOMPLETE = 0, 1


async def _reclaim(settings: Settings) -> int:
    db = Database(settings.effective_database_url, pool_size=2)
    try:
        await ensure_current(db)
        done = await reclaim(db)
    finally:
        await db.dispose()
    for step, ms in done.timings_ms.items():
        print(f"{step}: {ms:.0f} ms")
    for problem in done.problems:
        print(f"NOT DONE {problem}")
    return EXIT_OK if done.complete else EXIT_INCOMPLETE


def cmd_reclaim(args: argparse.Namespace) -> int:
    from server.ops.cli import _settings

    return asyncio.run(_reclaim(_settings()))


def cmd_ledger(args: argparse.Namespace) -> int:
    from server.ops.cli import _settings

    ledger = Ledger(_settings().erasure_ledger_path)
    print(f"# {ledger.path}")
    for entry in ledger.entries():
        print(f"{entry.at} {entry.kind} {entry.id} (created {entry.created_at})")
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    erasure = commands.add_parser("erasure", help="erased posts: reclaim their space, show the ledger")
    actions = erasure.add_subparsers(dest="action", required=True)
    actions.add_parser(
        "reclaim",
        help="VACUUM FULL the tables that hold text (PostgreSQL) or optimise the index and truncate "
        "the WAL (SQLite); exit 1 if a lock could not be had",
    ).set_defaults(func=cmd_reclaim)
    actions.add_parser(
        "ledger", help="the erasures `tong restore` re-applies (TONG_ERASURE_LEDGER_FILE)"
    ).set_defaults(func=cmd_ledger)
