"""Endpoints of the staff desk (see docs/staff-api.md): activity, answer clock, reports queue,
held comments, change-thread links, and the public answer-time figures."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.desk.dashboard import Desk
from server.desk.quarters import report_csv
from server.events.sealing import seal_status
from server.store.models import Account, utcnow
from server.web import shapes
from server.web.context import ok, services
from server.web.operation import Operation


def desk(request: Request) -> Desk:
    return services(request).desk


async def activity(request: Request, account: Account, query: shapes.ActivityQuery) -> Response:
    return ok(await desk(request).activity.buckets(query.hours or 6, query.bucket_minutes))


async def answer_clock(request: Request, account: Account, query: shapes.PageQuery) -> Response:
    return ok(await desk(request).answers.waiting(query.limit or 200))


async def answer_stats(request: Request) -> Response:
    return ok(await desk(request).answers.public_stats())


async def quarter_report(request: Request) -> Response:
    return ok(await desk(request).quarters.report(request.path_params["quarter"]))


async def quarter_report_csv(request: Request) -> Response:
    quarter = request.path_params["quarter"]
    return Response(
        report_csv(await desk(request).quarters.report(quarter)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="tong-{quarter}.csv"'},
    )


async def reports_queue(request: Request, account: Account, query: shapes.PageQuery) -> Response:
    return ok(await desk(request).reports.queue(query.limit or 100))


async def dismiss_report(request: Request, account: Account, body: shapes.ReasonBody) -> Response:
    return ok(await desk(request).reports.dismiss(account, request.path_params["comment_id"], body.reason))


async def held_comments(request: Request, account: Account, query: shapes.PageQuery) -> Response:
    policy = desk(request).holds.policy
    data = await desk(request).holds.pending(query.limit or 200)
    data["policy"] = {
        "enabled": policy.enabled,
        "words": list(policy.words),
        "office_hours": f"{policy.opens:%H:%M}-{policy.closes:%H:%M}",
        "office_days": sorted(policy.days),
        "in_office_hours": policy.in_office_hours(utcnow()),
    }
    return ok(data)


async def release_held(request: Request, account: Account, body: shapes.OptionalReasonBody) -> Response:
    return ok(await desk(request).holds.release(account, request.path_params["held_id"], body.reason))


async def reject_held(request: Request, account: Account, body: shapes.ReasonBody) -> Response:
    return ok(await desk(request).holds.reject(account, request.path_params["held_id"], body.reason))


async def put_links(request: Request, account: Account, body: shapes.LinksBody) -> Response:
    return ok(await desk(request).links.set_links(account, request.path_params["thread_id"], body.links))


async def seal(request: Request, account: Account) -> Response:
    return ok(await seal_status(services(request).db))


operations = [
    Operation("GET", "/api/staff/activity", activity, "Event counts over time, for the dashboard's charts",
              "staff", who="staff", query=shapes.ActivityQuery, answer=shapes.Activity),
    Operation("GET", "/api/staff/answer-clock", answer_clock, "Proposals waiting for an answer, oldest first",
              "staff", who="staff", query=shapes.PageQuery, answer=shapes.AnswerClock),
    Operation("GET", "/api/staff/reports", reports_queue, "Reported comments with their reasons", "staff",
              who="staff", query=shapes.PageQuery, answer=shapes.ReportsQueue),
    Operation("POST", "/api/staff/reports/{comment_id:id}/dismiss", dismiss_report,
              "Dismiss a comment's open reports", "staff", who="moderator", body=shapes.ReasonBody,
              answer=shapes.Dismissed, also=(409,)),
    Operation("GET", "/api/staff/held", held_comments, "Comments held for a moderator", "staff", who="staff",
              query=shapes.PageQuery, answer=shapes.HeldQueue),
    Operation("POST", "/api/staff/held/{held_id:id}/release", release_held, "Publish a held comment", "staff",
              who="moderator", body=shapes.OptionalReasonBody, answer=shapes.Released, also=(409,),
              body_optional=True),
    Operation("POST", "/api/staff/held/{held_id:id}/reject", reject_held, "Reject a held comment (reason)",
              "staff", who="moderator", body=shapes.ReasonBody, answer=shapes.Rejected, also=(409,)),
    Operation("GET", "/api/staff/seal", seal, "How far the event log's hash chain reaches", "staff",
              who="staff", answer=shapes.Seal),
    Operation("GET", "/api/stats/answers", answer_stats, "Public answer-time figures", "threads",
              answer=shapes.AnswerStats),
    Operation("GET", "/api/stats/quarters/{quarter:quarter}", quarter_report,
              "One KST quarter's public report: proposals, answers, obligations, change threads", "threads",
              answer=shapes.QuarterReport),
    Operation("GET", "/api/stats/quarters/{quarter:quarter}.csv", quarter_report_csv,
              "The quarterly report as CSV (UTF-8 with BOM)", "threads", media=("text/csv",)),
    Operation("PUT", "/api/threads/{thread_id:id}/links", put_links, "Link proposals to a change thread",
              "threads", who="staff", body=shapes.LinksBody, answer=shapes.LinksOut, also=(409,)),
]  # fmt: skip
