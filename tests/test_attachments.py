"""Attachments (issue 24 §1): upload, sniff, strip, guard, attach, serve, hide and erase, on both
stacks, with real files the tests make (tests/support/files.py)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pikepdf
from PIL import Image

from tests.support import files
from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer


async def upload(client: Http, data: bytes, filename: str, **form: str) -> httpx.Response:
    return await client.post(  # type: ignore[no-any-return]
        "/api/uploads", files={"file": (filename, data, "application/octet-stream")}, data=form
    )


async def uploaded(client: Http, data: bytes, filename: str, **form: str) -> dict[str, Any]:
    response = await upload(client, data, filename, **form)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def proposal(client: Http, ids: list[int]) -> dict[str, Any]:
    body = {"kind": "proposal", "title": "첨부 제안", "body": "공고문을 붙입니다", "attachments": ids}
    response = await client.post("/api/threads", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]  # type: ignore[no-any-return]


async def test_jpeg_loses_exif_and_gps_and_stays_upright(company: Http, anonymous: Http) -> None:
    """A photo with GPS and an owner is re-encoded without EXIF, rotated as its orientation said."""
    shown = await uploaded(company, files.jpeg_with_gps(40, 20), "photo.jpeg")
    assert (shown["type"], shown["name"]) == ("image/jpeg", "photo.jpg")
    assert len(shown["sha256"]) == 64
    thread = await proposal(company, [shown["id"]])
    (attachment,) = thread["attachments"]
    served = await anonymous.get(attachment["url"])
    assert served.status_code == 200
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (20, 40)
    assert not image.getexif() and b"Exif" not in served.content
    assert "홍길동".encode() not in served.content


async def test_pdf_loses_its_author_everywhere(company: Http, anonymous: Http) -> None:
    """A PDF's document info, XMP and annotation authors are gone from the kept file."""
    original = files.pdf_with_author()
    assert b"Kim Author" in original
    shown = await uploaded(company, original, "notice.pdf")
    thread = await proposal(company, [shown["id"]])
    served = await anonymous.get(thread["attachments"][0]["url"])
    assert b"Kim Author" not in served.content
    with pikepdf.open(io.BytesIO(served.content)) as pdf:
        assert "/Author" not in pdf.docinfo and "/Metadata" not in pdf.Root
        assert str(pdf.pages[0].obj.Annots[0].T) == ""


async def test_identifiers_in_a_pdfs_text_or_a_file_name_are_refused(company: Http) -> None:
    """The personal-information guard reads a PDF's text and the file's name; a rename passes."""
    refused = await upload(company, files.pdf_with_author("Call 010-1234-5678"), "notice.pdf")
    assert refused.status_code == 422 and code(refused) == "personal_information"
    assert refused.json()["error"]["fields"] == {"file": "phone_number"}
    named = await upload(company, files.png(), "010-1234-5678.png")
    assert named.status_code == 422 and named.json()["error"]["fields"] == {"name": "phone_number"}
    renamed = await uploaded(company, files.png(), "010-1234-5678.png", name="화면 캡처")
    assert renamed["name"] == "화면 캡처.png"


async def test_hwpx_loses_its_creator_and_its_text_is_guarded(company: Http, anonymous: Http) -> None:
    """HWPX is accepted by its manifest; content.hpf keeps no creator; its text passes the guard."""
    shown = await uploaded(company, files.hwpx(creator="홍길동"), "form.hwpx")
    assert shown["type"] == "application/hwp+zip"
    thread = await proposal(company, [shown["id"]])
    served = await anonymous.get(thread["attachments"][0]["url"])
    with zipfile.ZipFile(io.BytesIO(served.content)) as package:
        assert package.namelist()[0] == "mimetype"
        assert "홍길동" not in package.read("Contents/content.hpf").decode()
    refused = await upload(company, files.hwpx(text="담당 010-9876-5432"), "form.hwpx")
    assert refused.status_code == 422 and code(refused) == "personal_information"


