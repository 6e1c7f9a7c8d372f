"""Single sign-on's server side against a real OpenID provider (oidc-provider under Node): what
Tong refuses in ID tokens and back-channel logout tokens, the start of a sign-in, and logout.

Tokens here are signed with the provider's own key (tests/support/oidc.py makes it), so the provider's
JWKS vouches for them and only the claim under test is wrong. The person's side of the flow runs in
Chromium: tests/browser/test_browser_sso.py.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import pytest_asyncio

from server.identity.oidc import BACKCHANNEL_EVENT, TokenRejected
from tests.support.clients import Http
from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, OpenIDProvider, new_key, require_provider
from tests.support.servers import InProcessServer, Stack, free_port


@dataclass
class Setup:
    tong: InProcessServer
    provider: OpenIDProvider

    @property
    def base(self) -> str:
        return f"http://localhost:{self.tong.port}"

    def id_claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.provider.issuer,
            "aud": CLIENT_ID,
            "sub": "company-a",
            "iat": now,
            "exp": now + 300,
            "nonce": "n-1",
            "org_type": "company",
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def logout_claims(self, **changes: Any) -> dict[str, Any]:
        claims = {
            "iss": self.provider.issuer,
            "aud": CLIENT_ID,
            "sub": "company-a",
            "iat": int(time.time()),
            "jti": uuid.uuid4().hex,
            "events": {BACKCHANNEL_EVENT: {}},
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    async def verify_id_token(self, token: str, nonce: str = "n-1") -> dict[str, Any]:
        """The callback's checks on an ID token (signature by the provider's JWKS, then claims)."""
        client = self.tong.services.oidc
        assert client is not None
        return await client.id_token_claims(token, nonce)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def setup(stack: Stack) -> AsyncIterator[Setup]:
    """One Tong and one provider per stack for this module; tests use subjects of their own."""
    require_provider()
    port = free_port()
    provider = OpenIDProvider(f"http://localhost:{port}")
    settings = await stack.fresh_settings(
        public_url=f"http://localhost:{port}",
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
    )
    tong = await InProcessServer(settings, port=port).start()
    provider.start()
    try:
        yield Setup(tong, provider)
    finally:
        provider.stop()
        await tong.stop()


async def test_start_sends_the_browser_to_the_provider_with_pkce_state_and_nonce(setup: Setup) -> None:
    """GET /api/auth/oidc/start answers 302 to the provider's authorization endpoint: code flow,
    PKCE S256, a state and a nonce, the configured redirect URI."""
    async with _client(setup.base) as http:
        response = await http.get("/api/auth/oidc/start", params={"next": "/threads/1"})
    assert response.status_code == 302
    url = urlsplit(response.headers["location"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}" == setup.provider.issuer and url.path == "/auth"
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32 and query["state"] != query["nonce"]
    assert query["redirect_uri"] == f"{setup.base}/api/auth/oidc/callback"
    assert set(query["scope"].split()) == {"openid", "email"}


async def test_a_callback_without_its_pending_sign_in_is_refused(setup: Setup) -> None:
    """A made-up or already used state answers 400 `oidc_state`, as a page for browsers."""
    async with _client(setup.base) as http:
        response = await http.get("/api/auth/oidc/callback", params={"state": "x" * 43, "code": "c"})
        assert response.status_code == 400 and response.json()["error"]["code"] == "oidc_state"
        page = await http.get(
            "/api/auth/oidc/callback",
            params={"state": "x" * 43, "code": "c"},
            headers={"accept": "text/html"},
        )
    assert (
        page.status_code == 400
        and "처음부터 다시 로그인하세요" in page.text
        and "Start the sign-in again" in page.text
    )


async def test_a_provider_error_is_a_page_that_says_what_to_do(setup: Setup) -> None:
    """`access_denied` from the provider is shown in Korean and English with a way back."""
    async with _client(setup.base) as http:
        start = await http.get("/api/auth/oidc/start")
        state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
        page = await http.get(
            "/api/auth/oidc/callback",
            params={"state": state, "error": "access_denied"},
            headers={"accept": "text/html"},
        )
    assert page.status_code == 403
    assert (
        "로그인을 취소했거나" in page.text and "You cancelled" in page.text and 'href="/login"' in page.text
    )


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"aud": "another-client"}, "aud"),
        ({"iss": "http://localhost:1"}, "iss"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "exp"),
        ({"nonce": "someone-else's"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"sub": None}, "sub"),
    ],
)
async def test_id_tokens_with_a_wrong_claim_are_refused(
    setup: Setup, change: dict[str, Any], why: str
) -> None:
    """An ID token signed by the provider's key but meant for another client, from another issuer,
    expired, or without this sign-in's nonce is refused."""
    good = setup.provider.sign(setup.id_claims())
    assert (await setup.verify_id_token(good))["sub"] == "company-a"
    with pytest.raises(TokenRejected, match=why):
        await setup.verify_id_token(setup.provider.sign(setup.id_claims(**change)))


