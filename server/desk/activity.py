"""Time series for the dashboard: the event log counted in buckets, and sampled connections.

Events are counted in SQL (one GROUP BY per series), so six busy hours cost a few hundred rows
of result, not millions. Connections are not events: a sampler reads the presence totals every
`SAMPLE_S` and keeps the last `KEEP_HOURS` in memory (lost on restart, which is fine for a chart).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, cast, func, select

from server.contract.errors import Invalid
from server.contract.vocabulary import EventType
from server.events import public
from server.runtime.periodic import Periodic
from server.store.database import Database
from server.store.models import Event, utcnow

log = logging.getLogger("tong.activity")

SERIES = {
    "comments": (EventType.COMMENT_CREATED,),
    "recommendations": (EventType.RECOMMENDATION_ADDED,),
    "threads": (EventType.THREAD_CREATED,),
    "reports": (EventType.REPORT_FILED,),
    "moderation": (
        EventType.COMMENT_HIDDEN,
        EventType.COMMENT_RESTORED,
        EventType.REPORT_DISMISSED,
        EventType.COMMENT_RELEASED,
        EventType.COMMENT_REJECTED,
        EventType.THREAD_HIDDEN,
        EventType.THREAD_RESTORED,
        EventType.AUTHOR_SUSPENDED,
        EventType.AUTHOR_SUSPENSION_LIFTED,
        EventType.APPEAL_DECIDED,
    ),
}
HOURS_MAX = 48
# About 70-150 points per chart: enough to see the shape, few enough to draw in SVG.
BUCKETS_WANTED = 72
SAMPLE_S = 30.0
KEEP_HOURS = 24
CONNECTIONS = "_connections"


class Activity:
    def __init__(self, db: Database, presence: Callable[[list[str]], Awaitable[dict[str, int]]]) -> None:
        self.db = db
        self._presence = presence
        self.samples: deque[tuple[datetime, int]] = deque(maxlen=int(KEEP_HOURS * 3600 / SAMPLE_S))
        self.sampler = Periodic("activity-sampler", self._sample, SAMPLE_S)

    async def _sample(self) -> None:
        totals = await self._presence([CONNECTIONS])
        self.samples.append((utcnow(), totals.get(CONNECTIONS, 0)))

    def _bucket_expr(self, seconds: int) -> Any:
        if self.db.dialect == "postgresql":
            return cast(func.floor(func.extract("epoch", Event.created_at) / seconds), Integer)
        # SQLite keeps UTC text; strftime('%s') reads it as seconds since the epoch.
        return cast(func.strftime("%s", Event.created_at), Integer) / seconds

    async def buckets(self, hours: int, bucket_minutes: int | None = None) -> dict[str, Any]:
        if not 1 <= hours <= HOURS_MAX:
            raise Invalid(f"hours must be between 1 and {HOURS_MAX}", {"hours": "out_of_range"})
        seconds = (bucket_minutes or max(1, round(hours * 60 / BUCKETS_WANTED))) * 60
        now = utcnow()
        end = int(now.timestamp()) // seconds + 1
        start = end - (hours * 3600) // seconds
        since = datetime.fromtimestamp(start * seconds, UTC)
        bucket = self._bucket_expr(seconds).label("bucket")
        wanted = [t for types in SERIES.values() for t in types]
        async with self.db.read() as s:
            rows = (
                await s.execute(
                    select(bucket, Event.type, func.count())
                    .where(Event.created_at >= since, Event.type.in_(wanted))  # type: ignore[attr-defined]
                    .group_by(bucket, Event.type)
                )
            ).all()
        of_type = {t: name for name, types in SERIES.items() for t in types}
        series = {name: [0] * (end - start) for name in SERIES}
        for index, type_, count in rows:
            if start <= int(index) < end:
                series[of_type[type_]][int(index) - start] += count
        connections = [[public.iso(at), n] for at, n in self.samples if at >= now - timedelta(hours=hours)]
        return {
            "from": public.iso(since),
            "to": public.iso(datetime.fromtimestamp(end * seconds, UTC)),
            "bucket_seconds": seconds,
            "series": series,
            "connections": connections,
        }
