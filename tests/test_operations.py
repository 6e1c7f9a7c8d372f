"""Operations: health, readiness, metrics, shutdown, the CLI's guards and the compose file."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from websockets.exceptions import ConnectionClosed

from tests.support.clients import Http, Socket
from tests.support.servers import InProcessServer

ROOT = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


async def test_health_and_metrics(server: InProcessServer, anonymous: Http, company: Http) -> None:
    """/healthz is alive, /readyz checks both dependencies, /metrics speaks Prometheus text."""
    assert (await anonymous.get("/healthz")).json() == {"status": "ok"}
    ready = (await anonymous.get("/readyz")).json()
    assert ready == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    thread = await company.thread()
    socket = await Socket.open(server.ws_url)
    await socket.subscribe(f"thread:{thread['id']}")
    await company.comment(thread["id"], "지표")
    await socket.events(1)
    text = (await anonymous.get("/metrics")).text
    for name in (
        "tong_ws_connections",
        "tong_ws_subscriptions",
        "tong_events_published_total",
        "tong_frames_delivered_total",
        "tong_delivery_lag_seconds_bucket",
        "process_resident_memory_bytes",
    ):
        assert name in text, name
    await socket.close()


async def test_shutdown_closes_sockets_with_1012(make_server) -> None:  # type: ignore[no-untyped-def]
    """A server that stops closes its sockets with 1012 (service restart)."""
    server = await make_server()
    socket = await Socket.open(server.ws_url)
    await socket.subscribe("board")
    await server.stop()
    with pytest.raises(ConnectionClosed) as closed:
        await socket.recv(5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012


async def test_cross_origin_handshake_is_refused(server: InProcessServer) -> None:
    """A WebSocket handshake whose Origin names another site is refused with 403."""
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus) as refused:
        await Socket.open(server.ws_url, origin="https://evil.example")
    assert refused.value.response.status_code == 403
    same = await Socket.open(server.ws_url, origin=server.base_url)
    assert (await same.subscribe("board"))["type"] == "subscribed"
    await same.close()


def test_workers_without_redis_are_refused(tmp_path: Path) -> None:
    """`tong serve --workers 2` without REDIS_URL exits with a message saying why."""
    result = run_cli("serve", "--workers", "2", env={"REDIS_URL": "", "TONG_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "REDIS_URL" in result.stderr


def test_production_refuses_placeholder_secret(tmp_path: Path) -> None:
    """A production start refuses a missing or placeholder TONG_SECRET_KEY."""
    for secret in ("", "changeme"):
        result = run_cli(
            "serve", env={"TONG_ENV": "production", "TONG_SECRET_KEY": secret, "TONG_DATA_DIR": str(tmp_path)}
        )
        assert result.returncode != 0 and "TONG_SECRET_KEY" in result.stderr + result.stdout


def test_demo_is_refused_in_production(tmp_path: Path) -> None:
    """`tong demo` and `tong serve --demo` refuse TONG_ENV=production, naming why, and seed nothing."""
    env = {
        "TONG_ENV": "production",
        "TONG_SECRET_KEY": "a-production-secret-that-is-long-enough-0123",
        "TONG_AUDIT_KEY": "a-production-audit-key-that-is-long-enough-4567",
        "TONG_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "",
    }
    for command in (["demo"], ["serve", "--demo", "--port", "0"]):
        result = run_cli(*command, env=env)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert "TONG_ENV=production" in result.stderr and "demo" in result.stderr
    assert not (tmp_path / "tong.db").exists()


def test_cli_warns_before_a_relative_data_dir_creates_a_database(tmp_path: Path) -> None:
    """Run from a directory without `.tong/`, a command says a new database is about to be created
    there and how to point at the real one; with the database present it says nothing."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TONG_DATA_DIR")}
    run = [sys.executable, "-m", "server", "db", "current"]
    first = subprocess.run(run, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "no database at " + str(tmp_path / ".tong" / "tong.db") in first.stderr
    assert "TONG_DATA_DIR" in first.stderr
    subprocess.run([sys.executable, "-m", "server", "db", "upgrade"], env=env, cwd=tmp_path, timeout=60)
    second = subprocess.run(run, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert second.returncode == 0 and "warning" not in second.stderr
    absolute = subprocess.run(
        run,
        env={**env, "TONG_DATA_DIR": str(tmp_path / "elsewhere")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "warning" not in absolute.stderr


def test_production_refuses_a_missing_audit_key(tmp_path: Path) -> None:
    """A production start refuses a missing or placeholder TONG_AUDIT_KEY (the seal's HMAC key)."""
    for key in ("", "changeme"):
        env = {"TONG_ENV": "production", "TONG_SECRET_KEY": "s" * 40, "TONG_AUDIT_KEY": key}
        result = run_cli("serve", env={**env, "TONG_DATA_DIR": str(tmp_path)})
        assert result.returncode != 0 and "TONG_AUDIT_KEY" in result.stderr + result.stdout


def test_accounts_create_reads_the_password_from_stdin(tmp_path: Path) -> None:
    """`tong accounts create` takes the password on stdin, refuses a short one and a taken login."""
    env = {"TONG_DATA_DIR": str(tmp_path), "DATABASE_URL": "", "TONG_ARGON2_MEMORY_COST": "1024"}
    created = run_cli(
        "accounts",
        "create",
        "jeon",
        "--kind",
        "staff",
        "--role",
        "admin",
        "--password-stdin",
        env=env,
        stdin="a long enough password\n",
    )
    assert created.returncode == 0, created.stderr
    again = run_cli(
        "accounts",
        "create",
        "jeon",
        "--kind",
        "staff",
        "--password-stdin",
        env=env,
        stdin="a long enough password\n",
    )
    assert again.returncode == 1 and "taken" in again.stderr
    short = run_cli(
        "accounts", "create", "kim", "--kind", "company", "--password-stdin", env=env, stdin="short\n"
    )
    assert short.returncode == 1 and "password" in short.stderr


def test_compose_wires_two_replicas_behind_a_websocket_proxy() -> None:
    """docker-compose.yml: PostgreSQL, Redis, two Tong replicas and a load balancer, with health
    checks, required secrets, and a proxy that passes WebSocket upgrades to both replicas."""
    text = (ROOT / "docker-compose.yml").read_text()
    compose = yaml.safe_load(text)
    services = compose["services"]
    assert {"postgres", "redis", "tong1", "tong2", "lb"} <= set(services)
    for name in ("postgres", "redis", "tong1", "tong2", "lb"):
        assert "healthcheck" in services[name], name
    for name in ("tong1", "tong2"):
        env = services[name]["environment"]
        assert (
            env["DATABASE_URL"].startswith("postgresql+asyncpg://")
            and "@postgres:5432/" in env["DATABASE_URL"]
        )
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert env["TONG_SECRET_KEY"].startswith("${TONG_SECRET_KEY:?")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "${POSTGRES_PASSWORD:?" in services["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert {"tong1", "tong2"} <= set(services["lb"]["depends_on"])
    volume = next(v for v in services["lb"]["volumes"] if "nginx" in v)
    nginx = (ROOT / volume.split(":")[0]).read_text()
    assert "server tong1:8000" in nginx and "server tong2:8000" in nginx
    assert "proxy_set_header Upgrade $http_upgrade" in nginx and "Connection $connection_upgrade" in nginx
    # The proxy's request id reaches Tong on plain requests and on the WebSocket handshake (the
    # /ws location sets its own headers, so it must repeat this one).
    assert nginx.count("proxy_set_header X-Request-ID $request_id;") == 2


def test_compose_migrates_once_before_the_replicas() -> None:
    """docker-compose.yml: one image, built once by the one-shot `migrate` service, which runs
    `tong db upgrade`; both replicas run that image (never built or pulled themselves) and start
    only after `migrate` completed successfully."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["tong", "db", "upgrade"] and migrate["restart"] == "no"
    assert "build" in migrate and migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("tong1", "tong2"):
        replica = services[name]
        assert replica["image"] == migrate["image"] and "build" not in replica
        assert replica["pull_policy"] == "never"
        assert replica["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert replica["environment"] == migrate["environment"]
        assert "TONG_MIGRATE_ON_START" not in replica["environment"]


def test_compose_runs_the_shape_the_proxy_test_runs() -> None:
    """docker-compose.yml mounts the nginx config tests/test_proxy.py runs, checks replicas by
    liveness (/healthz), makes cookies Secure by default and trusts forwarded headers from the
    load balancer's fixed address only."""
    from tests.test_proxy import NGINX_CONF

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    lb = services["lb"]
    mounts = [v.split(":") for v in lb["volumes"]]
    assert [m[1] for m in mounts if (ROOT / m[0]).resolve() == NGINX_CONF] == [
        "/etc/nginx/conf.d/default.conf"
    ]
    lb_address = lb["networks"]["tong"]["ipv4_address"]
    for name in ("tong1", "tong2"):
        replica = services[name]
        check = " ".join(replica["healthcheck"]["test"])
        assert "/healthz" in check and "/readyz" not in check, check
        env = replica["environment"]
        assert env["TONG_ENV"] == "production"
        assert env["TONG_COOKIE_SECURE"] in ("${TONG_COOKIE_SECURE:-true}", "true")
        assert env["TONG_FORWARDED_ALLOW_IPS"] == lb_address
        assert "tong" in replica["networks"] and "ports" not in replica
    assert "/metrics" in NGINX_CONF.read_text()


def test_cookie_secure_follows_the_environment() -> None:
    """TONG_COOKIE_SECURE defaults to true in production and false in development; set, it wins."""
    from server.runtime.settings import Settings

    secret, key = "s" * 40, "k" * 40
    assert Settings(env="production", secret_key=secret, audit_key=key).cookie_secure is True
    assert (
        Settings(env="production", secret_key=secret, audit_key=key, cookie_secure=False).cookie_secure
        is False
    )
    assert Settings(env="development").cookie_secure is False
    assert Settings(env="development", cookie_secure=True).cookie_secure is True


async def test_same_origin_check_compares_host_and_port(anonymous: Http) -> None:
    """An unsafe request passes when its Origin names the Host it was sent to, port included (a
    scheme's default port may be written or left out); another port or host is refused."""
    body = {"login": "nobody-here", "password": "not the password"}
    for origin, host, allowed in (
        ("http://tong.example:8080", "tong.example:8080", True),
        ("https://tong.example", "tong.example", True),
        ("https://tong.example", "tong.example:443", True),
        ("http://TONG.example", "tong.EXAMPLE", True),
        ("http://[::1]:8080", "[::1]:8080", True),
        ("http://tong.example:8080", "tong.example", False),
        ("https://tong.example", "tong.example:8443", False),
        ("http://tong.example", "tong.example:443", False),
        ("http://evil.example", "tong.example", False),
        ("null", "tong.example", False),
        ("http://tong.example:99999", "tong.example", False),
    ):
        r = await anonymous.post("/api/session", json=body, headers={"origin": origin, "host": host})
        refused = r.status_code == 403 and r.json()["error"]["code"] == "cross_origin"
        assert refused is not allowed, (origin, host, r.status_code)


def test_open_file_limit_is_lifted() -> None:
    """`tong serve` lifts its soft limit on open files (one per socket) to the hard limit or above."""
    import resource

    from server.ops.serving import raise_open_file_limit

    before_soft, before_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        soft = raise_open_file_limit()
        assert soft >= before_hard or before_hard == resource.RLIM_INFINITY
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == soft
    finally:
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (before_soft, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
        )


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Prometheus text as {(name, sorted labels): value}."""
    from prometheus_client.parser import text_string_to_metric_families

    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_an_operator_pages_on(make_server, clients: list[Http]) -> None:  # type: ignore[no-untyped-def]
    """/metrics carries sockets, frames sent and dropped, slow closes, publish failures, the breaker's
    state, the outbox backlog, the search queue and the database pools, with the values of now."""
    server: InProcessServer = await make_server()
    client = await server.user()
    clients.append(client)
    thread = await client.thread()
    sockets = [await Socket.open(server.ws_url) for _ in range(2)]
    for socket in sockets:
        await socket.subscribe(f"thread:{thread['id']}")
    await client.comment(thread["id"], "지표를 봅니다")
    for socket in sockets:
        await socket.events(1)
    found = samples((await client.get("/metrics")).text)
    assert found[("tong_ws_connections", ())] == 2
    assert found[("tong_frames_delivered_total", (("type", "event"),))] >= 2
    for name in ("tong_ws_frames_dropped_total", "tong_ws_slow_closes_total", "tong_publish_failures_total"):
        assert found[(name, ())] == 0, name
    assert found[("tong_breaker_state", (("breaker", "redis"), ("state", "closed")))] == 1
    assert found[("tong_breaker_state", (("breaker", "redis"), ("state", "open")))] == 0
    assert found[("tong_outbox_backlog", ())] == 0  # no SMTP relay: nothing is queued
    assert found[("tong_search_queue_depth", ())] >= 0
    pools = {dict(labels)["pool"] for name, labels in found if name == "tong_db_pool_capacity"}
    assert pools in ({"main"}, {"read", "write"})
    for pool in pools:
        capacity = found[("tong_db_pool_capacity", (("pool", pool),))]
        assert capacity >= 1 and 0 <= found[("tong_db_pool_in_use", (("pool", pool),))] <= capacity
        assert found[("tong_db_pool_waits_total", (("pool", pool),))] >= 0
    # Every series the Grafana dashboard draws is one /metrics has.
    import json
    import re

    families = {name for name, _ in found}
    dashboard = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text())
    drawn = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\b((?:tong|process)_[a-z_]+)", target["expr"])
    }
    assert drawn and drawn <= families, sorted(drawn - families)
    await sockets[0].close()
    closed = samples((await client.get("/metrics")).text)
    deadline = asyncio.get_running_loop().time() + 10
    while closed[("tong_ws_connections", ())] != 1:
        assert asyncio.get_running_loop().time() < deadline, "the closed socket is still counted"
        await asyncio.sleep(0.05)
        closed = samples((await client.get("/metrics")).text)
    await sockets[1].close()


async def test_pool_counts_a_checkout_that_waits(tmp_path: Path) -> None:
    """A transaction finding SQLite's one write connection taken counts as a pool wait, with its time."""
    import sqlalchemy as sa

    from server.store.database import Database

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}")
    pool = db.pools()["write"]
    holding = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with db.transaction() as s:
            await s.execute(sa.text("SELECT 1"))  # a session takes its connection at its first statement
            holding.set()
            await release.wait()

    async def wait() -> None:
        async with db.transaction() as s:
            await s.execute(sa.text("SELECT 1"))

    try:
        holder = asyncio.create_task(hold())
        await holding.wait()
        waiter = asyncio.create_task(wait())
        while pool.waits == 0:  # noqa: ASYNC110 (the pool has no event to wait on)
            await asyncio.sleep(0.01)
        release.set()
        await asyncio.gather(holder, waiter)
        assert pool.waits == 1 and pool.wait_seconds > 0
        assert db.pools()["read"].waits == 0
    finally:
        await db.dispose()
