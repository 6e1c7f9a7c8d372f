"""Outermost ASGI layers: request ids and the access log; the cap on requests per client address;
same-origin checks, security headers, and the way to `/ws`."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import structlog
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.contract.errors import ErrorCode, TooManyConnections

WEBSOCKET_PATH = "/ws"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# The app loads scripts, styles and images from itself only, and talks to itself only (fetch and
# the same-origin WebSocket); nothing inline, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


DEFAULT_PORTS = {"http": 80, "https": 443}
# Seconds a refused client is asked to wait: its other requests finish in milliseconds.
CAPPED_RETRY_AFTER_S = 5


class PerAddress:
    """What one client address holds open right now (requests in progress, sockets), for a cap."""

    def __init__(self) -> None:
        self._held: dict[str, int] = {}

    def held(self, address: str) -> int:
        return self._held.get(address, 0)

    @contextlib.contextmanager
    def hold(self, address: str) -> Iterator[None]:
        self._held[address] = self._held.get(address, 0) + 1
        try:
            yield
        finally:
            left = self._held.get(address, 1) - 1
            if left > 0:
                self._held[address] = left
            else:
                self._held.pop(address, None)


class AddressCapMiddleware:
    """At most `limit` HTTP requests in progress per client address in this process (WebSockets
    have their own cap, `ws_max_per_ip`). The address is the one uvicorn took from the trusted
    proxy's X-Forwarded-For. Idle kept-alive connections are closed by uvicorn's keep-alive
    timeout and half-sent headers by the header timeout; what can pile up are requests whose body
    is still arriving, so these are what is counted. Past the cap: 429 `too_many_connections`,
    and the connection is closed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._per_address = PerAddress()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else ""
        if self._per_address.held(address) >= self.limit:
            await _refuse_capped(send, self.limit)
            return
        with self._per_address.hold(address):
            await self.app(scope, receive, send)


