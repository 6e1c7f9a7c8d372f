"""Optional tracing: with TONG_OTEL_ENABLED a request gives a server span, SQL spans and (with
Redis) Redis spans; without it, nothing is traced."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from server.telemetry import tracing
from tests.support.clients import Http
from tests.support.servers import InProcessServer, Stack

trace = pytest.importorskip("opentelemetry.trace", reason="the otel extra is not installed")
sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
in_memory = pytest.importorskip("opentelemetry.sdk.trace.export.in_memory_span_exporter")
export = pytest.importorskip("opentelemetry.sdk.trace.export")


@pytest.fixture(scope="module")
def spans() -> Iterator[Any]:
    """Every finished span of this process, kept in memory (the global provider is set once)."""
    exporter = in_memory.InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, sdk_trace.TracerProvider):
        provider = sdk_trace.TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(export.SimpleSpanProcessor(exporter))
    yield exporter
    tracing.disable()


async def test_a_request_is_traced_through_sql_and_redis(stack: Stack, spans: Any) -> None:
    """Posting a thread with tracing on records the HTTP server span, the SQL statements as its
    children, and on the Redis stack the PUBLISH."""
    server = await InProcessServer(await stack.fresh_settings(otel_enabled=True)).start()
    client = Http(server.base_url)
    try:
        (login,) = await server.accounts("company")
        await client.login(login)
        spans.clear()
        await client.thread("추적되는 제안")
    finally:
        await client.aclose()
        await server.stop()
        # Instrumentation is per process: the next test's engines get theirs.
        tracing.disable()
    finished = spans.get_finished_spans()
    (http,) = [s for s in finished if s.kind == trace.SpanKind.SERVER and "POST" in s.name]
    sql = [s for s in finished if s.attributes.get("db.system") in ("sqlite", "postgresql")]
    # The request's statements are children in its trace; the background loops' (the search
    # flush's look for queued comments, the sealer) are traces of their own, without a parent.
    in_request = [s for s in sql if s.parent is not None]
    assert any("INSERT INTO thread" in str(s.attributes.get("db.statement", "")) for s in in_request), sql
    assert all(s.context.trace_id == http.context.trace_id for s in in_request)
    if stack.postgres:
        redis = [s for s in finished if s.attributes.get("db.system") == "redis"]
        assert any("PUBLISH" in s.name for s in redis), [s.name for s in redis]


async def test_tracing_is_off_by_default(make_server: Any, spans: Any) -> None:
    """A server started without TONG_OTEL_ENABLED records no request span."""
    server = await make_server()
    spans.clear()
    client = Http(server.base_url)
    try:
        assert (await client.get("/healthz")).status_code == 200
    finally:
        await client.aclose()
    assert not [s for s in spans.get_finished_spans() if s.kind == trace.SpanKind.SERVER]
