"""The benchmark runs (a small size; no timing asserted here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "sdq_bench.py"


def test_benchmark_runs_small():
    spec = importlib.util.spec_from_file_location("sdq_bench", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    r = mod.run(n=5_000, loop_n=500, repeats=1)  # also checks engine == loop on 500 rows
    assert r["n"] == 5_000 and r["engine_rate"] > 0 and r["loop_rate"] > 0
