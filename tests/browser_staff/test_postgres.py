"""This round's dashboard flows again on the production stack: a demo Tong on PostgreSQL and Redis
(the other dashboard modules run on the embedded default). The tests are the same functions, not
copies: this module only replaces the `tong` fixture they stand on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.browser_staff.conftest import HOLD_ENV, Tong
from tests.browser_staff.test_workflow import test_draft_submit_approve_publishes_the_answer  # noqa: F401
from tests.support.demo_server import demo_server
from tests.support.servers import Stack

pytestmark = pytest.mark.browser


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def tong(pg: Stack) -> AsyncIterator[Tong]:
    """The demo on a fresh PostgreSQL database and the machine's Redis, for this module."""
    settings = await pg.fresh_settings()
    with demo_server(HOLD_ENV, database_url=settings.database_url, redis_url=settings.redis_url) as running:
        shared = Tong(running.base, running.process)
        yield shared
        for client in shared.clients:
            await client.aclose()