async def test_office_documents_lose_authors_and_refuse_active_content(
    company: Http, anonymous: Http
) -> None:
    """DOCX authors (core, app, tracked changes) are blanked; macros and remote templates refused."""
    shown = await uploaded(company, files.docx(creator="홍길동"), "양식.docx")
    assert shown["type"].endswith("wordprocessingml.document")
    thread = await proposal(company, [shown["id"]])
    served = await anonymous.get(thread["attachments"][0]["url"])
    with zipfile.ZipFile(io.BytesIO(served.content)) as package:
        for part in ("docProps/core.xml", "docProps/app.xml", "word/document.xml"):
            assert "홍길동" not in package.read(part).decode(), part
        assert "가나다" not in package.read("docProps/app.xml").decode()
    for made in (files.docx(macro=True), files.docx(external=True)):
        refused = await upload(company, made, "양식.docx")
        assert refused.status_code == 422 and code(refused) == "file_type", refused.text


async def test_files_are_told_by_content_not_by_name(company: Http) -> None:
    """An executable named .pdf, text named .png, and an empty file are all 422 file_type."""
    for data, name in ((files.exe(), "notice.pdf"), (b"hello", "a.png"), (b"", "empty.pdf")):
        refused = await upload(company, data, name)
        assert refused.status_code == 422 and code(refused) == "file_type", (name, refused.text)
    png = await uploaded(company, files.png(), "screenshot.pdf")
    assert (png["type"], png["name"]) == ("image/png", "screenshot.png")


async def test_uploads_need_an_account_and_a_file(anonymous: Http, company: Http) -> None:
    """Anonymous uploads are 401; a body without the file field, or not multipart, is 422."""
    assert (await upload(anonymous, files.png(), "a.png")).status_code == 401
    missing = await company.post("/api/uploads", files={"other": ("a.png", files.png())})
    assert missing.status_code == 422
    assert (await company.post("/api/uploads", json={"file": "x"})).status_code == 422


async def test_served_files_have_safe_headers_and_revalidate(company: Http, anonymous: Http) -> None:
    """GET: attachment disposition with the Korean name, nosniff, sandbox, an ETag; 304 on a match."""
    shown = await uploaded(company, files.png(), "화면.png")
    thread = await proposal(company, [shown["id"]])
    (attachment,) = thread["attachments"]
    assert attachment == {
        "id": shown["id"],
        "name": "화면.png",
        "size": shown["size"],
        "type": "image/png",
        "url": f"/api/attachments/{shown['id']}",
        "sha256": shown["sha256"],
    }
    served = await anonymous.get(attachment["url"])
    headers = served.headers
    assert headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%ED%99%94%EB%A9%B4.png" in headers["content-disposition"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "sandbox"
    assert headers["cache-control"] == "private, no-cache"
    assert headers["etag"] == f'"{shown["sha256"]}"'
    assert headers["content-type"] == "image/png" and "set-cookie" not in headers
    again = await anonymous.get(attachment["url"], headers={"if-none-match": headers["etag"]})
    assert again.status_code == 304
    # A logged-in reader gets the same caching (no-cache, not no-store).
    assert (await company.get(attachment["url"])).headers["cache-control"] == "private, no-cache"


async def test_posts_carry_files_live_and_in_rest(
    server: InProcessServer, company: Http, agency: Http, staff: Http, anonymous: Http
) -> None:
    """A comment's and an answer's files reach watchers in the frame and readers in REST."""
    thread = await proposal(company, [])
    assert "attachments" not in thread
    socket = await Socket.open(server.ws_url)
    await socket.subscribe(f"thread:{thread['id']}")
    first = await uploaded(agency, files.png(), "one.png")
    second = await uploaded(agency, files.pdf_with_author(), "two.pdf")
    posted = await agency.post(
        f"/api/threads/{thread['id']}/comments",
        json={"body": "파일 두 개", "attachments": [second["id"], first["id"]]},
    )
    assert posted.status_code == 201, posted.text
    assert [a["name"] for a in posted.json()["attachments"]] == ["two.pdf", "one.png"]
    (frame,) = await socket.events(1)
    assert frame["event"] == "comment.created"
    assert [a["id"] for a in frame["data"]["comment"]["attachments"]] == [second["id"], first["id"]]
    listed = (await anonymous.get(f"/api/threads/{thread['id']}/comments")).json()["items"]
    assert [a["name"] for a in listed[0]["attachments"]] == ["two.pdf", "one.png"]
    answer_file = await uploaded(staff, files.png(), "answer.png")
    answered = await staff.post(
        f"/api/threads/{thread['id']}/answers", json={"body": "검토 중", "attachments": [answer_file["id"]]}
    )
    assert answered.status_code == 201, answered.text
    (answer_frame,) = await socket.events(1)
    assert answer_frame["data"]["answer"]["attachments"][0]["name"] == "answer.png"
    shown = (await anonymous.get(f"/api/threads/{thread['id']}")).json()
    assert shown["answers"][0]["attachments"][0]["name"] == "answer.png"
    await socket.close()


