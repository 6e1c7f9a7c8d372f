"""Staff endpoints: the event log (review and export), dashboard figures, author reveal."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from server import logcsv
from server.errors import Forbidden, Invalid
from server.middleware import cross_site
from server.review import LogFilter, parse_time
from server.routes.context import int_param, json_body, ok, require_staff, services

ACTOR_KINDS = ("company", "agency", "staff")
PAGE_DEFAULT = 100
PAGE_MAX = 1000


def _filter(request: Request) -> LogFilter:
    q = request.query_params
    actor_kind = q.get("actor_kind") or None
    if actor_kind is not None and actor_kind not in ACTOR_KINDS:
        raise Invalid(f"actor_kind must be one of {', '.join(ACTOR_KINDS)}", {"actor_kind": "unknown"})
    return LogFilter(
        after_id=int_param(request, "after_id"),
        thread_id=int_param(request, "thread_id"),
        type=q.get("type") or None,
        since=parse_time(q.get("from"), "from"),
        until=parse_time(q.get("to"), "to"),
        actor_kind=actor_kind,
    )


async def events(request: Request) -> Response:
    await require_staff(request)
    svc = services(request)
    log_filter = _filter(request)
    fmt = request.query_params.get("format") or "json"
    if fmt == "json":
        limit = int_param(request, "limit", minimum=1) or PAGE_DEFAULT
        if limit > PAGE_MAX:
            raise Invalid(f"limit must be at most {PAGE_MAX}", {"limit": "out of range"})
        return ok(await svc.review.page(log_filter, limit))
    if fmt == "csv":
        lang = request.query_params.get("lang") or "en"
        if lang not in logcsv.LANGUAGES:
            raise Invalid(f"lang must be one of {', '.join(logcsv.LANGUAGES)}", {"lang": "unknown"})
        return StreamingResponse(
            svc.review.export_csv(log_filter, lang),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="tong-events.csv"'},
        )
    if fmt == "jsonl":
        return StreamingResponse(
            svc.review.export_jsonl(log_filter),
            media_type="application/x-ndjson; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="tong-events.jsonl"'},
        )
    raise Invalid("format must be json, csv or jsonl", {"format": "unknown"})


async def stats(request: Request) -> Response:
    await require_staff(request)
    svc = services(request)
    return ok(await svc.figures.stats(svc.hub.presence))


async def reveal_author(request: Request) -> Response:
    """The contract's GET form: it has a side effect (a log row), so only a same-origin request
    may make it; a link clicked on another site would choose the reason. POST is preferred."""
    allowed = frozenset(o.rstrip("/") for o in services(request).settings.allowed_origins)
    if cross_site(request.headers, allowed, navigation=True):
        raise CrossSite("the reveal must come from Tong's own pages; use POST with a reason")
    admin = await require_staff(request, "admin")
    result = await services(request).review.reveal(
        admin, request.path_params["kind"], request.path_params["id"], request.query_params.get("reason")
    )
    return ok(result)


async def reveal_author_post(request: Request) -> Response:
    """`POST /api/admin/posts/{kind}/{id}/author {"reason"}`: the reveal as a state-changing
    request (the same-origin middleware refuses it from other sites)."""
    admin = await require_staff(request, "admin")
    body = await json_body(request)
    reason = body.get("reason")
    result = await services(request).review.reveal(
        admin,
        request.path_params["kind"],
        request.path_params["id"],
        reason if isinstance(reason, str) else None,
    )
    return ok(result)


class CrossSite(Forbidden):
    code = "cross_origin"


routes = [
    Route("/api/staff/events", events, methods=["GET"]),
    Route("/api/staff/stats", stats, methods=["GET"]),
    Route("/api/admin/posts/{kind}/{id:int}/author", reveal_author, methods=["GET"]),
    Route("/api/admin/posts/{kind}/{id:int}/author", reveal_author_post, methods=["POST"]),
]
