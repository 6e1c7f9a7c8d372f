"""A clock a test moves: real time plus an offset, for the parts of Tong that take an injected clock
(the second factor's TOTP steps and step-up window), so no test sleeps to let time pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from server.store.models import utcnow


@dataclass
class Clock:
    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset
