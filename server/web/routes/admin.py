"""Accounts, for admins (v1.2): the list, a change of roles or state, a CSV import."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.contract.errors import Invalid
from server.store.models import Account
from server.web import shapes
from server.web.context import ok, require_recent_factor, services
from server.web.operation import Operation

PAGE_DEFAULT = 50


async def list_accounts(request: Request, account: Account, query: shapes.AccountsQuery) -> Response:
    return ok(
        await services(request).roster.page(
            q=query.q,
            kind=query.kind,
            role=query.role,
            state=query.state,
            cursor=int(query.cursor) if query.cursor else None,
            limit=query.limit or PAGE_DEFAULT,
        )
    )


async def change_account(request: Request, account: Account, body: shapes.AccountChange) -> Response:
    if body.roles is None and body.state is None:
        raise Invalid("give roles or a state", {"roles": "required"})
    if body.roles is not None:
        # A role change is one of the acts that need a second factor given within 5 minutes
        # (where staff have one); the command line is the host's operator and needs none.
        await require_recent_factor(request, account)
    return ok(
        await services(request).roster.change(
            account, request.path_params["id"], roles=body.roles, state=body.state
        )
    )


async def import_accounts(request: Request, account: Account, body: shapes.AccountImport) -> Response:
    return ok(await services(request).roster.import_csv(account, body.csv), 201)


operations = [
    Operation("GET", "/api/admin/accounts", list_accounts,
              "Accounts, newest first (the last login as a date only; never a post)", "admin",
              who="admin", query=shapes.AccountsQuery, answer=shapes.AccountPage),
    Operation("PATCH", "/api/admin/accounts/{id:id}", change_account,
              "Change an account's roles or state (disabling ends its sessions and sockets)", "admin",
              who="admin", body=shapes.AccountChange, answer=shapes.AccountRow, also=(404, 409)),
    Operation("POST", "/api/admin/accounts/import", import_accounts,
              "Create accounts from CSV (login,email,kind,roles), each invited by mail; all or none",
              "admin", who="admin", body=shapes.AccountImport, status=201, answer=shapes.AccountImported,
              also=(409,)),
]  # fmt: skip
