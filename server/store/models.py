"""SQL tables. Public shapes live in `public.py`; nothing here is sent to a client as is."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    FetchedValue,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# Row ids, seqs and counts are INTEGER (SERIAL) columns in PostgreSQL: a larger value in a query
# is refused by the database (not a missing row), so requests check it first. The event log's
# ids are BIGINT.
ROW_ID_MAX = 2**31 - 1
LOG_ID_MAX = 2**63 - 1

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key for the log.
BigId = BigInteger().with_variant(Integer(), "sqlite")
JsonDoc = JSON().with_variant(JSONB(), "postgresql")

# Constraint names spelled out, equal to the names PostgreSQL gave the tables `create_all` made
# before migrations existed: a revision can then drop or alter a constraint by name on either
# database (SQLite's batch mode needs names to find them), and older databases match the models.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Account(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    kind: str = Field(max_length=16)  # company | agency | staff
    roles: str = Field(default="", max_length=64)  # comma-separated: moderator, admin
    department: str | None = Field(default=None, max_length=100)
    disabled: bool = False
    # Commenting on or recommending a thread follows it (notices.py); the account may turn it off.
    auto_follow: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    created_at: datetime = Field(default_factory=utcnow)
    # Single sign-on (v1.2): the provider's (iss, sub) names the account; a password account has
    # neither. Nothing else about the person is kept from the provider.
    oidc_issuer: str | None = Field(default=None, max_length=255)
    oidc_subject: str | None = Field(default=None, max_length=255)
    # The last successful login (v1.2): admins see its date only (roster.py).
    last_login_at: datetime | None = None

    @property
    def via(self) -> str:
        return "oidc" if self.oidc_subject is not None else "password"

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)


class AccountSession(SQLModel, table=True):
    __tablename__ = "account_session"

    # Only a hash of the cookie is stored, so a leaked table does not log anyone in.
    token_hash: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    # A session begun at the provider: its `sid` (back-channel logout may name it alone) and the
    # ID token, sent back as `id_token_hint` when the user logs out of Tong.
    oidc_sid: str | None = Field(default=None, max_length=255, index=True)
    id_token: str | None = Field(default=None, sa_type=Text)
    # A second factor (v1.2, domain/mfa.py): when this session last gave one (null: never, so a
    # staff session waits for it where it is required; step-up asks for one within 5 minutes), and
    # the WebAuthn challenge it was last given, with when (single use: cleared when answered).
    factor_at: datetime | None = None
    mfa_challenge: str | None = Field(default=None, max_length=128)
    mfa_challenge_at: datetime | None = None


class OidcLogin(SQLModel, table=True):
    """A sign-in between its start and the provider's callback: single use (the callback deletes
    the row), so a replayed `state` finds nothing; rows older than `OIDC_LOGIN_TTL` are refused."""

    __tablename__ = "oidc_login"

    state_hash: str = Field(primary_key=True, max_length=64)
    nonce: str = Field(max_length=128)
    verifier: str = Field(max_length=128)
    next_path: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Thread(SQLModel, table=True):
    __table_args__ = (
        Index("ix_thread_created", "created_at", "id"),
        Index("ix_thread_activity", "last_activity_at", "id"),
        Index("ix_thread_recommended", "recommendation_count", "id"),
        Index("ix_thread_commented", "comment_count", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)  # proposal | change
    title: str = Field(max_length=400)
    body: str
    # The category's name when the thread was filed or its category last renamed (v1's `category`);
    # `category_id` is the managed list's row (categories.py). Free text before revision 0003.
    category: str | None = Field(default=None, max_length=50)
    category_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    status: str | None = Field(default=None, max_length=16, index=True)
    outcome: str | None = Field(default=None, max_length=24)
    author_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_activity_at: datetime = Field(default_factory=utcnow)
    # The thread channel's latest seq; incrementing it takes the row lock that orders commits.
    seq: int = 0
    comment_count: int = 0
    recommendation_count: int = 0
    # How many distinct company / agency authors have a pseudonym here (기업 n, 기관 n).
    company_authors: int = 0
    agency_authors: int = 0
    # Set by the author's edits (title/body): the public sees "수정됨" with this time.
    edited_at: datetime | None = None
    revision: int = 1
    # The answer obligation (v1.2; domain/obligation.py): the KST date by which a proposal that
    # reached TONG_ANSWER_OBLIGATION_RECOMMENDATIONS must have a final answer. Set once, when the
    # count first reaches the threshold; it stays if recommendations drop (revision 0018).
    answer_due: date | None = Field(default=None, index=True)
    # Hidden by a moderator (v1.2): kept in place with its number, its text (and its comments'
    # bodies) null to the public until restored; the reason is public.
    hidden: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    hidden_reason: str | None = None
    # Erased (erasure.py): title and body are empty and every shape shows `erased: true`.
    erased: bool = False


class SearchDocument(SQLModel, table=True):
    """A thread's public text as analysed tokens (search.py), one row per thread.

    Each column holds the space-separated tokens of one part: what the public may read, never a
    hidden or held comment. The ranked index over it is not a model: an FTS5 table kept by
    triggers on SQLite, a generated tsvector column with a GIN index on PostgreSQL (revision 0006;
    `SEARCH_INDEX_OBJECTS` below tells the models-and-migrations check to expect them)."""

    __tablename__ = "search_document"

    thread_id: int = Field(foreign_key="thread.id", primary_key=True)
    title: str = ""
    body: str = ""
    answers: str = ""
    comments: str = ""


class SearchPending(SQLModel, table=True):
    """A new public comment waiting to join its thread's search document, or (no comment) a thread
    whose whole document waits to be rebuilt (reading.Reader.flush_search).

    Appending to the document rewrites its whole row, and the index re-reads it all (FTS5's
    delete-and-insert, PostgreSQL's generated tsvector): per comment, a hot thread's 500th comment
    would cost as much as its 500 comments. Queued here, a thread's new comments join its document
    in one rewrite per flush, analysed there too (off the comment's request). Written in the
    comment's transaction, so none is lost. A rebuild (a new proposal, an edit, an answer, a hidden
    comment) waits here too, so no write transaction waits for the analyser (revision 0012)."""

    __tablename__ = "search_pending"

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    thread_id: int = Field(foreign_key="thread.id", index=True)
    comment_id: int | None = Field(default=None, foreign_key="comment.id")


# The search index's parts that only the revision knows (see SearchDocument): the FTS5 table and
# its shadow tables on SQLite, the tsvector columns and their index on PostgreSQL.
SEARCH_FTS_TABLE = "search_fts"
SEARCH_INDEX_OBJECTS = frozenset({"document", "head", "ix_search_document_document"})


def is_search_index_object(name: str | None, type_: str) -> bool:
    if name is None:
        return False
    if type_ == "table":
        return name == SEARCH_FTS_TABLE or name.startswith(SEARCH_FTS_TABLE + "_")
    return name in SEARCH_INDEX_OBJECTS


class Category(SQLModel, table=True):
    """The managed list of categories: staff add, rename and retire them (never delete: a retired
    category stays on its threads but cannot be chosen for new ones)."""

    id: int | None = Field(default=None, primary_key=True)
    # Stable in URLs (`/?category=`) across renames.
    slug: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=50, unique=True)  # Korean, shown first
    name_en: str | None = Field(default=None, max_length=50)
    retired: bool = False
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class ThreadAuthor(SQLModel, table=True):
    """An account's pseudonym inside one thread."""

    __tablename__ = "thread_author"

    thread_id: int = Field(foreign_key="thread.id", primary_key=True)
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    kind: str = Field(max_length=16)
    number: int = 0
    is_op: bool = False


class Comment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("thread_id", "seq", name="uq_comment_thread_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="comment.id")
    seq: int
    author_id: int = Field(foreign_key="account.id", index=True)
    body: str
    created_at: datetime = Field(default_factory=utcnow)
    hidden: bool = False
    # Shown in the placeholder of a hidden comment; the moderator's public reason.
    hidden_reason: str | None = None
    recommendation_count: int = 0
    edited_at: datetime | None = None
    revision: int = 1
    # Deleted by its author: kept in place like a hidden comment (body null to the public).
    withdrawn: bool = False
    # Erased by an admin (erasure.py): the body is empty and every shape shows `erased: true`.
    erased: bool = False


class Recommendation(SQLModel, table=True):
    """One per account per target; the composite key makes recommending idempotent."""

    target: str = Field(primary_key=True, max_length=8)  # thread | comment
    target_id: int = Field(primary_key=True)
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Answer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    author_id: int = Field(foreign_key="account.id")
    body: str
    status: str = Field(max_length=16)
    outcome: str | None = Field(default=None, max_length=24)
    seq: int
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    revision: int = 1
    # The department the public sees on the answer: the proposal's assigned department when it
    # was published (v1.2); null before, when the author's own department is shown.
    department: str | None = Field(default=None, max_length=50)


class Revision(SQLModel, table=True):
    """One version of an edited text: a proposal's title and body, a comment, an official answer.

    The first edit also stores the original as number 1, so the history shows every version;
    content never edited has no rows here."""

    __table_args__ = (UniqueConstraint("target", "target_id", "number", name="uq_revision_target_number"),)

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(max_length=8)  # thread | comment | answer
    target_id: int
    number: int
    title: str | None = Field(default=None, max_length=400)
    body: str
    editor_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)


class Report(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("comment_id", "account_id", name="uq_report_comment_account"),)

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id", index=True)
    thread_id: int = Field(foreign_key="thread.id")
    account_id: int = Field(foreign_key="account.id")
    reason: str
    created_at: datetime = Field(default_factory=utcnow)
    # Set when a moderator hides, restores or dismisses the reported comment.
    resolution: str | None = Field(default=None, max_length=16)
    resolved_at: datetime | None = None
    # One of REPORT_CATEGORIES, or None when the reporter did not say (v1.2).
    category: str | None = Field(default=None, max_length=16)


class Event(SQLModel, table=True):
    """The append-only event log: written in the transaction of the change it records."""

    __table_args__ = (
        Index("ix_event_thread_seq", "thread_id", "seq"),
        Index("ix_event_created", "created_at", "id"),
        Index("ix_event_type", "type", "id"),
        Index("ix_event_tx", "tx", "id"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    type: str = Field(max_length=40)
    thread_id: int | None = None
    seq: int | None = None
    actor_account_id: int | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonDoc, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    # PostgreSQL: the id of the transaction that wrote the row, set by the column's default
    # (`pg_current_xact_id()`, revision 0012); the sealer seals a row only once every transaction
    # that could still commit a lower id has ended (sealing.py). SQLite: NULL (one writer at a time).
    tx: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True, server_default=FetchedValue())
    )


class EventSeal(SQLModel, table=True):
    """The tamper-evident chain over the event log: one row per sealed event, appended in commit
    order by the sealer (see `sealing.py`), so event rows themselves are never updated."""

    __tablename__ = "event_seal"

    event_id: int = Field(sa_column=Column(BigId, primary_key=True, autoincrement=False))
    # The row's place in the chain (1, 2, ...): the order of sealing, which is commit order.
    position: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    prev_event_id: int | None = Field(default=None, sa_column=Column(BigId, nullable=True))
    # The keyed hash of the row's full payload: an erasure replaces the payload by
    # {"erased": true} and this hash still chains what was there.
    payload_hash: str = Field(max_length=64)
    row_hash: str = Field(max_length=64)
    chain_hash: str = Field(max_length=64)
    # A short keyed digest per column, so `tong audit verify` can say which column of a row changed.
    digests: dict[str, str] = Field(default_factory=dict, sa_column=Column(JsonDoc, nullable=False))
    sealed_at: datetime = Field(default_factory=utcnow)


class HeldComment(SQLModel, table=True):
    """A comment waiting for a moderator (pre-moderation): it has no seq until it is released."""

    __tablename__ = "held_comment"

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="comment.id")
    author_id: int = Field(foreign_key="account.id")
    body: str
    words: str = Field(default="", max_length=400)  # the configured words that matched
    created_at: datetime = Field(default_factory=utcnow)
    resolution: str | None = Field(default=None, max_length=16, index=True)  # released | rejected
    resolved_at: datetime | None = None
    comment_id: int | None = Field(default=None, foreign_key="comment.id")


