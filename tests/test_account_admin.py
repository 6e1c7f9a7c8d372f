"""Accounts, for admins (v1.2): the list and its filters, a change of roles or state, the CSV import
with invitation mails, the `account.changed` rows whose actor only admins see, and the commands
`tong accounts list|enable|disable|set-roles|import`."""

from __future__ import annotations

import asyncio
import io
import re
import sys
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import pytest_asyncio

from server.ops import cli
from tests.support.clients import PASSWORD, Http, Socket, unique
from tests.support.mailing import NEW_PASSWORD, mailing_server
from tests.support.servers import InProcessServer, ProcessServer, Stack
from tests.support.smtp_sink import SmtpSink

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest_asyncio.fixture(scope="module")
async def mailing(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[InProcessServer, SmtpSink]]:
    """One server per stack for this module, mailing a real SMTP server; tests use their own
    accounts (unique logins)."""
    async with mailing_server(stack, tmp_path_factory.mktemp("admin-mail")) as running:
        yield running


async def login_as(
    server: InProcessServer, clients: list[Http], kind: str, roles: tuple[str, ...] = ()
) -> Http:
    clients.append(client := await server.user(kind, roles))
    return client


async def account_row(admin: Http, login: str) -> dict[str, Any]:
    found = (await admin.get("/api/admin/accounts", params={"q": login})).json()["items"]
    (row,) = [r for r in found if r["login"] == login]
    return row


def invitation_token(message: EmailMessage) -> str:
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(r"https://tong\.test/reset-password\?token=(\S+)", text)
    assert found, text
    return unquote(found.group(1))


async def test_only_admins_reach_the_account_endpoints(
    mailing: tuple[InProcessServer, SmtpSink], clients: list[Http]
) -> None:
    """A company, an agency and a moderator get 403 on the list, a change and an import; without
    a login, 401."""
    server, _ = mailing
    target = await login_as(server, clients, "company")
    me = (await target.get("/api/me")).json()
    calls = [
        ("GET", "/api/admin/accounts", None),
        ("PATCH", f"/api/admin/accounts/{me['id']}", {"state": "disabled"}),
        ("POST", "/api/admin/accounts/import", {"csv": "x-1,x@example.kr,company,"}),
    ]
    for kind, roles in (("company", ()), ("agency", ()), ("staff", ("moderator", "approver"))):
        caller = await login_as(server, clients, kind, roles)
        for method, path, body in calls:
            answer = await caller.request(method, path, json=body)
            assert answer.status_code == 403, (kind, method, path, answer.text)
    clients.append(anonymous := Http(server.base_url))
    for method, path, body in calls:
        assert (await anonymous.request(method, path, json=body)).status_code == 401
    assert (await target.get("/api/me")).status_code == 200


