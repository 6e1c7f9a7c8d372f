"""Attachments over HTTP: `POST /api/uploads` (a multipart body streamed to disk as it arrives,
bounded by `TONG_UPLOAD_MAX` instead of the JSON body limit) and `GET /api/attachments/{id}`."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from server.contract.errors import Invalid, TooLarge
from server.files.kinds import KINDS
from server.store.models import Account
from server.web import shapes
from server.web.context import caller, ok, services
from server.web.operation import Operation

FIELD = "file"
# The optional `name` field renames the file (the uploader's choice of public name).
NAME_FIELD = "name"
NAME_FIELD_MAX = 1024
# A multipart body carries a little more than its file: boundaries and part headers.
OVERHEAD = 64 * 1024
PARTS_MAX = 4
HEADER_MAX = 8 * 1024


class _Receiver:
    """Feeds python-multipart's push parser and writes the `file` part straight to `target`."""

    def __init__(self, target: Path, limit: int) -> None:
        self.target = target
        self.limit = limit
        self.file: IO[bytes] | None = None
        self.received = False
        # The closing boundary was read: a body cut short never counts as a file.
        self.complete = False
        self.filename: str | None = None
        self.name_value = bytearray()
        self.size = 0
        self.parts = 0
        self._field: str | None = None
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._header_bytes = 0

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self.parts += 1
        if self.parts > PARTS_MAX:
            raise Invalid("too many parts in the form", {"file": "invalid"})
        self._headers = {}
        self._field = None

    def _count_header(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > HEADER_MAX:
            raise Invalid("part headers too large", {"file": "invalid"})

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        field = options.get(b"name", b"").decode("utf-8", "replace")
        self._field = field
        if field == FIELD:
            if self.received:
                raise Invalid("one file per upload", {"file": "invalid"})
            raw = options.get(b"filename")
            self.filename = raw.decode("utf-8", "replace") if raw is not None else None
            self.file = self.target.open("wb")
            self.received = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._field == FIELD and self.file is not None:
            self.size += end - start
            if self.size > self.limit:
                raise TooLarge(f"a file is at most {self.limit} bytes")
            self.file.write(data[start:end])
        elif self._field == NAME_FIELD:
            self.name_value += data[start:end]
            if len(self.name_value) > NAME_FIELD_MAX:
                raise Invalid("name is too long", {"name": "too_long"})

    def _part_end(self) -> None:
        if self._field == FIELD and self.file is not None:
            self.file.close()
            self.file = None

    def _end(self) -> None:
        self.complete = True

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


async def upload(request: Request, account: Account) -> Response:
    svc = services(request)
    limit = svc.settings.upload_max
    declared = request.headers.get("content-length")
    if (
        declared is not None
        and declared.isdigit()
        and len(declared) < 20
        and int(declared) > limit + OVERHEAD
    ):
        raise TooLarge(f"a file is at most {limit} bytes")
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise Invalid("send multipart/form-data with a file field", {"file": "required"})
    await svc.attachments.admit(account)
    raw = svc.attachments.scratch()
    receiver = _Receiver(raw, limit)
    try:
        parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        receiver.close()
        if not receiver.complete:
            raise Invalid("the multipart body ended before its closing boundary", {"file": "invalid"})
        if not receiver.received:
            raise Invalid("the form has no file field", {"file": "required"})
        name = receiver.name_value.decode("utf-8", "replace").strip() or receiver.filename
        shown = await svc.attachments.upload(account, raw, name)
    except MultipartParseError as exc:
        raise Invalid(f"a malformed multipart body: {exc}", {"file": "invalid"}) from exc
    finally:
        receiver.close()
        with contextlib.suppress(OSError):
            raw.unlink(missing_ok=True)
    return ok(shown, 201)


def disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the real one in RFC 5987's `filename*`."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def attachment(request: Request) -> Response:
    svc = services(request)
    served = await svc.attachments.served(request.path_params["id"], await caller(request))
    etag = f'"{served.sha256}"'
    headers = {
        "content-disposition": disposition(served.name),
        "x-content-type-options": "nosniff",
        "content-security-policy": "sandbox",
        "etag": etag,
        # Revalidated on every use: once its post is hidden or erased, no cache serves it again.
        "cache-control": "private, no-cache",
    }
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    headers["content-length"] = str(served.size)
    if request.method == "HEAD":
        return Response(media_type=served.type, headers=headers)
    return StreamingResponse(svc.attachments.read(served.sha256), media_type=served.type, headers=headers)


operations = [
    Operation("POST", "/api/uploads", upload,
              "Upload a file to attach (multipart field `file`; optional `name` renames it)", "attachments",
              who="account", form=True, status=201, answer=shapes.UploadOut, also=(413, 422, 429, 503)),
    Operation("GET", "/api/attachments/{id:id}", attachment,
              "An attachment's file (Content-Disposition: attachment; 404 once its post is not public)",
              "attachments", media=tuple(kind.media_type for kind in KINDS)),
]  # fmt: skip
