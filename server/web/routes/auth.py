"""Signing in through the portal's OpenID provider (v1.2): start, callback, back-channel logout,
and what the login page offers.

These are browser redirects and a provider's form post, not JSON operations, so they are plain
routes (docs/protocol.md documents them). Errors a person meets at the callback (they refused at
the provider, their organisation type is unknown, the link was used twice) are answered with the
contract's status and code, as a short page in Korean and English saying what to do when the
browser asks for HTML, and as the usual JSON error body otherwise.
"""

from __future__ import annotations

import html
import logging
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from server.contract.errors import ErrorCode, Forbidden
from server.domain.signon import kind_from_claims
from server.identity.oidc import OpenIDClient, ProviderError, TokenRejected
from server.text.nextpath import same_origin_path
from server.web.context import SESSION_COOKIE, services

log = logging.getLogger("tong.oidc")

# What a person is told, by code: (status, Korean, English). Provider errors (RFC 6749 §4.1.2.1,
# OpenID Connect Core §3.1.2.6) first, then Tong's own.
PAGES: dict[str, tuple[int, str, str]] = {
    "access_denied": (
        403,
        "로그인을 취소했거나 허용하지 않았습니다. 다시 로그인하려면 아래 링크를 누르세요.",
        "You cancelled or did not allow the sign-in. Use the link below to try again.",
    ),
    "login_required": (
        401,
        "나라장터에 먼저 로그인해야 합니다. 아래 링크로 다시 시작하세요.",
        "You need to sign in at the portal first. Start again with the link below.",
    ),
    "consent_required": (
        403,
        "나라장터에서 정보 제공에 동의해야 로그인할 수 있습니다.",
        "The portal needs your consent to share your organisation type with this board.",
    ),
    "interaction_required": (
        401,
        "나라장터에서 추가 확인이 필요합니다. 다시 로그인하세요.",
        "The portal needs you to confirm something. Sign in again.",
    ),
    "temporarily_unavailable": (
        503,
        "나라장터 로그인이 잠시 응답하지 않습니다. 잠시 후 다시 시도하세요.",
        "The portal's sign-in is not answering right now. Try again in a few minutes.",
    ),
    "kind_unknown": (
        403,
        "나라장터 계정의 기관 구분(기업/기관)을 알 수 없어 로그인할 수 없습니다. "
        "나라장터 고객센터에 문의하세요.",
        "The portal did not say whether your account is a company or an agency, so you cannot sign in. "
        "Contact the portal's help desk.",
    ),
    "account_disabled": (
        403,
        "이 계정은 사용이 중지되었습니다. 운영자에게 문의하세요.",
        "This account has been disabled. Contact the board's operators.",
    ),
    "oidc_state": (
        400,
        "로그인 요청이 만료되었거나 이미 사용되었습니다. 처음부터 다시 로그인하세요.",
        "This sign-in link has expired or was already used. Start the sign-in again.",
    ),
    "oidc_token": (
        502,
        "나라장터가 보낸 로그인 정보를 확인할 수 없습니다. 다시 시도하고, 계속되면 운영자에게 알려 주세요.",
        "The sign-in information from the portal could not be verified. Try again; if it goes on, tell the "
        "board's operators.",
    ),
    "oidc_unavailable": (
        503,
        "나라장터 로그인에 연결할 수 없습니다. 잠시 후 다시 시도하세요.",
        "The portal's sign-in cannot be reached. Try again in a few minutes.",
    ),
    "oidc_off": (
        404,
        "이 게시판은 나라장터 로그인을 쓰지 않습니다.",
        "This board does not use the portal's sign-in.",
    ),
}


def _client(request: Request) -> OpenIDClient | None:
    return services(request).oidc