async def test_a_token_a_minute_off_is_accepted_for_clock_skew(setup: Setup) -> None:
    """Clocks differ: a token issued 30 s in the future, or expired 30 s ago, still verifies."""
    now = int(time.time())
    for claims in (setup.id_claims(iat=now + 30), setup.id_claims(iat=now - 300, exp=now - 30)):
        await setup.verify_id_token(setup.provider.sign(claims))


async def test_unsigned_forged_and_symmetric_tokens_are_refused(setup: Setup) -> None:
    """`alg: none`, a key the provider never published, and HS256 with the client secret fail."""
    from joserfc import jwt
    from joserfc.jwk import OctKey

    claims = setup.id_claims()
    with pytest.raises(TokenRejected, match=r"signature|no key"):
        await setup.verify_id_token(setup.provider.sign(claims, new_key("key-1")))
    secret = OctKey.import_key(CLIENT_SECRET.encode())
    with pytest.raises(TokenRejected, match="algorithm"):
        await setup.verify_id_token(jwt.encode({"alg": "HS256", "kid": "key-1"}, claims, secret))
    header = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    with pytest.raises(TokenRejected, match="algorithm"):
        await setup.verify_id_token(header + ".e30.")


async def test_a_rotated_key_is_fetched_when_a_token_names_it(setup: Setup) -> None:
    """After the provider rotates to a new key, a token with the new key id verifies: Tong fetches
    the key set again instead of refusing (and only then)."""
    await setup.verify_id_token(setup.provider.sign(setup.id_claims()))
    setup.provider.keys = [new_key("key-2")]
    setup.provider.restart()
    claims = await setup.verify_id_token(setup.provider.sign(setup.id_claims()))
    assert claims["sub"] == "company-a"


async def _signed_in(setup: Setup, sub: str, sid: str | None) -> Http:
    token, _ = await setup.tong.services.signon.sign_in(
        setup.provider.issuer, sub, "company", sid, "id-token"
    )
    http = Http(setup.base)
    http.client.cookies.set("tong_session", token)
    assert (await http.get("/api/session")).json()["account"]["via"] == "oidc"
    return http


async def _backchannel(setup: Setup, token: str) -> int:
    async with _client(setup.base) as http:
        response = await http.post("/api/auth/oidc/backchannel-logout", data={"logout_token": token})
    assert response.headers.get("cache-control") == "no-store"
    return response.status_code


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "another-client"},
        {"events": None},
        {"events": {"http://example.com/other": {}}},
        {"nonce": "n-1"},
        {"sub": None, "sid": None},
        {"jti": None},
        {"iss": "http://localhost:1"},
    ],
)
async def test_bad_logout_tokens_end_nothing(setup: Setup, change: dict[str, Any]) -> None:
    """A logout token for another client, without the back-channel event, with a nonce, naming
    nobody, without jti or from another issuer answers 400 and every session goes on."""
    sub = uuid.uuid4().hex
    http = await _signed_in(setup, sub, sid=uuid.uuid4().hex)
    claims = setup.logout_claims(sub=sub)
    claims.update(change)
    token = setup.provider.sign({k: v for k, v in claims.items() if v is not None})
    assert await _backchannel(setup, token) == 400
    assert (await http.get("/api/session")).json()["account"] is not None
    await http.aclose()


