"""The browser app: one HTML page for every app URL, and the static files beside it."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def find_static_dir() -> Path:
    """Where the app's files are: server/static/ inside an installed wheel (pyproject.toml maps the
    top-level static/ there), else the source tree's static/ (editable installs, a checkout)."""
    candidates = (PACKAGE_DIR / "static", PACKAGE_DIR.parent / "static")
    for candidate in candidates:
        if (candidate / "index.html").is_file():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise RuntimeError(f"the browser app's files are missing (looked in {looked}); reinstall Tong")


def routes(static_dir: Path | None = None) -> list[Route | Mount]:
    directory = static_dir or find_static_dir()

    async def app_page(request: Request) -> Response:
        return FileResponse(directory / "index.html", headers={"cache-control": "no-cache"})

    async def staff_page(request: Request) -> Response:
        return FileResponse(directory / "staff" / "index.html", headers={"cache-control": "no-cache"})

    return [
        Route("/", app_page, methods=["GET"]),
        Route("/threads/{thread_id:int}", app_page, methods=["GET"]),
        Route("/staff", staff_page, methods=["GET"]),
        Route("/staff/{rest:path}", staff_page, methods=["GET"]),
        Route("/login", app_page, methods=["GET"]),
        Mount("/static", StaticFiles(directory=directory, check_dir=False), name="static"),
    ]
