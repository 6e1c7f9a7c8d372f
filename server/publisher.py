"""Publishing after commit. A broker outage never fails a write: the change is in SQL already,
and every hub polls SQL while its broker is down."""

from __future__ import annotations

import logging

from server.broker import Broker, BrokerUnavailable
from server.metrics import Metrics

log = logging.getLogger("tong.publisher")

Message = tuple[str, bytes]


class Publisher:
    def __init__(self, broker: Broker, metrics: Metrics) -> None:
        self._broker = broker
        self._metrics = metrics

    async def send(self, messages: list[Message]) -> None:
        if not messages:
            return
        try:
            await self._broker.publish_many(messages)
        except BrokerUnavailable as exc:
            self._metrics.publish_failures.inc()
            log.warning("publish failed (%s); watchers catch up from SQL", exc)
            return
        for channel, _message in messages:
            kind = "thread" if channel.startswith("thread:") else channel
            self._metrics.events_published.labels(kind).inc()
