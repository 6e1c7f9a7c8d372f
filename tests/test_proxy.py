"""The production shape: Debian's nginx with deploy/nginx.conf in front of two `tong serve`
processes on PostgreSQL and Redis, on a non-default port, driven by real clients and a real browser."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from websockets.exceptions import InvalidStatus

from tests.support.clients import PASSWORD, Socket
from tests.support.demo_server import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.support.processes import create_accounts
from tests.support.servers import IN_CI, PrivateRedis, ProcessServer, Stack, _free_port, services_available

ROOT = Path(__file__).resolve().parent.parent
# The file docker-compose.yml mounts into its nginx (test_operations checks that it is this one).
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
# The proxy's own address as Tong sees it; clients come from another loopback address so that the
# address Tong logs can only be the client's if the proxy passed it on and Tong trusted it.
PROXY_ADDRESS = "127.0.0.1"
CLIENT_ADDRESS = "127.0.0.5"
SPOOFED_ADDRESS = "203.0.113.9"
# Everything a replica in docker-compose.yml gets that a test server does not have already.
PRODUCTION_ENV = {
    "TONG_ENV": "production",
    "TONG_FORWARDED_ALLOW_IPS": PROXY_ADDRESS,
    # The access log is where the client address shows.
    "TONG_ACCESS_LOG": "true",
}
# A guard against a hang, not a measure: a loaded machine starts nginx and the replicas slowly.
READY_TIMEOUT_S = 120.0


def require_nginx() -> str:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None:
        if IN_CI:
            pytest.fail("nginx is missing (CI=true: scripts/test installs Debian's nginx)")
        pytest.skip("nginx is not installed (scripts/test installs it)")
    return nginx


def render_site(upstreams: list[int], listen: int) -> str:
    """deploy/nginx.conf with the replicas' addresses and the listen port put in: nothing else."""
    text = NGINX_CONF.read_text()
    for name, port in zip(("tong1", "tong2"), upstreams, strict=True):
        text, count = re.subn(rf"\bserver {name}:8000\b", f"server 127.0.0.1:{port}", text)
        assert count == 1, f"deploy/nginx.conf no longer names {name}:8000 once"
    text, count = re.subn(r"^(\s*)listen 80;", rf"\g<1>listen {listen};", text, flags=re.M)
    assert count == 1, "deploy/nginx.conf no longer listens on port 80 once"
    return text


def main_config(tmp: Path) -> str:
    """The main file around the site, as the nginx image's nginx.conf includes conf.d/*.conf."""
    # As root (CI), workers would drop to an unprivileged user that cannot reach pytest's directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {tmp / 'nginx.pid'};\n"
        f"error_log {tmp / 'error.log'} warn;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n    access_log {tmp / 'access.log'};\n{temp}\n    include {tmp / 'tong.conf'};\n}}\n"
    )


class Replica(ProcessServer):
    """`tong serve` as docker-compose.yml runs it (production settings), minus the container."""

    def environment(self) -> dict[str, str]:
        return {**super().environment(), **PRODUCTION_ENV}


@dataclass
class Proxied:
    url: str
    replicas: list[Replica]
    logins: list[str]
    redis: PrivateRedis

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws"

    def logs(self) -> str:
        return "".join(r.log_path.read_text(errors="replace") for r in self.replicas)


