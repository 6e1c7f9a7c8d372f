"""Hostile input gets a 4xx with the error body (or an `error` frame on a socket that stays open),
nothing is stored and nothing is logged as a server error; endpoints the contract shows without a
body accept none, an empty one, or `{}`."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import httpx
import pytest

from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer

JSON = {"content-type": "application/json"}
PAST_64_BITS = str(2**64)


@pytest.fixture(autouse=True)
def no_server_errors(caplog: pytest.LogCaptureFixture) -> Any:
    """The in-process server logs through this process's logging: no error, no traceback."""
    with caplog.at_level(logging.WARNING):
        yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not errors, [r.getMessage() for r in errors]


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert {"code", "message", "fields"} <= set(error), error
    if code is not None:
        assert error["code"] == code, error
    return error  # type: ignore[no-any-return]


async def assert_no_comments(client: Http, thread_id: int) -> None:
    comments = (await client.get(f"/api/threads/{thread_id}/comments")).json()
    assert comments["items"] == [] and comments["seq"] == 0


async def test_json_nested_deeper_than_a_thousand(company: Http) -> None:
    """A body nested 1,000+ deep answers 400 invalid_json and stores nothing."""
    thread = await company.thread()
    url = f"/api/threads/{thread['id']}/comments"
    raw = b'{"body": "x", "parent_id": ' + b"[" * 1_200 + b"]" * 1_200 + b"}"
    assert_error(await company.post(url, content=raw, headers=JSON), 400, "invalid_json")
    assert_error(await company.post(url, content=b"[" * 5_000 + b"]" * 5_000, headers=JSON), 400)
    await assert_no_comments(company, thread["id"])


async def test_integer_of_five_thousand_digits(company: Http) -> None:
    """A 5,000-digit integer answers 4xx with the error body and stores nothing."""
    thread = await company.thread()
    url = f"/api/threads/{thread['id']}/comments"
    raw = b'{"body": "x", "parent_id": ' + b"9" * 5_000 + b"}"
    assert_error(await company.post(url, content=raw, headers=JSON), 400, "invalid_json")
    assert_error(await company.get(f"{url}?after_seq={'9' * 5_000}"), 422, "validation_error")
    assert_error(await company.get(f"/api/threads/{'9' * 5_000}"), 404, "not_found")
    await assert_no_comments(company, thread["id"])


async def test_lone_surrogate(company: Http) -> None:
    """A JSON string holding a lone surrogate ("a\\ud800b") answers 400 and stores nothing."""
    thread = await company.thread()
    url = f"/api/threads/{thread['id']}/comments"
    assert_error(await company.post(url, content=b'{"body": "a\\ud800b"}', headers=JSON), 400, "invalid_json")
    assert_error(
        await company.post(
            "/api/threads", content=b'{"kind": "proposal", "title": "\\udfff", "body": "b"}', headers=JSON
        ),
        400,
    )
    await assert_no_comments(company, thread["id"])


async def test_ids_and_positions_past_64_bits(company: Http) -> None:
    """Ids, after_seq and parent_id past 64 bits (and past PostgreSQL's 32-bit id columns) answer
    4xx: never a database overflow, never a 503."""
    thread = await company.thread()
    base = f"/api/threads/{thread['id']}"
    assert_error(await company.get(f"/api/threads/{2**31}"), 404, "not_found")
    assert_error(await company.get(f"/api/threads/{2**31}/comments"), 404, "not_found")
    error = assert_error(await company.get(f"{base}/comments?after_seq={2**31}"), 422)
    assert error["fields"] == {"after_seq": "out_of_range"}
    assert_error(await company.get(f"/api/threads/{2**63}"), 404, "not_found")
    assert_error(await company.get(f"/api/threads/{PAST_64_BITS}"), 404, "not_found")
    assert (await company.get(f"/threads/{2**63}")).status_code == 404
    assert (await company.get(f"/threads/{'9' * 5_000}")).status_code == 404
    assert_error(await company.put(f"/api/comments/{2**63}/recommendation"), 404, "not_found")
    error = assert_error(await company.get(f"{base}/comments?after_seq={PAST_64_BITS}"), 422)
    assert error["fields"] == {"after_seq": "out_of_range"}
    raw = b'{"body": "x", "parent_id": ' + PAST_64_BITS.encode() + b"}"
    error = assert_error(await company.post(f"{base}/comments", content=raw, headers=JSON), 422)
    assert error["fields"] == {"parent_id": "out_of_range"}
    for cursor in ([int(PAST_64_BITS)], ["2026-01-01T00:00:00+00:00", int(PAST_64_BITS)], ["1", "2"]):
        encoded = base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")
        error = assert_error(await company.get(f"/api/threads?cursor={encoded}"), 422)
        assert error["fields"] == {"cursor": "invalid"}
    await assert_no_comments(company, thread["id"])


