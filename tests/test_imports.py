"""The import graph of incidentstats: no cycles, and readers import nothing above them.

Imports are read with ``ast``, function-level ones included, so a cycle that only shows
when a function runs is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "incidentstats"
#: Modules above the readers: what readers must never import (data flows one way).
ABOVE_READERS = (
    "ingest", "stats", "plots", "notebook", "report", "france", "batch", "cli", "kit",
    "teaching", "explorer", "explorer_app", "explorer_ui", "dedupe", "filters", "vintage",
)  # fmt: skip


def module_files() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    out = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path, modules: set[str]) -> set[str]:
    """The package modules that ``name`` imports anywhere in its file."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # "from . import i18n" imports the module i18n; "from .x import f" imports x.
            targets = [
                f"{stem}.{a.name}" if f"{stem}.{a.name}" in modules else stem for a in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # "incidentstats.readers.hhs.X" -> module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    return {name: imports_of(name, path, set(files)) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_graph_is_read():
    graph = import_graph()
    assert f"{PACKAGE}.readers.base" in graph[f"{PACKAGE}.readers.hhs"]
    # a function-level import counts: the CLI imports the report runner inside a command
    assert f"{PACKAGE}.report" in graph[f"{PACKAGE}.cli"]


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_readers_import_nothing_above_them():
    above = {f"{PACKAGE}.{m}" for m in ABOVE_READERS}
    wrong = {
        name: sorted(
            t
            for t in targets
            if ".".join(t.split(".")[:2]) in above  # a package above counts with its modules
        )
        for name, targets in import_graph().items()
        if name.startswith(f"{PACKAGE}.readers")
    }
    wrong = {k: v for k, v in wrong.items() if v}
    assert not wrong, wrong
