"""The layers only point down, and no module imports itself back through others.

planbot/ (entry points) → handlers/ (Telegram adapters) → bot/ (the conversation core) →
knowledge/, voice/ (the domain: plans, answers, screenings, speech). Imports inside functions count
too (they hide cycles); imports under `if TYPE_CHECKING:` do not (they run only for the type checker).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("planbot", "handlers", "bot", "knowledge", "voice")
#: What each package may not import.
FORBIDDEN = {
    "knowledge": ("bot", "handlers", "planbot", "voice", "telegram"),
    "voice": ("bot", "handlers", "planbot", "knowledge", "telegram"),
    "bot": ("handlers", "planbot", "telegram"),
    "handlers": ("planbot",),
    "planbot": (),
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for child in node.body for n in ast.walk(child)}
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


MODULES = _modules()
GRAPH = {
    name: {target for target in _imports(path) if target in MODULES and target != name}
    for name, path in MODULES.items()
}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_nothing_from_the_layers_above_it(module):
    package = module.split(".")[0]
    bad = sorted(target for target in _imports(MODULES[module]) if target.split(".")[0] in FORBIDDEN[package])
    assert not bad, f"{module} imports {bad}"


def test_no_module_imports_itself_back_through_others():
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert not cycles, f"import cycles: {cycles}"


def test_the_check_sees_an_upward_import(tmp_path):
    """The walk finds imports inside functions, and skips the type checker's."""
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import bot.core\n"
        "def f():\n    from handlers import render\n",
        encoding="utf-8",
    )
    assert set(_imports(source)) == {"typing", "typing.TYPE_CHECKING", "handlers", "handlers.render"}
