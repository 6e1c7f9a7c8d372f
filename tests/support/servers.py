"""Real servers for tests: uvicorn in this event loop, or `tong serve` in its own process, on a
fresh SQLite file or a fresh PostgreSQL database, with the in-process broker or Redis."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from server.ops.serving import uvicorn_config
from server.runtime.settings import Settings
from server.services import Services
from tests.support.clients import PASSWORD, Http, unique

POSTGRES_ADMIN_URL = os.environ.get(
    "TONG_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() == "true"
# How long a `tong serve` process may take to answer /readyz: a guard against a hang, not a
# measure. 30 s failed the stream model's set-up (`server did not become ready`) with the machine
# at load 10+: the import alone takes seconds then, and /readyz waits for the broker's probe.
READY_TIMEOUT_S = 120.0

# Tests need no slow password hashing, no write limits and no budget of ops per socket (the tests
# of each limit turn it back on).
TEST_ENV = {
    "TONG_ARGON2_TIME_COST": "1",
    "TONG_ARGON2_MEMORY_COST": "1024",
    "TONG_RATE_LIMIT_PER_MINUTE": "0",
    "TONG_LOGIN_LIMIT_PER_MINUTE": "0",
    "TONG_SEARCH_LIMIT_PER_MINUTE": "0",
    "TONG_WS_OPS_PER_SECOND": "0",
    "TONG_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    "TONG_AUDIT_KEY": "test-audit-key-that-is-long-enough-9876543210",
}


@dataclass
class Stack:
    """A database and a broker: the embedded pair, or PostgreSQL and Redis."""

    name: str
    tmp: Path
    postgres: bool = False
    _databases: list[str] = field(default_factory=list)

    async def fresh_settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {k.removeprefix("TONG_").lower(): v for k, v in TEST_ENV.items()}
        values["data_dir"] = self.tmp / uuid.uuid4().hex[:8]
        if self.postgres:
            values["database_url"] = await self._new_database()
            values["redis_url"] = REDIS_URL
            values["redis_prefix"] = f"tongtest-{uuid.uuid4().hex[:8]}:"
        else:
            values["database_url"] = f"sqlite+aiosqlite:///{values['data_dir'] / 'tong.db'}"
        values.update(overrides)
        return Settings.model_validate(_aliased(values))

    async def _new_database(self) -> str:
        import asyncpg

        name = f"tong_test_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self._databases.append(name)
        return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    async def drop_databases(self) -> None:
        if not self._databases:
            return
        import asyncpg

        conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL))
        try:
            for name in self._databases:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def _aliased(values: dict[str, Any]) -> dict[str, Any]:
    renamed = dict(values)
    for env_name in ("database_url", "redis_url"):
        if env_name in renamed:
            renamed[env_name.upper()] = renamed.pop(env_name)
    return renamed


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def services_available() -> str | None:
    """None when PostgreSQL and Redis answer; else why not."""
    import asyncpg
    from redis.asyncio import Redis

    try:
        conn = await asyncio.wait_for(asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL)), 3)
        await conn.close()
    except Exception as exc:
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}"
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as exc:
        return f"Redis not reachable at {REDIS_URL}: {exc}"
    finally:
        await client.aclose()
    return None


class InProcessServer:
    """uvicorn serving create_app(settings) in this event loop; the app's services are at hand."""

    def __init__(self, settings: Settings, port: int = 0) -> None:
        self.settings = settings
        # A port chosen beforehand when the settings must name it (TONG_PUBLIC_URL for single
        # sign-on's redirect URI); 0 lets the kernel choose.
        self.config = uvicorn_config(settings, "127.0.0.1", port, log_level="warning")
        self.server = uvicorn.Server(self.config)
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    @property
    def services(self) -> Services:
        return self.config.app.state.services  # type: ignore[union-attr]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def start(self) -> InProcessServer:
        self.server.config.setup_event_loop = lambda: None  # type: ignore[method-assign]
        self._task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("server stopped during start-up")
            await asyncio.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task is None:
            return
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._task), 20)
        except TimeoutError:
            # Once in a CI run of 1,400 tests a shutdown outlived 15 s and failed a test that had
            # passed: what was still running is written out for the next look, and the server is
            # cancelled as systemd's stop timeout would end it.
            stacks = io.StringIO()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.print_stack(limit=8, file=stacks)
            running = stacks.getvalue()
            # Past pytest's capture (and not a warning: the suite turns warnings into errors).
            print(f"uvicorn did not stop within 20 s; tasks still running:\n{running}", file=sys.__stderr__)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, 10)

    async def accounts(self, kind: str = "company", count: int = 1, roles: tuple[str, ...] = ()) -> list[str]:
        logins = [unique(kind) for _ in range(count)]
        await self.services.discussion.create_accounts(logins, PASSWORD, kind, list(roles))
        return logins

    async def user(self, kind: str = "company", roles: tuple[str, ...] = ()) -> Http:
        (login,) = await self.accounts(kind, 1, roles)
        client = Http(self.base_url)
        await client.login(login)
        return client


