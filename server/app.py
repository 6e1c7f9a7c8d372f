"""create_app(settings) -> Starlette. The lifespan builds the engine, broker and hub, and stops them."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.accounts import Passwords
from server.breaker import Breaker
from server.broker import Broker, broker_from_url
from server.database import Database, is_unreachable
from server.desk import Desk
from server.discussion import Discussion
from server.errors import DomainError, RateLimited
from server.hub import Hub
from server.metrics import Metrics
from server.middleware import SameOriginMiddleware
from server.migrations import ensure_current
from server.publisher import Publisher
from server.reading import Reader
from server.review import Review
from server.routes import api, desk, ops, pages, staff, ws
from server.sessions import Sessions
from server.settings import Settings

log = logging.getLogger("tong")


@dataclass
class Services:
    settings: Settings
    db: Database
    # The one circuit breaker for this process's Redis: every Redis call goes through it, so
    # one failure signal (a refused connection, a missed probe) protects every caller at once.
    breaker: Breaker
    broker: Broker
    publisher: Publisher
    sessions: Sessions
    metrics: Metrics
    hub: Hub
    reader: Reader
    discussion: Discussion
    review: Review
    desk: Desk


def build_services(settings: Settings) -> Services:
    secret = settings.resolved_secret().encode()
    db = Database(settings.effective_database_url)
    metrics = Metrics()
    breaker = Breaker("redis")
    broker = broker_from_url(settings.redis_url, uuid.uuid4().hex, settings.redis_prefix, breaker)
    reader = Reader(db, secret, settings.page_limit_max)
    sessions = Sessions(db)
    hub = Hub(broker, reader, settings, metrics, sessions=sessions)
    publisher = Publisher(broker, metrics, on_lost=hub.publish_lost)
    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_cost)
    discussion = Discussion(db, publisher, settings, secret, passwords)
    review = Review(db, reader, publisher, hub.presence)
    hub.set_stats_source(review.stats)
    desk_services = Desk.build(settings, db, discussion, hub.presence)
    return Services(
        settings,
        db,
        breaker,
        broker,
        publisher,
        sessions,
        metrics,
        hub,
        reader,
        discussion,
        review,
        desk_services,
    )


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    headers = {"retry-after": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return JSONResponse(error_body(exc.code, exc.message, exc.fields), exc.status, headers=headers)


HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request", 413: "too_large"}


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404 and pages.wants_html(request):
        return pages.not_found_page()
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)


# A PostgreSQL restart takes a few seconds; clients are told to come back after about that long.
DATABASE_RETRY_AFTER_S = 3


def database_unavailable() -> Response:
    return JSONResponse(
        error_body("unavailable", "the database is unavailable; try again"),
        503,
        headers={"retry-after": str(DATABASE_RETRY_AFTER_S)},
    )


async def database_error(request: Request, exc: Exception) -> Response:
    log.error("database error on %s %s: %s", request.method, request.url.path, exc)
    if isinstance(exc, IntegrityError):
        return JSONResponse(error_body("conflict", "the change conflicts with stored data"), 409)
    return database_unavailable()


async def server_error(request: Request, exc: Exception) -> Response:
    if is_unreachable(exc):
        # Raised outside the routes' handlers (a middleware's session lookup, a connect error
        # that is not a DBAPIError): still the database being down, not a bug.
        log.error("database unreachable on %s %s: %r", request.method, request.url.path, exc)
        return database_unavailable()
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("internal_error", "something went wrong on our side"), 500)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    services = build_services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await ensure_current(services.db, upgrade_if_behind=settings.migrate_on_start)
        await services.hub.start()
        services.publisher.start()
        services.desk.start()
        try:
            yield
        finally:
            await services.desk.stop()
            await services.publisher.stop()
            await services.hub.stop()
            await services.db.dispose()

    app = Starlette(
        routes=[*api.routes, *staff.routes, *desk.routes, *ops.routes, *pages.routes()],
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
    return app


def create_app_from_env() -> Starlette:
    """The factory uvicorn imports in each worker process."""
    return create_app(Settings())
