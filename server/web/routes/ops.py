"""Liveness, readiness and metrics for operators and load balancers."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.web import shapes
from server.web.context import services
from server.web.operation import Operation

CHECK_TIMEOUT_S = 2.0


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready when the database and the broker answer; a broker outage reports `degraded`
    (writes still work and watchers are fed from SQL, but late)."""
    svc = services(request)
    checks = {}
    for name, probe in (("database", svc.db.ping), ("broker", svc.broker.ping)):
        try:
            await asyncio.wait_for(probe(), CHECK_TIMEOUT_S)
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"unreachable: {type(exc).__name__}"
    database_ok = checks["database"] == "ok"
    broker_ok = checks["broker"] == "ok"
    status = "ok" if database_ok and broker_ok else ("degraded" if database_ok else "down")
    if not broker_ok:
        checks["broker"] = "degraded: " + checks["broker"]
    return JSONResponse({"status": status, "checks": checks}, status_code=200 if status == "ok" else 503)


async def metrics(request: Request) -> Response:
    svc = services(request)
    await svc.metrics.observe(svc.db, [svc.breaker], CHECK_TIMEOUT_S)
    return Response(svc.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


operations = [
    Operation("GET", "/healthz", healthz, "Liveness: the process answers", "ops", answer=shapes.Health),
    Operation("GET", "/readyz", readyz, "Readiness: database and broker reachable", "ops",
              answer=shapes.Readiness, also_answers=((503, shapes.Readiness),)),
    Operation("GET", "/metrics", metrics, "Prometheus text (not reachable through the proxy)", "ops",
              media=("text/plain",)),
]  # fmt: skip
