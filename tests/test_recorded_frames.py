"""Real frames for the browser's thread reducer: a thread's REST state, every frame an anonymous
watcher received while the thread changed, and the REST state after. Node's test runner folds the
frames over the first state and must reach the last (tests/js/thread-state.test.mjs).

The committed fixture is kept in sync by this test: the frames recorded now must have the same
shape (event types and fields) as the committed ones. Re-record after a protocol change with
TONG_RECORD_FRAMES=1 (SQLite stack).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer

FIXTURE = Path(__file__).resolve().parent / "js" / "fixtures" / "thread-frames.json"
RECORD = os.environ.get("TONG_RECORD_FRAMES") == "1"
# Counts frames are coalesced (at most 4 a second): the last one may come a little after the events.
SETTLE_S = 5.0


def shape(frames: list[dict[str, Any]]) -> list[Any]:
    """What the reducer depends on, without ids, times or the number of coalesced counts frames."""

    def keys(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: keys(v) for k, v in sorted(value.items()) if k not in ("comment_recommendations",)}
        return type(value).__name__ if value is not None else "null"

    events = [[f["event"], keys(f.get("data"))] for f in frames if f["type"] == "event"]
    counts = sorted({k for f in frames if f["type"] == "counts" for k in f["data"]})
    return [events, counts]


async def _snapshot(reader: Http, thread_id: int) -> dict[str, Any]:
    thread = (await reader.get(f"/api/threads/{thread_id}")).json()
    comments = (await reader.get(f"/api/threads/{thread_id}/comments", params={"limit": 200})).json()["items"]
    return {"thread": thread, "comments": comments}


async def _collect(socket: Socket, until: dict[str, Any]) -> list[dict[str, Any]]:
    """Frames until the last event seq is in and a counts frame shows the final recommendations."""
    frames: list[dict[str, Any]] = []
    want_seq = until["thread"]["seq"]
    want_recs = until["thread"]["counts"]["recommendations"]
    want_comment_recs = {str(c["id"]): c["counts"]["recommendations"] for c in until["comments"]}
    seen_seq, recs, comment_recs = 0, None, {}
    deadline = asyncio.get_running_loop().time() + SETTLE_S
    while not (
        seen_seq >= want_seq
        and recs == want_recs
        and all(comment_recs.get(k, v) == v for k, v in want_comment_recs.items())
    ):
        frame = await socket.recv(max(0.1, deadline - asyncio.get_running_loop().time()))
        frames.append(frame)
        if frame["type"] == "event":
            seen_seq = frame["seq"]
        elif frame["type"] == "counts":
            recs = frame["data"].get("recommendations", recs)
            comment_recs.update(frame["data"].get("comment_recommendations", {}))
    return frames


async def test_recorded_thread_frames_match_the_committed_fixture(
    server: InProcessServer, company: Http, agency: Http, staff: Http, anonymous: Http
) -> None:
    """A thread's life (comments, a reply, recommendations, hide/restore/hide, interim and final
    answers; v1.1 edits of the proposal, a comment and an answer, a deleted comment) gives frames
    of the committed fixture's shape; the fixture is re-recorded when asked."""
    thread = await company.thread("견적 제출 기간을 늘려 주세요", "영업일 3일을 보장해 주세요.")
    tid = thread["id"]
    first = await agency.comment(tid, "동의합니다.")
    second = await company.comment(tid, "현장 확인이 필요한 품목은 더 깁니다.")
    start = await _snapshot(anonymous, tid)

    socket = await Socket.open(server.ws_url)
    subscribed = await socket.subscribe(f"thread:{tid}", since=start["thread"]["seq"])
    other = await server.user("company")
    try:
        reply = await company.comment(tid, "의견 감사합니다.", first["id"])
        spam = await other.comment(tid, "저희 쇼핑몰에서 특가 판매 중입니다!")
        await company.put(f"/api/comments/{first['id']}/recommendation")
        await other.put(f"/api/comments/{first['id']}/recommendation")
        await agency.put(f"/api/threads/{tid}/recommendation")
        await staff.post(f"/api/comments/{spam['id']}/hide", json={"reason": "광고"})
        await staff.post(f"/api/comments/{spam['id']}/restore", json={})
        await staff.post(f"/api/comments/{spam['id']}/hide", json={"reason": "광고 재게시"})
        # v1.1: the author edits the proposal and deletes a comment; a commenter edits theirs.
        await company.patch(f"/api/threads/{tid}", json={"title": "견적 제출 기간을 늘려 주십시오"})
        await agency.patch(f"/api/comments/{first['id']}", json={"body": "동의합니다. 저희도 같습니다."})
        await company.delete(f"/api/comments/{second['id']}")
        await staff.post(f"/api/threads/{tid}/answers", json={"body": "검토하고 있습니다."})
        await agency.comment(tid, "답변 감사합니다.", reply["parent_id"])
        final = {"body": "권고 지침을 내겠습니다.", "outcome": "accepted"}
        answered = (await staff.post(f"/api/threads/{tid}/answers", json=final)).json()
        await staff.patch(f"/api/answers/{answered['id']}", json={"body": "권고 지침을 곧 내겠습니다."})
        await other.delete(f"/api/comments/{first['id']}/recommendation")
        end = await _snapshot(anonymous, tid)
        frames = [subscribed, *await _collect(socket, end)]
    finally:
        await socket.close()
        await other.aclose()

    recorded = {"start": start, "frames": frames, "end": end}
    if RECORD and server.services.db.dialect == "sqlite":
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        FIXTURE.write_text(json.dumps(recorded, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    committed = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert shape(frames) == shape(committed["frames"]), (
        "the thread frames changed shape: re-record with TONG_RECORD_FRAMES=1 and run node --test tests/js"
    )
