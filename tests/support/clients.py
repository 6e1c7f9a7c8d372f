"""Real clients for tests: an HTTP client with its own cookie jar, and a WebSocket client that
reads JSON frames with timeouts."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from websockets.asyncio.client import ClientConnection, connect

from server.web.frames import frames_schema

PASSWORD = "correct horse battery"
FRAME_TIMEOUT = 5.0

# Every frame a test reads is checked against the frames' JSON Schema (/api/ws-schema.json).
_FRAMES = frames_schema()
SERVER_FRAME = Draft202012Validator({"$ref": "#/$defs/server", "$defs": _FRAMES["$defs"]})
CLIENT_OP = Draft202012Validator({"$ref": "#/$defs/client", "$defs": _FRAMES["$defs"]})


class Http:
    """One browser-like user: a cookie jar and the server's base URL."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.client = httpx.AsyncClient(base_url=base_url, timeout=30)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def login(self, login: str, password: str = PASSWORD) -> dict[str, Any]:
        response = await self.client.post("/api/session", json={"login": login, "password": password})
        assert response.status_code == 200, response.text
        return response.json()["account"]  # type: ignore[no-any-return]

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.client.cookies.items())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    async def thread(self, title: str = "제안", body: str = "본문", kind: str = "proposal") -> dict[str, Any]:
        response = await self.client.post("/api/threads", json={"kind": kind, "title": title, "body": body})
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def comment(self, thread_id: int, body: str, parent_id: int | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"body": body}
        if parent_id is not None:
            payload["parent_id"] = parent_id
        response = await self.client.post(f"/api/threads/{thread_id}/comments", json=payload)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]


class Socket:
    """A `/ws` connection that reads frames as JSON."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    @classmethod
    async def open(cls, ws_url: str, cookie: str | None = None, **kwargs: Any) -> Socket:
        headers = {"Cookie": cookie} if cookie else None
        connection = await connect(ws_url, additional_headers=headers, max_size=None, **kwargs)
        return cls(connection)

    async def close(self) -> None:
        await self.connection.close()

    async def send(self, frame: dict[str, Any] | str | bytes) -> None:
        await self.connection.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))

    async def subscribe(self, channel: str, since: int | None = None) -> dict[str, Any]:
        frame: dict[str, Any] = {"op": "subscribe", "channel": channel}
        if since is not None:
            frame["since"] = since
        await self.send(frame)
        return await self.expect(
            lambda f: f["type"] in ("subscribed", "error") and f.get("channel") == channel
        )

    async def recv(self, timeout: float = FRAME_TIMEOUT) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.connection.recv(), timeout)
        frame = json.loads(raw)
        SERVER_FRAME.validate(frame)
        return frame  # type: ignore[no-any-return]

    async def expect(
        self, match: Callable[[dict[str, Any]], bool], timeout: float = FRAME_TIMEOUT
    ) -> dict[str, Any]:
        """The first frame that matches, skipping others (counts frames arrive at any time)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError("no matching frame")
            frame = await self.recv(left)
            if match(frame):
                return frame

    async def events(self, count: int, timeout: float = FRAME_TIMEOUT) -> list[dict[str, Any]]:
        """The next `count` event frames (other frame types skipped)."""
        return [await self.expect(lambda f: f["type"] == "event", timeout) for _ in range(count)]

    async def quiet(self, seconds: float = 0.5) -> list[dict[str, Any]]:
        """Every event frame that arrives within `seconds` (used to assert 'nothing more')."""
        seen = []
        try:
            while True:
                frame = await self.recv(seconds)
                if frame["type"] == "event":
                    seen.append(frame)
        except TimeoutError:
            return seen


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
