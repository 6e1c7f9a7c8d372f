"""Quarterly change threads ("이렇게 바꾸었습니다") link the proposals they answer.

A linked proposal shows `changed_in`; whoever follows it (its author, and by default whoever
commented on or recommended it) gets a `change` notice (notices.py) when it is linked. Every
proposal whose links changed gets the sequenced event `thread.changed_in` (its current
`changed_in`) on its own channel, so an open proposal page shows "이 제안이 반영되었습니다" as it happens.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.contract.errors import Invalid, NotFound
from server.contract.vocabulary import CHANGE, PROPOSAL, EventType
from server.domain import policy
from server.domain.posting import Posting
from server.events.seam import Change, EventLog
from server.store.database import Database
from server.store.models import Account, Thread, ThreadLink, utcnow

# A quarter's change thread answers tens of proposals, not thousands.
LINKS_MAX = 200


def parse_links(value: list[int]) -> list[int]:
    """The distinct ids, in the order given; 422 past the most a change thread links."""
    ids = list(dict.fromkeys(value))
    if len(ids) > LINKS_MAX:
        raise Invalid(f"a change thread links at most {LINKS_MAX} proposals", {"links": "too_many"})
    return ids


async def store_links(s: AsyncSession, change_id: int, proposal_ids: list[int]) -> list[dict[str, Any]]:
    """Replace the change thread's links inside the caller's transaction; returns them as {id, title}."""
    rows = (
        await s.execute(
            select(Thread.id, Thread.title, Thread.kind, Thread.status, Thread.outcome, Thread.hidden).where(
                Thread.id.in_(proposal_ids)  # type: ignore[union-attr]
            )
        )
    ).all()
    found = {r.id: r for r in rows}
    missing = [i for i in proposal_ids if i not in found]
    if missing:
        raise Invalid(f"no such thread: {', '.join(map(str, missing))}", {"links": "not_found"})
    not_proposals = [i for i in proposal_ids if found[i].kind != PROPOSAL]
    if not_proposals:
        raise Invalid(
            f"only proposals can be linked: {', '.join(map(str, not_proposals))}", {"links": "not_a_proposal"}
        )
    await s.execute(delete(ThreadLink).where(ThreadLink.change_id == change_id))  # type: ignore[arg-type]
    if proposal_ids:
        now = utcnow()
        await s.execute(
            insert(ThreadLink),
            [{"change_id": change_id, "proposal_id": i, "created_at": now} for i in proposal_ids],
        )
    return [
        {
            "id": i,
            "title": None if found[i].hidden else found[i].title,
            "status": found[i].status,
            "outcome": found[i].outcome,
        }
        for i in proposal_ids
    ]


async def changed_in(s: AsyncSession, proposal_id: int) -> list[dict[str, Any]]:
    """The change threads that answer this proposal, oldest first, as {id, title}."""
    rows = await s.execute(
        select(Thread.id, Thread.title, Thread.hidden)
        .join(ThreadLink, ThreadLink.change_id == Thread.id)
        .where(ThreadLink.proposal_id == proposal_id)
        .order_by(Thread.id)  # type: ignore[arg-type]
    )
    return [{"id": i, "title": None if hidden else t} for i, t, hidden in rows]


async def tell_proposals(change: Change, posting: Posting, actor: Account, proposal_ids: list[int]) -> None:
    """One sequenced `thread.changed_in` per proposal whose links changed, in id order (the
    order every writer takes thread locks in), carrying its change threads as they are now."""
    s = change.session
    for proposal_id in sorted(set(proposal_ids)):
        seq = await posting.next_seq(s, proposal_id)
        data = {"thread_id": proposal_id, "changed_in": await changed_in(s, proposal_id)}
        await change.append(EventType.PROPOSAL_LINKED, actor, data, thread_id=proposal_id, seq=seq)


class Links:
    def __init__(self, db: Database, events: EventLog, posting: Posting) -> None:
        self.db = db
        self.events = events
        self.posting = posting

    async def set_links(self, actor: Account, change_id: int, value: Any) -> dict[str, Any]:
        """`PUT /api/threads/{id}/links`: staff replace the proposals a change thread answers."""
        policy.require_staff(actor, "link change threads to proposals")
        ids = parse_links(value)
        async with self.events.change() as change:
            s = change.session
            thread = (
                await s.execute(
                    select(Thread.kind, Thread.status, Thread.author_id).where(Thread.id == change_id)
                )
            ).first()
            if thread is None:
                raise NotFound(f"thread {change_id} does not exist")
            policy.ensure(policy.can_link_from(thread))
            before = set(
                (
                    await s.execute(select(ThreadLink.proposal_id).where(ThreadLink.change_id == change_id))
                ).scalars()
            )
            linked = await store_links(s, change_id, ids)
            payload = {
                "links": ids,
                "added": [i for i in ids if i not in before],
                "removed": sorted(before - set(ids)),
            }
            await change.append(EventType.THREAD_LINKS_CHANGED, actor, payload, thread_id=change_id)
            await tell_proposals(change, self.posting, actor, payload["added"] + payload["removed"])
        return {"thread_id": change_id, "links": linked}

    async def decorate(self, thread: dict[str, Any]) -> dict[str, Any]:
        """Add `links` (on a change thread) or `changed_in` (on a proposal) to a thread's JSON."""
        async with self.db.read() as s:
            if thread["kind"] == CHANGE:
                rows = await s.execute(
                    select(Thread.id, Thread.title, Thread.status, Thread.outcome, Thread.hidden)
                    .join(ThreadLink, ThreadLink.proposal_id == Thread.id)
                    .where(ThreadLink.change_id == thread["id"])
                    .order_by(Thread.id)  # type: ignore[arg-type]
                )
                # Each proposal with where it stands (반영 / 부분반영 / 불채택, or still open); a
                # hidden one keeps its place with its title null (v1.2).
                thread["links"] = [
                    {"id": i, "title": None if hidden else t, "status": status, "outcome": outcome}
                    | ({"hidden": True} if hidden else {})
                    for i, t, status, outcome, hidden in rows
                ]
            else:
                thread["changed_in"] = await changed_in(s, thread["id"])
        return thread
