"""The evaluation modules are pure: importing and using them loads no Django."""

from __future__ import annotations

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


def test_no_django_in_source() -> None:
    import spor.evaluation

    root = Path(spor.evaluation.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import django" not in text and "from django" not in text, path
