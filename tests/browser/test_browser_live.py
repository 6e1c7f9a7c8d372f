"""Live updates between real browser tabs: comments, recommendations, outages, the board's new bar."""

from __future__ import annotations

import json
import time

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser


def comment_item(page, text: str):
    return page.locator("li.comment", has=page.locator(".comment-body", has_text=text)).last


async def test_comment_and_recommendations_reach_the_other_tab_live(open_tab, make_thread):
    """A comment from one tab shows in another within a second; a recommendation updates its counts."""
    thread = await make_thread("company1")
    path = f"/threads/{thread['id']}"
    channel = f"thread:{thread['id']}"
    a = await open_tab(path, login="company2")
    b = await open_tab(path, login="company3")
    await a.wait_subscribed(channel)
    await b.wait_subscribed(channel)

    text = f"실시간 댓글 {time.monotonic_ns()}"
    await a.page.get_by_label("댓글 쓰기").fill(text)
    await a.page.get_by_role("button", name="등록", exact=True).click()
    await expect(a.page.locator(".comment-body", has_text=text)).to_be_visible()
    await expect(b.page.locator(".comment-body", has_text=text)).to_be_visible(timeout=1000)
    await expect(a.page.get_by_label("댓글 쓰기")).to_have_value("")
    await expect(comment_item(a.page, text).locator(".badge-mine")).to_have_text("내 글")
    await expect(comment_item(b.page, text).locator(".badge-mine")).to_have_count(0)

    b_rec = comment_item(b.page, text).locator('[data-role="comment-recommend"]')
    await b_rec.click()
    await expect(b_rec).to_have_attribute("aria-pressed", "true")
    await expect(
        comment_item(a.page, text).locator('[data-role="comment-recommend"] .rec-count')
    ).to_have_text("1", timeout=1500)

    await a.page.locator('[data-role="thread-recommend"]').click()
    await expect(a.page.locator('[data-role="thread-recommend"]')).to_have_attribute("aria-pressed", "true")
    await expect(b.page.locator('[data-role="thread-recommend"] .rec-count')).to_have_text("1", timeout=1500)
    await expect(b.page.locator('[data-role="watchers"]')).to_contain_text("2명 보는 중", timeout=1500)


async def test_missed_comments_arrive_once_and_in_order_after_an_outage(open_tab, make_thread, tong):
    """Comments posted while a tab was offline appear once each, in order; the outage was shown."""
    thread = await make_thread("company1")
    tab = await open_tab(f"/threads/{thread['id']}")
    await tab.wait_subscribed(f"thread:{thread['id']}")
    conn = tab.page.locator(".conn")

    await tab.context.set_offline(True)
    await expect(conn).to_have_attribute("data-state", "offline", timeout=3000)
    await expect(conn).to_have_text("오프라인")
    missed = [f"놓친 댓글 {n}" for n in range(1, 6)]
    async with tong.client("company4") as client:
        for text in missed:
            r = await client.post(f"/api/threads/{thread['id']}/comments", json={"body": text})
            assert r.status_code == 201, r.text
    await tab.page.wait_for_timeout(300)
    await expect(tab.page.locator(".comment-body")).to_have_count(0)

    await tab.context.set_offline(False)
    await expect(tab.page.locator(".comment-body")).to_have_count(5, timeout=10_000)
    assert await tab.page.locator(".comment-body").all_inner_texts() == missed
    await expect(conn).to_have_attribute("data-state", "live")
    states = [entry["state"] for entry in await tab.page.evaluate("window.__tong.live.stateLog")]
    assert "offline" in states and states[-1] == "live"

    # A socket that dies without the browser going offline: reconnect with back-off and resume.
    reconnects = await tab.page.evaluate("window.__tong.live.stats.reconnects")
    await tab.page.evaluate("window.__tong.live.drop()")
    more = [f"끊긴 사이 댓글 {n}" for n in range(1, 4)]
    async with tong.client("company5") as client:
        for text in more:
            r = await client.post(f"/api/threads/{thread['id']}/comments", json={"body": text})
            assert r.status_code == 201, r.text
    await expect(tab.page.locator(".comment-body")).to_have_count(8, timeout=10_000)
    assert await tab.page.locator(".comment-body").all_inner_texts() == missed + more
    await tab.wait_live()
    assert await tab.page.evaluate("window.__tong.live.stats.reconnects") == reconnects + 1
    states = [entry["state"] for entry in await tab.page.evaluate("window.__tong.live.stateLog")]
    assert states[-2:] == ["reconnecting", "live"]


