"""create_app(settings) -> Starlette. The lifespan builds the engine, broker and hub, and stops them."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, ProgrammingError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.contract.errors import DomainError, ErrorCode, RateLimited, Suspended
from server.runtime.settings import Settings
from server.services import build_services
from server.store import analyser
from server.store.database import is_unreachable
from server.store.migrations import ensure_current
from server.web import operation
from server.web.middleware import (
    AddressCapMiddleware,
    RequestContextMiddleware,
    SameOriginMiddleware,
    current_request_id,
)
from server.web.routes import auth, docs, pages, ws

log = logging.getLogger("tong")


def error_body(code: ErrorCode, message: str, fields: dict[str, str] | None = None) -> dict[str, object]:
    error: dict[str, object] = {"code": code, "message": message, "fields": fields or {}}
    # An extension of the contract's error body: the id to quote, which the logs carry too.
    request_id = current_request_id()
    if request_id is not None:
        error["request_id"] = request_id
    return {"error": error}


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    headers = {"retry-after": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    body = error_body(exc.code, exc.message, exc.fields)
    if isinstance(exc, Suspended):
        body["error"]["until"] = exc.until  # type: ignore[index]
    return JSONResponse(body, exc.status, headers=headers)


HTTP_CODES = {
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    400: ErrorCode.BAD_REQUEST,
    413: ErrorCode.TOO_LARGE,
}


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404 and pages.wants_html(request):
        return pages.not_found_page()
    code = HTTP_CODES.get(exc.status_code, ErrorCode.HTTP_ERROR)
    return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)


# A PostgreSQL restart takes a few seconds; clients are told to come back after about that long.
DATABASE_RETRY_AFTER_S = 3


def database_unavailable() -> Response:
    return JSONResponse(
        error_body(ErrorCode.UNAVAILABLE, "the database is unavailable; try again"),
        503,
        headers={"retry-after": str(DATABASE_RETRY_AFTER_S)},
    )


async def database_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, DataError):
        # A value the validation let through but a column cannot hold: the request's fault.
        log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc)
        return JSONResponse(
            error_body(ErrorCode.VALIDATION_ERROR, "a value is out of range for the database"), 422
        )
    log.error("database error on %s %s: %s", request.method, request.url.path, exc)
    if isinstance(exc, IntegrityError):
        return JSONResponse(error_body(ErrorCode.CONFLICT, "the change conflicts with stored data"), 409)
    return database_unavailable()


async def server_error(request: Request, exc: Exception) -> Response:
    if is_unreachable(exc):
        # Raised outside the routes' handlers (a middleware's session lookup, a connect error
        # that is not a DBAPIError): still the database being down, not a bug.
        log.error("database unreachable on %s %s: %r", request.method, request.url.path, exc)
        return database_unavailable()
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    # Sent from outside every middleware (Starlette's error layer), so the id header goes here.
    request_id = current_request_id()
    headers = {"x-request-id": request_id} if request_id else None
    return JSONResponse(
        error_body(ErrorCode.INTERNAL_ERROR, "something went wrong on our side"), 500, headers=headers
    )


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    services = build_services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Search's analyser loads in a thread meanwhile (seconds), not in the first request.
        analyser.start_loading()
        await ensure_current(
            services.db, upgrade_if_behind=settings.migrate_on_start, audit_key=settings.resolved_audit_key()
        )
        # The epoch is read (or rotated, after a restore) before anything is served.
        await services.epochs.watch()
        # Says "a server uses this database" to `tong restore` until the process stops.
        await services.heartbeat.start()
        await services.hub.start()
        services.events.start()
        services.desk.start()
        services.history_watch.loop.start()
        services.session_purge.loop.start()
        services.reader.search_flush.start()
        services.mailer.start()
        services.reminders.loop.start()
        try:
            yield
        finally:
            await services.reminders.loop.stop()
            await services.mailer.stop()
            await services.reader.search_flush.stop()
            await services.session_purge.loop.stop()
            await services.history_watch.loop.stop()
            await services.desk.stop()
            await services.events.stop()
            await services.hub.stop()
            await services.epochs.mark.close()
            await services.heartbeat.stop()
            await services.db.dispose()

    app = Starlette(
        routes=[*operation.routes(docs.all_operations()), *auth.routes(), *pages.routes()],
        lifespan=lifespan,
        exception_handlers={
            DomainError: domain_error,
            HTTPException: http_error,
            IntegrityError: database_error,
            OperationalError: database_error,
            ProgrammingError: database_error,
            DBAPIError: database_error,
            OSError: server_error,
            Exception: server_error,
        },
    )
    app.state.services = services
    app.add_middleware(
        SameOriginMiddleware, sockets=ws.LiveSockets(services), allowed_origins=settings.allowed_origins
    )
    if settings.otel_enabled:
        from server.telemetry import tracing

        # Inside the request-id layer, so a span's log lines carry the request id.
        tracing.enable(app, services.db)
    # Inside the request-id layer: a refused request is logged like any other.
    app.add_middleware(AddressCapMiddleware, limit=settings.http_max_per_ip)
    app.add_middleware(RequestContextMiddleware)
    return app


def create_app_from_env() -> Starlette:
    """The factory uvicorn imports in each worker process (a fresh interpreter: logging too)."""
    from server.telemetry import logs

    settings = Settings()
    logs.configure(settings)
    return create_app(settings)
