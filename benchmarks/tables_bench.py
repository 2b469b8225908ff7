"""The evaluator's whole publication (``spor.evaluation.national.tables``: ``protect`` and
``build``) on synthetic cells, without a database: how long it takes for a national set of
cells kept apart by municipality, intervention, age and half-year.

    PYTHONPATH=src .venv/bin/python benchmarks/tables_bench.py --cells 250000 [--profile]

The cells are made as the grouped read gives them (``spor.evaluation.web.selectors.Cell``
with ``by_origin``): totals 0–40 with the bands of their norm set, most children alone in
their cell. Prints the CPU time of ``build`` afresh over the cells as columns
(``selectors.CellArrays``, as the stored read gives them: the fixed order's digest, the
publication and its linear programmes, every row's figures), again with the protection kept,
and afresh over the same cells as ``Cell`` objects (the path before session 9; the two
reports must be equal).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")

import django

django.setup()

import _results  # noqa: E402
from spor import sdq  # noqa: E402
from spor.cases.models import InterventionType, Level  # noqa: E402
from spor.evaluation.national.selectors import ProgrammeData  # noqa: E402
from spor.evaluation.web.selectors import Cell, CellArrays  # noqa: E402

FORMS = ["parent-4-17", "teacher-4-17", "parent-2-4", "self-11-17"]
NORMS = ["uk-3band@1", "uk-4band@1"]


@dataclass(frozen=True)
class FakeBenchmark:
    """What the tables use of a pejlemærke: its pk, number and name."""

    pk: int
    number: int

    def __str__(self) -> str:
        return f"Pejlemærke {self.number}"


def synthetic(
    n_cells: int, *, municipalities: int = 98, seed: int = 1, small: bool = False
) -> ProgrammeData:
    """``n_cells`` cells in ``municipalities`` municipalities (10 interventions each), and
    six pejlemærker whose initiatives use a third of the interventions each. ``small``: the
    cells hold few children and the groups are sparse (counts near the threshold)."""
    rng = random.Random(seed)
    kinds = [k.value for k in InterventionType]
    levels = [lv.value for lv in Level] + [""]
    interventions = [
        (m, m * 100 + i, rng.choice(kinds), rng.choice(levels))
        for m in range(1, municipalities + 1)
        for i in range(10)
    ]
    bands = {ns: list(sdq.load_norm_set(ns.split("@")[0]).codes) for ns in NORMS}
    out = []
    for _ in range(n_cells):
        m, iv, kind, level = rng.choice(interventions)
        form = rng.choice(FORMS)
        norm = rng.choice(NORMS)
        paired = rng.random() < 0.8
        same = rng.random() < 0.95
        before = float(rng.randint(0, 40))
        after = float(min(40, max(0, int(before) + rng.randint(-12, 6)))) if paired else None
        n = 1 if rng.random() < 0.9 else rng.choice([1, 2, 3, 4, 5, 8])
        if small:
            n = rng.choice([1, 1, 2, 3, 4, 5, 6])
        subs = []
        for _s in range(5):
            k = n if paired else 0
            b = float(rng.randint(0, 10 * k)) if k else 0.0
            a = float(rng.randint(0, 10 * k)) if k else 0.0
            d = a - b
            subs.append((k, b, a, d, d * d))
        norm_after = (norm if same else rng.choice(NORMS)) if paired else None
        out.append(
            Cell(
                form=form,
                norm_before=norm,
                norm_after=norm_after,
                before=before,
                after=after,
                band_before=rng.choice(bands[norm]) if rng.random() < 0.98 else None,
                band_after=rng.choice(bands[norm_after]) if norm_after else None,
                n=n,
                subscales=tuple(subs),
                municipality_id=m,
                kind=kind,
                intervention_id=iv,
                level=level,
                age=rng.choice([None, 1, 19] + list(range(2, 18)) * 3),
                half=rng.choice([None, 20231, 20232, 20241, 20242, 20251, 20252, 20261]),
            )
        )
    benchmarks = [FakeBenchmark(pk=100 + b, number=b) for b in range(1, 7)]
    uses: dict[int, set[tuple[int, int]]] = {}
    for b in benchmarks:
        uses[b.number] = {(m, iv) for m, iv, _, _ in interventions if rng.random() < 0.33}
    munis = list(range(1, municipalities + 1))
    return ProgrammeData(munis, out, uses, benchmarks)  # type: ignore[arg-type]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cells", type=int, default=250_000)
    p.add_argument("--municipalities", type=int, default=98)
    p.add_argument("--profile", action="store_true", help="cProfile build (top 30)")
    args = p.parse_args()

    from spor.evaluation.national import tables
    from spor.evaluation.web.forms import Filters
    from spor.lib import memo

    t0 = time.process_time()
    data = synthetic(args.cells, municipalities=args.municipalities)
    print(f"{len(data.cells):,} cells made in {time.process_time() - t0:.1f} s CPU")
    import highspy  # noqa: F401  (imported once, as in a running server)

    # As the stored read gives them (selectors.stored_arrays): columns, no Cell per cell.
    t0 = time.process_time()
    arrays = CellArrays.from_cells(data.cells)
    assert arrays is not None
    columns = dataclasses.replace(data, cells=arrays)
    print(f"the same as columns in {time.process_time() - t0:.1f} s CPU")
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
    t0 = time.process_time()
    memo.clear()
    report = tables.build(columns, 1, Filters())
    t1 = time.process_time()
    again = tables.build(columns, 1, Filters())
    t2 = time.process_time()
    if args.profile:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
    pub = report.publication
    assert pub is not None and again.hidden == report.hidden
    print(
        f"build afresh {t1 - t0:.2f} s CPU ({len(report.hidden)} hidden of {len(pub.keys)} "
        f"published cells, {len(pub._values)} unknowns); again, the protection kept "
        f"{t2 - t1:.2f} s CPU"
    )
    t3 = time.process_time()
    memo.clear()
    from_cells = tables.build(data, 1, Filters())
    t4 = time.process_time()
    print(f"build afresh over the cells (Cell objects, as before session 9) {t4 - t3:.2f} s CPU")
    assert from_cells.hidden == report.hidden
    assert repr(dataclasses.replace(from_cells, publication=None)) == repr(
        dataclasses.replace(report, publication=None)
    )
    # A diagnosis of evaluation_bench's figure (the publication on the national set from the
    # database, against its goal of 1 s): informational here, as its cells are synthetic.
    info = "informational (goal: evaluation_bench)"
    _results.record(
        f"the evaluator's publication afresh, {len(data.cells):,} synthetic cells, CPU",
        info, t1 - t0, "s", ok=True,
    )  # fmt: skip
    _results.record(
        f"the same again, the protection kept, {len(data.cells):,} cells, CPU",
        info, t2 - t1, "s", ok=True,
    )  # fmt: skip


if __name__ == "__main__":
    main()
