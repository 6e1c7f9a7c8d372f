"""PNG and JPEG, re-encoded from their pixels: EXIF (GPS, camera serial, the owner's name), XMP,
IPTC and text chunks do not survive. The EXIF orientation is applied to the pixels first, so a
photo taken sideways still shows upright without the tag."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps

from server.files.kinds import JPEG, Kind, refuse

# 50 megapixels is more than any phone photo or scan at 600 dpi; a larger "image" in a few
# megabytes is a decompression bomb. Pillow's own check warns at its limit (an error under the
# tests' warning filter) and refuses at twice the limit: ours refuses first.
PIXELS_MAX = 50_000_000
JPEG_QUALITY = 90


def clean(source: Path, target: Path, kind: Kind) -> None:
    try:
        with Image.open(source) as image:
            width, height = image.size
            if width * height > PIXELS_MAX:
                raise refuse(f"an image of {width}x{height} pixels is over {PIXELS_MAX} pixels")
            upright = ImageOps.exif_transpose(image)
            keep = {}
            if "transparency" in upright.info:
                keep["transparency"] = upright.info["transparency"]
            fresh = upright.copy()
            fresh.info = {}
            if kind is JPEG:
                if fresh.mode not in ("L", "RGB", "CMYK"):
                    fresh = fresh.convert("RGB")
                fresh.save(target, "JPEG", quality=JPEG_QUALITY, optimize=True)
            else:
                fresh.save(target, "PNG", optimize=False, **keep)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise refuse(f"an unreadable image: {exc}") from exc
