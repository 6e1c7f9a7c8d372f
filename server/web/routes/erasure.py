"""Erasure (v1.2): `POST /api/admin/posts/{kind}/{id}/erase {"reason"}`, admin only."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.domain import policy
from server.store.models import Account
from server.web import shapes
from server.web.context import ok, require_recent_factor, services
from server.web.operation import Operation


async def erase_post(request: Request, account: Account, body: shapes.ReasonBody) -> Response:
    """Destroy a post's text everywhere Tong keeps it; the audit chain still verifies."""
    policy.require_erasure_rights(account)
    await require_recent_factor(request, account)
    result = await services(request).erasure.erase(
        account, request.path_params["kind"], request.path_params["id"], body.reason
    )
    return ok(result)


operations = [
    Operation("POST", "/api/admin/posts/{kind}/{id:id}/erase", erase_post,
              "Erase a post's text everywhere (admin, with a reason; the audit chain still verifies)",
              "admin", who="admin", body=shapes.ReasonBody, answer=shapes.ErasedPost,
              path_enums=(("kind", ("thread", "comment")),)),
]  # fmt: skip
