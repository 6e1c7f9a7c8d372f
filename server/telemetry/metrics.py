"""Prometheus metrics, one registry per app so several apps can live in one test process."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

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

    def render(self) -> bytes:
        return generate_latest(self.registry)
