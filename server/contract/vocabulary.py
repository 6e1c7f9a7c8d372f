"""The words of the contract, each written once: event types, thread kinds, statuses, outcomes,
account kinds and roles (docs/protocol.md names them; the code checks against these)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class EventType(StrEnum):
    """Every type of event-log row."""

    ACCOUNT_CREATED = "account.created"
    # Kind, roles or state changed (an admin, or the provider's claims at a single sign-on; v1.2).
    ACCOUNT_CHANGED = "account.changed"
    SESSION_STARTED = "session.started"
    THREAD_CREATED = "thread.created"
    THREAD_STATUS_CHANGED = "thread.status_changed"
    THREAD_LINKS_CHANGED = "thread.links_changed"
    # The author edited the title or body (v1.1); withdrawal is a `thread.status_changed`.
    THREAD_UPDATED = "thread.updated"
    COMMENT_CREATED = "comment.created"
    COMMENT_HIDDEN = "comment.hidden"
    COMMENT_RESTORED = "comment.restored"
    COMMENT_HELD = "comment.held"
    COMMENT_RELEASED = "comment.released"
    COMMENT_REJECTED = "comment.rejected"
    COMMENT_EDITED = "comment.edited"
    # The author deleted their comment: kept in place, body null (v1.1).
    COMMENT_WITHDRAWN = "comment.withdrawn"
    ANSWER_POSTED = "answer.posted"
    ANSWER_EDITED = "answer.edited"
    RECOMMENDATION_ADDED = "recommendation.added"
    RECOMMENDATION_WITHDRAWN = "recommendation.withdrawn"
    REPORT_FILED = "report.filed"
    REPORT_DISMISSED = "report.dismissed"
    AUTHOR_REVEALED = "author.revealed"
    CATEGORY_CREATED = "category.created"
    CATEGORY_CHANGED = "category.changed"
    PROPOSAL_LINKED = "thread.changed_in"
    # A proposal's recommendations reached the obligation's threshold: `answer_due` is set (v1.2).
    THREAD_ANSWER_DUE = "thread.answer_due"
    # Moderating proposals, sanctions and appeals (v1.2): hide/restore are sequenced on the
    # thread's channel; the rest are staff rows. A proposal's report is a `report.filed` too.
    THREAD_HIDDEN = "thread.hidden"
    THREAD_RESTORED = "thread.restored"
    AUTHOR_SUSPENDED = "author.suspended"
    AUTHOR_SUSPENSION_LIFTED = "author.suspension_lifted"
    APPEAL_FILED = "appeal.filed"
    APPEAL_DECIDED = "appeal.decided"
    # Erasure (issue 22 part 4, built apart): an erased post is one more appealable action.
    # An admin erased a post's text (v1.2): sequenced on its thread's channel, carrying the post's
    # erased public form; the rows that carried the text now hold exactly {"erased": true}.
    POST_ERASED = "post.erased"
    # The answer workflow (v1.2): drafts, approval, assignment and internal notes. Rows without a
    # seq: the staff channel and the log carry them, never a thread channel.
    ANSWER_DRAFTED = "answer.drafted"
    ANSWER_SUBMITTED = "answer.submitted"
    ANSWER_RETURNED = "answer.returned"
    THREAD_ASSIGNED = "thread.assigned"
    NOTE_ADDED = "note.added"
    NOTE_EDITED = "note.edited"
    DEPARTMENT_CREATED = "department.created"
    DEPARTMENT_CHANGED = "department.changed"


PROPOSAL: Final = "proposal"
CHANGE: Final = "change"
THREAD_KINDS: Final = (PROPOSAL, CHANGE)

RECEIVED: Final = "received"
REVIEWING: Final = "reviewing"
ANSWERED: Final = "answered"
# Set by the author only, while the proposal has no final answer (v1.1).
WITHDRAWN: Final = "withdrawn"
STATUSES: Final = (RECEIVED, REVIEWING, ANSWERED, WITHDRAWN)
# What staff may set by hand; `answered` comes only with a final answer.
SETTABLE_STATUSES: Final = (RECEIVED, REVIEWING)

OUTCOMES: Final = ("accepted", "partially_accepted", "declined")

COMPANY: Final = "company"
AGENCY: Final = "agency"
STAFF: Final = "staff"
ACCOUNT_KINDS: Final = (COMPANY, AGENCY, STAFF)
MODERATOR: Final = "moderator"
ADMIN: Final = "admin"

# Why a post was reported (v1.2; threads and comments alike). None: not said.
REPORT_CATEGORIES: Final = ("abuse", "defamation", "personal_info", "advertising", "other")
# Approves (결재) answers drafted by other staff before they are published (v1.2).
APPROVER: Final = "approver"
STAFF_ROLES: Final = (MODERATOR, ADMIN, APPROVER)
# An account's state, as admins set it (v1.2).
ACTIVE: Final = "active"
DISABLED: Final = "disabled"
ACCOUNT_STATES: Final = (ACTIVE, DISABLED)

# An answer's way through the workflow (v1.2): a draft is submitted for approval, then published
# or returned to draft with a reason.
DRAFT: Final = "draft"
PENDING_APPROVAL: Final = "pending_approval"
PUBLISHED: Final = "published"
DRAFT_STATES: Final = (DRAFT, PENDING_APPROVAL, PUBLISHED)
