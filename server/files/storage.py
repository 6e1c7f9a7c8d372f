"""Where attached files live: one copy per sha256 (content addressed), behind a small interface
so that an S3-compatible store can take the local directory's place.

The local store keeps `<data dir>/attachments/ab/abcdef…` (the first two hex digits fan out the
directory). A file arrives complete or not at all: it is written to a temporary file on the same
filesystem, fsynced, renamed into place, and the directory fsynced.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

CHUNK = 64 * 1024
SHA256 = re.compile(r"[0-9a-f]{64}")


class Storage(Protocol):
    async def put(self, sha256: str, source: Path) -> None:
        """Keep the complete file at `source` (this takes it: the path is gone after) as `sha256`."""

    async def exists(self, sha256: str) -> bool: ...

    def read(self, sha256: str) -> AsyncIterator[bytes]:
        """The file's bytes in chunks (FileNotFoundError if it is not kept)."""
        ...

    async def delete(self, sha256: str) -> None: ...

    async def hashes(self) -> list[str]:
        """Every sha256 kept (for the orphan sweep)."""
        ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    async def put(self, sha256: str, source: Path) -> None:
        await asyncio.to_thread(self._put, sha256, source)

    def _put(self, sha256: str, source: Path) -> None:
        target = self.path(sha256)
        if target.exists():
            # The same bytes are kept already: one copy.
            source.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(source, target)
        _fsync_directory(target.parent)

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path(sha256).is_file)

    async def read(self, sha256: str) -> AsyncIterator[bytes]:  # type: ignore[override]
        f = await asyncio.to_thread(self.path(sha256).open, "rb")
        try:
            while chunk := await asyncio.to_thread(f.read, CHUNK):
                yield chunk
        finally:
            f.close()

    async def delete(self, sha256: str) -> None:
        await asyncio.to_thread(self.path(sha256).unlink, True)

    async def hashes(self) -> list[str]:
        def walk() -> list[str]:
            if not self.root.is_dir():
                return []
            return [p.name for p in self.root.glob("??/*") if SHA256.fullmatch(p.name)]

        return await asyncio.to_thread(walk)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
