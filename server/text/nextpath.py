"""Where to send a browser after it signs in: a path on this site, never another site.

Browsers read `\\` as `/`, drop tabs and newlines inside URLs, and decode `%5C`, so `/\\evil.example`,
`/%5Cevil.example` and `/\\t/evil.example` all lead off-site although each starts with one `/`. The
rule is therefore strict: after percent-decoding, a path of printable characters that starts with
exactly one `/` and contains no backslash; anything else is `/`.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

NEXT_MAX = 2000


def safe_next(value: str | None) -> str:
    if not value or len(value) > NEXT_MAX:
        return "/"
    decoded = unquote(value)
    for text in (value, decoded):
        if not text.startswith("/") or text.startswith("//") or "\\" in text:
            return "/"
        if any(ord(c) < 0x21 or ord(c) == 0x7F for c in text):
            return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value
