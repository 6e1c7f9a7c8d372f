"""The REST API's shapes as pydantic models: request bodies and query strings (validated with them)
and responses (documented with them; the OpenAPI document and its schemathesis run hold the two
together).

Text limits are settings, so they reach the validators through the validation context
(`limits(settings)`), and the OpenAPI document reads them from `x-limit` (see openapi.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

from server.contract.errors import ErrorCode, Invalid, InvalidJson
from server.runtime.settings import Settings
from server.store import analyser
from server.store.models import LOG_ID_MAX, ROW_ID_MAX
from server.text.plaintext import is_blank, neutralise_bidi

# Bounds a page size or a span before it reaches the domain, which checks its configured maximum.
LIMIT_MAX = 10_000
QUERY_TEXT_MAX = 500
CATEGORY_MAX = 50

# --- text -------------------------------------------------------------------------------------


def limits(settings: Settings) -> dict[str, int]:
    """The validation context: every configurable text limit by setting name."""
    return {
        "title_max": settings.title_max,
        "thread_body_max": settings.thread_body_max,
        "comment_body_max": settings.comment_body_max,
        "report_reason_max": settings.report_reason_max,
        "category_max": CATEGORY_MAX,
        "page_limit_max": settings.page_limit_max,
    }


DEFAULT_LIMITS = limits(Settings.model_construct())


def _trimmed(limit: str, optional: bool = False) -> Any:
    """Trimmed text of 1..limit code points (limit read from the context), without NUL."""

    def check(value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        # The domain's own rules: bidi controls go, text that shows nothing is empty.
        trimmed = neutralise_bidi(value).strip()
        if is_blank(trimmed):
            if optional:
                return None
            raise PydanticCustomError("empty", "must not be empty")
        maximum = (info.context or DEFAULT_LIMITS).get(limit, DEFAULT_LIMITS[limit])
        if len(trimmed) > maximum:
            raise PydanticCustomError(
                "too_long",
                "is {length} characters; the limit is {maximum}",
                {"length": len(trimmed), "maximum": maximum},
            )
        if "\x00" in trimmed:
            raise PydanticCustomError("nul_character", "must not contain NUL characters")
        return trimmed

    return AfterValidator(check)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain NUL characters")
    return value


def _limited(name: str, required: bool = True) -> Any:
    """Documents the limit setting `name` (openapi.py turns it into maxLength)."""
    return Field(min_length=1 if required else None, json_schema_extra={"x-limit": name})


Title = Annotated[str, _trimmed("title_max"), _limited("title_max")]
ThreadBody = Annotated[str, _trimmed("thread_body_max"), _limited("thread_body_max")]
CommentBody = Annotated[str, _trimmed("comment_body_max"), _limited("comment_body_max")]
Reason = Annotated[str, _trimmed("report_reason_max"), _limited("report_reason_max")]
OptionalReason = Annotated[
    str | None, _trimmed("report_reason_max", optional=True), _limited("report_reason_max", False)
]
Category = Annotated[str | None, _trimmed("category_max", optional=True), _limited("category_max", False)]
QueryText = Annotated[str, AfterValidator(_no_nul), Field(max_length=QUERY_TEXT_MAX)]
# What a search analyses: words, not a document (twelve clients searching with 500-character
# queries once slowed everyone's comments; the analyser serves one analysis at a time).
SearchText = Annotated[str, AfterValidator(_no_nul), Field(max_length=analyser.MAX_QUERY)]
Id = Annotated[int, Field(ge=1, le=ROW_ID_MAX, strict=True)]
QueryId = Annotated[int, Field(ge=0, le=ROW_ID_MAX)]
LogId = Annotated[int, Field(ge=0, le=LOG_ID_MAX)]
# A page of threads or comments: at most `page_limit_max` (the reader checks the running value).
PageLimit = Annotated[int, Field(ge=1, le=LIMIT_MAX, json_schema_extra={"x-limit": "page_limit_max"})]
# The staff desk's lists and the event log have fixed maximums (routes/desk.py, routes/staff.py).
DESK_LIST_MAX = 500
LOG_PAGE_MAX = 1000
DeskLimit = Annotated[int, Field(ge=1, le=DESK_LIST_MAX)]
LogLimit = Annotated[int, Field(ge=1, le=LOG_PAGE_MAX)]

ThreadKind = Literal["proposal", "change"]
Status = Literal["received", "reviewing", "answered", "withdrawn"]
Outcome = Literal["accepted", "partially_accepted", "declined"]
AccountKind = Literal["company", "agency", "staff"]


class Body(BaseModel):
    """A request body: unknown fields are ignored (clients may send more than a version reads)."""

    model_config = ConfigDict(extra="ignore")


# --- request bodies ---------------------------------------------------------------------------


class Empty(Body):
    """No fields: the body may be absent, empty, or `{}`."""


class Login(Body):
    login: Annotated[str, Field(max_length=200)]
    password: Annotated[str, Field(max_length=1000)]


class NewThread(Body):
    kind: ThreadKind
    title: Title
    body: ThreadBody
    category: Category = None
    links: list[Id] | None = Field(None, description="change threads only: the proposals it answers")
    attachments: list[Id] | None = Field(
        None, max_length=5, description="the caller's own unattached uploads (POST /api/uploads), at most 5"
    )


class ThreadChange(Body):
    """Staff change the status; the author edits the title and/or body (v1.1). Not both at once."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["received", "reviewing"] | None = Field(None, description="staff only")
    title: Title | None = Field(None, description="the author only")
    body: ThreadBody | None = Field(None, description="the author only")


