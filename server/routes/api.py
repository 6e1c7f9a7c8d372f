"""The public HTTP API of PROTOCOL.md."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server import public
from server.accounts import token_hash
from server.errors import Invalid, Unauthorized
from server.routes.context import (
    SESSION_COOKIE,
    caller,
    int_param,
    json_body,
    ok,
    require_account,
    require_staff,
    services,
)
from server.sessions import revoked_message


async def start_session(request: Request) -> Response:
    svc = services(request)
    await svc.logins.admit(request.client.host if request.client else None)
    body = await json_body(request)
    login = body.get("login")
    failures = 0
    if isinstance(login, str):
        # Wait out the delay earned by this login's recent failures (the same for a login that
        # does not exist), then check the password.
        failures = await svc.logins.failures(login)
        await asyncio.sleep(svc.logins.delay_after(failures))
    try:
        token, account = await svc.discussion.login(login, body.get("password"))
    except Unauthorized:
        if isinstance(login, str):
            await svc.logins.failed(login)
        raise
    if failures:
        await svc.logins.succeeded(account.login)
    response = ok({"account": public.me(account)})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=svc.settings.session_days * 86_400,
        httponly=True,
        samesite="lax",
        secure=svc.settings.cookie_secure,
        path="/",
    )
    return response


async def end_session(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        svc = services(request)
        account = await caller(request)
        await svc.discussion.logout(token)
        if account is not None and account.id is not None:
            # The account's sockets opened with this session, here at once and on every other
            # process through the broker, lose what they may no longer read.
            svc.hub.revoke(account.id, token_hash(token))
            await svc.publisher.send([revoked_message(account.id, token)])
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


async def me(request: Request) -> Response:
    return ok(public.me(await require_account(request)))


async def current_session(request: Request) -> Response:
    """Who is logged in, without a 401 for anonymous readers (pages ask this on every load)."""
    account = await caller(request)
    return ok({"account": public.me(account) if account else None})


async def list_threads(request: Request) -> Response:
    svc = services(request)
    q = request.query_params
    threads, items, next_cursor = await svc.reader.list_threads(
        kind=q.get("kind") or None,
        status=q.get("status") or None,
        sort=q.get("sort") or "latest",
        q=q.get("q"),
        cursor=q.get("cursor") or None,
        limit=int_param(request, "limit", minimum=1),
        viewer=await caller(request),
    )
    watchers = await svc.hub.watchers([t.id for t in threads if t.id is not None])
    for item in items:
        item["counts"]["watchers"] = watchers.get(item["id"], 0)
    return ok({"items": items, "next_cursor": next_cursor})


async def create_thread(request: Request) -> Response:
    account = await require_account(request)
    body = await json_body(request)
    thread = await services(request).discussion.create_thread(
        account,
        body.get("kind"),
        body.get("title"),
        body.get("body"),
        body.get("category"),
        body.get("links"),
    )
    return ok(thread, 201)


async def get_thread(request: Request) -> Response:
    svc = services(request)
    thread_id = request.path_params["thread_id"]
    thread = await svc.reader.thread(thread_id, await caller(request))
    thread["counts"]["watchers"] = (await svc.hub.watchers([thread_id])).get(thread_id, 0)
    await svc.desk.links.decorate(thread)
    return ok(thread)


async def patch_thread(request: Request) -> Response:
    account = await require_staff(request)
    body = await json_body(request)
    unknown = set(body) - {"status"}
    if unknown or "status" not in body:
        fields = {k: "not changeable" for k in unknown} or {"status": "required"}
        raise Invalid("only status can be changed here", fields)
    svc = services(request)
    thread_id = request.path_params["thread_id"]
    await svc.discussion.set_status(account, thread_id, body["status"])
    return ok(await svc.reader.thread(thread_id, account))


async def list_comments(request: Request) -> Response:
    svc = services(request)
    data = await svc.reader.comments(
        request.path_params["thread_id"],
        int_param(request, "after_seq"),
        int_param(request, "limit", minimum=1),
        await caller(request),
    )
    return ok(data)


async def post_comment(request: Request) -> Response:
    account = await require_account(request)
    body = await json_body(request)
    comment = await services(request).discussion.post_comment(
        account, request.path_params["thread_id"], body.get("body"), body.get("parent_id")
    )
    # A held comment (pre-moderation) is accepted but not yet published.
    return ok(comment, 202 if comment.get("held") else 201)


def _recommendation(target: str, on: bool) -> Any:
    async def endpoint(request: Request) -> Response:
        account = await require_account(request)
        result = await services(request).discussion.recommend(account, target, request.path_params["id"], on)
        return ok(result)

    return endpoint


async def report_comment(request: Request) -> Response:
    account = await require_account(request)
    body = await json_body(request)
    report = await services(request).discussion.report(account, request.path_params["id"], body.get("reason"))
    return ok(report, 201)


async def post_answer(request: Request) -> Response:
    account = await require_staff(request)
    body = await json_body(request)
    answer = await services(request).discussion.answer(
        account, request.path_params["thread_id"], body.get("body"), body.get("outcome")
    )
    return ok(answer, 201)


def _moderation(hide: bool) -> Any:
    async def endpoint(request: Request) -> JSONResponse:
        account = await require_staff(request, "moderator")
        body = await json_body(request)
        comment = await services(request).discussion.moderate(
            account, request.path_params["id"], hide, body.get("reason")
        )
        return ok(comment)

    return endpoint


routes = [
    Route("/api/session", start_session, methods=["POST"]),
    Route("/api/session", end_session, methods=["DELETE"]),
    Route("/api/session", current_session, methods=["GET"]),
    Route("/api/me", me, methods=["GET"]),
    Route("/api/threads", list_threads, methods=["GET"]),
    Route("/api/threads", create_thread, methods=["POST"]),
    Route("/api/threads/{thread_id:int}", get_thread, methods=["GET"]),
    Route("/api/threads/{thread_id:int}", patch_thread, methods=["PATCH"]),
    Route("/api/threads/{thread_id:int}/comments", list_comments, methods=["GET"]),
    Route("/api/threads/{thread_id:int}/comments", post_comment, methods=["POST"]),
    Route("/api/threads/{id:int}/recommendation", _recommendation("thread", True), methods=["PUT"]),
    Route("/api/threads/{id:int}/recommendation", _recommendation("thread", False), methods=["DELETE"]),
    Route("/api/comments/{id:int}/recommendation", _recommendation("comment", True), methods=["PUT"]),
    Route("/api/comments/{id:int}/recommendation", _recommendation("comment", False), methods=["DELETE"]),
    Route("/api/comments/{id:int}/reports", report_comment, methods=["POST"]),
    Route("/api/threads/{thread_id:int}/answers", post_answer, methods=["POST"]),
    Route("/api/comments/{id:int}/hide", _moderation(True), methods=["POST"]),
    Route("/api/comments/{id:int}/restore", _moderation(False), methods=["POST"]),
]
