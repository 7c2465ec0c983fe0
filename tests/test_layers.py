"""The package's layers (issue 22): models and services never import the web layer
(the blueprint, views, forms, owner pages), at the top of a module or inside a
function; only the wiring does. Read with ``ast``, so nothing is imported.

The runtime import cycles are not gone yet (issue 22): the test keeps them from
growing while they are taken apart.
"""

from __future__ import annotations

import ast
import collections
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "flask_loyalty"
WIRING = {"flask_loyalty.extension", "flask_loyalty.testing", "flask_loyalty.languages"}
"""Modules that put the web layer together; each domain's ``setup`` too."""
LARGEST_CYCLE = 3
"""Modules in the largest runtime import cycle today; lower it as cycles go."""


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


def largest_cycle(edges: list[tuple[str, str]]) -> int:
    """The size of the largest strongly connected set of modules (Tarjan)."""
    graph: dict[str, set[str]] = collections.defaultdict(set)
    for importer, imported in edges:
        graph[importer].add(imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    largest = 0

    def visit(node: str) -> None:
        nonlocal largest
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            size = 0
            while True:
                member = stack.pop()
                on_stack.discard(member)
                size += 1
                if member == node:
                    break
            largest = max(largest, size if size > 1 else 0)

    for node in list(graph):
        if node not in index:
            visit(node)
    return largest


def test_the_import_cycles_do_not_grow() -> None:
    size = largest_cycle(imports())
    assert size <= LARGEST_CYCLE, (
        f"the largest import cycle has {size} modules (was {LARGEST_CYCLE}):"
        " import the lower layer's module, not the web one"
    )
    assert largest_cycle([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]) == 3
