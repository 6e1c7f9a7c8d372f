"""The OpenAPI document: generated from the operations, served with its viewer, and held to the
server's real answers by schemathesis against a live `tong serve` on both stacks."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.web.middleware import CONTENT_SECURITY_POLICY
from tests.support.clients import PASSWORD
from tests.support.processes import create_accounts
from tests.support.servers import InProcessServer, ProcessServer, Stack

# Examples per operation and phase; CI keeps the run near a minute per stack. A bigger run is
# TONG_SCHEMATHESIS_EXAMPLES=200 scripts/test tests/test_openapi.py.
EXAMPLES = int(os.environ.get("TONG_SCHEMATHESIS_EXAMPLES", "5"))
# CI replays one fixed exploration so a red run is reproducible and main stays green on what it
# already passed; TONG_SCHEMATHESIS_SEED=random explores anew (do that when changing the API).
SEED = os.environ.get("TONG_SCHEMATHESIS_SEED", "20261129")
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
# positive_data_acceptance is left out: valid-looking data is refused for reasons a schema cannot
# state (a parent_id from another thread, link ids that do not exist, text holding a phone
# number or only zero-width characters). Every other check runs.
EXCLUDED_CHECKS = "positive_data_acceptance"


async def test_document_lists_every_operation_with_roles(server: InProcessServer, anonymous: Any) -> None:
    """/api/openapi.json is OpenAPI 3.1 with every route, roles, the error body and cookie auth."""
    doc = (await anonymous.get("/api/openapi.json")).json()
    assert doc["openapi"] == "3.1.0"
    served = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    app = server.config.app
    routed = {
        (method, re.sub(r"{([a-z_]+):[a-z]+}", r"{\1}", route.path))
        for route in app.routes
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD" and route.path.startswith(("/api/", "/healthz", "/readyz", "/metrics"))
    }
    assert routed == served
    reveal = doc["paths"]["/api/admin/posts/{kind}/{id}/author"]["get"]
    assert reveal["x-roles"] == ["admin"] and reveal["security"] == [{"session": []}]
    assert doc["paths"]["/api/comments/{id}/hide"]["post"]["x-roles"] == ["moderator", "admin"]
    assert doc["components"]["securitySchemes"]["session"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "tong_session",
        "description": "Set by POST /api/session (HttpOnly, SameSite=Lax)",
    }
    assert set(doc["components"]["schemas"]["ErrorDetail"]["required"]) == {"code", "message", "fields"}
    title = doc["components"]["schemas"]["NewThread"]["properties"]["title"]
    assert title["x-max-code-points"] == 200 and title["minLength"] == 1


async def test_docs_page_is_served_by_tong_under_its_policy(anonymous: Any) -> None:
    """/api/docs is Swagger UI from Tong's own static files; scripts only from 'self'."""
    page = await anonymous.get("/api/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    # The app's own policy, unchanged: nothing inline, nothing from elsewhere.
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    scripts = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert scripts and all(s.startswith("/static/") for s in scripts)
    for url in scripts:
        assert (await anonymous.get(url)).status_code == 200, url
    vendored = next(s for s in scripts if "/vendor/swagger-ui-dist-" in s)
    licence = await anonymous.get(vendored.rsplit("/", 1)[0] + "/LICENSE")
    assert licence.status_code == 200 and "Apache License" in licence.text


async def _account(server: ProcessServer, kind: str, roles: tuple[str, ...] = ()) -> str:
    """An account made as an operator makes one; returns its session cookie's value."""
    (login,) = await create_accounts(server, kind, 1, roles)
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        response = await client.post("/api/session", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return response.cookies["tong_session"]


async def _schemathesis(
    server: ProcessServer, workdir: Path, who: str, session: str | None
) -> dict[str, Any]:
    """One run; its exit status, operations, cases and duration."""
    config = workdir / f"schemathesis-{who}.toml"
    args = [str(SCHEMATHESIS)]
    env = {**os.environ, "NO_COLOR": "1"}
    if session is not None:
        # The cookie is given as the document's security scheme, so schemathesis knows which
        # requests are authenticated (and also tries them without it: 401 expected).
        config.write_text('[auth.openapi.session]\napi_key = "${TONG_TEST_SESSION}"\n')
        env["TONG_TEST_SESSION"] = session
        args += ["--config-file", str(config)]
    args += [
        "run",
        f"{server.base_url}/api/openapi.json",
        "--max-examples",
        str(EXAMPLES),
        "--exclude-checks",
        EXCLUDED_CHECKS,
        "--generation-database",
        "none",
        "--no-color",
    ]
    if SEED != "random":
        args += ["--seed", SEED]
    if who != "staff":
        # The staff run alone walks the stateful phase (sequences of calls that link answers to
        # requests): it is the slow one, and staff can call every operation.
        args += ["--phases", "examples,coverage,fuzzing"]
    if session is not None:
        # Logging out would end the session the rest of the run uses; the anonymous run covers it.
        args += ["--exclude-operation-id", "end_session"]
    else:
        args += ["--include-tag", "session"]
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *args, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    out, _ = await process.communicate()
    text = out.decode(errors="replace")
    tested = re.search(r"Tested: (\d+)", text)
    cases = re.search(r"Test cases:\s+(\d+) generated", text)
    return {
        "who": who,
        "status": process.returncode,
        "selected": re.search(r"Selected: (\d+)/(\d+)", text),
        "operations": int(tested.group(1)) if tested else 0,
        "cases": int(cases.group(1)) if cases else 0,
        "seconds": time.monotonic() - started,
        "output": text,
    }


@pytest.mark.slow
async def test_schemathesis_finds_nothing(
    stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """schemathesis against a live `tong serve`, as staff (moderator, admin), as a company and
    anonymously: no 5xx and no answer that breaks the document, for every operation."""
    # schemathesis tries the same few logins again and again; the doubling delay after failed
    # logins (logins.py, tested on its own) would make those requests wait out its timeout.
    server = await ProcessServer(await stack.fresh_settings(), env={"TONG_LOGIN_DELAY_MAX_S": "0"}).start()
    try:
        staff = await _account(server, "staff", ("moderator", "admin"))
        company = await _account(server, "company")
        runs = [
            await _schemathesis(server, tmp_path, "staff", staff),
            await _schemathesis(server, tmp_path, "company", company),
            await _schemathesis(server, tmp_path, "anonymous", None),
        ]
    finally:
        await server.stop()
    with capsys.disabled():
        for run in runs:
            print(
                f"\nschemathesis [{stack.name}, {run['who']}]: {run['operations']} operations, "
                f"{run['cases']} cases, {run['seconds']:.1f} s, exit {run['status']}"
            )
    for run in runs:
        output = run["output"]
        starts = [output.find(h) for h in ("= ERRORS =", "= FAILURES =") if h in output]
        found = output[min(starts) : output.find("= SUMMARY =")] if starts else output
        assert run["status"] == 0, found[-8000:]
        selected = run["selected"]
        assert selected is not None and run["operations"] == int(selected.group(1)) > 0, run["output"]
        assert run["cases"] > 0
    # The staff run covers every operation but logging out, which the anonymous run covers.
    total = int(runs[0]["selected"].group(2))
    assert runs[0]["operations"] == total - 1
    log = server.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-4000:]