async def _refuse_capped(send: Send, limit: int) -> None:
    error = TooManyConnections(f"at most {limit} requests in progress per client address")
    body = json.dumps({"error": {"code": error.code, "message": error.message, "fields": {}}}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(CAPPED_RETRY_AFTER_S).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def same_site(origin: str, host: str) -> bool:
    """Whether the browser's Origin names the host and port the request was sent to.

    Host is what the browser put in the request (the proxy passes it on unchanged: deploy/nginx.conf
    forwards `$http_host`, port included). Browsers leave a default port out of both, but a proxy or
    client may write `:443` into Host, so ports are compared with the Origin scheme's default filled
    in. The scheme itself is not compared: behind a proxy that ends TLS, Tong sees plain HTTP while
    the page is https, and a page on another scheme and the same port cannot exist for one host.
    """
    if origin == "null":
        return False
    try:
        page = urlsplit(origin)
        target = urlsplit(f"//{host}")
        page_port, target_port = page.port, target.port
    except ValueError:  # a malformed port or bracket
        return False
    default = DEFAULT_PORTS.get(page.scheme)
    if default is None or not page.hostname or not target.hostname:
        return False
    if "@" in origin or "@" in host or page.path not in ("", "/") or target.path or target.query:
        return False  # nothing a browser sends: no user part, no path
    return (page.hostname, page_port or default) == (target.hostname, target_port or default)


def cross_site(headers: Headers, allowed: frozenset[str] = frozenset(), *, navigation: bool = False) -> bool:
    """Whether a browser sent this request from another site: its Origin names another host, or,
    without Origin, `Sec-Fetch-Site` says cross-site or the Referer names another host.

    With `navigation` (a GET that changes something, like the admin reveal) only a same-origin
    request passes: `Sec-Fetch-Site` must be `same-origin` when a browser sends it at all (a link
    clicked on another site says `cross-site`, one typed or pasted says `none`)."""
    host = headers.get("host")
    origin = headers.get("origin")
    if origin is not None:
        return origin.rstrip("/") not in allowed and (host is None or not same_site(origin, host))
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site == "cross-site" or (navigation and fetch_site not in (None, "same-origin")):
        return True
    referer = headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        page = f"{parts.scheme}://{parts.netloc}"
        return page not in allowed and (host is None or not same_site(page, host))
    return False


def personalised(scope: Scope) -> bool:
    """A response for one caller (it knows the session): no shared cache may keep it."""
    path = scope["path"]
    if not path.startswith("/api/"):
        return False
    if path in ("/api/me", "/api/session") or path.startswith("/api/me/"):
        return True
    return b"tong_session=" in Headers(scope=scope).get("cookie", "").encode()


PRIVATE = (b"cache-control", b"private, no-store")


class SameOriginMiddleware:
    """Refuse unsafe requests and WebSocket handshakes whose Origin names another site.

    A request without Origin (curl, scripts, same-origin GET) passes: browsers always send it on
    cross-site unsafe requests and on WebSocket handshakes, which is what this check is for.
    """

    def __init__(self, app: ASGIApp, sockets: ASGIApp, allowed_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.sockets = sockets
        self.allowed = frozenset(o.rstrip("/") for o in allowed_origins)

    def _foreign(self, scope: Scope) -> bool:
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            return False
        if origin.rstrip("/") in self.allowed:
            return False
        host = headers.get("host")
        return host is None or not same_site(origin, host)

    def _cross_site(self, scope: Scope) -> bool:
        return cross_site(Headers(scope=scope), self.allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            if self._foreign(scope) or scope["path"] != WEBSOCKET_PATH:
                await receive()  # websocket.connect
                await send({"type": "websocket.close", "code": 1008})  # refused: HTTP 403
                return
            await self.sockets(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in UNSAFE_METHODS and self._cross_site(scope):
            error: dict[str, Any] = {
                "code": ErrorCode.CROSS_ORIGIN,
                "message": "cross-origin request refused",
                "fields": {},
            }
            if (request_id := current_request_id()) is not None:
                error["request_id"] = request_id
            body = json.dumps({"error": error}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        private = personalised(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # A response that sets its own policy keeps it (an attachment: `sandbox`).
                present = {name.lower() for name, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in present]
                if private and (b"cache-control", b"private, no-cache") not in headers:
                    headers = [h for h in headers if h[0].lower() != b"cache-control"] + [PRIVATE]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# A proxy's id is kept when it looks like one (nginx's $request_id is 32 hex digits, others use
# UUIDs); anything else is replaced, so a client cannot write what it likes into the logs.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
REQUEST_ID_HEADER = "x-request-id"
access_log = logging.getLogger("tong.access")


def current_request_id() -> str | None:
    """The id of the request or socket this code runs for (bound by RequestContextMiddleware)."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


class RequestContextMiddleware:
    """The outermost layer: a request id per HTTP request and per WebSocket (the proxy's
    X-Request-ID when it sends a sane one, else a new one), bound to every log line written while
    it runs and returned in the X-Request-ID response header; then one access-log line with the
    method, path (never the query string, which may hold a token), status and duration. No
    headers, cookies or bodies are logged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        proposed = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = proposed if VALID_REQUEST_ID.fullmatch(proposed) else uuid.uuid4().hex
        # Each request runs in its own task, whose context starts as a copy of the server's:
        # clearing drops nothing of another request's.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        outcome: dict[str, Any] = {}

        async def send_with_id(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                outcome["status"] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            elif kind == "websocket.accept":
                outcome["status"] = 101
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            elif kind == "websocket.close":
                outcome.setdefault("status", 403)
                outcome["close_code"] = message.get("code", 1000)
            await send(message)

        # The socket's own send stays reachable (routes/ws.py writes frames straight through the
        # protocol behind it once the socket is open: no ASGI message per frame).
        send_with_id.__wrapped__ = send  # type: ignore[attr-defined]

        async def receive_noting_close() -> Message:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                outcome.setdefault("close_code", message.get("code", 1005))
            return message

        try:
            await self.app(
                scope, receive_noting_close if scope["type"] == "websocket" else receive, send_with_id
            )
        except BaseException:
            outcome.setdefault("status", 500)
            raise
        finally:
            if access_log.isEnabledFor(logging.INFO):
                self._log(scope, outcome, time.perf_counter() - started)

    @staticmethod
    def _log(scope: Scope, outcome: dict[str, Any], seconds: float) -> None:
        method = scope.get("method", "WEBSOCKET")
        status = outcome.get("status", 0)
        fields: dict[str, Any] = {
            "method": method,
            "path": scope["path"],
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
        }
        if "close_code" in outcome:
            fields["close_code"] = outcome["close_code"]
        client = scope.get("client")
        if client:
            fields["client"] = client[0]
        access_log.info("%s %s %s", method, scope["path"], status, extra=fields)
