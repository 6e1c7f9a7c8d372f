"""Error codes are a type (`ErrorCode`): the server writes no code as a bare string, and the
browser's table (static/js/errors.js) has a Korean and an English sentence for every code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from server.contract.errors import DomainError, ErrorCode

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "server"
ERRORS_JS = ROOT / "static" / "js" / "errors.js"
# Calls whose string arguments are codes (the other arguments are English sentences).
TAKES_A_CODE = {"error_frame", "error_body", "BadFrame", "_refuse"}
CODE_LIKE = re.compile(r"[a-z]+(?:_[a-z]+)*")


def sentences(language: str) -> dict[str, str]:
    """The `codes` table of one language in errors.js: code -> sentence."""
    source = ERRORS_JS.read_text()
    table = re.search(rf"^const {language} = \{{\n  codes: \{{\n(.*?)\n  \}},", source, re.M | re.S)
    assert table is not None, f"no codes table for {language} in errors.js"
    entries = re.findall(r'^    (\w+): "(.+)",$', table.group(1), re.M)
    assert entries, language
    return dict(entries)


def test_every_code_reads_in_korean_and_english() -> None:
    """Each `ErrorCode` has a sentence in both languages, and the table knows no other code."""
    codes = {str(c) for c in ErrorCode}
    for language in ("ko", "en"):
        table = sentences(language)
        assert codes - set(table) == set(), f"{language}: codes without a sentence"
        assert set(table) - codes == set(), f"{language}: sentences for no code"
        assert all(sentence.strip() for sentence in table.values())
    korean = sentences("ko")
    assert all(re.search("[가-힣]", korean[code]) for code in codes)


def literal_codes(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals written where a code goes: `code=`, `code = …`, `{"code": …}` and the
    code argument of the error builders."""
    found: list[tuple[int, str]] = []

    def literal(node: ast.AST | None) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            found.append((node.lineno, ast.unparse(node)))

    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "code":
            literal(node.value)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                literal(node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code":
                    literal(value)
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in TAKES_A_CODE:
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and CODE_LIKE.fullmatch(str(arg.value)):
                        literal(arg)
    return found


def test_no_code_is_a_bare_string() -> None:
    """Outside the enum, the server names every error code as an `ErrorCode` member."""
    codes = {str(c) for c in ErrorCode}
    bare, unknown = [], []
    for path in sorted(SERVER.rglob("*.py")):
        if path == SERVER / "contract" / "errors.py":
            continue
        for line, value in literal_codes(ast.parse(path.read_text(), str(path))):
            where = f"{path.relative_to(ROOT)}:{line} {value!r}"
            (bare if value in codes else unknown).append(where)
    assert unknown == []
    assert bare == []


def test_the_check_sees_bare_codes() -> None:
    """The reading above finds a code in each place one is written."""
    source = (
        'raise Conflict("x", code="own_post")\n'
        'class E(DomainError):\n    code = "forbidden"\n'
        'body = {"code": "conflict", "message": "m"}\n'
        'peer.push(ch.error_frame("bad_frame", "not json"))\n'
        'raise Forbidden("x", code=f"{role}_only")\n'
    )
    assert [value for _line, value in sorted(literal_codes(ast.parse(source)))] == [
        "own_post",
        "forbidden",
        "conflict",
        "bad_frame",
        "f'{role}_only'",
    ]


def test_every_error_class_has_a_code() -> None:
    """Each domain error class carries an `ErrorCode` (its default code)."""
    classes: list[type[DomainError]] = [DomainError]
    seen = []
    while classes:
        cls = classes.pop()
        seen.append(cls)
        assert isinstance(cls.code, ErrorCode), cls
        classes.extend(cls.__subclasses__())
    assert len(seen) > 5
