"""E-mail addresses as Tong accepts them: exactly one mailbox (mail settings, password reset, the
admins' account import)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from server.contract.errors import Invalid

# RFC 5321's limit for a path's address (email-validator checks the local part's 64 too).
ADDRESS_MAX = 254


def normalise_address(value: str, field: str = "address") -> str:
    """One mailbox, as email-validator parses it (its domain lower-cased and NFC-normalised).

    A regular expression of "one @, no spaces, a dotted domain" let `ceo,x@y.com` (two recipients
    once it is a To header), `a<b@x.com` (a display name) and `a@[x.com` (a header the mail library
    cannot even build) through. Quoted local parts and bracketed IP domains are refused: no one
    needs them for notices and each is a way to smuggle syntax into a header. Deliverability is
    not asked (no DNS on a request's path); the confirmation link is the real check."""
    address = value.strip()
    if len(address) > ADDRESS_MAX:
        raise Invalid(f"{field} is longer than 254 characters", {field: "too_long"})
    try:
        parsed = validate_email(
            address, check_deliverability=False, allow_quoted_local=False, allow_domain_literal=False
        )
    except EmailNotValidError as exc:
        raise Invalid(f"{field} is not an e-mail address: {exc}", {field: "invalid"}) from exc
    return parsed.normalized
