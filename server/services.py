"""The object graph, built once by constructor: each part gets what it uses, nothing is wired by
setting another's attribute afterwards. The app's lifespan starts and stops what runs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from server.accounts import Passwords
from server.activity import Activity
from server.answers import AnswerClock
from server.broker import Broker, broker_from_url
from server.database import Database
from server.desk import Desk
from server.discussion import Discussion
from server.events import EventLog
from server.holds import HoldPolicy, Holds
from server.hub import Hub
from server.links import Links
from server.metrics import Metrics
from server.posting import Posting
from server.publisher import Publisher
from server.reading import Reader
from server.reports import Reports
from server.review import Review
from server.sealing import Sealer
from server.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    broker: Broker
    metrics: Metrics
    events: EventLog
    hub: Hub
    reader: Reader
    discussion: Discussion
    review: Review
    desk: Desk


def build_services(settings: Settings) -> Services:
    secret = settings.resolved_secret().encode()
    db = Database(settings.effective_database_url)
    metrics = Metrics()
    broker = broker_from_url(settings.redis_url, uuid.uuid4().hex, settings.redis_prefix)
    events = EventLog(db, Publisher(broker, metrics), secret)
    reader = Reader(db, secret, settings.page_limit_max)
    posting = Posting()
    holds = Holds(db, events, posting, HoldPolicy.from_settings(settings), settings)
    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_cost)
    discussion = Discussion(db, events, posting, holds, settings, passwords)
    # The hub sends the review's dashboard figures and hands it its presence counts when it asks.
    review = Review(db, events)
    hub = Hub(broker, reader, settings, metrics, review.stats)
    desk = Desk(
        holds=holds,
        links=Links(db, events),
        reports=Reports(db, events, settings),
        answers=AnswerClock(db, settings.answer_target_days),
        activity=Activity(db, hub.presence),
        sealer=Sealer(db, settings.seal_delay_s, settings.seal_interval_s, settings.seal_batch),
    )
    return Services(settings, db, broker, metrics, events, hub, reader, discussion, review, desk)