class EditedComment(Body):
    body: CommentBody


class EditedAnswer(Body):
    body: ThreadBody


class NewComment(Body):
    body: CommentBody
    parent_id: Id | None = None
    attachments: list[Id] | None = Field(
        None, max_length=5, description="the caller's own unattached uploads (POST /api/uploads), at most 5"
    )


class NewAnswer(Body):
    body: ThreadBody
    outcome: Outcome | None = None
    attachments: list[Id] | None = Field(
        None, max_length=5, description="the caller's own unattached uploads (POST /api/uploads), at most 5"
    )
    draft: Annotated[bool, Field(strict=True)] = Field(
        False, description="a draft for approval (201 {id, state: draft}), invisible to the public"
    )


class PreferencesBody(Body):
    model_config = ConfigDict(extra="forbid")
    auto_follow: bool = Field(strict=True, description="commenting or recommending follows the thread")


class ReasonBody(Body):
    reason: Reason


class OptionalReasonBody(Body):
    reason: OptionalReason = None


class LinksBody(Body):
    links: Annotated[list[Id], Field(max_length=1000)]


CategoryName = Annotated[str, Field(min_length=1, max_length=50)]


class NewCategory(Body):
    name: CategoryName = Field(description="Korean name, shown first")
    name_en: CategoryName | None = None
    slug: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9-]+$")] | None = Field(
        None, description="stable in board URLs; made from name_en (or c-<id>) when absent"
    )


class CategoryChange(Body):
    name: CategoryName | None = None
    name_en: CategoryName | None = None
    retired: Annotated[bool, Field(strict=True)] | None = None
    position: Annotated[int, Field(ge=0, le=10_000, strict=True)] | None = None


class SeenBody(Body):
    ids: Annotated[list[Id], Field(max_length=1000)] | None = Field(None, description="all when absent")


Delivery = Literal["immediate", "daily", "none"]


class MailSettingsBody(Body):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"minProperties": 1})

    address: Annotated[str, Field(max_length=254)] | None = Field(
        None, description="a new address (confirmed through a link mailed to it); null removes it"
    )
    delivery: Delivery | None = Field(None, description="immediate, a daily digest (KST), or none")


class PasswordChange(Body):
    current: Annotated[str, Field(max_length=1000)]
    new: Annotated[str, Field(min_length=1, max_length=1000)]


# --- query strings ----------------------------------------------------------------------------


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ThreadsQuery(Query):
    kind: ThreadKind | None = None
    status: Status | None = None
    sort: Literal["latest", "recommended", "active", "commented", "relevance"] | None = Field(
        None, description="latest by default; relevance (the default with q) ranks search results"
    )
    q: SearchText | None = Field(
        None, description="search titles, bodies, comments and answers (Korean-aware)"
    )
    outcome: Outcome | None = None
    category: Annotated[str, AfterValidator(_no_nul), Field(max_length=QUERY_TEXT_MAX)] | None = Field(
        None, description="a category's slug (or name): GET /api/categories"
    )
    since: QueryText | None = Field(
        None, description="created at or after: ISO 8601 date or time (KST without a zone)"
    )
    until: QueryText | None = Field(
        None, description="created at or before: ISO 8601 date (the whole day) or time"
    )
    cursor: Annotated[str, Field(max_length=QUERY_TEXT_MAX)] | None = Field(
        None, description="next_cursor of the previous page, as it came"
    )
    limit: PageLimit | None = None


class SimilarQuery(Query):
    title: SearchText
    limit: Annotated[int, Field(ge=1, le=10)] | None = None
    exclude: QueryId | None = Field(None, description="a thread not to list (the one being read)")


