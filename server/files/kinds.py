"""What a file is, told by its bytes, never by its name or the type a client claims.

Seven kinds are accepted. PDF, PNG and JPEG have magic numbers (the `filetype` library reads
them). HWP is an OLE compound file (as old Office files are) holding a `FileHeader` stream that
starts "HWP Document File". HWPX, DOCX and XLSX are all zip archives: what tells them apart is
inside, HWPX's `mimetype` entry and the OOXML `[Content_Types].xml` override of the main part.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype
import olefile
from defusedxml import ElementTree

from server.contract.errors import ErrorCode, Invalid


@dataclass(frozen=True)
class Kind:
    name: str
    media_type: str
    extension: str


PDF = Kind("pdf", "application/pdf", "pdf")
PNG = Kind("png", "image/png", "png")
JPEG = Kind("jpeg", "image/jpeg", "jpg")
HWP = Kind("hwp", "application/x-hwp", "hwp")
HWPX = Kind("hwpx", "application/hwp+zip", "hwpx")
DOCX = Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
KINDS = (PDF, PNG, JPEG, HWP, HWPX, DOCX, XLSX)
BY_MEDIA_TYPE = {kind.media_type: kind for kind in KINDS}

HWP_SIGNATURE = b"HWP Document File"
# The main part's content type names the document: a macro-enabled one (docm, xlsm) names another
# and is not accepted, nor is a template.
OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# [Content_Types].xml is a few kilobytes; a larger one is not a document a person made.
MANIFEST_MAX = 1024 * 1024


def refuse(message: str) -> Invalid:
    return Invalid(message, {"file": "file_type"}, code=ErrorCode.FILE_TYPE)


def sniff(path: Path) -> Kind:
    """The kind of the file at `path`; 422 `file_type` for anything else."""
    with path.open("rb") as f:
        head = f.read(8192)
    if head.startswith(b"%PDF-"):
        return PDF
    guess = filetype.guess(head)
    mime = guess.mime if guess is not None else None
    if mime == "image/png":
        return PNG
    if mime == "image/jpeg":
        return JPEG
    if olefile.isOleFile(str(path)):
        return _ole_kind(path)
    if zipfile.is_zipfile(path):
        return _zip_kind(path)
    raise refuse("not a PDF, PNG, JPEG, HWP, HWPX, DOCX or XLSX file")


def _ole_kind(path: Path) -> Kind:
    try:
        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("FileHeader") and ole.openstream("FileHeader").read(32).startswith(HWP_SIGNATURE):
                return HWP
    except (OSError, ValueError) as exc:
        raise refuse(f"a broken compound file: {exc}") from exc
    # Old Office files (doc, xls) are compound files too; they carry macros too easily to accept.
    raise refuse("a compound file that is not an HWP document")


def _zip_kind(path: Path) -> Kind:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                if archive.read("mimetype").strip() == HWPX.media_type.encode():
                    return HWPX
                raise refuse("a zip package that is not an HWPX document")
            if "[Content_Types].xml" in names:
                info = archive.getinfo("[Content_Types].xml")
                if info.file_size > MANIFEST_MAX:
                    raise refuse("an oversized package manifest")
                return _ooxml_kind(archive.read(info))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise refuse(f"a broken zip archive: {exc}") from exc
    raise refuse("a zip archive that is not an HWPX, DOCX or XLSX document")


def _ooxml_kind(manifest: bytes) -> Kind:
    try:
        root = ElementTree.fromstring(manifest)
    except Exception as exc:  # defusedxml raises its own errors besides ParseError
        raise refuse(f"an unreadable package manifest: {exc}") from exc
    for override in root.iter(f"{CONTENT_TYPES_NS}Override"):
        kind = OOXML_MAIN.get(override.get("ContentType", ""))
        if kind is not None:
            return kind
    raise refuse("an Office package that is not a DOCX or XLSX document (macro-enabled ones are refused)")
