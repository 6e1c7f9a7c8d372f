"""One door: only the event seam (server/events/) sends messages to other processes.

Routes, the command line and the domain ask `EventLog` (`change`, `tell_account`,
`sessions_ended`); none holds the publisher or builds a broker envelope. import-linter's "One
door" contract forbids importing the publisher; this reads the code for what an import does not
show (`services.publisher.send(...)` needs no import).
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parent.parent / "server"
# The wiring builds the publisher and hands it to EventLog.
WIRING = SERVER / "services.py"
# The delivery side publishes its own presence and watcher digests (not events) to the broker.
DELIVERY = SERVER / "live"
CHANNELS = SERVER / "events" / "channels.py"


def modules(*skip: Path) -> list[Path]:
    return [
        path
        for path in sorted(SERVER.rglob("*.py"))
        if not path.is_relative_to(SERVER / "events") and not any(path.is_relative_to(s) for s in skip)
    ]


def names(tree: ast.AST) -> list[tuple[int, str]]:
    """Every identifier and attribute name the module uses, with its line."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute):
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.alias):
            found.append((node.lineno, node.asname or node.name))
    return found


def test_nothing_outside_the_seam_uses_the_publisher() -> None:
    """No module outside server/events/ (but the wiring that builds it) names the publisher."""
    offenders = [
        f"{path.relative_to(SERVER.parent)}:{line}"
        for path in modules(WIRING)
        for line, name in names(ast.parse(path.read_text(), str(path)))
        if name.lower() == "publisher" or name.endswith(".publisher")
    ]
    assert offenders == []


def test_nothing_outside_the_seam_builds_an_envelope() -> None:
    """No route, command or domain module builds a message between processes (channels.encode_*)."""
    envelopes = {
        node.name
        for node in ast.parse(CHANNELS.read_text()).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("encode_")
    }
    assert "encode_revoked" in envelopes
    offenders = [
        f"{path.relative_to(SERVER.parent)}:{line} {name}"
        for path in modules(DELIVERY)
        for line, name in names(ast.parse(path.read_text(), str(path)))
        if name in envelopes
    ]
    assert offenders == []


def test_the_check_sees_a_side_door() -> None:
    """The reading above finds `svc.publisher.send(...)` and `ch.encode_frame(...)` in a module."""
    side_door = ast.parse("async def f(svc, ch):\n    await svc.publisher.send([ch.encode_frame('x')])\n")
    used = {name for _line, name in names(side_door)}
    assert {"publisher", "encode_frame"} <= used
