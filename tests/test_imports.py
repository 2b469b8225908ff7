"""Imports flow one way (docs/architecture.md): the pure core (cpr, sdq, the evaluation's
statistics, disclosure and economics formulas) <- platform (lib, tenancy, accounts, ops,
audit, notifications) <- the loop's stages in the loop's order (registry, screening,
concerns, cases, measurement, survey, evaluation, economics, programme) <- web and API <-
entry points. The layers are written once, in pyproject.toml's ``[tool.importlinter]``;
import-linter (on grimp's graph, which holds every import statement, also one inside a
function or under ``TYPE_CHECKING``) checks them. A second rule: no package imports
another's private names (``_x``) or private modules."""

from __future__ import annotations

import ast
import contextlib
import io
import re
import tomllib
from pathlib import Path

import grimp
import pytest
from importlinter import cli

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "spor"
# Pure cores: no cycle between their modules either (no function-level import to dodge one).
PURE = ["spor.sdq", "spor.cpr", "spor.lib"] + [
    f"spor.evaluation.{m}" for m in ("stats", "disclosure", "economics", "outcome", "paired_file")
]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("spor", cache_dir=None)


def test_imports_run_down_the_layers_only() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    assert code == 0, out.getvalue()


def test_every_module_is_in_a_layer(graph: grimp.ImportGraph) -> None:
    # A package cut across layers (cases, evaluation.web) lists its modules one by one; a
    # module added to it later must be placed too, or the layer check would not see it.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [contract] = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers"]
    placed = [name.strip() for layer in contract["layers"] for name in re.split("[|:]", layer)]
    # Not in a layer: the root, the settings and manage.py, and the packages' __init__.
    free = {"spor", "spor.settings", "spor.manage", "spor.cases", "spor.evaluation"}
    free.add("spor.evaluation.web")
    loose = [
        m
        for m in sorted(graph.modules)
        if m not in free and not any(m == p or m.startswith(p + ".") for p in placed)
    ]
    assert not loose, f"put these in a layer in pyproject.toml: {loose}"


def test_the_graph_holds_imports_inside_functions(graph: grimp.ImportGraph) -> None:
    # spor.evaluation.web.services imports its task inside a function (a real cycle with
    # the task module, which imports the service to run it): the layer check sees such
    # imports, so a function-level import cannot hide one that runs back up.
    assert graph.direct_import_exists(
        importer="spor.evaluation.web.services", imported="spor.evaluation.web.tasks"
    )


def test_the_pure_cores_have_no_import_cycles(graph: grimp.ImportGraph) -> None:
    cycles = []
    for package in PURE:
        modules = {m for m in graph.modules if m == package or m.startswith(package + ".")}
        for importer in sorted(modules):
            for imported in sorted(graph.find_modules_directly_imported_by(importer) & modules):
                if graph.chain_exists(importer=imported, imported=importer):
                    cycles.append(f"{importer} <-> {imported}")
    assert not cycles, cycles


def _package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_package_imports_another_ones_private_names() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        here = _package_of(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [(node.module, a.name) for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [(a.name, "") for a in node.names]
            else:
                continue
            for target, name in targets:
                if not target.startswith("spor.") or _package_of(target) == here:
                    continue
                if any(_private(p) for p in target.split(".")) or _private(name):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found.append(f"{where} {target} {name}".rstrip())
    assert not found, found
