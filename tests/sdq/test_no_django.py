from __future__ import annotations

import subprocess
import sys

CODE = (
    "import sys, spor.sdq, spor.sdq.cli, spor.sdq._table; import numpy as np; "
    "spor.sdq.score(np.zeros((1, 25), dtype=np.int8)); "
    "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
    "assert not bad, bad"
)


def test_sdq_imports_no_django():
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_no_django_in_source():
    from pathlib import Path

    import spor.sdq

    root = Path(spor.sdq.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import django" not in text and "from django" not in text, path