def _page(request: Request, code: str, detail: str | None = None) -> Response:
    fields: dict[str, str] = {}
    if code not in PAGES:
        # Another error the provider named: shown by its own code on the page, and as
        # `oidc_provider_error` (the provider's code in `fields`) in the stable error body.
        fields, code = {"error": code}, ErrorCode.OIDC_PROVIDER_ERROR
    status, korean, english = PAGES[code]
    if "text/html" in request.headers.get("accept", ""):
        page = (
            '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>로그인 오류 · Sign-in error</title></head><body><main>"
            f"<h1>로그인하지 못했습니다</h1><p>{html.escape(korean)}</p>"
            f'<h2 lang="en">Could not sign in</h2><p lang="en">{html.escape(english)}</p>'
            f"<p><code>{html.escape(fields.get('error', code))}</code></p>"
            '<p><a href="/login">로그인 화면으로 · Back to sign-in</a></p></main></body></html>'
        )
        return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})
    body = {"error": {"code": str(code), "message": detail or english, "fields": fields}}
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


async def start(request: Request) -> Response:
    client = _client(request)
    if client is None:
        return _page(request, "oidc_off")
    try:
        authorization = await client.authorization()
    except ProviderError as exc:
        log.warning("oidc: provider unreachable at start: %s", exc)
        return _page(request, "oidc_unavailable")
    next_path = same_origin_path(request.query_params.get("next"))
    await services(request).signon.remember(
        authorization.state, authorization.nonce, authorization.verifier, next_path
    )
    return RedirectResponse(authorization.url, status_code=302, headers={"Cache-Control": "no-store"})


async def callback(request: Request) -> Response:
    client = _client(request)
    if client is None:
        return _page(request, "oidc_off")
    svc = services(request)
    params = request.query_params
    state = params.get("state") or ""
    # The pending sign-in is taken (and deleted) first, whatever the provider answered: a state is
    # good for one callback only.
    pending = await svc.signon.take(state) if state else None
    if params.get("error"):
        error = params["error"][:64]
        log.info("oidc: the provider answered %s", error)
        return _page(request, error if error.isascii() and error.isprintable() else "oidc_provider_error")
    if pending is None:
        return _page(request, "oidc_state")
    code = params.get("code")
    if not code:
        return _page(request, "oidc_token", "the provider sent no code")
    settings = svc.settings
    needed = tuple(c for c in (settings.oidc_kind_claim, settings.oidc_staff_claim) if c)
    try:
        signed = await client.finish(code, pending.verifier, pending.nonce, needed)
    except TokenRejected as exc:
        log.warning("oidc: ID token rejected: %s", exc)
        return _page(request, "oidc_token", f"the ID token was rejected: {exc}")
    except ProviderError as exc:
        log.warning("oidc: the code exchange failed: %s", exc)
        return _page(request, "oidc_unavailable")
    claims = signed.claims
    try:
        kind = kind_from_claims(claims, settings)
        token, account = await svc.signon.sign_in(
            client.issuer, str(claims["sub"]), kind, claims.get("sid") and str(claims["sid"]), signed.id_token
        )
    except Forbidden as exc:
        return _page(request, exc.code, exc.message)
    target = pending.next_path
    if svc.factors.required_for(account):
        # Staff who sign in through the portal also give Tong's second factor (or enrol one):
        # the login page asks for it, then goes on to `next`.
        target = "/login?" + urlencode({"next": pending.next_path})
    response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_days * 86_400,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    return response


async def backchannel_logout(request: Request) -> Response:
    """OpenID Back-Channel Logout 1.0 §2.8: 200 when done, 400 with an OAuth error otherwise."""
    client = _client(request)
    headers = {"Cache-Control": "no-store"}
    if client is None:
        return JSONResponse({"error": "invalid_request"}, status_code=400, headers=headers)
    # application/x-www-form-urlencoded (§2.5), read with the standard library: Starlette's form
    # parser needs python-multipart, which nothing else here would use.
    try:
        fields = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=10)
    except ValueError:  # more fields than a logout request has
        fields = {}
    logout_token = (fields.get("logout_token") or [""])[0]
    if not logout_token:
        return JSONResponse(
            {"error": "invalid_request", "error_description": "logout_token is missing"}, 400, headers
        )
    try:
        claims = await client.logout_claims(logout_token)
    except (TokenRejected, ProviderError) as exc:
        log.warning("oidc: logout token rejected: %s", exc)
        return JSONResponse({"error": "invalid_request", "error_description": str(exc)[:200]}, 400, headers)
    ended = await services(request).signon.end_provider_sessions(
        client.issuer, claims.get("sub"), claims.get("sid")
    )
    log.info("oidc: back-channel logout ended %d session(s)", ended)
    return Response(status_code=200, headers=headers)


