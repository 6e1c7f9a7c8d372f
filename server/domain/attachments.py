"""Attachments: an upload becomes a kept file and a row; a post takes its author's unattached
uploads; a file is served while its post is public; a post's erasure takes its files with it.

The file a client sent is scanned as it came (clamd), then told by content, cleaned and hashed in
a worker thread (server/files/preparing.py); its name and the text it carries pass the
personal-information guard; only then is it kept (one copy per sha256) and its row written. Rows
are the references: a file goes once no row names its sha256.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.ext.asyncio import AsyncSession

from server.contract.errors import ErrorCode, Invalid, NotFound, RateLimited
from server.contract.vocabulary import WITHDRAWN
from server.domain import policy
from server.domain.ratelimit import RateLimiter
from server.files.preparing import Prepared, file_name, prepare
from server.files.scanner import Clamd, Infected
from server.files.storage import Storage
from server.runtime.settings import Settings
from server.store.database import Database
from server.store.models import Account, Answer, Attachment, Comment, Thread, utcnow
from server.text.identifiers import refuse_identifiers

# The contract's number: a proposal points at a notice, a form and a screenshot or two.
PER_POST = 5
# An upload not attached within a day was abandoned (a composer closed, a file removed).
ORPHAN_AFTER = timedelta(days=1)
# A held comment's files wait under "held" until a moderator releases it (they move to the comment)
# or rejects it (they are erased).
TARGETS = ("thread", "comment", "answer", "held")
# Files cleaned at once per process. Cleaning is CPU-bound (re-encoding, rewriting), so more than
# the two cores of a typical host gains no throughput, and each file being cleaned holds some of
# itself in memory: twenty uploads at once queue here, already on disk, instead.
PREPARING_AT_ONCE = 2


def url_of(attachment_id: int) -> str:
    return f"/api/attachments/{attachment_id}"


def shown(row: Attachment) -> dict[str, Any]:
    """An attachment as a post carries it. The sha256 (also the file's public ETag) names the kept
    file, so the event log, and with it the staff export and `tong export`, says which file a post
    carried, and a backup's `attachments/` holds it under that name."""
    assert row.id is not None
    return {
        "id": row.id,
        "name": row.name,
        "size": row.size,
        "type": row.type,
        "url": url_of(row.id),
        "sha256": row.sha256,
    }


def with_attachments(post: dict[str, Any], files: list[dict[str, Any]] | None) -> dict[str, Any]:
    """A post's public form with its files: `attachments` is present only when it has some."""
    if files:
        post["attachments"] = files
    return post


@dataclass(frozen=True)
class Served:
    """A file to send: its public name, type, size and content hash (the ETag)."""

    name: str
    type: str
    size: int
    sha256: str


class Attachments:
    def __init__(
        self,
        db: Database,
        storage: Storage,
        settings: Settings,
        limiter: RateLimiter,
        scanner: Clamd | None = None,
    ) -> None:
        self.db = db
        self.storage = storage
        self.settings = settings
        self.limiter = limiter
        self.scanner = scanner
        self.work_dir = settings.uploading_dir
        self._preparing = asyncio.Semaphore(PREPARING_AT_ONCE)
        # File deletions started after an erasure committed (kept so they are not collected).
        self._dropping: set[asyncio.Task[int]] = set()

    # --- uploading ----------------------------------------------------------------------------

    def scratch(self) -> Path:
        """A fresh path for an upload in progress (on the same filesystem as the kept files)."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return self.work_dir / uuid.uuid4().hex

    async def admit(self, account: Account) -> None:
        """Before reading the body: the write budget and the day's quota."""
        await self.limiter.check(account)
        await self._check_quota(account, 0)

    async def upload(self, account: Account, raw: Path, given_name: str | None) -> dict[str, Any]:
        """Keep the file at `raw` (the body as received; removed whatever happens)."""
        cleaned = self.scratch()
        try:
            if self.scanner is not None:
                try:
                    await self.scanner.scan(raw)
                except Infected as found:
                    raise Invalid(
                        f"the virus scanner found {found.signature}", {"file": "infected"}, ErrorCode.INFECTED
                    ) from None
            async with self._preparing:
                prepared: Prepared = await asyncio.to_thread(prepare, raw, cleaned)
            name = file_name(given_name, prepared.kind)
            if self.settings.refuse_identifiers:
                refuse_identifiers({"name": name, "file": prepared.text})
            await self._check_quota(account, prepared.size)
            await self.storage.put(prepared.sha256, cleaned)
            row = Attachment(
                account_id=account.id,  # type: ignore[arg-type]
                sha256=prepared.sha256,
                name=name,
                size=prepared.size,
                type=prepared.kind.media_type,
            )
            async with self.db.transaction() as s:
                s.add(row)
                await s.flush()
            return {k: v for k, v in shown(row).items() if k != "url"}
        finally:
            await asyncio.to_thread(_remove, raw, cleaned)

    async def _check_quota(self, account: Account, adding: int) -> None:
        """The day's files and bytes; `adding` 0 asks whether one more upload may start."""
        if account.kind == "staff":
            return
        since = utcnow() - timedelta(days=1)
        async with self.db.read() as s:
            count, size = (
                await s.execute(
                    select(func.count(), func.coalesce(func.sum(Attachment.size), 0)).where(
                        Attachment.account_id == account.id, Attachment.created_at >= since
                    )
                )
            ).one()
        most_files, most_bytes = self.settings.upload_daily_max, self.settings.upload_daily_bytes
        if (most_files and count + 1 > most_files) or (most_bytes and size + adding > most_bytes):
            error = RateLimited(f"the day's uploads are spent ({most_files} files, {most_bytes} bytes)", 3600)
            error.code = ErrorCode.UPLOAD_QUOTA
            raise error

    # --- attaching ----------------------------------------------------------------------------

    @staticmethod
    def check_ids(ids: Any) -> list[int]:
        """The ids a post names, checked for shape (ownership is checked when attaching)."""
        if ids is None:
            return []
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise Invalid("attachments must be a list of upload ids", {"attachments": "invalid"})
        if len(ids) > PER_POST:
            raise Invalid(f"at most {PER_POST} attachments", {"attachments": "too_many"})
        if len(set(ids)) != len(ids):
            raise Invalid("an upload is named twice", {"attachments": "duplicate"})
        return list(ids)

    async def attach(
        self, s: AsyncSession, account: Account, ids: list[int], target: str, target_id: int, thread_id: int
    ) -> list[dict[str, Any]]:
        """Make the caller's unattached uploads `ids` the post's files, in this transaction; 422
        `attachment_unknown` if one is not theirs, already attached, or gone."""
        if not ids:
            return []
        taken = (
            (
                await s.execute(
                    update(Attachment)
                    .where(
                        Attachment.id.in_(ids),  # type: ignore[union-attr]
                        Attachment.account_id == account.id,
                        Attachment.target.is_(None),  # type: ignore[union-attr]
                    )
                    .values(target=target, target_id=target_id, thread_id=thread_id)
                    .returning(Attachment.id)
                )
            )
            .scalars()
            .all()
        )
        if len(taken) != len(ids):
            raise Invalid(
                "an attachment is not one of your unattached uploads: upload it again",
                {"attachments": "unknown"},
                ErrorCode.ATTACHMENT_UNKNOWN,
            )
        for position, attachment_id in enumerate(ids):
            await s.execute(
                update(Attachment).where(Attachment.id == attachment_id).values(position=position)
            )
        rows = (await s.execute(select(Attachment).where(Attachment.id.in_(ids)))).scalars().all()  # type: ignore[union-attr]
        by_id = {row.id: row for row in rows}
        return [shown(by_id[i]) for i in ids]

    @staticmethod
    async def move(
        s: AsyncSession, source: str, source_id: int, target: str, target_id: int
    ) -> list[dict[str, Any]]:
        """Hand one post's files to another in this transaction (a released held comment's)."""
        await s.execute(
            update(Attachment)
            .where(Attachment.target == source, Attachment.target_id == source_id)
            .values(target=target, target_id=target_id)
        )
        return (await Attachments.of(s, target, [target_id])).get(target_id, [])

    # --- reading ------------------------------------------------------------------------------

    @staticmethod
    async def of(
        s: AsyncSession, target: str, target_ids: Iterable[int | None]
    ) -> dict[int, list[dict[str, Any]]]:
        """The attachments of these posts, in their order, by post id (posts with none absent)."""
        wanted = list({i for i in target_ids if i is not None})
        if not wanted:
            return {}
        rows = (
            (
                await s.execute(
                    select(Attachment)
                    .where(Attachment.target == target, Attachment.target_id.in_(wanted))  # type: ignore[union-attr]
                    .order_by(Attachment.target_id, Attachment.position)
                )
            )
            .scalars()
            .all()
        )
        found: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            assert row.target_id is not None
            found.setdefault(row.target_id, []).append(shown(row))
        return found

    async def served(self, attachment_id: int, viewer: Account | None) -> Served:
        """The file behind a post's attachment, if the viewer may fetch it now: 404 for an
        upload never attached, and for the files of a hidden, withdrawn or erased post, except to
        staff (moderators judge what was posted)."""
        async with self.db.read() as s:
            row = await s.get(Attachment, attachment_id)
            if row is None or row.target is None or row.target_id is None:
                raise NotFound("no such attachment")
            if not policy.can_see_concealed_text(viewer) and not await _post_is_public(
                s, row.target, row.target_id
            ):
                raise NotFound("no such attachment")
        return Served(row.name, row.type, row.size, row.sha256)

    def read(self, sha256: str) -> AsyncIterator[bytes]:
        return self.storage.read(sha256)

    # --- erasing and sweeping -----------------------------------------------------------------

    async def erase_post(self, target: str, target_id: int) -> int:
        """Erase this post's attachments: their rows go, and each file no other row references.
        Returns how many attachments went. The erasure of a post calls this (v1.2)."""
        assert target in TARGETS, target
        async with self.db.transaction() as s:
            hashes = (
                (
                    await s.execute(
                        delete(Attachment)
                        .where(Attachment.target == target, Attachment.target_id == target_id)
                        .returning(Attachment.sha256)
                    )
                )
                .scalars()
                .all()
            )
        await self._drop_unreferenced(set(hashes))
        return len(hashes)

    async def erase_in(self, s: AsyncSession, target: str, target_id: int) -> None:
        """An erasure's own transaction (erasure.EraseFiles): the post's attachment rows go with
        its text, and once that commits, each file no other row names is deleted. A file left by
        a process that stopped in between is unreferenced, and `tong attachments gc` removes it."""
        assert target in TARGETS, target
        stmt = (
            delete(Attachment)
            .where(Attachment.target == target, Attachment.target_id == target_id)
            .returning(Attachment.sha256)
        )
        hashes = set((await s.execute(stmt)).scalars().all())
        if not hashes:
            return
        loop = asyncio.get_running_loop()

        def committed(_session: Any) -> None:
            task = loop.create_task(self._drop_unreferenced(hashes))
            self._dropping.add(task)
            task.add_done_callback(self._dropping.discard)

        sqlalchemy_event.listen(s.sync_session, "after_commit", committed, once=True)

    async def drop_unreferenced_files(self) -> int:
        """Every stored file no attachment row names (after a restore re-applied erasures)."""
        return await self._drop_unreferenced(set(await self.storage.hashes()))

    async def gc(self, now: datetime | None = None) -> tuple[int, int]:
        """Remove uploads never attached within ORPHAN_AFTER, then every kept file no row names
        (and uploads in progress left by a killed process). Returns (rows, files) removed."""
        cutoff = (now or datetime.now(UTC)) - ORPHAN_AFTER
        async with self.db.transaction() as s:
            hashes = (
                (
                    await s.execute(
                        delete(Attachment)
                        .where(Attachment.target.is_(None), Attachment.created_at < cutoff)  # type: ignore[union-attr]
                        .returning(Attachment.sha256)
                    )
                )
                .scalars()
                .all()
            )
        stored = set(await self.storage.hashes())
        files = await self._drop_unreferenced(stored)
        with contextlib.suppress(FileNotFoundError):
            for leftover in self.work_dir.iterdir():
                if datetime.fromtimestamp(leftover.stat().st_mtime, UTC) < cutoff:
                    leftover.unlink(missing_ok=True)
        return len(hashes), files

    async def _drop_unreferenced(self, hashes: set[str]) -> int:
        if not hashes:
            return 0
        async with self.db.read() as s:
            referenced = set(
                (await s.execute(select(Attachment.sha256).where(Attachment.sha256.in_(hashes)))).scalars()  # type: ignore[attr-defined]
            )
        gone = hashes - referenced
        for sha256 in gone:
            await self.storage.delete(sha256)
        return len(gone)


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


async def _post_is_public(s: AsyncSession, target: str, target_id: int) -> bool:
    if target == "comment":
        comment = await s.get(Comment, target_id)
        if comment is None or comment.hidden or comment.withdrawn:
            return False
        # A hidden proposal's comments keep their place, not their text nor their files.
        return not await _thread_hidden(s, comment.thread_id)
    if target == "answer":
        return await s.get(Answer, target_id) is not None
    if target != "thread":
        return False
    thread = await s.get(Thread, target_id)
    # A thread hidden by moderators hides its files with it.
    return thread is not None and thread.status != WITHDRAWN and not thread.hidden


async def _thread_hidden(s: AsyncSession, thread_id: int) -> bool:
    thread = await s.get(Thread, thread_id)
    return thread is not None and thread.hidden
