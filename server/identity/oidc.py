"""The OpenID Connect relying party: discovery, the provider's keys, the code exchange, and the
checks on ID tokens and back-channel logout tokens.

Authlib does the OAuth 2 code exchange (PKCE S256, `client_secret_basic`) over httpx2, the HTTP
client its integration now asks for; joserfc (Authlib's own JOSE library, which Authlib's `jose`
module now defers to) verifies signatures and claims. What is
Tong's own is small: which claims must hold, and when to fetch the provider's documents again.

- Discovery (`{issuer}/.well-known/openid-configuration`) is cached for `DISCOVERY_TTL_S`.
- The key set is cached until a token names a key id it does not hold: the provider rotated its
  keys, so the set is fetched again at once. When that fetch does not bring the key either, the
  next fetch for an unknown key waits `JWKS_REFETCH_MIN_S` (a stream of tokens with made-up key
  ids must not make Tong hammer the provider).
- Times are checked with `CLOCK_SKEW_S` of leeway: the provider's clock and ours differ a little.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

DISCOVERY_TTL_S = 3600.0
JWKS_REFETCH_MIN_S = 10.0
# Clocks of two servers agree within a minute in practice; RFC 7519 leaves the leeway to us.
CLOCK_SKEW_S = 60
# Signature algorithms a provider may use for ID tokens (never "none", never HMAC with the secret:
# Tong would then accept tokens it could have made itself).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
HTTP_TIMEOUT_S = 10.0


class ProviderError(Exception):
    """The provider could not be reached, or answered something Tong cannot use."""


class TokenRejected(Exception):
    """A token failed a check (signature, issuer, audience, time, nonce, shape)."""


@dataclass(frozen=True)
class Authorization:
    """What the start of a sign-in remembers until the provider sends the browser back."""

    url: str
    state: str
    nonce: str
    verifier: str


@dataclass(frozen=True)
class SignedIn:
    """A verified sign-in: the ID token's claims (with userinfo's where the token lacked them)."""

    claims: dict[str, Any]
    id_token: str


def _pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _header(token: str) -> dict[str, Any]:
    try:
        head = token.split(".", 1)[0]
        value = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenRejected("the token is not a JWS") from exc
    if not isinstance(value, dict):
        raise TokenRejected("the token's header is not an object")
    return value


class OpenIDClient:
    """One configured provider; `now` is its clock (a test may move it)."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        scopes: tuple[str, ...] = ("openid", "email"),
        *,
        now: Any = time.time,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.scopes = scopes
        self._now = now
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None
        # When a fetch for an unknown key id last came back without it.
        self._missed_at = float("-inf")

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=HTTP_TIMEOUT_S)

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self._http() as http:
                response = await http.get(url, headers={"Accept": "application/json"})
                response.raise_for_status()
                value = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderError(f"{url}: {exc}") from exc
        if not isinstance(value, dict):
            raise ProviderError(f"{url}: not a JSON object")
        return value

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or self._now() - self._metadata_at > DISCOVERY_TTL_S:
            value = await self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it came from.
            if value.get("issuer", "").rstrip("/") != self.issuer:
                raise ProviderError(f"discovery names issuer {value.get('issuer')!r}, not {self.issuer!r}")
            for needed in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(value.get(needed), str):
                    raise ProviderError(f"discovery has no {needed}")
            self._metadata, self._metadata_at = value, self._now()
        return self._metadata

    async def _key_set(self, refresh: bool) -> KeySet:
        if self._keys is None or (refresh and self._now() - self._missed_at >= JWKS_REFETCH_MIN_S):
            document = await self._get_json((await self.metadata())["jwks_uri"])
            try:
                self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise ProviderError(f"the provider's key set is unusable: {exc}") from exc
        return self._keys

    async def _verified_claims(self, token: str) -> dict[str, Any]:
        """The claims of a JWS the provider signed, with the key its header names (fetching the
        key set again once when the provider has rotated to a key Tong has not seen)."""
        header = _header(token)
        if header.get("alg") not in ALGORITHMS:
            raise TokenRejected(f"algorithm {header.get('alg')!r} is not accepted")
        kid = header.get("kid")
        keys = await self._key_set(refresh=False)
        if kid is not None and not any(k.kid == kid for k in keys.keys):
            keys = await self._key_set(refresh=True)
            if not any(k.kid == kid for k in keys.keys):
                self._missed_at = self._now()
        candidates = [k for k in keys.keys if kid is None or k.kid == kid]
        if not candidates:
            raise TokenRejected(f"the provider has no key {kid!r}")
        for key in candidates:
            try:
                return dict(jwt.decode(token, key, algorithms=list(ALGORITHMS)).claims)
            except JoseError:
                continue
        raise TokenRejected("the signature does not verify")

    def _check(self, claims: dict[str, Any], **options: Any) -> None:
        registry = jwt.JWTClaimsRegistry(now=int(self._now()), leeway=CLOCK_SKEW_S, **options)
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise TokenRejected(f"{exc.error}: {exc.description or ''}".strip(": ")) from exc

    async def authorization(self, extra: dict[str, str] | None = None) -> Authorization:
        """Where to send the browser: the code flow with PKCE S256, a fresh `state` and `nonce`."""
        endpoint = (await self.metadata())["authorization_endpoint"]
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": _pkce_challenge(verifier),
            "code_challenge_method": "S256",
            **(extra or {}),
        }
        separator = "&" if "?" in endpoint else "?"
        return Authorization(f"{endpoint}{separator}{urlencode(query)}", state, nonce, verifier)

    async def finish(self, code: str, verifier: str, nonce: str, claims_needed: tuple[str, ...]) -> SignedIn:
        """Exchange the code, verify the ID token (issuer, audience, signature, time, nonce), and
        complete missing `claims_needed` from userinfo."""
        meta = await self.metadata()
        client = AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            token_endpoint_auth_method="client_secret_basic",
            redirect_uri=self.redirect_uri,
            timeout=HTTP_TIMEOUT_S,
        )
        try:
            async with client:
                token = await client.fetch_token(
                    meta["token_endpoint"], grant_type="authorization_code", code=code, code_verifier=verifier
                )
        except Exception as exc:  # Authlib raises its OAuthError or httpx's errors
            raise ProviderError(f"the code exchange failed: {exc}") from exc
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise TokenRejected("the token response has no id_token")
        claims = await self.id_token_claims(id_token, nonce)
        missing = [c for c in claims_needed if c not in claims]
        userinfo_endpoint = meta.get("userinfo_endpoint")
        if missing and isinstance(userinfo_endpoint, str) and token.get("access_token"):
            info = await self._userinfo(userinfo_endpoint, str(token["access_token"]))
            # Core §5.3.2: userinfo's sub must be the ID token's, or nothing from it is used.
            if info.get("sub") == claims["sub"]:
                claims.update({c: info[c] for c in missing if c in info})
        return SignedIn(claims, id_token)

    async def id_token_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        """An ID token's claims once its signature (the provider's JWKS), issuer, audience, times
        (with clock skew) and this sign-in's nonce have been checked."""
        claims = await self._verified_claims(id_token)
        self._check(
            claims,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        # OpenID Connect Core §3.1.3.7: with several audiences, azp must be this client.
        if (
            isinstance(claims.get("aud"), list)
            and len(claims["aud"]) > 1
            and claims.get("azp") != self.client_id
        ):
            raise TokenRejected("the token is meant for another party (azp)")
        return claims

    async def _userinfo(self, endpoint: str, access_token: str) -> dict[str, Any]:
        try:
            async with self._http() as http:
                response = await http.get(endpoint, headers={"Authorization": f"Bearer {access_token}"})
                response.raise_for_status()
                value = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderError(f"userinfo: {exc}") from exc
        return value if isinstance(value, dict) else {}

    async def logout_claims(self, logout_token: str) -> dict[str, Any]:
        """OpenID Back-Channel Logout 1.0 §2.6: a logout token is verified like an ID token, carries
        the back-channel event and a `sub` or `sid`, and never a `nonce`."""
        claims = await self._verified_claims(logout_token)
        self._check(
            claims,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            iat={"essential": True},
            jti={"essential": True},
        )
        events = claims.get("events")
        if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
            raise TokenRejected("not a back-channel logout token (events)")
        if "nonce" in claims:
            raise TokenRejected("a logout token must not carry a nonce")
        if not isinstance(claims.get("sub"), str) and not isinstance(claims.get("sid"), str):
            raise TokenRejected("a logout token names a sub or a sid")
        return claims

    async def end_session_url(self, id_token_hint: str | None, post_logout_redirect_uri: str) -> str | None:
        """RP-initiated logout: the provider's end-session URL, or None when it has none."""
        try:
            endpoint = (await self.metadata()).get("end_session_endpoint")
        except ProviderError:
            return None
        if not isinstance(endpoint, str):
            return None
        query = {"post_logout_redirect_uri": post_logout_redirect_uri, "client_id": self.client_id}
        if id_token_hint:
            query["id_token_hint"] = id_token_hint
        separator = "&" if "?" in endpoint else "?"
        return f"{endpoint}{separator}{urlencode(query)}"
