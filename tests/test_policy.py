"""The policy table (server/domain/policy.py): who may do what to what, now, and the one refusal
(status, code) each rule gives. No server: the rules read plain facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from server.contract.errors import DomainError, ErrorCode, Forbidden
from server.domain import policy
from server.domain.policy import Refusal
from server.store.models import Account

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=24)

AUTHOR = Account(id=1, login="author", password_hash="", kind="company")
OTHER = Account(id=2, login="other", password_hash="", kind="agency")
STAFF = Account(id=3, login="staff", password_hash="", kind="staff")
MODERATOR = Account(id=4, login="moderator", password_hash="", kind="staff", roles="moderator")
ADMIN = Account(id=5, login="admin", password_hash="", kind="staff", roles="admin")


@dataclass(frozen=True)
class ThreadRow:
    kind: str = "proposal"
    status: str | None = "received"
    author_id: int = 1


@dataclass(frozen=True)
class CommentRow:
    author_id: int = 1
    hidden: bool = False
    withdrawn: bool = False
    created_at: datetime = NOW - timedelta(hours=1)


CHANGE_THREAD = ThreadRow(kind="change", status=None, author_id=3)


def code(refusal: Refusal) -> str | None:
    """The refusal's code, None when allowed."""
    return None if refusal is None else str(refusal.code)


@pytest.mark.parametrize(
    ("account", "thread", "answered", "expected"),
    [
        (AUTHOR, ThreadRow(), False, None),
        (OTHER, ThreadRow(), False, ErrorCode.NOT_AUTHOR),
        (STAFF, ThreadRow(), False, ErrorCode.NOT_AUTHOR),
        (AUTHOR, ThreadRow(status="withdrawn"), False, ErrorCode.THREAD_WITHDRAWN),
        (AUTHOR, ThreadRow(status="reviewing"), True, ErrorCode.EDIT_WINDOW_CLOSED),
        (STAFF, CHANGE_THREAD, True, None),
    ],
)
def test_editing_a_thread(account: Account, thread: ThreadRow, answered: bool, expected: str | None) -> None:
    """Its author edits a thread until a proposal is answered, never once withdrawn."""
    assert code(policy.can_edit_thread(account, thread, answered=answered)) == expected


@pytest.mark.parametrize(
    ("account", "thread", "expected"),
    [
        (AUTHOR, ThreadRow(), None),
        (AUTHOR, ThreadRow(status="reviewing"), None),
        (OTHER, ThreadRow(), ErrorCode.NOT_AUTHOR),
        (MODERATOR, ThreadRow(), ErrorCode.NOT_AUTHOR),
        (STAFF, CHANGE_THREAD, ErrorCode.NOT_A_PROPOSAL),
        (AUTHOR, ThreadRow(status="withdrawn"), ErrorCode.ALREADY_WITHDRAWN),
        (AUTHOR, ThreadRow(status="answered"), ErrorCode.ALREADY_ANSWERED),
    ],
)
def test_withdrawing_a_thread(account: Account, thread: ThreadRow, expected: str | None) -> None:
    """Its author withdraws a proposal while it has no final answer."""
    assert code(policy.can_withdraw_thread(account, thread)) == expected


@pytest.mark.parametrize(
    ("account", "kind", "expected"),
    [(AUTHOR, "proposal", None), (STAFF, "proposal", None), (STAFF, "change", None),
     (AUTHOR, "change", ErrorCode.STAFF_ONLY)],
)  # fmt: skip
def test_posting_a_thread(account: Account, kind: str, expected: str | None) -> None:
    """Any account posts proposals; only staff post change threads."""
    assert code(policy.can_post_thread(account, kind)) == expected


@pytest.mark.parametrize(
    ("thread", "expected"),
    [(ThreadRow(), None), (ThreadRow(status="answered"), None), (CHANGE_THREAD, None),
     (ThreadRow(status="withdrawn"), ErrorCode.THREAD_WITHDRAWN)],
)  # fmt: skip
def test_commenting(thread: ThreadRow, expected: str | None) -> None:
    """A withdrawn proposal takes no new comments; every other thread does."""
    assert code(policy.can_comment(thread)) == expected


@pytest.mark.parametrize(
    ("thread", "expected"),
    [(ThreadRow(), None), (ThreadRow(status="answered"), None),
     (CHANGE_THREAD, ErrorCode.NOT_A_PROPOSAL), (ThreadRow(status="withdrawn"), ErrorCode.THREAD_WITHDRAWN)],
)  # fmt: skip
def test_changing_a_status(thread: ThreadRow, expected: str | None) -> None:
    """Staff set statuses and answer proposals only, and not once withdrawn."""
    assert code(policy.can_change_status(thread)) == expected


def test_linking_needs_a_change_thread() -> None:
    """Proposals are linked from change threads only."""
    assert code(policy.can_link_from(CHANGE_THREAD)) is None
    assert code(policy.can_link_from(ThreadRow())) == ErrorCode.NOT_A_CHANGE_THREAD


