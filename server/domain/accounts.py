"""Passwords and sessions."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from server.contract.errors import Invalid

PASSWORD_MIN = 8
PASSWORD_MAX = 256
# zxcvbn's running time grows with the length it looks at; past this many characters a password
# is long enough that the head decides its score.
STRENGTH_CHARS = 100


def default_hash_slots() -> int:
    """One argon2 computation per core but one: that core stays free for the event loop, so a burst
    of logins queues instead of slowing every other request (64 MiB and ~0.1 s of CPU each)."""
    return max(1, (os.cpu_count() or 2) - 1)


def check_strength(password: str, related: list[str], min_score: int) -> None:
    """Refuse a password zxcvbn scores below `min_score` (0-4), judged against the login and
    other `related` words; 422 with zxcvbn's advice."""
    if len(password) < PASSWORD_MIN:
        raise Invalid(f"password must have at least {PASSWORD_MIN} characters", {"password": "too_short"})
    if len(password) > PASSWORD_MAX:
        raise Invalid(f"password must have at most {PASSWORD_MAX} characters", {"password": "too_long"})
    if any(word and password.strip().casefold() == word.casefold() for word in related):
        raise Invalid("password must not be the login", {"password": "same_as_login"})
    result = zxcvbn(password[:STRENGTH_CHARS], user_inputs=[w for w in related if w])
    if result["score"] < min_score:
        feedback = result["feedback"]
        advice = " ".join([feedback.get("warning") or "", *feedback.get("suggestions", [])]).strip()
        raise Invalid(
            f"password is too easy to guess (strength {result['score']} of 4, at least {min_score} needed)"
            + (f": {advice}" if advice else ""),
            {"password": "too_weak"},
        )


# Hashing threads run at the lowest CPU priority: when the host is busy, the event loop's thread
# gets the CPU first, so queued logins wait instead of other requests. Linux's SCHED_IDLE policy
# (set per thread) lets any ordinary task preempt the hash as soon as it wakes; nice 19 alone still
# made other requests wait a scheduler slice now and then. Elsewhere: nice 19, or nothing.
HASH_NICENESS = 19


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


class Passwords:
    def __init__(self, time_cost: int, memory_cost: int, slots: int | None = None) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
        # Checked when the login does not exist, so both paths cost the same time.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        # At most `slots` hashes at once in this process; the rest wait in the pool's queue.
        self._pool = ThreadPoolExecutor(
            max_workers=slots or default_hash_slots(),
            thread_name_prefix="argon2",
            initializer=_lower_priority,
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    async def hash_bounded(self, password: str) -> str:
        """`hash` in a hashing thread, at most `slots` at a time in this process."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, self.hash, password)

    async def verify_bounded(self, stored: str | None, password: str) -> bool:
        """`verify` in a hashing thread, at most `slots` at a time in this process."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, self.verify, stored, password)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
