"""A believable demo board in Korean, written through the domain so the event log is complete.

Everything happens in one timeline over the last seven weeks: threads are proposed, discussed over
days by several companies and agencies, answered (an interim answer first, the final one later),
linked from the quarterly "이렇게 바꾸었습니다" thread; one comment is hidden, one waits in the
pre-moderation queue, one is reported. Each step runs through the domain and its rows are then
dated back to the step's moment, in time order, so log ids and times rise together.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from server.events import public
from server.services import Services
from server.store.models import (
    Account,
    Answer,
    Comment,
    Event,
    HeldComment,
    Notice,
    Recommendation,
    Report,
    Thread,
    ThreadLink,
    utcnow,
)

DEMO_PASSWORD = "tong-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    login: str
    kind: str
    roles: tuple[str, ...] = ()
    department: str | None = None


LOGINS = [
    DemoLogin("admin", "staff", ("moderator", "admin", "approver"), "혁신조달기획과"),
    DemoLogin("staff", "staff", ("moderator",), "구매사업국"),
    *(DemoLogin(f"company{i}", "company") for i in range(1, 9)),
    *(DemoLogin(f"agency{i}", "agency") for i in range(1, 5)),
]


@dataclass(frozen=True)
class Said:
    """A comment `at` days after its thread began; `reply_to` names an earlier comment's key."""

    key: str
    login: str
    at: float
    body: str
    reply_to: str | None = None


@dataclass(frozen=True)
class Proposal:
    key: str
    login: str
    days_ago: float
    title: str
    body: str
    category: str
    comments: tuple[Said, ...] = ()
    # (days after the start, body, outcome or None for an interim answer)
    answers: tuple[tuple[float, str, str | None], ...] = ()
    reviewing_at: float | None = None
    supporters: int = 3
    kind: str = "proposal"
    links: tuple[str, ...] = ()
    hidden: dict[str, tuple[float, str]] = field(default_factory=dict)
    reported: dict[str, tuple[float, str, str]] = field(default_factory=dict)
    held: tuple[tuple[float, str, str], ...] = ()