class ThreadLink(SQLModel, table=True):
    """A quarterly change thread ("이렇게 바꾸었습니다") answers these proposals."""

    __tablename__ = "thread_link"

    change_id: int = Field(foreign_key="thread.id", primary_key=True)
    proposal_id: int = Field(foreign_key="thread.id", primary_key=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class NoticeSeen(SQLModel, table=True):
    """No longer written: change-thread notices are `Notice` rows now (notices.py). Kept so a
    database from before keeps its rows (dropping it is a later revision's)."""

    __tablename__ = "notice_seen"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    change_id: int = Field(foreign_key="thread.id", primary_key=True)
    seen_at: datetime = Field(default_factory=utcnow)


class Follow(SQLModel, table=True):
    """An account follows a thread: it is told of answers, status changes, links and replies."""

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", primary_key=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Notice(SQLModel, table=True):
    """Something an account is told (notices.py): kept until it is seen and after, never public.

    `data` holds only what the thread already shows everyone (its title, a label such as 기업 3,
    a status); never the text of a comment or an answer.
    """

    __table_args__ = (Index("ix_notice_account", "account_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    kind: str = Field(max_length=16)  # answer | status | change | reply | comments
    thread_id: int = Field(foreign_key="thread.id", index=True)
    comment_id: int | None = None
    answer_id: int | None = None
    # New comments on the account's own proposal, batched while the notice is unseen.
    count: int = 1
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonDoc, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    seen_at: datetime | None = None


class History(SQLModel, table=True):
    """The id of this database's history (one row): clients resume only within one history.

    It comes back with a restored dump, so the deployment also remembers outside the database the
    highest log id it has served under it (epoch.py); a log that ends before that was restored
    and gets a new epoch.
    """

    id: int = Field(default=1, primary_key=True)
    epoch: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class ServerHeartbeat(SQLModel, table=True):
    """One row per running server process, kept fresh while it serves (live/heartbeat.py): `tong
    restore` refuses to replace a database a server is using. A process removes its row when it
    stops; a killed one's row goes stale."""

    __tablename__ = "server_heartbeat"

    process: str = Field(primary_key=True, max_length=32)
    host: str = Field(max_length=255)
    pid: int
    started_at: datetime = Field(default_factory=utcnow)
    seen_at: datetime = Field(default_factory=utcnow)


class AccountMail(SQLModel, table=True):
    """An account's e-mail address and what it wants sent there (mailboxes.py).

    The address is used only once `verified_at` is set, i.e. after its owner followed the
    confirmation link; changing it clears `verified_at` and starts a new confirmation.
    """

    __tablename__ = "account_mail"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    address: str = Field(max_length=254)
    verified_at: datetime | None = None
    # A random value the confirmation link is signed over; a new address gets a new one, so an
    # old link stops working. Only the server's secret turns it into the link.
    confirm_nonce: str | None = Field(default=None, max_length=32)
    confirm_sent_at: datetime | None = None
    delivery: str = Field(default="immediate", max_length=16)  # immediate | daily | none


class Outbox(SQLModel, table=True):
    """Mails to send, written in the transaction of what they announce (outbox.py).

    One row per (notice, channel): `email` a mail of its own, `digest` a line in the account's
    daily digest, `confirm` an address confirmation (no notice). `next_attempt_at` is both the
    retry time and the lease of the process sending it; it is null once the row is done.
    """

    __table_args__ = (
        UniqueConstraint("notice_id", "channel", name="uq_outbox_notice_channel"),
        Index("ix_outbox_due", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int | None = None
    channel: str = Field(max_length=16)
    account_id: int = Field(foreign_key="account.id", index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    # A password reset or invitation mail: its `password_token` row (v1.2).
    token_id: int | None = None


class Draft(SQLModel, table=True):
    """What an account is writing and has not posted (drafts.py): the new-proposal form's title and
    body (`new-thread`) or a thread's comment box (`thread-{id}`). Private to the account: no
    event, no log row, no export; it goes with the account's row (ON DELETE CASCADE) and with the
    post it became."""

    account_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    key: str = Field(primary_key=True, max_length=24)
    title: str | None = Field(default=None, sa_type=Text)
    body: str = Field(default="", sa_type=Text)
    updated_at: datetime = Field(default_factory=utcnow)


class AccountFactor(SQLModel, table=True):
    """A staff account's second factor (v1.2, domain/mfa.py): a TOTP app or a WebAuthn key.

    `secret` is the TOTP secret encrypted with the MFA key (never in plain text), or a security
    key's public key (COSE, base64url: public by nature). A TOTP factor waits `confirmed` false
    until a code from the app proves it was set up; `last_step` is the last TOTP time step
    accepted, so a code is not accepted twice. `sign_count` is WebAuthn's clone check."""

    __tablename__ = "account_factor"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    kind: str = Field(max_length=16)  # totp | webauthn
    secret: str = Field(sa_type=Text)
    credential_id: str | None = Field(default=None, max_length=1400, unique=True)
    sign_count: int = 0
    last_step: int | None = Field(default=None, sa_type=BigInteger)
    confirmed: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class RecoveryCode(SQLModel, table=True):
    """A staff account's single-use recovery codes: only a keyed hash is kept, and using one
    deletes its row."""

    __tablename__ = "recovery_code"

    code_hash: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class ThreadReport(SQLModel, table=True):
    """A report on a proposal (v1.2), as `Report` is one on a comment."""

    __tablename__ = "thread_report"
    __table_args__ = (UniqueConstraint("thread_id", "account_id", name="uq_thread_report_thread_account"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    reason: str
    category: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    # Set when a moderator hides, restores or dismisses the reported proposal.
    resolution: str | None = Field(default=None, max_length=16)
    resolved_at: datetime | None = None


class Suspension(SQLModel, table=True):
    """An author suspended from writing (sanctions.py), set from one of their posts by a moderator
    who never learns who they are. One row in force per account at most: a second suspension
    extends it (`until`); `lifted_at` ends it early."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    # The post it was set from: what staff see instead of the account.
    post_kind: str = Field(max_length=8)  # thread | comment
    post_id: int
    thread_id: int = Field(foreign_key="thread.id")
    reason: str
    until: datetime
    created_at: datetime = Field(default_factory=utcnow)
    lifted_at: datetime | None = None


class ModerationAction(SQLModel, table=True):
    """What was done to someone's post or account and can be appealed once (appeals.py): a hidden
    proposal or comment, a rejected held comment, a suspension (or its extension), an erasure.
    `undone_at` is set when it is undone (restore, lift), by a moderator or a reversed appeal."""

    __tablename__ = "moderation_action"
    __table_args__ = (Index("ix_moderation_action_target", "kind", "target_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    # thread | comment | held | suspension | erasure: what `POST /api/me/appeals` names as `kind`.
    kind: str = Field(max_length=16)
    target_id: int
    thread_id: int = Field(foreign_key="thread.id")
    # Whose post or account: the only one who may appeal. Never shown to staff.
    account_id: int = Field(foreign_key="account.id", index=True)
    action: str = Field(max_length=16)  # hidden | rejected | suspended | erased
    reason: str
    created_at: datetime = Field(default_factory=utcnow)
    undone_at: datetime | None = None


class Appeal(SQLModel, table=True):
    """The author's objection to one moderation action, and staff's decision on it."""

    __table_args__ = (UniqueConstraint("action_id", name="uq_appeal_action"),)

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="moderation_action.id")
    account_id: int = Field(foreign_key="account.id", index=True)
    text: str
    created_at: datetime = Field(default_factory=utcnow)
    decision: str | None = Field(default=None, max_length=16, index=True)  # upheld | reversed
    decision_reason: str | None = None
    decided_at: datetime | None = None


class PasswordToken(SQLModel, table=True):
    """A single-use link to set an account's password: a reset asked by e-mail, or the invitation
    an imported account gets (passwords.py).

    Only a hash of the link's token is kept (a leaked table lets no one in); the mailer rebuilds
    the link from `nonce` and the server's secret. A token ends when used (`used_at`) or at
    `expires_at`; a newer token leaves older ones as they are."""

    __tablename__ = "password_token"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    purpose: str = Field(max_length=16)  # reset | invite
    token_hash: str = Field(max_length=64, unique=True)
    nonce: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class Attachment(SQLModel, table=True):
    """One upload (`POST /api/uploads`), and once attached, one file of a post.

    The file itself is kept once per sha256 (server/files/storage.py); these rows are its
    references: a file goes when no row names its sha256 any more. A row with no target is an
    upload not yet attached; `tong attachments gc` removes those a day old.
    """

    __table_args__ = (
        Index("ix_attachment_target", "target", "target_id"),
        Index("ix_attachment_account_created", "account_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    sha256: str = Field(max_length=64, index=True)
    # The public file name (the personal-information guard has read it) and the kind's media type.
    name: str = Field(max_length=200)
    size: int
    type: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    # thread | comment | answer, and its id; the thread it is shown in.
    target: str | None = Field(default=None, max_length=8)
    target_id: int | None = None
    thread_id: int | None = Field(default=None, foreign_key="thread.id", index=True)
    position: int = 0


# --- the answer workflow (v1.2) ----------------------------------------------------------------


class Department(SQLModel, table=True):
    """The managed list of departments (like categories: Korean and English names, order, retire).
    A proposal is assigned to one; a staff account belongs to one."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=50, unique=True)  # Korean, shown first
    name_en: str | None = Field(default=None, max_length=50)
    retired: bool = False
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class DepartmentMember(SQLModel, table=True):
    """The department a staff account belongs to (set by an admin); at most one."""

    __tablename__ = "department_member"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    set_at: datetime = Field(default_factory=utcnow)


class ThreadAssignment(SQLModel, table=True):
    """One assignment of a proposal to a department (and optionally an officer in it): the newest
    row is the current one, the older rows are its history."""

    __tablename__ = "thread_assignment"
    __table_args__ = (Index("ix_thread_assignment_thread", "thread_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id")
    department_id: int = Field(foreign_key="department.id", index=True)
    assignee_id: int | None = Field(default=None, foreign_key="account.id")
    assigned_by: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)


class AnswerDraft(SQLModel, table=True):
    """An answer on its way to the public: drafted, submitted for approval, then published (the
    `answer` row it became) or returned to draft. A pending revision of a published answer is a
    draft too, with `revises` set. Kept apart from `answer`, so nothing that reads answers (the
    thread, search, the answer clock, exports) can meet one before it is published."""

    __tablename__ = "answer_draft"
    __table_args__ = (Index("ix_answer_draft_thread", "thread_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id")
    # The published answer: the one this draft revises, or the one it became.
    answer_id: int | None = Field(default=None, foreign_key="answer.id")
    revises: bool = False
    author_id: int = Field(foreign_key="account.id")
    body: str
    outcome: str | None = Field(default=None, max_length=24)
    state: str = Field(max_length=24, index=True)  # draft | pending_approval | published
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    approved_by: int | None = Field(default=None, foreign_key="account.id")
    approved_at: datetime | None = None
    returned_by: int | None = Field(default=None, foreign_key="account.id")
    returned_at: datetime | None = None
    returned_reason: str | None = None


class StaffNote(SQLModel, table=True):
    """An internal note on a proposal (or on one of its draft answers): staff only, never public."""

    __tablename__ = "staff_note"
    __table_args__ = (Index("ix_staff_note_thread", "thread_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id")
    draft_id: int | None = Field(default=None, foreign_key="answer_draft.id")
    author_id: int = Field(foreign_key="account.id")
    body: str
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    revision: int = 1


class Reminder(SQLModel, table=True):
    """A staff account's due reminder of one KST day (mail/reminders.py): what it lists, written
    once by whichever process gets there first; its mail is an outbox row (`reminder` channel)."""

    __table_args__ = (UniqueConstraint("account_id", "day", name="uq_reminder_account_day"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    day: str = Field(max_length=10)  # YYYY-MM-DD, KST
    items: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonDoc, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
