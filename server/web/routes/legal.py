"""The privacy policy (개인정보 처리방침) and terms (이용약관): Markdown an operator replaces.

The page gives the heading (Korean, then English); a file starts with its text, its sections `##`
headings. The shipped defaults live in static/legal/; a `privacy.md` or `terms.md` in the legal
directory (`TONG_LEGAL_DIR`, unset: `legal` in the data directory) takes the default's place. The
Markdown is rendered with raw HTML off, so whatever a file holds reaches the page as text, never as
markup.
"""

from __future__ import annotations

import html
from pathlib import Path

from markdown_it import MarkdownIt
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from server.web.context import services

# Korean first (the page's language), the English name beside it for the app's English readers.
PAGES = {
    "privacy": ("개인정보 처리방침", "Privacy policy"),
    "terms": ("이용약관", "Terms of use"),
}

SHELL = """<!doctype html>
<html lang="ko">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <title>{title} · 통</title>
  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/static/css/tong.css">
</head>
<body>
  <a class="skip-link" href="#main">본문 바로가기</a>
  <header class="site-header"><div class="header-inner">
    <a class="brand" href="/"><span class="brand-mark" aria-hidden="true">通</span>
    <span class="brand-name">통</span></a>
  </div></header>
  <main id="main" class="site-main legal-page" tabindex="-1">
    <article class="legal">
      <h1>{title} <span class="legal-en" lang="en">{title_en}</span></h1>
{body}
    </article>
  </main>
  <footer class="site-footer"><div class="footer-inner">{footer}</div></footer>
</body>
</html>
"""


def footer_links() -> str:
    links = " · ".join(f'<a href="/{slug}">{ko}</a>' for slug, (ko, _en) in PAGES.items())
    return f'<nav class="legal-links" aria-label="약관과 방침">{links}</nav>'


def render_markdown(source: str) -> str:
    """CommonMark with raw HTML off: `<script>` in the file is shown as text."""
    return MarkdownIt("commonmark", {"html": False}).render(source)


def legal_source(name: str, legal_dir: Path, static_dir: Path) -> str:
    for candidate in (legal_dir / f"{name}.md", static_dir / "legal" / f"{name}.md"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    return ""


def routes(static_dir: Path) -> list[Route]:
    def page(name: str) -> Route:
        title, title_en = PAGES[name]

        async def endpoint(request: Request) -> Response:
            legal_dir = services(request).settings.effective_legal_dir
            body = render_markdown(legal_source(name, legal_dir, static_dir))
            shown = SHELL.format(
                title=html.escape(title), title_en=html.escape(title_en), body=body, footer=footer_links()
            )
            return HTMLResponse(shown, headers={"cache-control": "no-cache"})

        return Route(f"/{name}", endpoint, methods=["GET"])

    return [page(name) for name in PAGES]
