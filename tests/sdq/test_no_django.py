from __future__ import annotations

import os
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


SCORE_ONLY = (
    "import sys; from spor.cli import main; "
    "main(['sdq', 'score', sys.argv[1], '--form', 'parent-4-17', '-o', sys.argv[2]], "
    "standalone_mode=False); "
    "loaded = sorted(m for m in sys.modules if m.startswith(('django', 'spor.archive', "
    "'pyarrow.compute', 'openpyxl', 'tqdm', 'pandas'))); "
    "assert not loaded, loaded; "
    "import spor.sdq._instrument as i; assert list(i._PARSED) == ['sdq-parent-4-17.json'], "
    "list(i._PARSED); "
    "import os; assert os.environ.get('OPENBLAS_NUM_THREADS') == '1'; "
    "import gc; assert gc.isenabled() and gc.get_freeze_count() > 10_000, gc.get_freeze_count()"
)


def test_spor_sdq_score_of_a_common_csv_loads_only_what_it_needs(tmp_path):
    # A command's start is part of its time (benchmarks/sdq_cli_bench.py): scoring the common
    # CSV file imports no Django, none of the other commands, not pyarrow.compute's thousand
    # wrappers, no spreadsheet library, and reads only its own form's definition; NumPy's
    # OpenBLAS is loaded with one thread (its threads spin at the start: spor.cli); the
    # collector skipped the imports and keeps what they made out of its collections, and is
    # on again for the scoring.
    items = [f"sdq{n}" for n in range(1, 26)]
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(",".join(["id", *items]) + "\n" + ",".join(["a", *["1"] * 25]) + "\n")
    proc = subprocess.run(
        [sys.executable, "-c", SCORE_ONLY, str(src), str(out)],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"},
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().splitlines()[1].startswith("a,parent-4-17,")


def test_the_shipped_forms_are_one_object_each_however_asked_for():
    from spor import sdq
    from spor.sdq._instrument import _shipped_instrument

    one = sdq.load_instrument("parent-4-17")
    assert _shipped_instrument("parent-4-17") is one
    assert sdq.load_instrument("sdq-parent-4-17") is one
    assert all(sdq.load_instrument(f) is _shipped_instrument(f) for f in sdq.list_forms())
    assert _shipped_instrument("../instruments/sdq-parent-4-17") is None
