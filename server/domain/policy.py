"""Who may do what to what, now: the one policy (as Discourse's Guardian), asked by every domain
module and by the routes.

Role, ownership, state and time are decided here and nowhere else, so a rule has one message and
one code wherever it is asked. A `can_*` answers None (allowed) or the refusal (a `DomainError`
with its status, code and message); `ensure` raises it. The domain reads the facts (under the
thread's lock where a concurrent change could move them) and asks; it passes rows as they come
from SQL, which have the attributes the `…Facts` protocols name.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from server.contract.errors import Conflict, DomainError, ErrorCode, Forbidden, Suspended
from server.contract.vocabulary import (
    ADMIN,
    ANSWERED,
    APPROVER,
    CHANGE,
    DRAFT,
    MODERATOR,
    PENDING_APPROVAL,
    PROPOSAL,
    STAFF,
    WITHDRAWN,
)
from server.store.models import Account

Refusal = DomainError | None


class ThreadFacts(Protocol):
    """What the rules read of a thread."""

    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str | None: ...
    @property
    def author_id(self) -> int: ...


class CommentFacts(Protocol):
    """What the rules read of a comment."""

    @property
    def author_id(self) -> int: ...
    @property
    def hidden(self) -> bool: ...
    @property
    def withdrawn(self) -> bool: ...
    @property
    def created_at(self) -> datetime: ...


def ensure(refusal: Refusal) -> None:
    """Raise the refusal, if there is one."""
    if refusal is not None:
        raise refusal


# --- roles --------------------------------------------------------------------------------------

ROLE_CODES = {
    MODERATOR: ErrorCode.MODERATOR_ONLY,
    ADMIN: ErrorCode.ADMIN_ONLY,
    APPROVER: ErrorCode.APPROVER_ONLY,
}


def is_staff(account: Account | None) -> bool:
    return account is not None and account.kind == STAFF


def is_moderator(account: Account | None) -> bool:
    return is_staff(account) and MODERATOR in account.role_set  # type: ignore[union-attr]


def require_staff(account: Account, doing: str = "do this") -> None:
    if not is_staff(account):
        raise Forbidden(f"only staff may {doing}", code=ErrorCode.STAFF_ONLY)


def require_role(account: Account, role: str, doing: str = "do this") -> None:
    """Staff holding `role` (moderator, admin or approver)."""
    require_staff(account, doing)
    if role not in account.role_set:
        raise Forbidden(f"only staff with the {role} role may {doing}", code=ROLE_CODES[role])


def require_moderator(account: Account, doing: str) -> None:
    if not is_moderator(account):
        raise Forbidden(f"only moderators may {doing}", code=ErrorCode.MODERATOR_ONLY)


def can_see_concealed_text(account: Account | None) -> bool:
    """A hidden or deleted comment's text (its revisions): moderators only."""
    return is_moderator(account)


# --- threads ------------------------------------------------------------------------------------


def _not_author(what: str) -> Forbidden:
    return Forbidden(f"only the author may change this {what}", code=ErrorCode.NOT_AUTHOR)


def _thread_withdrawn() -> Conflict:
    return Conflict("the proposal was withdrawn by its author", code=ErrorCode.THREAD_WITHDRAWN)


def can_post_thread(account: Account, kind: str) -> Refusal:
    """Anyone with an account posts proposals; change threads are staff's."""
    if kind == CHANGE and not is_staff(account):
        return Forbidden("only staff may post 'change' threads", code=ErrorCode.STAFF_ONLY)
    return None


def can_comment(thread: ThreadFacts) -> Refusal:
    """A withdrawn proposal takes no new comments (nor held ones), nor does a hidden one."""
    if getattr(thread, "hidden", False):
        return thread_hidden()
    return _thread_withdrawn() if thread.status == WITHDRAWN else None


def can_edit_thread(account: Account, thread: ThreadFacts, *, answered: bool) -> Refusal:
    """Its author, until a proposal's official answer (`answered`: the answer that closes the
    window, per `proposal_edit_until`) and never once withdrawn."""
    if thread.author_id != account.id:
        return _not_author("thread")
    if getattr(thread, "erased", False):
        return _erased("proposal")
    if thread.status == WITHDRAWN:
        return _thread_withdrawn()
    if getattr(thread, "hidden", False):
        return thread_hidden()
    if thread.kind == PROPOSAL and answered:
        return Conflict(
            "a proposal is edited only until its official answer", code=ErrorCode.EDIT_WINDOW_CLOSED
        )
    return None


