"""Password reset by e-mail (v1.2): asked without a session, set through the mailed link."""

from __future__ import annotations

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response

from server.web import shapes
from server.web.context import ok, services
from server.web.operation import Operation

# The one answer, whatever happens next: the same body, status and headers for an address with
# an account, one without, one over its limit, and one that is not an address at all.
ACCEPTED = {"accepted": True}


async def request_reset(request: Request, body: shapes.ResetRequest) -> Response:
    """Answer first, then look the address up: the answer and its timing cannot tell whether an
    account has the address (the lookup, the limits and the mail happen after it was sent)."""
    links = services(request).passwords
    return _accepted(BackgroundTask(links.request_reset, body.email))


def _accepted(task: BackgroundTask) -> Response:
    response = ok(ACCEPTED, 202)
    response.background = task
    return response


async def check_link(request: Request, query: shapes.TokenQuery) -> Response:
    """What the reset page shows before asking for the new password (404 for a used, expired or
    unknown link)."""
    return ok(await services(request).passwords.check(query.token))


async def confirm_reset(request: Request, body: shapes.ResetConfirm) -> Response:
    return ok(await services(request).passwords.confirm(body.token, body.password))


operations = [
    Operation("POST", "/api/password-reset", request_reset,
              "Ask for a password reset link by e-mail (always 202: it tells nothing of accounts)",
              "session", body=shapes.ResetRequest, status=202, answer=shapes.ResetAccepted),
    Operation("GET", "/api/password-reset/confirm", check_link,
              "Whether a reset or invitation link still works, and its login", "session",
              query=shapes.TokenQuery, answer=shapes.ResetLink, also=(404,)),
    Operation("POST", "/api/password-reset/confirm", confirm_reset,
              "Set the password with a mailed link (single use; every session of the account ends)",
              "session", body=shapes.ResetConfirm, answer=shapes.ResetDone, also=(404,)),
]  # fmt: skip
