"""The evaluation modules are pure: importing and using them loads no Django."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CODE = (
    "import sys; "
    "import spor.evaluation.stats as s, spor.evaluation.disclosure as d, "
    "spor.evaluation.economics as e; "
    "s.paired_change([1, 2, 3], [2, 2, 5]); d.suppress([[3, 8], [9, 9]]); "
    "e.cost_per_case({'psykolog': 1}, {'psykolog': 600}); "
    "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
    "assert not bad, bad; "
    "assert 'scipy' not in sys.modules and 'statsmodels' not in sys.modules"
)


def test_evaluation_imports_no_django_and_no_scipy() -> None:
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


SRC = Path(__file__).resolve().parents[2] / "src" / "spor"
PURE = sorted((SRC / "evaluation").glob("*.py"))


def test_the_pure_core_has_no_django_in_its_source() -> None:
    # spor.evaluation's own modules are the pure core; the Django layers sit below it in
    # spor.evaluation.web (the municipality's page) and spor.evaluation.national (the
    # programme evaluator's), and the core imports neither.
    assert {p.name for p in PURE} >= {"__init__.py", "stats.py", "disclosure.py", "economics.py"}
    for path in PURE:
        text = path.read_text(encoding="utf-8")
        assert "import django" not in text and "from django" not in text, path
        layers = re.findall(r"^\s*(?:from|import) spor\.evaluation\.(?:web|national)", text, re.M)
        assert not layers, path


def _package_of(dotted: str) -> str:
    """The package a dotted name under spor belongs to (a package is its own)."""
    path = SRC.joinpath(*dotted.split("."))
    return dotted if path.is_dir() else dotted.rpartition(".")[0]


IMPORT = re.compile(r"^\s*from spor\.([\w.]+) import (\([^)]*\)|[^\n]+)$", re.M)


def test_no_evaluation_module_imports_another_packages_private_names() -> None:
    # A private name is its module's own business: another package that imports it breaks
    # silently when the module changes (linked suppression once used disclosure's helpers).
    offending = []
    for path in sorted(SRC.rglob("*.py")):
        mine = ".".join(path.relative_to(SRC).parts[:-1])
        for module, names in IMPORT.findall(path.read_text(encoding="utf-8")):
            theirs = _package_of(module)
            if theirs == mine or not {"evaluation", "programme"} & {
                mine.split(".")[0],
                theirs.split(".")[0],
            }:
                continue
            for raw in names.strip("()").split(","):
                name = raw.strip().split(" as ")[0].strip()
                if name.startswith("_") and not name.startswith("__"):
                    offending.append(f"{path.relative_to(SRC)}: spor.{module}.{name}")
    assert offending == []


def test_the_check_sees_a_private_import() -> None:
    text = "from spor.evaluation.disclosure import (\n    Suppressed,\n    _pick,\n)\n"
    ((module, names),) = IMPORT.findall(text)
    assert module == "evaluation.disclosure" and "_pick" in names
    assert _package_of(module) == "evaluation" and _package_of("evaluation.web") == "evaluation.web"
