"""HWPX, DOCX and XLSX: zip packages of XML parts, rewritten part by part.

Refused: macros (`vbaProject.bin`), ActiveX controls, and relationships to anything outside the
package (`TargetMode="External"`: a remote template or a linked object fetched when the document
opens) other than plain hyperlinks. Blanked: the author fields of `docProps/core.xml` and
`docProps/app.xml` (creator, last modified by, company, manager), custom properties, HWPX's
`content.hpf` metadata, and every `author`/`initials`-like attribute of tracked changes and
comments. The XML is edited as bytes, attribute by attribute: re-serialising it through a parser
renames namespace prefixes, and Word refuses a document whose `mc:Ignorable` prefixes changed.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

from defusedxml import ElementTree

from server.files.kinds import HWPX, Kind, refuse

# A document of a few megabytes that unpacks to more than this is a zip bomb, not a form.
UNPACKED_MAX = 200 * 1024 * 1024
ENTRIES_MAX = 10_000
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
RELATIONSHIPS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"

IDENTITY_ATTRIBUTES = re.compile(
    rb"""(\s(?:[\w.-]+:)?(?:author|initials|userId|providerId|displayName|lastModifiedBy|creator))"""
    rb"""\s*=\s*(?:"[^"]*"|'[^']*')"""
)
# Elements whose text names a person or an organisation: OOXML core and app properties, the
# authors list of XLSX comments.
IDENTITY_ELEMENTS = re.compile(
    rb"(<(?:[\w.-]+:)?(creator|lastModifiedBy|Company|Manager|author|HyperlinkBase)(?:\s[^>]*)?>)"
    rb"[^<]*(</(?:[\w.-]+:)?\2>)"
)
# HWPX's content.hpf: `<opf:meta name="creator" content="text">이름</opf:meta>` and the like.
HPF_META = re.compile(rb"(<(?:[\w.-]+:)?meta\b[^>]*>)[^<]*(</(?:[\w.-]+:)?meta>)")
EMPTY_CUSTOM = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>'
)
TAG = re.compile(rb"<[^>]*>")
# Where text ends a paragraph or a cell: a line break in what the guard reads, so that numbers in
# two cells do not read as one.
BLOCK_END = re.compile(rb"</(?:[\w.-]+:)?(?:p|tc|si|c|row)>")


def clean(source: Path, target: Path, kind: Kind) -> str:
    text: list[str] = []
    try:
        with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as out:
            entries = archive.infolist()
            if len(entries) > ENTRIES_MAX:
                raise refuse(f"a package of more than {ENTRIES_MAX} parts")
            if sum(e.file_size for e in entries) > UNPACKED_MAX:
                raise refuse("a package that unpacks to more than 200 MiB")
            for entry in entries:
                name = entry.filename
                lowered = name.lower()
                if lowered.endswith("vbaproject.bin") or "/activex/" in f"/{lowered}":
                    raise refuse("a document with macros or ActiveX controls")
                data = archive.read(entry)
                if lowered.endswith(".rels"):
                    _check_relationships(data)
                data = _scrub(lowered, data)
                if _carries_text(kind, lowered):
                    text.append(_text_of(data))
                # A fresh entry: the original's extra fields (owner ids, times) stay behind.
                fresh = zipfile.ZipInfo(name, entry.date_time)
                fresh.compress_type = entry.compress_type
                out.writestr(fresh, data)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise refuse(f"a broken package: {exc}") from exc
    return "\n".join(text)


def _check_relationships(data: bytes) -> None:
    try:
        root = ElementTree.fromstring(data)
    except Exception as exc:  # defusedxml's refusals (entities, DTDs) and plain parse errors
        raise refuse(f"an unreadable relationships part: {exc}") from exc
    for relationship in root.iter(f"{RELATIONSHIPS_NS}Relationship"):
        if relationship.get("TargetMode") == "External" and relationship.get("Type") != HYPERLINK:
            raise refuse("a document that loads something from outside itself (an external relationship)")


def _scrub(name: str, data: bytes) -> bytes:
    if name == "docprops/custom.xml":
        return EMPTY_CUSTOM
    if not name.endswith((".xml", ".hpf")):
        return data
    data = IDENTITY_ATTRIBUTES.sub(rb'\1=""', data)
    data = IDENTITY_ELEMENTS.sub(rb"\1\3", data)
    if name.endswith(".hpf"):
        data = HPF_META.sub(rb"\1\2", data)
    return data


def _carries_text(kind: Kind, name: str) -> bool:
    if kind is HWPX:
        return name.startswith("contents/section") or name == "preview/prvtext.txt"
    return name in ("word/document.xml", "xl/sharedstrings.xml") or name.startswith("xl/worksheets/")


def _text_of(data: bytes) -> str:
    blocks = BLOCK_END.sub(b"\n", data)
    return html.unescape(TAG.sub(b"", blocks).decode("utf-8", "replace"))