THREADS = [
    Proposal(
        "bundle",
        "company1",
        46.2,
        "나라장터 입찰 공고문 첨부파일을 한 번에 내려받게 해 주세요",
        "입찰 공고마다 첨부파일이 5~10개씩 나뉘어 있어 하나씩 내려받아야 합니다.\n"
        "공고 단위로 압축 파일 한 개를 내려받는 버튼이 있으면 중소기업 담당자의 시간이 크게 줄어듭니다.",
        "전자조달",
        (
            Said(
                "a",
                "company3",
                0.1,
                "저희 회사도 공고 하나 검토하는 데 파일 받는 데만 10분이 걸립니다. 꼭 필요합니다.",
            ),
            Said(
                "b",
                "agency2",
                0.9,
                "수요기관 입장에서도 첨부 구성을 표준화하면 좋겠습니다. 공고문 양식도 함께 정리해 주세요.",
            ),
            Said("c", "company1", 1.0, "의견 감사합니다. 첨부 구성 표준화도 제안 내용에 보태겠습니다.", "b"),
            Said("d", "company5", 2.4, "압축 파일에 공고 원문 PDF도 같이 넣어 주세요."),
            Said(
                "e", "company7", 9.3, "중간 답변 잘 보았습니다. 모바일에서도 내려받을 수 있으면 좋겠습니다."
            ),
        ),
        answers=(
            (6.0, "검토 중입니다. 나라장터 개편 과제와 함께 정보화담당관실과 협의하고 있습니다.", None),
            (
                19.5,
                "공고 첨부파일 일괄 내려받기를 다음 분기 나라장터 개편에 반영하겠습니다. 모바일 화면도 함께 지원합니다.",
                "accepted",
            ),
        ),
        supporters=7,
    ),
    Proposal(
        "quote",
        "company2",
        41.7,
        "소액 수의계약 견적 제출 기간을 최소 3일로 보장해 주세요",
        "일부 기관에서 견적 제출 기간을 하루로 잡아 현장 확인이 필요한 품목은 사실상 참여가 어렵습니다.\n"
        "최소 기간을 영업일 기준 3일로 정해 주시기 바랍니다.",
        "계약제도",
        (
            Said("a", "company4", 0.3, "현장 설명이 필요한 공사는 3일도 짧습니다."),
            Said(
                "b",
                "agency1",
                1.2,
                "긴급한 경우는 예외를 둘 수밖에 없을 것 같습니다. 기관 입장도 고려해 주세요.",
            ),
            Said(
                "c",
                "company2",
                1.4,
                "긴급 구매 예외는 당연히 필요합니다. 일반 구매만이라도 기준이 있으면 합니다.",
                "b",
            ),
            Said("d", "company6", 3.8, "기간이 짧으면 결국 늘 참여하던 업체만 견적을 냅니다."),
        ),
        answers=(
            (
                16.0,
                "긴급 구매를 제외하고 영업일 2일 이상을 권고하는 지침을 안내하겠습니다.",
                "partially_accepted",
            ),
        ),
        reviewing_at=4.0,
        supporters=5,
    ),
    Proposal(
        "review",
        "agency1",
        36.4,
        "혁신제품 시범구매 후기(사용 평가)를 공개해 주세요",
        "시범구매한 혁신제품에 대한 기관의 사용 평가가 공개되면 다른 기관의 구매 판단과 "
        "기업의 제품 개선에 모두 도움이 됩니다.",
        "혁신조달",
        (
            Said("a", "company3", 0.4, "좋은 의견입니다. 평가 항목을 표준화하면 비교도 쉬워질 것 같습니다."),
            Said("b", "company8", 1.6, "부정적인 평가가 공개될 때 기업이 소명할 기회도 있어야 합니다."),
            Said("c", "agency3", 2.2, "기관 담당자로서 평가 작성 부담이 늘지 않았으면 합니다."),
            Said("d", "company5", 2.3, "이 제품 써 보신 분 연락 주세요. 저희 쇼핑몰에서 특가 판매 중입니다!"),
            Said("e", "agency1", 2.9, "소명 절차는 꼭 넣겠습니다. 좋은 지적 감사합니다.", "b"),
            Said("f", "company6", 5.5, "평가 공개는 찬성하지만 개별 담당자 이름은 빼 주세요."),
        ),
        answers=(
            (
                12.0,
                "평가 공개 범위와 시점을 혁신조달 관계 부서와 협의하고 있습니다. 결과가 나오면 다시 알려 드리겠습니다.",
                None,
            ),
        ),
        hidden={"d": (2.5, "광고·연락처 게시")},
        supporters=6,
    ),
    Proposal(
        "stage2",
        "company5",
        31.1,
        "다수공급자계약 2단계 경쟁 평가 기준을 미리 공개해 주세요",
        "2단계 경쟁에서 어떤 기준으로 평가하는지 사전에 알 수 없어 준비가 어렵습니다.",
        "계약제도",
        (
            Said("a", "company2", 0.7, "평가 기준을 모르니 가격만 낮추는 경쟁이 됩니다."),
            Said("b", "agency4", 2.0, "기관별로 필요한 기준이 달라 일괄 공개는 쉽지 않아 보입니다."),
            Said("c", "company7", 11.4, "기관마다 다르더라도 최소한의 공통 항목은 공개할 수 있지 않을까요?"),
        ),
        answers=(
            (
                10.2,
                "평가 기준은 수요기관별 특성이 달라 일괄 공개가 어렵습니다. "
                "대신 기관별 공고에 기준을 명시하도록 안내하겠습니다.",
                "declined",
            ),
        ),
        reviewing_at=3.0,
        supporters=4,
    ),
    Proposal(
        "sms",
        "company6",
        27.8,
        "물품 납품 검사 결과를 문자로도 알려 주세요",
        "검사 결과가 시스템에만 올라와 확인이 늦어지는 경우가 많습니다. 문자 알림을 선택할 수 있으면 좋겠습니다.",
        "전자조달",
        (
            Said("a", "company1", 0.2, "카카오 알림톡도 고려해 주세요."),
            Said("b", "company4", 1.9, "검사 불합격 사유도 알림에 같이 보내 주면 좋겠습니다."),
            Said("c", "agency2", 4.1, "검사 담당 기관에도 같은 알림이 오면 일정 조율이 쉬워집니다."),
        ),
        supporters=4,
    ),
    Proposal(
        "joint",
        "company3",
        23.5,
        "공동수급 협정서 전자 서명 절차를 간소화해 주세요",
        "구성원마다 인증서로 따로 서명해야 해서 마감 직전에 문제가 자주 생깁니다.",
        "전자조달",
        (
            Said("a", "company8", 0.6, "마감 10분 전에 구성원 인증서가 만료된 걸 알고 포기한 적이 있습니다."),
            Said(
                "b", "company2", 1.1, "대표사가 일괄 서명하고 구성원은 동의만 하는 방식이면 좋겠습니다.", "a"
            ),
        ),
        reviewing_at=5.0,
        supporters=3,
        reported={"b": (2.0, "company4", "대표사 일괄 서명은 구성원 권리를 침해할 수 있는 주장입니다.")},
    ),
    Proposal(
        "change-q3",
        "admin",
        20.5,
        "2026년 3분기, 이렇게 바꾸었습니다",
        "여러분의 제안으로 이번 분기에 다음을 바꾸었습니다.\n\n"
        "1. 입찰 공고 첨부파일 일괄 내려받기 (제안 반영)\n"
        "2. 소액 수의계약 견적 제출 기간 권고 지침 시행 (부분 반영)\n"
        "3. 다수공급자 2단계 경쟁: 기관별 공고에 평가 기준 명시 안내\n\n"
        "바뀐 내용에 대한 의견을 댓글로 남겨 주세요.",
        "분기별 개선",
        (
            Said("a", "company1", 0.3, "첨부파일 일괄 내려받기 정말 편해졌습니다. 감사합니다!"),
            Said("b", "agency3", 1.5, "견적 기간 지침을 기관 내부 교육 자료에도 넣었습니다."),
            Said(
                "c",
                "company7",
                3.2,
                "2단계 경쟁 기준 명시가 실제 공고에 반영되는지 다음 분기에 확인 부탁드립니다.",
            ),
        ),
        kind="change",
        links=("bundle", "quote", "stage2"),
        supporters=5,
    ),
    Proposal(
        "tech-docs",
        "agency2",
        16.9,
        "기술평가 제출 서류를 온라인으로만 받아 주세요",
        "기술평가 서류를 종이와 파일로 이중 제출하게 되어 기관도 기업도 부담입니다. 온라인 제출로 일원화해 주세요.",
        "계약제도",
        (
            Said("a", "company4", 0.5, "종이 서류 출력과 제본 비용만 건당 수만 원입니다."),
            Said("b", "company8", 2.7, "대용량 파일 업로드 한도도 함께 늘려 주세요."),
        ),
        answers=((9.0, "온라인 일원화 가능 여부를 평가 담당 부서와 검토하고 있습니다.", None),),
        supporters=4,
    ),
    Proposal(
        "payment",
        "company7",
        12.3,
        "대금 지급 예정일을 미리 알려 주세요",
        "검수 후 대금이 언제 지급되는지 알 수 없어 자금 계획을 세우기 어렵습니다. 지급 예정일을 시스템에 표시해 주세요.",
        "대금지급",
        (
            Said("a", "company2", 0.4, "소기업에는 대금 지급일이 곧 월급날입니다. 꼭 필요합니다."),
            Said(
                "b",
                "agency4",
                1.3,
                "기관 회계 처리 일정상 정확한 날짜는 어렵고 예정 기간 정도는 가능할 것 같습니다.",
            ),
            Said("c", "company7", 1.5, "예정 기간만 알려 주셔도 충분합니다.", "b"),
        ),
        held=((2.1, "company5", "지급을 미루는 기관은 사기나 다름없습니다. 기관 이름을 공개해야 합니다."),),
        supporters=5,
    ),
    Proposal(
        "registration",
        "company4",
        7.6,
        "조달업체 등록 갱신 서류를 줄여 주세요",
        "등록 갱신 때마다 이미 제출한 사업자 서류를 다시 내야 합니다. 행정정보 공동이용으로 확인해 주시면 좋겠습니다.",
        "업체등록",
        (
            Said("a", "company6", 0.8, "법인 등기부등본은 매번 새로 떼야 해서 번거롭습니다."),
            Said("b", "company1", 2.5, "공동이용 동의 한 번으로 끝나면 좋겠습니다."),
        ),
        supporters=3,
    ),
    Proposal(
        "excellent",
        "agency4",
        4.2,
        "우수조달물품 지정 심사 일정을 미리 공개해 주세요",
        "심사 일정이 늦게 공지되어 기관의 구매 계획과 맞추기 어렵습니다. 연간 일정을 연초에 공개해 주세요.",
        "우수조달",
        (Said("a", "company3", 0.6, "기업도 신청 준비 기간을 확보할 수 있어 좋겠습니다."),),
        supporters=2,
    ),
    Proposal(
        "bond",
        "company8",
        1.8,
        "계약보증금 면제 기준을 알기 쉽게 정리해 주세요",
        "계약보증금 면제 대상이 규정 여러 곳에 흩어져 있어 해마다 문의가 반복됩니다. 한 페이지 안내가 있으면 좋겠습니다.",
        "계약제도",
        (
            Said("a", "agency1", 0.2, "기관 담당자도 헷갈리는 부분입니다. 찬성합니다."),
            Said("b", "company2", 0.9, "예시 표가 있으면 더 좋겠습니다."),
        ),
        supporters=2,
    ),
    Proposal(
        "prequal",
        "agency3",
        0.4,
        "적격심사 결과 통지를 문자로도 보내 주세요",
        "적격심사 결과를 확인하려면 매번 시스템에 접속해야 합니다. 결과가 나오면 담당자에게 문자로 알려 주세요.",
        "전자조달",
        (),
        supporters=1,
    ),
]

