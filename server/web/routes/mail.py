"""The account page's settings (e-mail address and delivery, password), and the links mails carry
(confirm an address, unsubscribe)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.contract.errors import ErrorCode, Invalid, NotFound
from server.store.models import Account
from server.web import shapes
from server.web.context import SESSION_COOKIE, ok, read_body, services
from server.web.operation import Operation


async def mail_settings(request: Request, account: Account) -> Response:
    assert account.id is not None
    return ok(await services(request).mailboxes.settings(account.id))


async def change_mail_settings(request: Request, account: Account, body: shapes.MailSettingsBody) -> Response:
    assert account.id is not None
    if not body.model_fields_set & {"address", "delivery"}:
        raise Invalid("give an address or a delivery", {"address": "required"})
    mailboxes = services(request).mailboxes
    result = None
    if "address" in body.model_fields_set:
        result = await mailboxes.set_address(account.id, body.address)
    if body.delivery is not None:
        result = await mailboxes.set_delivery(account.id, body.delivery)
    services(request).mailer.wake()
    return ok(result if result is not None else await mailboxes.settings(account.id))


async def change_password(request: Request, account: Account, body: shapes.PasswordChange) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    await services(request).discussion.change_password(account, body.current, body.new, token)
    return Response(status_code=204)


async def confirm_address(request: Request, query: shapes.TokenQuery) -> Response:
    return ok(await services(request).mailboxes.confirm(query.token))


async def unsubscribe(request: Request, query: shapes.TokenQuery) -> Response:
    # RFC 8058: the mail provider POSTs `List-Unsubscribe=One-Click` (form-encoded) with no
    # cookie; the signed token in the URL is the whole authority. The body says nothing more.
    await read_body(request)
    if not await services(request).mailboxes.unsubscribe(query.token):
        raise NotFound("this unsubscribe link is not valid", code=ErrorCode.INVALID_TOKEN)
    return ok({"unsubscribed": True})


operations = [
    Operation("GET", "/api/me/mail", mail_settings, "The caller's e-mail address and delivery", "account",
              who="account", answer=shapes.MailSettings),
    Operation("PATCH", "/api/me/mail", change_mail_settings,
              "Set the e-mail address (a confirmation link is mailed) or the delivery", "account",
              who="account", body=shapes.MailSettingsBody, answer=shapes.MailSettings),
    Operation("POST", "/api/me/password", change_password,
              "Change the caller's password (its other sessions end)", "account", who="account",
              body=shapes.PasswordChange, status=204),
    Operation("POST", "/api/mail/confirm", confirm_address, "Confirm an address (the mailed link's token)",
              "account", query=shapes.TokenQuery, answer=shapes.MailSettings, also=(404,)),
    Operation("POST", "/api/mail/unsubscribe", unsubscribe,
              "One-click unsubscribe (RFC 8058; the mailed link's token, no session)", "account",
              query=shapes.TokenQuery, answer=shapes.Unsubscribed, also=(404,)),
]  # fmt: skip