class CategoriesQuery(Query):
    kind: ThreadKind | None = Field(None, description="count only threads of this kind")


class CommentsQuery(Query):
    after_seq: QueryId | None = None
    limit: PageLimit | None = None


class NoticesQuery(Query):
    after: QueryId | None = Field(None, description="the last id of the previous page (newest first)")
    limit: Annotated[int, Field(ge=1, le=100)] | None = None


class PageQuery(Query):
    limit: DeskLimit | None = None


class ActivityQuery(Query):
    hours: Annotated[int, Field(ge=1, le=LIMIT_MAX)] | None = None
    bucket_minutes: Annotated[int, Field(ge=1, le=LIMIT_MAX)] | None = None


class EventsQuery(Query):
    after_id: LogId | None = None
    thread_id: QueryId | None = None
    type: QueryText | None = None
    from_: QueryText | None = Field(
        None, alias="from", description="ISO 8601 date or time (KST without a zone)"
    )
    to: QueryText | None = Field(None, description="ISO 8601 date or time (KST without a zone)")
    format: Literal["json", "csv", "jsonl"] = "json"
    lang: Literal["en", "ko"] = Field("en", description="CSV headers and labels (logcsv.LANGUAGES)")
    limit: LogLimit | None = None
    actor_kind: AccountKind | None = None


class TokenQuery(Query):
    token: Annotated[str, Field(min_length=1, max_length=200)]


class RevealQuery(Query):
    reason: QueryText


# --- responses --------------------------------------------------------------------------------


class Shape(BaseModel):
    """A response: it carries at least these fields (the contract lets servers add more)."""

    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    code: ErrorCode = Field(description="stable: clients translate it")
    message: str = Field(description="English, for logs and scripts")
    fields: dict[str, str] = Field(description="field path -> stable field code, e.g. {'title': 'too_long'}")


class ErrorBody(BaseModel):
    error: ErrorDetail


class Author(Shape):
    kind: AccountKind
    label: str
    is_op: bool
    department: str | None = None


class ThreadCounts(Shape):
    comments: int
    recommendations: int
    watchers: int


class ThreadSummary(Shape):
    id: int
    kind: ThreadKind
    title: str | None = Field(description="null while a moderator hides the proposal, or once erased")
    category: str | None
    status: Status | Literal["withdrawn"] | None
    outcome: Outcome | None
    author: Author
    created_at: str
    last_activity_at: str
    counts: ThreadCounts
    answer_due: str | None = Field(
        None,
        description="the answer obligation's KST date (YYYY-MM-DD), once recommendations reached it",
    )
    mine: bool | None = None
    recommended: bool | None = None
    # In search results: which part matched, and a snippet of it in which the matched words are
    # <mark>...</mark> and everything else is HTML-escaped text.
    match: Literal["title", "body", "comment", "answer"] | None = None
    highlight: str | None = None
    hidden: bool | None = Field(None, description="true while a moderator hides it (title and body null)")
    hidden_reason: str | None = Field(None, description="the moderator's public reason, while hidden")
    erased: bool | None = Field(None, description="true once an admin erased it (v1.2): title and body null")


class ThreadPage(Shape):
    items: list[ThreadSummary]
    next_cursor: str | None


class SimilarPage(Shape):
    items: list[ThreadSummary]


class AttachmentOut(Shape):
    id: int
    name: str
    size: int
    type: str
    url: str = Field(description="GET: the file, as an attachment (404 once its post is not public)")
    sha256: str | None = Field(
        None, description="the file's content hash (its ETag; exports name files by it)"
    )


class UploadOut(Shape):
    id: int
    name: str
    size: int
    type: str
    sha256: str


class AnswerOut(Shape):
    id: int
    thread_id: int
    seq: int
    author: Author
    body: str
    status: str
    outcome: Outcome | None
    created_at: str
    revision: int | None = Field(None, description="present once edited (2, 3, ...)")
    edited_at: str | None = None
    attachments: list[AttachmentOut] | None = Field(None, description="present when it has files")


class LinkedThread(Shape):
    id: int
    title: str | None = Field(description="null while a moderator hides it")
    status: Status | Literal["withdrawn"] | None = Field(None, description="a linked proposal's (links)")
    outcome: Outcome | None = None


class ThreadOut(ThreadSummary):
    body: str | None
    answers: list[AnswerOut]
    seq: int
    revision: int | None = Field(None, description="present once edited (2, 3, ...)")
    edited_at: str | None = None
    links: list[LinkedThread] | None = None
    changed_in: list[LinkedThread] | None = None
    following: bool | None = Field(None, description="whether the caller follows it (logged in)")
    followers: int | None = Field(None, description="how many accounts follow it (staff only)")
    attachments: list[AttachmentOut] | None = Field(None, description="present when it has files")


