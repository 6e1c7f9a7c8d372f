"""The N-replica deployment: the compose profile `replicas` and its nginx file, kept in step with
the two-replica shape that tests/test_proxy.py runs."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _without_comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_replicas_nginx_differs_from_the_tested_one_only_in_its_upstream() -> None:
    """deploy/nginx-replicas.conf is deploy/nginx.conf with the upstream naming the scaled service."""
    tested = _without_comments((ROOT / "deploy/nginx.conf").read_text())
    replicas = _without_comments((ROOT / "deploy/nginx-replicas.conf").read_text())
    assert [line for line in tested if "server tong" not in line] == [
        line for line in replicas if "server tong" not in line
    ]
    assert [line.strip() for line in replicas if "server tong" in line] == [
        "server tong:8000 max_fails=2 fail_timeout=5s;"
    ]


def test_compose_profile_runs_n_replicas_through_pgbouncer() -> None:
    """The `replicas` profile scales one Tong service behind its own nginx, reaching PostgreSQL
    through PgBouncer in transaction mode with `?pgbouncer=true`, checked by liveness."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    profiled = {name for name, s in services.items() if "replicas" in s.get("profiles", [])}
    assert profiled == {"pgbouncer", "tong", "lb-replicas"}
    tong = services["tong"]
    assert tong["deploy"]["replicas"] == "${TONG_REPLICAS:-4}"
    env = tong["environment"]
    assert env["DATABASE_URL"].endswith("@pgbouncer:6432/tong?pgbouncer=true")
    assert services["pgbouncer"]["environment"]["LISTEN_PORT"] == 6432
    assert env["TONG_ENV"] == "production" and env["TONG_SECRET_KEY"].startswith("${TONG_SECRET_KEY:?")
    assert "/healthz" in " ".join(tong["healthcheck"]["test"])
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    lb = services["lb-replicas"]
    assert any(v.startswith("./deploy/nginx-replicas.conf:") for v in lb["volumes"])
    assert env["TONG_FORWARDED_ALLOW_IPS"] == lb["networks"]["tong"]["ipv4_address"]
