"""Identifiers that would unmask an anonymous author, found in text before it is stored.

Pure functions: no I/O, no settings. Each detector prefers missing an odd form to refusing an
honest post, so a bare run of digits is only taken for an identifier when its check digit (or its
unmistakable shape, like 010 for a mobile line) says so; dates, prices, order numbers and version
strings have to pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from server.errors import Invalid

RESIDENT_NUMBER = "resident_registration_number"
BUSINESS_NUMBER = "business_registration_number"
PHONE_NUMBER = "phone_number"
EMAIL_ADDRESS = "email_address"

# How each kind is named in the error message, in Korean and English.
LABELS = {
    RESIDENT_NUMBER: ("주민등록번호", "resident registration number"),
    BUSINESS_NUMBER: ("사업자등록번호", "business registration number"),
    PHONE_NUMBER: ("전화번호", "phone number"),
    EMAIL_ADDRESS: ("이메일 주소", "e-mail address"),
}

# Neither a word character nor a joiner before/after: "ORD-900101-1234567" or "v1.010.1234.5678"
# are parts of something longer, not identifiers.
_BEFORE = r"(?<![A-Za-z0-9_.\-+/])"
_AFTER = r"(?![A-Za-z0-9_\-/]|\.\d)"

_RESIDENT = re.compile(_BEFORE + r"(\d{2})(\d{2})(\d{2})\s?([-–])?\s?([1-8])(\d{6})" + _AFTER)
_BUSINESS = re.compile(_BEFORE + r"(\d{3})([-. ])(\d{2})\2(\d{5})" + _AFTER)
_BUSINESS_BARE = re.compile(r"사업자\s*(?:등록)?\s*(?:번호)?\s*[:：]?\s*" + r"(\d{10})" + _AFTER)
# Mobile: 010/011/016/017/018/019, with or without separators; always 10-11 digits.
_MOBILE = re.compile(_BEFORE + r"(01[016789])([-. ]?)(\d{3,4})\2(\d{4})" + _AFTER)
# Landline: Seoul 02, the regional 0NN codes, and 070 internet lines; separators required, since
# a bare 9-10 digit run starting with 0 is as likely an order or account number.
_LANDLINE = re.compile(
    _BEFORE
    + r"(02|0[3-6][1-5]|070)(?:[-. ]|\)\s?)(\d{3,4})[-. ](\d{4})"
    + _AFTER
    + "|"
    + _BEFORE
    + r"\((02|0[3-6][1-5]|070)\)\s?(\d{3,4})[-. ](\d{4})"
    + _AFTER
)
# International form: +82 10-1234-5678, +82 (0)2 123 4567, +821012345678.
_INTERNATIONAL = re.compile(
    r"(?<![A-Za-z0-9_+])\+\s?82[-. ]?(?:\(0\))?[-. ]?(1[016789]|2|[3-6][1-5]|70)[-. ]?(\d{3,4})[-. ]?(\d{4})"
    + _AFTER
)
_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])"
)

_RESIDENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_BUSINESS_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


@dataclass(frozen=True, slots=True)
class Found:
    kind: str
    start: int
    end: int

    def masked(self, text: str) -> str:
        """The match with all but its first and last two characters hidden (safe to show back)."""
        value = text[self.start : self.end]
        return value[:2] + "*" * max(0, len(value) - 4) + value[-2:]


def resident_check_digit_ok(digits: str) -> bool:
    """The 13th digit of a 주민등록번호 is a checksum over the first 12 (numbers issued before
    October 2020; later ones are random, see `find_identifiers`)."""
    total = sum(int(d) * w for d, w in zip(digits[:12], _RESIDENT_WEIGHTS, strict=True))
    return (11 - total % 11) % 10 == int(digits[12])


def business_check_digit_ok(digits: str) -> bool:
    """The 10th digit of a 사업자등록번호: weights 1,3,7,1,3,7,1,3,5 plus the carry of 9th×5."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    values = [int(d) for d in digits]
    total = sum(v * w for v, w in zip(values[:9], _BUSINESS_WEIGHTS, strict=True))
    total += values[8] * 5 // 10
    return (10 - total % 10) % 10 == values[9]


def _birth_date_ok(yy: str, mm: str, dd: str, gender: str) -> bool:
    century = {"1": 1900, "2": 1900, "5": 1900, "6": 1900}.get(gender, 2000)
    try:
        date(century + int(yy), int(mm), int(dd))
    except ValueError:
        return False
    return True


def _resident_numbers(text: str) -> list[Found]:
    found = []
    for m in _RESIDENT.finditer(text):
        yy, mm, dd, dash, gender, rest = m.groups()
        if not _birth_date_ok(yy, mm, dd, gender):
            continue
        digits = yy + mm + dd + gender + rest
        # With the hyphen the shape alone is unmistakable (numbers issued since October 2020 have
        # no checksum); a bare 13-digit run must also pass the checksum, or order numbers trip it.
        if dash or resident_check_digit_ok(digits):
            found.append(Found(RESIDENT_NUMBER, m.start(), m.end()))
    return found


def _business_numbers(text: str) -> list[Found]:
    found = []
    for m in _BUSINESS.finditer(text):
        digits = m.group(1) + m.group(3) + m.group(4)
        if business_check_digit_ok(digits):
            found.append(Found(BUSINESS_NUMBER, m.start(), m.end()))
    for m in _BUSINESS_BARE.finditer(text):
        if business_check_digit_ok(m.group(1)):
            found.append(Found(BUSINESS_NUMBER, m.start(1), m.end(1)))
    return found


def _phone_numbers(text: str) -> list[Found]:
    found = [Found(PHONE_NUMBER, m.start(), m.end()) for m in _MOBILE.finditer(text)]
    found += [Found(PHONE_NUMBER, m.start(), m.end()) for m in _LANDLINE.finditer(text)]
    found += [Found(PHONE_NUMBER, m.start(), m.end()) for m in _INTERNATIONAL.finditer(text)]
    return found


def _emails(text: str) -> list[Found]:
    return [Found(EMAIL_ADDRESS, m.start(), m.end()) for m in _EMAIL.finditer(text)]


def find_identifiers(text: str) -> list[Found]:
    """Every identifier in `text`, in order of position; overlapping matches keep the first kind
    found (a resident number is not also reported as a phone number)."""
    candidates = _resident_numbers(text) + _business_numbers(text) + _emails(text) + _phone_numbers(text)
    kept: list[Found] = []
    for item in candidates:
        if not any(item.start < k.end and k.start < item.end for k in kept):
            kept.append(item)
    return sorted(kept, key=lambda f: f.start)


def kinds_in(text: str) -> list[str]:
    """The kinds of identifier found in `text`, each once, in order of first appearance."""
    return list(dict.fromkeys(f.kind for f in find_identifiers(text)))


class PersonalInformation(Invalid):
    code = "personal_information"


def refuse_identifiers(fields: dict[str, str | None]) -> None:
    """Raise a 422 naming every field that holds an identifier (and which kinds); nothing is stored."""
    found = {name: kinds_in(value) for name, value in fields.items() if value}
    found = {name: kinds for name, kinds in found.items() if kinds}
    if not found:
        return
    kinds = list(dict.fromkeys(k for ks in found.values() for k in ks))
    named = ", ".join(LABELS[k][1] for k in kinds)
    # English only (logs and scripts); clients translate the code and the field codes (the kinds).
    raise PersonalInformation(
        f"The text contains a {named} that could identify the author; nothing was stored. "
        "Remove it and post again.",
        {name: ",".join(ks) for name, ks in found.items()},
    )