async def test_only_your_own_unattached_uploads_attach(company: Http, agency: Http) -> None:
    """Another account's upload, an attached one, six, or a repeat: 422, and nothing is posted."""
    mine = await uploaded(company, files.png(), "a.png")
    theirs = await uploaded(agency, files.png(), "b.png")
    body = {"kind": "proposal", "title": "t", "body": "b"}
    stolen = await company.post("/api/threads", json={**body, "attachments": [mine["id"], theirs["id"]]})
    assert stolen.status_code == 422 and code(stolen) == "attachment_unknown"
    # The refused post took nothing: mine is still free.
    await proposal(company, [mine["id"]])
    again = await company.post("/api/threads", json={**body, "attachments": [mine["id"]]})
    assert again.status_code == 422 and code(again) == "attachment_unknown"
    six = [(await uploaded(company, files.png(), f"{i}.png"))["id"] for i in range(6)]
    assert (await company.post("/api/threads", json={**body, "attachments": six})).status_code == 422
    twice = await company.post("/api/threads", json={**body, "attachments": [six[0], six[0]]})
    assert twice.status_code == 422


async def test_hidden_and_withdrawn_posts_files_are_404(
    server: InProcessServer, company: Http, agency: Http, staff: Http, anonymous: Http
) -> None:
    """Hiding or deleting a comment, or withdrawing a proposal, makes its files 404 to the public
    (moderators still fetch them), drops them from REST and from replayed frames."""
    thread = await proposal(company, [(await uploaded(company, files.png(), "t.png"))["id"]])
    hidden_file = await uploaded(agency, files.png(), "h.png")
    deleted_file = await uploaded(agency, files.png(), "d.png")
    path = f"/api/threads/{thread['id']}/comments"
    hidden = (
        await agency.post(path, json={"body": "숨겨질 댓글", "attachments": [hidden_file["id"]]})
    ).json()
    deleted = (
        await agency.post(path, json={"body": "지울 댓글", "attachments": [deleted_file["id"]]})
    ).json()
    url_hidden, url_deleted = hidden["attachments"][0]["url"], deleted["attachments"][0]["url"]
    assert (await anonymous.get(url_hidden)).status_code == 200
    assert (
        await staff.post(f"/api/comments/{hidden['id']}/hide", json={"reason": "광고"})
    ).status_code == 200
    assert (await agency.delete(f"/api/comments/{deleted['id']}")).status_code == 200
    for url in (url_hidden, url_deleted):
        assert (await anonymous.get(url)).status_code == 404
        assert (await company.get(url)).status_code == 404
    assert (await staff.get(url_hidden)).status_code == 200
    listed = (await anonymous.get(path)).json()["items"]
    assert all("attachments" not in item for item in listed)
    socket = await Socket.open(server.ws_url)
    await socket.subscribe(f"thread:{thread['id']}", since=0)
    replayed = await socket.events(thread["seq"] + 4)
    assert all("attachments" not in f["data"].get("comment", {}) for f in replayed)
    await socket.close()
    thread_url = thread["attachments"][0]["url"]
    assert (await anonymous.get(thread_url)).status_code == 200
    assert (await company.post(f"/api/threads/{thread['id']}/withdraw")).status_code == 200
    assert (await anonymous.get(thread_url)).status_code == 404
    assert "attachments" not in (await anonymous.get(f"/api/threads/{thread['id']}")).json()


