"""Identifiers that would unmask an anonymous author are found before anything is stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from server.text.identifiers import (
    BUSINESS_NUMBER,
    EMAIL_ADDRESS,
    PHONE_NUMBER,
    RESIDENT_NUMBER,
    business_check_digit_ok,
    kinds_in,
    resident_check_digit_ok,
)
from tests.support.clients import Http
from tests.support.servers import InProcessServer


def _valid_business_number(prefix: str = "220810") -> str:
    """A 사업자등록번호 with a correct check digit (computed, not hard-coded)."""
    for tail in range(1000):
        digits = f"{prefix}{tail:03d}"
        for check in range(10):
            if business_check_digit_ok(digits + str(check)):
                return digits + str(check)
    raise AssertionError("no valid number found")


BIZ = _valid_business_number()
BIZ_DASHED = f"{BIZ[:3]}-{BIZ[3:5]}-{BIZ[5:]}"
BIZ_WRONG = f"{BIZ[:3]}-{BIZ[3:5]}-{BIZ[5:9]}{(int(BIZ[9]) + 1) % 10}"

REAL_SHAPED = [
    ("주민등록번호 900101-1234567 입니다", RESIDENT_NUMBER),
    ("생년월일 포함 850315-2345678", RESIDENT_NUMBER),
    ("2021년생 아이 210405-3987654", RESIDENT_NUMBER),
    ("붙여 쓰면 9001011234568", RESIDENT_NUMBER),
    (f"저희 사업자번호는 {BIZ_DASHED}입니다", BUSINESS_NUMBER),
    (f"사업자등록번호: {BIZ}", BUSINESS_NUMBER),
    ("연락 주세요 010-1234-5678", PHONE_NUMBER),
    ("연락처010 1234 5678로", PHONE_NUMBER),
    ("휴대폰 01098765432", PHONE_NUMBER),
    ("사무실 02-123-4567", PHONE_NUMBER),
    ("지사 (031) 123-4567", PHONE_NUMBER),
    ("부산 051.987.6543", PHONE_NUMBER),
    ("인터넷전화 070-1234-5678", PHONE_NUMBER),
    ("해외에서 +82 10-1234-5678", PHONE_NUMBER),
    ("국제 +821012345678", PHONE_NUMBER),
    ("서울 +82 (0)2 123 4567", PHONE_NUMBER),
    ("메일 kim.chulsoo@example.co.kr 로", EMAIL_ADDRESS),
    ("Contact: procurement+bids@company-name.com.", EMAIL_ADDRESS),
]

NEAR_MISSES = [
    "회의는 2024-01-15 10:30에 합니다",
    "공고일 2024.01.15, 마감 2024. 1. 22.",
    "예정가격 1,234,567원, 기초금액 12,345,678원",
    "주문번호 20240115-0001234 확인 부탁드립니다",
    "입찰번호 20240512345-00 공고",
    "계약번호 R24BK01234567",
    "ORD-900101-1234567 건",
    "나라장터 버전 v10.1234.5678 에서 오류",
    "라이브러리 1.2.3 과 2.10.0",
    "콜센터 1588-0800 으로 문의",
    f"틀린 사업자번호 {BIZ_WRONG}",
    "123-45-67890 은 예시 번호입니다",
    "잘못된 날짜 901301-1234567",
    "성별자리 9가 아닌 900101-9234567",
    "붙여 쓴 13자리 9001011234567 주문",
    "수량 010,123,4567개",
    "전화는 1234-5678 내선",
    "@조달청 담당자님",
    "user@localhost 는 주소가 아님",
    "시간 10:30~18:00, 2시간 30분",
    "규격 300x400x500mm, 50kg",
]


@pytest.mark.parametrize(("text", "kind"), REAL_SHAPED)
def test_real_shaped_identifier_is_found(text: str, kind: str) -> None:
    """A real-shaped identifier is found and named by its kind."""
    assert kinds_in(text) == [kind]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_passes(text: str) -> None:
    """Dates, prices, order numbers, versions and invalid check digits are not identifiers."""
    assert kinds_in(text) == []


def test_check_digits() -> None:
    """The 주민등록번호 and 사업자등록번호 check digits are computed as published."""
    assert resident_check_digit_ok("9001011234568")
    assert not resident_check_digit_ok("9001011234567")
    assert business_check_digit_ok(BIZ)
    assert not business_check_digit_ok(BIZ_WRONG.replace("-", ""))


def test_several_kinds_in_order() -> None:
    """Several identifiers are reported in order of appearance, each kind once."""
    text = "메일 a@b.kr, 전화 010-1111-2222, 또 메일 c@d.kr"
    assert kinds_in(text) == [EMAIL_ADDRESS, PHONE_NUMBER]


async def test_thread_with_phone_number_is_refused(server: InProcessServer, company: Http) -> None:
    """A proposal whose body holds a phone number gets 422 personal_information and nothing is stored."""
    last = await server.services.reader.max_log_id()
    response = await company.post(
        "/api/threads",
        json={"kind": "proposal", "title": "개선 제안", "body": "자세한 내용은 010-1234-5678로 연락 주세요"},
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "personal_information"
    assert error["fields"] == {"body": PHONE_NUMBER}
    # One language on the server: English; clients translate the code and the field codes.
    assert "phone number" in error["message"] and not any("가" <= c <= "힣" for c in error["message"])
    assert await server.services.reader.max_log_id() == last


async def test_title_with_email_is_refused(company: Http) -> None:
    """An e-mail address in the title is named in `fields.title`."""
    response = await company.post(
        "/api/threads", json={"kind": "proposal", "title": "문의 kim@example.com", "body": "본문"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"title": EMAIL_ADDRESS}


async def test_comment_with_resident_number_is_refused(
    server: InProcessServer, company: Http, agency: Http
) -> None:
    """A comment holding a 주민등록번호 is refused and the thread's seq does not move."""
    thread = await company.thread()
    response = await agency.post(
        f"/api/threads/{thread['id']}/comments", json={"body": "제 번호는 900101-1234567 입니다"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"body": RESIDENT_NUMBER}
    after = (await agency.get(f"/api/threads/{thread['id']}")).json()
    assert after["seq"] == thread["seq"]
    assert after["counts"]["comments"] == 0


async def test_near_miss_comment_is_stored(company: Http, agency: Http) -> None:
    """A comment with prices, dates and order numbers is stored as usual."""
    thread = await company.thread()
    body = "2024-01-15 공고, 예정가격 1,234,567원, 주문번호 20240115-0001234, 버전 1.2.3"
    posted = await agency.comment(thread["id"], body)
    assert posted["body"] == body


def _refused(response: Any, field: str, kind: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "personal_information"
    assert error["fields"] == {field: kind}


async def test_hide_and_restore_reasons_are_screened(
    server: InProcessServer, company: Http, agency: Http, staff: Http
) -> None:
    """A moderator's hide or restore reason (public in the comment's place and its frame) holding
    a phone number or an e-mail address is refused with 422, and nothing changes."""
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "규정이 모호합니다")
    last = await server.services.reader.max_log_id()
    hide = f"/api/comments/{comment['id']}/hide"
    _refused(
        await staff.post(hide, json={"reason": "작성자 연락처 O1O-1234-5678 확인"}), "reason", PHONE_NUMBER
    )
    assert await server.services.reader.max_log_id() == last
    assert (await staff.post(hide, json={"reason": "중복 게시"})).status_code == 200
    restore = f"/api/comments/{comment['id']}/restore"
    _refused(
        await staff.post(restore, json={"reason": "kim 앳 example 닷 com 요청"}), "reason", EMAIL_ADDRESS
    )
    shown = (await agency.get(f"/api/threads/{thread['id']}/comments")).json()["items"]
    assert shown[0]["hidden"] is True
    assert (await staff.post(restore, json={"reason": "재검토 결과 복원"})).status_code == 200


async def test_category_names_are_screened(staff: Http) -> None:
    """A category name (Korean or English) holding an identifier is refused on add and rename."""
    _refused(
        await staff.post("/api/staff/categories", json={"name": "문의 010_1234_5678"}), "name", PHONE_NUMBER
    )
    _refused(
        await staff.post(
            "/api/staff/categories", json={"name": "계약 문의", "name_en": "ask kim%40example.com"}
        ),
        "name_en",
        EMAIL_ADDRESS,
    )
    added = await staff.post("/api/staff/categories", json={"name": f"계약 문의 {BIZ[:4]}"})
    assert added.status_code == 201, added.text
    renamed = await staff.patch(
        f"/api/staff/categories/{added.json()['id']}", json={"name": f"사업자 {BIZ_DASHED.replace('-', '_')}"}
    )
    _refused(renamed, "name", BUSINESS_NUMBER)


async def test_hold_decision_reasons_are_screened(
    make_server: Callable[..., Awaitable[InProcessServer]], clients: list[Http]
) -> None:
    """A release or reject reason (told to the author) holding an identifier is refused with 422
    and the held comment stays held."""
    server = await make_server(hold_enabled=True, hold_words=("사기",), office_days=())
    clients.extend(
        [author := await server.user("company"), staff := await server.user("staff", ("moderator",))]
    )
    thread = await author.thread()
    held = (await author.post(f"/api/threads/{thread['id']}/comments", json={"body": "사기 같습니다"})).json()
    for action in ("release", "reject"):
        response = await staff.post(
            f"/api/staff/held/{held['id']}/{action}", json={"reason": "주민번호 900101 1234568 기재"}
        )
        _refused(response, "reason", RESIDENT_NUMBER)
    assert [i["id"] for i in (await staff.get("/api/staff/held")).json()["items"]] == [held["id"]]
