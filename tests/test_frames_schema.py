"""The WebSocket frames' JSON Schema (/api/ws-schema.json): it takes the contract's frames and
refuses malformed ones; tests/support/clients.py checks every frame the tests read against it."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError

from server.web.frames import frames_schema
from tests.support.clients import CLIENT_OP, SERVER_FRAME

CONTRACT_SERVER_FRAMES = [
    {"type": "subscribed", "channel": "thread:42", "seq": 20, "epoch": "e1"},
    {"type": "event", "channel": "thread:42", "seq": 21, "event": "comment.created", "data": {"comment": {}}},
    {
        "type": "counts",
        "channel": "thread:42",
        "data": {
            "recommendations": 12,
            "comments": 21,
            "watchers": 130,
            "comment_recommendations": {"901": 4},
        },
    },
    {"type": "resync", "channel": "thread:42"},
    {"type": "error", "code": "bad_frame", "message": "..."},
    {"type": "notice", "channel": "me", "data": {"notice": {}}},
    {"type": "unread", "channel": "me", "data": {"count": 3}},
]
CONTRACT_CLIENT_OPS = [
    {"op": "subscribe", "channel": "thread:42", "since": 17},
    {"op": "subscribe", "channel": "thread:42", "since": 17, "epoch": "e1"},
    {"op": "unsubscribe", "channel": "thread:42"},
]


@pytest.mark.parametrize("frame", CONTRACT_SERVER_FRAMES)
def test_contract_server_frames_validate(frame: dict[str, Any]) -> None:
    """Each server frame PROTOCOL.md shows is valid against the schema."""
    SERVER_FRAME.validate(frame)


@pytest.mark.parametrize("frame", CONTRACT_CLIENT_OPS)
def test_contract_client_ops_validate(frame: dict[str, Any]) -> None:
    """Each client op PROTOCOL.md shows is valid against the schema."""
    CLIENT_OP.validate(frame)


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "event", "channel": "thread:1", "seq": 0, "event": "x", "data": {}},
        {"type": "subscribed"},
        {"type": "mystery", "channel": "board"},
        {"type": "error", "code": 5, "message": "m"},
    ],
)
def test_malformed_server_frames_are_refused(frame: dict[str, Any]) -> None:
    """A frame without its required members, with a wrong type or an unknown type fails."""
    with pytest.raises(ValidationError):
        SERVER_FRAME.validate(frame)


@pytest.mark.parametrize(
    "frame",
    [{"op": "subscribe"}, {"op": "subscribe", "channel": "board", "since": -1}, {"op": "dance"}],
)
def test_malformed_client_ops_are_refused(frame: dict[str, Any]) -> None:
    """An op without its channel, with a negative since, or unknown fails."""
    with pytest.raises(ValidationError):
        CLIENT_OP.validate(frame)


async def test_schema_is_served(anonymous: Any) -> None:
    """GET /api/ws-schema.json answers the same schema the tests validate with."""
    response = await anonymous.get("/api/ws-schema.json")
    assert response.status_code == 200 and response.json() == frames_schema()