@pytest_asyncio.fixture(scope="module")
async def proxied(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Proxied]:
    """nginx on a free (non-default) port in front of two replicas on PostgreSQL + Redis."""
    nginx = require_nginx()
    missing = await services_available()
    if missing is not None:
        if IN_CI:
            pytest.fail(f"CI needs PostgreSQL and Redis: {missing}")
        pytest.skip(missing)
    tmp = tmp_path_factory.mktemp("proxy")
    stack = Stack("postgres", tmp, postgres=True)
    # A Redis of its own, so one test can take it away.
    redis = PrivateRedis(tmp)
    settings = await stack.fresh_settings(redis_url=redis.url)
    replicas = [Replica(settings), Replica(settings)]
    process: subprocess.Popen[bytes] | None = None
    try:
        await redis.start()
        for replica in replicas:
            await replica.start()
        port = _free_port()
        (tmp / "tong.conf").write_text(render_site([r.port for r in replicas], port))
        (tmp / "nginx.conf").write_text(main_config(tmp))
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (tmp / kind).mkdir()
        # -e: the error log before the configuration is read (else /var/log/nginx/error.log).
        argv = [nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")]
        checked = subprocess.run([*argv, "-t"], capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stderr
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + READY_TIMEOUT_S
            while True:
                assert process.poll() is None, (tmp / "error.log").read_text()
                try:
                    if (await client.get(url + "/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, (tmp / "error.log").read_text()
                await asyncio.sleep(0.05)
        yield Proxied(url, replicas, await create_accounts(replicas[0], "company", 5), redis)
    finally:
        if process is not None:
            process.send_signal(signal.SIGQUIT)  # graceful: workers finish, then the master exits
            try:
                await asyncio.to_thread(process.wait, 10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for replica in replicas:
            await replica.stop()
        redis.stop()
        await stack.drop_databases()


def from_client_address(**kwargs: Any) -> httpx.AsyncClient:
    """An HTTP client whose connections leave from CLIENT_ADDRESS, not the proxy's address."""
    return httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address=CLIENT_ADDRESS), **kwargs)


async def logged_line(proxied: Proxied, marker: str) -> str:
    """The access-log line (on whichever replica served it) of the request with this request id."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for line in proxied.logs().splitlines():
            if marker in line:
                return line
        await asyncio.sleep(0.05)
    raise AssertionError(f"no log line for {marker}:\n{proxied.logs()[-3000:]}")


async def test_the_client_address_reaches_tong_through_the_proxy_only(proxied: Proxied) -> None:
    """Through nginx, Tong records the client's address (not the proxy's, not one the client made
    up in X-Forwarded-For); sent straight to a replica, a forged X-Forwarded-For is ignored."""
    spoof = {"x-forwarded-for": SPOOFED_ADDRESS}
    async with from_client_address(headers=spoof) as client:
        through = await client.get(f"{proxied.url}/healthz")
        direct = await client.get(f"{proxied.replicas[0].base_url}/healthz")
    for response in (through, direct):
        assert response.status_code == 200
        line = await logged_line(proxied, response.headers["x-request-id"])
        assert CLIENT_ADDRESS in line, line
        assert SPOOFED_ADDRESS not in line and PROXY_ADDRESS not in line, line


async def test_the_proxy_names_each_request_itself(proxied: Proxied) -> None:
    """Through nginx, Tong's request id is nginx's $request_id (32 hex digits), not one the client
    sent; straight to a replica, a client's well-formed id is kept."""
    chosen = {"x-request-id": "chosen-by-the-client"}
    async with httpx.AsyncClient(headers=chosen) as client:
        through = await client.get(f"{proxied.url}/healthz")
        direct = await client.get(f"{proxied.replicas[0].base_url}/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", through.headers["x-request-id"]), through.headers
    assert direct.headers["x-request-id"] == "chosen-by-the-client"


async def test_same_origin_posts_and_handshakes_pass_the_proxy_and_foreign_ones_do_not(
    proxied: Proxied,
) -> None:
    """A POST and a WebSocket handshake whose Origin is the proxy's own address with its port pass
    (they were refused 403 cross_origin when nginx dropped the port); another site's are refused."""
    credentials = {"login": proxied.logins[0], "password": PASSWORD}
    async with httpx.AsyncClient(base_url=proxied.url) as client:
        own = await client.post("/api/session", json=credentials, headers={"origin": proxied.url})
        assert own.status_code == 200, own.text
        foreign = await client.post(
            "/api/session", json=credentials, headers={"origin": "http://evil.example"}
        )
        assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "cross_origin"
    socket = await Socket.open(proxied.ws_url, origin=proxied.url)
    assert (await socket.subscribe("board"))["type"] == "subscribed"
    await socket.close()
    with pytest.raises(InvalidStatus) as refused:
        await Socket.open(proxied.ws_url, origin="http://evil.example")
    assert refused.value.response.status_code == 403


async def test_metrics_are_not_reachable_from_the_public_side(proxied: Proxied) -> None:
    """/metrics through the proxy is 404 with nothing of Tong's in it; each replica still serves it."""
    async with httpx.AsyncClient() as client:
        for path in ("/metrics", "/metrics/", "/metrics?format=text", "//metrics", "/%6detrics"):
            r = await client.get(proxied.url + path)
            assert r.status_code == 404 and "tong_" not in r.text, (path, r.status_code)
        inside = await client.get(proxied.replicas[0].base_url + "/metrics")
        assert inside.status_code == 200 and "tong_ws_connections" in inside.text


async def test_production_session_cookie_is_secure_and_http_only(proxied: Proxied) -> None:
    """In production the session cookie is Secure (TLS ends in front of Tong) and HttpOnly."""
    async with httpx.AsyncClient(base_url=proxied.url) as client:
        r = await client.post("/api/session", json={"login": proxied.logins[1], "password": PASSWORD})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"].lower()
    assert "; secure" in cookie and "; httponly" in cookie, cookie


async def log_in_through_the_app(browser: Any, url: str, login: str, path: str) -> Any:
    """A fresh browser context that logs in on the app's login page and lands on `path`, live."""
    context = await browser.new_context(base_url=url, locale="ko-KR")
    page = await context.new_page()
    await page.goto(f"/login?next={path}")
    await page.get_by_label("아이디").fill(login)
    await page.get_by_label("비밀번호").fill(PASSWORD)
    await page.get_by_role("button", name="로그인", exact=True).click()
    await page.wait_for_url(f"**{path}")
    channel = "thread:" + path.rsplit("/", 1)[1]
    deadline = time.monotonic() + 10
    while not await page.evaluate(
        "(ch) => !!(window.__tong && window.__tong.live.state === 'live'"
        " && window.__tong.live.subs.get(ch)?.everSubscribed)",
        channel,
    ):
        assert time.monotonic() < deadline, f"{login} never went live on {channel}"
        await asyncio.sleep(0.05)
    return context, page


@pytest.mark.browser
async def test_browsers_log_in_post_and_see_each_other_live_through_the_proxy(proxied: Proxied) -> None:
    """Two browsers log in through nginx on a non-default port, each posts a comment from the app,
    and each sees the other's arrive live over its WebSocket through the proxy."""
    require_chromium()
    from playwright.async_api import async_playwright, expect

    first, second = proxied.logins[2:4]
    async with httpx.AsyncClient(base_url=proxied.url) as client:
        session = await client.post("/api/session", json={"login": first, "password": PASSWORD})
        # httpx keeps a Secure cookie off plain HTTP (browsers treat loopback as secure): send it by hand.
        headers = {"cookie": session.headers["set-cookie"].split(";", 1)[0]}
        thread = {"kind": "proposal", "title": "프록시 뒤", "body": "본문"}
        made = await client.post("/api/threads", json=thread, headers=headers)
        assert made.status_code == 201, made.text
    path = f"/threads/{made.json()['id']}"

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            a_context, a = await log_in_through_the_app(browser, proxied.url, first, path)
            _, b = await log_in_through_the_app(browser, proxied.url, second, path)
            assert all(c["secure"] for c in await a_context.cookies())

            for author, reader, text in (
                (a, b, f"첫째 {uuid.uuid4().hex[:6]}"),
                (b, a, f"둘째 {uuid.uuid4().hex[:6]}"),
            ):
                await author.get_by_label("댓글 쓰기").fill(text)
                await author.get_by_role("button", name="등록", exact=True).click()
                await expect(author.locator(".comment-body", has_text=text)).to_be_visible()
                await expect(reader.locator(".comment-body", has_text=text)).to_be_visible(timeout=3000)
        finally:
            await browser.close()


async def test_with_redis_down_replicas_stay_live_and_writes_pass_the_proxy(proxied: Proxied) -> None:
    """With Redis down, both replicas stay live (/healthz, what compose checks them by) while
    /readyz says degraded, and a comment posted through the proxy is stored and read back."""
    async with httpx.AsyncClient(base_url=proxied.url) as client:
        session = await client.post("/api/session", json={"login": proxied.logins[4], "password": PASSWORD})
        headers = {"cookie": session.headers["set-cookie"].split(";", 1)[0]}
        thread = {"kind": "proposal", "title": "Redis 없이", "body": "본문"}
        made = await client.post("/api/threads", json=thread, headers=headers)
        assert made.status_code == 201, made.text
        comments = f"/api/threads/{made.json()['id']}/comments"
        proxied.redis.stop()
        try:
            for replica in proxied.replicas:
                deadline = time.monotonic() + 10
                while (ready := await client.get(replica.base_url + "/readyz")).status_code != 503:
                    assert time.monotonic() < deadline, ready.text
                    await asyncio.sleep(0.1)
                assert ready.json()["status"] == "degraded", ready.text
                assert (await client.get(replica.base_url + "/healthz")).status_code == 200
            posted = [
                await client.post(comments, json={"body": f"장애 중 {n}"}, headers=headers) for n in range(4)
            ]
            assert [r.status_code for r in posted] == [201] * 4, [r.text for r in posted]
            read = await client.get(comments)
            assert read.status_code == 200, read.text
            assert all(f"장애 중 {n}" in read.text for n in range(4))
        finally:
            await proxied.redis.start()
