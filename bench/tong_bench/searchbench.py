"""`tong bench search`: search latency over a large board on PostgreSQL.

Seeds a throwaway database with N threads and M comments (default 100,000 and 1,000,000) of
procurement proposals composed from a phrase bank, fast: rows go in with COPY, and each thread's
search document is assembled from the phrases' tokens, each distinct phrase analysed once by the
server's own analyser (server.analyser), so the index holds exactly what the server would have
written. Then it starts Tong on that database and sends search requests over HTTP
(`GET /api/threads?q=`, relevance order, highlights included) from `--clients` concurrent
connections, and reports p50/p95/p99 against the target (p95 < 50 ms).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from .report import Progress
from .spawn import SpawnedServer, SpawnOptions, free_port, wait_ready

TARGET_P95_MS = 50.0

SUBJECTS = [
    "입찰보증금",
    "계약보증금",
    "하자보수보증금",
    "공동수급체",
    "공동도급 지분율",
    "소액 수의계약",
    "수의계약 한도",
    "물가변동 계약금액 조정",
    "대금 지급",
    "선금 지급",
    "적격심사 기준",
    "낙찰하한율",
    "다수공급자계약 2단계 경쟁",
    "혁신제품 시범구매",
    "우수조달물품 지정",
    "나라장터 전자입찰",
    "공동인증서",
    "입찰 공고문 첨부파일",
    "정정공고",
    "납품 검사",
    "검수 일정",
    "하도급 대금",
    "창업기업 제한경쟁",
    "여성기업 제품 구매",
    "하자담보책임 기간",
    "지체상금",
    "사전규격 공개",
    "협상에 의한 계약 제안서 평가",
    "부정당업자 제재",
    "전자계약 인지세",
    "계약서류 제출",
    "종합쇼핑몰 납품",
    "기술평가 위원",
    "단가계약 갱신",
    "긴급입찰 공고 기간",
    "예정가격 산정",
    "원가계산 용역",
    "설계변경 승인",
    "준공검사",
    "장기계속계약",
]
PREDICATES = [
    "반환이 너무 늦습니다.",
    "기준을 미리 공개해 주세요.",
    "절차를 간소화해 주세요.",
    "기관마다 달라 혼란스럽습니다.",
    "서류를 전자로 받아 주세요.",
    "기간을 늘려 주세요.",
    "비율을 낮춰 주세요.",
    "사유를 구체적으로 알려 주세요.",
    "때문에 중소기업이 불리합니다.",
    "결과를 문자로 알려 주세요.",
    "요건을 완화해 주세요.",
    "일정을 미리 알려 주세요.",
    "수수료 부담이 큽니다.",
    "문제를 개선해 주세요.",
    "규정을 지키지 않는 기관이 많습니다.",
    "시스템 오류가 잦습니다.",
    "한도를 현실에 맞게 올려 주세요.",
    "방식을 통일해 주세요.",
    "관련 지침을 개정해 주세요.",
    "처리가 한 달 넘게 걸립니다.",
]
QUERIES = [
    "입찰보증금을",
    "입찰 보증금 반환",
    "계약보증금 면제",
    "공동수급체 구성원",
    "수의계약 한도를 올려",
    "물가변동",
    "대금 지급 지연",
    "선금",
    "적격심사 서류",
    "낙찰하한율",
    "다수공급자 2단계 경쟁",
    "혁신제품",
    "우수조달물품 지정 심사",
    "나라장터 오류",
    "공동인증서",
    "공고문 첨부파일",
    "정정공고",
    "납품 검사 결과",
    "하도급 대금",
    "창업기업",
    "하자보수",
    "지체상금을",
    "사전규격",
    "제안서 평가",
    "부정당업자 제재",
    "인지세",
    "종합쇼핑몰",
    "예정가격",
    "설계변경",
    "준공검사 일정",
    "장기계속계약 단가",
    "기술평가 위원 명단",
    "입찰",
    "계약",
    "조달",
    "중소기업",
    "기준 공개",
    "서류 간소화",
    "수수료",
    "문자 알림",
]
ACCOUNTS = 20


def _phrases() -> list[str]:
    return [f"{s} {p}" for s in SUBJECTS for p in PREDICATES]


def _analysed(phrases: list[str]) -> list[str]:
    """Each phrase's index tokens, by the server's analyser (blocking: loads its model)."""
    from server.store import analyser

    analyser.load()
    return [" ".join(analyser.tokens(p)) for p in phrases]


async def seed(
    dsn: str, threads: int, comments: int, progress: Progress, rng: random.Random
) -> dict[str, Any]:
    """Threads, their op's pseudonyms, comments and search documents, with COPY."""
    import asyncpg

    started = time.monotonic()
    phrases = _phrases()
    progress.note(f"analysing {len(phrases)} phrases")
    tokens = await asyncio.to_thread(_analysed, phrases)
    conn = await asyncpg.connect(dsn)
    try:
        account_ids = [r["id"] for r in await conn.fetch("SELECT id FROM account ORDER BY id")]
        first = (await conn.fetchval("SELECT coalesce(max(id), 0) FROM thread")) + 1
        now = datetime.now(UTC)
        per_thread = [0] * threads
        hot = max(1, threads // 100)
        for _ in range(comments):
            # A fifth of the comments go to the busiest hundredth of the threads.
            per_thread[rng.randrange(hot) if rng.random() < 0.2 else rng.randrange(threads)] += 1
        batch = 5_000
        done_comments = 0
        for start in range(0, threads, batch):
            thread_rows, author_rows, doc_rows, comment_rows = [], [], [], []
            for i in range(start, min(threads, start + batch)):
                thread_id = first + i
                author = account_ids[i % len(account_ids)]
                title_p = rng.randrange(len(phrases))
                body_ps = [rng.randrange(len(phrases)) for _ in range(rng.randint(2, 4))]
                created = now - timedelta(minutes=threads - i)
                n = per_thread[i]
                status = rng.choice(("received", "reviewing", "answered"))
                outcome = (
                    rng.choice(("accepted", "partially_accepted", "declined"))
                    if status == "answered"
                    else None
                )
                thread_rows.append(
                    (
                        thread_id,
                        "proposal",
                        phrases[title_p],
                        " ".join(phrases[p] for p in body_ps),
                        None,
                        status,
                        outcome,
                        author,
                        created,
                        created,
                        n,
                        n,
                        0,
                        1,
                        0,
                    )
                )
                author_rows.append((thread_id, author, "company", 1, True))
                comment_ps = [rng.randrange(len(phrases)) for _ in range(n)]
                for seq, p in enumerate(comment_ps, 1):
                    comment_rows.append((thread_id, seq, author, phrases[p], created, False, 0))
                doc_rows.append(
                    (
                        thread_id,
                        tokens[title_p],
                        " ".join(tokens[p] for p in body_ps),
                        "",
                        " ".join(tokens[p] for p in comment_ps),
                    )
                )
            await conn.copy_records_to_table(
                "thread",
                records=thread_rows,
                columns=[
                    "id",
                    "kind",
                    "title",
                    "body",
                    "category",
                    "status",
                    "outcome",
                    "author_id",
                    "created_at",
                    "last_activity_at",
                    "seq",
                    "comment_count",
                    "recommendation_count",
                    "company_authors",
                    "agency_authors",
                ],
            )
            await conn.copy_records_to_table(
                "thread_author",
                records=author_rows,
                columns=["thread_id", "account_id", "kind", "number", "is_op"],
            )
            await conn.copy_records_to_table(
                "comment",
                records=comment_rows,
                columns=[
                    "thread_id",
                    "seq",
                    "author_id",
                    "body",
                    "created_at",
                    "hidden",
                    "recommendation_count",
                ],
            )
            await conn.copy_records_to_table(
                "search_document",
                records=doc_rows,
                columns=["thread_id", "title", "body", "answers", "comments"],
            )
            done_comments += len(comment_rows)
            progress.note(f"seeded {min(threads, start + batch):,} threads, {done_comments:,} comments")
        await conn.execute(f"SELECT setval(pg_get_serial_sequence('thread', 'id'), {first + threads})")
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('comment', 'id'), (SELECT max(id) FROM comment))"
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return {"threads": threads, "comments": done_comments, "seed_s": round(time.monotonic() - started, 1)}


