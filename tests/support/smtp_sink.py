"""A real SMTP server (aiosmtpd) in a process of its own, which stores every message it accepts
as a file and can be told to die at a chosen point of its Nth transaction:

- `before`: on MAIL FROM, before any of the message was sent;
- `during`: after answering DATA with 354 and reading the first line of the message;
- `after`: with the message received and stored, before answering 250 (the sender never learns
  that it arrived, so it sends it again: the duplicate a receiver sees).

Run as `python -m tests.support.smtp_sink PORT DIRECTORY [--die-at N --phase PHASE]`; the test side
(`SmtpSink`) starts, kills (SIGKILL) and restarts it on the same port.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

DIED = 3
ROOT = Path(__file__).resolve().parents[2]


class Store:
    def __init__(self, directory: Path, die_at: int, phase: str) -> None:
        self.directory = directory
        self.die_at = die_at
        self.phase = phase
        self.transactions = 0

    def dies(self, phase: str) -> bool:
        return self.phase == phase and self.transactions == self.die_at

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.transactions += 1
        if self.dies("before"):
            os._exit(DIED)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:6]}"
        temporary = self.directory / f".{name}.tmp"
        with open(temporary, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        temporary.rename(self.directory / f"{name}.eml")
        if self.dies("after"):
            os._exit(DIED)
        return "250 Message accepted for delivery"


class DyingSMTP(SMTP):
    async def smtp_DATA(self, arg: str) -> None:
        store = self.event_handler
        if isinstance(store, Store) and store.dies("during"):
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readline()
            os._exit(DIED)
        await super().smtp_DATA(arg)


async def serve(port: int, directory: Path, die_at: int, phase: str) -> None:
    store = Store(directory, die_at, phase)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: DyingSMTP(store, enable_SMTPUTF8=True, hostname="sink.test"),
        "127.0.0.1",
        port,
        reuse_address=True,
    )
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--die-at", type=int, default=0)
    parser.add_argument("--phase", choices=["before", "during", "after"], default="after")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.directory, args.die_at, args.phase))


# --- the test side -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpSink:
    """The sink process on a fixed port; its messages outlive its restarts."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def start(self, die_at: int = 0, phase: str = "after") -> SmtpSink:
        command = [sys.executable, "-m", "tests.support.smtp_sink", str(self.port), str(self.directory)]
        if die_at:
            command += ["--die-at", str(die_at), "--phase", phase]
        self.process = subprocess.Popen(command, cwd=ROOT)
        self.starts += 1
        # A guard against a hang, not a measure: at load 15+ the interpreter's start alone can take
        # longer than the 20 s this once allowed.
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, "the SMTP sink exited at start"
            with contextlib.suppress(OSError):
                _reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
                return self
            assert time.monotonic() < deadline, "the SMTP sink did not start listening"
            await asyncio.sleep(0.05)

    async def exited(self, timeout: float = 30) -> int:
        """Wait until the process has ended (it died as planned); its exit code."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while (code := self.process.poll()) is None:
            assert time.monotonic() < deadline, "the SMTP sink did not die as planned"
            await asyncio.sleep(0.02)
        return code

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def messages(self) -> list[EmailMessage]:
        found = []
        for path in sorted(self.directory.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=default)
            found.append(message)
        return found  # type: ignore[return-value]

    def raw(self) -> list[bytes]:
        """The mails as the relay received them (before any parser decodes a header)."""
        return [path.read_bytes() for path in sorted(self.directory.glob("*.eml"))]

    async def wait_for(self, predicate: Any, timeout: float = 60) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages()
            if predicate(found):
                return found
            assert time.monotonic() < deadline, f"the sink holds {len(found)} messages; waited long enough"
            await asyncio.sleep(0.05)


if __name__ == "__main__":
    main()
