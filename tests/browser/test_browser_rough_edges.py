"""The rough edges a new user hit (issue 13, section 2), each pinned by a test that failed before."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser


def _luminance(rgb: str) -> float:
    channels = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


COLOURS = "(el) => { const s = getComputedStyle(el); return [s.color, s.backgroundColor]; }"


async def test_pressed_recommend_button_keeps_readable_text_on_hover(open_tab, make_thread):
    """The pressed 추천 button keeps text distinct from its background when hovered (and after a tap)."""
    thread = await make_thread("company1")
    tab = await open_tab(f"/threads/{thread['id']}", login="company2")
    button = tab.page.locator('[data-role="thread-recommend"]')
    await button.click()
    await expect(button).to_have_attribute("aria-pressed", "true")
    await button.hover()
    fg, bg = await button.evaluate(COLOURS)
    assert contrast(fg, bg) >= 4.5, (fg, bg)
    await tab.page.mouse.move(0, 0)
    fg, bg = await button.evaluate(COLOURS)
    assert contrast(fg, bg) >= 4.5, (fg, bg)


async def test_missing_thread_gets_a_not_found_page_without_a_comments_card(open_tab, tong):
    """/threads/9999 answers 404 with a page saying so: no comments card, no composer, a way back."""
    tab = await open_tab("/threads/9999")
    response = await tab.page.request.get("/threads/9999", headers={"accept": "text/html"})
    assert response.status == 404
    await expect(tab.page.get_by_role("heading", level=1)).to_have_text("글을 찾을 수 없습니다.")
    await expect(tab.page.locator(".comments")).to_have_count(0)
    await expect(tab.page.get_by_text("첫 댓글을 남겨 주세요.")).to_have_count(0)
    await expect(tab.page.get_by_role("link", name="제안 목록으로")).to_be_visible()
    api = await tab.page.request.get("/threads/9999", headers={"accept": "application/json"})
    assert api.status == 404
    assert (await api.json())["error"]["code"] == "not_found"


async def test_unknown_path_gets_the_app_not_raw_json(open_tab):
    """An unknown path shows the app's not-found page (status 404); API clients get the JSON body."""
    tab = await open_tab("/nope")
    await expect(tab.page.get_by_role("heading", level=1)).to_have_text("페이지를 찾을 수 없습니다.")
    await expect(tab.page.locator("body")).not_to_contain_text('"error"')
    page = await tab.page.request.get("/nope", headers={"accept": "text/html"})
    assert page.status == 404 and page.headers["content-type"].startswith("text/html")
    api = await tab.page.request.get("/nope")
    assert api.status == 404 and (await api.json())["error"]["code"] == "not_found"
    await tab.page.get_by_role("link", name="제안 목록으로").click()
    await expect(tab.page.get_by_role("heading", level=1)).to_have_text("제도개선 제안")


async def test_anonymous_pages_log_nothing_in_the_console(open_tab, make_thread):
    """An anonymous reader's board and thread loads log no error (no 401 from /api/me)."""
    thread = await make_thread("company1")
    tab = await open_tab("/")
    await expect(tab.page.locator(".thread-card").first).to_be_visible()
    await tab.page.goto(f"/threads/{thread['id']}")
    await tab.wait_live()
    await expect(tab.page.locator("#thread-title")).to_be_visible()
    errors = [m for m in tab.console if m.startswith("error")]
    assert errors == []


async def test_english_counts_use_plural_rules(open_tab, make_thread, tong):
    """English says "1 comment" and "2 comments", "1 recommendation", not "1 comments"."""
    thread = await make_thread("company1")
    async with tong.client("company2") as client:
        await client.post(f"/api/threads/{thread['id']}/comments", json={"body": "하나"})
        await client.put(f"/api/threads/{thread['id']}/recommendation")
    tab = await open_tab(f"/threads/{thread['id']}")
    await tab.page.evaluate("localStorage.setItem('tong.lang', 'en')")
    await tab.page.reload()
    await expect(tab.page.locator("#comments-title")).to_have_text("1 comment")
    async with tong.client("company3") as client:
        await client.post(f"/api/threads/{thread['id']}/comments", json={"body": "둘"})
    await expect(tab.page.locator("#comments-title")).to_have_text("2 comments")
    await tab.page.goto("/")
    card = tab.page.locator(f'[data-thread-id="{thread["id"]}"]')
    await expect(card.locator('[data-role="recommendations"]')).to_have_text("1 recommendation")


