"""The staff desk: the services behind the dashboard, built and started with the app."""

from __future__ import annotations

from dataclasses import dataclass

from server.desk.activity import Activity
from server.desk.answerclock import AnswerClock
from server.desk.quarters import QuarterReport
from server.desk.reports import Reports
from server.domain.categories import Categories
from server.domain.holds import Holds
from server.domain.links import Links
from server.events.sealing import Sealer


@dataclass
class Desk:
    holds: Holds
    links: Links
    reports: Reports
    answers: AnswerClock
    activity: Activity
    sealer: Sealer
    categories: Categories
    quarters: QuarterReport

    def start(self) -> None:
        """Start the background tasks; the app's lifespan owns them and awaits `stop`."""
        self.sealer.loop.start()
        self.activity.sampler.start()

    async def stop(self) -> None:
        await self.activity.sampler.stop()
        await self.sealer.loop.stop()
