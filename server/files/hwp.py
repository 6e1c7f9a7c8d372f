"""HWP 5 (an OLE compound file). Refused: a `Scripts` storage (the document's JScript) and
embedded PostScript (`BinData` streams in .ps/.eps). Blanked: the summary information (author,
last saved by, title), replaced by an empty property set of the same size, since a compound
file's streams can only be rewritten in place."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import olefile

from server.files.kinds import refuse

SUMMARY = "\x05HwpSummaryInformation"
POSTSCRIPT = (".ps", ".eps")
# MS-OLEPS: byte order, version, system id, CLSID, one property set, its FMTID and offset (48).
HEADER = struct.Struct("<HHI16sI16sI")


def clean(source: Path, target: Path) -> str:
    shutil.copyfile(source, target)
    try:
        with olefile.OleFileIO(str(target), write_mode=True) as ole:
            for path in ole.listdir(streams=True, storages=True):
                if path[0].lower() == "scripts":
                    raise refuse("an HWP document with scripts")
                if path[0] == "BinData" and path[-1].lower().endswith(POSTSCRIPT):
                    raise refuse("an HWP document with embedded PostScript")
            if ole.exists(SUMMARY):
                original = ole.openstream(SUMMARY).read()
                ole.write_stream(SUMMARY, _empty_property_set(original))
    except (OSError, ValueError, struct.error) as exc:
        raise refuse(f"an unreadable HWP document: {exc}") from exc
    # HWP's body text is compressed records; the guard reads PDF, HWPX and Office text only.
    return ""


def _empty_property_set(original: bytes) -> bytes:
    """A property set with the original's format id and no properties, padded to its length."""
    fmtid = original[28:44] if len(original) >= 44 else bytes(16)
    empty = HEADER.pack(0xFFFE, 0, 0, bytes(16), 1, fmtid, HEADER.size) + struct.pack("<II", 8, 0)
    if len(original) < len(empty):
        raise ValueError("a summary information stream too short to be one")
    return empty + bytes(len(original) - len(empty))
