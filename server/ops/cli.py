"""`tong`: serve, accounts, db, demo (and bench, export, audit where installed)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from typing import cast

from pydantic import ValidationError

from server.contract.vocabulary import ACCOUNT_KINDS, ACCOUNT_STATES, STAFF_ROLES
from server.runtime.settings import Settings


def _settings() -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        messages = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise SystemExit(f"tong: configuration error: {messages}") from None
    _warn_new_relative_database(settings)
    return settings


def _warn_new_relative_database(settings: Settings) -> None:
    """A command run from another directory would silently start a new, empty database under
    `.tong/` there: say so before it happens (production sets TONG_DATA_DIR or DATABASE_URL)."""
    if settings.database_url or settings.data_dir.is_absolute():
        return
    path = settings.data_dir / "tong.db"
    if not path.exists():
        print(
            f"tong: warning: no database at {path.resolve()}; a new, empty one will be created there. "
            "TONG_DATA_DIR is relative to the current directory: set it to an absolute path "
            "(or DATABASE_URL) to use an existing database.",
            file=sys.stderr,
            flush=True,
        )


async def _with_services(settings: Settings, work: Callable[..., object]) -> object:
    from server.services import build_services
    from server.store.migrations import ensure_current

    services = build_services(settings)
    try:
        await ensure_current(services.db, audit_key=settings.resolved_audit_key())
        return await work(services)  # type: ignore[misc]
    finally:
        await services.broker.stop()
        await services.db.dispose()


def cmd_serve(args: argparse.Namespace) -> int:
    from server.ops.serving import serve

    settings = _settings()
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    if args.demo and settings.env == "production":
        print(DEMO_IN_PRODUCTION, file=sys.stderr)
        return 2
    if args.workers > 1 and not settings.redis_url:
        print(
            "tong: --workers above 1 needs REDIS_URL: without a shared broker, processes could not "
            "see each other's events. Set REDIS_URL=redis://127.0.0.1:6379/0 or use one worker.",
            file=sys.stderr,
        )
        return 2
    from server.telemetry import logs

    logs.configure(settings)
    # Once here, before any worker starts, so the message reaches the terminal and not a worker's log.
    asyncio.run(
        _with_database(
            settings,
            _prepare_schema,
            args.migrate or settings.migrate_on_start,
            settings.resolved_audit_key(),
        )
    )
    if args.demo:
        from server.ops import demo

        seeded = asyncio.run(_with_services(settings, demo.seed))
        print("Demo data seeded." if seeded else "Demo data already present.")
        print(demo.credentials())
    print(
        f"Tong at http://{host}:{port}  (database: {_redact(settings.effective_database_url)}, "
        f"broker: {'redis' if settings.redis_url else 'in-process'})",
        flush=True,
    )
    serve(settings, host, port, args.workers)
    return 0


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_accounts_create(args: argparse.Namespace) -> int:
    from server.contract.errors import DomainError

    if not args.password_stdin:
        print("tong: pass the password on standard input with --password-stdin", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n")
    logins = [args.login] if args.count is None else [f"{args.login}-{i}" for i in range(1, args.count + 1)]

    async def create(services: object) -> object:
        return await services.discussion.create_accounts(  # type: ignore[attr-defined]
            logins, password, args.kind, args.role or [], args.department
        )

    try:
        created = cast(list[object], asyncio.run(_with_services(_settings(), create)))
    except DomainError as exc:
        print(f"tong: {exc.message}", file=sys.stderr)
        return 1
    print(
        f"created {len(created)} {args.kind} account(s): {logins[0]}"
        + (f" … {logins[-1]}" if len(logins) > 1 else "")
    )
    return 0


def cmd_accounts_disable(args: argparse.Namespace) -> int:
    """Disable an account: its sessions end, and its open sockets on every process lose the
    staff channel (through the broker, or within seconds from SQL); an `account.changed` row."""
    return _change_account(args.login, "disabled {login}; its sessions are ended", state="disabled")


def cmd_accounts_set_department(args: argparse.Namespace) -> int:
    """Put a staff account in a department of the managed list (or, --none, in none); logged as
    `account.changed`. Admins do the same with PUT /api/staff/departments/{id}/members."""
    from server.contract.errors import DomainError

    if (args.department is None) == (not args.none):
        print("tong: give a department id or --none", file=sys.stderr)
        return 2

    async def change(services: object) -> object:
        departments = services.departments  # type: ignore[attr-defined]
        return await departments.set_member(None, args.login, None if args.none else args.department)

    try:
        asyncio.run(_with_services(_settings(), change))
    except DomainError as exc:
        print(f"tong: {exc.message}", file=sys.stderr)
        return 1
    print(f"{args.login}: department {'none' if args.none else args.department}")
    return 0


def cmd_accounts_email(args: argparse.Namespace) -> int:
    """Set, confirm or remove an account's e-mail address, or its delivery (a running server
    sends the confirmation mail: it is queued in the outbox)."""
    from server.contract.errors import DomainError

    async def change(services: object) -> object:
        mailboxes = services.mailboxes  # type: ignore[attr-defined]
        account_id = await mailboxes.account_id(args.login)
        if account_id is None:
            return None
        result = await mailboxes.settings(account_id)
        if args.remove:
            result = await mailboxes.set_address(account_id, None)
        elif args.address:
            result = await mailboxes.set_address(account_id, args.address, verified=args.verified)
        if args.delivery:
            result = await mailboxes.set_delivery(account_id, args.delivery)
        return result

    try:
        result = asyncio.run(_with_services(_settings(), change))
    except DomainError as exc:
        print(f"tong: {exc.message}", file=sys.stderr)
        return 1
    if result is None:
        print(f"tong: no account {args.login!r}", file=sys.stderr)
        return 1
    shown = cast(dict[str, object], result)
    state = (
        "verified" if shown["verified"] else "waiting for its confirmation link" if shown["address"] else ""
    )
    print(f"{args.login}: {shown['address'] or 'no address'} {state}; delivery {shown['delivery']}".strip())
    return 0


def _change_account(login: str, done: str, **change: object) -> int:
    """Change one account's roles or state as the host's operator: an `account.changed` row, and
    its sessions end on every process when it is disabled or its roles change."""
    from server.contract.errors import DomainError

    async def work(services: object) -> object:
        roster = services.roster  # type: ignore[attr-defined]
        account_id = await roster.find(login)
        if account_id is None:
            return None
        return await roster.change(None, account_id, **change)

    try:
        result = asyncio.run(_with_services(_settings(), work))
    except DomainError as exc:
        print(f"tong: {exc.message}", file=sys.stderr)
        return 1
    if result is None:
        print(f"tong: no account {login!r}", file=sys.stderr)
        return 1
    shown = cast(dict[str, object], result)
    roles = cast(list[str], shown["roles"])
    print(done.format(login=login, roles=", ".join(roles) or "none", state=shown["state"]))
    return 0


def cmd_accounts_enable(args: argparse.Namespace) -> int:
    return _change_account(args.login, "enabled {login}", state="active")


def cmd_accounts_set_roles(args: argparse.Namespace) -> int:
    return _change_account(args.login, "{login}: roles {roles}", roles=sorted(set(args.role or [])))


def cmd_accounts_list(args: argparse.Namespace) -> int:
    """Accounts as the admin list shows them (tab-separated; the last login as a date only)."""

    async def work(services: object) -> object:
        roster = services.roster  # type: ignore[attr-defined]
        rows: list[dict[str, object]] = []
        cursor = None
        while True:
            page = await roster.page(args.q, args.kind, args.role, args.state, cursor, 500)
            rows.extend(page["items"])
            if page["next_cursor"] is None or (args.limit and len(rows) >= args.limit):
                return rows[: args.limit] if args.limit else rows
            cursor = int(page["next_cursor"])

    rows = cast(list[dict[str, object]], asyncio.run(_with_services(_settings(), work)))
    print("id\tlogin\tkind\troles\tstate\tvia\temail\tcreated\tlast_login")
    for row in rows:
        roles = ",".join(cast(list[str], row["roles"]))
        cells = [row["id"], row["login"], row["kind"], roles, row["state"], row["via"], row["email"] or ""]
        print("\t".join(str(c) for c in [*cells, row["created"] or "", row["last_login"] or ""]))
    return 0


def cmd_accounts_import(args: argparse.Namespace) -> int:
    """Create accounts from a CSV (`login,email,kind,roles`), each mailed an invitation to set its
    password (a running server sends them: they are queued in the outbox); all or none."""
    from server.contract.errors import DomainError

    if args.file == "-":
        text = sys.stdin.read()
    else:
        with open(args.file, encoding="utf-8-sig") as file:
            text = file.read()

    async def work(services: object) -> object:
        return await services.roster.import_csv(None, text)  # type: ignore[attr-defined]

    try:
        result = cast(dict[str, object], asyncio.run(_with_services(_settings(), work)))
    except DomainError as exc:
        print(f"tong: {exc.message}", file=sys.stderr)
        return 1
    created = cast(list[dict[str, object]], result["created"])
    print(f"imported {len(created)} account(s); an invitation mail is queued for each")
    return 0


def _account_admin_parsers(accounts: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listing = accounts.add_parser("list", help="list accounts (newest first; last login as a date)")
    listing.add_argument("--q", help="part of a login or an e-mail address")
    listing.add_argument("--kind", choices=list(ACCOUNT_KINDS))
    listing.add_argument("--role", choices=list(STAFF_ROLES))
    listing.add_argument("--state", choices=list(ACCOUNT_STATES))
    listing.add_argument("--limit", type=int, default=0, help="at most this many (0: all)")
    listing.set_defaults(func=cmd_accounts_list)
    enable = accounts.add_parser("enable", help="enable a disabled account")
    enable.add_argument("login")
    enable.set_defaults(func=cmd_accounts_enable)
    roles = accounts.add_parser("set-roles", help="set a staff account's roles (none: no --role)")
    roles.add_argument("login")
    roles.add_argument("--role", action="append", choices=list(STAFF_ROLES))
    roles.set_defaults(func=cmd_accounts_set_roles)
    importing = accounts.add_parser(
        "import", help="create accounts from CSV (login,email,kind,roles), invited by mail"
    )
    importing.add_argument("file", help="the CSV file, or - for standard input")
    importing.set_defaults(func=cmd_accounts_import)


async def _with_database(settings: Settings, work: Callable[..., object], *args: object) -> object:
    from server.store.database import Database

    db = Database(settings.effective_database_url, pool_size=2)
    try:
        return await work(db, *args)  # type: ignore[misc]
    finally:
        await db.dispose()


async def _prepare_schema(db: object, upgrade: bool, audit_key: bytes | None) -> None:
    from server.store.migrations import ensure_current

    found = await ensure_current(db, upgrade_if_behind=upgrade, audit_key=audit_key)  # type: ignore[arg-type]
    print(f"schema: {found.describe()}", flush=True)


async def _upgrade(db: object, revision: str, audit_key: bytes) -> object:
    from server.store import migrations

    return await migrations.upgrade(db, revision, audit_key=audit_key)  # type: ignore[arg-type]


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from server.store import migrations

    found = cast(
        "migrations.SchemaState",
        asyncio.run(
            _with_database(settings := _settings(), _upgrade, args.revision, settings.resolved_audit_key())
        ),
    )
    print(f"schema: {found.describe()}")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    from server.store import migrations

    found = cast("migrations.SchemaState", asyncio.run(_with_database(_settings(), migrations.state)))
    print(found.describe())
    if found.up_to_date:
        print("up to date")
        return 0
    print("behind head: run `tong db upgrade`" if not found.unknown else "ahead of this release")
    return 1


def cmd_db_history(args: argparse.Namespace) -> int:
    from server.store import migrations

    sys.stdout.write(migrations.history_text())
    return 0


def cmd_db_check(args: argparse.Namespace) -> int:
    """Alembic's `check`: upgrade the database to head, then compare it with the models."""
    from server.store import migrations

    async def check(db: object) -> list[object]:
        await migrations.upgrade(db)  # type: ignore[arg-type]
        return await migrations.differences(db)  # type: ignore[arg-type]

    found = cast(list[object], asyncio.run(_with_database(_settings(), check)))
    if found:
        print("the models differ from the migrations; write a revision (tong db revision -m ...):")
        for difference in found:
            print(f"  {difference}")
        return 1
    print("models and migrations agree")
    return 0


