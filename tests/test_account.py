"""The account page's password change: the current password is required, the new one must be
strong, and the account's other sessions end while this one goes on."""

from __future__ import annotations

from tests.support.clients import PASSWORD, Http
from tests.support.servers import InProcessServer

NEW_PASSWORD = "violet hammock drifting 2026"


async def test_password_change_ends_the_other_sessions(server: InProcessServer, clients: list[Http]) -> None:
    """A wrong current password is refused (422, field `current`); a weak new one too; after a
    change the old password fails, the new one logs in, and only the changing session lives on."""
    (login,) = await server.accounts("company")
    here, elsewhere = Http(server.base_url), Http(server.base_url)
    clients += [here, elsewhere]
    await here.login(login)
    await elsewhere.login(login)
    wrong = await here.post("/api/me/password", json={"current": "nope", "new": NEW_PASSWORD})
    assert wrong.status_code == 422 and wrong.json()["error"]["fields"] == {"current": "wrong_password"}
    weak = await here.post("/api/me/password", json={"current": PASSWORD, "new": "password"})
    assert weak.status_code == 422 and "password" in weak.json()["error"]["fields"]
    changed = await here.post("/api/me/password", json={"current": PASSWORD, "new": NEW_PASSWORD})
    assert changed.status_code == 204, changed.text
    assert (await here.get("/api/me")).status_code == 200
    assert (await elsewhere.get("/api/me")).status_code == 401
    refused = await elsewhere.post("/api/session", json={"login": login, "password": PASSWORD})
    assert refused.status_code == 401
    await elsewhere.login(login, NEW_PASSWORD)
