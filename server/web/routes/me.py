"""Following threads and the caller's notices (notices.py); live, they come on the `me` channel."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.store.models import Account
from server.web import shapes
from server.web.context import ok, services
from server.web.operation import Operation


async def follow(request: Request, account: Account, body: shapes.Empty) -> Response:
    return ok(await services(request).notices.follow(account, request.path_params["thread_id"], True))


async def unfollow(request: Request, account: Account, body: shapes.Empty) -> Response:
    return ok(await services(request).notices.follow(account, request.path_params["thread_id"], False))


async def notices(request: Request, account: Account, query: shapes.NoticesQuery) -> Response:
    return ok(await services(request).notices.page(account, query.after, query.limit))


async def notices_seen(request: Request, account: Account, body: shapes.SeenBody) -> Response:
    svc = services(request)
    marked, unread = await svc.notices.mark_seen(account, body.ids)
    if marked and account.id is not None:
        # Every tab of the account, on every process, shows the new count.
        await svc.events.tell_account(account.id, unread=unread)
    return ok({"seen": marked, "unread": unread})


async def activity(request: Request, account: Account) -> Response:
    return ok(await services(request).notices.activity(account))


async def preferences(request: Request, account: Account) -> Response:
    return ok(await services(request).notices.preferences(account, None))


async def set_preferences(request: Request, account: Account, body: shapes.PreferencesBody) -> Response:
    return ok(await services(request).notices.preferences(account, body.auto_follow))


THREAD = "/api/threads/{thread_id:id}"

operations = [
    Operation("PUT", THREAD + "/follow", follow, "Follow a thread (idempotent)", "session", who="account",
              body=shapes.Empty, answer=shapes.Following, body_optional=True),
    Operation("DELETE", THREAD + "/follow", unfollow, "Stop following a thread (idempotent)", "session",
              who="account", body=shapes.Empty, answer=shapes.Following, body_optional=True),
    Operation("GET", "/api/me/notices", notices, "The caller's notices, newest first, and the unread count",
              "session", who="account", query=shapes.NoticesQuery, answer=shapes.Notices),
    Operation("POST", "/api/me/notices/seen", notices_seen, "Mark notices seen (all when ids is absent)",
              "session", who="account", body=shapes.SeenBody, answer=shapes.Seen, body_optional=True),
    Operation("GET", "/api/me/activity", activity, "My proposals, comments and followed threads", "session",
              who="account", answer=shapes.MyActivity),
    Operation("GET", "/api/me/preferences", preferences, "The caller's preferences", "session",
              who="account", answer=shapes.Preferences),
    Operation("PATCH", "/api/me/preferences", set_preferences, "Change the caller's preferences", "session",
              who="account", body=shapes.PreferencesBody, answer=shapes.Preferences),
]  # fmt: skip