def cmd_db_revision(args: argparse.Namespace) -> int:
    """Autogenerate the next revision against a scratch SQLite database upgraded to head."""
    import tempfile

    from server.store import migrations
    from server.store.database import Database

    async def write(url: str) -> str:
        db = Database(url, pool_size=2)
        try:
            return await migrations.write_revision(db, args.message)
        finally:
            await db.dispose()

    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite+aiosqlite:///{scratch}/scratch.db"
        path = asyncio.run(write(url))
    print(f"wrote {path}: read it, adjust it, then run `tong db check`")
    return 0


def cmd_db_schema(args: argparse.Namespace) -> int:
    """schema.sql: the schema of DATABASE_URL (PostgreSQL, at head) as pg_dump prints it, normalised."""
    from server.ops import schema
    from server.store import migrations

    settings = _settings()

    async def dump(db: object) -> str:
        found = await migrations.state(db)  # type: ignore[arg-type]
        if not found.up_to_date:
            raise migrations.SchemaError(f"{found.describe()}: run `tong db upgrade` on it first")
        return await schema.dump(settings.effective_database_url, found.head[0])

    try:
        sys.stdout.write(cast(str, asyncio.run(_with_database(settings, dump))))
    except (ValueError, RuntimeError) as exc:
        print(f"tong: {exc}", file=sys.stderr)
        return 2
    return 0


