"""``spor sdq evaluate`` end to end: a real subprocess for the happy path, click's runner for
the options and the error cases (row and column named, exit code 1, nothing written)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from spor import sdq
from spor.evaluation import outcome, stats
from spor.sdq.cli import sdq as sdq_group

SPOR = Path(sys.executable).parent / "spor"
ITEMS = [f"sdq{n}" for n in range(1, 26)]
HEADER = ["child_id", "occasion", *ITEMS]


def answers(rng: np.random.Generator, level: float) -> list[str]:
    """25 answers; a higher level gives more difficulties."""
    return [str(int(min(2, max(0, round(rng.normal(level, 0.8)))))) for _ in ITEMS]


def rows(
    n: int = 30, seed: int = 1, words: tuple[str, str] = ("before", "after")
) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    out = []
    for c in range(n):
        out.append([f"barn{c}", words[0], *answers(rng, 1.4)])
        out.append([f"barn{c}", words[1], *answers(rng, 1.0)])
    return out


def write_csv(path: Path, body: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(body)
    return path


def totals(body: list[list[str]], form: str = "teacher-4-17") -> tuple[np.ndarray, np.ndarray]:
    """The pure engine on the same rows: before and after total per child, in file order."""
    a = np.array([[int(v) for v in r[2:27]] for r in body], dtype=np.int8)
    t = sdq.score(a, None, form=form)["total"].astype(float)
    occ = [sdq.OCCASIONS[r[1].lower()] for r in body]
    ids = [r[0] for r in body]
    b = {i: x for i, o, x in zip(ids, occ, t, strict=True) if o == "before"}
    f = {i: x for i, o, x in zip(ids, occ, t, strict=True) if o == "after"}
    keys = [k for k in b if k in f]
    return np.array([b[k] for k in keys]), np.array([f[k] for k in keys])


def run(*args: str) -> object:
    return CliRunner().invoke(sdq_group, ["evaluate", *args])


def test_subprocess_json_equals_the_pure_functions(tmp_path: Path) -> None:
    body = rows()
    inp = write_csv(tmp_path / "in.csv", body)
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [str(SPOR), "sdq", "evaluate", str(inp), "--form", "teacher-4-17", "-o", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    got = json.loads(out.read_text(encoding="utf-8"))
    before, after = totals(body)
    pc = stats.paired_change(before, after)
    adj = stats.change_beyond_regression(
        before, after, population_mean=6.6, population_sd=6.0, reliability=0.62
    )
    assert got["n_pairs"] == 30 and got["n_rows"] == 60
    assert got["before_mean"] == pytest.approx(pc.mean_before)
    assert got["after_mean"] == pytest.approx(pc.mean_after)
    assert got["change"] == {**got["change"], "mean": pytest.approx(pc.mean_change),
                             "ci_low": pytest.approx(pc.ci_low),
                             "ci_high": pytest.approx(pc.ci_high)}  # fmt: skip
    beyond = got["change_beyond_regression"]
    assert beyond["mean"] == pytest.approx(adj.beyond)
    assert (beyond["ci_low"], beyond["ci_high"]) == pytest.approx((adj.ci_low, adj.ci_high))
    assert beyond["expected_regression"] == pytest.approx(adj.expected_regression)
    rc = got["reliable_change"]
    assert (rc["reliability"], rc["sd"], rc["reliability_kind"]) == (0.62, 6.0, "retest")
    cats = stats.change_categories(
        sdq.change_category(before.astype(int), after.astype(int), informant="teacher")
    )
    assert rc["improved"] == cats["any_reliable_improvement"].k
    assert rc["deteriorated"] == cats["reliable_deterioration"].k
    assert rc["improved"] + rc["unchanged"] + rc["deteriorated"] == 30
    assert got["norm_set"] == "uk-3band@1"
    assert "before/after" in got["design"] and "regression to the mean" in got["design"]
    assert [r["reliability"] for r in got["sensitivity"]] == [0.62, 0.7, 0.8, 0.87]
    assert "Goodman" in got["sources"]["reliability"]
    # the teacher form's own sources, and what was searched for and not found
    assert "not the teacher form's total difficulties figure" in got["sources"]["reliability"]
    assert "PMC4830858" in got["sources"]["sd"] and "Searched" in got["sources"]["searched"]
    assert "1 par evalueret" not in proc.stderr and "30 par evalueret" in proc.stderr


def test_xlsx_danish_occasions_and_parameters(tmp_path: Path) -> None:
    body = rows(words=("før", "Efter"))
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    for r in body:
        ws.append([r[0], r[1], *[int(v) for v in r[2:]]])
    inp = tmp_path / "in.xlsx"
    wb.save(inp)
    res = run(str(inp), "--form", "teacher-4-17", "--reliability", "0.8",
              "--population-mean", "5.0", "--population-sd", "5.5")  # fmt: skip
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    before, after = totals(body)
    adj = stats.change_beyond_regression(
        before, after, population_mean=5.0, population_sd=5.5, reliability=0.8
    )
    assert got["change_beyond_regression"]["mean"] == pytest.approx(adj.beyond)
    assert got["reliable_change"]["reliability"] == 0.8
    assert got["reliable_change"]["sd"] == 5.5
    assert got["reliable_change"]["reliability_kind"] == "given"
    assert got["parameters"]["population_mean"] == 5.0


def test_the_output_equals_outcome_as_json(tmp_path: Path) -> None:
    body = rows(n=12, seed=4)
    inp = write_csv(tmp_path / "in.csv", body)
    res = run(str(inp), "--form", "teacher-4-17")
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    before, after = totals(body)
    want = outcome.evaluate_pairs(
        before, after, params=sdq.rci_details("teacher", "total", "uk-3band")
    ).as_json()
    assert {k: got[k] for k in want} == json.loads(json.dumps(want))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda b: b[3].__setitem__(7, "3"), "række 5, kolonne 'sdq6'"),
        (lambda b: b[2].__setitem__(1, "midt"), "række 4, kolonne 'occasion'"),
        (lambda b: b[4].__setitem__(0, ""), "række 6, kolonne 'child_id'"),
        (lambda b: b[2].__setitem__(0, "barn0"), "barnet 'barn0' har allerede"),
    ],
)
def test_bad_input_names_row_and_column_and_writes_nothing(tmp_path: Path, edit, message) -> None:  # type: ignore[no-untyped-def]
    body = rows(n=5)
    edit(body)
    inp = write_csv(tmp_path / "in.csv", body)
    out = tmp_path / "out.json"
    res = run(str(inp), "--form", "teacher-4-17", "-o", str(out))
    assert res.exit_code == 1
    assert message in res.output
    assert not out.exists()
    assert not list(tmp_path.glob(".spor-evaluate-*"))


def test_missing_columns_too_few_pairs_and_bad_options(tmp_path: Path) -> None:
    inp = write_csv(tmp_path / "in.csv", [r[1:] for r in rows(n=3)], header=HEADER[1:])
    res = run(str(inp), "--form", "teacher-4-17")
    assert res.exit_code == 1 and "mangler kolonnen 'child_id'" in res.output
    one = write_csv(tmp_path / "one.csv", rows(n=1))
    res = run(str(one), "--form", "teacher-4-17")
    assert res.exit_code == 1 and "mindst 2 børn" in res.output
    ok = write_csv(tmp_path / "ok.csv", rows(n=3))
    res = run(str(ok), "--form", "teacher-4-17", "--population-mean", "5")
    assert res.exit_code == 1 and "både --population-mean og --population-sd" in res.output
    res = run(str(ok), "--form", "teacher-4-17", "--reliability", "1.5")
    assert res.exit_code == 2
    res = run(str(ok), "--form", "teacher-4-17", "-o", str(tmp_path / "out.csv"))
    assert res.exit_code == 1 and ".json" in res.output
    # A form whose norm set gives no mean, SD and reliability: they must be passed.
    res = run(str(ok), "--form", "parent-2-4")
    assert res.exit_code == 1 and "--population-mean" in res.output
    res = run(str(ok), "--form", "parent-2-4", "--reliability", "0.6",
              "--population-mean", "7", "--population-sd", "5")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["reliable_change"]["reliability"] == 0.6
