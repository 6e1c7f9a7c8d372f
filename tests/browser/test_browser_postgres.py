"""The rounds' browser flows again on the production stack: a demo Tong on PostgreSQL and Redis
(the other browser modules run on the embedded default). The tests are the same functions, not
copies: this module only replaces the `tong` fixture they stand on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.browser.conftest import Tong
from tests.browser.test_browser_attachments import (  # noqa: F401
    test_a_comment_with_files_reaches_another_reader_live,
)
from tests.browser.test_browser_catlinks import (  # noqa: F401
    test_category_chips_filter_the_board_and_the_url_shares_it,
    test_staff_link_proposals_and_the_proposal_page_shows_it_live,
)
from tests.browser.test_browser_drafts import (  # noqa: F401
    test_a_comment_draft_follows_the_account_and_posting_clears_it,
)
from tests.browser.test_browser_editing import test_an_edit_appears_live_in_another_tab_with_its_history  # noqa: F401
from tests.browser.test_browser_erasure import (  # noqa: F401
    test_an_erased_comment_and_proposal_leave_no_text_on_an_open_page,
)
from tests.browser.test_browser_moderation import test_report_hide_notice_appeal_reversal  # noqa: F401
from tests.browser.test_browser_notices import test_answer_rings_the_authors_bell_on_every_tab  # noqa: F401
from tests.browser.test_browser_search import (  # noqa: F401
    test_board_search_finds_comments,
    test_board_search_marks_what_matched,
    test_composer_warns_of_similar_proposals,
)
from tests.support.demo_server import demo_server
from tests.support.servers import Stack

pytestmark = pytest.mark.browser


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def tong(pg: Stack) -> AsyncIterator[Tong]:
    """The demo on a fresh PostgreSQL database and the machine's Redis, for this module."""
    settings = await pg.fresh_settings()
    with demo_server(database_url=settings.database_url, redis_url=settings.redis_url) as running:
        yield Tong(running.base, running.process, running.log_path)