# The demo's accounts share one published password (`tong-demo-2026`), admin included.
DEMO_IN_PRODUCTION = (
    "tong: refusing to seed demo data with TONG_ENV=production: the demo's accounts (admin among "
    "them) share a published password. Create real accounts with `tong accounts create`."
)


def cmd_demo(args: argparse.Namespace) -> int:
    from server.ops import demo

    settings = _settings()
    if settings.env == "production":
        print(DEMO_IN_PRODUCTION, file=sys.stderr)
        return 2
    seeded = asyncio.run(_with_services(settings, demo.seed))
    print("Demo data seeded." if seeded else "Demo data already present.")
    print(demo.credentials())
    return 0


async def _reindex(db: object, batch: int) -> int:
    """Rebuild every thread's search document, `batch` threads per transaction, with a progress bar."""
    import sqlalchemy as sa
    from tqdm import tqdm

    from server.store import analyser, search
    from server.store.database import Database
    from server.store.models import Thread

    assert isinstance(db, Database)
    await analyser.ready()
    async with db.read() as session:
        total = (await session.execute(sa.select(sa.func.count()).select_from(Thread))).scalar_one()
    done = 0
    after = 0
    with tqdm(total=total, unit="thread", desc="search reindex", file=sys.stderr) as bar:
        while True:
            # Queued, then flushed as the server flushes: the analysis runs before each short
            # write transaction, so serving processes never wait for it.
            async with db.transaction() as session:
                ids = list(
                    (
                        await session.execute(
                            sa.select(Thread.id).where(Thread.id > after).order_by(Thread.id).limit(batch)  # type: ignore[call-overload,arg-type,operator]
                        )
                    ).scalars()
                )
                await search.queue_rebuilds(session, ids)
            if not ids:
                return done
            await search.flush(db)
            after = ids[-1]
            done += len(ids)
            bar.update(len(ids))


