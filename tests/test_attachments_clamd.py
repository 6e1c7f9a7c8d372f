"""Uploads scanned by a real clamd (Debian's clamav-daemon, run here on a private socket with the
EICAR signature the test writes): infected files are refused, and a scanner that is configured
but down refuses every upload with 503, storing nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from tests.support import clamd, files
from tests.support.servers import IN_CI, InProcessServer
from tests.test_attachments import code, upload, uploaded


@pytest_asyncio.fixture(scope="module")
async def daemon(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[clamd.ClamDaemon]:
    reason = clamd.missing()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI needs clamd: {reason}")
        pytest.skip(reason)
    # A short path: a unix socket's path is limited to 108 bytes.
    running = await clamd.ClamDaemon(tmp_path_factory.mktemp("clamd")).start()
    yield running
    running.stop()


async def test_eicar_is_refused_as_infected_and_clean_files_pass(
    daemon: clamd.ClamDaemon, make_server: Callable[..., Awaitable[InProcessServer]]
) -> None:
    """EICAR (named .pdf) is 422 `infected`; a clean PDF goes through the scanner and is kept."""
    server = await make_server(clamd_url=daemon.url)
    client = await server.user("company")
    try:
        refused = await upload(client, files.EICAR, "notice.pdf")
        assert refused.status_code == 422 and code(refused) == "infected", refused.text
        clean = await uploaded(client, files.pdf_with_author(), "notice.pdf")
        assert clean["type"] == "application/pdf"
    finally:
        await client.aclose()


async def test_a_scanner_that_is_down_refuses_uploads_and_keeps_nothing(
    make_server: Callable[..., Awaitable[InProcessServer]], tmp_path: Path
) -> None:
    """With TONG_CLAMD_URL naming a socket nobody listens on, uploads are 503; nothing is stored."""
    server = await make_server(clamd_url=f"unix://{tmp_path / 'nobody.sock'}")
    client = await server.user("company")
    try:
        refused = await upload(client, files.png(), "a.png")
        assert refused.status_code == 503 and code(refused) == "unavailable", refused.text
        attachments = server.settings.attachments_dir
        assert not attachments.exists() or not any(attachments.rglob("*"))
        assert not any(server.settings.uploading_dir.iterdir())
    finally:
        await client.aclose()
