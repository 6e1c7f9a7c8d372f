"""Moderating proposals and people, and appeals (v1.2; docs/protocol.md, docs/staff-api.md)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.store.models import Account
from server.web import shapes
from server.web.context import ok, services
from server.web.operation import Operation


async def hide_thread(request: Request, account: Account, body: shapes.ReasonBody) -> Response:
    svc = services(request)
    return ok(await svc.moderation.moderate(account, request.path_params["thread_id"], True, body.reason))


async def restore_thread(request: Request, account: Account, body: shapes.OptionalReasonBody) -> Response:
    svc = services(request)
    return ok(await svc.moderation.moderate(account, request.path_params["thread_id"], False, body.reason))


async def report_thread(request: Request, account: Account, body: shapes.ReportBody) -> Response:
    svc = services(request)
    report = await svc.moderation.report(
        account, request.path_params["thread_id"], body.reason, body.category
    )
    return ok(report, 201)


async def dismiss_thread_reports(request: Request, account: Account, body: shapes.ReasonBody) -> Response:
    reports = services(request).desk.reports
    return ok(await reports.dismiss_thread(account, request.path_params["thread_id"], body.reason))


async def suspend_author(request: Request, account: Account, body: shapes.SuspensionBody) -> Response:
    params = request.path_params
    sanctions = services(request).sanctions
    return ok(await sanctions.suspend(account, params["kind"], params["id"], body.days, body.reason))


async def lift_suspension(request: Request, account: Account, body: shapes.OptionalReasonBody) -> Response:
    params = request.path_params
    return ok(await services(request).sanctions.lift(account, params["kind"], params["id"], body.reason))


async def file_appeal(request: Request, account: Account, body: shapes.NewAppeal) -> Response:
    return ok(await services(request).appeals.file(account, body.kind, body.id, body.text), 201)


async def my_appeals(request: Request, account: Account) -> Response:
    return ok(await services(request).appeals.mine(account))


async def appeals_queue(request: Request, account: Account, query: shapes.AppealsQuery) -> Response:
    return ok(await services(request).appeals.queue(query.limit or 100, decided=bool(query.decided)))


async def decide_appeal(request: Request, account: Account, body: shapes.AppealDecisionBody) -> Response:
    appeals = services(request).appeals
    return ok(await appeals.decide(account, request.path_params["id"], body.decision, body.reason))


THREAD = "/api/threads/{thread_id:id}"
SUSPENSION = "/api/staff/posts/{kind}/{id:id}/author/suspension"
KINDS = (("kind", ("thread", "comment")),)

operations = [
    Operation("POST", THREAD + "/hide", hide_thread,
              "Hide a proposal: kept in its place, its text and its comments' text null to the public",
              "moderation", who="moderator", body=shapes.ReasonBody, answer=shapes.ThreadModerated,
              also=(409,)),
    Operation("POST", THREAD + "/restore", restore_thread, "Restore a hidden proposal", "moderation",
              who="moderator", body=shapes.OptionalReasonBody, answer=shapes.ThreadModerated, also=(409,),
              body_optional=True),
    Operation("POST", THREAD + "/reports", report_thread, "Report a proposal for moderation", "moderation",
              who="account", body=shapes.ReportBody, status=201, answer=shapes.ThreadReportOut,
              also=(403, 409)),
    Operation("POST", "/api/staff/reports/threads/{thread_id:id}/dismiss", dismiss_thread_reports,
              "Dismiss a proposal's open reports", "staff", who="moderator", body=shapes.ReasonBody,
              answer=shapes.Dismissed, also=(409,)),
    Operation("POST", SUSPENSION, suspend_author,
              "Suspend whoever wrote this post (never named), or extend their suspension", "staff",
              who="moderator", body=shapes.SuspensionBody, answer=shapes.SuspensionOut, path_enums=KINDS),
    Operation("DELETE", SUSPENSION, lift_suspension, "Lift the suspension of this post's author", "staff",
              who="moderator", body=shapes.OptionalReasonBody, answer=shapes.SuspensionOut, also=(409,),
              body_optional=True, path_enums=KINDS),
    Operation("POST", "/api/me/appeals", file_appeal, "Appeal a moderation action (once per action)",
              "moderation", who="account", body=shapes.NewAppeal, status=201, answer=shapes.AppealOut,
              also=(404, 409)),
    Operation("GET", "/api/me/appeals", my_appeals, "My appeals and their decisions", "moderation",
              who="account", answer=shapes.AppealPage),
    Operation("GET", "/api/staff/appeals", appeals_queue, "Appeals waiting for a decision (or decided)",
              "staff", who="staff", query=shapes.AppealsQuery, answer=shapes.AppealQueue),
    Operation("POST", "/api/staff/appeals/{id:id}", decide_appeal,
              "Decide an appeal: upheld, or reversed (the action is undone)", "staff", who="moderator",
              body=shapes.AppealDecisionBody, answer=shapes.AppealOut, also=(409,)),
]  # fmt: skip
