"""The browser app: one HTML page for every app URL, and the static files beside it."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from server.errors import NotFound
from server.routes.context import services

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"


def wants_html(request: Request) -> bool:
    """A browser navigating (Accept names text/html), not an API client or a script's fetch."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def not_found_page() -> Response:
    """The app itself with status 404: it draws its "not found" page for whatever path it is on."""
    return FileResponse(STATIC_DIR / "index.html", status_code=404, headers={"cache-control": "no-cache"})


async def app_page(request: Request) -> Response:
    return FileResponse(STATIC_DIR / "index.html", headers={"cache-control": "no-cache"})


async def thread_page(request: Request) -> Response:
    # A missing thread is a 404 for the browser too (crawlers, link checkers), with the app's page;
    # anything else that asks gets the same JSON error body as the API.
    try:
        await services(request).reader.thread(request.path_params["thread_id"], None)
    except NotFound:
        if wants_html(request):
            return not_found_page()
        raise
    return await app_page(request)


async def staff_page(request: Request) -> Response:
    return FileResponse(STATIC_DIR / "staff" / "index.html", headers={"cache-control": "no-cache"})


def routes(static_dir: Path = STATIC_DIR) -> list[Route | Mount]:
    return [
        Route("/", app_page, methods=["GET"]),
        Route("/threads/{thread_id:int}", thread_page, methods=["GET"]),
        Route("/staff", staff_page, methods=["GET"]),
        Route("/staff/{rest:path}", staff_page, methods=["GET"]),
        Route("/login", app_page, methods=["GET"]),
        Mount("/static", StaticFiles(directory=static_dir, check_dir=False), name="static"),
    ]
