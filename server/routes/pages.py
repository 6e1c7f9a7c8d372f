"""The browser app: one HTML page for every app URL, and the static files beside it."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"


async def app_page(request: Request) -> Response:
    return FileResponse(STATIC_DIR / "index.html", headers={"cache-control": "no-cache"})


async def staff_page(request: Request) -> Response:
    return FileResponse(STATIC_DIR / "staff" / "index.html", headers={"cache-control": "no-cache"})


def routes(static_dir: Path = STATIC_DIR) -> list[Route | Mount]:
    return [
        Route("/", app_page, methods=["GET"]),
        Route("/threads/{thread_id:int}", app_page, methods=["GET"]),
        Route("/staff", staff_page, methods=["GET"]),
        Route("/staff/{rest:path}", staff_page, methods=["GET"]),
        Route("/login", app_page, methods=["GET"]),
        Mount("/static", StaticFiles(directory=static_dir, check_dir=False), name="static"),
    ]