class CommentCounts(Shape):
    recommendations: int


class CommentOut(Shape):
    id: int
    thread_id: int
    parent_id: int | None
    seq: int
    author: Author
    body: str | None
    created_at: str
    hidden: bool
    counts: CommentCounts
    hidden_reason: str | None = None
    withdrawn: bool | None = Field(None, description="true once its author deleted it (body null)")
    erased: bool | None = Field(None, description="true once an admin erased it (v1.2; body null)")
    revision: int | None = Field(None, description="present once edited (2, 3, ...)")
    edited_at: str | None = None
    attachments: list[AttachmentOut] | None = Field(None, description="present when it has files")


class RevisionItem(Shape):
    revision: int
    body: str | None = Field(description="null for a hidden or deleted comment (moderators see it)")
    title: str | None = Field(None, description="proposals only")
    author: Author | None
    created_at: str


class Revisions(Shape):
    target: Literal["thread", "comment", "answer"]
    id: int
    items: list[RevisionItem]
    hidden: bool | None = None
    withdrawn: bool | None = None
    erased: bool | None = Field(None, description="true once an admin erased the post: no version has text")


class HeldOut(Shape):
    held: Literal[True]
    id: int
    thread_id: int
    parent_id: int | None
    body: str
    created_at: str
    message: str


class CommentPage(Shape):
    items: list[CommentOut]
    seq: int
    has_more: bool


class Me(Shape):
    id: int
    login: str
    kind: AccountKind
    roles: list[str]
    department: str | None
    # How this account signs in (v1.2): "oidc" through the portal's provider, else "password".
    via: Literal["oidc", "password"]


class LoggedOut(Shape):
    # The provider's end-session URL for a single sign-on session (v1.2), else null.
    logout_url: str | None


class SessionOut(Shape):
    account: Me | None
    # A staff session that still owes its second factor (v1.2; TONG_STAFF_MFA=required): the
    # factors it may give (`totp`, `webauthn`, `recovery`), and `enrol` when it has none yet.
    mfa_required: bool | None = None
    methods: list[Literal["totp", "webauthn", "recovery"]] | None = None
    enrol: bool | None = None


class Recommendation(Shape):
    recommended: bool
    count: int


class ReportOut(Shape):
    id: int
    comment_id: int
    reason: str
    created_at: str


class Actor(Shape):
    kind: AccountKind | None
    key: str


class LogEvent(Shape):
    id: int
    type: str
    thread_id: int | None
    seq: int | None
    actor: Actor | None
    payload: dict[str, Any]
    created_at: str


class EventPage(Shape):
    items: list[LogEvent]
    next_after_id: int | None


class Revealed(Shape):
    post: dict[str, Any]
    account: dict[str, Any]


class Activity(Shape):
    from_: str = Field(alias="from")
    to: str
    bucket_seconds: int
    series: dict[str, list[int]]
    connections: list[list[str | int]] = Field(description="[time, open sockets] samples")


class ClockItem(Shape):
    id: int
    title: str
    status: str | None
    created_at: str
    due_at: str
    age_days: float
    overdue: bool
    answer_due: str | None = Field(None, description="the answer obligation's KST date, if any")


class AnswerClock(Shape):
    target_days: int
    total: int
    overdue: int
    items: list[ClockItem]


class ThreadRef(Shape):
    id: int
    title: str


class ReportedReason(Shape):
    reason: str
    created_at: str
    reporter: Actor | None
    category: str | None = None


class ReportedComment(Shape):
    comment: CommentOut
    thread: ThreadRef
    count: int
    reasons: list[ReportedReason]
    kind: Literal["comment"] | None = None


class ReportedThreadText(Shape):
    id: int
    title: str
    body: str
    hidden: bool


class ReportedThread(Shape):
    kind: Literal["thread"]
    thread: ReportedThreadText
    count: int
    reasons: list[ReportedReason]


class ReportsQueue(Shape):
    items: list[ReportedComment | ReportedThread]


class HeldItem(Shape):
    id: int
    thread: ThreadRef
    parent_id: int | None
    body: str
    words: list[str]
    author: Actor | None
    created_at: str


class HoldPolicy(Shape):
    enabled: bool
    words: list[str]
    office_hours: str
    office_days: list[int | str]
    in_office_hours: bool


class HeldQueue(Shape):
    items: list[HeldItem]
    policy: HoldPolicy


