"""WCAG 2.1 A/AA through axe-core on every page and state, in Korean and English, light and dark,
desktop and phone width; the report (rules run, pages, violations) is printed.

axe-core comes from tests/js/package-lock.json (pinned, installed by `scripts/install test` with
npm ci) and is injected by Playwright into each page before the page's own scripts run.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.conftest import Tong
from tests.support.demo_server import DEMO_PASSWORD, ROOT

pytestmark = pytest.mark.browser

AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = (1280, 800)
PHONE = (390, 844)
COMBOS = [
    (lang, scheme, size) for lang in ("ko", "en") for scheme in ("light", "dark") for size in (DESKTOP, PHONE)
]
# A thread of the demo with replies, an interim answer and a hidden comment.
BUSY_THREAD = 3


def require_axe() -> None:
    if AXE.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("axe-core is missing: scripts/install test runs npm ci in tests/js")
    pytest.skip("axe-core is not installed (npm ci in tests/js)")


@dataclass
class Report:
    rules: set[str] = field(default_factory=set)
    states: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    version: str = ""

    def text(self, seconds: float) -> str:
        lines = [
            f"axe-core {self.version}: {len(self.rules)} rules run ({', '.join(TAGS)}), "
            f"{len(self.states)} page states in {seconds:.0f}s, {len(self.violations)} violations",
            *(f"  {state}" for state in self.states),
        ]
        lines += [f"  VIOLATION {v}" for v in self.violations]
        return "\n".join(lines)


async def audit(page: Any, report: Report, label: str) -> None:
    """Run axe on the page as it is now and record what it found."""
    result = await page.evaluate(
        """async (tags) => {
            const options = { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] };
            const r = await axe.run(document, options);
            const ids = (list) => list.map((rule) => rule.id);
            return {
              version: axe.version,
              rules: [...ids(r.passes), ...ids(r.violations), ...ids(r.incomplete), ...ids(r.inapplicable)],
              violations: r.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map((n) => [n.target.join(" "), n.failureSummary]),
                count: v.nodes.length,
              })),
            };
        }""",
        TAGS,
    )
    report.version = result["version"]
    report.rules.update(result["rules"])
    report.states.append(f"{label}: {len(result['violations'])} violations")
    for v in result["violations"]:
        report.violations.append(
            f"{label} {v['id']} ({v['impact']}, {v['count']} nodes): {json.dumps(v['nodes'])}"
        )


async def settle(page: Any) -> None:
    # Fonts and the live connection change the layout; contrast is measured on the final one.
    await page.evaluate("document.fonts.ready.then(() => true)")


async def public_states(page: Any, tong: Tong, report: Report, combo: str) -> None:
    await page.goto("/")
    await expect(page.locator(".thread-card").first).to_be_visible()
    # The new-posts bar: a thread posted after the board loaded waits behind it.
    await page.wait_for_function("() => window.__tong && window.__tong.live.state === 'live'", polling=100)
    async with tong.client("agency2") as client:
        r = await client.post(
            "/api/threads", json={"kind": "proposal", "title": f"접근성 점검 {combo}", "body": "본문"}
        )
        assert r.status_code == 201, r.text
    await expect(page.locator(".new-bar")).to_be_visible(timeout=5000)
    await page.locator(".hero-actions .btn").click()  # the proposal form open
    await page.locator("select").first.select_option(index=1)  # a filter chosen
    await settle(page)
    await audit(page, report, f"board (filters, new bar, form) {combo}")

    await page.goto(f"/threads/{BUSY_THREAD}")
    await expect(page.locator(".comment-placeholder").first).to_be_visible()
    await page.route(
        "**/api/threads/*/comments",
        lambda route: (
            route.fulfill(
                status=422, json={"error": {"code": "invalid", "message": "본문이 비었습니다.", "fields": {}}}
            )
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    await page.get_by_role("textbox").last.fill("보내지 못할 댓글")
    await page.locator(".composer-slot button[type=submit]").click()
    await expect(page.locator(".composer-slot .form-error")).to_be_visible()
    await page.unroute("**/api/threads/*/comments")
    await page.locator("li.comment .comment-actions button").nth(1).click()  # a reply box open
    await settle(page)
    await audit(page, report, f"thread (replies, answers, hidden, composer error) {combo}")

    await page.goto("/nope")
    await expect(page.locator(".not-found")).to_be_visible()
    await audit(page, report, f"not found {combo}")

    await page.goto("/account")
    await expect(page.locator('[data-role="password-form"]')).to_be_visible()
    await expect(page.locator("#account-mail")).to_be_visible()
    await settle(page)
    await audit(page, report, f"account (mail settings, password) {combo}")


async def anonymous_states(page: Any, report: Report, combo: str) -> None:
    await page.goto("/login")
    # A login of its own per state: eight failures for one login would earn a doubling delay
    # (logins.py) that outlasts the wait for the error below.
    await page.locator("input[name=login]").fill(f"nobody-{abs(hash(combo)) % 10**8}")
    await page.locator("input[name=password]").fill("not-the-password")
    await page.locator("form button[type=submit]").click()
    await expect(page.locator(".form-error")).to_be_visible()
    await settle(page)
    await audit(page, report, f"login (with error) {combo}")
    await page.goto("/staff")
    await expect(page.locator("#login")).to_be_visible()
    await audit(page, report, f"staff login {combo}")
    await page.goto("/mail/unsubscribe?token=u.1.forged")
    await page.locator(".mail-link button").click()
    await expect(page.locator(".mail-link .form-error")).to_be_visible()
    await settle(page)
    await audit(page, report, f"unsubscribe link (refused) {combo}")


async def staff_states(page: Any, report: Report, combo: str) -> None:
    for tab in ("monitor", "answers", "moderation", "review"):
        await page.goto(f"/staff#{tab}")
        await page.wait_for_selector("body[data-ready='true']", timeout=15_000)
        await settle(page)
        await audit(page, report, f"staff {tab} {combo}")


async def open_context(browser: Any, tong: Tong, login: str | None) -> Any:
    context = await browser.new_context(base_url=tong.base, locale="ko-KR", timezone_id="Asia/Seoul")
    await context.add_init_script(path=str(AXE))
    if login:
        r = await context.request.post("/api/session", data={"login": login, "password": DEMO_PASSWORD})
        assert r.ok, await r.text()
    return context


async def test_every_page_and_state_passes_axe_wcag21_aa(browser: Any, tong: Tong) -> None:
    """Board, thread, not-found, login, account and every dashboard tab, in ko/en, light/dark, desktop/phone:
    no WCAG 2.1 A/AA violation; the report lists the rules run and every state checked."""
    require_axe()
    started = time.monotonic()
    report = Report()
    pages = {}
    for who in ("company2", None, "admin"):
        context = await open_context(browser, tong, who)
        pages[who] = await context.new_page()
    try:
        for lang, scheme, (width, height) in COMBOS:
            combo = f"[{lang} {scheme} {'desktop' if width > 600 else 'phone'}]"
            for page in pages.values():
                await page.set_viewport_size({"width": width, "height": height})
                await page.emulate_media(color_scheme=scheme)
                await page.goto("/static/favicon.svg")
                await page.evaluate("(lang) => localStorage.setItem('tong.lang', lang)", lang)
            await public_states(pages["company2"], tong, report, combo)
            await anonymous_states(pages[None], report, combo)
            await staff_states(pages["admin"], report, combo)
    finally:
        for page in pages.values():
            await page.context.close()
    print("\n" + report.text(time.monotonic() - started))
    assert report.violations == [], "\n".join(report.violations)