class ProcessServer:
    """`python -m server serve` in its own process (several of them share PostgreSQL and Redis)."""

    def __init__(self, settings: Settings, workers: int = 1, env: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.workers = workers
        self.extra_env = env or {}
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def environment(self) -> dict[str, str]:
        env = {**os.environ, **TEST_ENV}
        env["DATABASE_URL"] = self.settings.effective_database_url
        env["REDIS_URL"] = self.settings.redis_url
        env["TONG_REDIS_PREFIX"] = self.settings.redis_prefix
        env["TONG_DATA_DIR"] = str(self.settings.data_dir)
        env["TONG_WS_DEFLATE"] = "true" if self.settings.ws_deflate else "false"
        env["TONG_DEGRADED_POLL_INTERVAL"] = str(self.settings.degraded_poll_interval)
        env.update(self.extra_env)
        return env

    async def start(self) -> ProcessServer:
        # The log goes to a file: an unread pipe would fill up and stall the server.
        self.log_path = Path(self.settings.data_dir) / f"server-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = ["serve", "--port", str(self.port), "--workers", str(self.workers)]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server", *command],
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(self.log_path.read_text())
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(self.base_url + "/readyz")).status_code == 200:
                        return self
                await asyncio.sleep(0.1)
        raise RuntimeError("server did not become ready")

    async def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.to_thread(self.process.wait, 20)


class PrivateRedis:
    """A redis-server of the test's own on a free port, so it can be killed, paused and restarted."""

    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None, "redis-server is needed for the outage tests"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def pause(self) -> None:
        """SIGSTOP: connections stay open and silent, as with a hung host."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None:
            self.resume()
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    return _free_port()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (Debian's initdb/pg_ctl, run as `postgres`) on a free
    port in a temporary directory, so it can be shut down and restarted without touching the
    machine's own."""

    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.directory = directory
        self.data = directory / "pgdata"

    @staticmethod
    def binaries() -> Path | None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        return found[-1].parent if found else None

    @staticmethod
    def missing() -> str | None:
        """None when a private cluster can be made here; else why not."""
        if PrivatePostgres.binaries() is None:
            return "Debian's PostgreSQL server binaries are not installed"
        if os.geteuid() != 0 or shutil.which("runuser") is None:
            return "a private PostgreSQL cluster needs root (to run initdb as the postgres user)"
        return None

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True)

    async def start(self) -> None:
        bin_dir = self.binaries()
        assert bin_dir is not None
        if not self.data.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            shutil.chown(self.directory, "postgres", "postgres")
            await asyncio.to_thread(
                self._run, str(bin_dir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
            )
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        await asyncio.to_thread(
            self._run,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.directory / "postgres.log"),
            "-w",
            "start",
        )

    @property
    def pid(self) -> int | None:
        pid_file = self.data / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError):
            return int(pid_file.read_text().split()[0])
        return None

    async def stop_immediately(self) -> None:
        """Immediate shutdown (SIGQUIT to the postmaster): sessions are cut, nothing is flushed."""
        pid = self.pid
        if pid is None:
            return
        os.kill(pid, signal.SIGQUIT)
        for _ in range(200):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            await asyncio.sleep(0.05)
        os.kill(pid, signal.SIGKILL)

    async def destroy(self) -> None:
        await self.stop_immediately()
        shutil.rmtree(self.directory, ignore_errors=True)