async def test_permalink_highlights_its_comment_and_copy_link_gives_one(open_tab, make_thread, tong):
    """#comment-N marks that comment in view; 링크 복사 puts the comment's link on the clipboard."""
    thread = await make_thread("company1")
    ids = []
    async with tong.client("company2") as client:
        for n in range(12):
            r = await client.post(f"/api/threads/{thread['id']}/comments", json={"body": f"댓글 {n}번"})
            ids.append(r.json()["id"])
    tab = await open_tab(f"/threads/{thread['id']}#comment-{ids[9]}")
    target = tab.page.locator(f"#comment-{ids[9]} > .comment-card")
    await expect(target).to_have_class(re.compile(r"\bis-target\b"))
    await expect(target).to_be_in_viewport()
    await expect(tab.page.locator(".is-target")).to_have_count(1)

    await tab.context.grant_permissions(["clipboard-read", "clipboard-write"])
    other = tab.page.locator(f"#comment-{ids[3]} > .comment-card")
    await other.get_by_role("button", name="링크 복사").click()
    await expect(tab.page.locator(".toast")).to_contain_text("링크를 복사했습니다")
    copied = await tab.page.evaluate("navigator.clipboard.readText()")
    assert copied.endswith(f"/threads/{thread['id']}#comment-{ids[3]}")
    await expect(other).to_have_class(re.compile(r"\bis-target\b"))
    await expect(tab.page.locator(".is-target")).to_have_count(1)


async def test_a_live_answer_is_marked_for_sighted_readers(open_tab, make_thread, tong):
    """An answer arriving live carries a visible "새 답변" badge and mark, not only an announcement."""
    thread = await make_thread("company1")
    tab = await open_tab(f"/threads/{thread['id']}")
    await tab.wait_subscribed(f"thread:{thread['id']}")
    async with tong.client("staff") as client:
        r = await client.post(f"/api/threads/{thread['id']}/answers", json={"body": "검토를 시작했습니다."})
        assert r.status_code == 201, r.text
    card = tab.page.locator(".answer-card", has_text="검토를 시작했습니다.")
    await expect(card).to_have_class(re.compile(r"\bis-new\b"))
    await expect(card.locator(".badge-new")).to_have_text("새 답변")


async def test_mine_is_decided_by_the_posted_id_not_the_text(open_tab, make_thread, tong):
    """Two identical comments at once: only the one this tab posted is "내 글"; the other is new."""
    thread = await make_thread("company1")
    tab = await open_tab(f"/threads/{thread['id']}", login="company2")
    await tab.wait_subscribed(f"thread:{thread['id']}")
    release = asyncio.Event()
    other_id: dict[str, Any] = {}

    async def hold_answer(route: Any) -> None:
        # The server commits and broadcasts; the POST's answer waits until the other comment is shown.
        response = await route.fetch()
        await release.wait()
        await route.fulfill(response=response)

    await tab.page.route(f"**/api/threads/{thread['id']}/comments", hold_answer)
    await tab.page.get_by_label("댓글 쓰기").fill("동의합니다.")
    await tab.page.get_by_role("button", name="등록", exact=True).click()
    items = tab.page.locator("li.comment")
    await expect(items).to_have_count(1, timeout=3000)
    async with tong.client("company3") as client:
        r = await client.post(f"/api/threads/{thread['id']}/comments", json={"body": "동의합니다."})
        other_id["id"] = r.json()["id"]
    await expect(items).to_have_count(2, timeout=3000)
    release.set()
    theirs = tab.page.locator(f'li[data-comment-id="{other_id["id"]}"] > .comment-card')
    mine = tab.page.locator("li.comment").filter(has_not=tab.page.locator(f"#comment-{other_id['id']}")).first
    await expect(mine.locator(".badge-mine")).to_have_text("내 글")
    await expect(mine.locator(".badge-new")).to_have_count(0)
    await expect(theirs.locator(".badge-mine")).to_have_count(0)
    await expect(theirs).to_have_class(re.compile(r"\bis-new\b"))
    await tab.poll("() => document.getElementById('announcer').textContent.includes('새 댓글')", timeout=3)
    text = await tab.page.locator("#announcer").text_content()
    assert "기업" in (text or ""), text


