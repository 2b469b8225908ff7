"""``spor sdq score`` writes, byte for byte, what the csv module writes for the scored rows one
by one (``Scored.__iter__``, the row-by-row writer the column-wise text replaced), on varied
files: blank answers and blank impact, ids a spreadsheet would run as a formula, ids that need
quotes (which send the file down the cell-by-cell path), sex and age, several forms and every
norms option (the form's, each UK set, the stratified Danish set, none), to a file and to
stdout. The scores in those rows come from the engine's tables, which
``test_engine_tables.py`` checks against the plain rules."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from spor.sdq import load_instrument
from spor.sdq._stream import read_answers_csv
from spor.sdq._table import read_table, score_table
from spor.sdq.cli import sdq

PLAIN_IDS = ["a1", "", "æøå", "=1+1", "+45", "-x", "@sum", "\tx", "b 2", "'q"]
QUOTED_IDS = ["a,b", 'say "hi"', "two\nlines", '=1,"2"']


def varied_file(path: Path, form: str, n: int, *, quoted: bool, seed: int) -> None:
    inst = load_instrument(form)
    spec = inst.impact
    assert spec is not None
    rng = np.random.default_rng(seed)
    m = len(inst.response_codes)
    answers = rng.integers(0, m, size=(n, len(inst.item_keys))).astype(str).astype(object)
    answers[rng.random(answers.shape) < 0.15] = ""
    answers[rng.random(n) < 0.05] = ""  # whole rows of items blank
    widths = [len(spec.overall.codes), *(len(i.codes) for i in spec.items)]
    impact = np.stack([rng.integers(0, w, size=n) for w in widths], axis=1).astype(str)
    impact = impact.astype(object)
    impact[rng.random(impact.shape) < 0.2] = ""
    ids = [PLAIN_IDS[i % len(PLAIN_IDS)] + (str(i) if i % 3 else "") for i in range(n)]
    if quoted:
        ids[n // 2 : n // 2 + len(QUOTED_IDS)] = QUOTED_IDS
    sexes = rng.choice(["f", "m", "pige", "dreng", ""], size=n)
    ages = rng.choice(["5", "6", "7", "6,5" if quoted else "6.5", ""], size=n)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", *inst.item_keys, *spec.columns, "sex", "age"])
        for i in range(n):
            w.writerow([ids[i], *answers[i], *impact[i], sexes[i], ages[i]])


def row_by_row(form: str, path: Path, norms: str | None) -> str:
    """The csv module's text of the scored rows, one row at a time."""
    header, scored, _, _ = score_table(load_instrument(form), read_table(path), norms)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in scored:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue()


@pytest.mark.parametrize(
    ("form", "norms"),
    [
        ("parent-4-17", None),
        ("parent-4-17", "uk-4band"),
        ("parent-4-17", "dk-parent-5-7-secondary"),
        ("teacher-4-17", "uk-3band"),
        ("self-11-17-followup", None),
        ("teacher-2-4", None),  # no norm set: no band columns
    ],
)
@pytest.mark.parametrize("quoted", [False, True])
def test_the_command_writes_what_the_csv_module_writes_row_by_row(
    tmp_path: Path, form: str, norms: str | None, quoted: bool
) -> None:
    inp = tmp_path / "in.csv"
    varied_file(inp, form, 3_000, quoted=quoted, seed=len(form) + quoted)
    # the plain file goes block by block, the one with quotes cell by cell
    assert (read_answers_csv(load_instrument(form), inp) is None) == quoted
    want = row_by_row(form, inp, norms)
    assert "'=1+1" in want and ",," in want
    extra = [] if norms is None else ["--norms", norms]
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(sdq, ["score", str(inp), "--form", form, "-o", str(out), *extra])
    assert res.exit_code == 0, res.output
    assert out.read_bytes() == want.encode("utf-8")
    res = CliRunner().invoke(sdq, ["score", str(inp), "--form", form, *extra])
    assert res.exit_code == 0
    assert res.stdout_bytes == want.encode("utf-8")