class Released(Shape):
    held_id: int
    released: Literal[True]
    comment: CommentOut


class Rejected(Shape):
    held_id: int
    rejected: Literal[True]


class Seal(Shape):
    sealed_through: int | None
    chain_hash: str | None
    sealed_at: str | None
    latest_event_id: int | None


class HotThread(Shape):
    id: int
    title: str
    comments: int
    watchers: int


class Stats(Shape):
    generated_at: str
    connections: int
    comments_last_hour: int
    recommendations_last_hour: int
    proposals_today: int
    waiting_for_answer: int
    open_reports: int
    hot_threads: list[HotThread]


class QuarterOutcomes(Shape):
    quarter: str = Field(description="KST calendar quarter, e.g. 2026-Q4")
    accepted: int
    partially_accepted: int
    declined: int
    total: int


class Obligations(Shape):
    met: int = Field(description="final answer on or before answer_due (KST)")
    late: int = Field(description="final answer after answer_due")
    open: int = Field(description="no final answer yet (withdrawn proposals are not counted)")
    overdue: int | None = Field(None, description="the open ones past answer_due")


class QuarterObligations(Obligations):
    quarter: str = Field(description="KST calendar quarter of the due date")


class AnswerStats(Shape):
    target_days: int
    answered: int
    median_days: float | None
    median_days_recent: float | None = Field(description="over final answers of the last recent_days")
    recent_days: int
    within_target: int
    within_target_share: float | None
    waiting: int
    overdue: int = Field(description="proposals waiting longer than target_days")
    quarters: list[QuarterOutcomes] = Field(description="final answers per quarter by outcome, oldest first")
    obligation_threshold: int | None = Field(
        None, description="recommendations that make an answer due (0: off)"
    )
    obligations: Obligations
    obligation_quarters: list[QuarterObligations] | None = Field(
        None, description="per quarter of the due date"
    )
    generated_at: str


class OutcomeCounts(Shape):
    accepted: int
    partially_accepted: int
    declined: int


class ChangeThreadRef(Shape):
    id: int
    title: str | None
    created_at: str
    links: int = Field(description="proposals it answers")


class QuarterReport(Shape):
    quarter: str = Field(description="KST calendar quarter, e.g. 2026-Q4")
    from_: str = Field(alias="from", description="first day (KST)")
    to: str = Field(description="last day (KST)")
    complete: bool = Field(description="false while the quarter is still running")
    previous: str
    next: str
    target_days: int
    received: int = Field(description="proposals posted in the quarter")
    withdrawn: int = Field(description="of those, withdrawn since")
    answered: int = Field(description="proposals whose first final answer fell in the quarter")
    outcomes: OutcomeCounts
    median_days: float | None = Field(description="days from posting to the first final answer")
    within_target: int
    obligation_threshold: int
    obligations: Obligations = Field(description="obligations falling due in the quarter")
    change_threads: list[ChangeThreadRef] = Field(
        description="이렇게 바꾸었습니다 threads posted in the quarter"
    )
    generated_at: str


class CategoryOut(Shape):
    id: int
    slug: str
    name: str
    name_en: str | None
    retired: bool
    position: int
    count: int


class CategoryList(Shape):
    items: list[CategoryOut]


class LinksOut(Shape):
    thread_id: int
    links: list[LinkedThread]


class NoticeOut(Shape):
    id: int
    kind: Literal["answer", "status", "change", "reply", "comments", "moderation"]
    thread_id: int
    comment_id: int | None
    answer_id: int | None
    count: int = Field(description="comments: new comments batched in this notice")
    data: dict[str, Any] = Field(description="public labels only: title, author label, status, change")
    created_at: str
    updated_at: str
    seen: bool


class Notices(Shape):
    items: list[NoticeOut]
    unread: int


class Seen(Shape):
    seen: list[int]
    unread: int


class Following(Shape):
    following: bool


class MyThread(Shape):
    id: int
    kind: Literal["proposal", "change"]
    title: str | None = Field(description="null while a moderator hides it")
    status: str | None
    outcome: str | None
    created_at: str | None = None
    comments: int | None = None


class MyComment(Shape):
    id: int
    thread: LinkedThread
    body: str | None
    hidden: bool
    created_at: str


class MyActivity(Shape):
    threads: list[MyThread]
    comments: list[MyComment]
    following: list[MyThread]


class Preferences(Shape):
    auto_follow: bool


class Dismissed(Shape):
    comment_id: int | None = None
    thread_id: int | None = None
    dismissed: int
    reason: str