async def test_moderators_get_no_report_button(open_tab, make_thread, tong):
    """A moderator sees 숨기기 on others' comments and no 신고 (they act, they do not report)."""
    thread = await make_thread("company1")
    async with tong.client("company2") as client:
        await client.post(f"/api/threads/{thread['id']}/comments", json={"body": "검토 부탁드립니다."})
    staff = await open_tab(f"/threads/{thread['id']}", login="staff")
    actions = staff.page.locator("li.comment .comment-actions").first
    await expect(actions.get_by_role("button", name="숨기기")).to_be_visible()
    await expect(actions.get_by_role("button", name="신고")).to_have_count(0)
    reader = await open_tab(f"/threads/{thread['id']}", login="company3")
    reader_actions = reader.page.locator("li.comment .comment-actions").first
    await expect(reader_actions.get_by_role("button", name="신고")).to_be_visible()


async def test_demo_board_has_a_believable_history(open_tab):
    """The demo: 12+ threads, cards say who proposed without "기업 1" everywhere, backdated comments
    and answers in order, a hidden comment, and a change thread linked to proposals."""
    # Most recommended first: the demo's own threads, not the ones earlier tests in this session
    # posted on the same demo server (the newest first page can hold only those).
    tab = await open_tab("/?sort=recommended")
    cards = tab.page.locator(".thread-card")
    await expect(cards.nth(11)).to_be_visible()
    authors = await tab.page.locator(".thread-card .meta-author").all_text_contents()
    assert "기업 1" not in authors
    assert {"기업 제안", "기관 제안"} <= set(authors)

    await tab.page.goto("/threads/1")
    await tab.wait_live()
    await expect(tab.page.locator(".answer-card")).to_have_count(2)
    answer_times = await tab.page.locator(".answer-card time").evaluate_all(
        "els => els.map(e => e.getAttribute('datetime'))"
    )
    assert answer_times[0] < answer_times[1]
    seeded = tab.page.locator("li.comment .comment-head time")
    times = await seeded.evaluate_all("els => els.map(e => [e.getAttribute('datetime'), e.textContent])")
    assert len({label for _, label in times}) > 2, times
    assert not any(label == "방금 전" for iso, label in times[:5]), times
    assert len(set(await tab.page.locator("li.comment .author-label").all_text_contents())) >= 3

    await tab.page.goto("/threads/3")
    await expect(tab.page.locator(".comment-placeholder")).to_have_count(1)
    await tab.page.goto("/threads/7")
    await expect(tab.page.locator(".thread-badges .kind-change")).to_be_visible()
    await expect(tab.page.locator('a[href="/threads/1"]').first).to_be_visible()


async def test_bell_is_a_drawing_not_an_emoji(open_tab):
    """The bell in the header is an SVG drawing (no font needed), and no emoji is left in its text."""
    tab = await open_tab("/", login="company1")
    bell = tab.page.locator('[data-role="bell"]')
    await expect(bell).to_be_visible()
    await expect(bell.locator("svg.bell-icon path")).to_have_count(2)
    box = await bell.locator("svg.bell-icon").bounding_box()
    assert box is not None and box["width"] >= 12 and box["height"] >= 12
    assert "🔔" not in await bell.inner_text()
