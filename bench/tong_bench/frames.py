"""What the load tool writes into comments and reads out of frames, without a JSON parse per frame.

A watcher process may see tens of thousands of frames a second; regular expressions over the raw
bytes cost a fraction of `json.loads` and create no per-frame dicts.
"""

from __future__ import annotations

import json
import re
import time
from typing import NamedTuple

# The marker carries the phase, the post's index in the run and its send time in microseconds of
# the wall clock: the load processes share one machine, hence one clock.
_MARK = re.compile(rb"\[tb:(\d+):(\d+):(\d+)\]")
_TYPE = re.compile(rb'"type"\s*:\s*"([a-z_]+)"')
_SEQ = re.compile(rb'"seq"\s*:\s*(\d+)')
# The quote before `recommendations` keeps `comment_recommendations` from matching.
_RECOMMENDATIONS = re.compile(rb'"recommendations"\s*:\s*(\d+)')
_DATA = b'"data"'


def comment_body(phase: int, index: int, size: int) -> str:
    """A comment body of `size` characters that starts with the marker, stamped now."""
    head = f"[tb:{phase}:{index}:{time.time_ns() // 1000}] "
    return head + "x" * max(0, size - len(head))


class Mark(NamedTuple):
    phase: int
    # `index` would shadow tuple.index.
    number: int
    sent: float


def find_mark(raw: bytes) -> Mark | None:
    m = _MARK.search(raw)
    if m is None:
        return None
    return Mark(int(m.group(1)), int(m.group(2)), int(m.group(3)) / 1e6)


def frame_type(raw: bytes) -> bytes | None:
    m = _TYPE.search(raw)
    return m.group(1) if m else None


def frame_seq(raw: bytes) -> int | None:
    """The frame's own `seq`, not one nested in `data` (a comment carries its seq too)."""
    m = _SEQ.search(raw)
    if m is None:
        return None
    data_at = raw.find(_DATA)
    if data_at == -1 or m.start() < data_at:
        return int(m.group(1))
    # The server put `data` before `seq`: the first match may be nested, so parse this one frame.
    seq = json.loads(raw).get("seq")
    return seq if isinstance(seq, int) else None


def frame_recommendations(raw: bytes) -> int | None:
    m = _RECOMMENDATIONS.search(raw)
    return int(m.group(1)) if m else None
