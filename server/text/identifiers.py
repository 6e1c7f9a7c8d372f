"""Identifiers that would unmask an anonymous author, found in text before it is stored.

Pure functions: no I/O, no settings. The text is folded first (`plaintext.fold`: NFKC, format
characters gone, dashes and spaces folded), so full-width digits, a zero-width space or an en dash
pasted from a word processor change nothing. Then every run of digits is weighed:

- its shape and a maintained validator say what it could be: python-stdnum for the 주민등록번호
  (birth date, check digit) and the 사업자등록번호 (its parts; the check digit is computed here,
  stdnum does not), phonenumbers for Korean phone numbers (and their type: a 1588 number is a
  company's, not a person's);
- the words around it are evidence either way: `연락처`, `주민번호`, `사업자등록번호` make it
  personal, `대표전화`, `민원실`, `접수번호`, `법인등록번호`, `주문번호` make it something else.

A candidate is refused when its score reaches `REFUSE_AT`. Shapes alone decide when there are no
words around: `010-1234-5678` is refused, a bare 13-digit run only when its check digit holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import unquote

import phonenumbers
from phonenumbers import PhoneNumberType
from stdnum import ean
from stdnum.exceptions import ValidationError
from stdnum.kr import brn, rrn

from server.contract.errors import ErrorCode, Invalid
from server.text.plaintext import fold

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

REFUSE_AT = 2
# A word this close before a number (in folded characters) speaks about it; farther away it is
# likely about something else in the sentence.
CONTEXT_BEFORE = 24
CONTEXT_AFTER = 10

_BUSINESS_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
# Numbers issued since October 2020 end in random digits instead of a check digit.
RANDOM_RRN_SINCE = date(2020, 10, 1)

# --- words around a number ---------------------------------------------------------------------
# (word, evidence per kind). Korean words match anywhere; ASCII words on word boundaries.
_PERSON = {RESIDENT_NUMBER: 3}
_BUSINESS = {BUSINESS_NUMBER: 3}
_PHONE = {PHONE_NUMBER: 3}
# A public line (an office's main number, a call centre): a landline there is no one's own; a
# mobile number called "대표번호" is usually the owner's own phone, so it only loses a little.
_REPRESENTATIVE = {PHONE_NUMBER: -3, "mobile": -1}
_NOT_PERSONAL = {RESIDENT_NUMBER: -3, BUSINESS_NUMBER: -3, PHONE_NUMBER: -3, "mobile": -3}
_CORPORATE = {RESIDENT_NUMBER: -3}

CONTEXT_WORDS: tuple[tuple[str, dict[str, int]], ...] = (
    *(
        (w, _PERSON)
        for w in ("주민등록번호", "주민번호", "주민등록", "주민 번호", "생년월일", "외국인등록번호")
    ),
    *((w, _BUSINESS) for w in ("사업자등록번호", "사업자번호", "사업자 등록번호", "사업자 번호", "사업자")),
    *(
        (w, _PHONE)
        for w in (
            "전화번호",
            "전화",
            "연락처",
            "연락",
            "휴대폰",
            "핸드폰",
            "휴대전화",
            "휴대번호",
            "폰번호",
            "폰",
            "문자",
            "카톡",
            "직통",
            "담당자",
            "tel",
            "hp",
            "h.p",
            "phone",
            "mobile",
            "cell",
        )
    ),
    *(
        (w, _REPRESENTATIVE)
        for w in (
            "대표전화",
            "대표번호",
            "대표 전화",
            "대표 번호",
            "민원실",
            "민원",
            "콜센터",
            "콜센타",
            "고객센터",
            "고객지원",
            "상담센터",
            "안내센터",
            "종합상황실",
            "당직실",
            "교환",
            "팩스",
            "fax",
            "조달청",
            "시청",
            "구청",
            "군청",
            "도청",
            "공사",
            "공단",
            "진흥원",
            "센터",
            "감사실",
            "상황실",
            "담당부서",
            "부서",
            "사무국",
            "총무과",
            "계약과",
            "민원과",
            "본부",
        )
    ),
    *((w, _CORPORATE) for w in ("법인등록번호", "법인번호", "법인 등록번호", "등기번호")),
    *(
        (w, _NOT_PERSONAL)
        for w in (
            "공고번호",
            "접수번호",
            "주문번호",
            "계약번호",
            "문서번호",
            "입찰번호",
            "발주번호",
            "송장번호",
            "운송장",
            "송장",
            "바코드",
            "상품코드",
            "품목코드",
            "물품번호",
            "식별번호",
            "분류번호",
            "관리번호",
            "사건번호",
            "계좌번호",
            "계좌",
            "은행",
            "우편번호",
            "일련번호",
            "시리얼",
            "인증번호",
            "특허번호",
            "허가번호",
            "승인번호",
            "결재번호",
            "과제번호",
            "사업번호",
            "거래번호",
            "결제번호",
            "영수증",
            "제품번호",
            "모델",
            "품번",
            "문서",
            "공고",
            "접수",
            "주문",
            "계약",
            "입찰",
            "serial",
            "s/n",
            "isbn",
            "ean",
            "order",
            "invoice",
            "ref",
        )
    ),
)
# Longest first, so "사업자등록번호" is taken before "사업자" or "등록번호" at the same place.
_CONTEXT = sorted(CONTEXT_WORDS, key=lambda item: -len(item[0]))
_CONTEXT_RE = re.compile(
    "|".join((rf"(?<![a-z]){re.escape(w)}(?![a-z])" if w.isascii() else re.escape(w)) for w, _ in _CONTEXT),
    re.IGNORECASE,
)
_CONTEXT_WEIGHTS = {w.casefold(): weights for w, weights in _CONTEXT}
# Right after a number: a quantity or an amount, not an identifier.
_QUANTITY_AFTER = re.compile(r"\s?(원|개|건|명|장|회|번째|대|부|권|세트|박스|kg|%|만|억|천)")
_PHONE_AFTER = re.compile(r"\s?(으로|로)?\s?(연락|전화|문자|카톡)")
# Letters glued to the front of a number: a label we know (Tel.010…, HP010…), or a code (ORD-…).
_GLUED_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)[.:#_/-]?$")
_PHONE_LABELS = frozenset(
    {
        "tel",
        "tel.",
        "t",
        "t.",
        "hp",
        "h.p",
        "h.p.",
        "hp.",
        "m",
        "m.",
        "mobile",
        "phone",
        "cell",
        "c.p",
        "c.p.",
    }
)
_FAX_LABELS = frozenset({"fax", "fax.", "f", "f."})
_SENTENCE_END = re.compile(r"\n|(?<![A-Za-z])[.?!]\s")
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)

# --- e-mail ------------------------------------------------------------------------------------
# `@` and `.` spelled out: in brackets (kim(at)x(dot)com), 골뱅이 anywhere, and the Korean words
# 앳 (at), 닷 / 점 / 쩜 (dot) between the Latin letters or digits of an address (kim 앳 naver 닷 com:
# "앳된" or "3점" stay words, with Hangul or nothing Latin on one side).
_AT_WORD = re.compile(
    r"\s*[(\[{<]\s*(?:at|골뱅이|앳|@)\s*[)\]}>]\s*|\s*골뱅이\s*"
    r"|(?<=[A-Za-z0-9])\s*앳\s*(?=[A-Za-z0-9]|(?:네이버|지메일|한메일|다음|카카오|네이트)(?![가-힣]))",
    re.IGNORECASE,
)
_DOT_WORD = re.compile(
    r"\s*[(\[{<]\s*(?:dot|점|닷|쩜|\.)\s*[)\]}>]\s*|(?<=[A-Za-z0-9])\s*(?:닷|점|쩜)\s*(?=[A-Za-z])",
    re.IGNORECASE,
)
# 닷컴 (.com) and 닷넷 (.net) as one word, after an address's domain.
_DOT_COM_WORD = re.compile(r"(?<=[A-Za-z0-9])\s*(?:닷|점|쩜)\s*(컴|넷)(?![가-힣])")
_DOT_COM = {"컴": ".com", "넷": ".net"}
# Providers written in Hangul right after an @ (kim@네이버, kim 앳 지메일 닷컴).
_PROVIDER_WORDS = {
    "네이버": "naver",
    "지메일": "gmail",
    "한메일": "hanmail",
    "다음": "daum",
    "카카오": "kakao",
    "네이트": "nate",
}
_PROVIDER_AFTER_AT = re.compile(r"@\s*(" + "|".join(_PROVIDER_WORDS) + r")(?![가-힣])")
# English words without brackets, only in an address's shape: kim at naver dot com.
_SPELLED_ADDRESS = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z0-9][A-Za-z0-9._%+-]*)\s+at\s+([A-Za-z0-9-]+(?:\s+dot\s+[A-Za-z0-9-]+)+)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_AT_SPACED = re.compile(
    r"(?<=[A-Za-z0-9._%+-])\s+@\s*(?=[A-Za-z0-9])|(?<=[A-Za-z0-9._%+-])@\s+(?=[A-Za-z0-9])"
)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9_.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9_-])"
)
# Korean users often leave the domain's ending off: kim@naver.
_EMAIL_PROVIDER = re.compile(
    r"(?<![A-Za-z0-9_.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@(?:naver|daum|hanmail|gmail|nate|kakao|hotmail|outlook|yahoo)(?![A-Za-z0-9_.-])",
    re.IGNORECASE,
)

# --- runs of digits ----------------------------------------------------------------------------
_DIGITS = re.compile(r"\d+")
# Spaces around a dash between digits are typing, not a break: "010 - 1234 - 5678", "1234-\n5678".
_SPACED_DASH = re.compile(r"(?<=\d)\s*-\s*(?=\d)")
# "010 . 1234 . 5678" (spaces on both sides: "1. 010" is a list item, not one number).
_SPACED_DOT = re.compile(r"(?<=\d)\s+\.\s+(?=\d)")
# "( 010 ) 1234": spaces inside parentheses around a group of digits.
_SPACED_PARENS = re.compile(r"\(\s*(\d+)\s*\)")
_MASKED_RRN = re.compile(r"(?<!\d)(\d{6})\s?-\s?([1-8])(?:\d{0,5})[*xX●○◯#]{1,6}")
# How the digits of a separated phone number are grouped: 010-1234-5678, 02-123-4567, 010-12345678.
_PHONE_GROUPS = re.compile(r"[1-4],[34],4|[23],[78]")
_MOBILE = re.compile(r"01[016789]\d{7,8}")
_LANDLINE = re.compile(r"0(?:2|[3-6][1-5])\d{7,8}|070\d{8}|050\d{8,9}")
_NOT_A_PERSON = frozenset(
    {
        PhoneNumberType.UAN,
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.SHARED_COST,
    }
)


@dataclass(frozen=True, slots=True)
class Found:
    """An identifier at [start, end) of the folded text."""

    kind: str
    start: int
    end: int
    score: int


@dataclass(frozen=True, slots=True)
class _Run:
    """Digit groups joined by '-', '.', ' ' or parentheses: `groups[i]` is (start, end)."""

    groups: tuple[tuple[int, int], ...]
    # joins[i] sits between groups i and i+1: True for a dash, dot or parenthesis, False for a space.
    joins: tuple[bool, ...]


def resident_check_digit_ok(digits: str) -> bool:
    """The 13th digit of a 주민등록번호 is a checksum over the first 12 (numbers issued before
    October 2020; later ones are random, see `_resident`)."""
    return len(digits) == 13 and digits.isdigit() and rrn.calc_check_digit(digits[:12]) == digits[12]


def business_check_digit_ok(digits: str) -> bool:
    """The 10th digit of a 사업자등록번호: weights 1,3,7,1,3,7,1,3,5 plus the carry of 9th×5."""
    if not brn.is_valid(digits):
        return False
    values = [int(d) for d in digits]
    total = sum(v * w for v, w in zip(values[:9], _BUSINESS_WEIGHTS, strict=True))
    total += values[8] * 5 // 10
    return (10 - total % 10) % 10 == values[9]


def _birth_date(digits: str) -> date | None:
    """The birth date of a 주민등록번호's first seven digits, or None (bad date, future, gender 9/0)."""
    if digits[6] not in "12345678":
        return None
    try:
        return rrn.get_birth_date(digits[:7] + "0" * 6, allow_future=False)
    except ValidationError:
        return None


