"""From the bytes a client sent to the file Tong keeps: told by content, cleaned, hashed.

Synchronous and CPU-bound (image re-encoding, PDF rewriting): the domain runs it in a worker
thread. What the file says in text comes back for the personal-information guard.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from server.files import hwp, images, packages, pdfs
from server.files.kinds import HWP, JPEG, PDF, PNG, Kind, sniff

NAME_MAX = 120
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Prepared:
    kind: Kind
    path: Path
    size: int
    sha256: str
    text: str


def prepare(raw: Path, cleaned: Path) -> Prepared:
    """Clean the file at `raw` into `cleaned` (422 `file_type` when it is not accepted)."""
    kind = sniff(raw)
    if kind is PDF:
        text = pdfs.clean(raw, cleaned)
    elif kind in (PNG, JPEG):
        images.clean(raw, cleaned, kind)
        text = ""
    elif kind is HWP:
        text = hwp.clean(raw, cleaned)
    else:
        text = packages.clean(raw, cleaned, kind)
    digest = hashlib.sha256()
    size = 0
    with cleaned.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return Prepared(kind, cleaned, size, digest.hexdigest(), text)


def file_name(given: str | None, kind: Kind) -> str:
    """The public name: the last part of the name the client gave (no directories), without
    control characters, NFC, at most NAME_MAX characters, ending in the kind's own extension."""
    name = given or ""
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = unicodedata.normalize("NFC", name)
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip()[: NAME_MAX - len(kind.extension) - 1].strip() or "file"
    return f"{stem}.{kind.extension}"