async def test_an_upload_never_attached_is_not_served(company: Http, anonymous: Http) -> None:
    """Until a post carries it, an upload has no public url: 404 even to its uploader."""
    shown = await uploaded(company, files.png(), "a.png")
    assert (await anonymous.get(f"/api/attachments/{shown['id']}")).status_code == 404
    assert (await company.get(f"/api/attachments/{shown['id']}")).status_code == 404


async def test_erasing_a_post_removes_its_files_once_unreferenced(
    server: InProcessServer, company: Http, agency: Http, anonymous: Http
) -> None:
    """erase_post drops the post's references; a file shared with another post stays until its
    last reference goes."""
    data = files.png(31, 17)
    one = await proposal(company, [(await uploaded(company, data, "a.png"))["id"]])
    two = await proposal(agency, [(await uploaded(agency, data, "b.png"))["id"]])
    sha = (await anonymous.get(one["attachments"][0]["url"])).headers["etag"].strip('"')
    attachments = server.services.attachments
    kept = attachments.storage.path(sha)  # type: ignore[attr-defined]
    assert kept.is_file()
    assert await attachments.erase_post("thread", one["id"]) == 1
    assert (await anonymous.get(one["attachments"][0]["url"])).status_code == 404
    assert kept.is_file() and (await anonymous.get(two["attachments"][0]["url"])).status_code == 200
    assert await attachments.erase_post("thread", two["id"]) == 1
    assert not kept.exists()


async def test_gc_removes_uploads_never_attached_within_a_day(
    server: InProcessServer, company: Http, anonymous: Http
) -> None:
    """The sweep removes day-old unattached uploads and their files; attached ones stay."""
    orphan = await uploaded(company, files.png(11, 13), "orphan.png")
    kept = await uploaded(company, files.png(13, 11), "kept.png")
    thread = await proposal(company, [kept["id"]])
    attachments = server.services.attachments
    storage: Any = attachments.storage
    assert storage.path(orphan["sha256"]).is_file()
    assert await attachments.gc() == (0, 0)
    rows, removed = await attachments.gc(now=datetime.now(UTC) + timedelta(days=1, minutes=1))
    assert rows >= 1 and removed >= 1
    assert not storage.path(orphan["sha256"]).exists()
    assert (await anonymous.get(thread["attachments"][0]["url"])).status_code == 200
    again = await company.post("/api/threads", json={"kind": "proposal", "title": "t", "body": "b",
                                                      "attachments": [orphan["id"]]})  # fmt: skip
    assert again.status_code == 422


async def test_size_limit_and_daily_quota(make_server: Callable[..., Awaitable[InProcessServer]]) -> None:
    """Past TONG_UPLOAD_MAX an upload is 413; past the day's quota, 429 upload_quota."""
    server = await make_server(upload_max=64 * 1024, upload_daily_max=2)
    client = await server.user("company")
    try:
        big = await upload(client, files.pdf_with_author(padding=200 * 1024), "big.pdf")
        assert big.status_code == 413, big.text
        await uploaded(client, files.png(), "1.png")
        await uploaded(client, files.png(), "2.png")
        third = await upload(client, files.png(), "3.png")
        assert third.status_code == 429 and code(third) == "upload_quota"
        assert not list(server.settings.uploading_dir.iterdir())
    finally:
        await client.aclose()


