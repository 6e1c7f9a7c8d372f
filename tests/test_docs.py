"""The documentation shipped with the code: links that resolve, a configuration table that is whole."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from server.runtime.settings import Settings
from tests.support.clients import Http

ROOT = Path(__file__).resolve().parent.parent
# Read by the tests (tests/support/servers.py), not by Tong: listed in the table for whoever runs them.
TEST_ONLY = {"TONG_TEST_POSTGRES_URL", "TONG_TEST_REDIS_URL"}
# [text](target) and ![alt](target), not inside code spans; the target up to a space or ")".
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _without_code(text: str) -> str:
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    found = set()
    for heading in re.findall(r"^#+\s+(.+)$", _without_code(path.read_text()), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def test_every_relative_link_in_readme_and_docs_resolves() -> None:
    """Each relative link (and image) in README.md and docs/ names a file of the repository, and
    its #anchor, if any, a heading of that file; nothing points outside the repository."""
    broken = []
    for document in documents():
        for target in LINK.findall(_without_code(document.read_text())):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                continue
            path_part, _, anchor = unquote(target).partition("#")
            linked = (document.parent / path_part).resolve() if path_part else document
            if not linked.is_relative_to(ROOT) or not linked.exists():
                broken.append(f"{document.relative_to(ROOT)}: {target}")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{document.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, broken


def configuration_table() -> set[str]:
    text = (ROOT / "README.md").read_text()
    table = text.split("\n## Configuration\n", 1)[1].split("\n\n", 2)[1]
    names = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1]))
    return names


def test_configuration_table_lists_every_setting() -> None:
    """README's configuration table names every environment variable Settings reads, and nothing
    else but the test services' overrides, which tests/support/servers.py reads."""
    read = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        read.add(alias if isinstance(alias, str) else f"TONG_{name.upper()}")
    table = configuration_table()
    assert read - table == set(), f"missing from README's table: {sorted(read - table)}"
    assert table - read == TEST_ONLY, f"in the table but not read: {sorted(table - read - TEST_ONLY)}"
    servers = (ROOT / "tests" / "support" / "servers.py").read_text()
    assert all(name in servers for name in TEST_ONLY)


def test_nothing_points_at_the_contract_outside_the_repository() -> None:
    """README, docs/ and the code name docs/protocol.md, never the old ../shared/PROTOCOL.md."""
    for path in [*documents(), *(ROOT / "server").rglob("*.py")]:
        assert "shared/PROTOCOL.md" not in path.read_text(), path
    assert "](docs/protocol.md)" in (ROOT / "README.md").read_text()


async def test_the_contract_is_served_and_linked_from_the_api_docs(anonymous: Http) -> None:
    """GET /api/protocol.md serves docs/protocol.md as Markdown; the OpenAPI document that
    /api/docs shows links it."""
    served = await anonymous.get("/api/protocol.md")
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/markdown")
    assert served.text == (ROOT / "docs" / "protocol.md").read_text()
    description = (await anonymous.get("/api/openapi.json")).json()["info"]["description"]
    assert "(/api/protocol.md)" in description
