"""A private ClamAV daemon (Debian's `clamav-daemon`) for the attachment tests: its own unix
socket, configuration and signature database (the EICAR test signature, written here, since
signatures cannot be downloaded), stopped by its PID."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

from server.files.scanner import Clamd
from tests.support.files import EICAR_HDB

CLAMD = "/usr/sbin/clamd"
# A hang guard, not a measure: clamd loads a one-signature database in well under a second.
READY_TIMEOUT_S = 120.0


def missing() -> str | None:
    if shutil.which("clamd") is None and not Path(CLAMD).is_file():
        return "clamd is not installed (Debian's clamav-daemon; scripts/test installs it as root)"
    return None


class ClamDaemon:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket = directory / "clamd.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    async def start(self) -> ClamDaemon:
        database = self.directory / "db"
        database.mkdir(parents=True, exist_ok=True)
        (database / "tong-test.hdb").write_text(EICAR_HDB)
        config = self.directory / "clamd.conf"
        config.write_text(
            "Foreground yes\n"
            f"LocalSocket {self.socket}\n"
            f"DatabaseDirectory {database}\n"
            f"LogFile {self.directory / 'clamd.log'}\n"
            "StreamMaxLength 64M\n"
            "MaxThreads 4\n"
        )
        binary = shutil.which("clamd") or CLAMD
        self.process = subprocess.Popen(
            [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = Clamd(self.url, timeout=5)
        deadline = asyncio.get_running_loop().time() + READY_TIMEOUT_S
        while not await client.ping():
            if self.process.poll() is not None:
                log = (self.directory / "clamd.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"clamd exited with {self.process.returncode}: {log}")
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError("clamd did not answer PING")
            await asyncio.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
