"""Erasure (PROTOCOL v1.2, "Erasure"): an admin destroys a post's text wherever Tong keeps it,
and the audit trail still verifies.

In one transaction, under the thread's lock (the seq of the `post.erased` row is taken first):
- the post's title and body, and every earlier revision's, become empty and the post `erased`
  (every shape then shows `erased: true` and no text, to staff too);
- every event-log row that carried the text gets the payload `{"erased": true}` exactly: the
  seal chains each payload's hash, which stays in `event_seal`, so `tong audit verify` passes and
  reports the row as erased (events/sealing.py); the rows keep their place, seq and type;
- a held comment's copy (`held_comment`), the thread's search document (rebuilt later from the
  text that remains), and the post's title in notices (mails are rendered from notices when sent,
  so unsent mails lose it too) go as well;
- the post's files (`EraseFiles`, a no-op until attachments exist);
- one sequenced `post.erased` row carries the post's erased public form: live clients replace the
  post, and a replay shows it erased from its first frame on (seam.thread_frames);
- a line in the erasure ledger (store/erasures.py), before the commit, for `tong restore`.
After the commit, the freed space is reclaimed (store/reclaim.py): what "nowhere" covers, and
what it cannot, is in README.md ("Erasure").
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.contract.errors import Invalid, NotFound, Unavailable
from server.contract.vocabulary import EventType
from server.domain import policy
from server.domain.notices import LINKED
from server.domain.posting import Posting
from server.domain.reading import thread_authors
from server.events import public
from server.events.redaction import ERASED
from server.events.seam import Change, EventLog
from server.runtime.settings import Settings
from server.store import search
from server.store.database import Database
from server.store.erasures import Entry, Ledger
from server.store.models import (
    Account,
    Comment,
    Event,
    HeldComment,
    Notice,
    Revision,
    SearchDocument,
    SearchPending,
    Thread,
    utcnow,
)
from server.store.reclaim import Reclaimed, reclaim
from server.text.identifiers import refuse_identifiers
from server.text.validation import text

log = logging.getLogger("tong.erasure")

KINDS = ("thread", "comment")
# The reason a restore's re-application writes in its `post.erased` row.
REAPPLIED = "re-applied from the erasure ledger after a restore"

# "Erase this post's files": called inside the erasure's transaction with (session, kind, id).
# Attachments (another part of v1.2) fill it in; until then a post has no files.
EraseFiles = Callable[[AsyncSession, str, int], Awaitable[None]]
# "Tell the author": called inside the erasure's transaction with (change, the author's account
# id, {"kind", "id", "thread_id", "reason"}); the moderation notice (v1.2, "Told, and able to
# appeal") fills it in. None: no notice.
TellAuthor = Callable[[Change, int, dict[str, Any]], Awaitable[None]]


async def no_files(session: AsyncSession, kind: str, post_id: int) -> None:
    """Posts have no attachments yet: nothing to erase."""


@dataclass(frozen=True)
class Scrubbed:
    kind: str
    post_id: int
    thread_id: int
    author_id: int
    created_at: str
    # The log rows whose payload is now {"erased": true}, and their seqs on the thread's channel.
    event_ids: list[int]
    seqs: list[int]
    # The post's public form now (no text, `erased: true`).
    shown: dict[str, Any]


async def thread_of(s: AsyncSession, kind: str, post_id: int) -> int:
    """The thread a post is in (NotFound when there is no such post)."""
    if kind not in KINDS:
        raise NotFound("kind must be thread or comment")
    column = Thread.id if kind == "thread" else Comment.thread_id
    model: type[Thread] | type[Comment] = Thread if kind == "thread" else Comment
    found = (await s.execute(select(column).where(model.id == post_id))).scalar()  # type: ignore[call-overload,arg-type]
    if found is None:
        raise NotFound(f"{kind} {post_id} does not exist")
    return int(found)


async def scrub(s: AsyncSession, kind: str, post_id: int) -> Scrubbed:
    """Destroy the post's text in every table, in the caller's transaction (its thread's lock
    held). Conflict when it was erased before."""
    if kind == "comment":
        return await _scrub_comment(s, post_id)
    return await _scrub_thread(s, post_id)


async def _scrub_comment(s: AsyncSession, comment_id: int) -> Scrubbed:
    row = (await s.execute(select(Comment).where(Comment.id == comment_id))).scalars().one()  # type: ignore[arg-type]
    await s.refresh(row)
    policy.ensure(policy.can_erase(row.erased, "comment"))
    held_ids = set(
        (await s.execute(select(HeldComment.id).where(HeldComment.comment_id == comment_id))).scalars()  # type: ignore[call-overload]
    )

    def carries(payload: dict[str, Any]) -> bool:
        comment = payload.get("comment")
        if isinstance(comment, dict) and comment.get("id") == comment_id and comment.get("body") is not None:
            return True
        return payload.get("held_id") in held_ids and "body" in payload

    events = await _erase_payloads(
        s,
        select(Event.id, Event.seq, Event.payload).where(Event.thread_id == row.thread_id),  # type: ignore[call-overload]
        carries,
    )
    await s.execute(update(Comment).where(Comment.id == comment_id).values(body="", erased=True))  # type: ignore[arg-type]
    await _erase_revisions(s, "comment", comment_id)
    await s.execute(update(HeldComment).where(HeldComment.comment_id == comment_id).values(body=""))  # type: ignore[arg-type]
    await s.execute(delete(SearchPending).where(SearchPending.comment_id == comment_id))  # type: ignore[arg-type]
    await _drop_search_document(s, row.thread_id)
    row.body, row.erased = "", True
    authors = await thread_authors(s, row.thread_id, [row.author_id])
    return Scrubbed(
        "comment",
        comment_id,
        row.thread_id,
        row.author_id,
        public.iso(row.created_at),
        [i for i, _ in events],
        [q for _, q in events if q is not None],
        public.comment(row, authors[row.author_id]),
    )


async def _scrub_thread(s: AsyncSession, thread_id: int) -> Scrubbed:
    row = (await s.execute(select(Thread).where(Thread.id == thread_id))).scalars().one()  # type: ignore[arg-type]
    await s.refresh(row)
    policy.ensure(policy.can_erase(row.erased, "proposal" if row.kind == "proposal" else "thread"))

    def carries(payload: dict[str, Any]) -> bool:
        thread = payload.get("thread")
        if isinstance(thread, dict) and thread.get("id") == thread_id and thread.get("title") is not None:
            return True
        # A proposal's `thread.changed_in` rows name the change threads linked to it, titles included.
        linked = payload.get("changed_in")
        return isinstance(linked, list) and any(
            isinstance(c, dict) and c.get("id") == thread_id for c in linked
        )

    own = select(Event.id, Event.seq, Event.payload).where(Event.thread_id == thread_id)  # type: ignore[call-overload]
    linking = select(Event.id, Event.seq, Event.payload).where(  # type: ignore[call-overload]
        Event.type == EventType.PROPOSAL_LINKED,
        Event.thread_id != thread_id,  # type: ignore[arg-type]
    )
    events = await _erase_payloads(s, own, carries)
    elsewhere = await _erase_payloads(s, linking, carries)
    await s.execute(update(Thread).where(Thread.id == thread_id).values(title="", body="", erased=True))  # type: ignore[arg-type]
    await _erase_revisions(s, "thread", thread_id)
    await _erase_notice_titles(s, thread_id)
    await _drop_search_document(s, thread_id)
    row.title, row.body, row.erased = "", "", True
    return Scrubbed(
        "thread",
        thread_id,
        thread_id,
        row.author_id,
        public.iso(row.created_at),
        [i for i, _ in events] + [i for i, _ in elsewhere],
        [q for _, q in events if q is not None],
        public.thread_text(row),
    )


async def _erase_payloads(
    s: AsyncSession, candidates: Any, carries: Callable[[dict[str, Any]], bool]
) -> list[tuple[int, int | None]]:
    """(id, seq) of the rows among `candidates` whose payload `carries` the text, now erased."""
    found = [
        (i, seq)
        for i, seq, payload in await s.execute(candidates)
        if isinstance(payload, dict) and carries(payload)
    ]
    ids = [i for i, _ in found]
    for start in range(0, len(ids), search.IDS_PER_STATEMENT):
        chunk = ids[start : start + search.IDS_PER_STATEMENT]
        await s.execute(update(Event).where(Event.id.in_(chunk)).values(payload=dict(ERASED)))  # type: ignore[union-attr]
    return found


async def _erase_revisions(s: AsyncSession, target: str, target_id: int) -> None:
    await s.execute(
        update(Revision)
        .where(Revision.target == target, Revision.target_id == target_id)  # type: ignore[arg-type]
        .values(title=None, body="")
    )


async def _erase_notice_titles(s: AsyncSession, thread_id: int) -> None:
    """Notices carry a thread's title (`title`; a change thread's as `change.title`): gone."""
    rows = await s.execute(
        select(Notice.id, Notice.thread_id, Notice.data).where(  # type: ignore[call-overload]
            (Notice.thread_id == thread_id) | (Notice.kind == LINKED)  # type: ignore[arg-type]
        )
    )
    for notice_id, about, data in rows.all():
        changed = dict(data)
        if about == thread_id and "title" in changed:
            changed["title"] = None
        change = changed.get("change")
        if isinstance(change, dict) and change.get("id") == thread_id:
            changed["change"] = {**change, "title": None}
        if changed != data:
            await s.execute(update(Notice).where(Notice.id == notice_id).values(data=changed))  # type: ignore[arg-type]


async def _drop_search_document(s: AsyncSession, thread_id: int) -> None:
    """The document goes now (its index entry with it); the next flush rebuilds it from the text
    that remains."""
    await s.execute(delete(SearchDocument).where(SearchDocument.thread_id == thread_id))  # type: ignore[arg-type]
    await search.queue_rebuilds(s, [thread_id])


def _payload(scrubbed: Scrubbed, reason: str) -> dict[str, Any]:
    return {
        "post": {"kind": scrubbed.kind, "id": scrubbed.post_id},
        "reason": reason,
        scrubbed.kind: scrubbed.shown,
        "seqs": scrubbed.seqs,
    }


class Erasure:
    def __init__(
        self,
        db: Database,
        events: EventLog,
        posting: Posting,
        settings: Settings,
        ledger: Ledger,
        *,
        erase_files: EraseFiles = no_files,
        tell_author: TellAuthor | None = None,
    ) -> None:
        self.db = db
        self.events = events
        self.posting = posting
        self.settings = settings
        self.ledger = ledger
        self.erase_files = erase_files
        self.tell_author = tell_author

    async def erase(self, admin: Account, kind: str, post_id: int, reason: Any) -> dict[str, Any]:
        """`POST /api/admin/posts/{kind}/{id}/erase {"reason"}`."""
        policy.require_erasure_rights(admin)
        if kind not in KINDS:
            raise NotFound("kind must be thread or comment")
        if reason is None:
            raise Invalid("a reason is required to erase a post", {"reason": "required"})
        reason = text(reason, "reason", self.settings.report_reason_max)
        if self.settings.refuse_identifiers:
            # Shown in the erased post's frame, like a hide's reason: screened as public text.
            refuse_identifiers({"reason": reason})
        started = time.perf_counter()
        async with self.events.change() as change:
            s = change.session
            thread_id = await thread_of(s, kind, post_id)
            seq = await self.posting.next_seq(s, thread_id)
            scrubbed = await scrub(s, kind, post_id)
            await self.erase_files(s, kind, post_id)
            event_id = await change.append(
                EventType.POST_ERASED, admin, _payload(scrubbed, reason), thread_id=thread_id, seq=seq
            )
            if self.tell_author is not None:
                told = {"kind": kind, "id": post_id, "thread_id": thread_id, "reason": reason}
                await self.tell_author(change, scrubbed.author_id, told)
            entry = Entry(public.iso(utcnow()), kind, post_id, scrubbed.created_at)
            try:
                await asyncio.to_thread(self.ledger.append, entry)
            except OSError as exc:
                log.error("erasure refused: the ledger %s cannot be written: %s", self.ledger.path, exc)
                raise Unavailable(
                    "the erasure ledger cannot be written, so a restore could bring the text back: "
                    "nothing was erased"
                ) from None
        erased_ms = (time.perf_counter() - started) * 1000
        if self.settings.erasure_reclaim == "now":
            reclaimed = await reclaim(self.db)
        else:
            deferred = "TONG_ERASURE_RECLAIM=later: `tong erasure reclaim` does it"
            reclaimed = Reclaimed(complete=False, problems=[deferred])
        log.info(
            "erased %s %s: %d log rows, %.0f ms; reclaim %s",
            kind, post_id, len(scrubbed.event_ids), erased_ms, reclaimed.shown(),
        )  # fmt: skip
        return {
            "post": {"kind": kind, "id": post_id},
            "erased": True,
            "thread_id": thread_id,
            "seq": seq,
            "event_id": event_id,
            "erased_events": scrubbed.event_ids,
            "erase_ms": round(erased_ms, 1),
            "reclaimed": reclaimed.shown(),
        }


async def reapply(
    db: Database, entries: Iterable[Entry], erase_files: EraseFiles = no_files
) -> tuple[int, Reclaimed | None]:
    """Erase again the ledger's posts that this (restored) database still has unerased: how many,
    and the reclaim that followed them (None when there was nothing to erase). No server runs
    during a restore, so nothing is published; each re-application writes its `post.erased` row
    (no actor) as the request did."""
    posting = Posting()
    applied = 0
    for entry in entries:
        if entry.kind not in KINDS:
            continue
        async with db.transaction() as s:
            model: type[Thread] | type[Comment] = Thread if entry.kind == "thread" else Comment
            found = (
                await s.execute(select(model.created_at, model.erased).where(model.id == entry.id))  # type: ignore[call-overload,arg-type]
            ).first()
            if found is None or found.erased or public.iso(found.created_at) != entry.created_at:
                continue
            thread_id = await thread_of(s, entry.kind, entry.id)
            seq = await posting.next_seq(s, thread_id)
            scrubbed = await scrub(s, entry.kind, entry.id)
            await erase_files(s, entry.kind, entry.id)
            await Change(s).append(
                EventType.POST_ERASED, None, _payload(scrubbed, REAPPLIED), thread_id=thread_id, seq=seq
            )
        applied += 1
    return applied, (await reclaim(db) if applied else None)
