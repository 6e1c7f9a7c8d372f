"""Staff endpoints: the event log (review and export), dashboard figures, author reveal."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from server.contract.errors import ErrorCode, Forbidden
from server.desk.review import LogFilter
from server.domain import policy
from server.store.models import Account
from server.text.validation import parse_time
from server.web import shapes
from server.web.context import ok, require_recent_factor, services
from server.web.middleware import cross_site
from server.web.operation import Operation

PAGE_DEFAULT = 100


def _filter(query: shapes.EventsQuery) -> LogFilter:
    return LogFilter(
        after_id=query.after_id,
        thread_id=query.thread_id,
        type=query.type,
        since=parse_time(query.from_, "from"),
        until=parse_time(query.to, "to"),
        actor_kind=query.actor_kind,
    )


async def events(request: Request, account: Account, query: shapes.EventsQuery) -> Response:
    svc = services(request)
    log_filter = _filter(query)
    # Admins see the actor of `account.*` rows (v1.2); other staff see none there.
    admin = policy.is_admin(account)
    if query.format == "json":
        return ok(await svc.review.page(log_filter, query.limit or PAGE_DEFAULT, admin))
    if query.format == "csv":
        return StreamingResponse(
            svc.review.export_csv(log_filter, query.lang, admin),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="tong-events.csv"'},
        )
    return StreamingResponse(
        svc.review.export_jsonl(log_filter),
        media_type="application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="tong-events.jsonl"'},
    )


async def stats(request: Request, account: Account) -> Response:
    svc = services(request)
    return ok(await svc.figures.stats(svc.hub.presence))


async def reveal_author(request: Request, account: Account, query: shapes.RevealQuery) -> Response:
    """The contract's GET form: it has a side effect (a log row), so only a same-origin request
    may make it; a link clicked on another site would choose the reason. POST is preferred."""
    allowed = frozenset(o.rstrip("/") for o in services(request).settings.allowed_origins)
    if cross_site(request.headers, allowed, navigation=True):
        raise CrossSite("the reveal must come from Tong's own pages; use POST with a reason")
    # Unmasking needs a second factor given in the last 5 minutes (where one is required).
    await require_recent_factor(request, account)
    result = await services(request).review.reveal(
        account, request.path_params["kind"], request.path_params["id"], query.reason
    )
    return ok(result)


async def reveal_author_post(request: Request, account: Account, body: shapes.ReasonBody) -> Response:
    """`POST /api/admin/posts/{kind}/{id}/author {"reason"}`: the reveal as a state-changing
    request (the same-origin middleware refuses it from other sites)."""
    await require_recent_factor(request, account)
    result = await services(request).review.reveal(
        account, request.path_params["kind"], request.path_params["id"], body.reason
    )
    return ok(result)


class CrossSite(Forbidden):
    code = ErrorCode.CROSS_ORIGIN


REVEAL = "/api/admin/posts/{kind}/{id:id}/author"
KINDS = (("kind", ("thread", "comment")),)

operations = [
    Operation("GET", "/api/staff/events", events, "The event log, for review and export", "staff",
              who="staff", query=shapes.EventsQuery, answer=shapes.EventPage,
              media=("application/json", "text/csv", "application/x-ndjson")),
    Operation("GET", "/api/staff/stats", stats, "Live figures for the dashboard", "staff", who="staff",
              answer=shapes.Stats),
    Operation("GET", REVEAL, reveal_author, "Which account wrote a post (same-origin only)",
              "admin", who="admin", query=shapes.RevealQuery, answer=shapes.Revealed, path_enums=KINDS),
    Operation("POST", REVEAL, reveal_author_post, "Which account wrote a post (itself written to the log)",
              "admin", who="admin", body=shapes.ReasonBody, answer=shapes.Revealed, path_enums=KINDS),
]  # fmt: skip
