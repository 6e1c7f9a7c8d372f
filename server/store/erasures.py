"""The erasure ledger: which posts were erased, kept outside the database it corrects.

A backup taken before an erasure still holds the text; restoring it would bring the text back.
So every erasure is also appended here (JSON lines, `TONG_ERASURE_LEDGER_FILE`, by default beside
the audit checkpoints in the data directory, which backups do not contain), and `tong restore`
erases again every post of the ledger that the restored database still has unerased.

A line names the post and nothing of its text: `{"at", "kind", "id", "created_at"}`. The post's
creation time tells the same post from another one that got its id after a restore of an older
database. The line is written, and flushed to disk, before the erasure's transaction commits: an
erasure never commits without its line (a line whose transaction then failed names a post an
admin asked to erase, which the next restore erases).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    at: str
    kind: str
    id: int
    # The post's created_at (ISO 8601, UTC): the same post, not merely the same id.
    created_at: str


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, entry: Entry) -> None:
        """One line, on disk when this returns (OSError when it cannot be written)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(entry), separators=(",", ":")) + "\n"
        # One short line in append mode: appends of several processes do not interleave.
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())

    def entries(self) -> list[Entry]:
        """Every line, oldest first (none when there is no file); ValueError names a bad line."""
        if not self.path.exists():
            return []
        found = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                found.append(
                    Entry(str(data["at"]), str(data["kind"]), int(data["id"]), str(data["created_at"]))
                )
            except (ValueError, KeyError, TypeError):
                raise ValueError(f"{self.path}:{number} is not an erasure ledger line") from None
        return found
