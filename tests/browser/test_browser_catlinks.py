"""Categories as filter chips with counts and a shareable URL; staff linking a change thread to the
proposals it resolves, seen live on the proposal; the public answer record (issue 12 §2, §4, §5)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser


async def test_category_chips_filter_the_board_and_the_url_shares_it(open_tab, tong) -> None:
    """The board shows one chip per category with its count; choosing one filters the list and puts
    `?category=<slug>` in the address; opening that address shows the same filtered board; the
    composer offers the list (not free text)."""
    async with tong.client() as client:
        listed = {c["slug"]: c for c in (await client.get("/api/categories")).json()["items"]}
        contracts = (await client.get("/api/threads", params={"category": "contracts", "limit": 100})).json()
    assert listed["contracts"]["count"] == len(contracts["items"]) > 0

    tab = await open_tab("/", login="company1", width=390, height=844)
    chips = tab.page.locator('[data-role="category-chips"]')
    chip = chips.locator('[data-category="contracts"]')
    await expect(chip).to_contain_text("계약제도")
    await expect(chip).to_contain_text(f"{listed['contracts']['count']}건")
    # On a phone the chips wait behind the 필터 button (issue 25); the chosen filter is counted on it.
    await tab.page.get_by_role("button", name="필터").click()
    await chip.focus()
    await tab.page.keyboard.press("Enter")
    await expect(tab.page).to_have_url(re.compile(r"\?category=contracts$"))
    await expect(tab.page.get_by_role("button", name="필터 (1)")).to_be_visible()
    await expect(chips.locator('[data-category="contracts"]')).to_have_attribute("aria-pressed", "true")
    cards = tab.page.locator(".thread-card")
    await expect(cards).to_have_count(len(contracts["items"]))
    for text in await cards.locator(".chip").all_inner_texts():
        assert text == "계약제도"

    shared = await open_tab("/?category=contracts")
    await expect(shared.page.locator(".thread-card")).to_have_count(len(contracts["items"]))
    await expect(
        shared.page.locator('[data-role="category-chips"] [data-category="contracts"]')
    ).to_have_attribute("aria-pressed", "true")
    await shared.page.locator('[data-role="category-chips"] [data-category=""]').click()
    await expect(shared.page).to_have_url(re.compile(r"/$"))

    # The composer chooses from the list; the new proposal carries the chosen category.
    await tab.page.get_by_role("button", name="제안하기").click()
    select = tab.page.get_by_label("분류 (선택)")
    await expect(select.locator("option")).to_contain_text(["분류 없음", "전자조달", "계약제도"])
    title = f"분류 고른 제안 {time.monotonic_ns()}"
    await tab.page.get_by_label("제목").fill(title)
    await select.select_option("contracts")
    await tab.page.get_by_label("내용").fill("목록에서 분류를 골랐습니다.")
    await tab.submit_thread(title)
    await expect(tab.page.locator(".thread-badges .chip")).to_have_text("계약제도")
    # The thread's category chip leads back to the board filtered by it.
    await tab.page.locator(".thread-badges .chip").click()
    await expect(tab.page.locator('[data-category="contracts"]')).to_have_attribute("aria-pressed", "true")
    await expect(tab.page.locator(".thread-card").first).to_contain_text(title)
    assert not tab.errors and not tab.csp_violations()


async def test_staff_link_proposals_and_the_proposal_page_shows_it_live(open_tab, make_thread, tong) -> None:
    """Staff edit a change thread's links with search-as-you-type (keyboard only); a reader already
    on the proposal sees "관련 변경" with a link to the change thread without reloading, and "이 제안이
    반영되었습니다" only once an answer accepts it (issue 22 part 5); the change thread lists the
    proposal with its status."""
    stamp = time.monotonic_ns()
    proposal = await make_thread("company1", title=f"검수 결과 알림 연결 시험 {stamp}")
    change = await make_thread("staff", kind="change", title=f"이번 분기 바꾼 점 {stamp}")

    reader = await open_tab(f"/threads/{proposal['id']}", width=390, height=844)
    await reader.wait_subscribed(f"thread:{proposal['id']}")
    await expect(reader.page.locator('[data-role="changed-in"]')).to_have_count(0)

    staff = await open_tab(f"/threads/{change['id']}", login="staff")
    await staff.page.locator('[data-role="links-edit"]').click()
    search = staff.page.locator('[data-role="link-search"]')
    await expect(search).to_be_focused()
    await search.fill(proposal["title"])
    add = staff.page.locator(f'.link-results [data-thread-id="{proposal["id"]}"] [data-role="link-add"]')
    await expect(add).to_be_visible(timeout=5000)
    await search.press("ArrowDown")
    # The first result has focus; Tab to ours if it is not first, then Enter adds it.
    for _ in range(8):
        if await add.evaluate("(el) => el === document.activeElement"):
            break
        await staff.page.keyboard.press("Tab")
    await staff.page.keyboard.press("Enter")
    chosen = staff.page.locator(f'[data-role="link-chosen"] [data-thread-id="{proposal["id"]}"]')
    await expect(chosen).to_be_visible()
    await staff.page.locator('[data-role="links-save"]').click()

    notice = reader.page.locator('[data-role="changed-in"]')
    await expect(notice).to_contain_text("관련 변경", timeout=3000)
    await expect(notice).not_to_contain_text("반영되었습니다")
    await expect(notice.get_by_role("link")).to_have_attribute("href", f"/threads/{change['id']}")
    async with tong.client("staff") as client:
        answered = await client.post(
            f"/api/threads/{proposal['id']}/answers", json={"body": "반영했습니다.", "outcome": "accepted"}
        )
        assert answered.status_code == 201, answered.text
    await expect(notice).to_contain_text("이 제안이 반영되었습니다", timeout=3000)
    listed = staff.page.locator(f'[data-role="links"] li[data-thread-id="{proposal["id"]}"]')
    await expect(listed).to_contain_text(proposal["title"])
    # The change thread lists the proposal with its real status and outcome.
    await staff.page.reload()
    await staff.wait_live()
    await expect(listed).to_contain_text("반영")

    # Unlinking takes the notice away, live as well.
    await staff.page.locator('[data-role="links-edit"]').click()
    await staff.page.locator(f'[data-role="link-chosen"] [data-thread-id="{proposal["id"]}"] button').click()
    await staff.page.locator('[data-role="links-save"]').click()
    await expect(notice).to_have_count(0, timeout=3000)
    for tab in (reader, staff):
        assert not tab.errors and not tab.csp_violations()


async def test_the_public_answer_record(open_tab, tong) -> None:
    """/record shows the answer clock's figures as the API computes them, a chart with axes and
    labels and the same numbers as a table; the board's header line links to it; axe finds
    nothing (Korean, phone width) when axe-core is installed."""
    async with tong.client() as client:
        stats = (await client.get("/api/stats/answers")).json()
    assert stats["quarters"], "the demo has final answers"

    board = await open_tab("/")
    line = board.page.locator('[data-role="board-record"]')
    await expect(line).to_contain_text("최종 답변까지 중앙값")
    await line.get_by_role("link").click()
    await expect(board.page).to_have_url(re.compile(r"/record$"))
    await expect(board.page.locator("h1")).to_have_text("답변 기록")

    tab = await open_tab("/record", width=390, height=844)
    page = tab.page
    overdue = page.locator('[data-role="overdue"] dd')
    await expect(overdue).to_contain_text(str(stats["overdue"]))
    await expect(page.locator('[data-role="within"] dd')).to_contain_text(
        f"{round(stats['within_target_share'] * 100)}%"
    )
    rows = page.locator('[data-role="record-table"] tbody tr')
    await expect(rows).to_have_count(len(stats["quarters"]))
    for quarter in stats["quarters"]:
        row = page.locator(f'[data-role="record-table"] tr[data-quarter="{quarter["quarter"]}"]')
        await expect(row.locator('[data-outcome="accepted"]')).to_have_text(str(quarter["accepted"]))
        await expect(row.locator('[data-outcome="declined"]')).to_have_text(str(quarter["declined"]))
    chart = page.locator('[data-role="record-chart"]')
    await expect(chart).to_have_attribute("role", "img")
    await expect(chart.locator("rect.bar")).to_have_count(3 * len(stats["quarters"]))
    await expect(chart.locator("text", has_text="건수")).to_have_count(1)
    await expect(chart.locator("text", has_text="분기")).to_have_count(1)

    # English too.
    await page.get_by_role("button", name="Switch to English").click()
    await expect(page.locator("h1")).to_have_text("Answer record")
    caption = page.locator('[data-role="record-table"] caption')
    await expect(caption).to_have_text("Final answers per quarter (table)")
    assert not tab.errors and not tab.csp_violations()

    from tests.browser.test_accessibility import AXE, Report, audit

    if not AXE.exists():
        return
    await page.get_by_role("button", name="한국어 화면으로 보기").click()
    await tab.context.add_init_script(path=str(AXE))
    await page.goto("/record")
    await expect(page.locator('[data-role="record-table"]')).to_be_visible()
    report = Report()
    await audit(page, report, "record ko phone")
    assert not report.violations, report.violations
