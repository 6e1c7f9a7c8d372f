"""Brokers: the backend is picked from the URL scheme; redis is imported only when used."""

from __future__ import annotations

from server.broker.base import Broker, BrokerUnavailable
from server.broker.breaker import Breaker
from server.broker.memory import MemoryBroker


def broker_from_url(
    url: str, process_id: str, prefix: str = "tong:", breaker: Breaker | None = None
) -> Broker:
    """The broker for `url`; a network broker sends every command through `breaker`."""
    if not url or url.startswith("memory:"):
        return MemoryBroker()
    if url.startswith("redis+cluster://"):
        from server.broker.cluster import ClusterBroker

        return ClusterBroker(url, process_id, prefix, breaker)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from server.broker.redis import RedisBroker

        return RedisBroker(url, process_id, prefix, breaker)
    raise ValueError(
        f"unsupported broker URL {url!r}: use redis://host:port/db, "
        "redis+cluster://host:port[,host:port...] or leave REDIS_URL unset"
    )


__all__ = ["Broker", "BrokerUnavailable", "MemoryBroker", "broker_from_url"]