class MailSettings(Shape):
    enabled: bool = Field(description="false when the server sends no mail (no SMTP configured)")
    address: str | None
    verified: bool
    delivery: Delivery


class Unsubscribed(Shape):
    unsubscribed: bool


class Health(Shape):
    status: Literal["ok"]


class Readiness(Shape):
    status: Literal["ok", "degraded", "down"]
    checks: dict[str, str]


# --- validation errors as the contract's error body --------------------------------------------

# pydantic's error types -> Tong's stable field codes.
FIELD_CODES = {
    "missing": "required",
    "string_type": "expected_string",
    "int_type": "expected_integer",
    "int_parsing": "expected_integer",
    "int_from_float": "expected_integer",
    "int_parsing_size": "out_of_range",
    "bool_type": "expected_boolean",
    "bool_parsing": "expected_boolean",
    "list_type": "expected_list",
    "less_than_equal": "out_of_range",
    "greater_than_equal": "out_of_range",
    "less_than": "out_of_range",
    "greater_than": "out_of_range",
    "literal_error": "unknown",
    "enum": "unknown",
    "extra_forbidden": "not_allowed",
    "too_long": "too_long",
    "string_too_long": "too_long",
    "string_too_short": "empty",
    "too_short": "too_short",
    "empty": "empty",
    "nul_character": "nul_character",
}
MESSAGES = {
    "required": "{field} is required",
    "expected_string": "{field} must be a string",
    "expected_integer": "{field} must be an integer",
    "expected_boolean": "{field} must be true or false",
    "expected_list": "{field} must be a list",
    "out_of_range": "{field} is out of range",
    "unknown": "{field} is not one of the allowed values",
    "not_allowed": "{field} cannot be changed here",
    "empty": "{field} must not be empty",
    "nul_character": "{field} must not contain NUL characters",
}


def invalid(exc: ValidationError, what: str = "request body") -> Invalid:
    """A ValidationError as the contract's 422 (400 for JSON that does not parse)."""
    fields: dict[str, str] = {}
    messages: list[str] = []
    for error in exc.errors(include_url=False, include_input=False):
        kind = error["type"]
        if kind == "json_invalid":
            # The parser's reason says where; it never echoes the input back.
            return InvalidJson(f"{what} is not valid JSON: {error.get('ctx', {}).get('error', '')}".strip())
        path = ".".join(str(part) for part in error["loc"])
        if not path:
            return Invalid(f"{what} must be a JSON object", code=ErrorCode.VALIDATION_ERROR)
        code = FIELD_CODES.get(kind, "invalid")
        fields.setdefault(path, code)
        template = MESSAGES.get(code)
        messages.append(template.format(field=path) if template else f"{path} {error['msg']}")
    return Invalid("; ".join(messages[:3]), fields)


def validate_json(model: type[Body], raw: bytes, context: Mapping[str, int]) -> Body:
    """Parse and validate in one step: pydantic's parser refuses what Python's json module lets
    through (lone surrogates, integers of thousands of digits, nesting deep enough to recurse out)."""
    try:
        return model.model_validate_json(raw or b"{}", context=dict(context))
    except ValidationError as exc:
        raise invalid(exc) from None


def validate_query(model: type[Query], values: Mapping[str, str]) -> Query:
    """An empty value (`?kind=`) counts as absent, as browsers' forms send it."""
    present = {name: value for name, value in values.items() if value != ""}
    try:
        return model.model_validate(present)
    except ValidationError as exc:
        raise invalid(exc, "query") from None


# --- drafts (v1.2) ----------------------------------------------------------------------------


class DraftBody(Body):
    """What the form holds. Empty text is a draft too (a title typed, no body yet); the limits are
    the post's: a comment's for `thread-{id}`, a proposal's for `new-thread` (the domain checks
    which, since the key decides)."""

    title: str | None = Field(None, description="new-thread only", json_schema_extra={"x-limit": "title_max"})
    body: str = Field(json_schema_extra={"x-limit": "thread_body_max"})


class Draft(Shape):
    key: str = Field(description="new-thread or thread-{id}")
    title: str | None
    body: str
    updated_at: str


# --- a second factor for staff (v1.2; routes/mfa.py) -------------------------------------------

# A TOTP code is 6 digits, a recovery code 10 characters with a dash; room for spaces typed.
FactorCode = Annotated[str, AfterValidator(_no_nul), Field(min_length=1, max_length=64)]


class CodeBody(Body):
    code: FactorCode


class KeyBody(Body):
    """A security key's answer to `navigator.credentials.create()`, as JSON (base64url fields)."""

    credential: dict[str, Any]


