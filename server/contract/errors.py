"""Domain errors: each maps to one status code and one `code` of the contract's error body.

`code` is stable (clients translate it); `fields` maps a field path to a stable field code
(`{"title": "too_long"}`); `message` is English, for logs and scripts.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Every `code` an error body or an `error` frame carries: the browser translates each
    (static/js/errors.js has a Korean and an English sentence for every member; a test checks)."""

    # The request itself.
    BAD_REQUEST = "bad_request"
    INVALID_JSON = "invalid_json"
    VALIDATION_ERROR = "validation_error"
    TOO_LARGE = "too_large"
    # Text holding an identifier that could name its author (text/identifiers.py).
    PERSONAL_INFORMATION = "personal_information"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # Any other HTTP error the framework raises.
    HTTP_ERROR = "http_error"
    CROSS_ORIGIN = "cross_origin"
    # Who is asking.
    UNAUTHORIZED = "unauthorized"
    LOGIN_REQUIRED = "login_required"
    LOGIN_FAILED = "login_failed"
    # A password login by an account that signs in through the portal (single sign-on).
    USE_SSO = "use_sso"
    # Single sign-on: the provider's claims name no account kind Tong knows; a disabled account.
    KIND_UNKNOWN = "kind_unknown"
    ACCOUNT_DISABLED = "account_disabled"
    # Single sign-on's callback: what the provider answered (RFC 6749 §4.1.2.1, OpenID Connect Core
    # §3.1.2.6; any other provider code is `oidc_provider_error` with the code in `fields`), and
    # Tong's own: sign-on not configured, a used or expired state, a token that failed a check,
    # the provider unreachable.
    ACCESS_DENIED = "access_denied"
    CONSENT_REQUIRED = "consent_required"
    INTERACTION_REQUIRED = "interaction_required"
    TEMPORARILY_UNAVAILABLE = "temporarily_unavailable"
    OIDC_PROVIDER_ERROR = "oidc_provider_error"
    OIDC_OFF = "oidc_off"
    OIDC_STATE = "oidc_state"
    OIDC_TOKEN = "oidc_token"
    OIDC_UNAVAILABLE = "oidc_unavailable"
    SESSION_ENDED = "session_ended"
    FORBIDDEN = "forbidden"
    STAFF_ONLY = "staff_only"
    MODERATOR_ONLY = "moderator_only"
    ADMIN_ONLY = "admin_only"
    NOT_AUTHOR = "not_author"
    # The state of what is asked about (domain/policy.py decides most of these).
    CONFLICT = "conflict"
    OWN_POST = "own_post"
    THREAD_WITHDRAWN = "thread_withdrawn"
    ALREADY_WITHDRAWN = "already_withdrawn"
    ALREADY_ANSWERED = "already_answered"
    NOT_A_PROPOSAL = "not_a_proposal"
    NOT_A_CHANGE_THREAD = "not_a_change_thread"
    COMMENT_HIDDEN = "comment_hidden"
    COMMENT_WITHDRAWN = "comment_withdrawn"
    ALREADY_HIDDEN = "already_hidden"
    NOT_HIDDEN = "not_hidden"
    ALREADY_REPORTED = "already_reported"
    NO_OPEN_REPORTS = "no_open_reports"
    ALREADY_DECIDED = "already_decided"
    EDIT_WINDOW_CLOSED = "edit_window_closed"
    EDIT_NEEDS_REVIEW = "edit_needs_review"
    CATEGORY_TAKEN = "category_taken"
    # An account keeps at most drafts.DRAFTS_MAX drafts: a new one past them is refused.
    TOO_MANY_DRAFTS = "too_many_drafts"
    # Erasure (v1.2): the post was erased already (nothing left to change or erase).
    ALREADY_ERASED = "already_erased"
    # The answer workflow (v1.2).
    APPROVAL_REQUIRED = "approval_required"
    OWN_DRAFT = "own_draft"
    DRAFT_STATE = "draft_state"
    DEPARTMENT_TAKEN = "department_taken"
    # Mail.
    MAIL_DISABLED = "mail_disabled"
    NO_ADDRESS = "no_address"
    INVALID_TOKEN = "invalid_token"
    EXPIRED_TOKEN = "expired_token"
    # The server.
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    INTERNAL_ERROR = "internal_error"
    # The live socket (PROTOCOL.md, `error` frames).
    BAD_FRAME = "bad_frame"
    UNKNOWN_OP = "unknown_op"
    UNKNOWN_CHANNEL = "unknown_channel"
    TOO_MANY_CHANNELS = "too_many_channels"
    TOO_MANY_SOCKETS = "too_many_sockets"
    TOO_MANY_CONNECTIONS = "too_many_connections"
    # A second factor for staff (v1.2): the session has not given it yet (401); a reveal, role
    # change or erasure without one in the last 5 minutes (403); a wrong, reused or unknown code or
    # key (401); the server does not use a second factor (404).
    MFA_REQUIRED = "mfa_required"
    REAUTH_REQUIRED = "reauth_required"
    MFA_FAILED = "mfa_failed"
    MFA_OFF = "mfa_off"
    # Moderation (v1.2): a write by a suspended author (with `until`), a hidden proposal that takes
    # no comments, edits or recommendations, an appeal already filed for that action, an action
    # that is not the caller's to appeal or is no longer in force, a second lift.
    SUSPENDED = "suspended"
    THREAD_HIDDEN = "thread_hidden"
    ALREADY_APPEALED = "already_appealed"
    NOTHING_TO_APPEAL = "nothing_to_appeal"
    NOT_SUSPENDED = "not_suspended"
    # Staff roles and account administration (v1.2).
    APPROVER_ONLY = "approver_only"
    # An admin may not disable their own account or drop their own admin role (no lock-out).
    SELF_CHANGE = "self_change"
    # Attachments (v1.2): a file that is none of the accepted kinds or carries active content; a
    # file the virus scanner flags; an account's uploads for the day spent; an id that is not the
    # caller's own unattached upload.
    FILE_TYPE = "file_type"
    INFECTED = "infected"
    UPLOAD_QUOTA = "upload_quota"
    ATTACHMENT_UNKNOWN = "attachment_unknown"


class DomainError(Exception):
    status = 400
    code = ErrorCode.BAD_REQUEST

    def __init__(
        self, message: str, fields: dict[str, str] | None = None, code: ErrorCode | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code is not None:
            self.code = code


class Unauthorized(DomainError):
    status = 401
    code = ErrorCode.UNAUTHORIZED


class Forbidden(DomainError):
    status = 403
    code = ErrorCode.FORBIDDEN


class NotFound(DomainError):
    status = 404
    code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    status = 409
    code = ErrorCode.CONFLICT


class TooLarge(DomainError):
    status = 413
    code = ErrorCode.TOO_LARGE


class Invalid(DomainError):
    status = 422
    code = ErrorCode.VALIDATION_ERROR


class InvalidJson(Invalid):
    status = 400
    code = ErrorCode.INVALID_JSON


class RateLimited(DomainError):
    status = 429
    code = ErrorCode.RATE_LIMITED

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooManyConnections(DomainError):
    """One client address has too many HTTP requests in progress in this process."""

    status = 429
    code = ErrorCode.TOO_MANY_CONNECTIONS


class Unavailable(DomainError):
    status = 503
    code = ErrorCode.UNAVAILABLE


class Suspended(Forbidden):
    """A write by a suspended author: the error body carries `until` (the end, ISO 8601)."""

    code = ErrorCode.SUSPENDED

    def __init__(self, message: str, until: str) -> None:
        super().__init__(message)
        self.until = until