def can_withdraw_thread(account: Account, thread: ThreadFacts) -> Refusal:
    """Its author withdraws a proposal while it has no final answer."""
    if thread.author_id != account.id:
        return _not_author("proposal")
    if thread.kind != PROPOSAL:
        return Conflict("only proposals are withdrawn", code=ErrorCode.NOT_A_PROPOSAL)
    if thread.status == WITHDRAWN:
        return Conflict("the proposal is already withdrawn", code=ErrorCode.ALREADY_WITHDRAWN)
    if thread.status == ANSWERED:
        return Conflict("a proposal with a final answer cannot be withdrawn", code=ErrorCode.ALREADY_ANSWERED)
    return None


def can_change_status(thread: ThreadFacts) -> Refusal:
    """Staff set a status or answer (the role is checked first, by `require_staff`): proposals
    only, and not once their author withdrew them."""
    if thread.kind != PROPOSAL:
        return Conflict("only proposals have a status and official answers", code=ErrorCode.NOT_A_PROPOSAL)
    if thread.status == WITHDRAWN:
        return _thread_withdrawn()
    return None


def can_link_from(thread: ThreadFacts) -> Refusal:
    """Staff link proposals from a change thread (the role is checked first)."""
    if thread.kind != CHANGE:
        return Conflict("only change threads link proposals", code=ErrorCode.NOT_A_CHANGE_THREAD)
    return None


# --- comments -----------------------------------------------------------------------------------


def _comment_withdrawn() -> Conflict:
    return Conflict("the comment was deleted by its author", code=ErrorCode.COMMENT_WITHDRAWN)


def _comment_hidden() -> Conflict:
    return Conflict("the comment is hidden by a moderator", code=ErrorCode.COMMENT_HIDDEN)


def can_withdraw_comment(account: Account, comment: CommentFacts) -> Refusal:
    """Its author deletes a comment while it is shown."""
    if comment.author_id != account.id:
        return _not_author("comment")
    if getattr(comment, "erased", False):
        return _erased("comment")
    if comment.withdrawn:
        return _comment_withdrawn()
    if comment.hidden:
        return _comment_hidden()
    return None


def can_edit_comment(account: Account, comment: CommentFacts, now: datetime, window: timedelta) -> Refusal:
    """Its author, while it is shown, for `window` after it was posted."""
    if refusal := can_withdraw_comment(account, comment):
        return refusal
    posted = comment.created_at if comment.created_at.tzinfo else comment.created_at.replace(tzinfo=UTC)
    if now - posted >= window:
        hours = window / timedelta(hours=1)
        return Conflict(f"a comment is edited only within {hours:g} hours", code=ErrorCode.EDIT_WINDOW_CLOSED)
    return None


def can_moderate(comment: CommentFacts, *, hide: bool) -> Refusal:
    """A moderator (the role is checked first) hides a shown comment or restores a hidden one; a
    comment its author deleted stays as it is."""
    if getattr(comment, "erased", False):
        return _erased("comment")
    if comment.withdrawn:
        return _comment_withdrawn()
    if comment.hidden and hide:
        return Conflict("the comment is already hidden", code=ErrorCode.ALREADY_HIDDEN)
    if not comment.hidden and not hide:
        return Conflict("the comment is not hidden", code=ErrorCode.NOT_HIDDEN)
    return None


# --- recommendations ----------------------------------------------------------------------------


def can_recommend(
    account: Account,
    *,
    author_id: int,
    thread_status: str | None,
    hidden: bool = False,
    withdrawn: bool = False,
) -> Refusal:
    """Anyone but its author recommends a post that is shown, in a thread not withdrawn
    (`hidden` and `withdrawn` are a comment's). Taking a recommendation back is always allowed."""
    if author_id == account.id:
        return Conflict("you cannot recommend your own post", code=ErrorCode.OWN_POST)
    if hidden:
        return _comment_hidden()
    if withdrawn:
        return _comment_withdrawn()
    if thread_status == WITHDRAWN:
        return _thread_withdrawn()
    return None


# --- a second factor (v1.2) ---------------------------------------------------------------------

# A reveal, a role change and an erasure need a second factor given this recently: long enough
# for one sitting's work after a prompt, short enough that a session left open on a desk does not
# unmask anyone without its owner's phone or key.
STEP_UP_WINDOW = timedelta(minutes=5)


def can_act_on_factor(given_at: datetime | None, now: datetime) -> Refusal:
    """Step-up: the session gave its second factor within `STEP_UP_WINDOW` (domain/mfa.py asks,
    only where the second factor is required for the account)."""
    if given_at is None or now - given_at > STEP_UP_WINDOW:
        return Forbidden(
            "this needs your second factor again (given in the last 5 minutes): POST /api/session/mfa",
            code=ErrorCode.REAUTH_REQUIRED,
        )
    return None