async def test_the_list_filters_and_shows_dates_only(
    mailing: tuple[InProcessServer, SmtpSink], clients: list[Http]
) -> None:
    """Rows carry id, login, kind, roles, state, via and the creation and last login as dates;
    nothing about posts. Filters by kind, role, state and a part of the login combine; pages go on
    with `cursor`."""
    server, _ = mailing
    admin = await login_as(server, clients, "staff", ("admin",))
    writer = await login_as(server, clients, "agency")
    await writer.thread("목록에 글이 나오면 안 됨")
    agency_login = (await writer.get("/api/me")).json()["login"]
    approvers = await server.accounts("staff", 3, ("approver",))
    row = await account_row(admin, agency_login)
    assert set(row) >= {"id", "login", "kind", "roles", "state", "via", "created", "last_login"}
    assert DATE.match(row["created"]) and DATE.match(row["last_login"])
    assert (row["kind"], row["roles"], row["state"], row["via"]) == ("agency", [], "active", "password")
    assert not any(key in row for key in ("threads", "comments", "posts"))
    shown = str(row)
    assert "목록에" not in shown

    page = (await admin.get("/api/admin/accounts", params={"role": "approver", "limit": 2})).json()
    assert len(page["items"]) == 2 and page["next_cursor"] is not None
    rest = (
        await admin.get("/api/admin/accounts", params={"role": "approver", "cursor": page["next_cursor"]})
    ).json()
    listed = {r["login"] for r in page["items"] + rest["items"]}
    assert set(approvers) <= listed
    assert all("approver" in r["roles"] for r in page["items"] + rest["items"])
    # A cursor past the id column's range is refused, not sent to the database (schemathesis found
    # a 503 from PostgreSQL's int4 there).
    too_far = await admin.get("/api/admin/accounts", params={"cursor": "9342079739"})
    assert too_far.status_code == 422, too_far.text
    agencies = (await admin.get("/api/admin/accounts", params={"kind": "agency", "q": agency_login})).json()
    assert [r["login"] for r in agencies["items"]] == [agency_login]
    none = (await admin.get("/api/admin/accounts", params={"state": "disabled", "q": agency_login})).json()
    assert none["items"] == []
    bad = await admin.get("/api/admin/accounts", params={"role": "owner"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == {"role": "unknown"}


async def test_disabling_ends_sessions_and_sockets_and_is_logged(
    mailing: tuple[InProcessServer, SmtpSink], clients: list[Http]
) -> None:
    """PATCH state disabled ends the account's sessions (its staff socket loses the channel at
    once) and its logins; enabling lets it log in again; roles take the approver; each change is
    an `account.changed` row whose actor an admin sees and a moderator does not; an admin cannot
    disable themselves."""
    server, _ = mailing
    admin = await login_as(server, clients, "staff", ("admin", "moderator"))
    moderator = await login_as(server, clients, "staff", ("moderator",))
    target = await login_as(server, clients, "staff", ("moderator",))
    me = (await target.get("/api/me")).json()
    socket = await Socket.open(server.ws_url, target.cookie)
    try:
        assert (await socket.subscribe("staff"))["type"] == "subscribed"
        disabled = await admin.patch(f"/api/admin/accounts/{me['id']}", json={"state": "disabled"})
        assert disabled.status_code == 200 and disabled.json()["state"] == "disabled"
        ended = await socket.expect(lambda f: f["type"] == "error" and f.get("channel") == "staff")
        assert ended["code"] == "session_ended"
    finally:
        await socket.close()
    assert (await target.get("/api/me")).status_code == 401
    refused = await target.post("/api/session", json={"login": me["login"], "password": PASSWORD})
    assert refused.status_code == 401

    enabled = await admin.patch(
        f"/api/admin/accounts/{me['id']}", json={"state": "active", "roles": ["approver", "moderator"]}
    )
    assert enabled.status_code == 200 and enabled.json()["roles"] == ["approver", "moderator"]
    assert (await target.login(me["login"]))["roles"] == ["approver", "moderator"]
    company = (await (await login_as(server, clients, "company")).get("/api/me")).json()
    staff_only = await admin.patch(f"/api/admin/accounts/{company['id']}", json={"roles": ["admin"]})
    assert staff_only.status_code == 422 and staff_only.json()["error"]["fields"] == {"roles": "staff_only"}
    own = (await admin.get("/api/me")).json()
    for change in ({"state": "disabled"}, {"roles": ["moderator"]}):
        refused = await admin.patch(f"/api/admin/accounts/{own['id']}", json=change)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "self_change"

    query = {"type": "account.changed", "limit": 1000}
    seen_by_admin = [
        e for e in (await admin.get("/api/staff/events", params=query)).json()["items"]
        if e["payload"].get("account_id") == me["id"]
    ]  # fmt: skip
    assert [e["payload"]["changed"] for e in seen_by_admin] == [
        {"state": "disabled"},
        {"roles": ["approver", "moderator"], "state": "active"},
    ]
    assert all(e["actor"]["login"] == own["login"] for e in seen_by_admin)
    seen_by_moderator = [
        e for e in (await moderator.get("/api/staff/events", params=query)).json()["items"]
        if e["payload"].get("account_id") == me["id"]
    ]  # fmt: skip
    assert len(seen_by_moderator) == 2 and all(e["actor"] is None for e in seen_by_moderator)
    csv_export = (await moderator.get("/api/staff/events", params={**query, "format": "csv"})).text
    assert own["login"] not in csv_export


async def test_import_invites_each_account_to_set_its_password(
    mailing: tuple[InProcessServer, SmtpSink], clients: list[Http]
) -> None:
    """A CSV with errors is refused whole, naming each bad line; a good one makes every account
    (roles for staff), mails each an invitation whose link sets the first password, and logs
    `account.created` rows."""
    server, sink = mailing
    admin = await login_as(server, clients, "staff", ("admin",))
    taken = (await admin.get("/api/me")).json()["login"]
    staff_login, agency_login = unique("invited"), unique("invited")
    bad = "\n".join(
        [
            "login,email,kind,roles",
            f"{staff_login},ok@example.kr,staff,moderator;approver",
            "a b,not-an-address,company,",
            f"{agency_login},x@example.kr,agency,admin",
            f"{taken},y@example.kr,company,",
            "only,two",
        ]
    )
    refused = await admin.post("/api/admin/accounts/import", json={"csv": bad})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {
        "3.login": "invalid",
        "3.email": "invalid",
        "4.roles": "staff_only",
        "6": "columns",
    }
    assert (await admin.get("/api/admin/accounts", params={"q": staff_login})).json()["items"] == []
    taken_too = await admin.post("/api/admin/accounts/import", json={"csv": f"{taken},y@example.kr,company,"})
    assert taken_too.status_code == 422 and taken_too.json()["error"]["fields"] == {"1.login": "taken"}

    good = "\n".join(
        [
            "login,email,kind,roles",
            f"{staff_login},{staff_login}@example.kr,staff,moderator approver",
            f"{agency_login},{agency_login}@example.kr,agency,",
        ]
    )
    done = await admin.post("/api/admin/accounts/import", json={"csv": good})
    assert done.status_code == 201, done.text
    assert [(c["line"], c["login"]) for c in done.json()["created"]] == [(2, staff_login), (3, agency_login)]
    row = await account_row(admin, staff_login)
    assert row["roles"] == ["approver", "moderator"] and row["last_login"] is None

    address = f"{agency_login}@example.kr"
    await sink.wait_for(lambda found: any(m["To"] == address for m in found))
    (mail,) = [m for m in sink.messages() if m["To"] == address]
    assert agency_login in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    clients.append(invited := Http(server.base_url))
    assert (await invited.post("/api/session", json={"login": agency_login, "password": ""})).status_code in (
        401,
        422,
    )
    token = invitation_token(mail)
    shown = (await invited.get("/api/password-reset/confirm", params={"token": token})).json()
    assert shown["login"] == agency_login and shown["purpose"] == "invite"
    set_ = await invited.post("/api/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert set_.status_code == 200, set_.text
    assert (await invited.login(agency_login, NEW_PASSWORD))["kind"] == "agency"


async def test_account_commands(
    mailing: tuple[InProcessServer, SmtpSink],
    clients: list[Http],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """`tong accounts set-roles|disable|enable|list|import` change the served database: each change
    an `account.changed` row; `disable` ends the sessions; `import` queues invitations the running
    server sends; `create --role approver` works. (The command's own code, in a thread: a new
    interpreter per command cost ten seconds of imports on this loaded machine.)"""
    server, sink = mailing
    for name, value in ProcessServer(server.settings).environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TONG_SMTP_URL", sink.url)

    async def tong(*args: str, stdin: str = "", code: int = 0) -> str:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        returned = await asyncio.to_thread(cli.main, ["accounts", *args])
        out, err = capsys.readouterr()
        assert returned == code, (args, out, err)
        return out + err

    login = unique("cli")
    await tong("create", login, "--kind", "staff", "--role", "approver", "--password-stdin", stdin=PASSWORD)
    clients.append(user := Http(server.base_url))
    await user.login(login)
    assert "roles admin, moderator" in await tong(
        "set-roles", login, "--role", "moderator", "--role", "admin"
    )
    assert "disabled" in await tong("disable", login)
    assert (await user.get("/api/me")).status_code == 401
    listed = await tong("list", "--q", login, "--state", "disabled")
    assert re.search(rf"\t{login}\tstaff\tadmin,moderator\tdisabled\tpassword\t", listed), listed
    assert "enabled" in await tong("enable", login)
    assert (await user.login(login))["roles"] == ["admin", "moderator"]
    assert "no account" in await tong("disable", "nobody-" + login, code=1)

    imported = unique("cli")
    (tmp_path / "accounts.csv").write_text(
        f"login,email,kind,roles\n{imported},{imported}@example.kr,company,\n"
    )
    assert "imported 1 account" in await tong("import", str(tmp_path / "accounts.csv"))
    await sink.wait_for(lambda found: any(m["To"] == f"{imported}@example.kr" for m in found))
    assert "line 1 email: invalid" in await tong("import", "-", stdin="x-y,not-an-address,company,", code=1)

    clients.append(admin := await server.user("staff", ("admin",)))
    target = (await account_row(admin, login))["id"]
    rows = (await admin.get("/api/staff/events", params={"type": "account.changed", "limit": 1000})).json()[
        "items"
    ]
    mine = [r["payload"] for r in rows if r["payload"].get("account_id") == target]
    assert [p["changed"] for p in mine] == [
        {"roles": ["admin", "moderator"]},
        {"state": "disabled"},
        {"state": "active"},
    ]
    assert all(p["by"] == "cli" for p in mine)