@pytest.mark.parametrize(
    ("account", "comment", "now", "expected"),
    [
        (AUTHOR, CommentRow(), NOW, None),
        (OTHER, CommentRow(), NOW, ErrorCode.NOT_AUTHOR),
        (MODERATOR, CommentRow(), NOW, ErrorCode.NOT_AUTHOR),
        (AUTHOR, CommentRow(withdrawn=True), NOW, ErrorCode.COMMENT_WITHDRAWN),
        (AUTHOR, CommentRow(hidden=True), NOW, ErrorCode.COMMENT_HIDDEN),
        (AUTHOR, CommentRow(), NOW + WINDOW - timedelta(hours=1, seconds=1), None),
        (AUTHOR, CommentRow(), NOW + WINDOW - timedelta(hours=1), ErrorCode.EDIT_WINDOW_CLOSED),
        # A time read without its zone (SQLite) is UTC.
        (AUTHOR, CommentRow(created_at=datetime(2026, 12, 6, 11, 59)), NOW, ErrorCode.EDIT_WINDOW_CLOSED),
    ],
)
def test_editing_a_comment(
    account: Account, comment: CommentRow, now: datetime, expected: str | None
) -> None:
    """Its author edits a shown comment for the window after posting it."""
    assert code(policy.can_edit_comment(account, comment, now, WINDOW)) == expected


@pytest.mark.parametrize(
    ("account", "comment", "expected"),
    [
        (AUTHOR, CommentRow(created_at=NOW - 10 * WINDOW), None),
        (OTHER, CommentRow(), ErrorCode.NOT_AUTHOR),
        (AUTHOR, CommentRow(withdrawn=True), ErrorCode.COMMENT_WITHDRAWN),
        (AUTHOR, CommentRow(hidden=True), ErrorCode.COMMENT_HIDDEN),
    ],
)
def test_withdrawing_a_comment(account: Account, comment: CommentRow, expected: str | None) -> None:
    """Its author deletes a shown comment at any time."""
    assert code(policy.can_withdraw_comment(account, comment)) == expected


@pytest.mark.parametrize(
    ("comment", "hide", "expected"),
    [
        (CommentRow(), True, None),
        (CommentRow(hidden=True), False, None),
        (CommentRow(hidden=True), True, ErrorCode.ALREADY_HIDDEN),
        (CommentRow(), False, ErrorCode.NOT_HIDDEN),
        (CommentRow(withdrawn=True), True, ErrorCode.COMMENT_WITHDRAWN),
        (CommentRow(withdrawn=True, hidden=True), False, ErrorCode.COMMENT_WITHDRAWN),
    ],
)
def test_moderating_a_comment(comment: CommentRow, hide: bool, expected: str | None) -> None:
    """A moderator hides a shown comment and restores a hidden one; a deleted one stays."""
    assert code(policy.can_moderate(comment, hide=hide)) == expected


@pytest.mark.parametrize(
    ("account", "facts", "expected"),
    [
        (OTHER, {"author_id": 1, "thread_status": "received"}, None),
        (AUTHOR, {"author_id": 1, "thread_status": "received"}, ErrorCode.OWN_POST),
        (OTHER, {"author_id": 1, "thread_status": "received", "hidden": True}, ErrorCode.COMMENT_HIDDEN),
        (OTHER, {"author_id": 1, "thread_status": None, "withdrawn": True}, ErrorCode.COMMENT_WITHDRAWN),
        (OTHER, {"author_id": 1, "thread_status": "withdrawn"}, ErrorCode.THREAD_WITHDRAWN),
        (STAFF, {"author_id": 1, "thread_status": None}, None),
    ],
)
def test_recommending(account: Account, facts: dict[str, object], expected: str | None) -> None:
    """Anyone but the author recommends a shown post in a thread not withdrawn."""
    assert code(policy.can_recommend(account, **facts)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("account", "staff", "moderator", "admin"),
    [(AUTHOR, False, False, False), (STAFF, True, False, False), (MODERATOR, True, True, False),
     (ADMIN, True, False, True), (Account(id=6, login="x", password_hash="", kind="company", roles="admin"),
                                  False, False, False)],
)  # fmt: skip
def test_roles(account: Account, staff: bool, moderator: bool, admin: bool) -> None:
    """Roles count only on staff accounts; each missing one has its own code."""
    assert policy.is_staff(account) is staff
    assert policy.is_moderator(account) is moderator
    assert policy.can_see_concealed_text(account) is moderator
    for role, held, missing in (("moderator", moderator, ErrorCode.MODERATOR_ONLY),
                                ("admin", admin, ErrorCode.ADMIN_ONLY)):  # fmt: skip
        if held:
            policy.require_role(account, role)
            continue
        with pytest.raises(Forbidden) as refused:
            policy.require_role(account, role)
        assert refused.value.code == (missing if staff else ErrorCode.STAFF_ONLY)


def test_one_rule_one_message() -> None:
    """A withdrawn proposal is refused with the same status, code and message by every rule."""
    withdrawn = ThreadRow(status="withdrawn")
    refusals: list[DomainError | None] = [
        policy.can_comment(withdrawn),
        policy.can_edit_thread(AUTHOR, withdrawn, answered=False),
        policy.can_change_status(withdrawn),
        policy.can_recommend(OTHER, author_id=1, thread_status="withdrawn"),
    ]
    assert {(r.status, r.code, r.message) for r in refusals if r is not None} == {
        (409, ErrorCode.THREAD_WITHDRAWN, "the proposal was withdrawn by its author")
    }
    assert policy.can_see_concealed_text(None) is False
    policy.ensure(None)
    with pytest.raises(DomainError):
        policy.ensure(policy.can_comment(withdrawn))


def test_step_up_needs_a_factor_given_within_five_minutes() -> None:
    """A factor given 5 minutes ago or less allows a reveal; older, or never, is reauth_required."""
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert policy.can_act_on_factor(now - timedelta(minutes=5), now) is None
    for given in (now - timedelta(minutes=5, seconds=1), None):
        refusal = policy.can_act_on_factor(given, now)
        assert isinstance(refusal, Forbidden) and refusal.code == ErrorCode.REAUTH_REQUIRED
