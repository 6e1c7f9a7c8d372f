"""The Korean analyser behind search: kiwipiepy with its packaged model (kiwipiepy-model).

Text becomes index tokens: nouns, roots and stems without particles or endings (`입찰보증금을` ->
`입찰 보증금`), compounds split (`공동수급체` -> `공동 수급 체`), long nouns also by their two-syllable
parts (`낙찰자` -> `낙찰자 낙찰`), Latin words and numbers lower-cased. The same function analyses
documents and queries, so both meet on the same tokens.

The model takes seconds to load and about 330 MB of memory: it loads once per process, in a thread
(the app starts it at start-up; `ready()` waits for it off the event loop), never per request.
"""

from __future__ import annotations

import asyncio
import re
import threading
import unicodedata
from collections.abc import Iterable
from typing import Any

# Parts of speech that carry meaning for a search (Kiwi's Sejong-style tags, irregular suffixes
# such as VV-R dropped first): common and proper nouns, numerals, roots, verb and adjective stems,
# Latin words, Hanja and numbers. Particles (J*), endings (E*), suffixes (X*) are left out.
CONTENT_TAGS = frozenset({"NNG", "NNP", "NR", "XR", "VV", "VA", "SL", "SH", "SN"})
STEMS = frozenset({"VV", "VA"})
# Words found in nearly every proposal that would only add noise to a ranking.
STOPWORDS = frozenset(
    {
        "것",
        "수",
        "등",
        "때",
        "점",
        "중",
        "측",
        "곳",
        "번",
        "경우",
        "관련",
        "부분",
        "내용",
        "문제",
        "생각",
        "요청",
        # Every thread on this board is a proposal (제안): as a term it found them all, so a
        # title "새 제안 …" made the composer call every proposal similar.
        "제안",
    }
)
# Characters analysed per text: the contract's longest text (a proposal's body, TONG_THREAD_BODY_MAX's
# default). Past it a text is indexed by its beginning: an operator's larger limit never makes one
# document cost more than this (about 3 s of one core for 20,000 characters of prose).
MAX_INPUT = 20_000
# Characters analysed per query: a query is words, not a document (the API refuses longer ones).
MAX_QUERY = 200
# A long text is analysed in pieces of about this many characters, cut at a space, and the model is
# taken per piece: a search waits for at most one piece (tens of ms) behind a long document's
# analysis, not for all of it (the model serves one analysis at a time, see _use_lock).
PIECE = 2_000


_kiwi: Any = None
_load_lock = threading.Lock()
# Kiwi objects are not documented as safe to share between threads: one analysis at a time.
_use_lock = threading.Lock()


def load() -> None:
    """Load the model (once; later calls return at once). Blocking: call it from a thread."""
    global _kiwi
    if _kiwi is not None:
        return
    with _load_lock:
        if _kiwi is not None:
            return
        from kiwipiepy import Kiwi

        kiwi = Kiwi(load_typo_dict=False, load_multi_dict=False)
        # The first analysis builds lazy tables (seconds); do it here rather than in a request.
        kiwi.tokenize("입찰보증금을 돌려받지 못했습니다")
        _kiwi = kiwi


def start_loading() -> None:
    """Begin loading in a background thread (the app's start-up), so the first write or search
    does not wait the whole load."""
    if _kiwi is None:
        threading.Thread(target=load, name="kiwi-load", daemon=True).start()


async def ready() -> None:
    """Wait, off the event loop, until the model is loaded."""
    if _kiwi is None:
        await asyncio.to_thread(load)


def _normal(form: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", form).lower() if c.isalnum())


def _is_hangul(word: str) -> bool:
    return all("가" <= c <= "힣" for c in word)


def _word_tokens(form: str, tag: str) -> tuple[str, ...]:
    base = tag.split("-", 1)[0]
    if base not in CONTENT_TAGS:
        return ()
    word = _normal(form)
    if not word or word in STOPWORDS:
        return ()
    # One-syllable stems (하, 되, 있, 보, 주) are in nearly every sentence.
    if base in STEMS and len(word) < 2:
        return ()
    if base in ("NNG", "NNP") and _is_hangul(word) and len(word) >= 3:
        # Sino-Korean compounds the model keeps whole (낙찰자, 보증금, 나라장터): their two-syllable
        # parts too, so `낙찰` finds `낙찰자` and `장터` finds `나라장터`.
        parts = [word[:2]]
        if len(word) == 4:
            parts.append(word[2:])
        return (word, *parts)
    return (word,)


# A character repeated past three (ㅋㅋㅋㅋㅋ, 하하하하, or a wall of one syllable) is cut to three:
# no word repeats a character four times, and the model's time on such runs grows steeply (a
# comment of 3,900 × "가" took 300 ms to analyse, 26 ms for the same length of ordinary text).
_RUNS = re.compile(r"(.)\1{3,}", re.DOTALL)


def pieces(text: str, size: int = PIECE) -> list[str]:
    """`text` cut into pieces of at most `size` characters, each cut at the last whitespace
    before the limit (or at the limit, in a text without any)."""
    out: list[str] = []
    while len(text) > size:
        cut = max(text.rfind(" ", 0, size), text.rfind("\n", 0, size))
        cut = cut if cut > 0 else size
        out.append(text[:cut])
        text = text[cut:]
    out.append(text)
    return out


def _tokenize(text: str, limit: int = MAX_INPUT) -> list[Any]:
    assert _kiwi is not None, "analyser.load() first"
    text = _RUNS.sub(r"\1\1\1", text[:limit])
    out: list[Any] = []
    for piece in pieces(text):
        with _use_lock:
            out.extend(_kiwi.tokenize(piece))
    return out


def tokens(text: str, limit: int = MAX_INPUT) -> list[str]:
    """Index tokens of `text` (its first `limit` characters), in order, repeated as often as they
    occur. Blocking."""
    if not text or not text.strip():
        return []
    load()
    out: list[str] = []
    for token in _tokenize(text, limit):
        out.extend(_word_tokens(token.form, token.tag))
    return out


def document(texts: Iterable[str]) -> str:
    """The tokens of these texts as one space-separated string (a SearchDocument column)."""
    return " ".join(t for text in texts for t in tokens(text))


def query_terms(text: str) -> list[str]:
    """A query's distinct tokens (of its first MAX_QUERY characters) in order of first appearance."""
    return list(dict.fromkeys(tokens(text, MAX_QUERY)))
