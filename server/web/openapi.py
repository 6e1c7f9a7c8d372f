"""The OpenAPI 3.1 document, built from the operations (routes/operation.py) and their pydantic
shapes, with the limits of the running settings.

Every operation is marked with who may call it (`x-roles`, and its tag for the staff and admin
ones); every error answer is the contract's error body; the session cookie is the one security
scheme.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from server.runtime.settings import Settings
from server.store.models import ROW_ID_MAX
from server.web.context import SESSION_COOKIE
from server.web.operation import WHO, Operation
from server.web.shapes import ErrorBody, limits

TITLE = "Tong API"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ERRORS = {
    400: "The body is not valid JSON",
    401: "Not logged in",
    403: "Not allowed for the caller, or a cross-origin write",
    404: "No such resource",
    409: "Conflicts with the current state",
    413: "The body is over the request limit",
    422: "A field or query value is invalid (fields name them)",
    429: "Too many writes, logins or searches; see Retry-After",
    503: "The database is unavailable; see Retry-After",
}
_PARAM = re.compile(r"{([a-z_]+)(?::([a-z]+))?}")


def document(
    operations: Iterable[Operation],
    settings: Settings,
    version: str,
    extra_paths: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`extra_paths`: path items written by hand for routes that are not JSON operations (the
    single sign-on redirects and the provider's form post)."""
    operations = list(operations)
    components = _schemas(operations)
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        path = _PARAM.sub(r"{\1}", operation.path)
        paths.setdefault(path, {})[operation.method.lower()] = _operation(operation)
    for path, item in (extra_paths or {}).items():
        paths.setdefault(path, {}).update(item)
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": version,
            "description": (
                "The REST half of Tong's public contract; the whole contract, WebSocket included, is "
                "[/api/protocol.md](/api/protocol.md) (`docs/protocol.md` in the source). Every error "
                "answer has the "
                'body `{"error": {"code", "message", "fields"}}`: `code` and the field codes '
                "are stable and meant to be translated; `message` is English. The WebSocket frames "
                "of `GET /ws` have their own JSON Schema at `/api/ws-schema.json`."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": SESSION_COOKIE,
                    "description": "Set by POST /api/session (HttpOnly, SameSite=Lax)",
                }
            },
            "responses": {
                f"Error{status}": {
                    "description": text,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
                }
                for status, text in ERRORS.items()
            },
        },
        "tags": [{"name": name} for name in dict.fromkeys(o.tag for o in operations)],
    }
    _apply_limits(doc, limits(settings))
    return doc


def _schemas(operations: list[Operation]) -> dict[str, Any]:
    models: dict[type[BaseModel], Literal["validation", "serialization"]] = {ErrorBody: "serialization"}
    for operation in operations:
        if operation.body is not None:
            models[operation.body] = "validation"
        for model in (operation.answer, *(m for _, m in operation.also_answers)):
            if model is not None:
                models.setdefault(model, "serialization")
    _, schema = models_json_schema(list(models.items()), ref_template="#/components/schemas/{model}")
    return schema.get("$defs", {})  # type: ignore[no-any-return]


def _operation(operation: Operation) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "tags": [operation.tag],
        "x-roles": list(WHO[WHO.index(operation.who) :]) if operation.who != "anyone" else [],
        "parameters": [*_path_parameters(operation), *_query_parameters(operation)],
        "responses": _responses(operation),
    }
    if operation.who != "anyone":
        shown["security"] = [{"session": []}]
        shown["description"] = f"Who: {operation.who}" + (
            " (staff with that role)" if operation.who in ("moderator", "admin") else ""
        )
    if operation.form:
        shown["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "name": {"type": "string", "description": "the file's public name"},
                        },
                    },
                    "encoding": {"file": {"contentType": "application/octet-stream"}},
                }
            },
        }
    if operation.body is not None:
        shown["requestBody"] = {
            "required": not operation.body_optional,
            "content": {"application/json": {"schema": _ref(operation.body)}},
        }
        if operation.body_optional:
            shown["requestBody"]["description"] = "none, an empty body, or {}"
    return shown


