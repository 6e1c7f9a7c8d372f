"""schema.sql: `pg_dump --schema-only` of a PostgreSQL database the migrations brought to head,
with what differs between runs and machines (version banners, session settings) taken out."""

from __future__ import annotations

import asyncio
import re
import shutil

from sqlalchemy.engine import make_url

HEADER = (
    "-- Tong schema for PostgreSQL at revision {revision}: `tong db schema`, i.e. pg_dump --schema-only\n"
    "-- of a database upgraded to head by server/migrations. Do not edit; write a revision.\n"
)
# Lines of pg_dump's output that name the versions, the session or a random key, not the schema.
NOISE = re.compile(r"^(\\restrict |\\unrestrict |-- Dumped (from|by) |SET |SELECT pg_catalog\.set_config\()")


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as pg_dump takes it: no driver name, no Tong-only parameters."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError("`tong db schema` dumps a PostgreSQL database; set DATABASE_URL to one at head")
    parsed = parsed.set(drivername="postgresql").difference_update_query(["pgbouncer"])
    return parsed.render_as_string(hide_password=False)


def normalise(dump: str, revision: str) -> str:
    lines = [line.rstrip() for line in dump.splitlines() if not NOISE.match(line)]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return HEADER.format(revision=revision) + "\n" + text + "\n"


async def dump(url: str, revision: str) -> str:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise RuntimeError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    process = await asyncio.create_subprocess_exec(
        pg_dump,
        "--schema-only",
        "--no-owner",
        "--no-privileges",
        libpq_url(url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"pg_dump failed: {err.decode().strip()}")
    return normalise(out.decode(), revision)