async def measure(url: str, requests: int, clients: int, rng: random.Random) -> dict[str, Any]:
    """`requests` searches from `clients` connections, each waiting for its answer (closed loop)."""
    latencies: list[float] = []
    errors = 0
    queue = [rng.choice(QUERIES) for _ in range(requests)]

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            while queue:
                q = queue.pop()
                t0 = time.perf_counter()
                r = await http.get("/api/threads", params={"q": q, "limit": 20})
                latencies.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    errors += 1

    async with httpx.AsyncClient(base_url=url, timeout=60) as warm:
        for q in QUERIES:  # first requests load the analyser and warm the caches
            await warm.get("/api/threads", params={"q": q})
    await asyncio.gather(*(client() for _ in range(clients)))
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1)

    return {
        "requests": len(latencies),
        "clients": clients,
        "errors": errors,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(latencies), 1),
    }


async def run(
    options: SpawnOptions,
    threads: int,
    comments: int,
    requests: int,
    clients: int,
    seed_value: int,
    progress: Progress,
) -> dict[str, Any]:
    import os

    rng = random.Random(seed_value)
    server = SpawnedServer(replace(options, db="postgres", accounts=ACCOUNTS))
    try:
        env = await server._tong_env()
        python = __import__("sys").executable
        await server._run([python, "-m", "server", "db", "init"], env)
        await server._run(
            [
                python,
                "-m",
                "server",
                "accounts",
                "create",
                "seed",
                "--kind",
                "company",
                "--password-stdin",
                "--count",
                str(ACCOUNTS),
            ],
            env,
            b"bench-password\n",
        )
        dsn = env["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://", 1)
        seeded = await seed(dsn, threads, comments, progress, rng)
        port = free_port()
        server.process = server._popen(
            [python, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)], env
        )
        url = f"http://127.0.0.1:{port}"
        await wait_ready(url, 120, server.process)
        progress.note(f"measuring {requests} searches from {clients} clients")
        measured = await measure(url, requests, clients, rng)
    finally:
        await server.stop()
    load = os.getloadavg()
    verdict = {
        "name": f"search p95 < {TARGET_P95_MS:.0f} ms over {seeded['threads']:,} threads, "
        f"{seeded['comments']:,} comments",
        "ok": measured["p95_ms"] < TARGET_P95_MS and measured["errors"] == 0,
        "measured": f"p50 {measured['p50_ms']} ms, p95 {measured['p95_ms']} ms, p99 {measured['p99_ms']} ms",
    }
    return {
        "scenario": "search",
        "seeded": seeded,
        "measured": measured,
        "load_average": [round(x, 2) for x in load],
        "cpus": os.cpu_count(),
        "verdicts": [verdict],
        "runs": [],
    }
