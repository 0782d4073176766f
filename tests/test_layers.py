"""Imports only point down (DESIGN.md, "The shape"; docs/architecture.md).

Every module's imports are read with ``ast``, those inside functions included, and each is
checked against the layer order of DESIGN.md:

    errors < scenario < models, evidence < analysis, validation < run
           < the services the interfaces share < api, report < web < cli

A module may import from its own layer or a lower one, never from a higher one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: The layers, lowest first; the modules of each (a package stands for all its modules).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    # The bottom: the error family and the helpers every layer may use (one atomic file
    # writer, lazily imported names, the configurable limits, child processes that die
    # with their parent).
    (
        "errors, files, limits",
        ("detente.errors", "detente.files", "detente.lazy", "detente.limits", "detente.procs"),
    ),
    ("scenario", ("detente.scenario",)),
    ("models, evidence", ("detente.models", "detente.evidence")),
    ("analysis, validation", ("detente.analysis", "detente.validation")),
    ("run", ("detente.run",)),
    # The services every interface shares are detente.models.runner and .tables (low, so
    # analyses may use them); this layer holds what only the interfaces share.
    ("services", ("detente.services",)),
    ("api, report", ("detente.api", "detente", "detente.report")),
    ("web", ("detente.web",)),
    # Each area's ``commands`` module holds its part of the command line.
    ("cli", ("detente.cli", "detente.__main__", "commands")),
]


def layer_of(module: str) -> int:
    """The rank of ``module`` in :data:`LAYERS` (the longest matching prefix decides; a
    module called ``commands`` in any package belongs to the CLI)."""
    if module.rsplit(".", 1)[-1] == "commands":
        return len(LAYERS) - 1
    best, rank = -1, None
    for r, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, rank = len(p), r
    if rank is None:
        raise AssertionError(f"module {module} is in no layer: add it to LAYERS")
    return rank


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted((SRC / "detente").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def imports(module: str, path: Path) -> list[tuple[str, int]]:
    """``(imported module, line)`` for every import of the file, at any depth; ``from X
    import name`` counts as an import of ``X.name`` when that is a module, else of ``X``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    known = {m for m, _ in modules()}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:
                sub = f"{target}.{a.name}"
                out.append((sub if sub in known else target, node.lineno))
    return [(m, line) for m, line in out if m == "detente" or m.startswith("detente.")]


def test_the_layer_map_covers_every_module():
    for module, _ in modules():
        layer_of(module)


def test_no_module_imports_from_a_layer_above_it():
    upward = []
    for module, path in modules():
        mine = layer_of(module)
        for target, line in imports(module, path):
            theirs = layer_of(target)
            if theirs > mine:
                upward.append(
                    f"{path.relative_to(SRC.parent)}:{line}: {module} ({LAYERS[mine][0]}) "
                    f"imports {target} ({LAYERS[theirs][0]})"
                )
    assert not upward, "imports pointing up:\n" + "\n".join(upward)


@pytest.mark.parametrize(
    "module,target,upward",
    [
        ("detente.analysis.alliances", "detente.api", True),
        ("detente.scenario.ktab_xml", "detente.models.smp.params", True),
        ("detente.report.commands", "detente.web", False),  # both in the CLI layer
        ("detente.report.data", "detente.web", True),
        ("detente.models.runner", "detente.scenario.model", False),
        ("detente.run.sensitivity", "detente.analysis.whatif", False),
    ],
)
def test_the_check_itself(module, target, upward):
    assert (layer_of(target) > layer_of(module)) is upward


def test_imports_inside_functions_are_read(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from detente.api import forecast\n    import detente.web\n")
    assert imports("detente.scenario.m", f) == [("detente.api", 2), ("detente.web", 3)]


def test_no_import_cycles():
    # Modules that import each other (at any depth, inside functions too) are one module in
    # disguise. A module importing its own parent package (where the package re-exports it)
    # does not count.
    known = {m for m, _ in modules()}
    edges: dict[str, set[str]] = {m: set() for m in known}
    for module, path in modules():
        for target, _ in imports(module, path):
            if target in known and target != module and not module.startswith(target + "."):
                edges[module].add(target)
    cycles = []
    for start in sorted(known):  # a path back to ``start``, by depth-first search
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in edges[node]:
                if nxt == start:
                    cycles.append(" -> ".join([*path, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(set(cycles)))
