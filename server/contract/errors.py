"""Domain errors: each maps to one status code and one `code` of the contract's error body.

`code` is stable (clients translate it); `fields` maps a field path to a stable field code
(`{"title": "too_long"}`); `message` is English, for logs and scripts.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code is not None:
            self.code = code


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class Invalid(DomainError):
    status = 422
    code = "validation_error"


class InvalidJson(Invalid):
    status = 400
    code = "invalid_json"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    status = 503
    code = "unavailable"
