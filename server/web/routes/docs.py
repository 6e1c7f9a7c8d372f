"""The API described: `/api/openapi.json` (OpenAPI 3.1), `/api/ws-schema.json` (the WebSocket
frames' JSON Schema) and `/api/docs` (Swagger UI, vendored under static/vendor/)."""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from server.runtime.settings import Settings
from server.web import frames, openapi
from server.web.context import services
from server.web.operation import Operation
from server.web.routes import (
    admin,
    api,
    auth,
    categories,
    desk,
    drafts,
    erasure,
    files,
    mail,
    me,
    mfa,
    moderation,
    ops,
    passwords,
    staff,
    workflow,
)
from server.web.routes.pages import PACKAGE_DIR, find_static_dir


def _version() -> str:
    try:
        return version("tong")
    except PackageNotFoundError:
        return "0"


@functools.cache
def _document(settings: Settings) -> dict[str, Any]:
    return openapi.document(all_operations(), settings, _version(), auth.OPENAPI_PATHS)


@functools.cache
def _frames() -> dict[str, Any]:
    return frames.frames_schema()


async def openapi_json(request: Request) -> Response:
    return JSONResponse(_document(services(request).settings))


async def ws_schema(request: Request) -> Response:
    return JSONResponse(_frames())


async def docs_page(request: Request) -> Response:
    return FileResponse(
        find_static_dir() / "apidocs" / "index.html",
        # Swagger UI runs under the app's own Content-Security-Policy (middleware.py) unchanged:
        # its scripts and styles are files from 'self', and it styles elements through the DOM.
        headers={"cache-control": "no-cache"},
    )


def find_protocol() -> Path:
    """docs/protocol.md: server/docs/ inside an installed wheel, else the source tree's docs/."""
    candidates = (PACKAGE_DIR / "docs" / "protocol.md", PACKAGE_DIR.parent / "docs" / "protocol.md")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise RuntimeError(
        f"the contract is missing (looked in {', '.join(map(str, candidates))}); reinstall Tong"
    )


async def protocol(request: Request) -> Response:
    return FileResponse(find_protocol(), media_type="text/markdown; charset=utf-8")


operations = [
    Operation("GET", "/api/protocol.md", protocol, "The public contract (docs/protocol.md)", "docs",
              media=("text/markdown",)),
    Operation("GET", "/api/openapi.json", openapi_json, "This document (OpenAPI 3.1)", "docs"),
    Operation("GET", "/api/ws-schema.json", ws_schema, "The WebSocket frames (JSON Schema)", "docs"),
    Operation("GET", "/api/docs", docs_page, "This document in Swagger UI", "docs", media=("text/html",)),
]  # fmt: skip


def all_operations() -> list[Operation]:
    return [
        *api.operations,
        *mail.operations,
        *staff.operations,
        *desk.operations,
        *me.operations,
        *categories.operations,
        *ops.operations,
        *files.operations,
        *workflow.operations,
        *operations,
        *drafts.operations,
        *mfa.operations,
        *moderation.operations,
        *passwords.operations,
        *admin.operations,
        *erasure.operations,
    ]
