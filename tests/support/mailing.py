"""A Tong that mails a real SMTP server of the test's own (reset links, invitations, notices)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from tests.support.servers import InProcessServer, Stack
from tests.support.smtp_sink import SmtpSink

# A strong password the strength rule accepts, for resets and invitations.
NEW_PASSWORD = "violet tractor umbrella 42"


@contextlib.asynccontextmanager
async def mailing_server(stack: Stack, mail_dir: Path) -> AsyncIterator[tuple[InProcessServer, SmtpSink]]:
    """A server whose mail goes to a sink in `mail_dir`, polled often so tests wait little."""
    sink = await SmtpSink(mail_dir).start()
    settings = await stack.fresh_settings(
        smtp_url=sink.url, public_url="https://tong.test", mail_poll_interval_s=0.05, mail_timeout_s=5
    )
    server = await InProcessServer(settings).start()
    try:
        yield server, sink
    finally:
        await server.stop()
        sink.kill()
