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
MAX_INPUT = 100_000


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


def loaded() -> bool:
    return _kiwi is not None


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


def _tokenize(text: str) -> list[Any]:
    assert _kiwi is not None, "analyser.load() first"
    text = _RUNS.sub(r"\1\1\1", text[:MAX_INPUT])
    with _use_lock:
        return list(_kiwi.tokenize(text))


def tokens(text: str) -> list[str]:
    """Index tokens of `text`, in order, repeated as often as they occur. Blocking."""
    if not text or not text.strip():
        return []
    load()
    out: list[str] = []
    for token in _tokenize(text):
        out.extend(_word_tokens(token.form, token.tag))
    return out


def document(texts: Iterable[str]) -> str:
    """The tokens of these texts as one space-separated string (a SearchDocument column)."""
    return " ".join(t for text in texts for t in tokens(text))


def query_terms(text: str) -> list[str]:
    """A query's distinct tokens in order of first appearance."""
    return list(dict.fromkeys(tokens(text)))
