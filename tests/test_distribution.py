"""Tong as it is shipped: the wheel (with the app's files inside), installed outside the checkout
through scripts/install with the locked dependencies, and the Dockerfile that does the same."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.clients import PASSWORD
from tests.servers import TEST_ENV, _free_port

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / "scripts" / "install"
# Building the wheel and installing ~35 locked packages (from pip's cache once warm).
INSTALL_TIMEOUT_S = 600
READY_TIMEOUT_S = 30


def run(
    argv: list[str], cwd: Path, env: dict[str, str], input: str | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"
    return result


def outside_env(**extra: str) -> dict[str, str]:
    """The environment of a process that must not see the checkout or the test venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return {**env, **extra}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(wheel, venv): the wheel built by `scripts/install build`, installed into a fresh venv
    outside the checkout by `scripts/install wheel`, as the Dockerfile does."""
    tmp = tmp_path_factory.mktemp("installed")
    # The script's PYTHON builds the wheel and the venv: this interpreter, which surely has pip.
    # Compiling every installed module to bytecode is a third of the install's CPU and proves nothing.
    env = outside_env(PYTHON=sys.executable, PIP_NO_COMPILE="1")
    run([str(INSTALL), "build", str(tmp / "dist")], cwd=tmp, env=env)
    (wheel,) = (tmp / "dist").glob("tong-*.whl")
    run([str(INSTALL), "wheel", str(wheel), str(tmp / "venv")], cwd=tmp, env=env)
    yield wheel, tmp / "venv"


@pytest.mark.slow
def test_wheel_ships_the_app_and_not_the_load_tool(installed: tuple[Path, Path]) -> None:
    """The wheel holds every file of static/ under server/static/, and no load tool or tests."""
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {
        "server/static/" + p.relative_to(ROOT / "static").as_posix()
        for p in (ROOT / "static").rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    assert sources and sources <= names, sorted(sources - names)
    assert {"server/static/index.html", "server/static/staff/index.html"} <= names
    assert not [n for n in names if n.startswith(("tong_bench/", "server/bench/", "tests/", "bench/"))]


@pytest.mark.slow
def test_installed_tong_serves_the_app_the_dashboard_and_the_api(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    """`tong serve` from the installed wheel answers /, /staff, JS modules and CSS with the right
    types, and its API logs in, posts and reads back."""
    _, venv = installed
    env = outside_env(**TEST_ENV, TONG_DATA_DIR=str(tmp_path / "data"))
    where = run(
        [str(venv / "bin" / "python"), "-c", "import server; print(server.__file__)"], tmp_path, env=env
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout
    run(
        [
            str(venv / "bin" / "tong"),
            "accounts",
            "create",
            "installed",
            "--kind",
            "company",
            "--password-stdin",
        ],
        tmp_path,
        env=env,
        input=PASSWORD + "\n",
    )
    port = _free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(venv / "bin" / "tong"), "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as client:
            deadline = time.monotonic() + READY_TIMEOUT_S
            while True:
                assert process.poll() is None, log_path.read_text()
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)

            for path, mime, marker in (
                ("/", "text/html", '<script type="module"'),
                ("/staff", "text/html", '<script type="module"'),
                ("/static/js/app.js", "javascript", "import"),
                ("/static/staff/main.js", "javascript", "import"),
                ("/static/css/tong.css", "text/css", "{"),
                ("/static/staff/staff.css", "text/css", "{"),
            ):
                r = client.get(path)
                assert r.status_code == 200, (path, r.status_code, r.text[:200])
                assert mime in r.headers["content-type"], (path, r.headers["content-type"])
                assert marker in r.text, path
            assert client.get("/static/README.md").status_code == 404

            assert (
                client.post("/api/session", json={"login": "installed", "password": PASSWORD}).status_code
                == 200
            )
            made = client.post("/api/threads", json={"kind": "proposal", "title": "설치본", "body": "휠에서"})
            assert made.status_code == 201, made.text
            read = client.get(f"/api/threads/{made.json()['id']}")
            assert read.status_code == 200 and read.json()["title"] == "설치본"
            page = client.get(f"/threads/{made.json()['id']}")
            assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    finally:
        process.terminate()
        process.wait(20)


def test_lock_pins_every_dependency_with_hashes() -> None:
    """requirements.lock pins each of pyproject's dependencies at a version it allows, with hashes
    on every pin (run scripts/lock after changing the dependencies)."""
    text = (ROOT / "requirements.lock").read_text()
    pins: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", text):
        first = block.split("\\", 1)[0].strip()
        if not first or first.startswith("#"):
            continue
        name, version = first.split(";")[0].strip().split("==")
        assert "--hash=sha256:" in block, f"{first} has no hash"
        pins[canonicalize_name(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for line in project["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run scripts/lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, pyproject wants {requirement}: run scripts/lock"
        )


def test_dockerfile_installs_the_built_wheel_through_scripts_install() -> None:
    """The Dockerfile builds the wheel in one stage and installs it with the locked dependencies
    through scripts/install in the next: no editable install, no source tree in the image."""
    text = (ROOT / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    assert len(stages) == 2, "a build stage and a runtime stage"
    build, runtime = stages
    assert "AS build" in build.splitlines()[0]
    assert re.search(r"^RUN scripts/install build ", build, re.M)
    assert re.search(r"^RUN \S*scripts/install wheel \S*\.whl ", runtime, re.M)
    assert "COPY requirements.lock" in runtime and "--from=build" in runtime
    assert (
        not re.search(r"COPY (server|static)\b", runtime) and "pip install" not in text and " -e " not in text
    )
    assert 'CMD ["tong", "serve"]' in runtime and "/healthz" in runtime
