"""The WebSocket frames of docs/protocol.md as pydantic models: the client's ops (parsed with them) and
the server's frames (described by them). `frames_schema()` is their JSON Schema, served at
`/api/ws-schema.json`; the tests validate every frame they read against it.

The server still writes its frames as text once per fan-out (channels.py): these models describe
those frames, they do not build them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.json_schema import models_json_schema

from server.contract.errors import ErrorCode
from server.store.models import ROW_ID_MAX

# The longest channel name a client may send; every real one (`thread:` and 19 digits) is shorter.
CHANNEL_MAX = 64
# An epoch is opaque to clients (16 hex digits today); room to grow without refusing old clients.
EPOCH_MAX = 128


class Op(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Subscribe(Op):
    op: Literal["subscribe"]
    channel: Annotated[str, Field(max_length=CHANNEL_MAX)]
    since: Annotated[int, Field(ge=0, le=ROW_ID_MAX, strict=True)] | None = None
    epoch: Annotated[str, Field(max_length=EPOCH_MAX)] | None = None


class Unsubscribe(Op):
    op: Literal["unsubscribe"]
    channel: Annotated[str, Field(max_length=CHANNEL_MAX)]


class Ping(Op):
    op: Literal["ping"]


ClientOp = Annotated[Subscribe | Unsubscribe | Ping, Field(discriminator="op")]
CLIENT_OP: TypeAdapter[Subscribe | Unsubscribe | Ping] = TypeAdapter(ClientOp)


class BadFrame(Exception):
    """A frame the server answers with an `error` frame (the socket stays open)."""

    def __init__(self, code: ErrorCode, message: str, channel: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.channel = channel


def parse_op(text: str) -> Subscribe | Unsubscribe | Ping:
    """The client's op, or BadFrame. pydantic's parser refuses what Python's json module lets
    through: lone surrogates, integers of thousands of digits, nesting deep enough to recurse out."""
    try:
        return CLIENT_OP.validate_json(text)
    except ValidationError as exc:
        raise _bad(exc, text) from None


def _bad(exc: ValidationError, text: str) -> BadFrame:
    error = exc.errors(include_url=False, include_input=False)[0]
    kind = error["type"]
    if kind == "json_invalid":
        return BadFrame(ErrorCode.BAD_FRAME, f"not valid JSON: {error.get('ctx', {}).get('error', '')}")
    if kind in ("model_attributes_type", "dict_type", "model_type") and not error["loc"]:
        return BadFrame(ErrorCode.BAD_FRAME, "a frame must be a JSON object")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return BadFrame(ErrorCode.UNKNOWN_OP, "unknown op: use subscribe, unsubscribe or ping")
    field = str(error["loc"][-1]) if error["loc"] else "frame"
    channel = None
    if field == "since":
        # The channel was readable, so the error names it (the client knows which subscribe failed).
        channel = _channel_of(text)
        return BadFrame(ErrorCode.BAD_FRAME, "since must be a non-negative integer", channel)
    return BadFrame(ErrorCode.BAD_FRAME, f"{field}: {error['msg']}", channel)


def _channel_of(text: str) -> str | None:
    try:
        value = TypeAdapter(dict[str, Any]).validate_json(text).get("channel")
    except ValidationError:
        return None
    return value if isinstance(value, str) and len(value) <= CHANNEL_MAX else None


# --- what the server sends --------------------------------------------------------------------


class Frame(BaseModel):
    """A server frame: at least these fields (the contract lets the server add more)."""

    model_config = ConfigDict(extra="allow")


class Subscribed(Frame):
    type: Literal["subscribed"]
    channel: str
    seq: int | None = Field(None, description="thread channels: the latest committed seq")
    epoch: str | None = None


class Unsubscribed(Frame):
    type: Literal["unsubscribed"]
    channel: str


class EventFrame(Frame):
    type: Literal["event"]
    channel: str
    seq: int | None = Field(None, ge=1, description="thread channels: 1, 2, 3, ... without gaps")
    event: str
    data: dict[str, Any]


class CountsFrame(Frame):
    type: Literal["counts"]
    channel: str
    data: dict[str, Any]


class Resync(Frame):
    type: Literal["resync"]
    channel: str


class Stats(Frame):
    type: Literal["stats"]
    channel: Literal["staff"]
    data: dict[str, Any]


class ErrorFrame(Frame):
    type: Literal["error"]
    code: ErrorCode
    message: str
    channel: str | None = None


class Pong(Frame):
    type: Literal["pong"]


class Notice(Frame):
    type: Literal["notice", "unread"]
    channel: Literal["me"]
    data: dict[str, Any]


SERVER_FRAMES: tuple[type[Frame], ...] = (
    Subscribed,
    Unsubscribed,
    EventFrame,
    CountsFrame,
    Resync,
    Stats,
    ErrorFrame,
    Pong,
    Notice,
)


def frames_schema() -> dict[str, Any]:
    """One JSON Schema (2020-12) for both directions: `server` and `client` are each a oneOf."""
    every: tuple[type[BaseModel], ...] = (*SERVER_FRAMES, Subscribe, Unsubscribe, Ping)
    models: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [
        (model, "validation") for model in every
    ]
    _, schema = models_json_schema(models, ref_template="#/$defs/{model}")
    defs = schema["$defs"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Tong WebSocket frames (GET /ws)",
        "$defs": {
            **defs,
            "server": {"oneOf": [{"$ref": f"#/$defs/{m.__name__}"} for m in SERVER_FRAMES]},
            "client": {"oneOf": [{"$ref": f"#/$defs/{m.__name__}"} for m in (Subscribe, Unsubscribe, Ping)]},
        },
    }
