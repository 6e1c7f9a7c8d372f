"""Regenerate docs/screenshots/: python tests/browser/screenshots.py [--out DIR]

Starts a demo Tong on a free port, makes one thread busy (a dozen comments with replies, a hidden
comment, recommendations, an interim answer), and photographs the board, that thread and the staff
tools at desktop (1280x800) and phone (390x844) sizes, light and dark.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import httpx
from playwright.async_api import ViewportSize, async_playwright

ROOT = Path(__file__).resolve().parents[2]
# Run as a script: make the repository importable for the shared demo-server helper.
sys.path.insert(0, str(ROOT))
from tests.demo_server import CHROMIUM, CHROMIUM_ARGS, demo_server  # noqa: E402
from tests.demo_server import DEMO_PASSWORD as PASSWORD  # noqa: E402

ARGS = CHROMIUM_ARGS
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
BUSY_THREAD = 3
Scheme = Literal["light", "dark"]  # 혁신제품 시범구매 후기 in the demo data

CONVERSATION = [
    ("company3", None, "평가 항목은 납기 준수, 품질, 사후 관리 세 가지면 충분하다고 봅니다."),
    ("agency2", 0, "기관 입장에서는 항목이 적을수록 작성 부담이 줄어 좋습니다."),
    ("company1", 0, "사후 관리 항목은 꼭 들어가야 합니다. 설치 후 1년이 지나야 알 수 있는 문제가 많습니다."),
    ("company5", None, "평가가 공개되면 중소기업도 같은 기준으로 비교받을 수 있어 공정해질 것 같습니다."),
    (
        "agency3",
        None,
        "공개 시점은 시범구매 종료 후 3개월이 적당해 보입니다.\n너무 이르면 경험이 부족합니다.",
    ),
    ("company6", 4, "3개월이면 계절을 타는 제품은 평가가 어렵습니다. 품목별로 달리 정하면 어떨까요?"),
    ("agency1", 4, "동의합니다. 품목군별 기준표가 있으면 좋겠습니다."),
    ("company2", None, "광고성 글입니다. 저희 회사 제품을 지금 구매하시면 특별 할인해 드립니다!"),
    ("company4", None, "평가 결과에 대한 기업의 답변(소명)도 같은 화면에 함께 보여 주세요."),
    ("company1", 8, "좋은 의견입니다. 원 제안에 소명 절차를 추가하겠습니다."),
    ("agency2", None, "혁신제품 지정 심사 때 이 평가를 참고 자료로 쓰는 것도 검토해 주시기 바랍니다."),
    ("company3", 10, "그 경우 평가 작성 기준이 기관마다 달라 불리해지는 기업이 생길 수 있습니다."),
]


@contextlib.contextmanager
def running_tong() -> Iterator[str]:
    with demo_server() as running:
        yield running.base


async def make_busy(base: str) -> int:
    clients: dict[str, httpx.AsyncClient] = {}

    async def as_(login: str) -> httpx.AsyncClient:
        if login not in clients:
            client = httpx.AsyncClient(base_url=base, timeout=10)
            r = await client.post("/api/session", json={"login": login, "password": PASSWORD})
            r.raise_for_status()
            clients[login] = client
        return clients[login]

    posted: list[int] = []
    for login, parent, body in CONVERSATION:
        payload: dict[str, object] = {"body": body}
        if parent is not None:
            payload["parent_id"] = posted[parent]
        r = await (await as_(login)).post(f"/api/threads/{BUSY_THREAD}/comments", json=payload)
        if r.status_code != 201:
            raise RuntimeError(f"posting {body[:20]!r} failed: {r.status_code} {r.text}")
        posted.append(r.json()["id"])
    for login in ("company1", "company4", "agency1", "agency3"):
        await (await as_(login)).put(f"/api/comments/{posted[3]}/recommendation")
    for login in ("company2", "company6"):
        await (await as_(login)).put(f"/api/comments/{posted[0]}/recommendation")
    await (await as_("staff")).post(f"/api/comments/{posted[7]}/hide", json={"reason": "광고성 게시물"})
    await (await as_("staff")).post(
        f"/api/threads/{BUSY_THREAD}/answers",
        json={
            "body": "제안 감사합니다. 혁신제품 사용 평가 공개 범위와 시점을 관계 부서와 협의하고 있으며, "
            "다음 달 중 결과를 안내하겠습니다."
        },
    )
    for client in clients.values():
        await client.aclose()
    return BUSY_THREAD


async def shoot(base: str, out: Path) -> list[Path]:
    saved: list[Path] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        async def page_for(viewport: ViewportSize, login: str | None = None, scheme: Scheme = "light"):
            context = await browser.new_context(
                base_url=base, viewport=viewport, color_scheme=scheme, device_scale_factor=1, locale="ko-KR"
            )
            if login:
                await context.request.post("/api/session", data={"login": login, "password": PASSWORD})
            return context, await context.new_page()

        async def snap(name: str, page, full: bool = False) -> None:
            await page.wait_for_timeout(400)
            path = out / name
            await page.screenshot(path=str(path), full_page=full)
            saved.append(path)

        # A second tab on the busy thread, so the watcher count says more than one.
        _, watcher = await page_for(DESKTOP)
        await watcher.goto(f"/threads/{BUSY_THREAD}")

        context, page = await page_for(DESKTOP, login="company2")
        await page.goto("/")
        await page.wait_for_selector(".thread-card")
        await snap("board-desktop.png", page)
        await page.goto(f"/threads/{BUSY_THREAD}")
        await page.wait_for_selector(".comment-card")
        await snap("thread-desktop.png", page, full=True)
        await context.close()

        context, page = await page_for(PHONE, login="agency1")
        await page.goto("/")
        await page.wait_for_selector(".thread-card")
        await snap("board-phone.png", page)
        await page.goto(f"/threads/{BUSY_THREAD}")
        await page.wait_for_selector(".comment-card")
        await page.locator(".comments").scroll_into_view_if_needed()
        await page.evaluate("window.scrollBy(0, 200)")
        await snap("thread-phone.png", page)
        await context.close()

        context, page = await page_for(DESKTOP, login="admin")
        await page.goto(f"/threads/{BUSY_THREAD}")
        await page.wait_for_selector(".staff-tools")
        await page.evaluate(
            "scrollBy(0, document.querySelector('.answers').getBoundingClientRect().top - 80)"
        )
        await snap("staff-thread-desktop.png", page)
        await context.close()

        context, page = await page_for(DESKTOP, scheme="dark")
        await page.goto(f"/threads/{BUSY_THREAD}")
        await page.wait_for_selector(".comment-card")
        await snap("thread-dark-desktop.png", page)
        await context.close()
        await browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with running_tong() as base:
        asyncio.run(make_busy(base))
        for path in asyncio.run(shoot(base, args.out)):
            print(path)


if __name__ == "__main__":
    main()