def _context(text: str, start: int, end: int) -> dict[str, int]:
    """The evidence of the nearest known word before the number (and a verb of calling after it)."""
    window_start = max(0, start - CONTEXT_BEFORE)
    before = text[window_start:start]
    # A line break or the end of a sentence closes the window: that word spoke about something else.
    # ("No. 123" is an abbreviation, not the end of a sentence.)
    ends = [m.end() for m in _SENTENCE_END.finditer(before)]
    if ends:
        before = before[ends[-1] :]
    nearest: re.Match[str] | None = None
    for m in _CONTEXT_RE.finditer(before):
        if nearest is None or m.end() > nearest.end():
            nearest = m
    evidence = dict(_CONTEXT_WEIGHTS[nearest.group().casefold()]) if nearest else {}
    glued = _GLUED_BEFORE.search(text[max(0, start - 12) : start])
    if glued:
        label = glued.group(0).casefold().rstrip(":#_/-")
        if label in _PHONE_LABELS:
            evidence = dict(_PHONE)
        elif label in _FAX_LABELS:
            evidence = dict(_REPRESENTATIVE)
        else:
            evidence = dict(_NOT_PERSONAL)
    after = text[end : end + CONTEXT_AFTER]
    if after[:1].isascii() and after[:1].isalnum():
        evidence = dict(_NOT_PERSONAL)  # glued to letters after it: part of a code
    elif _QUANTITY_AFTER.match(after):
        evidence = dict(_NOT_PERSONAL)
    elif not evidence:
        if _PHONE_AFTER.match(after):
            evidence = dict(_PHONE)
        elif (word := _CONTEXT_RE.search(after.split("\n")[0])) is not None:
            # "02-2133-7114 (민원실)": a word right after speaks too, when none before does.
            evidence = dict(_CONTEXT_WEIGHTS[word.group().casefold()])
    return evidence


