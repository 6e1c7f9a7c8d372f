"""Every public text field is screened for identifiers, text that shows nothing is empty, and
bidi controls never reach the page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from tests.support.clients import Http
from tests.support.servers import InProcessServer
from tests.test_identifiers_table import B1, dashed

BLANKS = [
    "\u200b\u200b\u200b",  # zero-width spaces
    "\u3164\u3164",  # Hangul filler
    "\u202e\u202d",  # right-to-left and left-to-right overrides
    "\u200d\ufeff\u2060 \u115f\u1160\uffa0",  # joiners, BOM, word joiner, other fillers
    "\u2800 \u3000",  # braille blank, ideographic space
]


@pytest.mark.parametrize("blank", BLANKS)
async def test_invisible_title_and_body_are_empty(company: Http, blank: str) -> None:
    """A title or body made only of invisible characters is refused as empty."""
    response = await company.post("/api/threads", json={"kind": "proposal", "title": blank, "body": "본문"})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"] == {"title": "empty"}
    response = await company.post("/api/threads", json={"kind": "proposal", "title": "제목", "body": blank})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"] == {"body": "empty"}


@pytest.mark.parametrize("blank", BLANKS)
async def test_invisible_comment_is_empty(company: Http, blank: str) -> None:
    """A comment made only of invisible characters is refused as empty."""
    thread = await company.thread()
    response = await company.post(f"/api/threads/{thread['id']}/comments", json={"body": blank})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"] == {"body": "empty"}


async def test_bidi_controls_are_removed(company: Http) -> None:
    """Bidi overrides and isolates are stripped from what is stored and shown; the letters stay."""
    thread = await company.thread(title="파일 \u202egpj.exe\u202c 첨부", body="\u2067본문\u2069 \u200f끝")
    assert thread["title"] == "파일 gpj.exe 첨부"
    assert thread["body"] == "본문 끝"
    comment = await company.comment(thread["id"], "a\u202eb\u202dc\u2066d")
    assert comment["body"] == "abcd"


async def test_staff_answer_is_screened(server: InProcessServer, company: Http, staff: Http) -> None:
    """An official answer holding a phone number, an e-mail and a business number is refused."""
    thread = await company.thread()
    last = await server.services.reader.max_log_id()
    body = f"담당: 010-1234-5678, kim@example.com, 사업자 {dashed(B1)}"
    response = await staff.post(
        f"/api/threads/{thread['id']}/answers", json={"body": body, "outcome": "accepted"}
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "personal_information"
    assert error["fields"] == {"body": "phone_number,email_address,business_registration_number"}
    assert await server.services.reader.max_log_id() == last
    assert (await company.get(f"/api/threads/{thread['id']}")).json()["answers"] == []


async def test_hide_reason_is_screened(company: Http, agency: Http, staff: Http) -> None:
    """A moderator's public hide reason holding an e-mail address is refused; the comment stays."""
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "댓글")
    response = await staff.post(
        f"/api/comments/{comment['id']}/hide", json={"reason": "문의는 mod[at]example.com 으로"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"] == {"reason": "email_address"}
    comments = (await company.get(f"/api/threads/{thread['id']}/comments")).json()["items"]
    assert comments[0]["hidden"] is False


async def test_obfuscated_phone_in_comment_is_refused(company: Http) -> None:
    """A phone number in full-width digits with a zero-width space is refused like a plain one."""
    thread = await company.thread()
    response = await company.post(
        f"/api/threads/{thread['id']}/comments", json={"body": "연락 ０１０\u200b-１２３４-５６７８"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"] == {"body": "phone_number"}


async def test_public_line_in_comment_is_stored(company: Http) -> None:
    """A public representative number and a document number are stored as written."""
    thread = await company.thread()
    body = "조달청 대표전화 042-724-7114, 접수번호 261129-1000234, 법인등록번호 110111-1234567"
    assert (await company.comment(thread["id"], body))["body"] == body


async def test_hold_word_with_zero_width_space_is_held(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """A hold word split by a zero-width space or typed in full-width letters is still held."""
    server = await make_server(hold_enabled=True, hold_words=("사기", "scam"), office_days=())
    clients.append(author := await server.user("company"))
    thread = await author.thread()
    for body in ("완전 사\u200b기 업체", "ｓｃａｍ 입니다", "S c a m"):
        response = await author.post(f"/api/threads/{thread['id']}/comments", json={"body": body})
        assert response.status_code == 202, (body, response.text)
        assert response.json()["held"] is True