async def test_board_shows_a_new_bar_instead_of_moving_the_list(open_tab):
    """A thread posted elsewhere shows a '새 글 1개' bar on the board; the list stays still until clicked."""
    board = await open_tab("/")
    await board.wait_subscribed("board")
    await expect(board.page.locator(".thread-card").first).to_be_visible()
    first_before = await board.page.locator(".thread-card").first.get_attribute("data-thread-id")

    title = f"새 제안 {time.monotonic_ns()}"
    writer = await open_tab("/", login="company2")
    await writer.page.get_by_role("button", name="제안하기").click()
    await writer.page.get_by_label("제목", exact=True).fill(title)
    await writer.page.get_by_label("내용", exact=True).fill("새 글 알림을 시험합니다.")
    await writer.submit_thread(title)

    bar = board.page.locator(".new-bar")
    await expect(bar).to_be_visible(timeout=2000)
    await expect(bar).to_have_text("새 글 1개 보기")
    assert await board.page.locator(".thread-card").first.get_attribute("data-thread-id") == first_before

    await bar.click()
    await expect(board.page.locator(".thread-card").first.locator(".card-link")).to_have_text(title)
    await expect(bar).to_be_hidden()


async def test_board_cards_show_watchers_from_the_digest(open_tab, make_thread, tong):
    """A reader opening a thread shows up as '1명 보는 중' on its board card, through the watcher digest."""
    thread = await make_thread("company1")
    board = await open_tab("/")
    await board.wait_subscribed("board")
    card = board.page.locator(f'[data-thread-id="{thread["id"]}"]')
    await expect(card).to_be_visible()
    await expect(card.locator(".stat-live")).to_have_count(0)

    reader = await open_tab(f"/threads/{thread['id']}")
    await reader.wait_subscribed(f"thread:{thread['id']}")
    # The digest goes out every few seconds (not one frame per watcher change).
    await expect(card.locator(".stat-live")).to_have_text("1명 보는 중", timeout=15_000)


async def test_a_reply_above_the_reader_does_not_move_what_they_read(open_tab, make_thread, tong):
    """A reply inserted above the viewport does not move what the reader sees, and is announced."""
    thread = await make_thread("company1")
    ids = []
    async with tong.client("company2") as client:
        for n in range(1, 16):
            r = await client.post(
                f"/api/threads/{thread['id']}/comments", json={"body": f"긴 토론 {n}\n" * 3}
            )
            ids.append(r.json()["id"])
    tab = await open_tab(f"/threads/{thread['id']}", height=600)
    await tab.wait_subscribed(f"thread:{thread['id']}")
    target = tab.page.locator(f'li[data-comment-id="{ids[11]}"] > .comment-card')
    await target.scroll_into_view_if_needed()
    await tab.page.evaluate("window.scrollBy(0, -100)")
    before = (await target.bounding_box())["y"]

    async with tong.client("company3") as client:
        r = await client.post(
            f"/api/threads/{thread['id']}/comments", json={"body": "위쪽에 달린 답글", "parent_id": ids[1]}
        )
        assert r.status_code == 201
    await expect(tab.page.locator(".comment-body", has_text="위쪽에 달린 답글")).to_have_count(
        1, timeout=2000
    )
    after = (await target.bounding_box())["y"]
    assert abs(after - before) <= 2, (before, after)
    await expect(tab.page.locator("#announcer")).to_contain_text("위쪽에 달린 답글", timeout=3000)


