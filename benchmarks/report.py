"""``make bench``: run every benchmark and print one table of all their figures.

    .venv/bin/python benchmarks/report.py [--quick] [--only NAME[,NAME]]
        [--args NAME="--children 5000"] [--results FILE]

Runs each ``benchmarks/*_bench.py`` in turn (its own output goes by as it runs), with
``SPOR_BENCH_RESULTS`` set to one file where each appends a JSON line per figure (the protocol
is in ``benchmarks/_results.py``), and goes on past one that fails. Then prints one table:
benchmark, figure, goal, measured, ratio, verdict. A benchmark that exits non-zero without
reporting a missed figure is shown as crashed; one that reports nothing, as "no figures".
Exits 1 if any figure is missed, any benchmark crashed or reported nothing.

``--quick`` sets ``SPOR_BENCH_QUICK=1``: each benchmark then picks small sizes (fast, but its
verdicts do not speak to the goals). ``--only`` runs the benchmarks whose name contains one of
the given words; ``--args NAME=ARGS`` passes options to one benchmark (repeatable), e.g.
``--args evaluation="--database-url postgres://…"``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass
class Row:
    benchmark: str
    figure: str
    goal: str
    measured: str
    ratio: str
    verdict: str

    @property
    def failed(self) -> bool:
        return self.verdict != "ok"


def _measured(value: float, unit: str) -> str:
    if value == int(value) and abs(value) < 1e15:
        text = f"{int(value):,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def rows_of(figures: list[dict[str, Any]], runs: dict[str, int]) -> list[Row]:
    """The table's rows: every reported figure, grouped by benchmark in the order they ran,
    plus a row for a benchmark that crashed (non-zero exit, no missed figure) or reported
    nothing. ``runs`` maps each benchmark's name to its exit status."""
    rows: list[Row] = []
    for name, status in runs.items():
        own = [f for f in figures if f.get("benchmark") == name]
        for f in own:
            ratio = f.get("ratio")
            rows.append(
                Row(
                    name,
                    str(f["figure"]),
                    str(f["goal"]),
                    _measured(float(f["measured"]), str(f.get("unit", ""))),
                    "" if ratio is None else f"{float(ratio):.2f}×",
                    "ok" if f.get("verdict") == "ok" else "missed",
                )
            )
        missed = any(f.get("verdict") != "ok" for f in own)
        if status != 0 and not missed:
            rows.append(
                Row(name, "(the benchmark itself)", "runs", f"exit {status}", "", "crashed")
            )
        elif not own:
            rows.append(
                Row(name, "(the benchmark itself)", "reports figures", "none", "", "no figures")
            )
    return rows


def render(rows: list[Row]) -> str:
    head = Row("benchmark", "figure", "goal", "measured", "ratio", "verdict")
    cols = list(
        zip(
            *[
                (r.benchmark, r.figure, r.goal, r.measured, r.ratio, r.verdict)
                for r in [head, *rows]
            ],
            strict=True,
        )
    )
    widths = [max(len(v) for v in col) for col in cols]
    right = {3, 4}  # measured, ratio

    def line(values: tuple[str, ...]) -> str:
        cells = [
            v.rjust(w) if i in right else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    out = [line(tuple(c[0] for c in cols)), "  ".join("-" * w for w in widths)]
    out += [line(tuple(c[i] for c in cols)) for i in range(1, len(rows) + 1)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (SPOR_BENCH_QUICK=1)")
    ap.add_argument("--only", default="", help="comma-separated words; run matching benchmarks")
    ap.add_argument("--args", action="append", default=[], metavar="NAME=ARGS",
                    help="options for the benchmark whose name contains NAME")  # fmt: skip
    ap.add_argument("--results", default="", help="keep the JSON lines in this file")
    ap.add_argument("--dir", default=str(HERE), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    scripts = sorted(Path(args.dir).glob("*_bench.py"))
    if args.only:
        words = [w.strip() for w in args.only.split(",") if w.strip()]
        scripts = [s for s in scripts if any(w in s.name for w in words)]
    extra: dict[str, list[str]] = {}
    for spec in args.args:
        name, _, rest = spec.partition("=")
        extra[name] = shlex.split(rest)

    with tempfile.TemporaryDirectory(prefix="spor-bench-") as tmp:
        results = Path(args.results) if args.results else Path(tmp) / "results.jsonl"
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text("")
        env = dict(os.environ, SPOR_BENCH_RESULTS=str(results))
        src = str(HERE.parent / "src")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
        if args.quick:
            env["SPOR_BENCH_QUICK"] = "1"
        runs: dict[str, int] = {}
        for script in scripts:
            options = [o for name, opts in extra.items() if name in script.name for o in opts]
            print(f"== {script.name} {' '.join(options)}".rstrip(), flush=True)
            started = time.perf_counter()
            status = subprocess.call([sys.executable, str(script), *options], env=env)  # noqa: S603
            runs[script.name] = status
            print(
                f"== {script.name}: exit {status} after {time.perf_counter() - started:.0f} s\n",
                flush=True,
            )
        figures = []
        for text in results.read_text(encoding="utf-8").splitlines():
            if text.strip():
                figures.append(json.loads(text))

    rows = rows_of(figures, runs)
    print(render(rows))
    failed = [r for r in rows if r.failed]
    print()
    if args.quick:
        print("(--quick: small sizes; the verdicts do not speak to the goals)")
    if failed:
        print(f"FAILED: {len(failed)} of {len(rows)} rows not ok")
        return 1
    print(f"PASSED: all {len(rows)} figures ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
