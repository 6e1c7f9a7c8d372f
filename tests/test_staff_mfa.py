"""A second factor for staff (v1.2), over HTTP and the socket, on both stacks: TOTP enrolment at the
first login, the factor at every login (wrong, reused and recovery codes), the 401 `mfa_required`
on staff endpoints and the staff channel until it is given, step-up's 403 `reauth_required` once 5
minutes have passed (on the injected clock: nothing sleeps), and MFA off by default in development.

WebAuthn keys are tested in Chromium with a virtual authenticator: tests/browser_staff/test_browser_mfa.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyotp
import pytest_asyncio
from sqlalchemy import select

from server.contract.vocabulary import STAFF
from server.runtime.settings import Settings
from server.store.models import AccountFactor
from tests.support.clients import PASSWORD, Http, Socket
from tests.support.clock import Clock
from tests.support.servers import InProcessServer, Stack


@dataclass
class Mfa:
    tong: InProcessServer
    clock: Clock
    opened: list[Http]

    def client(self) -> Http:
        self.opened.append(client := Http(self.tong.base_url))
        return client

    async def staff(self, roles: tuple[str, ...] = ("moderator", "admin")) -> str:
        (login,) = await self.tong.accounts("staff", 1, roles)
        return login

    async def login(self, login: str) -> tuple[Http, dict[str, Any]]:
        client = self.client()
        response = await client.post("/api/session", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return client, response.json()

    def code(self, secret: str, later: timedelta = timedelta(0)) -> str:
        return pyotp.TOTP(secret).at(self.clock() + later)

    async def enrolled(self, login: str) -> tuple[Http, str, list[str]]:
        """A staff account through its first login's TOTP enrolment: (its client, secret, codes)."""
        client, _ = await self.login(login)
        secret = (await client.post("/api/me/mfa/totp")).json()["secret"]
        confirmed = await client.post("/api/me/mfa/totp/confirm", json={"code": self.code(secret)})
        assert confirmed.status_code == 200, confirmed.text
        # The next login's code must come from a later step: the enrolment's is used up.
        self.clock.offset += timedelta(seconds=30)
        return client, secret, confirmed.json()["recovery_codes"]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def tong(stack: Stack) -> AsyncIterator[InProcessServer]:
    running = await InProcessServer(await stack.fresh_settings(staff_mfa="required")).start()
    yield running
    await running.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def mfa(tong: InProcessServer) -> AsyncIterator[Mfa]:
    clock = Clock()
    tong.services.factors.clock = clock
    setup = Mfa(tong, clock, [])
    yield setup
    for client in setup.opened:
        await client.aclose()


async def test_mfa_is_off_by_default_in_development(server: InProcessServer, staff: Http) -> None:
    """Development asks staff for no second factor (and has no MFA endpoints); production does."""
    assert Settings().staff_mfa == "off"
    production = Settings(env="production", secret_key="s" * 40, audit_key="a" * 40)
    assert production.staff_mfa == "required"
    assert (await staff.get("/api/staff/stats")).status_code == 200
    assert "mfa_required" not in (await staff.get("/api/session")).json()
    refused = await staff.post("/api/me/mfa/totp")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "mfa_off"