async def test_paused_updates_wait_and_apply_on_resume(open_tab, make_thread, tong):
    """While live updates are paused new comments wait behind a note; resuming applies them in order."""
    thread = await make_thread("company1")
    tab = await open_tab(f"/threads/{thread['id']}")
    await tab.wait_subscribed(f"thread:{thread['id']}")
    await tab.page.get_by_role("button", name="실시간 일시정지").click()
    async with tong.client("agency1") as client:
        for n in (1, 2):
            await client.post(f"/api/threads/{thread['id']}/comments", json={"body": f"대기 댓글 {n}"})
    await expect(tab.page.locator(".paused-note")).to_contain_text("대기 중 2건", timeout=2000)
    await expect(tab.page.locator(".comment-body")).to_have_count(0)
    await tab.page.get_by_role("button", name="실시간 다시 시작").click()
    assert await tab.page.locator(".comment-body").all_inner_texts() == ["대기 댓글 1", "대기 댓글 2"]
    await expect(tab.page.locator(".paused-note")).to_be_hidden()
    # v1.1: the count comes from the comment.created events applied, once each (no counts frame).
    await expect(tab.page.locator("#comments-title")).to_have_text("댓글 2개")


async def test_a_resync_frame_reloads_the_thread_through_rest(open_tab, make_thread, tong):
    """A `resync` frame reloads through REST: missed comments appear once, and live updates go on."""
    thread = await make_thread("company1")
    channel = f"thread:{thread['id']}"
    tab = await open_tab(f"/threads/{thread['id']}")
    await tab.wait_subscribed(channel)
    # Ignore the channel's frames for a while, as a tab that fell too far behind would miss them.
    await tab.page.evaluate("(ch) => { window.__tong.live.subs.get(ch).resyncing = true; }", channel)
    async with tong.client("agency2") as client:
        for n in (1, 2):
            await client.post(f"/api/threads/{thread['id']}/comments", json={"body": f"재동기화 전 {n}"})
    await tab.page.wait_for_timeout(400)
    await expect(tab.page.locator(".comment-body")).to_have_count(0)

    await tab.page.evaluate(
        """(ch) => {
            const live = window.__tong.live;
            live.subs.get(ch).resyncing = false;
            live._received({ data: JSON.stringify({ type: "resync", channel: ch }) });
        }""",
        channel,
    )
    await expect(tab.page.locator(".comment-body")).to_have_text(
        ["재동기화 전 1", "재동기화 전 2"], timeout=3000
    )
    async with tong.client("agency3") as client:
        await client.post(f"/api/threads/{thread['id']}/comments", json={"body": "재동기화 후"})
    await expect(tab.page.locator(".comment-body")).to_have_text(
        ["재동기화 전 1", "재동기화 전 2", "재동기화 후"], timeout=3000
    )
    assert await tab.page.evaluate("window.__tong.live.stats.resyncs") == 1


async def test_a_resuming_tab_sends_back_the_epoch_it_was_given(open_tab, make_thread):
    """After a dropped socket the tab resumes with `since` and the `epoch` its last `subscribed` carried."""
    thread = await make_thread("company1")
    channel = f"thread:{thread['id']}"
    tab = await open_tab(f"/threads/{thread['id']}")
    await tab.wait_subscribed(channel)
    epoch = await tab.page.evaluate("(ch) => window.__tong.live.subs.get(ch).epoch", channel)
    assert isinstance(epoch, str) and epoch

    sent: list[dict] = []
    tab.page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(json.loads(payload))))
    await tab.page.evaluate("window.__tong.live.drop()")
    deadline = time.monotonic() + 10
    while not any(f.get("op") == "subscribe" and f.get("channel") == channel for f in sent):
        assert time.monotonic() < deadline, f"no resubscribe frame was sent: {sent}"
        await tab.page.wait_for_timeout(50)
    resume = next(f for f in sent if f.get("op") == "subscribe" and f.get("channel") == channel)
    assert resume["epoch"] == epoch
    assert isinstance(resume["since"], int)
