"""Optional OpenTelemetry tracing (`pip install 'tong[otel]'`, TONG_OTEL_ENABLED=true): a span per
HTTP request and WebSocket, per SQL statement and per Redis command, exported over OTLP/HTTP to
where the standard OTEL_* variables say (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, ...)."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from server.store.database import Database

MISSING = "TONG_OTEL_ENABLED=true needs the otel extra: pip install 'tong[otel]'"


def enable(app: Starlette, db: Database) -> None:
    """Trace this app's requests, its engines' statements and every redis-py command."""
    try:
        from opentelemetry import trace
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
        from opentelemetry.instrumentation.redis import RedisInstrumentor
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
        from opentelemetry.sdk.trace import TracerProvider
    except ModuleNotFoundError as exc:
        raise RuntimeError(MISSING) from exc

    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(_otlp_provider())
    # Spans for the ASGI receive/send events would be one per WebSocket frame: only the request
    # (or the whole socket) gets a span.
    app.add_middleware(OpenTelemetryMiddleware, exclude_spans=["receive", "send"])
    engines = {db.engine.sync_engine, db.write_engine.sync_engine}
    instrumentor: Any = SQLAlchemyInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        # The instrumentation declares SQLAlchemy < 2.1 only; it hooks engine events that 2.1
        # kept, and tests/test_tracing.py checks its spans on this version.
        instrumentor.instrument(engines=list(engines), skip_dep_check=True)
    redis: Any = RedisInstrumentor()
    if not redis.is_instrumented_by_opentelemetry:
        redis.instrument()


def disable() -> None:
    """Undo the SQL and Redis instrumentation (tests; a process enables tracing once)."""
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    for instrumentor in (SQLAlchemyInstrumentor(), RedisInstrumentor()):
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()


def _otlp_provider() -> Any:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # service.name is "tong"; OTEL_RESOURCE_ATTRIBUTES adds others (a replica's name, say).
    provider = TracerProvider(resource=Resource.create({"service.name": "tong"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider
