"""The package's layers (issue 22): models and services never import the web layer
(the blueprint, views, forms, owner pages), at the top of a module or inside a
function; only the wiring does. And the import graph has no cycle: a module that
needs another one's piece imports it, never the other way round too. Read with
``ast``, so nothing is imported, except by the test that imports every module in a
fresh interpreter.
"""

from __future__ import annotations

import ast
import collections
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "flask_loyalty"
WIRING = {"flask_loyalty.extension", "flask_loyalty.testing", "flask_loyalty.languages"}
"""Modules that put the web layer together; each domain's ``setup`` too."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_web(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return (
        last == "blueprint"
        or module.startswith("flask_loyalty.owner")
        or last.endswith(("views", "forms"))
        or last.startswith("owner_")
    )


def imports() -> list[tuple[str, str]]:
    """``(importer, imported)`` for every import of a package module at run time
    (``if TYPE_CHECKING:`` blocks left out)."""
    modules = {
        module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts
    }
    found = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)
        }
        package = (
            name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        )
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                # ``import flask_loyalty.signals as signals``: that module only.
                found.extend(
                    (name, alias.name)
                    for alias in node.names
                    if alias.name in modules and alias.name != name
                )
                continue
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for candidate in (target, *(f"{target}.{a.name}" for a in node.names)):
                if candidate in modules and candidate != name:
                    found.append((name, candidate))
    return found


def test_no_model_or_service_imports_the_web_layer() -> None:
    wrong = sorted(
        {
            (importer, imported)
            for importer, imported in imports()
            if not is_web(importer)
            and is_web(imported)
            and importer not in WIRING
            and not importer.endswith(".setup")
            and importer.rsplit(".", 1)[-1] != "cli"
        }
    )
    assert wrong == []


def cycles(edges: list[tuple[str, str]]) -> list[list[str]]:
    """The sets of modules that import each other, directly or round a loop:
    strongly connected components of more than one module (Tarjan)."""
    graph: dict[str, set[str]] = collections.defaultdict(set)
    for importer, imported in edges:
        graph[importer].add(imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycle() -> None:
    assert cycles([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]) == [["a", "b", "c"]]
    assert cycles(imports()) == [], (
        "these modules import each other: move what both need into a module below"
        " them, or let the wiring (a domain's setup.py) connect them"
    )


def test_every_module_imports_in_a_fresh_interpreter() -> None:
    names = sorted(
        module_name(p) for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts
    )
    script = (
        "import importlib, sys\nfor name in sys.argv[1:]: importlib.import_module(name)"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", script, *names],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


OPTIONAL = {"dns"}
"""Dependencies a shop may leave out (dnspython, for ``flask loyalty dns``): the
only imports inside a function, so the rest works without them."""


def test_only_optional_dependencies_are_imported_inside_functions() -> None:
    inside = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    tops = {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom):
                    tops = {"." if node.level else (node.module or "").split(".")[0]}
                else:
                    continue
                if not tops <= OPTIONAL:
                    inside.append(f"{module_name(path)}:{node.lineno}")
    assert inside == [], "import these at the top of the module"
