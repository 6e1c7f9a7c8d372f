"""The browser app: one HTML page for every app URL, and the static files beside it."""

from __future__ import annotations

import functools
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from server.contract.errors import NotFound
from server.text.nextpath import same_origin_path
from server.web.context import services
from server.web.routes import legal

# server/web/routes/pages.py -> server/
PACKAGE_DIR = Path(__file__).resolve().parents[2]


@functools.cache
def find_static_dir() -> Path:
    """Where the app's files are: server/static/ inside an installed wheel (pyproject.toml maps the
    top-level static/ there), else the source tree's static/ (editable installs, a checkout)."""
    candidates = (PACKAGE_DIR / "static", PACKAGE_DIR.parent / "static")
    for candidate in candidates:
        if (candidate / "index.html").is_file():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise RuntimeError(f"the browser app's files are missing (looked in {looked}); reinstall Tong")


def wants_html(request: Request) -> bool:
    """A browser navigating (Accept names text/html), not an API client or a script's fetch."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def not_found_page(directory: Path | None = None) -> Response:
    """The app itself with status 404: it draws its "not found" page for whatever path it is on."""
    index = (directory or find_static_dir()) / "index.html"
    return FileResponse(index, status_code=404, headers={"cache-control": "no-cache"})


def routes(static_dir: Path | None = None) -> list[Route | Mount]:
    directory = static_dir or find_static_dir()

    async def app_page(request: Request) -> Response:
        return FileResponse(directory / "index.html", headers={"cache-control": "no-cache"})

    async def thread_page(request: Request) -> Response:
        # A missing thread is a 404 for the browser too (crawlers, link checkers), with the app's
        # page; anything else that asks gets the same JSON error body as the API.
        try:
            await services(request).reader.thread(request.path_params["thread_id"], None)
        except NotFound:
            if wants_html(request):
                return not_found_page(directory)
            raise
        return await app_page(request)

    async def login_page(request: Request) -> Response:
        # The page's script checks `next` too (static/js/nextpath.js); answering a foreign one
        # with the plain /login means even a stale cached script never sees it.
        given = request.query_params.get("next")
        if given is not None and same_origin_path(given) != given:
            return RedirectResponse("/login", status_code=303, headers={"cache-control": "no-store"})
        return await app_page(request)

    async def staff_page(request: Request) -> Response:
        return FileResponse(directory / "staff" / "index.html", headers={"cache-control": "no-cache"})

    return [
        Route("/", app_page, methods=["GET"]),
        Route("/threads/{thread_id:id}", thread_page, methods=["GET"]),
        Route("/staff", staff_page, methods=["GET"]),
        Route("/staff/{rest:path}", staff_page, methods=["GET"]),
        Route("/login", login_page, methods=["GET"]),
        Route("/record", app_page, methods=["GET"]),
        # 분기 보고서 (issue 23): one KST quarter's report; other paths under /record are 404s.
        Route("/record/{quarter:quarter}", app_page, methods=["GET"]),
        Route("/account", app_page, methods=["GET"]),
        # 내 활동: the caller's proposals, comments, follows and notices.
        Route("/me", app_page, methods=["GET"]),
        # The links in mails (mailer.py): the page asks before it POSTs the token.
        Route("/mail/confirm", app_page, methods=["GET"]),
        Route("/mail/unsubscribe", app_page, methods=["GET"]),
        # Password reset and invitation links (v1.2): the page asks for the new password.
        Route("/reset-password", app_page, methods=["GET"]),
        # 개인정보 처리방침 and 이용약관: server-rendered from Markdown, linked from every footer.
        *legal.routes(directory),
        Mount("/static", StaticFiles(directory=directory, check_dir=False), name="static"),
    ]
