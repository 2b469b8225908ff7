"""Benchmark of ``spor sdq score`` end to end: ``.venv/bin/python benchmarks/sdq_cli_bench.py``.

Writes 1,000,000 random parent-form responses as CSV (id, 25 items and the 6 impact columns,
about 2 % of answers blank), then, in the same run and on the same file, times

- ``spor sdq score FILE --form parent-4-17 -o OUT.csv`` as a subprocess (what a user runs:
  Python's start, the imports, reading, checking, scoring, banding and writing), and
- the bare reader alone: the reader ``spor sdq score`` reads such a file with (pieces of
  1 MB cut at line ends, each read from its lines' ends backwards into the ids and the int8
  answer columns, with every check: ``spor.sdq._stream.pieces``), through the whole file on
  one thread, in this process (no start-up, no imports), which is the floor for any tool
  reading the file this way (the command reads its pieces on all cores); and, for comparison,
  PyArrow's whole-file reader on all cores with the answer columns as int8
  (``read_typed_csv``, how the command read the file before it went block by block). The run
  checks that the command's reader takes this file (``read_answers_csv``), so the two read the
  same way.

The command runs as on an installed system, where Python compiles each module once and keeps
the compiled file: this machine's environment sets ``PYTHONDONTWRITEBYTECODE`` (every start would
compile every module again), so the subprocess runs without it, with its compiled files in the
run's temporary folder, after one untimed warm-up run.

Each timed run of the command writes a new output file (the one before removed, untimed).
Best of ``--repeats`` each. Checks the output (row count and the totals against the engine).
Prints figure / goal / measured / ratio / verdict, and exits 1 if a goal is missed (≥ 1 M rows/s
end to end; end to end within 3× of the bare reader, and within 3× of the whole-file reader).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

import _results
from spor.sdq import load_instrument, score
from spor.sdq._stream import layout, pieces, read_answers_csv
from spor.sdq._table import _read_csv_arrow, _utf8

GOAL_RATE = 1_000_000
GOAL_RATIO = 3.0
SPOR = Path(sys.executable).parent / "spor"
ITEMS = [f"sdq{n}" for n in range(1, 26)]
IMPACT = ["ebddiff", "distres", "imphome", "impfrie", "impclas", "impleis"]


def read_typed_csv(path: Path, delim: str, width: int, int_columns: Iterable[int]) -> pa.Table:
    """PyArrow's CSV reader (on all cores) on a file without quote characters: the rows after
    the header, the columns ``int_columns`` as int8 (a blank cell is null), the others as text.
    How ``spor sdq score`` read the common file before it went block by block
    (:mod:`spor.sdq._stream`); read here for comparison."""
    ints = set(int_columns)
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(autogenerate_column_names=True, skip_rows=1),
        parse_options=pacsv.ParseOptions(
            delimiter=delim, quote_char=False, ignore_empty_lines=False
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={f"f{j}": pa.int8() if j in ints else pa.string() for j in range(width)},
            null_values=[""],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def make_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    answers = rng.integers(0, 3, size=(n, 25), dtype=np.int8)
    answers[rng.random((n, 25)) < 0.02] = -1
    impact = rng.integers(0, 4, size=(n, 6), dtype=np.int8)
    impact[rng.random((n, 6)) < 0.02] = -1
    return answers, impact


def write_csv(path: Path, answers: np.ndarray, impact: np.ndarray) -> None:
    """The answers as CSV, built column by column (blank for ``-1``)."""
    n = len(answers)
    digits = pa.array(["0", "1", "2", "3", ""], type=pa.string())
    cols = [pc.cast(pa.array(np.arange(n)), pa.string())]
    for a in (answers, impact):
        for q in range(a.shape[1]):
            cols.append(digits.take(pa.array(np.where(a[:, q] < 0, 4, a[:, q]).astype(np.int32))))
    lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*cols, ","), "", "\n")
    offsets, data = _utf8(lines)
    with path.open("wb") as fh:
        fh.write((",".join(["id", *ITEMS, *IMPACT]) + "\n").encode())
        fh.write(data[offsets[0] : offsets[-1]].tobytes())


def _score(inp: Path, out: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [str(SPOR), "sdq", "score", str(inp), "--form", "parent-4-17", "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)


def run(
    n: int = 1_000_000, repeats: int = 3, seed: int = 1, warm_up: bool = True
) -> dict[str, float]:
    answers, impact = make_data(n, seed)
    with tempfile.TemporaryDirectory(prefix="spor-sdq-bench-") as d:
        inp, out = Path(d) / "in.csv", Path(d) / "out.csv"
        write_csv(inp, answers, impact)
        width = 1 + answers.shape[1] + impact.shape[1]
        inst = load_instrument("parent-4-17")
        if read_answers_csv(inst, inp) is None:
            raise AssertionError("spor sdq score does not read this file block by block")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(d) / "pycache")
        if warm_up:  # compiles the modules once, as an installed system has them
            small = Path(d) / "small.csv"
            write_csv(small, answers[:100], impact[:100])
            _score(small, out, env)
        times: dict[str, list[float]] = {k: [] for k in ("reader", "whole", "cli")}
        cpu: dict[str, list[float]] = {k: [] for k in times}
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            lay = layout(inst, inp)
            assert lay is not None
            rows = sum(b.rows for b in pieces(inst, lay))
            times["reader"].append(time.perf_counter() - t0)
            cpu["reader"].append(time.process_time() - c0)
            assert rows == n
            t0, c0 = time.perf_counter(), time.process_time()
            table = read_typed_csv(inp, ",", width, range(1, width))
            times["whole"].append(time.perf_counter() - t0)
            cpu["whole"].append(time.process_time() - c0)
            assert table.num_rows == n
            del table
            # A new output file each time, as a first run writes it: replacing the last run's
            # 60 MB adds the file system's freeing of its blocks (~0.05 s here), and the first
            # timed run would replace the warm-up's small file, the others a large one.
            out.unlink(missing_ok=True)
            t0, c0 = time.perf_counter(), _children_cpu()
            _score(inp, out, env)
            times["cli"].append(time.perf_counter() - t0)
            cpu["cli"].append(_children_cpu() - c0)
        # The output must hold every row, with the engine's totals.
        text = _read_csv_arrow(out, out.open(encoding="utf-8").readline(), ",")
        assert text is not None and len(text[0]) == n + 1
        header = [c[0].as_py() for c in text]
        totals = text[header.index("total")].slice(1).to_pylist()
        want = score(answers, impact, form="parent-4-17")["total"].tolist()
        if totals != ["" if v < 0 else str(v) for v in want]:
            raise AssertionError("spor sdq score's totals differ from the engine's")
    cli, reader, whole = (min(times[k]) for k in ("cli", "reader", "whole"))
    cli_c, reader_c, whole_c = (min(cpu[k]) for k in ("cli", "reader", "whole"))
    return {"n": n, "cli_s": cli, "reader_s": reader, "rate": n / cli, "ratio": cli / reader,
            "cli_cpu_s": cli_c, "reader_cpu_s": reader_c, "rate_cpu": n / cli_c,
            "ratio_cpu": cli_c / reader_c, "whole_s": whole, "whole_cpu_s": whole_c,
            "ratio_whole": cli / whole, "ratio_whole_cpu": cli_c / whole_c}  # fmt: skip


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000 if _results.quick() else 1_000_000)
    ap.add_argument("--repeats", type=int, default=1 if _results.quick() else 3)
    args = ap.parse_args(argv)
    r = run(args.n, args.repeats)
    ok_rate = r["rate"] >= GOAL_RATE
    ok_ratio = r["ratio"] <= GOAL_RATIO
    ok_whole = r["ratio_whole"] <= GOAL_RATIO
    _results.record(
        f"spor sdq score end to end, {r['n']:,} CSV rows",
        "≥ 1 M rows/s",
        r["rate"] / 1e6,
        "M rows/s",
        ratio=r["rate"] / GOAL_RATE,
        ok=ok_rate,
    )
    _results.record(
        "spor sdq score vs the bare CSV reader",
        "≤ 3× the reader",
        r["cli_s"],
        "s",
        ratio=r["ratio"],
        ok=ok_ratio,
    )
    _results.record(
        "spor sdq score vs PyArrow's whole-file reader",
        "≤ 3× the reader",
        r["cli_s"],
        "s",
        ratio=r["ratio_whole"],
        ok=ok_whole,
    )
    print(f"spor sdq score end to end: {r['n']:,} rows of CSV (best of {args.repeats})")
    print(f"  {'figure':40} {'goal':>12} {'measured':>15} {'ratio':>7}  verdict")
    rows = [
        ("end to end (spor sdq score -o .csv)", "≥ 1.00 M/s", f"{r['rate'] / 1e6:.2f} M/s",
         r["rate"] / GOAL_RATE, ok_rate),
        ("end to end vs the same reader alone", "≤ 3.0×",
         f"{r['cli_s']:.2f} / {r['reader_s']:.2f} s", r["ratio"], ok_ratio),
        ("end to end vs the whole-file reader", "≤ 3.0×",
         f"{r['cli_s']:.2f} / {r['whole_s']:.2f} s", r["ratio_whole"], ok_whole),
    ]  # fmt: skip
    for name, goal, measured, ratio, ok in rows:
        verdict = "ok" if ok else "MISSED"
        print(f"  {name:40} {goal:>12} {measured:>15} {ratio:>6.2f}×  {verdict}")
    print("  counted in CPU time (the cost on a busy machine):")
    cpu_rows = [
        ("end to end", f"{r['rate_cpu'] / 1e6:.2f} M/s", r["cli_cpu_s"]),
        ("vs the same reader alone", f"{r['cli_cpu_s']:.2f} / {r['reader_cpu_s']:.2f} s",
         r["ratio_cpu"]),
        ("vs the whole-file reader", f"{r['cli_cpu_s']:.2f} / {r['whole_cpu_s']:.2f} s",
         r["ratio_whole_cpu"]),
    ]  # fmt: skip
    print(f"    {cpu_rows[0][0]:38} {'':>12} {cpu_rows[0][1]:>15}  (CPU {r['cli_cpu_s']:.2f} s)")
    for name, measured, ratio in cpu_rows[1:]:
        print(f"    {name:38} {'':>12} {measured:>15} {ratio:>6.2f}×")
    print("  (verdicts use wall time; CPU time shows the cost on a busy machine)")
    if ok_rate and ok_ratio and ok_whole:
        print("PASSED")
        return 0
    print("FAILED")
    return 1


if __name__ == "__main__":
    sys.exit(main())
