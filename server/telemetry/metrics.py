"""Prometheus metrics, one registry per app so several apps can live in one test process."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from sqlalchemy import func, select

from server.broker.breaker import Breaker, State
from server.store.database import Database
from server.store.models import Outbox, SearchPending

log = logging.getLogger("tong.metrics")

# Delivery lag is from publish (right after commit) to the frame being handed to the sockets.
LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        r = self.registry
        self.connections = Gauge("tong_ws_connections", "Open WebSocket connections", registry=r)
        self.subscriptions = Gauge("tong_ws_subscriptions", "Channel subscriptions", registry=r)
        self.events_published = Counter(
            "tong_events_published", "Messages published to the broker", ["kind"], registry=r
        )
        self.publish_failures = Counter(
            "tong_publish_failures", "Publishes the broker refused (changes stay in SQL)", registry=r
        )
        self.frames_delivered = Counter(
            "tong_frames_delivered", "Frames handed to sockets", ["type"], registry=r
        )
        self.delivery_lag = Histogram(
            "tong_delivery_lag_seconds", "Publish to local fan-out", buckets=LAG_BUCKETS, registry=r
        )
        self.gap_fills = Counter("tong_gap_fills", "Sequence gaps filled from SQL", registry=r)
        self.replays = Counter("tong_replays", "Resumes served", ["source"], registry=r)
        self.slow_closes = Counter("tong_ws_slow_closes", "Sockets closed with 1013", registry=r)
        self.broker_up = Gauge("tong_broker_up", "1 while the broker delivers to every process", registry=r)
        self.http_requests = Counter(
            "tong_http_requests", "HTTP requests by status class", ["method", "status"], registry=r
        )

        # sent | retry (a transient failure, tried again later) | given_up | dropped (nobody to send to)
        self.mails = Counter("tong_mails", "Outbox mails by result (mailer.py)", ["result"], registry=r)

        # What an operator pages on. Labels are fixed small sets (states, pool roles), never ids.
        self.frames_dropped = Counter(
            "tong_ws_frames_dropped",
            "Frames not sent: the socket was closing, or its queue was dropped when it was closed as slow",
            registry=r,
        )
        self.breaker_state = Gauge(
            "tong_breaker_state",
            "1 for the circuit breaker's current state (closed | open | half_open), else 0",
            ["breaker", "state"],
            registry=r,
        )
        self.outbox_backlog = Gauge(
            "tong_outbox_backlog", "Mails waiting to be sent or retried (outbox rows not done)", registry=r
        )
        self.search_queue = Gauge(
            "tong_search_queue_depth", "Comments waiting to join their thread's search document", registry=r
        )
        self.db_pool_in_use = Gauge(
            "tong_db_pool_in_use", "Database connections checked out", ["pool"], registry=r
        )
        self.db_pool_capacity = Gauge(
            "tong_db_pool_capacity", "Database connections the pool may open", ["pool"], registry=r
        )
        self.db_pool_waits = Counter(
            "tong_db_pool_waits",
            "Checkouts that found every connection taken and waited",
            ["pool"],
            registry=r,
        )
        self.db_pool_wait_seconds = Counter(
            "tong_db_pool_wait_seconds", "Time spent waiting for a pooled connection", ["pool"], registry=r
        )
        # The pools count by themselves (store/database.py); each scrape adds what is new.
        self._pool_seen: dict[str, tuple[int, float]] = {}

    async def observe(self, db: Database, breakers: list[Breaker], timeout: float) -> None:
        """Read what is a state rather than an event, at scrape time: the breakers, the pools, and
        two indexed counts (the outbox's due rows, the search queue). The counts give up after
        `timeout`: with every connection taken, the pool figures are what the operator needs."""
        for breaker in breakers:
            current = breaker.state
            for state in State:
                self.breaker_state.labels(breaker.name, state.value).set(1 if state is current else 0)
        for name, pool in db.pools().items():
            self.db_pool_in_use.labels(name).set(pool.checkedout())
            self.db_pool_capacity.labels(name).set(pool.capacity())
            waits, seconds = self._pool_seen.get(name, (0, 0.0))
            self.db_pool_waits.labels(name).inc(max(pool.waits - waits, 0))
            self.db_pool_wait_seconds.labels(name).inc(max(pool.wait_seconds - seconds, 0.0))
            self._pool_seen[name] = (pool.waits, pool.wait_seconds)
        try:
            backlog, queued = await asyncio.wait_for(self._backlogs(db), timeout)
        except Exception as exc:  # the database is down or busy: /metrics answers with the last counts
            log.warning("metrics: cannot count the outbox and the search queue (%r)", exc)
            return
        self.outbox_backlog.set(backlog)
        self.search_queue.set(queued)

    async def _backlogs(self, db: Database) -> tuple[int, int]:
        async with db.read() as s:
            backlog = (
                await s.execute(
                    select(func.count()).select_from(Outbox).where(Outbox.next_attempt_at.is_not(None))  # type: ignore[union-attr]
                )
            ).scalar_one()
            queued = (await s.execute(select(func.count()).select_from(SearchPending))).scalar_one()
        return int(backlog), int(queued)

    def render(self) -> bytes:
        return generate_latest(self.registry)