def _runs(text: str) -> list[_Run]:
    runs: list[_Run] = []
    groups: list[tuple[int, int]] = []
    joins: list[bool] = []
    previous: re.Match[str] | None = None
    for m in _DIGITS.finditer(text):
        if previous is not None:
            between = text[previous.end() : m.start()]
            core = between.replace("(", "").replace(")", "")
            joined = len(between) <= 3 and core in ("-", ".", "/", " ", "") and between != ""
            if joined:
                # Brackets bind only an area code ("(02) 2133-7114", "02)2133-7114"); a long number
                # in brackets after a phone number ("010-3847-2291 (4368801391230)") stands apart.
                area_code = ("(" in between and m.end() - m.start() <= 4) or (
                    ")" in between and previous.end() - previous.start() <= 4
                )
                joins.append(core != " " or area_code)
            else:
                runs.append(_Run(tuple(groups), tuple(joins)))
                groups, joins = [], []
        groups.append((m.start(), m.end()))
        previous = m
    if groups:
        runs.append(_Run(tuple(groups), tuple(joins)))
    return runs


def _candidates(run: _Run) -> list[tuple[int, int]]:
    """Slices [i, j) of a run's groups that may stand alone: they start and end at the run's ends
    or at a space (a dash or a dot binds its neighbours into one number)."""
    cuts = [0, *(i + 1 for i, strong in enumerate(run.joins) if not strong), len(run.groups)]
    return [(a, b) for ai, a in enumerate(cuts) for b in cuts[ai + 1 :]]