def cmd_search_reindex(args: argparse.Namespace) -> int:
    """Index every thread's public text again (after upgrading to the search revision, or to
    apply a new analyser); safe while serving: each thread is rebuilt in its own batch."""
    settings = _settings()
    asyncio.run(_with_database(settings, _prepare_schema, False, None))
    done = asyncio.run(_with_database(settings, _reindex, args.batch))
    print(f"search: {done} threads indexed", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tong", description="Tong (通): real-time public discussion server")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", help="default TONG_HOST (127.0.0.1)")
    serve.add_argument("--port", type=int, help="default TONG_PORT (8000)")
    serve.add_argument("--workers", type=int, default=1, help="processes (above 1 needs REDIS_URL)")
    serve.add_argument("--demo", action="store_true", help="seed demo data in Korean first (once)")
    serve.add_argument(
        "--migrate", action="store_true", help="upgrade a database behind the code first (else refuse)"
    )
    serve.set_defaults(func=cmd_serve)

    accounts = commands.add_parser("accounts", help="manage accounts").add_subparsers(
        dest="action", required=True
    )
    create = accounts.add_parser("create", help="create an account (or --count numbered ones)")
    create.add_argument("login")
    create.add_argument("--kind", required=True, choices=["company", "agency", "staff"])
    create.add_argument("--role", action="append", choices=list(STAFF_ROLES))
    create.add_argument("--department")
    create.add_argument("--count", type=int, help="create LOGIN-1 … LOGIN-N sharing the password")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.set_defaults(func=cmd_accounts_create)
    disable = accounts.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("login")
    disable.set_defaults(func=cmd_accounts_disable)
    _account_admin_parsers(accounts)
    department = accounts.add_parser("set-department", help="a staff account's department (the managed list)")
    department.add_argument("login")
    department.add_argument("department", nargs="?", type=int, help="the department's id")
    department.add_argument("--none", action="store_true", help="in no department")
    department.set_defaults(func=cmd_accounts_set_department)
    email = accounts.add_parser("email", help="an account's e-mail address and how notices are mailed")
    email.add_argument("login")
    email.add_argument("address", nargs="?", help="a new address: a confirmation link is mailed to it")
    email.add_argument("--verified", action="store_true", help="the operator vouches: no confirmation")
    email.add_argument("--remove", action="store_true", help="remove the address")
    email.add_argument("--delivery", choices=["immediate", "daily", "none"], help="daily: a digest in KST")
    email.set_defaults(func=cmd_accounts_email)

    db = commands.add_parser("db", help="database").add_subparsers(dest="action", required=True)
    upgrade = db.add_parser("upgrade", help="upgrade the schema (under a lock; safe to run twice)")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(func=cmd_db_upgrade)
    # `init` was create_all; now the same as upgrading an empty database to head.
    db.add_parser("init", help="create the tables: upgrade to head").set_defaults(
        func=cmd_db_upgrade, revision="head"
    )
    db.add_parser("current", help="the schema revision (exit 1 when behind head)").set_defaults(
        func=cmd_db_current
    )
    db.add_parser("history", help="the schema revisions").set_defaults(func=cmd_db_history)
    db.add_parser("check", help="fail when the models and the migrations differ").set_defaults(
        func=cmd_db_check
    )
    revision = db.add_parser("revision", help="write the next revision from the models (autogenerate)")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--database-url", help="compare with this database instead of a scratch SQLite")
    revision.set_defaults(func=cmd_db_revision)
    db.add_parser(
        "schema", help="print the PostgreSQL schema (pg_dump of DATABASE_URL at head)"
    ).set_defaults(func=cmd_db_schema)

    commands.add_parser("demo", help="seed demo data (once)").set_defaults(func=cmd_demo)
    searching = commands.add_parser("search", help="the search index").add_subparsers(
        dest="action", required=True
    )
    reindex = searching.add_parser("reindex", help="index every thread again (progress bar)")
    reindex.add_argument("--batch", type=int, default=200, help="threads per transaction")
    reindex.set_defaults(func=cmd_search_reindex)

    _register_optional(commands)
    return parser


def _register_optional(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Commands that live in their own modules register themselves here."""
    import importlib

    for module in (
        "tong_bench.command",
        "server.ops.export",
        "server.ops.audit",
        "server.ops.backup",
        "server.ops.attachments",
        "server.ops.erasure",
    ):
        try:
            importlib.import_module(module).register(commands)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module.startswith(exc.name):
                raise
            if module.startswith("tong_bench"):
                _register_bench_hint(commands)


# The load tool is a distribution of its own (bench/ in the source tree) so the server's wheel
# does not ship it; without it, `tong bench` says how to get it instead of "invalid choice".
BENCH_MISSING = (
    "tong bench: the load tool is not installed in this environment. It is a separate distribution "
    "in the bench/ directory of Tong's source tree: run `scripts/install bench` there, or "
    "`pip install ./bench` into the environment that has Tong."
)


def _register_bench_hint(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    bench = commands.add_parser("bench", help="load tool (not installed)", add_help=False)
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    bench.set_defaults(func=_bench_missing)


def _bench_missing(args: argparse.Namespace) -> int:
    print(BENCH_MISSING, file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    from server.store.migrations import SchemaError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SchemaError as exc:
        print(f"tong: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
