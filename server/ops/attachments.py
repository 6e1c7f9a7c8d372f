"""`tong attachments gc`: uploads never attached within a day, and kept files no row names.

Safe while servers run: a file is removed only once no row references its sha256, and an upload
younger than a day is never touched, so a composer still open keeps its files.
"""

from __future__ import annotations

import argparse
import asyncio

from server.runtime.settings import Settings


async def _gc(settings: Settings) -> tuple[int, int]:
    from server.services import attachments_for
    from server.store.database import Database

    db = Database(settings.effective_database_url, pool_size=2)
    try:
        return await attachments_for(settings, db).gc()
    finally:
        await db.dispose()


def cmd_gc(args: argparse.Namespace) -> int:
    settings = Settings()
    rows, files = asyncio.run(_gc(settings))
    print(f"attachments: {rows} unattached uploads and {files} unreferenced files removed", flush=True)
    return 0


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    attachments = commands.add_parser("attachments", help="attached files").add_subparsers(
        dest="action", required=True
    )
    attachments.add_parser(
        "gc", help="remove uploads never attached within a day and files nothing references"
    ).set_defaults(func=cmd_gc)
