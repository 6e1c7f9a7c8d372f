"""The staff desk: the services behind the dashboard, built and started with the app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from server.activity import Activity
from server.answers import AnswerClock
from server.database import Database
from server.discussion import Discussion
from server.holds import HoldPolicy, Holds
from server.links import Links
from server.reports import Reports
from server.sealing import Sealer
from server.settings import Settings


@dataclass
class Desk:
    holds: Holds
    links: Links
    reports: Reports
    answers: AnswerClock
    activity: Activity
    sealer: Sealer

    @classmethod
    def build(
        cls,
        settings: Settings,
        db: Database,
        discussion: Discussion,
        presence: Callable[[list[str]], Awaitable[dict[str, int]]],
    ) -> Desk:
        holds = Holds(discussion, HoldPolicy.from_settings(settings))
        # The domain asks the desk whether a comment must wait for a moderator.
        discussion.holds = holds
        return cls(
            holds=holds,
            links=Links(discussion),
            reports=Reports(discussion),
            answers=AnswerClock(db, settings.answer_target_days),
            activity=Activity(db, presence),
            sealer=Sealer(db, settings.seal_delay_s, settings.seal_interval_s, settings.seal_batch),
        )

    def start(self) -> None:
        """Start the background tasks; the app's lifespan owns them and awaits `stop`."""
        self.sealer.loop.start()
        self.activity.sampler.start()

    async def stop(self) -> None:
        await self.activity.sampler.stop()
        await self.sealer.loop.stop()
