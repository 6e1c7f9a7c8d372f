"""What user text shows, and the one folded form it is compared in.

Text is stored as written, minus bidi controls (they make text lie about its direction: a file
name `gpj.exe` shown as `exe.jpg`). Checks that look for something in text (identifiers, the
hold words of pre-moderation) compare its folded form, so full-width digits, a zero-width space
inside a word or a dash pasted from a word processor do not get past them.
"""

from __future__ import annotations

import re
import unicodedata

# Embeddings, overrides, isolates and the implicit marks: U+202A-U+202E, U+2066-U+2069, LRM,
# RLM and the Arabic letter mark.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Letters that draw nothing: the Hangul fillers (U+3164 is a "letter", so \s and strip() keep
# it), the half-width filler and the braille blank.
BLANK_LETTERS = frozenset("\u3164\u115f\u1160\uffa0\u2800")
# Every dash a Korean word processor or a web page may paste (hyphen, non-breaking hyphen, figure
# dash, en and em dash, minus sign, small and full-width hyphen-minus, the katakana-middle bar).
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d\u30fc\u2796"
_DASH = re.compile(f"[{DASHES}]")
# The Hangul vowel ㅡ passes for a dash only between digits (010ㅡ1234ㅡ5678).
_EU_BETWEEN_DIGITS = re.compile(r"(?<=\d)\s*[\u3161\u1173]\s*(?=\d)")
_SPACES = re.compile(r"\s+")


def neutralise_bidi(text: str) -> str:
    """`text` without bidi control characters (its letters keep their natural direction)."""
    if not any(ch in BIDI_CONTROLS for ch in text):
        return text
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS)


def _invisible(ch: str) -> bool:
    return ch in BLANK_LETTERS or ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp")


def is_blank(text: str) -> bool:
    """True when `text` shows nothing: only spaces, zero-width and format characters, fillers."""
    return all(_invisible(ch) for ch in text)


def fold(text: str) -> str:
    """The form text is compared in: NFKC (full-width digits and ＠ become ASCII), format
    characters (zero-width spaces, bidi controls, soft hyphens) and fillers removed, every dash
    folded to '-', every run of white space to one space."""
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(ch for ch in folded if ch not in BLANK_LETTERS and unicodedata.category(ch) != "Cf")
    folded = _DASH.sub("-", folded)
    folded = _EU_BETWEEN_DIGITS.sub("-", folded)
    return _SPACES.sub(" ", folded)