def _phone_score(text: str, groups: list[str], joins: tuple[bool, ...], start: int) -> tuple[int, str] | None:
    """The base score of a phone-shaped candidate and whether it is a mobile line, or None."""
    international = text[max(0, start - 2) : start].strip().endswith("+")
    if groups[0] == "0082" and len(groups) > 1:  # the international call prefix written out
        groups, international = ["82", *groups[1:]], True
    digits = "".join(groups)
    if len(groups) == 1 and not international and re.fullmatch(r"820?1[016789]\d{7,8}", digits):
        # The country code without its "+", written together with a mobile number (821012345678).
        groups = ["82", digits[2:]]
    if (groups[0] == "82" and len(groups) > 1) or (international and digits.startswith("82")):
        rest = groups[1:] if groups[0] == "82" else [digits[2:]]
        if rest and rest[0] == "0":
            rest = rest[1:]
        national = "0" + "".join(rest).removeprefix("0")
        explicit = international or len(groups) > 2
        # 82 and a mobile number is a phone number however it is spaced (82 1012345678).
        base_mobile, base_line = (3, 3) if explicit else (2, 0)
        if len(rest) > 1 and not _PHONE_GROUPS.fullmatch(",".join(str(len(g)) for g in rest)):
            return None
    else:
        if not digits.startswith("0") or international:
            return None
        national = digits
        lengths = tuple(len(g) for g in groups)
        separated = len(groups) > 1
        base_mobile = 3 if separated else (2 if len(digits) == 11 else 1)
        base_line = 2 if separated else 0
        if separated and not _PHONE_GROUPS.fullmatch(",".join(map(str, lengths))):
            return None
    mobile = bool(_MOBILE.fullmatch(national))
    if not mobile and not _LANDLINE.fullmatch(national):
        return None
    try:
        parsed = phonenumbers.parse(national, "KR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed) or phonenumbers.number_type(parsed) in _NOT_A_PERSON:
        return None
    return (base_mobile, "mobile") if mobile else (base_line, "line")


def _weigh(text: str, run: _Run, a: int, b: int) -> Found | None:
    spans = run.groups[a:b]
    joins = run.joins[a : b - 1]
    groups = [text[s:e] for s, e in spans]
    start, end = spans[0][0], spans[-1][1]
    evidence = _context(text, start, end)
    found = _score(text, groups, joins, start, end, evidence)
    whole = "".join(groups)
    split = len(groups) > 1 and len(whole) in _WHOLE_LENGTHS
    if found is None and split and (not all(joins) or _MOBILE.fullmatch(whole)):
        # Groups split by spaces where no number splits ("010 12 34 5678", "9001 0112 34568",
        # "010 - 12 34 - 5678", one digit at a time): weighed as the digits written together. Only
        # with a space among the joins, or for a mobile number (010-12-34-5678): dashes alone
        # (110-123-456789) are how a code is written.
        found = _score(text, [whole], (), start, end, evidence)
    return found


# Lengths of a whole number: a 주민등록번호 (13), a 사업자등록번호 (10), a phone number (9 to 11
# digits, 12 or 13 with the country code 82).
_WHOLE_LENGTHS = frozenset({9, 10, 11, 12, 13})


def _score(
    text: str, groups: list[str], joins: tuple[bool, ...], start: int, end: int, evidence: dict[str, int]
) -> Found | None:
    digits = "".join(groups)
    lengths = tuple(len(g) for g in groups)
    best: Found | None = None

    def consider(kind: str, base: int, evidence_key: str | None = None) -> None:
        nonlocal best
        score = base + evidence.get(evidence_key or kind, evidence.get(kind, 0))
        if score >= REFUSE_AT and (best is None or score > best.score):
            best = Found(kind, start, end, score)

    if len(digits) == 13 and lengths in ((13,), (6, 7)):
        born = _birth_date(digits)
        if born is not None:
            checked = rrn.is_valid(digits, allow_future=False)
            base = 0 if lengths == (13,) else (2 if joins[0] else 1)
            if checked:
                base += 2 if lengths == (13,) else 1
            elif digits[6] in "3478" and born >= RANDOM_RRN_SINCE:
                base += 1
            if lengths == (13,) and digits.startswith("880") and ean.is_valid(digits):
                base -= 2  # a Korean EAN-13 barcode (GS1 Korea's prefix 880)
            consider(RESIDENT_NUMBER, base)
    if len(digits) == 10 and lengths in ((10,), (3, 2, 5)) and business_check_digit_ok(digits):
        consider(BUSINESS_NUMBER, 2)
    phone = _phone_score(text, groups, joins, start)
    if phone is not None:
        base, line = phone
        consider(PHONE_NUMBER, base, "mobile" if line == "mobile" and "mobile" in evidence else PHONE_NUMBER)
    return best


# --- the normaliser ---------------------------------------------------------------------------
# Percent-encoding (010%2D1234…, kim%40example.com, even digits as %30): decoded, twice at most
# (an encoded "%" once more), before anything else looks at the text.
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
# Separators NFKC leaves as they are: the ideographic full stop (kim@example。com) and middle dots
# (010·1234·5678) between letters or digits are a dot; underscores and tildes (wave dashes too)
# between digits a dash (010_1234_5678, 010~1234~5678: "2019~2024" becomes a range with a dash,
# which the dashed date rules already let pass).
_OTHER_DOTS = re.compile(r"(?<=[A-Za-z0-9])\s*[\u3002\u00b7\u30fb\u2027\u2219\u318d]\s*(?=[A-Za-z0-9])")
_OTHER_DASHES = re.compile(r"(?<=\d)\s*[_~\u301c\u3030]+\s*(?=\d)")
# Letters typed for digits (O1O-l234-5678, 9OO1O1-…): a run of O, o, I, l or | touching a digit on
# one side and no other letter on either side is digits. "Tel.010" keeps its l (a letter before
# it); "Model 10" and "IOI" touch no digit, or another letter.
_LOOKALIKES = re.compile(
    r"(?<![A-Za-z])[OoIl|]+(?=[-._~]?\d)|(?<=\d)[OoIl|]+(?![A-Za-z])|(?<=\d[-._~])[OoIl|]+(?![A-Za-z])"
)
_AS_DIGITS = str.maketrans("OoIl|", "00111")


def _percent_decoded(text: str) -> str:
    for _ in range(2):
        if not _PERCENT.search(text):
            break
        text = unquote(text, errors="replace")
    return text


def _digits_for_letters(text: str) -> str:
    for _ in range(4):  # each pass reaches the letters next to the last one's digits
        changed = _LOOKALIKES.sub(lambda m: m.group().translate(_AS_DIGITS), text)
        if changed == text:
            break
        text = changed
    return text


def _prepared(text: str) -> str:
    folded = fold(_percent_decoded(text))
    folded = _OTHER_DOTS.sub(".", folded)
    folded = _OTHER_DASHES.sub("-", folded)
    folded = _digits_for_letters(folded)
    folded = _SPELLED_ADDRESS.sub(lambda m: m[1] + "@" + re.sub(r"\s+dot\s+", ".", m[2], flags=re.I), folded)
    folded = _AT_WORD.sub("@", folded)
    folded = _PROVIDER_AFTER_AT.sub(lambda m: "@" + _PROVIDER_WORDS[m[1]], folded)
    folded = _DOT_COM_WORD.sub(lambda m: _DOT_COM[m[1]], folded)
    folded = _AT_SPACED.sub("@", folded)
    if "@" in folded:
        folded = _DOT_WORD.sub(".", folded)
    folded = _SPACED_PARENS.sub(r"(\1)", folded)
    folded = _SPACED_DOT.sub(".", folded)
    return _SPACED_DASH.sub("-", folded)


def find_identifiers(text: str) -> list[Found]:
    """Every identifier in `text` (positions in its folded form), in order of position;
    overlapping matches keep the one found first (e-mail addresses, then numbers)."""
    prepared = _prepared(text)
    kept: list[Found] = []

    def keep(item: Found) -> None:
        if not any(item.start < k.end and k.start < item.end for k in kept):
            kept.append(item)

    for pattern in (_EMAIL, _EMAIL_PROVIDER):
        for m in pattern.finditer(prepared):
            keep(Found(EMAIL_ADDRESS, m.start(), m.end(), REFUSE_AT))
    for m in _URL.finditer(prepared):
        kept.append(Found("url", m.start(), m.end(), 0))
    for m in _MASKED_RRN.finditer(prepared):
        if _birth_date(m.group(1) + m.group(2)) is not None:
            score = 2 + _context(prepared, m.start(), m.end()).get(RESIDENT_NUMBER, 0)
            if score >= REFUSE_AT:
                keep(Found(RESIDENT_NUMBER, m.start(), m.end(), score))
    for run in _runs(prepared):
        found = [f for a, b in _candidates(run) if (f := _weigh(prepared, run, a, b)) is not None]
        for item in sorted(found, key=lambda f: (-f.score, f.start)):
            keep(item)
    return sorted((k for k in kept if k.kind != "url"), key=lambda f: f.start)


def kinds_in(text: str) -> list[str]:
    """The kinds of identifier found in `text`, each once, in order of first appearance."""
    return list(dict.fromkeys(f.kind for f in find_identifiers(text)))


class PersonalInformation(Invalid):
    code = ErrorCode.PERSONAL_INFORMATION


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
