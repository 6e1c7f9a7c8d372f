"""The object graph, built once by constructor: each part gets what it uses, nothing is wired by
setting another's attribute afterwards. The app's lifespan starts and stops what runs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from server.broker import Broker, broker_from_url
from server.broker.breaker import Breaker
from server.desk.activity import Activity
from server.desk.answerclock import AnswerClock
from server.desk.dashboard import Desk
from server.desk.quarters import QuarterReport
from server.desk.reports import Reports
from server.desk.review import Figures, Review
from server.domain import actions
from server.domain.accounts import Passwords
from server.domain.actions import COMMENT, HELD, SUSPENSION, THREAD
from server.domain.appeals import Appeals
from server.domain.attachments import Attachments
from server.domain.categories import Categories
from server.domain.departments import Departments
from server.domain.discussion import Discussion
from server.domain.drafts import Drafts
from server.domain.editing import Editing
from server.domain.erasure import Erasure
from server.domain.holds import HoldPolicy, Holds
from server.domain.links import Links
from server.domain.logins import LoginGuard
from server.domain.mfa import SecondFactors
from server.domain.moderation import ThreadModeration
from server.domain.notes import Notes
from server.domain.notices import Notices
from server.domain.passwords import PasswordLinks
from server.domain.posting import Posting
from server.domain.ratelimit import AddressLimit, Counter, RateLimiter
from server.domain.reading import Reader
from server.domain.roster import Roster
from server.domain.sanctions import Sanctions
from server.domain.sessions import SessionCache, SessionPurge, Sessions
from server.domain.signon import SignOn
from server.domain.workflow import Workflow
from server.events.publisher import Publisher
from server.events.sealing import Checkpoints, Sealer
from server.events.seam import Change, EventLog
from server.files.scanner import Clamd
from server.files.storage import LocalStorage
from server.identity.oidc import OpenIDClient
from server.live.epoch import Epochs, HistoryWatch, mark_for
from server.live.heartbeat import Heartbeat
from server.live.hub import Hub
from server.mail.mailboxes import Mailboxes
from server.mail.mailer import Mailer, notice_source
from server.mail.outbox import OutboxStore
from server.mail.reminders import Reminders, reminder_source
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.erasures import Ledger
from server.telemetry.metrics import Metrics


@dataclass
class Services:
    settings: Settings
    db: Database
    # The one circuit breaker for this process's Redis: every Redis call goes through it, so
    # one failure signal (a refused connection, a missed probe) protects every caller at once.
    breaker: Breaker
    broker: Broker
    sessions: Sessions
    metrics: Metrics
    events: EventLog
    epochs: Epochs
    history_watch: HistoryWatch
    heartbeat: Heartbeat
    hub: Hub
    reader: Reader
    discussion: Discussion
    notices: Notices
    editing: Editing
    review: Review
    figures: Figures
    desk: Desk
    logins: LoginGuard
    searches: AddressLimit
    session_purge: SessionPurge
    outbox: OutboxStore
    mailboxes: Mailboxes
    mailer: Mailer
    signon: SignOn
    # The portal's OpenID provider, when TONG_OIDC_* configure one.
    oidc: OpenIDClient | None
    # Uploads and the files of posts (v1.2).
    attachments: Attachments
    # What accounts are writing and have not posted (v1.2): private, never an event.
    drafts: Drafts
    # A second factor for staff (TONG_STAFF_MFA), and step-up for reveals, role changes, erasures.
    factors: SecondFactors
    # Moderating proposals and people, and appeals (v1.2).
    moderation: ThreadModeration
    sanctions: Sanctions
    appeals: Appeals
    # Password reset and invitation links; accounts, for admins (v1.2).
    passwords: PasswordLinks
    roster: Roster
    erasure: Erasure
    # The answer workflow (v1.2): departments, assignment, drafts and approval, internal notes.
    departments: Departments
    workflow: Workflow
    notes: Notes
    # The workflow's daily due reminders (mail/reminders.py), mailed through the outbox.
    reminders: Reminders


def build_services(settings: Settings) -> Services:
    secret = settings.resolved_secret().encode()
    db = Database(settings.effective_database_url)
    metrics = Metrics()
    breaker = Breaker("redis")
    broker = broker_from_url(settings.redis_url, uuid.uuid4().hex, settings.redis_prefix, breaker)
    reader = Reader(db, secret, settings.page_limit_max)
    figures = Figures(db)
    epochs = Epochs(db, mark_for(settings.redis_url, settings.redis_prefix, settings.data_dir))
    sessions = Sessions(db, SessionCache(settings.session_cache_s))
    hub = Hub(broker, reader, settings, metrics, figures.stats, sessions, epochs.id)
    history_watch = HistoryWatch(epochs, hub.history_changed, settings.history_watch_interval)
    # A publish lost on the way to the broker is caught up from SQL by this process's hub.
    publisher = Publisher(broker, metrics, on_lost=hub.publish_lost)
    outbox = OutboxStore(
        db,
        enabled=bool(settings.smtp_url),
        digest_hour=settings.mail_digest_hour,
        retry_base_s=settings.mail_retry_base_s,
        retry_max_s=settings.mail_retry_max_s,
        # A round stops at its first failing send, so it lasts about one SMTP timeout; twice that
        # and some slack before another process may take the rows over.
        lease_s=2 * settings.mail_timeout_s + 10,
    )

    mailboxes = Mailboxes(db, outbox, secret)
    mailer = Mailer(
        settings, outbox, mailboxes, secret, epochs.id, metrics, notice_source(db), reminder_source(db)
    )
    # Follows and notices are derived inside every change's transaction, before it commits; their
    # mails are outbox rows written there too.
    notices = Notices(db, hooks=[mailer.on_notices])
    events = EventLog(
        db,
        publisher,
        secret,
        group_commit=settings.group_commit_max > 1,
        group_max=settings.group_commit_max,
        before_commit=notices.derive,
    )
    posting = Posting()
    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_cost, settings.argon2_concurrency)
    # One counter for every limit (writes per account, logins): Redis through the same breaker.
    counter = Counter(settings.redis_url, settings.redis_prefix, breaker)
    limiter = RateLimiter(settings.rate_limit_per_minute, counter)
    sanctions = Sanctions(db, events, settings)
    attachments = attachments_for(settings, db, limiter)
    holds = Holds(db, events, posting, HoldPolicy.from_settings(settings), settings, attachments)
    discussion = Discussion(
        db,
        events,
        posting,
        holds,
        settings,
        passwords,
        limiter,
        sessions=sessions,
        sanctions=sanctions,
        attachments=attachments,
    )
    editing = Editing(db, events, posting, settings, limiter, held_words=holds.matches, sanctions=sanctions)
    moderation = ThreadModeration(db, events, posting, settings, limiter, sanctions)
    # A reversed appeal is undone by the module that acted; an erasure (issue 22 part 4) has no
    # undo, so its reversal is refused.
    appeals = Appeals(
        db,
        events,
        settings,
        undo={
            THREAD: lambda staff, target, reason: moderation.moderate(staff, target, False, reason),
            COMMENT: lambda staff, target, reason: discussion.moderate(staff, target, False, reason),
            HELD: lambda staff, target, reason: holds.release(staff, target, reason, rejected=True),
            SUSPENSION: sanctions.lift_by_id,
        },
    )
    review = Review(db, events)
    desk = Desk(
        holds=holds,
        links=Links(db, events, posting),
        reports=Reports(db, events, settings),
        answers=AnswerClock(db, settings.answer_target_days, settings.answer_obligation_recommendations),
        activity=Activity(db, hub.presence),
        sealer=sealer_for(settings, db),
        categories=Categories(db, events, refuse_identifiers=settings.refuse_identifiers),
        quarters=QuarterReport(db, settings.answer_target_days, settings.answer_obligation_recommendations),
    )
    return Services(
        settings=settings,
        db=db,
        breaker=breaker,
        broker=broker,
        sessions=sessions,
        metrics=metrics,
        events=events,
        epochs=epochs,
        history_watch=history_watch,
        heartbeat=Heartbeat(db, settings.heartbeat_interval_s),
        hub=hub,
        reader=reader,
        discussion=discussion,
        notices=notices,
        editing=editing,
        review=review,
        figures=figures,
        desk=desk,
        logins=LoginGuard.from_settings(settings, counter),
        searches=AddressLimit("search-address", "searches", settings.search_limit_per_minute, counter),
        session_purge=SessionPurge(db, settings.session_purge_interval_s),
        outbox=outbox,
        mailboxes=mailboxes,
        mailer=mailer,
        signon=SignOn(db, events, sessions, settings),
        oidc=oidc_client(settings),
        drafts=Drafts(db, settings),
        factors=SecondFactors(db, events, settings, counter),
        moderation=moderation,
        sanctions=sanctions,
        appeals=appeals,
        passwords=PasswordLinks(
            db,
            events,
            passwords,
            sessions,
            outbox,
            counter,
            secret,
            settings.password_min_score,
            wake=mailer.wake,
        ),
        roster=Roster(db, events, sessions, outbox, secret, wake=mailer.wake),
        attachments=attachments,
        erasure=Erasure(
            db,
            events,
            posting,
            settings,
            Ledger(settings.erasure_ledger_path),
            erase_files=attachments.erase_in,
            tell_author=record_erasure,
        ),
        departments=Departments(db, events, refuse_identifiers=settings.refuse_identifiers),
        workflow=Workflow(db, events, posting, editing, settings),
        notes=Notes(db, events, settings),
        reminders=Reminders(db, settings, enabled=bool(settings.smtp_url), wake=mailer.wake),
    )


async def record_erasure(change: Change, author_id: int, told: dict[str, Any]) -> None:
    """An erasure is a moderation action like a hide: recorded in its transaction, the author gets
    a `moderation` notice (derived from the `post.erased` row) and may appeal it once."""
    await actions.record(
        change.session,
        kind=actions.ERASURE,
        target_id=told["id"],
        thread_id=told["thread_id"],
        account_id=author_id,
        action="erased",
        reason=told["reason"],
    )


def attachments_for(settings: Settings, db: Database, limiter: RateLimiter | None = None) -> Attachments:
    """Files in the data directory (an S3-compatible store would be chosen here), scanned by
    clamd when TONG_CLAMD_URL names one."""
    scanner = Clamd(settings.clamd_url) if settings.clamd_url else None
    return Attachments(
        db,
        LocalStorage(settings.attachments_dir),
        settings,
        limiter or RateLimiter(settings.rate_limit_per_minute),
        scanner,
    )


def oidc_client(settings: Settings) -> OpenIDClient | None:
    if not settings.oidc_enabled:
        return None
    return OpenIDClient(
        settings.oidc_issuer,
        settings.oidc_client_id,
        settings.oidc_client_secret,
        settings.public_url.rstrip("/") + "/api/auth/oidc/callback",
        settings.oidc_scopes,
    )


def sealer_for(settings: Settings, db: Database) -> Sealer:
    """The event log's sealer, keyed and writing checkpoints where the settings say."""
    checkpoints = Checkpoints(settings.checkpoint_path, settings.audit_checkpoint_interval_s)
    return Sealer(
        db, settings.resolved_audit_key(), settings.seal_interval_s, settings.seal_batch, checkpoints
    )
