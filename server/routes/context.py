"""What a handler needs from a request: the services, the caller, a JSON body, query values."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse

from server import policy
from server.errors import Invalid, TooLarge, Unauthorized
from server.models import Account

if TYPE_CHECKING:
    from server.services import Services

SESSION_COOKIE = "tong_session"


def services(conn: HTTPConnection) -> Services:
    return conn.app.state.services  # type: ignore[no-any-return]


async def caller(conn: HTTPConnection) -> Account | None:
    """The logged-in account, or None; looked up once per request."""
    cached = conn.scope.get("tong.account", ...)
    if cached is not ...:
        return cached  # type: ignore[no-any-return]
    token = conn.cookies.get(SESSION_COOKIE)
    account = await services(conn).discussion.account_for_token(token) if token else None
    conn.scope["tong.account"] = account
    return account


async def require_account(conn: HTTPConnection) -> Account:
    account = await caller(conn)
    if account is None:
        raise Unauthorized("log in first")
    return account


async def require_staff(conn: HTTPConnection, role: str | None = None) -> Account:
    account = await require_account(conn)
    if role is None:
        policy.require_staff(account)
    else:
        policy.require_role(account, role)
    return account


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; 413 past the size limit (counted while reading), 400/422 if not JSON."""
    limit = services(request).settings.request_body_max
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"request body is over {limit} bytes")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"request body is over {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        value = json.loads(raw) if raw else None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidJson(f"request body is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise Invalid("request body must be a JSON object")
    return value


class InvalidJson(Invalid):
    status = 400
    code = "invalid_json"


def int_param(request: Request, name: str, *, minimum: int = 0) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"{name} must be an integer", {name: "expected an integer"}) from None
    if value < minimum:
        raise Invalid(f"{name} must be at least {minimum}", {name: "out of range"})
    return value


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)
