"""A realistic demo board in Korean, written through the domain so the event log is complete."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update

from server.models import Account, Thread, utcnow
from server.services import Services

DEMO_PASSWORD = "tong-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    login: str
    kind: str
    roles: tuple[str, ...] = ()
    department: str | None = None


LOGINS = [
    DemoLogin("admin", "staff", ("moderator", "admin"), "혁신조달기획과"),
    DemoLogin("staff", "staff", ("moderator",), "구매사업국"),
    *(DemoLogin(f"company{i}", "company") for i in range(1, 7)),
    *(DemoLogin(f"agency{i}", "agency") for i in range(1, 4)),
]

PROPOSALS = [
    (
        "나라장터 입찰 공고문 첨부파일을 한 번에 내려받게 해 주세요",
        "입찰 공고마다 첨부파일이 5~10개씩 나뉘어 있어 하나씩 내려받아야 합니다. "
        "공고 단위로 압축 파일 한 개를 내려받는 버튼이 있으면 중소기업 담당자의 시간이 크게 줄어듭니다.",
        "전자조달",
        ("accepted", "공고 첨부파일 일괄 내려받기를 다음 분기 나라장터 개편에 반영하겠습니다."),
        [
            "저희 회사도 공고 하나 검토하는 데 파일 받는 데만 10분이 걸립니다. 꼭 필요합니다.",
            "수요기관 입장에서도 첨부 구성을 표준화하면 좋겠습니다.",
            "압축 파일에 공고 원문 PDF도 같이 넣어 주세요.",
        ],
    ),
    (
        "소액 수의계약 견적 제출 기간을 최소 3일로 보장해 주세요",
        "일부 기관에서 견적 제출 기간을 하루로 잡아 현장 확인이 필요한 품목은 사실상 참여가 어렵습니다. "
        "최소 기간을 영업일 기준 3일로 정해 주시기 바랍니다.",
        "계약제도",
        ("partially_accepted", "긴급 구매를 제외하고 영업일 2일 이상을 권고하는 지침을 안내하겠습니다."),
        [
            "현장 설명이 필요한 공사는 3일도 짧습니다.",
            "긴급한 경우는 예외를 둘 수밖에 없을 것 같습니다. 기관 입장도 고려해 주세요.",
        ],
    ),
    (
        "혁신제품 시범구매 후기(사용 평가)를 공개해 주세요",
        "시범구매한 혁신제품에 대한 기관의 사용 평가가 공개되면 다른 기관의 구매 판단과 "
        "기업의 제품 개선에 모두 도움이 됩니다.",
        "혁신조달",
        None,
        [
            "좋은 의견입니다. 평가 항목을 표준화하면 비교도 쉬워질 것 같습니다.",
            "부정적인 평가가 공개될 때 기업이 소명할 기회도 있어야 합니다.",
            "기관 담당자로서 평가 작성 부담이 늘지 않았으면 합니다.",
            "평가 공개는 찬성하지만 개별 담당자 이름은 빼 주세요.",
        ],
    ),
    (
        "다수공급자계약 2단계 경쟁 평가 기준을 미리 공개해 주세요",
        "2단계 경쟁에서 어떤 기준으로 평가하는지 사전에 알 수 없어 준비가 어렵습니다.",
        "계약제도",
        (
            "declined",
            "평가 기준은 수요기관별 특성이 달라 일괄 공개가 어렵습니다. 대신 기관별 공고에 기준을 명시하도록 안내하겠습니다.",
        ),
        ["기관마다 다르더라도 최소한의 공통 항목은 공개할 수 있지 않을까요?"],
    ),
    (
        "물품 납품 검사 결과를 문자로도 알려 주세요",
        "검사 결과가 시스템에만 올라와 확인이 늦어지는 경우가 많습니다. 문자 알림을 선택할 수 있으면 좋겠습니다.",
        "전자조달",
        None,
        ["카카오 알림톡도 고려해 주세요.", "검사 불합격 사유도 알림에 같이 보내 주면 좋겠습니다."],
    ),
    (
        "공동수급 협정서 전자 서명 절차를 간소화해 주세요",
        "구성원마다 인증서로 따로 서명해야 해서 마감 직전에 문제가 자주 생깁니다.",
        "전자조달",
        None,
        [],
    ),
]

CHANGE = (
    "2026년 3분기, 이렇게 바꾸었습니다",
    "여러분의 제안으로 이번 분기에 다음을 바꾸었습니다.\n\n"
    "1. 입찰 공고 첨부파일 일괄 내려받기 (제안 반영)\n"
    "2. 소액 수의계약 견적 제출 기간 권고 지침 시행 (부분 반영)\n"
    "3. 혁신제품 시범구매 사용 평가 공개 검토 착수\n\n"
    "바뀐 내용에 대한 의견을 댓글로 남겨 주세요.",
)


async def seed(services: Services) -> bool:
    """Seed the demo once; returns False when the database already has threads."""
    async with services.db.read() as s:
        if (await s.execute(select(func.count()).select_from(Thread))).scalar_one():
            return False
    d = services.discussion
    accounts: dict[str, Account] = {}
    for entry in LOGINS:
        (account,) = await d.create_accounts(
            [entry.login], DEMO_PASSWORD, entry.kind, list(entry.roles), entry.department
        )
        accounts[entry.login] = account
    rng = random.Random(20261126)
    members = [a for a in accounts.values() if a.kind != "staff"]
    staff = accounts["staff"]
    now = utcnow()
    for index, (title, body, category, answer, comments) in enumerate(PROPOSALS):
        author = members[index % len(members)]
        thread = await d.create_thread(author, "proposal", title, body, category)
        thread_id = thread["id"]
        others = [m for m in members if m.id != author.id]
        first_comment: int | None = None
        for n, comment_body in enumerate(comments):
            writer = others[(index + n) % len(others)]
            posted = await d.post_comment(writer, thread_id, comment_body)
            first_comment = first_comment or posted["id"]
        if first_comment is not None and len(comments) > 1:
            await d.post_comment(
                author, thread_id, "의견 감사합니다. 보완해서 다시 정리하겠습니다.", first_comment
            )
        for voter in rng.sample(others, k=rng.randint(2, len(others))):
            await d.recommend(voter, "thread", thread_id, True)
        if answer is not None:
            outcome, answer_body = answer
            await d.answer(staff, thread_id, "검토 중입니다. 관계 부서와 협의하고 있습니다.")
            await d.answer(staff, thread_id, answer_body, outcome)
        elif index % 2 == 0:
            await d.set_status(staff, thread_id, "reviewing")
        # Spread the board over the last weeks so ages and the answer clock look real.
        age = timedelta(days=3 * (len(PROPOSALS) - index), hours=rng.randint(0, 20))
        await _backdate(services, thread_id, now - age)
    change = await d.create_thread(accounts["admin"], "change", *CHANGE, category="분기별 개선")
    await d.post_comment(members[0], change["id"], "첨부파일 일괄 내려받기 정말 편해졌습니다. 감사합니다!")
    await d.post_comment(members[-1], change["id"], "평가 공개 검토 결과도 다음 분기에 알려 주세요.")
    return True


async def _backdate(services: Services, thread_id: int, created: object) -> None:
    async with services.db.transaction() as s:
        await s.execute(update(Thread).where(Thread.id == thread_id).values(created_at=created))  # type: ignore[arg-type]


def credentials() -> str:
    lines = [f"  {e.login:<10} {e.kind:<8} {' '.join(e.roles)}" for e in LOGINS]
    return "Demo accounts (password: " + DEMO_PASSWORD + "):\n" + "\n".join(lines)
