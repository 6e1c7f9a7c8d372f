"""What a handler needs from a request: the services, the caller, the raw body, row ids in paths."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse

from server.contract.errors import ErrorCode, TooLarge, Unauthorized
from server.domain import policy
from server.domain.accounts import token_hash
from server.store.models import ROW_ID_MAX, Account

if TYPE_CHECKING:
    from server.services import Services

SESSION_COOKIE = "tong_session"


class IdConvertor(Convertor[int]):
    """`{name:id}`: a row id. Starlette's `int` takes any number of digits, and turning 5,000 of
    them into an int raises (a 500); here more than 10 digits match no route (404), and values
    past the id columns' range read as 0, which no row has (404 again, never a database error)."""

    regex = "[0-9]{1,10}"

    def convert(self, value: str) -> int:
        number = int(value)
        return number if number <= ROW_ID_MAX else 0

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())


class QuarterConvertor(Convertor[str]):
    """`{name:quarter}`: a KST calendar quarter, `2026-Q4` (years 2000-2999: anything else
    matches no route, a 404)."""

    regex = "2[0-9]{3}-Q[1-4]"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("quarter", QuarterConvertor())


def services(conn: HTTPConnection) -> Services:
    return conn.app.state.services  # type: ignore[no-any-return]


async def caller(conn: HTTPConnection) -> Account | None:
    """The logged-in account, or None; looked up once per request.

    A staff session that still owes its second factor (TONG_STAFF_MFA=required) is no session
    here: anonymous for what anyone may read, 401 `mfa_required` for the rest (`require_account`);
    only the operations that finish the login ask for it (`pending_caller`)."""
    cached = conn.scope.get("tong.account", ...)
    if cached is not ...:
        return cached  # type: ignore[no-any-return]
    svc = services(conn)
    token = conn.cookies.get(SESSION_COOKIE)
    account = await svc.discussion.account_for_token(token) if token else None
    if account is not None and token and await svc.factors.pending(account, token_hash(token)):
        conn.scope["tong.pending"] = account
        account = None
    conn.scope["tong.account"] = account
    return account


async def pending_caller(conn: HTTPConnection) -> Account | None:
    """The account of a session that gave its password but not yet its second factor, else None."""
    await caller(conn)
    return conn.scope.get("tong.pending")


def session_hash(conn: HTTPConnection) -> str | None:
    """The stored hash of the caller's session cookie (sessions are keyed by it)."""
    token = conn.cookies.get(SESSION_COOKIE)
    return token_hash(token) if token else None


async def require_account(conn: HTTPConnection, pending_ok: bool = False) -> Account:
    """The caller's account; `pending_ok`: also a session still owing its second factor (the
    operations that give or enrol it)."""
    account = await caller(conn)
    if account is None:
        pending = conn.scope.get("tong.pending")
        if pending is not None:
            if pending_ok:
                return pending  # type: ignore[no-any-return]
            raise Unauthorized(
                "give your second factor first (POST /api/session/mfa)", code=ErrorCode.MFA_REQUIRED
            )
        raise Unauthorized("log in first", code=ErrorCode.LOGIN_REQUIRED)
    return account


async def require_recent_factor(conn: HTTPConnection, account: Account) -> None:
    """Step-up for the acts that unmask or destroy (a reveal, a role change, an erasure): 403
    `reauth_required` unless this session gave its second factor within the last 5 minutes, where
    a second factor is required for the account (`SecondFactors.require_recent_factor`)."""
    await services(conn).factors.require_recent_factor(account, session_hash(conn))


async def require_staff(conn: HTTPConnection, role: str | None = None) -> Account:
    account = await require_account(conn)
    if role is None:
        policy.require_staff(account)
    else:
        policy.require_role(account, role)
    return account


async def read_body(request: Request) -> bytes:
    """The request's body; 413 past the size limit, counted while reading (a declared length
    over the limit is refused before reading anything)."""
    limit = services(request).settings.request_body_max
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and len(declared) < 20 and int(declared) > limit:
        raise TooLarge(f"request body is over {limit} bytes")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"request body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)
