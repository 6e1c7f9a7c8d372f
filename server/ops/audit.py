"""`tong audit verify | seal`: check the event log's keyed hash chain (and its checkpoints), or
seal what is waiting now."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from server.events.sealing import Verdict, verify
from server.runtime.settings import Settings
from server.services import sealer_for
from server.store.database import Database
from server.store.migrations import ensure_current

EXIT_OK, EXIT_BROKEN = 0, 1


async def check(db: Database, settings: Settings, checkpoints: Path | None = None) -> Verdict:
    """The chain's verdict with TONG_AUDIT_KEY, compared with `checkpoints` when given: what
    `tong audit verify` prints, and what `tong restore` checks (without the checkpoint file, which
    an older backup is expected to end before)."""
    return await verify(db, settings.resolved_audit_key(), checkpoints)


async def verify_database(settings: Settings, checkpoints: Path | None = None) -> Verdict:
    """The chain of the settings' database, checked with TONG_AUDIT_KEY and the checkpoint file
    (`checkpoints`, else the settings')."""
    db = Database(settings.effective_database_url, pool_size=2)
    try:
        await ensure_current(db)
        return await check(db, settings, checkpoints or settings.checkpoint_path)
    finally:
        await db.dispose()


async def _verify(settings: Settings, checkpoints: Path | None) -> int:
    return report(await verify_database(settings, checkpoints))


def report(verdict: Verdict) -> int:
    """Print the verdict; the exit status."""
    if not verdict.ok:
        where = f"at event {verdict.broken_id}" if verdict.broken_id is not None else "after the chain's end"
        print(f"BROKEN {where}: {verdict.problem}")
        print(f"{verdict.checked} sealed rows before it verified")
        return EXIT_BROKEN
    print(
        f"OK: {verdict.checked} sealed rows verified ({verdict.erased} erased), {verdict.checkpoints} "
        f"checkpoints matched; {verdict.unsealed} newer rows not sealed yet"
    )
    if verdict.erased_ids:
        shown = ", ".join(str(i) for i in verdict.erased_ids[:20])
        more = f" and {len(verdict.erased_ids) - 20} more" if len(verdict.erased_ids) > 20 else ""
        print(f"erased payloads (their hashes still chained): events {shown}{more}")
    if verdict.head_id is not None:
        print(f"head: position {verdict.head_position} event {verdict.head_id} chain {verdict.head_hash}")
    return EXIT_OK


async def _seal(settings: Settings) -> int:
    db = Database(settings.effective_database_url, pool_size=2)
    try:
        await ensure_current(db)
        sealed = await sealer_for(settings, db).seal_all()
    finally:
        await db.dispose()
    print(f"sealed {sealed} rows")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from server.ops.cli import _settings

    return asyncio.run(_verify(_settings(), args.checkpoints))


def cmd_seal(args: argparse.Namespace) -> int:
    from server.ops.cli import _settings

    return asyncio.run(_seal(_settings()))


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    audit = commands.add_parser("audit", help="the event log's tamper-evident hash chain").add_subparsers(
        dest="action", required=True
    )
    verifying = audit.add_parser(
        "verify",
        help="recompute the chain with TONG_AUDIT_KEY and compare it with the checkpoints; exit 1 "
        "and name the first broken link if it is broken",
    )
    verifying.add_argument(
        "--checkpoints",
        type=Path,
        default=None,
        help="the checkpoint file to compare with (default: TONG_AUDIT_CHECKPOINT_FILE)",
    )
    verifying.set_defaults(func=cmd_verify)
    audit.add_parser(
        "seal", help="seal every committed row now (the server does this by itself)"
    ).set_defaults(func=cmd_seal)