async def test_cursor_holding_a_list(anonymous: Http) -> None:
    """A cursor whose values are lists answers 422 on every sort order (it once reached SQL: 503)."""
    for sort, cursor in (("latest", [[1]]), ("recommended", [[1, 2], 5]), ("active", [[], 3])):
        encoded = base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")
        error = assert_error(await anonymous.get(f"/api/threads?sort={sort}&cursor={encoded}"), 422)
        assert error["fields"] == {"cursor": "invalid"}


async def test_socket_channels_with_non_ascii_digits(server: InProcessServer, company: Http) -> None:
    """`thread:¹`, `thread:١` and `thread:\\ud800` get an error frame; the socket stays open and
    nothing was subscribed (`١` is not thread 1)."""
    thread = await company.thread()
    socket = await Socket.open(server.ws_url)
    try:
        arabic_indic = str(thread["id"]).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        for channel in ("thread:¹", "thread:١", f"thread:{arabic_indic}"):
            frame = await socket.subscribe(channel)
            assert frame["type"] == "error" and frame["code"] == "unknown_channel", frame
        await socket.send('{"op": "subscribe", "channel": "thread:\\ud800"}')
        frame = await socket.expect(lambda f: f["type"] == "error")
        assert frame["code"] == "bad_frame", frame
        await socket.send('{"op": "subscribe", "channel": "thread:1", "since": ' + "9" * 5_000 + "}")
        assert (await socket.expect(lambda f: f["type"] == "error"))["code"] == "bad_frame"
        await socket.send("[" * 5_000 + "]" * 5_000)
        assert (await socket.expect(lambda f: f["type"] == "error"))["code"] == "bad_frame"
        # Still open, and the one real subscription is the only one.
        assert (await socket.subscribe(f"thread:{thread['id']}"))["type"] == "subscribed"
        await company.comment(thread["id"], "하나")
        (event,) = await socket.events(1)
        assert event["channel"] == f"thread:{thread['id']}"
    finally:
        await socket.close()


BODILESS = [
    ("PUT", "/api/threads/{thread}/recommendation"),
    ("DELETE", "/api/threads/{thread}/recommendation"),
    ("PUT", "/api/comments/{comment}/recommendation"),
    ("DELETE", "/api/comments/{comment}/recommendation"),
]
FORMS: dict[str, dict[str, Any]] = {
    "none": {},
    "empty": {"content": b"", "headers": JSON},
    "object": {"content": b"{}", "headers": JSON},
}


@pytest.mark.parametrize("form", list(FORMS))
async def test_bodiless_endpoints_accept_no_body(
    server: InProcessServer, company: Http, agency: Http, staff: Http, form: str
) -> None:
    """Recommendations, restore and logout accept no body, an empty body, or `{}`."""
    thread = await company.thread()
    comment = await company.comment(thread["id"], "의견")
    for method, template in BODILESS:
        url = template.format(thread=thread["id"], comment=comment["id"])
        response = await agency.request(method, url, **FORMS[form])
        assert response.status_code == 200, (method, url, response.text)
        assert response.json()["recommended"] is (method == "PUT")
    hidden = await staff.post(f"/api/comments/{comment['id']}/hide", json={"reason": "광고"})
    assert hidden.status_code == 200, hidden.text
    restored = await staff.post(f"/api/comments/{comment['id']}/restore", **FORMS[form])
    assert restored.status_code == 200, restored.text
    assert restored.json()["hidden"] is False and restored.json()["body"] == "의견"
    logged_out = await agency.request("DELETE", "/api/session", **FORMS[form])
    assert logged_out.status_code == 204, logged_out.text
    assert_error(await agency.get("/api/me"), 401)


