"""Start the server under test (Tong or the bare floor) in a throwaway environment, and stop it.

A spawned Tong gets a fresh SQLite file in a temporary directory, or a fresh PostgreSQL database
that is dropped afterwards, accounts for the posters, and no write rate limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .limits import raise_open_files_limit

READY_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0


@dataclass
class Endpoint:
    """Where the server under test answers, and what the tool knows about it."""

    name: str
    http_url: str
    ws_url: str
    # Root pids to sample with psutil; empty when only /metrics can be read.
    pids: dict[int, str] = field(default_factory=dict)
    description: str = ""
    spawned: bool = False
    # The Redis (or Redis Cluster) the server publishes through, to count what a run cost it.
    redis_url: str | None = None


@dataclass
class SpawnOptions:
    target: str = "tong"  # tong | bare
    workers: int = 1
    db: str = "sqlite"  # sqlite | postgres
    broker: str = "memory"  # memory | redis | cluster (REDIS_URL=redis+cluster://…)
    deflate: bool = False
    accounts: int = 20
    account_prefix: str = "bench"
    password: str = "bench-password"
    postgres_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    redis_url: str = "redis://127.0.0.1:6379/0"
    log_dir: str | None = None
    worker_start: str = "fork"  # fork | spawn (TONG_WORKER_START)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def wait_ready(url: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode} before it was ready")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise TimeoutError(f"{url}/readyz did not answer 200 within {timeout:.0f} s")


class SpawnedServer:
    """An async context manager yielding the Endpoint of a freshly started server."""

    def __init__(self, options: SpawnOptions) -> None:
        self.options = options
        self.tmp = Path(tempfile.mkdtemp(prefix="tong-bench-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.database: str | None = None
        self.log_path = self.tmp / "server.log"

    async def __aenter__(self) -> Endpoint:
        try:
            if self.options.target == "bare":
                return await self._start_floor()
            return await self._start_tong()
        except Exception as exc:
            tail = self.log_tail()
            await self.stop()
            raise RuntimeError(f"could not start {self.options.target}: {exc}\n{tail}") from exc
        except BaseException:
            await self.stop()
            raise

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _popen(self, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed by stop()
        self._log = log
        return subprocess.Popen(
            argv,
            # Tong is installed in this interpreter's environment; run it outside any checkout.
            cwd=self.tmp,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=raise_open_files_limit,
            start_new_session=True,
        )

    async def _start_floor(self) -> Endpoint:
        port, ws_port = free_port(), free_port()
        argv = [sys.executable, "-m", "tong_bench.floor", "--port", str(port), "--ws-port", str(ws_port)]
        if self.options.deflate:
            argv.append("--deflate")
        self.process = self._popen(argv, dict(os.environ))
        url = f"http://127.0.0.1:{port}"
        await wait_ready(url, READY_TIMEOUT, self.process)
        return Endpoint(
            name="bare",
            http_url=url,
            ws_url=f"ws://127.0.0.1:{ws_port}/ws",
            pids={self.process.pid: "bare floor"},
            description="bare websockets + broadcast()" + (", deflate" if self.options.deflate else ""),
            spawned=True,
        )

    async def _tong_env(self) -> dict[str, str]:
        env = dict(os.environ)
        o = self.options
        if o.db == "postgres":
            import asyncpg

            self.database = f"tong_bench_{os.getpid()}_{secrets.token_hex(4)}"
            conn = await asyncpg.connect(o.postgres_url)
            try:
                await conn.execute(f'CREATE DATABASE "{self.database}"')
            finally:
                await conn.close()
            base = o.postgres_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
            env["DATABASE_URL"] = f"{base}/{self.database}"
        else:
            env["DATABASE_URL"] = f"sqlite+aiosqlite:///{self.tmp / 'tong.db'}"
        if o.broker in ("redis", "cluster"):
            if (o.broker == "cluster") != o.redis_url.startswith("redis+cluster://"):
                raise ValueError(f"--broker {o.broker} with --redis-url {o.redis_url}")
            env["REDIS_URL"] = o.redis_url
            # Redis pub/sub ignores database numbers: a prefix of its own keeps this spawn's channels
            # apart from any other Tong on the same Redis.
            env["TONG_REDIS_PREFIX"] = f"tong-bench-{secrets.token_hex(4)}:"
        else:
            env.pop("REDIS_URL", None)
        env["TONG_SECRET_KEY"] = secrets.token_urlsafe(32)
        env["TONG_DATA_DIR"] = str(self.tmp)
        env["TONG_WS_DEFLATE"] = "true" if o.deflate else "false"
        env["TONG_RATE_LIMIT_PER_MINUTE"] = "0"
        env["TONG_LOGIN_LIMIT_PER_MINUTE"] = "0"
        env["TONG_SEARCH_LIMIT_PER_MINUTE"] = "0"
        # Every simulated client comes from this one machine.
        env["TONG_WS_MAX_PER_IP"] = "0"
        env["TONG_HTTP_MAX_PER_IP"] = "0"
        env["TONG_WORKER_START"] = o.worker_start
        return env

    async def _run(self, argv: list[str], env: dict[str, str], stdin: bytes | None = None) -> None:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=self.tmp,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await process.communicate(stdin)
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[1:])} failed ({process.returncode}):\n{out.decode()[-2000:]}")

    async def _start_tong(self) -> Endpoint:
        o = self.options
        env = await self._tong_env()
        python = sys.executable
        await self._run([python, "-m", "server", "db", "init"], env)
        await self._run(
            [
                python,
                "-m",
                "server",
                "accounts",
                "create",
                o.account_prefix,
                "--kind",
                "company",
                "--password-stdin",
                "--count",
                str(o.accounts),
            ],
            env,
            f"{o.password}\n".encode(),
        )
        port = free_port()
        argv = [python, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)]
        if o.workers > 1:
            argv += ["--workers", str(o.workers)]
        self.process = self._popen(argv, env)
        url = f"http://127.0.0.1:{port}"
        await wait_ready(url, READY_TIMEOUT, self.process)
        return Endpoint(
            name="tong",
            http_url=url,
            ws_url=f"ws://127.0.0.1:{port}/ws",
            pids={self.process.pid: "tong"},
            description=(
                f"Tong, {o.workers} process{'es' if o.workers > 1 else ''}, {o.db}, {o.broker} broker"
                + (", deflate" if o.deflate else "")
            ),
            spawned=True,
            redis_url=o.redis_url if o.broker != "memory" else None,
        )

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(process.wait, STOP_TIMEOUT)
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if getattr(self, "_log", None) is not None:
            self._log.close()
        if self.database is not None:
            await self._drop_database()
        if self.options.log_dir and self.log_path.exists():
            shutil.copy(self.log_path, Path(self.options.log_dir) / f"{self.options.target}-server.log")
        shutil.rmtree(self.tmp, ignore_errors=True)

    async def _drop_database(self) -> None:
        import asyncpg

        name, self.database = self.database, None
        conn = await asyncpg.connect(self.options.postgres_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
