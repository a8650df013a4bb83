"""The layer order of the package, enforced: a module imports only modules at or below its
layer, and no import cycle exists between modules (imports inside functions count too).

The layers, bottom first (README "Development" draws the same picture):
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "paperdigest"

# Each top-level module or package of paperdigest, by layer (0 is the bottom). "" is the
# package itself (its __init__ only holds the version and lazy re-exports).
LAYERS: list[set[str]] = [
    {"", "errors", "models", "text", "fsutil", "config", "settings", "untrusted"},
    {"prompts", "http", "ops", "plugins"},
    {"checks", "sources", "summarize"},
    {"store"},
    {"fulltext", "rank"},
    {"render"},
    {"digest", "review", "publish", "web"},
    {"app"},
    {"cli", "__main__"},
]
LEVEL = {name: n for n, names in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    parts = ["paperdigest", *path.relative_to(PACKAGE).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """(imported paperdigest module, line) for every import in the file, wherever it is."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("paperdigest"):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                drop = node.level - 1 if is_package else node.level
                base = base[: len(base) - drop] if drop else base
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if not target.startswith("paperdigest"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield (sub if sub in known else target), node.lineno


def unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {
        name: {target for target, _ in imports(name, path, known) if target != name}
        for name, path in found.items()
    }


def test_every_top_level_module_has_a_layer() -> None:
    units = {unit(name) for name in modules()}
    assert units - set(LEVEL) == set(), "add the new module to LAYERS (and the README)"


def test_no_module_imports_a_higher_layer() -> None:
    found = modules()
    known = set(found)
    upward = []
    for name, path in found.items():
        for target, line in imports(name, path, known):
            if LEVEL[unit(target)] > LEVEL[unit(name)]:
                upward.append(f"{name}:{line} imports {target}")
    assert upward == []


def test_no_import_cycles() -> None:
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in edges:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    assert cycles == []
