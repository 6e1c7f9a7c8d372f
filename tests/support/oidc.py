"""A real OpenID provider for the single sign-on tests: panva's oidc-provider under Node
(tests/js/oidc-provider.mjs, pinned in tests/js/package-lock.json), on a free port, stopped by PID.

Its keys are made here, so a test can also sign tokens the provider's JWKS vouches for (a logout
token with the wrong audience, an expired ID token) and check that Tong refuses them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.support.servers import IN_CI, free_port

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "js" / "oidc-provider.mjs"
CLIENT_ID = "tong"
CLIENT_SECRET = "tong-test-client-secret"


def require_provider() -> None:
    missing = None
    if shutil.which("node") is None:
        missing = "node is not installed"
    elif not (ROOT / "tests" / "js" / "node_modules" / "oidc-provider").is_dir():
        missing = "oidc-provider is not installed (scripts/install test runs npm ci in tests/js)"
    if missing:
        if IN_CI:
            pytest.fail(f"CI needs the OpenID provider: {missing}")
        pytest.skip(missing)


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)


@dataclass
class OpenIDProvider:
    """oidc-provider with one client, Tong at `tong_url`. `accounts` maps a sub (the name typed on
    the provider's login page) to its claims."""

    tong_url: str
    port: int = field(default_factory=free_port)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: list[RSAKey] = field(default_factory=lambda: [new_key("key-1")])
    process: subprocess.Popen[str] | None = None
    log: list[str] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return f"http://localhost:{self.port}"

    def start(self) -> OpenIDProvider:
        require_provider()
        options = {
            "port": self.port,
            "issuer": self.issuer,
            "keys": [k.as_dict(private=True) for k in self.keys],
            "accounts": self.accounts,
            "clients": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": [f"{self.tong_url}/api/auth/oidc/callback"],
                    "post_logout_redirect_uris": [f"{self.tong_url}/"],
                    "backchannel_logout_uri": f"{self.tong_url}/api/auth/oidc/backchannel-logout",
                    "backchannel_logout_session_required": True,
                    "token_endpoint_auth_method": "client_secret_basic",
                }
            ],
        }
        self.process = subprocess.Popen(
            ["node", str(SCRIPT), json.dumps(options)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NODE_ENV": "development"},
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError(f"oidc-provider did not start: {line!r} {self.log}")
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            _, err = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        self.log.extend(line for line in (err or "").splitlines() if "WARNING" not in line)
        self.process = None

    def restart(self) -> None:
        self.stop()
        deadline = time.monotonic() + 10
        while True:
            try:
                self.start()
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise

    def sign(self, claims: dict[str, Any], key: RSAKey | None = None) -> str:
        """A JWS made with the provider's own key (what the provider could have sent)."""
        key = key or self.keys[0]
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)


def running(provider: OpenIDProvider) -> Iterator[OpenIDProvider]:
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()
