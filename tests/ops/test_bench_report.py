"""``make bench``'s runner (benchmarks/report.py): every benchmark runs even after one fails,
one table holds every figure, and the exit status says whether all goals were met.

Fake benchmarks (a few lines each, no Spor) stand in for the real ones, which are slow."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

OK = """
import _results
_results.record("pages at 60k", "≤ 1.5× 1k", 42.5, "ms", ratio=1.1, ok=True)
_results.record("imports", "≥ 10,000 rows/s", 12345, "rows/s", ok=True)
"""
MISSED = """
import sys, _results
_results.record("score CLI", "≥ 1 M rows/s", 0.5, "M rows/s", ratio=0.5, ok=False)
sys.exit(1)
"""
CRASH = "raise RuntimeError('boom')\n"
SILENT = "print('nothing to report')\n"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_report", BENCHMARKS / "report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def bench_dir(tmp_path: Path) -> Path:
    shutil.copy(BENCHMARKS / "_results.py", tmp_path / "_results.py")
    for name, text in (
        ("a_ok", OK),
        ("b_missed", MISSED),
        ("c_crash", CRASH),
        ("d_silent", SILENT),
    ):
        (tmp_path / f"{name}_bench.py").write_text(text)
    (tmp_path / "helper.py").write_text("raise SystemExit('not a benchmark: never run')\n")
    return tmp_path


def test_one_table_of_every_benchmark_and_failure_when_a_goal_is_missed(
    bench_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    status = _load().main(["--dir", str(bench_dir), "--results", str(bench_dir / "r.jsonl")])
    captured = capfd.readouterr()
    out = captured.out
    assert status == 1
    assert "RuntimeError: boom" in captured.err  # the crash's own output is not swallowed
    table = out[out.index("benchmark  ") :]
    lines = table.splitlines()
    # Every figure, in the order the benchmarks ran, after all of them ran.
    assert [ln.split()[0] for ln in lines[2:7]] == [
        "a_ok_bench.py", "a_ok_bench.py", "b_missed_bench.py", "c_crash_bench.py",
        "d_silent_bench.py",
    ]  # fmt: skip
    assert "42.50 ms" in lines[2] and "1.10×" in lines[2] and lines[2].endswith("ok")
    assert "12,345 rows/s" in lines[3]
    assert "0.5 M rows/s" in lines[4] and lines[4].endswith("missed")
    assert "exit 1" in lines[5] and lines[5].endswith("crashed")
    assert lines[6].endswith("no figures")
    assert "FAILED: 3 of 5 rows not ok" in out
    assert len((bench_dir / "r.jsonl").read_text().splitlines()) == 3


def test_passes_when_every_figure_is_ok_and_only_selects(
    bench_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    status = _load().main(["--dir", str(bench_dir), "--only", "a_ok", "--quick"])
    out = capfd.readouterr().out
    assert status == 0
    assert "b_missed" not in out and "c_crash" not in out
    assert "PASSED: all 2 figures ok" in out


def test_args_reach_the_named_benchmark(bench_dir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (bench_dir / "e_args_bench.py").write_text(
        "import sys, _results\n"
        "_results.record('argv', 'gets its options', len(sys.argv) - 1, 'args', "
        "ok=sys.argv[1:] == ['--n', '5 000'])\n"
    )
    status = _load().main(
        ["--dir", str(bench_dir), "--only", "e_args", "--args", "e_args=--n '5 000'"]
    )
    assert status == 0, capfd.readouterr().out
