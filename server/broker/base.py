"""The broker interface: how this process hears what other processes committed."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

# Called for every message on a subscribed channel, in the order the broker delivered them.
MessageHandler = Callable[[str, bytes], None]
# Called when the broker connection is lost (False) or restored (True).
StateHandler = Callable[[bool], None]


class BrokerUnavailable(Exception):
    """The broker could not take a message; the change is committed and will be polled from SQL."""


class Broker(ABC):
    def __init__(self) -> None:
        self._on_message: MessageHandler | None = None
        self._on_state: StateHandler | None = None

    def bind(self, on_message: MessageHandler, on_state: StateHandler) -> None:
        self._on_message = on_message
        self._on_state = on_state

    @property
    @abstractmethod
    def healthy(self) -> bool:
        """Whether messages published now reach every process."""

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...

    @abstractmethod
    async def ping(self) -> None:
        """Raise if the broker is unreachable."""

    @abstractmethod
    async def publish(self, channel: str, message: bytes) -> None:
        """Send to every process subscribed to `channel`; raise BrokerUnavailable on failure."""

    async def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        """Publish several messages, in order; brokers with a network round trip batch them."""
        for channel, message in messages:
            await self.publish(channel, message)

    @abstractmethod
    async def subscribe(self, channel: str) -> None: ...

    @abstractmethod
    async def unsubscribe(self, channel: str) -> None: ...

    @abstractmethod
    async def set_presence(self, counts: dict[str, int]) -> None:
        """Record this process's watcher count per channel (0 removes it)."""

    @abstractmethod
    async def presence(self, channels: list[str]) -> dict[str, int]:
        """Watchers per channel, summed over every live process."""