async def test_staff_enrol_an_authenticator_app_at_their_first_login(mfa: Mfa) -> None:
    """A staff account without a factor is sent to enrol: until its app's first code confirms the
    secret, staff endpoints and account endpoints answer 401 mfa_required; the secret is not stored
    in plain text; ten recovery codes are shown once."""
    login = await mfa.staff()
    client, answer = await mfa.login(login)
    assert answer["mfa_required"] is True and answer["enrol"] is True and answer["methods"] == []
    assert answer["account"]["login"] == login
    for path in ("/api/staff/stats", "/api/staff/events", "/api/me"):
        refused = await client.get(path)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "mfa_required", path
    # What anyone may read stays readable; the session says what is owed.
    assert (await client.get("/api/threads")).status_code == 200
    assert (await client.get("/api/session")).json()["mfa_required"] is True

    begun = (await client.post("/api/me/mfa/totp")).json()
    assert begun["uri"].startswith("otpauth://totp/") and begun["secret"] in begun["uri"]
    async with mfa.tong.services.db.read() as s:
        stored = (await s.execute(select(AccountFactor.secret))).scalars().all()
    assert stored and all(begun["secret"] not in value for value in stored)

    wrong = await client.post("/api/me/mfa/totp/confirm", json={"code": "000000"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "mfa_failed"
    confirmed = await client.post("/api/me/mfa/totp/confirm", json={"code": mfa.code(begun["secret"])})
    assert confirmed.status_code == 200, confirmed.text
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert confirmed.json()["methods"] == ["totp", "recovery"]
    assert (await client.get("/api/staff/stats")).status_code == 200
    assert "mfa_required" not in (await client.get("/api/session")).json()


async def test_login_asks_for_the_code_and_refuses_wrong_and_reused_ones(mfa: Mfa) -> None:
    """A later login answers mfa_required with the account's methods; a wrong code and a code already
    accepted in its window are refused (401 mfa_failed); a fresh code opens the session."""
    login = await mfa.staff()
    _, secret, _ = await mfa.enrolled(login)
    client, answer = await mfa.login(login)
    assert (answer["mfa_required"], answer["enrol"], answer["methods"]) == (True, False, ["totp", "recovery"])
    wrong = await client.post("/api/session/mfa", json={"code": "123456"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "mfa_failed"
    assert (await client.get("/api/staff/stats")).status_code == 401

    code = mfa.code(secret)
    given = await client.post("/api/session/mfa", json={"code": code})
    assert given.status_code == 200 and given.json()["method"] == "totp"
    assert (await client.get("/api/staff/stats")).status_code == 200

    other, _ = await mfa.login(login)
    reused = await other.post("/api/session/mfa", json={"code": code})
    assert reused.status_code == 401 and reused.json()["error"]["code"] == "mfa_failed"
    mfa.clock.offset += timedelta(seconds=30)
    assert (await other.post("/api/session/mfa", json={"code": mfa.code(secret)})).status_code == 200


async def test_recovery_codes_work_once(mfa: Mfa) -> None:
    """A recovery code (typed with or without its dash) gives the factor once; used again, 401."""
    login = await mfa.staff()
    _, _, codes = await mfa.enrolled(login)
    first, _ = await mfa.login(login)
    given = await first.post("/api/session/mfa", json={"code": codes[0].replace("-", "").lower()})
    assert given.status_code == 200 and given.json()["method"] == "recovery"
    second, _ = await mfa.login(login)
    again = await second.post("/api/session/mfa", json={"code": codes[0]})
    assert again.status_code == 401 and again.json()["error"]["code"] == "mfa_failed"
    assert (await second.post("/api/session/mfa", json={"code": codes[1]})).status_code == 200


async def test_a_password_alone_cannot_enrol_another_factor(mfa: Mfa) -> None:
    """A session that gave only the password of an account with a factor cannot add an app of its
    own (a stolen password must not become a second factor)."""
    login = await mfa.staff()
    await mfa.enrolled(login)
    thief, _ = await mfa.login(login)
    for path in ("/api/me/mfa/totp", "/api/me/mfa/webauthn/options"):
        refused = await thief.post(path)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "mfa_required", path


async def test_the_staff_channel_waits_for_the_factor(mfa: Mfa) -> None:
    """A socket of a session still owing its factor is refused the staff channel (mfa_required);
    once the factor is given a new socket subscribes."""
    login = await mfa.staff()
    _, secret, _ = await mfa.enrolled(login)
    client, _ = await mfa.login(login)
    socket = await Socket.open(mfa.tong.ws_url, client.cookie)
    try:
        refused = await socket.subscribe("staff")
        assert refused["type"] == "error" and refused["code"] == "mfa_required"
        assert (await socket.subscribe("board"))["type"] == "subscribed"
    finally:
        await socket.close()
    assert (await client.post("/api/session/mfa", json={"code": mfa.code(secret)})).status_code == 200
    socket = await Socket.open(mfa.tong.ws_url, client.cookie)
    try:
        assert (await socket.subscribe("staff"))["type"] == "subscribed"
    finally:
        await socket.close()


async def test_a_reveal_needs_a_factor_given_in_the_last_five_minutes(mfa: Mfa) -> None:
    """The reveal works right after the factor; 5 minutes later it answers 403 reauth_required until
    the factor is given again."""
    login = await mfa.staff()
    admin, secret, _ = await mfa.enrolled(login)
    company = await mfa.tong.user("company")
    mfa.opened.append(company)
    thread = await company.thread("제안", "공개 본문")
    reveal = f"/api/admin/posts/thread/{thread['id']}/author"
    assert (await admin.post(reveal, json={"reason": "법원 요청"})).status_code == 200
    mfa.clock.offset += timedelta(minutes=5, seconds=1)
    refused = await admin.post(reveal, json={"reason": "법원 요청"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "reauth_required"
    # Other staff work goes on meanwhile: only the acts that unmask or destroy ask again.
    assert (await admin.get("/api/staff/stats")).status_code == 200
    assert (await admin.post("/api/session/mfa", json={"code": mfa.code(secret)})).status_code == 200
    assert (await admin.post(reveal, json={"reason": "법원 요청"})).status_code == 200


async def test_a_role_change_needs_a_factor_given_in_the_last_five_minutes(mfa: Mfa) -> None:
    """PATCH of an account's roles asks for the factor again past 5 minutes; its state does not."""
    admin, secret, _ = await mfa.enrolled(await mfa.staff())
    (target,) = await mfa.tong.accounts("staff", 1, ("moderator",))
    listed = (await admin.get("/api/admin/accounts", params={"q": target})).json()
    path = f"/api/admin/accounts/{listed['items'][0]['id']}"
    assert (await admin.patch(path, json={"roles": ["moderator", "approver"]})).status_code == 200
    mfa.clock.offset += timedelta(minutes=5, seconds=1)
    refused = await admin.patch(path, json={"roles": ["moderator"]})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "reauth_required"
    assert (await admin.patch(path, json={"state": "disabled"})).status_code == 200
    assert (await admin.post("/api/session/mfa", json={"code": mfa.code(secret)})).status_code == 200
    changed = await admin.patch(path, json={"roles": ["moderator"]})
    assert changed.status_code == 200 and changed.json()["roles"] == ["moderator"]


async def test_factor_attempts_are_limited_per_account(mfa: Mfa) -> None:
    """Past 10 attempts in 5 minutes an account's factor answers 429, even with the right code."""
    login = await mfa.staff()
    _, secret, _ = await mfa.enrolled(login)
    client, _ = await mfa.login(login)
    # The enrolment's confirmation counted one attempt.
    for _ in range(9):
        assert (await client.post("/api/session/mfa", json={"code": "000000"})).status_code == 401
    limited = await client.post("/api/session/mfa", json={"code": mfa.code(secret)})
    assert limited.status_code == 429 and limited.headers["retry-after"]


async def test_accounts_other_than_staff_are_never_asked(mfa: Mfa) -> None:
    """A company's login is a full session even where staff need a second factor; it may not enrol."""
    (login,) = await mfa.tong.accounts("company")
    client, answer = await mfa.login(login)
    assert "mfa_required" not in answer
    assert (await client.get("/api/me")).status_code == 200
    refused = await client.post("/api/me/mfa/totp")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "staff_only"


async def test_staff_signed_in_through_the_portal_also_owe_the_factor(mfa: Mfa) -> None:
    """A staff session begun by single sign-on is pending like a password one: enrol, then in."""
    token, _ = await mfa.tong.services.signon.sign_in("https://portal.example", "officer", STAFF, None, "id")
    client = mfa.client()
    client.client.cookies.set("tong_session", token)
    state = (await client.get("/api/session")).json()
    assert state["account"]["via"] == "oidc" and (state["mfa_required"], state["enrol"]) == (True, True)
    assert (await client.get("/api/staff/stats")).json()["error"]["code"] == "mfa_required"
    secret = (await client.post("/api/me/mfa/totp")).json()["secret"]
    assert (await client.post("/api/me/mfa/totp/confirm", json={"code": mfa.code(secret)})).status_code == 200
    assert (await client.get("/api/staff/stats")).status_code == 200