class FactorBody(Body):
    """A TOTP or recovery code, or a security key's answer to `navigator.credentials.get()`."""

    code: FactorCode | None = None
    webauthn: dict[str, Any] | None = None


class TotpSecret(Shape):
    # Base32, for typing into the app by hand; `uri` is the otpauth:// URI a QR code carries.
    secret: str
    uri: str


class Enrolled(Shape):
    # Shown once: the account's first recovery codes ([] when it already had some).
    recovery_codes: list[str]
    methods: list[str]


class KeyOptions(Shape):
    # WebAuthn's options as JSON (base64url for binary fields), for navigator.credentials.
    publicKey: dict[str, Any]


class FactorGiven(Shape):
    account: Me
    method: Literal["totp", "webauthn", "recovery"]


# --- moderation (v1.2: moderating proposals, sanctions, appeals) -------------------------------

ReportCategory = Literal["abuse", "defamation", "personal_info", "advertising", "other"]
AppealKind = Literal["thread", "comment", "held", "suspension", "erasure"]
AppealText = Annotated[str, Field(min_length=1, max_length=4000)]


class ReportBody(Body):
    reason: Reason
    category: ReportCategory | None = None


class ThreadReportOut(Shape):
    id: int
    thread_id: int
    reason: str
    category: ReportCategory | None
    created_at: str


class ThreadModerated(Shape):
    thread_id: int
    hidden: bool
    reason: str | None
    seq: int


class SuspensionBody(Body):
    days: Annotated[int, Field(ge=1, le=365, strict=True)]
    reason: Reason


class PostRef(Shape):
    kind: Literal["thread", "comment"]
    id: int


class SuspensionOut(Shape):
    post: PostRef
    suspension_id: int
    reason: str | None
    until: str | None = None
    days: int | None = None
    already_suspended_until: str | None = Field(
        None, description="the end of the suspension already in force, which this one extended"
    )
    lifted: bool | None = None


class NewAppeal(Body):
    kind: AppealKind
    id: Id
    text: AppealText


class AppealDecisionBody(Body):
    decision: Literal["upheld", "reversed"]
    reason: Reason


class AppealedAction(Shape):
    id: int
    kind: AppealKind
    target_id: int
    thread_id: int
    action: Literal["hidden", "rejected", "suspended", "erased"]
    reason: str
    created_at: str
    undone: bool


class AppealOut(Shape):
    id: int
    action: AppealedAction
    text: str
    created_at: str
    decision: Literal["upheld", "reversed"] | None
    decision_reason: str | None = None
    decided_at: str | None = None


class AppealQueueItem(AppealOut):
    appellant: Actor
    post: dict[str, Any]


class AppealPage(Shape):
    items: list[AppealOut]


class AppealQueue(Shape):
    items: list[AppealQueueItem]


class AppealsQuery(Query):
    limit: DeskLimit | None = None
    decided: bool | None = None


# --- passwords and accounts, for admins (v1.2) ----------------------------------------------------

StaffRole = Literal["moderator", "admin", "approver"]
AccountState = Literal["active", "disabled"]


class ResetRequest(Body):
    email: Annotated[str, AfterValidator(_no_nul), Field(max_length=1000)]


class ResetConfirm(Body):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=1, max_length=1000)]


class AccountChange(Body):
    roles: list[StaffRole] | None = Field(None, description="the whole set of roles (staff accounts only)")
    state: AccountState | None = None


class AccountImport(Body):
    csv: Annotated[str, AfterValidator(_no_nul), Field(min_length=1, max_length=2_000_000)] = Field(
        description="lines `login,email,kind,roles` (header optional; roles separated by `;` or spaces)"
    )


class AccountsQuery(Query):
    q: QueryText | None = Field(None, description="part of a login or an e-mail address")
    kind: AccountKind | None = None
    role: StaffRole | None = None
    state: AccountState | None = None
    # An account id: past the id column's range it is a 422, not a database error.
    cursor: QueryId | None = Field(None, description="next_cursor of the previous page, as it came")
    limit: DeskLimit | None = None


class ResetAccepted(Shape):
    accepted: Literal[True]


class ResetLink(Shape):
    login: str
    purpose: Literal["reset", "invite"]
    expires_at: str


class ResetDone(Shape):
    login: str
    sessions_ended: int


class AccountRow(Shape):
    id: int
    login: str
    kind: AccountKind
    roles: list[str]
    state: AccountState
    via: Literal["oidc", "password"]
    department: str | None
    email: str | None
    created: str | None = Field(description="a date (KST), never a time")
    last_login: str | None = Field(description="a date (KST), never a time: a time would link posts")


