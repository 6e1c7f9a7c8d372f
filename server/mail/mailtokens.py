"""Signed tokens for links in mails: confirming an address and one-click unsubscribe.

A token is `kind.account_id.value.signature`, the signature an HMAC-SHA256 of the rest under the
server's secret: links work without a session (RFC 8058's POST comes from the mail provider, not
from a logged-in browser) and cannot be made for another account. Nothing secret is stored: a
confirmation is signed over a random nonce kept with the address (a new address, a new nonce: the
old link stops working), an unsubscribe link over the address it was sent to.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

CONFIRM = "c"
UNSUBSCRIBE = "u"


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def _signature(secret: bytes, kind: str, account_id: int, value: str) -> str:
    digest = hmac.new(secret, f"tong-mail:{kind}:{account_id}:{value}".encode(), hashlib.sha256).digest()
    # 128 bits are plenty for a MAC that cannot be tried offline.
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def confirm_token(secret: bytes, account_id: int, nonce: str) -> str:
    return f"{CONFIRM}.{account_id}.{nonce}.{_signature(secret, CONFIRM, account_id, nonce)}"


def unsubscribe_token(secret: bytes, account_id: int, address: str) -> str:
    # The address itself stays out of the link; the signature covers it.
    return f"{UNSUBSCRIBE}.{account_id}.{_signature(secret, UNSUBSCRIBE, account_id, address.lower())}"


def _parts(token: str, kind: str, count: int) -> list[str] | None:
    """The token's parts when it has the shape of `kind`'s tokens. Tokens are ASCII: a non-ASCII
    one made `hmac.compare_digest` raise TypeError (a 500), and `"¹".isdigit()` is true."""
    parts = token.split(".")
    if not token.isascii() or len(parts) != count or parts[0] != kind:
        return None
    if not parts[1].isdigit() or len(parts[1]) > 10:
        return None
    return parts


def read_confirm(secret: bytes, token: str) -> tuple[int, str] | None:
    """(account id, nonce) of a well-signed confirmation token, else None."""
    parts = _parts(token, CONFIRM, 4)
    if parts is None:
        return None
    account_id, nonce = int(parts[1]), parts[2]
    if not hmac.compare_digest(parts[3].encode(), _signature(secret, CONFIRM, account_id, nonce).encode()):
        return None
    return account_id, nonce


def unsubscribe_account(token: str) -> int | None:
    """The account an unsubscribe token names (checked with `unsubscribe_valid` against its address)."""
    parts = _parts(token, UNSUBSCRIBE, 3)
    return int(parts[1]) if parts is not None else None


def unsubscribe_valid(secret: bytes, token: str, account_id: int, address: str) -> bool:
    # Bytes: compare_digest refuses str holding anything but ASCII.
    return hmac.compare_digest(token.encode(), unsubscribe_token(secret, account_id, address).encode())