@pytest.mark.parametrize("form", list(FORMS))
async def test_notices_seen_without_ids_marks_all(company: Http, staff: Http, form: str) -> None:
    """`POST /api/me/notices/seen` with no body, an empty one or `{}` marks every notice seen
    (the contract: all when `ids` is absent)."""
    proposals = [await company.thread(f"제안 {n}") for n in range(2)]
    for proposal in proposals:
        response = await staff.post(
            "/api/threads",
            json={"kind": "change", "title": "바꾸었습니다", "body": "바뀐 점", "links": [proposal["id"]]},
        )
        assert response.status_code == 201, response.text
    assert len((await company.get("/api/me/notices")).json()["items"]) == 2
    seen = await company.post("/api/me/notices/seen", **FORMS[form])
    assert seen.status_code == 200, seen.text
    assert len(seen.json()["seen"]) == 2
    after = (await company.get("/api/me/notices")).json()
    # Seen notices stay in the list (the bell shows read and unread), none is unread any more.
    assert after["unread"] == 0
    assert [notice["seen"] for notice in after["items"]] == [True, True]


EDGE_DATES = ["0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31", "9999-12-31T23:59:59-14:00"]


@pytest.mark.parametrize("moment", EDGE_DATES)
async def test_dates_at_the_edges_of_the_calendar_filter_like_any_other(
    company: Http, staff: Http, moment: str
) -> None:
    """since, until, from and to at year 1 or 9999 (with or without a zone) answer 200, as the
    earliest or latest bound they mean, on the board, the staff log and its exports."""
    thread = await company.thread("달력의 끝")
    before = moment.startswith("0001")
    board = await company.get("/api/threads", params={"since" if before else "until": moment})
    assert board.status_code == 200, board.text
    assert thread["id"] in [t["id"] for t in board.json()["items"]]
    empty = await company.get("/api/threads", params={"until" if before else "since": moment})
    assert empty.status_code == 200 and empty.json()["items"] == [], empty.text
    for fmt in ("json", "csv", "jsonl"):
        for name in ("from", "to"):
            answer = await staff.get(
                "/api/staff/events", params={name: moment, "format": fmt, "thread_id": thread["id"]}
            )
            assert answer.status_code == 200, (name, fmt, answer.text)


@pytest.mark.parametrize("value", ["2026-12-01T10:00:00", *EDGE_DATES[1::2]])
async def test_a_time_cursor_without_a_zone_is_a_clear_422(company: Http, value: str) -> None:
    """A list cursor holding a time without a zone (or one past the calendar's edge) answers 422
    naming the cursor, never a 500."""
    cursor = base64.urlsafe_b64encode(json.dumps([value, 5]).encode()).decode().rstrip("=")
    for sort in ("active", "latest"):
        answer = await company.get("/api/threads", params={"sort": sort, "cursor": cursor})
        error = assert_error(answer, 422, "validation_error")
        assert error["fields"] == {"cursor": "invalid"}


@pytest.mark.parametrize("token", ["c.1.가나다.라마바", "u.1.가나다", "c.¹.x.y", "u.١.x", "u.1.\u00e9" * 3])
async def test_mail_tokens_that_are_not_ascii_are_invalid_links(anonymous: Http, token: str) -> None:
    """A confirmation or unsubscribe token holding non-ASCII characters or digits answers 404
    invalid_token, like any forged link (compare_digest refuses non-ASCII text with a TypeError)."""
    for path in ("/api/mail/confirm", "/api/mail/unsubscribe"):
        assert_error(await anonymous.post(path, params={"token": token}), 404, "invalid_token")