class AccountPage(Shape):
    items: list[AccountRow]
    next_cursor: str | None


class ImportedAccount(Shape):
    line: int
    id: int
    login: str


class AccountImported(Shape):
    created: list[ImportedAccount]
    invited: int


class Reclaim(Shape):
    complete: bool = Field(
        description="false when a lock could not be had in time: `tong erasure reclaim` later"
    )
    timings_ms: dict[str, float] = Field(
        description="per step (SQLite) or per table (PostgreSQL's VACUUM FULL)"
    )
    problems: list[str]


class ErasedPost(Shape):
    post: dict[str, Any] = Field(description='{"kind", "id"}')
    erased: Literal[True]
    thread_id: int
    seq: int = Field(description="the `post.erased` event's seq on the thread's channel")
    event_id: int = Field(description="the `post.erased` log row")
    erased_events: list[int] = Field(description='log rows whose payload is now {"erased": true}')
    erase_ms: float
    reclaimed: Reclaim


# --- the answer workflow (v1.2) ---------------------------------------------------------------

DraftStateName = Literal["draft", "pending_approval", "published"]
WorkflowFilter = Literal["all", "mine", "department", "unassigned", "approvals"]
LoginName = Annotated[str, Field(min_length=1, max_length=64)]


class AnswerDraftBody(Body):
    body: ThreadBody
    outcome: Outcome | None = None


class AssignmentBody(Body):
    department: Id = Field(description="a department's id (GET /api/staff/departments)")
    assignee: Id | None = Field(None, description="a staff account of that department")


class NoteBody(Body):
    body: ThreadBody
    draft: Id | None = Field(None, description="the draft answer the note is about")


class EditedNote(Body):
    body: ThreadBody


class NewDepartment(Body):
    name: CategoryName = Field(description="Korean name, shown first")
    name_en: CategoryName | None = None


class DepartmentChange(Body):
    name: CategoryName | None = None
    name_en: CategoryName | None = None
    retired: Annotated[bool, Field(strict=True)] | None = None
    position: Annotated[int, Field(ge=0, le=10_000, strict=True)] | None = None


class MembersBody(Body):
    logins: Annotated[list[LoginName], Field(min_length=1, max_length=200)]


class WorkflowQuery(Query):
    filter: WorkflowFilter = "all"
    limit: DeskLimit | None = None


class StaffRef(Shape):
    """A staff account, as the workflow's views name it to other staff (never to the public)."""

    id: int
    login: str
    department: str | None


class DepartmentRef(Shape):
    id: int
    name: str
    name_en: str | None


class DepartmentOut(DepartmentRef):
    retired: bool
    position: int


class DepartmentListed(DepartmentOut):
    members: int


class DepartmentList(Shape):
    items: list[DepartmentListed]


class MemberOut(Shape):
    id: int
    login: str
    department: int | None


class MembersOut(Shape):
    items: list[MemberOut]


class AssignmentOut(Shape):
    id: int
    thread_id: int
    department: DepartmentRef | None
    assignee: StaffRef | None
    assigned_by: StaffRef | None
    assigned_at: str


class AssignmentList(Shape):
    items: list[AssignmentOut]


class DraftState(Shape):
    id: int
    state: DraftStateName


class DraftOut(DraftState):
    thread_id: int
    answer_id: int | None
    revises: bool
    body: str
    outcome: Outcome | None
    author: StaffRef | None
    created_at: str
    updated_at: str
    submitted_at: str | None
    approved_by: StaffRef | None
    approved_at: str | None
    returned_by: StaffRef | None
    returned_at: str | None
    returned_reason: str | None
    answer: AnswerOut | None = Field(None, description="the published answer, on approval")


class DraftList(Shape):
    items: list[DraftOut]


class AnswerOrDraft(RootModel[AnswerOut | DraftOut]):
    """A published answer, or (`draft: true`) the draft: `{"id", "state": "draft", ...}`."""


class NoteOut(Shape):
    id: int
    thread_id: int
    draft_id: int | None
    body: str
    author: StaffRef | None
    created_at: str
    edited_at: str | None
    revision: int


class NoteList(Shape):
    items: list[NoteOut]


class QueueAssignment(Shape):
    department: DepartmentRef | None
    assignee: StaffRef | None
    assigned_by: StaffRef | None
    assigned_at: str | None


class QueueItem(Shape):
    id: int
    title: str
    status: Status | None
    created_at: str
    due_at: str
    overdue: bool
    assignment: QueueAssignment | None
    drafts: list[DraftOut]


class WorkflowQueue(Shape):
    filter: WorkflowFilter
    items: list[QueueItem]
