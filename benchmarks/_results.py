"""The result protocol of the benchmarks, read by ``make bench`` (``benchmarks/report.py``).

When the environment variable ``SPOR_BENCH_RESULTS`` names a file, every benchmark appends one
JSON line per figure it measures::

    {"benchmark": "<script>", "figure": "<what>", "goal": "<text>", "measured": <number>,
     "unit": "<unit>", "ratio": <number or null>, "verdict": "ok" | "missed"}

``ratio`` is the comparison the goal is about. Where the goal names a baseline it is the raw
ratio to that baseline: 0.6 for a page that took 0.6× its time at 1k (goal "at most 1.5×"), 2.4
for a command that took 2.4× the bare reader (goal "within 3×"). Where the goal is an absolute
figure it is the measured figure over the goal: 0.41 for 4,127 rows/s against 10,000 rows/s.
``None`` if the goal has neither. Without ``SPOR_BENCH_RESULTS`` :func:`record` does nothing,
so a benchmark run by hand prints its own table as before.

``SPOR_BENCH_QUICK=1`` (``make bench BENCH_ARGS=--quick``) asks a benchmark for a small run
(:func:`quick`): each script picks smaller sizes for its defaults; its verdicts then say little
about the goals and ``report.py`` says so.

Runs as a script's sibling module (``import _results``): imports nothing of Spor or Django.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ENV = "SPOR_BENCH_RESULTS"
QUICK_ENV = "SPOR_BENCH_QUICK"


def quick() -> bool:
    """True when ``make bench`` was asked for a quick run (small sizes)."""
    return os.environ.get(QUICK_ENV, "") not in ("", "0")


def record(
    figure: str,
    goal: str,
    measured: float,
    unit: str,
    *,
    ok: bool,
    ratio: float | None = None,
    benchmark: str | None = None,
) -> None:
    """Append one figure to ``$SPOR_BENCH_RESULTS`` (if set). ``benchmark`` defaults to the
    running script's name (``import_bench.py``)."""
    path = os.environ.get(ENV)
    if not path:
        return
    line = {
        "benchmark": benchmark or Path(sys.argv[0]).name,
        "figure": figure,
        "goal": goal,
        "measured": float(measured),
        "unit": unit,
        "ratio": None if ratio is None else float(ratio),
        "verdict": "ok" if ok else "missed",
    }
    # One write of one line in append mode: lines of concurrent writers do not interleave.
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")
