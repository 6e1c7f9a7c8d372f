"""The managed category list: anyone reads it (the board's filter chips, the composer's choices),
staff add, rename, retire and reorder (static/staff/categories.js)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.store.models import Account
from server.web import shapes
from server.web.context import ok, services
from server.web.operation import Operation


async def list_categories(request: Request, query: shapes.CategoriesQuery) -> Response:
    return ok(await services(request).desk.categories.listed(query.kind))


async def add_category(request: Request, account: Account, body: shapes.NewCategory) -> Response:
    return ok(await services(request).desk.categories.add(account, body.name, body.name_en, body.slug), 201)


async def change_category(request: Request, account: Account, body: shapes.CategoryChange) -> Response:
    changed = await services(request).desk.categories.change(
        account,
        request.path_params["category_id"],
        name=body.name,
        name_en=body.name_en,
        retired=body.retired,
        position=body.position,
    )
    return ok(changed)


operations = [
    Operation("GET", "/api/categories", list_categories, "The category list with thread counts", "threads",
              query=shapes.CategoriesQuery, answer=shapes.CategoryList),
    Operation("POST", "/api/staff/categories", add_category, "Add a category", "staff", who="staff",
              body=shapes.NewCategory, status=201, answer=shapes.CategoryOut, also=(409,)),
    Operation("PATCH", "/api/staff/categories/{category_id:id}", change_category,
              "Rename, retire or restore, reorder a category", "staff", who="staff",
              body=shapes.CategoryChange, answer=shapes.CategoryOut, also=(409,)),
]  # fmt: skip
