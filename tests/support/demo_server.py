"""What the browser tests and the screenshot script share: Debian's chromium, and a real Tong
(`python -m server serve --demo`) in its own process on a free port with a fresh data directory."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags chromium keeps dialling Google's hosts, which this
# machine's closed network refuses; --no-sandbox because tests run as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_PASSWORD = "tong-demo-2026"
ROOT = Path(__file__).resolve().parents[2]
# Starting and seeding the demo on a busy machine: a guard against a hang, not a measure.
READY_TIMEOUT_S = 180.0


def require_chromium() -> None:
    """Skip without chromium, except in CI, where the browser tests must run."""
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing (CI=true: browser tests must run)")
    pytest.skip(f"{CHROMIUM} is not installed")


@dataclass
class DemoServer:
    base: str
    process: subprocess.Popen[bytes]
    log_path: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def demo_server(
    extra_env: dict[str, str] | None = None, database_url: str = "", redis_url: str = ""
) -> Iterator[DemoServer]:
    """A Tong with demo data, on SQLite and the in-process broker unless a database (and Redis)
    URL is given; stopped with SIGTERM after."""
    data_dir = tempfile.mkdtemp(prefix="tong-browser-")
    port = _free_port()
    log_path = Path(data_dir) / "server.log"
    env = {
        **os.environ,
        "TONG_DATA_DIR": data_dir,
        "TONG_RATE_LIMIT_PER_MINUTE": "0",
        "TONG_LOGIN_LIMIT_PER_MINUTE": "0",
        # A test cost, as every test server has (tests/support/servers.py); test_logins.py checks the
        # production cost (64 MiB, 3 passes, hashed at idle CPU priority), which made the demo's
        # seeding and every browser login take seconds on a busy machine.
        "TONG_ARGON2_TIME_COST": "1",
        "TONG_ARGON2_MEMORY_COST": "1024",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
        env["TONG_REDIS_PREFIX"] = f"tong-browser-{port}:"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--demo", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_TIMEOUT_S
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"Tong exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"Tong not ready in {READY_TIMEOUT_S}s:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.2)
        yield DemoServer(base, process, log_path)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