async def test_backchannel_logout_ends_the_subjects_sessions(setup: Setup) -> None:
    """A good logout token naming the sub ends every session of that account (and only that)."""
    sub, neighbour = uuid.uuid4().hex, uuid.uuid4().hex
    first, second = await _signed_in(setup, sub, sid="sid-1"), await _signed_in(setup, sub, sid="sid-2")
    other = await _signed_in(setup, neighbour, sid="sid-9")
    assert await _backchannel(setup, setup.provider.sign(setup.logout_claims(sub=sub))) == 200
    assert (await first.get("/api/session")).json()["account"] is None
    assert (await second.get("/api/session")).json()["account"] is None
    assert (await other.get("/api/session")).json()["account"] is not None
    for http in (first, second, other):
        await http.aclose()


async def test_backchannel_logout_by_sid_ends_that_session_only(setup: Setup) -> None:
    """A logout token naming only a provider session (sid) ends the Tong session begun with it."""
    sub, sid = uuid.uuid4().hex, uuid.uuid4().hex
    first, second = await _signed_in(setup, sub, sid=sid), await _signed_in(setup, sub, sid="another")
    token = setup.provider.sign(setup.logout_claims(sub=None, sid=sid))
    assert await _backchannel(setup, token) == 200
    assert (await first.get("/api/session")).json()["account"] is None
    assert (await second.get("/api/session")).json()["account"] is not None
    for http in (first, second):
        await http.aclose()


async def test_logout_of_a_sign_on_session_names_the_providers_end_session(setup: Setup) -> None:
    """DELETE /api/session of a sign-on session answers 200 with the provider's end-session URL,
    the ID token as hint and Tong's home as the place to come back to."""
    http = await _signed_in(setup, uuid.uuid4().hex, sid=None)
    response = await http.delete("/api/session")
    assert response.status_code == 200
    url = urlsplit(response.json()["logout_url"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{setup.provider.issuer}/session/end"
    assert query["id_token_hint"] == "id-token" and query["post_logout_redirect_uri"] == f"{setup.base}/"
    assert (await http.get("/api/session")).json()["account"] is None
    await http.aclose()


async def test_login_options_offer_the_provider(setup: Setup) -> None:
    """GET /api/auth/options names the provider's button for the login page."""
    async with _client(setup.base) as http:
        options = (await http.get("/api/auth/options")).json()
    assert options["oidc"]["name"] == "나라장터 로그인" and options["local_login"] == "all"


async def test_without_a_provider_sign_on_is_off(server: InProcessServer) -> None:
    """Unconfigured, the start answers 404 `oidc_off` and the login page offers passwords only."""
    async with _client(server.base_url) as http:
        response = await http.get("/api/auth/oidc/start")
        assert response.status_code == 404 and response.json()["error"]["code"] == "oidc_off"
        assert (await http.get("/api/auth/options")).json() == {"oidc": None, "local_login": "all"}


async def test_local_login_staff_keeps_passwords_for_staff_only(make_server: Any) -> None:
    """TONG_LOCAL_LOGIN=staff: a company's right password answers 403 `use_sso`; staff log in."""
    server = await make_server(local_login="staff")
    (company,) = await server.accounts("company")
    (officer,) = await server.accounts("staff", roles=("moderator",))
    async with _client(server.base_url) as http:
        refused = await http.post(
            "/api/session", json={"login": company, "password": "correct horse battery"}
        )
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "use_sso"
        wrong = await http.post("/api/session", json={"login": company, "password": "wrong password!"})
        assert wrong.status_code == 401
        assert (
            await http.post("/api/session", json={"login": officer, "password": "correct horse battery"})
        ).status_code == 200


@contextlib.asynccontextmanager
async def _client(base: str) -> AsyncIterator[Http]:
    http = Http(base)
    try:
        yield http
    finally:
        await http.aclose()
