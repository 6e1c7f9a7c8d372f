"""The in-process broker: one process, no network; the default so a laptop runs the whole product."""

from __future__ import annotations

import asyncio

from server.broker.base import Broker


class MemoryBroker(Broker):
    def __init__(self) -> None:
        super().__init__()
        self._channels: set[str] = set()
        self._presence: dict[str, int] = {}

    @property
    def healthy(self) -> bool:
        return True

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def ping(self) -> None:
        pass

    async def publish(self, channel: str, message: bytes) -> None:
        # Deliver on the next loop turn, as a network broker would: the publisher's request
        # finishes first instead of carrying the whole fan-out in its own latency.
        if channel in self._channels and self._on_message is not None:
            asyncio.get_running_loop().call_soon(self._on_message, channel, message)

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)

    async def set_presence(self, counts: dict[str, int]) -> None:
        for channel, count in counts.items():
            if count:
                self._presence[channel] = count
            else:
                self._presence.pop(channel, None)

    async def presence(self, channels: list[str]) -> dict[str, int]:
        return {channel: self._presence.get(channel, 0) for channel in channels}
