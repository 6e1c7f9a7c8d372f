"""One REST operation: its path, who may call it, the shapes it reads and answers.

Routes and the OpenAPI document are both built from these declarations, so the document cannot
drift from what the handlers validate. A handler receives what its operation declares, already
checked: `account` (unless anyone may call it), `query` and `body` (pydantic models).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.web.context import read_body, require_account, require_staff, services
from server.web.shapes import Body, Query, limits, validate_json, validate_query

Handler = Callable[..., Awaitable[Response]]

# Who may call an operation, from the widest to the narrowest; the document's `x-roles`.
WHO = ("anyone", "account", "staff", "moderator", "admin")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    who: str = "anyone"
    body: type[Body] | None = None
    # True where the contract shows no body: none, an empty one and `{}` are all accepted.
    body_optional: bool = False
    query: type[Query] | None = None
    status: int = 200
    answer: type[BaseModel] | None = None
    # Other media types of the success response (CSV and JSON Lines exports).
    media: tuple[str, ...] = ("application/json",)
    # Statuses besides the ones every operation of its kind may answer (see openapi.py).
    also: tuple[int, ...] = ()
    # Other success statuses with their own shape (a held comment: 202).
    also_answers: tuple[tuple[int, type[BaseModel]], ...] = ()
    path_enums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # A path parameter's regular expression, for the document (the handler checks it: 422).
    path_patterns: tuple[tuple[str, str], ...] = ()
    # Also for a session that gave its password but still owes its second factor (the operations
    # that give or enrol it: domain/mfa.py).
    pending_ok: bool = False
    # A multipart/form-data body (an upload) the handler reads itself, streaming: no JSON body.
    form: bool = False

    def __post_init__(self) -> None:
        assert self.who in WHO, self.who

    @property
    def operation_id(self) -> str:
        return self.handler.__name__

    def endpoint(self) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            kwargs: dict[str, Any] = {}
            if self.who == "account":
                kwargs["account"] = await require_account(request, self.pending_ok)
            elif self.who != "anyone":
                role = None if self.who == "staff" else self.who
                kwargs["account"] = await require_staff(request, role)
            if self.query is not None:
                kwargs["query"] = validate_query(self.query, request.query_params)
            if self.body is not None:
                raw = await read_body(request)
                kwargs["body"] = validate_json(self.body, raw, limits(services(request).settings))
            return await self.handler(request, **kwargs)

        endpoint.__name__ = self.operation_id
        return endpoint


def routes(operations: Iterable[Operation]) -> list[Route]:
    """One route per path, so that a 405 names every method the path takes in its Allow header
    (a route per operation named only the first one's)."""
    by_path: dict[str, dict[str, Callable[[Request], Awaitable[Response]]]] = {}
    for operation in operations:
        by_path.setdefault(operation.path, {})[operation.method] = operation.endpoint()
    built = []
    for path, endpoints in by_path.items():
        built.append(Route(path, _dispatch(endpoints), methods=list(endpoints)))
    return built


def _dispatch(endpoints: dict[str, Callable[[Request], Awaitable[Response]]]) -> Callable[..., Any]:
    if len(endpoints) == 1:
        return next(iter(endpoints.values()))

    async def dispatch(request: Request) -> Response:
        # Starlette answers HEAD through the GET route.
        return await endpoints.get(request.method, endpoints.get("GET", _missing))(request)

    return dispatch


async def _missing(request: Request) -> Response:
    raise AssertionError(f"no operation for {request.method} {request.url.path}")
