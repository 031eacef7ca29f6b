"""The app imports its tables and services where it uses them (a short cold start), and
names them for the type checker under TYPE_CHECKING. mypy cannot see a name that is
used at run time but imported only there; this test reads every module for one."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO

AREAS = ("admin", "auth", "meta", "projects", "quantities", "shared", "support")


def modules() -> list[str]:
    found = ["function_app.py"]
    for area in AREAS:
        found += [str(p.relative_to(REPO)) for p in sorted((REPO / area).rglob("*.py"))]
    return found


def _imported(nodes: list[ast.stmt] | ast.AST) -> set[str]:
    walked = nodes if isinstance(nodes, ast.AST) else ast.Module(body=nodes, type_ignores=[])
    return {
        alias.asname or alias.name.split(".")[0]
        for node in ast.walk(walked)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }


def runtime_uses_of_type_only_names(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    type_only = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only |= _imported(node.body)
    type_only -= _imported([n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)])
    in_annotations = {
        id(part)
        for node in ast.walk(tree)
        for annotation in (getattr(node, "annotation", None), getattr(node, "returns", None))
        if annotation is not None
        for part in ast.walk(annotation)
    }
    found = []
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for function in functions:
        local = _imported(function)
        for used in ast.walk(function):
            if (
                isinstance(used, ast.Name)
                and isinstance(used.ctx, ast.Load)
                and used.id in type_only - local
                and id(used) not in in_annotations
            ):
                found.append((used.lineno, used.id))
    return sorted(set(found))


@pytest.mark.parametrize("module", modules())
def test_no_name_imported_for_the_type_checker_only_is_used_at_run_time(module: str) -> None:
    source = (REPO / module).read_text(encoding="utf-8")
    assert runtime_uses_of_type_only_names(source) == []


def test_the_check_finds_such_a_use() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from auth.models import UserSession\n"
        "def end(s: UserSession) -> object:\n    return UserSession.id == s.id\n"
    )
    assert runtime_uses_of_type_only_names(source) == [(5, "UserSession")]
