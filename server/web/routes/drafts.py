"""The caller's drafts (`/api/me/drafts/{key}`, drafts.py): private to the account, so every
operation is the caller's own and nothing here reaches the event log."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.domain.drafts import KEY_PATTERN
from server.store.models import Account
from server.web import shapes
from server.web.context import ok, services
from server.web.operation import Operation


def _mine(account: Account) -> int:
    assert account.id is not None
    return account.id


async def get_draft(request: Request, account: Account) -> Response:
    return ok(await services(request).drafts.get(_mine(account), request.path_params["key"]))


async def put_draft(request: Request, account: Account, body: shapes.DraftBody) -> Response:
    drafts = services(request).drafts
    return ok(await drafts.put(_mine(account), request.path_params["key"], body.title, body.body))


async def delete_draft(request: Request, account: Account, body: shapes.Empty) -> Response:
    await services(request).drafts.delete(_mine(account), request.path_params["key"])
    return Response(status_code=204)


DRAFT = "/api/me/drafts/{key}"
KEY = (("key", KEY_PATTERN),)

operations = [
    Operation("GET", DRAFT, get_draft, "The caller's draft (new-thread, or thread-{id}'s comment box)",
              "drafts", who="account", answer=shapes.Draft, also=(422,), path_patterns=KEY),
    Operation("PUT", DRAFT, put_draft, "Save the caller's draft (the post's limits; 409 past the cap)",
              "drafts", who="account", body=shapes.DraftBody, answer=shapes.Draft, path_patterns=KEY),
    Operation("DELETE", DRAFT, delete_draft, "Discard the caller's draft (idempotent)", "drafts",
              who="account", body=shapes.Empty, status=204, body_optional=True, path_patterns=KEY),
]  # fmt: skip
