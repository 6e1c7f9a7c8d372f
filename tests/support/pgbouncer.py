"""A PgBouncer of a test's own, in transaction pooling mode, in front of the machine's PostgreSQL,
on a port chosen free at start and stopped by PID."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.support.servers import POSTGRES_ADMIN_URL, _free_port


def _binary() -> str | None:
    # Debian installs it in /usr/sbin, which an unprivileged PATH may leave out.
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")


def missing_binary() -> str | None:
    if _binary() is None:
        return "pgbouncer is not installed (Debian package pgbouncer)"
    return None


class PgBouncer:
    def __init__(self, pool_size: int = 4) -> None:
        self.port = _free_port()
        self.pool_size = pool_size
        self.process: subprocess.Popen[bytes] | None = None
        # PgBouncer refuses to run as root; as root it is started as `postgres`, which must be able
        # to read its files: a world-readable directory of its own, not pytest's private tmp.
        self.directory = Path(tempfile.mkdtemp(prefix="tong-pgbouncer-"))
        self.directory.chmod(0o777)
        self.upstream = make_url(POSTGRES_ADMIN_URL)

    def url(self, database: str) -> str:
        """The URL Tong is given: the database through PgBouncer, marked as such."""
        return (
            self.upstream.set(host="127.0.0.1", port=self.port, database=database).render_as_string(
                hide_password=False
            )
            + "?pgbouncer=true"
        )

    def through(self, direct_url: str) -> str:
        database = make_url(direct_url).database
        assert database is not None
        return self.url(database)

    async def start(self) -> None:
        user = self.upstream.username or "postgres"
        (self.directory / "userlist.txt").write_text(f'"{user}" ""\n')
        (self.directory / "pgbouncer.ini").write_text(
            "\n".join(
                [
                    "[databases]",
                    f"* = host={self.upstream.host or '127.0.0.1'} port={self.upstream.port or 5432}",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    "unix_socket_dir =",
                    # The machine's PostgreSQL trusts loopback; PgBouncer only passes users through.
                    "auth_type = trust",
                    f"auth_file = {self.directory / 'userlist.txt'}",
                    "pool_mode = transaction",
                    # Fewer server connections than the two servers' pools hold client connections:
                    # the test only passes if transactions really share them.
                    f"default_pool_size = {self.pool_size}",
                    "max_client_conn = 1000",
                    f"admin_users = {user}",
                    f"logfile = {self.directory / 'pgbouncer.log'}",
                    "",
                ]
            )
        )
        for path in self.directory.iterdir():
            path.chmod(0o666)
        binary = _binary()
        assert binary is not None, missing_binary()
        command = [binary, str(self.directory / "pgbouncer.ini")]
        if os.geteuid() == 0:
            command[1:1] = ["-u", "postgres"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(100):
            if self.process.poll() is not None:
                _, err = self.process.communicate()
                raise RuntimeError(f"pgbouncer exited: {err.decode()}")
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("pgbouncer did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)
