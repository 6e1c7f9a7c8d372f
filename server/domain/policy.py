"""Who may do what: the one permission policy, asked by the domain and by the routes alike."""

from __future__ import annotations

from server.contract.errors import ErrorCode, Forbidden
from server.contract.vocabulary import ADMIN, MODERATOR, STAFF
from server.store.models import Account

ROLE_CODES = {MODERATOR: ErrorCode.MODERATOR_ONLY, ADMIN: ErrorCode.ADMIN_ONLY}


def is_staff(account: Account | None) -> bool:
    return account is not None and account.kind == STAFF


def is_moderator(account: Account | None) -> bool:
    return is_staff(account) and MODERATOR in account.role_set  # type: ignore[union-attr]


def require_staff(account: Account, doing: str = "do this") -> None:
    if not is_staff(account):
        raise Forbidden(f"only staff may {doing}", code=ErrorCode.STAFF_ONLY)


def require_role(account: Account, role: str, doing: str = "do this") -> None:
    """Staff holding `role` (moderator or admin)."""
    require_staff(account, doing)
    if role not in account.role_set:
        raise Forbidden(f"only staff with the {role} role may {doing}", code=ROLE_CODES[role])


def require_moderator(account: Account, doing: str) -> None:
    if not is_moderator(account):
        raise Forbidden(f"only moderators may {doing}", code=ErrorCode.MODERATOR_ONLY)


def require_admin(account: Account, doing: str) -> None:
    require_role(account, ADMIN, doing)
