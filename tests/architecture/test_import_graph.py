"""The package graph: stages depend one way, apps sit above them, and no two packages import each other.

Read from the source with `ast` (imports inside functions count: they run too; imports under
`if TYPE_CHECKING:` do not), so the test sees what a newcomer reading the code sees.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {
    "glyphctx": ROOT / "glyphctx", "glyphctx.kernels": ROOT / "kernels", "glyphctx.pipelines": ROOT / "pipelines",
}
#: the stages in the order data flows through them: none may import a later one
STAGES = ["sources", "normalise", "render", "tokens", "encode", "model"]
#: what every package may use: no glyphctx package above them
FOUNDATION = {"errors", "io"}
#: the leaf for what several apps share: below every app
SHARED = "common"
APPS = {"search", "train", "reader", "evaluate", "answering", "pipelines", "cli"}


def _module_name(path: Path) -> str:
    for package, folder in sorted(SOURCES.items(), key=lambda item: -len(item[0])):
        if folder in path.parents:
            parts = list(path.relative_to(folder).with_suffix("").parts)
            return ".".join([package, *parts[:-1]] if parts[-1] == "__init__" else [package, *parts])
    raise AssertionError(path)


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(tree: ast.AST, module: str, is_package: bool):
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and _is_type_checking(node)
               for child in node.body for n in ast.walk(child)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                yield ".".join(base + ([node.module] if node.module else []))
            elif node.module:
                yield node.module


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "glyphctx"


def package_graph() -> dict[str, dict[str, str]]:
    """{package: {imported package: one module that imports it}} over every glyphctx package."""
    graph: dict[str, dict[str, str]] = {}
    for folder in SOURCES.values():
        for path in folder.rglob("*.py"):
            module = _module_name(path)
            for name in _imports(ast.parse(path.read_text(encoding="utf-8")), module, path.name == "__init__.py"):
                if name.startswith("glyphctx.") and _unit(name) != _unit(module):
                    graph.setdefault(_unit(module), {}).setdefault(_unit(name), module)
    return graph


def _circles(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    circles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph.get(node, {})):
            if state.get(target) == "open":
                circles.append(path[path.index(target):] + [target] if target in path else [node, target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return circles


GRAPH = package_graph()


def test_no_two_packages_import_each_other():
    circles = _circles(GRAPH)
    assert not circles, "package circles: " + "; ".join(
        " -> ".join(f"{a} ({GRAPH[a][b]})" for a, b in zip(c, c[1:])) for c in circles)


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_no_later_stage_and_no_app(stage):
    later = set(STAGES[STAGES.index(stage) + 1:]) | APPS | {SHARED}
    wrong = {target: module for target, module in GRAPH.get(stage, {}).items() if target in later}
    assert not wrong, f"{stage} imports {wrong}"


def test_foundation_and_shared_leaf_import_no_app():
    for package in (*FOUNDATION, SHARED):
        wrong = {
            t: m for t, m in GRAPH.get(package, {}).items()
            if t in APPS or (package in FOUNDATION and t != "errors" and t not in FOUNDATION)
        }
        assert not wrong, f"{package} imports {wrong}"


def test_the_checker_sees_a_circle():
    assert _circles({"a": {"b": "a.x"}, "b": {"a": "b.y"}}) == [["a", "b", "a"]]
    assert _circles({"a": {"b": "a.x"}, "b": {}}) == []