def _path_parameters(operation: Operation) -> list[dict[str, Any]]:
    enums = dict(operation.path_enums)
    parameters = []
    for name, convertor in _PARAM.findall(operation.path):
        if name in enums:
            schema: dict[str, Any] = {"type": "string", "enum": list(enums[name])}
        elif convertor == "id":
            schema = {"type": "integer", "minimum": 1, "maximum": ROW_ID_MAX}
        elif name in dict(operation.path_patterns):
            schema = {"type": "string", "pattern": dict(operation.path_patterns)[name]}
        elif convertor == "quarter":
            schema = {"type": "string", "pattern": "^2[0-9]{3}-Q[1-4]$", "examples": ["2026-Q4"]}
        else:
            schema = {"type": "string"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _query_parameters(operation: Operation) -> list[dict[str, Any]]:
    if operation.query is None:
        return []
    schema = operation.query.model_json_schema(by_alias=True)
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        # An absent value is how a query string says null; the document shows the value's type.
        branches = [b for b in prop.get("anyOf", ()) if b.get("type") != "null"]
        value = dict(branches[0]) if len(branches) == 1 else dict(prop)
        value.pop("title", None)
        if name not in required:
            # An empty value (`?status=`) counts as absent (shapes.validate_query), as browsers'
            # forms send it: the document says so, or a checker takes the 200 for a bug.
            value = {"anyOf": [value, {"const": ""}]}
        for key in ("default", "description"):
            if key in prop:
                value[key] = prop[key]
        parameters.append({"name": name, "in": "query", "required": name in required, "schema": value})
    return parameters


def _responses(operation: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if operation.status == 204:
        responses["204"] = {"description": "Done; no body"}
    else:
        content: dict[str, Any] = {}
        for media in operation.media:
            if media != "application/json":
                schema: dict[str, Any] = {"type": "string"}
            else:
                schema = _ref(operation.answer) if operation.answer is not None else {"type": "object"}
            content[media] = {"schema": schema}
        responses[str(operation.status)] = {"description": "Success", "content": content}
    for status, model in operation.also_answers:
        responses[str(status)] = {
            "description": (model.__doc__ or "").strip() or "Also",
            "content": {"application/json": {"schema": _ref(model)}},
        }
    for status in _error_statuses(operation):
        responses.setdefault(str(status), {"$ref": f"#/components/responses/Error{status}"})
    return responses


def _error_statuses(operation: Operation) -> list[int]:
    statuses = {503, *operation.also}
    if operation.body is not None or operation.form:
        statuses |= {400, 413, 422}
    if operation.query is not None:
        statuses.add(422)
    if "{" in operation.path:
        statuses.add(404)
    if operation.who != "anyone":
        statuses.add(401)
    if operation.who in ("staff", "moderator", "admin"):
        statuses.add(403)
    if operation.method in UNSAFE:
        # Cross-origin writes (403); writes that conflict with stored data (409); rate limits (429).
        statuses |= {403, 409, 429}
    return sorted(statuses)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _apply_limits(node: Any, values: dict[str, int]) -> None:
    """`x-limit: page_limit_max` becomes the running settings' `maximum` of a number. Text limits
    count code points after trimming, which `maxLength` (of the raw string) cannot say: the
    document gives them as `x-max-code-points` and in the description."""
    if isinstance(node, dict):
        name = node.get("x-limit")
        if isinstance(name, str) and name in values:
            if node.get("type") == "integer":
                node["maximum"] = values[name]
            else:
                node["x-max-code-points"] = values[name]
                node["description"] = f"at most {values[name]} characters (code points) after trimming"
        for child in node.values():
            _apply_limits(child, values)
    elif isinstance(node, list):
        for child in node:
            _apply_limits(child, values)