async def sign_in_options(request: Request) -> Response:
    """What the login page offers: the provider's button, and whether the password form is for
    everyone or staff only."""
    settings = services(request).settings
    oidc = (
        {"name": settings.oidc_name, "name_en": settings.oidc_name_en, "start": "/api/auth/oidc/start"}
        if settings.oidc_enabled
        else None
    )
    return JSONResponse({"oidc": oidc, "local_login": settings.local_login})


def _error(status: int) -> dict[str, Any]:
    return {"$ref": f"#/components/responses/Error{status}"}


_PAGE = {"text/html": {"schema": {"type": "string"}}}
_AUTH_ERRORS = {
    str(status): {
        "description": "A page in Korean and English for browsers (Accept: text/html), else the error body",
        "content": {**_PAGE, "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    for status in (400, 401, 403, 404, 502, 503)
}
_OAUTH_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    "required": ["error"],
}
# The OpenAPI document's entries for these routes (written here, beside them).
OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/api/auth/oidc/start": {
        "get": {
            "operationId": "oidc_start",
            "summary": "Single sign-on: go to the portal's provider (302), then come back to `next`",
            "tags": ["session"],
            "parameters": [
                {"name": "next", "in": "query", "required": False, "schema": {"type": "string"}},
            ],
            "responses": {
                "302": {"description": "To the provider's authorization endpoint (code flow, PKCE S256)"},
                "404": _AUTH_ERRORS["404"],
                "503": _AUTH_ERRORS["503"],
            },
        }
    },
    "/api/auth/oidc/callback": {
        "get": {
            "operationId": "oidc_callback",
            "summary": "Single sign-on: where the provider sends the browser back (sets the session cookie)",
            "tags": ["session"],
            "parameters": [
                {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                for name in ("code", "state", "error", "error_description")
            ],
            "responses": {"303": {"description": "Signed in: to `next`"}, **_AUTH_ERRORS},
        }
    },
    "/api/auth/oidc/backchannel-logout": {
        "post": {
            "operationId": "oidc_backchannel_logout",
            "summary": "OpenID Back-Channel Logout 1.0: the provider ends a person's sessions",
            "tags": ["session"],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": {"logout_token": {"type": "string"}},
                            "required": ["logout_token"],
                        }
                    }
                },
            },
            "responses": {
                "200": {"description": "The sessions named by the token have ended"},
                "400": {"description": "Refused", "content": {"application/json": {"schema": _OAUTH_ERROR}}},
                "403": _error(403),
                "413": _error(413),
                "429": _error(429),
                "503": _error(503),
            },
        }
    },
    "/api/auth/options": {
        "get": {
            "operationId": "sign_in_options",
            "summary": "What the login page offers: the provider's button, and who may use a password",
            "tags": ["session"],
            "parameters": [],
            "responses": {
                "200": {
                    "description": "Success",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "oidc": {
                                        "anyOf": [
                                            {
                                                "type": "object",
                                                "properties": {
                                                    "name": {"type": "string"},
                                                    "name_en": {"type": "string"},
                                                    "start": {"type": "string"},
                                                },
                                                "required": ["name", "name_en", "start"],
                                            },
                                            {"type": "null"},
                                        ]
                                    },
                                    "local_login": {"enum": ["all", "staff"]},
                                },
                                "required": ["oidc", "local_login"],
                            }
                        }
                    },
                },
                "503": _error(503),
            },
        }
    },
}


def routes() -> list[Route]:
    return [
        Route("/api/auth/oidc/start", start, methods=["GET"]),
        Route("/api/auth/oidc/callback", callback, methods=["GET"]),
        Route("/api/auth/oidc/backchannel-logout", backchannel_logout, methods=["POST"]),
        Route("/api/auth/options", sign_in_options, methods=["GET"]),
    ]
