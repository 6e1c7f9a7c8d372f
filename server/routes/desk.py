"""Endpoints of the staff desk (see docs/staff-api.md): activity, answer clock, reports queue,
held comments, change-thread links and notices, and the public answer-time figures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.desk import Desk
from server.errors import Invalid
from server.models import utcnow
from server.routes.context import int_param, json_body, ok, require_account, require_staff, services
from server.sealing import seal_status

LIST_MAX = 500


def desk(request: Request) -> Desk:
    return services(request).desk


def _limit(request: Request, default: int) -> int:
    limit = int_param(request, "limit", minimum=1) or default
    if limit > LIST_MAX:
        raise Invalid(f"limit must be at most {LIST_MAX}", {"limit": "out of range"})
    return limit


async def activity(request: Request) -> Response:
    await require_staff(request)
    hours = int_param(request, "hours", minimum=1) or 6
    bucket = int_param(request, "bucket_minutes", minimum=1)
    return ok(await desk(request).activity.buckets(hours, bucket))


async def answer_clock(request: Request) -> Response:
    await require_staff(request)
    return ok(await desk(request).answers.waiting(_limit(request, 200)))


async def answer_stats(request: Request) -> Response:
    return ok(await desk(request).answers.public_stats())


async def reports_queue(request: Request) -> Response:
    await require_staff(request)
    return ok(await desk(request).reports.queue(_limit(request, 100)))


async def dismiss_report(request: Request) -> Response:
    moderator = await require_staff(request, "moderator")
    body = await json_body(request)
    return ok(
        await desk(request).reports.dismiss(moderator, request.path_params["comment_id"], body.get("reason"))
    )


async def held_comments(request: Request) -> Response:
    await require_staff(request)
    policy = desk(request).holds.policy
    data = await desk(request).holds.pending(_limit(request, 200))
    data["policy"] = {
        "enabled": policy.enabled,
        "words": list(policy.words),
        "office_hours": f"{policy.opens:%H:%M}-{policy.closes:%H:%M}",
        "office_days": sorted(policy.days),
        "in_office_hours": policy.in_office_hours(utcnow()),
    }
    return ok(data)


def _held_action(release: bool) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        moderator = await require_staff(request, "moderator")
        body = await json_body(request)
        holds = desk(request).holds
        held_id = request.path_params["held_id"]
        if release:
            return ok(await holds.release(moderator, held_id, body.get("reason")))
        return ok(await holds.reject(moderator, held_id, body.get("reason")))

    return endpoint


async def put_links(request: Request) -> Response:
    account = await require_staff(request)
    body = await json_body(request)
    if "links" not in body:
        raise Invalid("links is required", {"links": "required"})
    return ok(await desk(request).links.set_links(account, request.path_params["thread_id"], body["links"]))


async def notices(request: Request) -> Response:
    account = await require_account(request)
    return ok(await desk(request).links.notices(account))


async def notices_seen(request: Request) -> Response:
    account = await require_account(request)
    body = await json_body(request)
    return ok(await desk(request).links.mark_seen(account, body.get("ids")))


async def seal(request: Request) -> Response:
    await require_staff(request)
    return ok(await seal_status(services(request).db))


routes = [
    Route("/api/staff/activity", activity, methods=["GET"]),
    Route("/api/staff/answer-clock", answer_clock, methods=["GET"]),
    Route("/api/staff/reports", reports_queue, methods=["GET"]),
    Route("/api/staff/reports/{comment_id:int}/dismiss", dismiss_report, methods=["POST"]),
    Route("/api/staff/held", held_comments, methods=["GET"]),
    Route("/api/staff/held/{held_id:int}/release", _held_action(True), methods=["POST"]),
    Route("/api/staff/held/{held_id:int}/reject", _held_action(False), methods=["POST"]),
    Route("/api/staff/seal", seal, methods=["GET"]),
    Route("/api/stats/answers", answer_stats, methods=["GET"]),
    Route("/api/threads/{thread_id:int}/links", put_links, methods=["PUT"]),
    Route("/api/me/notices", notices, methods=["GET"]),
    Route("/api/me/notices/seen", notices_seen, methods=["POST"]),
]
