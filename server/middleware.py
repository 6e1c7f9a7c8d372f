"""Outermost ASGI layer: same-origin checks, security headers, and the way to `/ws`."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
        if scope["method"] in UNSAFE_METHODS and self._foreign(scope):
            body = json.dumps(
                {"error": {"code": "cross_origin", "message": "cross-origin request refused", "fields": {}}}
            ).encode()
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

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)
