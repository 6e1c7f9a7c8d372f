"""Logging: structlog renders every record (Tong's, uvicorn's, Alembic's) as one JSON object per
line in production and as a readable line in development, with the request id bound by the
middleware; identical failures repeated within an interval are written once, then counted."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import structlog
from structlog.types import EventDict, Processor

from server.runtime.settings import Settings

# A failure that repeats (a Redis outage retried every second, a database error on every request)
# is written the first time, then once per interval with how many times it happened meanwhile: an
# outage of a few minutes once wrote 488 identical warning lines.
REPEAT_INTERVAL_S = 60.0
ACCESS_LOGGER = "tong.access"
# Fields a record may carry beyond its message (`extra=`): the access log's and the repeat count.
EXTRA_FIELDS = (
    "method",
    "path",
    "status",
    "duration_ms",
    "close_code",
    "client",
    "repeated",
    "repeated_interval_s",
)


class RepeatFilter(logging.Filter):
    """Pass the first record of each call site's message (logger, level, format string), drop its
    repeats for `interval` seconds, then pass the next one with `repeated` = how many were dropped.
    Records below WARNING (the access log, debug) are never held back."""

    def __init__(
        self, interval: float = REPEAT_INTERVAL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        # key -> (when the last passed record was written, how many were dropped since)
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        with self._lock:
            written, dropped = self._seen.get(key, (None, 0))
            if written is not None and now - written < self.interval:
                self._seen[key] = (written, dropped + 1)
                return False
            self._seen[key] = (now, 0)
            if len(self._seen) > 10_000:
                # A message template per request would grow this without bound; forget the oldest.
                for old in sorted(self._seen, key=lambda k: self._seen[k][0])[:5_000]:
                    del self._seen[old]
        if dropped:
            record.repeated = dropped
            record.repeated_interval_s = self.interval
        return True


def _drop_color_message(_: Any, __: str, event: EventDict) -> EventDict:
    # uvicorn adds an ANSI-coloured copy of its message; the renderers colour (or not) themselves.
    event.pop("color_message", None)
    return event


def configure(settings: Settings, stream: Any = None) -> None:
    """Route every logger through structlog's formatter on one handler (stderr by default)."""
    json_lines = settings.log_format == "json" or (
        settings.log_format == "auto" and settings.env == "production"
    )
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.ExtraAdder(allow=EXTRA_FIELDS),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_color_message,
    ]
    renderer: Processor
    if json_lines:
        renderer = structlog.processors.JSONRenderer()
        shared.append(structlog.processors.format_exc_info)
    else:
        # Plain tracebacks: with `rich` installed (the test tools bring it) structlog renders them
        # with rich, which blocked the event loop for seconds per traceback during an outage.
        renderer = structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(RepeatFilter(settings.log_repeat_interval_s))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # uvicorn's loggers write through their own handlers when it configures them; here they
    # propagate to the root handler instead, like every other logger.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # The access log is its own switch: info lines, whatever the level of the rest.
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO if settings.access_log else logging.WARNING)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