async def test_tong_attachments_gc_runs_beside_a_server(server: InProcessServer, company: Http) -> None:
    """`tong attachments gc` sweeps the server's database and data directory, keeping fresh uploads."""
    fresh = await uploaded(company, files.png(9, 9), "fresh.png")
    environment = {
        **os.environ,
        "DATABASE_URL": server.settings.effective_database_url,
        "TONG_DATA_DIR": str(server.settings.data_dir),
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "server", "attachments", "gc"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "unattached uploads" in done.stdout
    storage: Any = server.services.attachments.storage
    assert storage.path(fresh["sha256"]).is_file()


async def test_exports_name_attached_files_by_sha256(company: Http, staff: Http) -> None:
    """The staff export (CSV and JSON Lines) carries each attached file's sha256 in the payload."""
    shown = await uploaded(company, files.png(7, 5), "export.png")
    thread = await proposal(company, [shown["id"]])
    query = {"thread_id": thread["id"], "type": "thread.created"}
    lines = (await staff.get("/api/staff/events", params={**query, "format": "jsonl"})).text.splitlines()
    (row,) = [json.loads(line) for line in lines]
    assert row["payload"]["attachments"][0]["sha256"] == shown["sha256"]
    csv_text = (await staff.get("/api/staff/events", params={**query, "format": "csv"})).text
    assert shown["sha256"] in csv_text


async def test_hwp_loses_its_summary_information_and_scripts_are_refused(
    company: Http, anonymous: Http
) -> None:
    """An HWP (OLE compound file) is accepted with its author blanked; one with Scripts is refused."""
    shown = await uploaded(company, files.hwp(author="홍길동"), "공고.hwp")
    assert shown["type"] == "application/x-hwp"
    thread = await proposal(company, [shown["id"]])
    served = (await anonymous.get(thread["attachments"][0]["url"])).content
    assert served.startswith(bytes.fromhex("D0CF11E0A1B11AE1"))
    assert "홍길동".encode("utf-16-le") not in served
    refused = await upload(company, files.hwp(scripts=True), "공고.hwp")
    assert refused.status_code == 422 and code(refused) == "file_type"


async def test_a_held_comments_files_wait_with_it(
    make_server: Callable[..., Awaitable[InProcessServer]],
) -> None:
    """A comment held for pre-moderation keeps its files: released, the comment carries them;
    rejected, they are erased."""
    server = await make_server(hold_enabled=True, hold_words=["광고"], office_hours="00:00-00:00")
    company, moderator = await server.user("company"), await server.user("staff", ("moderator",))
    try:
        thread = await proposal(company, [])
        path = f"/api/threads/{thread['id']}/comments"
        kept = await uploaded(company, files.png(5, 9), "kept.png")
        dropped = await uploaded(company, files.png(9, 5), "dropped.png")
        first = await company.post(path, json={"body": "광고 같은 글", "attachments": [kept["id"]]})
        second = await company.post(path, json={"body": "광고 또", "attachments": [dropped["id"]]})
        assert (first.status_code, second.status_code) == (202, 202), first.text
        released = await moderator.post(f"/api/staff/held/{first.json()['id']}/release", json={})
        assert released.status_code == 200, released.text
        assert released.json()["comment"]["attachments"][0]["name"] == "kept.png"
        assert (await company.get(released.json()["comment"]["attachments"][0]["url"])).status_code == 200
        rejected = await moderator.post(
            f"/api/staff/held/{second.json()['id']}/reject", json={"reason": "광고"}
        )
        assert rejected.status_code == 200, rejected.text
        storage: Any = server.services.attachments.storage
        assert not storage.path(dropped["sha256"]).exists()
        assert storage.path(kept["sha256"]).is_file()
    finally:
        await company.aclose()
        await moderator.aclose()


async def test_hostile_upload_bodies_are_refused_cleanly(company: Http) -> None:
    """A truncated or boundary-less multipart body is 422, never a 500; a name with directories
    (POSIX or Windows) keeps only its last part."""
    truncated = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n' + files.png()
    for body, content_type in (
        (truncated, "multipart/form-data; boundary=x"),
        (b"garbage", "multipart/form-data"),
        (b"--x--\r\n", "multipart/form-data; boundary=x"),
    ):
        refused = await company.post("/api/uploads", content=body, headers={"content-type": content_type})
        assert refused.status_code == 422, (body[:20], refused.status_code, refused.text)
    for given in ("../../etc/passwd.png", "C:\\Users\\kim\\passwd.png"):
        assert (await uploaded(company, files.png(), given))["name"] == "passwd.png"


async def test_uploads_spend_the_write_rate_limit(
    make_server: Callable[..., Awaitable[InProcessServer]],
) -> None:
    """With two writes a minute, an upload and a proposal spend them; the next upload is 429."""
    server = await make_server(rate_limit_per_minute=2)
    client = await server.user("company")
    try:
        await proposal(client, [(await uploaded(client, files.png(), "a.png"))["id"]])
        limited = await upload(client, files.png(), "b.png")
        assert limited.status_code == 429 and code(limited) == "rate_limited"
        assert "retry-after" in limited.headers
    finally:
        await client.aclose()
