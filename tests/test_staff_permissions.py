"""Staff endpoints refuse companies and agencies (403) and anonymous callers (401); moderator and
admin actions refuse staff without that role."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.clients import Http
from tests.support.servers import InProcessServer

# (method, path, body): every staff-only endpoint, old and new.
STAFF_ONLY: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/staff/events", None),
    ("GET", "/api/staff/events?format=csv", None),
    ("GET", "/api/staff/stats", None),
    ("GET", "/api/staff/activity?hours=6", None),
    ("GET", "/api/staff/answer-clock", None),
    ("GET", "/api/staff/reports", None),
    ("POST", "/api/staff/reports/1/dismiss", {"reason": "x"}),
    ("GET", "/api/staff/held", None),
    ("POST", "/api/staff/held/1/release", {}),
    ("POST", "/api/staff/held/1/reject", {"reason": "x"}),
    ("GET", "/api/staff/seal", None),
    ("PUT", "/api/threads/1/links", {"links": []}),
    ("GET", "/api/admin/posts/thread/1/author?reason=x", None),
    ("POST", "/api/comments/1/hide", {"reason": "x"}),
    ("POST", "/api/comments/1/restore", {}),
]
MODERATOR_ONLY = [
    ("POST", "/api/staff/reports/{comment}/dismiss", {"reason": "근거 없음"}),
    ("POST", "/api/staff/held/1/release", {}),
    ("POST", "/api/staff/held/1/reject", {"reason": "욕설"}),
    ("POST", "/api/comments/{comment}/hide", {"reason": "욕설"}),
]


async def _call(client: Http, method: str, path: str, body: dict[str, Any] | None) -> int:
    response = (
        await client.request(method, path, json=body)
        if body is not None
        else await client.request(method, path)
    )
    return response.status_code


@pytest.mark.parametrize(("method", "path", "body"), STAFF_ONLY)
async def test_company_and_agency_get_403(
    company: Http, agency: Http, method: str, path: str, body: dict[str, Any] | None
) -> None:
    """A company or agency account is refused with 403 on every staff endpoint."""
    assert await _call(company, method, path, body) == 403
    assert await _call(agency, method, path, body) == 403


@pytest.mark.parametrize(("method", "path", "body"), STAFF_ONLY)
async def test_anonymous_gets_401(
    anonymous: Http, method: str, path: str, body: dict[str, Any] | None
) -> None:
    """Without a login every staff endpoint answers 401."""
    assert await _call(anonymous, method, path, body) == 401


async def test_staff_without_moderator_role_cannot_moderate(
    server: InProcessServer, clients: list[Http], company: Http, agency: Http
) -> None:
    """Staff without the moderator role get 403 on hide, dismiss, release and reject."""
    clients.append(plain := await server.user("staff"))
    thread = await company.thread()
    comment = await agency.comment(thread["id"], "신고될 댓글")
    for method, path, body in MODERATOR_ONLY:
        assert await _call(plain, method, path.format(comment=comment["id"]), body) == 403, path


async def test_reveal_needs_admin(server: InProcessServer, clients: list[Http], company: Http) -> None:
    """A moderator who is not an admin cannot reveal an author (403)."""
    clients.append(moderator := await server.user("staff", ("moderator",)))
    thread = await company.thread()
    response = await moderator.get(
        f"/api/admin/posts/thread/{thread['id']}/author", params={"reason": "수사 협조"}
    )
    assert response.status_code == 403


async def test_public_answer_stats_need_no_login(anonymous: Http) -> None:
    """GET /api/stats/answers is public: the board shows median days to an answer."""
    response = await anonymous.get("/api/stats/answers")
    assert response.status_code == 200
    data = response.json()
    assert {"median_days", "answered", "target_days", "waiting", "overdue"} <= set(data)


async def test_notices_need_login(anonymous: Http) -> None:
    """GET /api/me/notices needs a login (401)."""
    assert (await anonymous.get("/api/me/notices")).status_code == 401