# --- accounts (v1.2) ----------------------------------------------------------------------------


def is_admin(account: Account | None) -> bool:
    return is_staff(account) and ADMIN in account.role_set  # type: ignore[union-attr]


def can_change_account(actor: Account | None, target_id: int, *, disable: bool, drops_admin: bool) -> Refusal:
    """An admin changes another account's state or roles; never disables their own account nor
    drops their own admin role (a board whose last admin did that would need the command line).
    `actor` None: the command line, run by the host's operator."""
    if actor is not None and actor.id == target_id and (disable or drops_admin):
        return Conflict(
            "admins cannot disable themselves or drop their own admin role", code=ErrorCode.SELF_CHANGE
        )
    return None


# --- moderating proposals and people (v1.2) -----------------------------------------------------


def thread_hidden() -> Conflict:
    """A hidden proposal takes no comments, edits or recommendations until it is restored: its
    text is null to the public, and what would be added to it would be too."""
    return Conflict("a moderator hid this proposal", code=ErrorCode.THREAD_HIDDEN)


def can_hide_thread(thread: Any, *, hide: bool) -> Refusal:
    """A shown thread is hidden, a hidden one restored; not the other way round."""
    if hide and thread.hidden:
        return Conflict("the proposal is already hidden", code=ErrorCode.ALREADY_HIDDEN)
    if not hide and not thread.hidden:
        return Conflict("the proposal is not hidden", code=ErrorCode.NOT_HIDDEN)
    return None


def can_write_while(suspended_until: datetime | None, now: datetime) -> Refusal:
    """A suspended author reads but does not write (posts, comments, edits, recommendations,
    reports) until the suspension ends; an appeal is always possible."""
    if suspended_until is None:
        return None
    if suspended_until.tzinfo is None:
        suspended_until = suspended_until.replace(tzinfo=UTC)
    if suspended_until <= now:
        return None
    until = suspended_until.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return Suspended(f"your account is suspended until {until}", until)


# --- erasure ------------------------------------------------------------------------------------


def _erased(what: str) -> Conflict:
    return Conflict(f"the {what} was erased: it has no text left to change", code=ErrorCode.ALREADY_ERASED)


def require_erasure_rights(account: Account) -> None:
    """An erasure (PROTOCOL v1.2, "Erasure") is an admin's; the route asks for a second factor
    given within the last 5 minutes first, where staff have one (web/context.require_recent_factor)."""
    require_role(account, ADMIN, "erase posts")


def can_erase(erased: bool, kind: str) -> Refusal:
    """A post is erased once: a second erasure finds nothing left to destroy."""
    return _erased(kind) if erased else None


# --- the answer workflow (v1.2) -----------------------------------------------------------------


class DraftFacts(Protocol):
    """What the rules read of a draft answer."""

    @property
    def author_id(self) -> int: ...
    @property
    def state(self) -> str: ...


def _draft_state(doing: str, state: str) -> Conflict:
    return Conflict(f"cannot {doing} an answer that is {state}", code=ErrorCode.DRAFT_STATE)


def can_edit_draft(account: Account, draft: DraftFacts) -> Refusal:
    """Its drafter reworks a draft (a returned one too) until it is submitted."""
    if draft.author_id != account.id:
        return Forbidden("only the drafter may change this draft", code=ErrorCode.NOT_AUTHOR)
    if draft.state != DRAFT:
        return _draft_state("change", draft.state)
    return None


def can_submit(account: Account, draft: DraftFacts) -> Refusal:
    """Its drafter submits a draft for approval."""
    if draft.author_id != account.id:
        return Forbidden("only the drafter may submit this draft", code=ErrorCode.NOT_AUTHOR)
    if draft.state != DRAFT:
        return _draft_state("submit", draft.state)
    return None


def can_decide(account: Account, draft: DraftFacts, *, approve: bool) -> Refusal:
    """A staff account holding `approver`, not the drafter, approves or returns a submitted
    draft (결재: nobody approves their own)."""
    doing = "approve" if approve else "return"
    if not is_staff(account) or APPROVER not in account.role_set:
        return Forbidden(
            f"only staff with the approver role may {doing} answers", code=ErrorCode.APPROVER_ONLY
        )
    if draft.author_id == account.id:
        return Forbidden(f"you cannot {doing} a draft you wrote", code=ErrorCode.OWN_DRAFT)
    if draft.state != PENDING_APPROVAL:
        return _draft_state(doing, draft.state)
    return None
