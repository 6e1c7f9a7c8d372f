"""Where a browser may be sent after logging in: a path on this site, never anywhere else.

One rule for the login page (static/js/nextpath.js applies the same cases,
tests/fixtures/next_paths.json) and for every server answer that redirects to a `next` it was
given (the `/login` page itself, and the OIDC callback when it comes).

Why more than "starts with / and not //": a browser reads `\\` as `/` and drops tabs and line breaks
from a URL, so `/\\evil.example/x` and `/<tab>/evil.example/x` are `//evil.example/x`, another site.
The value arrives percent-decoded once by the query string, and code on the way may decode it again,
so `/%5Cevil.example/x` and `/%09/…` are refused too: every decoded form of the value must be a plain
path, not only the one we see.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

HOME = "/"
# Longer than any path of the app with its query; a longer `next` is not a place to go back to.
NEXT_MAX = 2000
# %255C needs two decodings to become a backslash; nobody encodes a real path three times.
DECODINGS = 3


def _plain_path(form: str) -> bool:
    if not form.startswith("/") or form.startswith("//"):
        return False
    # Backslashes, control characters (C0, DEL, C1) and any whitespace: a browser drops or rewrites them.
    return not any(c == "\\" or c.isspace() or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in form)


def same_origin_path(value: str | None) -> str:
    """`value` when it is a path on this site (with its query and fragment), else "/"."""
    if not value or len(value) > NEXT_MAX:
        return HOME
    form = value
    for _ in range(DECODINGS):
        if not _plain_path(form):
            return HOME
        decoded = unquote(form)
        if decoded == form:
            break
        form = decoded
    else:
        if not _plain_path(form):
            return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return HOME
    return value
