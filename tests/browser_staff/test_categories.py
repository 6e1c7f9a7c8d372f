"""The staff dashboard's category tab: add, rename (the board shows the new name on the thread),
retire (the composer no longer offers it) and restore, keyboard and labels only."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser_staff.conftest import Tong, open_dashboard

pytestmark = pytest.mark.browser


async def test_staff_add_rename_retire_a_category(open_page: Any, tong: Tong) -> None:
    tag = uuid.uuid4().hex[:6]
    name, renamed, slug = f"공동계약 {tag}", f"공동수급 {tag}", f"joint-{tag}"
    dashboard = await open_dashboard(open_page, "categories")
    page = dashboard.page
    form = page.locator("#category-form")
    await form.get_by_label("이름", exact=True).fill(name)
    await form.get_by_label("영문 이름").fill(f"Joint {tag}")
    await form.get_by_label("주소 이름").fill(slug)
    await form.get_by_label("주소 이름").press("Enter")
    row = page.locator("#categories tbody tr", has_text=slug)
    await expect(row).to_contain_text(name)
    await expect(page.locator("#categories-result")).to_contain_text(name)

    company = await tong.client("company2")
    posted = await company.post(
        "/api/threads", json={"kind": "proposal", "title": f"분류 {tag}", "body": "본문", "category": slug}
    )
    assert posted.status_code == 201, posted.text
    await expect(row.locator("td").nth(2)).to_have_text("1", timeout=5000)

    await row.get_by_label(f"‘{name}’의 새 이름").fill(renamed)
    await row.get_by_label(f"‘{name}’의 새 이름").press("Enter")
    row = page.locator("#categories tbody tr", has_text=slug)
    await expect(row.locator("th")).to_have_text(renamed)
    shown = await company.get(f"/api/threads/{posted.json()['id']}")
    assert shown.json()["category"] == renamed

    await row.get_by_role("button", name=f"‘{renamed}’ 사용 중지").click()
    await expect(row).to_contain_text("사용 중지")
    refused = await company.post(
        "/api/threads", json={"kind": "proposal", "title": "t", "body": "b", "category": slug}
    )
    assert refused.status_code == 422
    await row.get_by_role("button", name=f"‘{renamed}’ 다시 사용").click()
    await expect(row.get_by_role("button", name=f"‘{renamed}’ 사용 중지")).to_be_visible()
    assert not dashboard.problems