Step = Callable[[], Awaitable[None]]


class Timeline:
    """Domain calls in time order, each followed by dating its rows back to the step's moment."""

    # Every table whose rows a demo step writes with the current time.
    # Notices too: they all said "5분 전" for answers weeks old.
    STAMPED = (
        Thread,
        Comment,
        Answer,
        Recommendation,
        Event,
        HeldComment,
        Report,
        ThreadLink,
        Account,
        Notice,
    )

    def __init__(self, services: Services) -> None:
        self.services = services
        self.steps: list[tuple[datetime, int, Step]] = []

    def at(self, when: datetime, step: Step) -> None:
        self.steps.append((when, len(self.steps), step))

    async def run(self) -> None:
        for when, _, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            mark = utcnow()
            await step()
            await self._date_back(mark, when)

    async def _date_back(self, mark: datetime, when: datetime) -> None:
        async with self.services.db.transaction() as s:
            # The log rows' payloads carry the times too (replays and exports show them).
            rows = (await s.execute(select(Event.id, Event.payload).where(Event.created_at >= mark))).all()
            for event_id, payload in rows:
                dated = _with_time(payload, public.iso(when))
                if dated != payload:
                    await s.execute(update(Event).where(Event.id == event_id).values(payload=dated))
            for table in self.STAMPED:
                await s.execute(update(table).where(table.created_at >= mark).values(created_at=when))
            await s.execute(
                update(Thread).where(Thread.last_activity_at >= mark).values(last_activity_at=when)
            )
            await s.execute(
                update(Report).where(Report.resolved_at >= mark).values(resolved_at=when)  # type: ignore[operator]
            )
            await s.execute(update(Notice).where(Notice.updated_at >= mark).values(updated_at=when))  # type: ignore[arg-type]


