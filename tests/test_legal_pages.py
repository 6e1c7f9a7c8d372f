"""The privacy policy and terms: Markdown served as pages, replaceable by the operator, never markup."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.support.clients import Http
from tests.support.servers import InProcessServer

HTML = {"accept": "text/html"}


async def test_privacy_and_terms_render_in_korean_with_an_english_heading(
    server: InProcessServer, anonymous: Http
) -> None:
    """/privacy and /terms are HTML pages: the Korean title, the English one, the default text, both links."""
    for path, korean, english, text in (
        ("/privacy", "개인정보 처리방침", "Privacy policy", "개인정보 보호책임자"),
        ("/terms", "이용약관", "Terms of use", "책임의 한계"),
    ):
        page = await anonymous.get(path, headers=HTML)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert f"<h1>{korean} <span" in page.text and english in page.text
        assert "<h2>" in page.text and text in page.text
        assert 'href="/privacy"' in page.text and 'href="/terms"' in page.text


async def test_operator_files_replace_the_defaults_and_markup_stays_text(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http], tmp_path: Path
) -> None:
    """A privacy.md in TONG_LEGAL_DIR replaces the default; its <script> and javascript: link are
    shown as text, and terms.md, not replaced, stays the default."""
    (tmp_path / "privacy.md").write_text(
        "## 우리 기관의 방침\n\n<script>alert('x')</script>\n\n[누르기](javascript:alert(1))\n",
        encoding="utf-8",
    )
    running = await make_server(legal_dir=tmp_path)
    clients.append(client := Http(running.base_url))
    page = await client.get("/privacy", headers=HTML)
    assert "<h2>우리 기관의 방침</h2>" in page.text
    assert "&lt;script&gt;alert(" in page.text
    assert "<script" not in page.text
    assert "javascript:" not in page.text.replace("[누르기](javascript:alert(1))", "")
    assert 'href="javascript' not in page.text
    terms = await client.get("/terms", headers=HTML)
    assert "책임의 한계" in terms.text
