"""`tong export`: the event log as CSV (Excel-ready, with a BOM) or JSON Lines, streamed in keyset
batches, with the filters of `GET /api/staff/events`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from typing import IO, Any

from sqlalchemy import func, select

from server.desk.review import LogFilter
from server.store.models import Account, Event
from server.text.validation import parse_time

ACTOR_KINDS = ("company", "agency", "staff")


def _filter(args: argparse.Namespace) -> LogFilter:
    return LogFilter(
        after_id=args.after_id,
        thread_id=args.thread_id,
        type=args.type,
        since=parse_time(args.from_, "from"),
        until=parse_time(args.to, "to"),
        actor_kind=args.actor_kind,
    )


async def count_rows(services: Any, log_filter: LogFilter) -> int:
    stmt = select(func.count()).select_from(Event).outerjoin(Account, Account.id == Event.actor_account_id)
    async with services.db.read() as s:
        return int((await s.execute(log_filter.apply(stmt))).scalar_one())


async def write_export(
    services: Any,
    log_filter: LogFilter,
    fmt: str,
    out: IO[bytes],
    progress: Any | None = None,
    lang: str = "en",
) -> int:
    """Write every matching row to `out`; returns the number of rows written."""
    chunks: AsyncIterator[str] = (
        services.review.export_csv(log_filter, lang)
        if fmt == "csv"
        else services.review.export_jsonl(log_filter)
    )
    # Each line is one row (the payload's JSON escapes newlines); CSV's first line is its header.
    header = 1 if fmt == "csv" else 0
    rows = 0
    async for chunk in chunks:
        out.write(chunk.encode("utf-8"))
        lines = chunk.count("\n") - header
        header = 0
        rows += lines
        if progress is not None:
            progress.update(lines)
    return rows


def cmd_export(args: argparse.Namespace) -> int:
    from server.contract.errors import DomainError
    from server.ops.cli import _settings, _with_services

    try:
        log_filter = _filter(args)
    except DomainError as exc:
        print(f"tong: {exc.message}", file=sys.stderr)
        return 2

    async def run(services: Any) -> int:
        if args.output in (None, "-"):
            written = await write_export(services, log_filter, args.format, sys.stdout.buffer, lang=args.lang)
            sys.stdout.buffer.flush()
            return written
        from tqdm import tqdm

        total = await count_rows(services, log_filter)
        with (
            # A command-line run: nothing else waits on this loop while the file is written.
            open(args.output, "wb") as out,  # noqa: ASYNC230
            tqdm(total=total, unit="rows", unit_scale=True, file=sys.stderr, disable=args.quiet) as bar,
        ):
            written = await write_export(services, log_filter, args.format, out, bar, args.lang)
        print(f"wrote {written} rows to {args.output}", file=sys.stderr)
        return written

    asyncio.run(_with_services(_settings(), run))
    return 0


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    export = commands.add_parser(
        "export", help="export the event log (CSV for Excel, or JSON Lines), streamed in batches"
    )
    export.add_argument("--from", dest="from_", help="from this time (ISO 8601; no zone = KST), inclusive")
    export.add_argument("--to", help="up to this time (ISO 8601; no zone = KST), exclusive")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    export.add_argument(
        "--lang", choices=("en", "ko"), default="en", help="CSV: ko gives Korean headers and KST times"
    )
    export.add_argument("--output", "-o", help="write to this file (with a progress bar); default stdout")
    export.add_argument("--type", help="event types, comma-separated (e.g. comment.hidden,comment.restored)")
    export.add_argument("--thread-id", type=int)
    export.add_argument("--actor-kind", choices=ACTOR_KINDS)
    export.add_argument("--after-id", type=int, help="only rows with a larger log id (resume an export)")
    export.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    export.set_defaults(func=cmd_export)