def _with_time(value: Any, iso: str) -> Any:
    """A copy of a payload with every creation and activity time set to `iso`."""
    if isinstance(value, dict):
        return {
            k: iso if k in ("created_at", "last_activity_at") and isinstance(v, str) else _with_time(v, iso)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_with_time(v, iso) for v in value]
    return value


async def seed(services: Services) -> bool:
    """Seed the demo once; returns False when the database already has threads."""
    async with services.db.read() as s:
        if (await s.execute(select(func.count()).select_from(Thread))).scalar_one():
            return False
    d = services.discussion
    now = utcnow()
    timeline = Timeline(services)
    accounts: dict[str, Account] = {}

    async def create_accounts() -> None:
        # One call per kind and role set: argon2 hashes the shared password once per call.
        groups: dict[tuple[str, tuple[str, ...], str | None], list[str]] = {}
        for entry in LOGINS:
            groups.setdefault((entry.kind, entry.roles, entry.department), []).append(entry.login)
        for (kind, roles, department), logins in groups.items():
            for account in await d.create_accounts(logins, DEMO_PASSWORD, kind, list(roles), department):
                accounts[account.login] = account

    timeline.at(now - timedelta(days=60), create_accounts)
    rng = random.Random(20261126)
    thread_ids: dict[str, int] = {}
    comment_ids: dict[tuple[str, str], int] = {}
    members = [e.login for e in LOGINS if e.kind != "staff"]

    for spec in THREADS:
        start = now - timedelta(days=spec.days_ago)

        def moment(days: float, start: datetime = start) -> datetime:
            # A little jitter so nothing lands on a round minute.
            return start + timedelta(days=days, minutes=rng.randint(0, 50))

        async def create(spec: Proposal = spec) -> None:
            thread = await d.create_thread(
                accounts[spec.login], spec.kind, spec.title, spec.body, spec.category
            )
            thread_ids[spec.key] = thread["id"]

        timeline.at(start, create)
        for said in spec.comments:

            async def comment(spec: Proposal = spec, said: Said = said) -> None:
                parent = comment_ids[(spec.key, said.reply_to)] if said.reply_to else None
                posted = await d.post_comment(accounts[said.login], thread_ids[spec.key], said.body, parent)
                comment_ids[(spec.key, said.key)] = posted["id"]

            timeline.at(moment(said.at), comment)
        for key, (days, reason) in spec.hidden.items():

            async def hide(spec: Proposal = spec, key: str = key, reason: str = reason) -> None:
                await d.moderate(accounts["staff"], comment_ids[(spec.key, key)], True, reason)

            timeline.at(moment(days), hide)
        for key, (days, login, reason) in spec.reported.items():

            async def report(
                spec: Proposal = spec, key: str = key, login: str = login, why: str = reason
            ) -> None:
                await d.report(accounts[login], comment_ids[(spec.key, key)], why)

            timeline.at(moment(days), report)
        for days, login, body in spec.held:

            async def hold(spec: Proposal = spec, login: str = login, body: str = body) -> None:
                await services.desk.holds.hold(accounts[login], thread_ids[spec.key], body, None, ["사기"])

            timeline.at(moment(days), hold)
        if spec.reviewing_at is not None:

            async def review(spec: Proposal = spec) -> None:
                await d.set_status(accounts["staff"], thread_ids[spec.key], "reviewing")

            timeline.at(moment(spec.reviewing_at), review)
        for days, body, outcome in spec.answers:

            async def answer(spec: Proposal = spec, body: str = body, outcome: str | None = outcome) -> None:
                await d.answer(accounts["staff"], thread_ids[spec.key], body, outcome)

            timeline.at(moment(days), answer)
        if spec.links:

            async def link(spec: Proposal = spec) -> None:
                ids = [thread_ids[k] for k in spec.links]
                await services.desk.links.set_links(accounts["admin"], thread_ids[spec.key], ids)

            timeline.at(moment(0.01), link)
        others = [m for m in members if m != spec.login]
        for n, voter in enumerate(rng.sample(others, k=min(spec.supporters, len(others)))):

            async def recommend(spec: Proposal = spec, voter: str = voter) -> None:
                await d.recommend(accounts[voter], "thread", thread_ids[spec.key], True)

            timeline.at(moment(min(0.2 + n * 0.7, spec.days_ago * 0.9)), recommend)
        for said in spec.comments[: max(1, len(spec.comments) // 2)]:
            if said.key in spec.hidden:
                continue
            fans = [m for m in members if m != said.login][: 1 + rng.randint(0, 3)]
            for voter in fans:

                async def like(spec: Proposal = spec, said: Said = said, voter: str = voter) -> None:
                    await d.recommend(accounts[voter], "comment", comment_ids[(spec.key, said.key)], True)

                timeline.at(moment(min(said.at + 0.3, spec.days_ago * 0.95)), like)
    await timeline.run()
    return True


def credentials() -> str:
    lines = [f"  {e.login:<10} {e.kind:<8} {' '.join(e.roles)}" for e in LOGINS]
    return "Demo accounts (password: " + DEMO_PASSWORD + "):\n" + "\n".join(lines)
