"""PDF: the document information dictionary and the XMP metadata stream are removed, annotation
authors blanked, and scripts that would run on opening dropped (pikepdf); the text it carries is
read back (pypdf) for the personal-information guard."""

from __future__ import annotations

from pathlib import Path

import pikepdf
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from server.files.kinds import refuse

# What the guard reads: a few hundred pages of text is plenty to find an identifier someone forgot.
PAGES_MAX = 300
TEXT_MAX = 2_000_000
# Actions that run when the file is opened or a page is shown.
ACTIONS = ("/OpenAction", "/AA")


def clean(source: Path, target: Path) -> str:
    try:
        # Read as a stream, not mapped: a mapped 10 MiB file counts in the process's memory.
        with pikepdf.open(source, access_mode=pikepdf.AccessMode.stream) as pdf:
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            root = pdf.Root
            if "/Metadata" in root:
                del root["/Metadata"]
            for name in ACTIONS:
                if name in root:
                    del root[name]
            if "/Names" in root and "/JavaScript" in root.Names:
                del root.Names["/JavaScript"]
            for page in pdf.pages:
                if "/AA" in page.obj:
                    del page.obj["/AA"]
                for annotation in page.obj.get("/Annots", []):
                    # /T is a markup annotation's author (ISO 32000-1 §12.5.6.2).
                    if isinstance(annotation, pikepdf.Dictionary) and "/T" in annotation:
                        annotation["/T"] = pikepdf.String("")
                    if isinstance(annotation, pikepdf.Dictionary) and "/Metadata" in annotation:
                        del annotation["/Metadata"]
            # Streams are copied as they came (not decoded, not compressed again): rewriting only
            # the dictionaries keeps a 10 MiB scan cheap to clean.
            pdf.save(target, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    except pikepdf.PasswordError as exc:
        raise refuse("an encrypted PDF cannot be checked") from exc
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise refuse(f"an unreadable PDF: {exc}") from exc
    return text_of(target)


def text_of(path: Path) -> str:
    parts: list[str] = []
    size = 0
    try:
        # An open file, not a path: given a path, pypdf reads the whole file into memory first.
        with path.open("rb") as f:
            reader = PdfReader(f)
            for page in reader.pages[:PAGES_MAX]:
                text = page.extract_text() or ""
                parts.append(text)
                size += len(text)
                if size > TEXT_MAX:
                    break
    except (PyPdfError, OSError, ValueError, KeyError, TypeError) as exc:
        raise refuse(f"a PDF whose text cannot be read: {exc}") from exc
    return "\n".join(parts)
