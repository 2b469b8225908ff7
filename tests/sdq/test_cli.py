"""``spor sdq score`` end to end: a real subprocess, and click's runner for the error cases."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from spor.sdq.cli import sdq

SPOR = Path(sys.executable).parent / "spor"
ITEMS = [f"sdq{n}" for n in range(1, 26)]
IMPACT = ["ebddiff", "distres", "imphome", "impfrie", "impclas", "impleis"]
ROW_A = ["a", *[str((n - 1) % 3) for n in range(1, 26)], "1", "2", "2", "", "", ""]
ROW_B = ["b", *["2"] * 25, "0", "", "", "", "", ""]


def write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


EXPECTED_A = {"emotional": "5", "conduct": "7", "hyperactivity": "5", "peer": "5",
              "prosocial": "4", "total": "22", "externalising": "12", "internalising": "10",
              "impact": "2", "total_band": "abnormal", "hyperactivity_band": "normal",
              "norm_set": "uk-3band@1", "form": "parent-4-17"}  # fmt: skip


def test_subprocess_csv(tmp_path):
    inp = write_csv(tmp_path / "in.csv", ["id", *ITEMS, *IMPACT], [ROW_A, ROW_B])
    out = tmp_path / "out.csv"
    proc = subprocess.run(
        [str(SPOR), "sdq", "score", str(inp), "--form", "parent-4-17", "-o", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = read_csv(out)
    assert {k: rows[0][k] for k in EXPECTED_A} == EXPECTED_A
    assert rows[1]["impact"] == "0" and rows[1]["total"] == "30"
    assert rows[0]["externalising_band"] == ""  # no published bands


def test_subprocess_bad_value_writes_nothing(tmp_path):
    bad = [*ROW_B]
    bad[7] = "3"
    inp = write_csv(tmp_path / "in.csv", ["id", *ITEMS], [ROW_A[:26], bad[:26]])
    out = tmp_path / "out.csv"
    proc = subprocess.run(
        [str(SPOR), "sdq", "score", str(inp), "--form", "parent-4-17", "-o", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "række 3, kolonne 'sdq7': ugyldig værdi '3'" in proc.stderr
    assert not out.exists()


def run(args: list[str]):
    return CliRunner().invoke(sdq, args, catch_exceptions=False)


def test_value_x_and_several_errors(tmp_path):
    rows = [[*ROW_A[:26]], [*ROW_B[:26]]]
    rows[0][3] = "x"
    rows[1][25] = "1.5"
    inp = write_csv(tmp_path / "in.csv", ["id", *ITEMS], rows)
    out = tmp_path / "out.csv"
    res = run(["score", str(inp), "--form", "parent-4-17", "-o", str(out)])
    assert res.exit_code == 1
    assert "række 2, kolonne 'sdq3': ugyldig værdi 'x'" in res.output
    assert "række 3, kolonne 'sdq25': ugyldig værdi '1.5'" in res.output
    assert "2 ugyldige celler" in res.output
    assert not out.exists()


def test_missing_column(tmp_path):
    header = ["id", *ITEMS]
    header.remove("sdq12")
    inp = write_csv(tmp_path / "in.csv", header, [ROW_A[:25]])
    res = run(["score", str(inp), "--form", "parent-4-17"])
    assert res.exit_code == 1
    assert "mangler kolonnen 'sdq12' (eller psdq12, fights, pfights)" in res.output
    header = [*ITEMS]
    inp = write_csv(tmp_path / "noid.csv", header, [ROW_A[1:26]])
    assert "mangler kolonnen 'id'" in run(["score", str(inp), "--form", "parent-4-17"]).output


def test_partial_impact_columns_are_an_error(tmp_path):
    inp = write_csv(tmp_path / "in.csv", ["id", *ITEMS, "ebddiff"], [ROW_A[:27]])
    res = run(["score", str(inp), "--form", "parent-4-17"])
    assert res.exit_code == 1 and "mangler impact-kolonnen 'distres'" in res.output


def test_unknown_form_and_norms(tmp_path):
    inp = write_csv(tmp_path / "in.csv", ["id", *ITEMS], [ROW_A[:26]])
    res = CliRunner().invoke(sdq, ["score", str(inp), "--form", "parent-5-18"])
    assert res.exit_code == 2 and "ukendt skema 'parent-5-18'" in res.output
    res = CliRunner().invoke(sdq, ["score", str(inp), "--form", "parent-4-17", "--norms", "x"])
    assert res.exit_code == 2 and "ukendt normsæt 'x'" in res.output


def test_unreadable_files(tmp_path):
    res = run(["score", str(tmp_path / "nope.csv"), "--form", "parent-4-17"])
    assert res.exit_code == 1 and "findes ikke" in res.output
    fake = tmp_path / "fake.xlsx"
    fake.write_text("this is not a workbook", encoding="utf-8")
    res = run(["score", str(fake), "--form", "parent-4-17"])
    assert res.exit_code == 1 and "kan ikke læse" in res.output
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id;sdq1\nø;1\n".encode("latin-1"))
    res = run(["score", str(latin), "--form", "parent-4-17"])
    assert res.exit_code == 1 and "UTF-8" in res.output
    odd = tmp_path / "in.txt"
    odd.write_text("id\n", encoding="utf-8")
    assert "skal være .csv eller .xlsx" in run(["score", str(odd), "--form", "parent-4-17"]).output
    inp = write_csv(tmp_path / "in.csv", ["id", *ITEMS], [ROW_A[:26]])
    res = run(["score", str(inp), "--form", "parent-4-17", "-o", str(tmp_path / "o.json")])
    assert res.exit_code == 1 and not (tmp_path / "o.json").exists()


def test_xlsx_in_and_out_with_youthinmind_names(tmp_path):
    from spor.sdq import load_instrument

    inst = load_instrument("teacher-4-17")
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["ID", *[f"t{it.name}" for it in inst.items], "tebddiff", "tdistres", "timpfrie",
               "timpclas"])  # fmt: skip
    ws.append(["x1", *[(n - 1) % 3 for n in range(1, 26)], 2, 3, 3, None])
    ws.append(["x2", *[None] * 25, 0, None, None, None])
    inp = tmp_path / "in.xlsx"
    wb.save(inp)
    out = tmp_path / "out.xlsx"
    res = run(["score", str(inp), "--form", "teacher-4-17", "--norms", "uk-4band", "-o", str(out)])
    assert res.exit_code == 0, res.output
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    second = dict(zip(header, rows[2], strict=True))
    assert first["total"] == 22 and first["impact"] == 4 and first["impact_band"] == "very_high"
    assert first["norm_set"] == "uk-4band@1" and first["total_band"] == "very_high"
    assert second["total"] is None and second["total_band"] is None and second["impact"] == 0


def test_semicolon_csv_to_stdout_and_form_without_norms(tmp_path):
    inp = write_csv(tmp_path / "in.csv", ["id", *[f"tsdq{n}" for n in range(1, 26)]],
                    [ROW_A[:26]], delimiter=";")  # fmt: skip
    res = CliRunner().invoke(sdq, ["score", str(inp), "--form", "teacher-2-4"])
    assert res.exit_code == 0
    assert "intet normsæt til teacher-2-4" in res.output
    assert "a,teacher-2-4,,5,7,5,5,4,22,12,10," in res.output


@pytest.mark.parametrize("cmd", ["forms", "norms"])
def test_listings(cmd):
    res = run([cmd])
    assert res.exit_code == 0 and ("parent-4-17" in res.output or "uk-3band@1" in res.output)


def test_the_help_of_form_lists_the_shipped_forms():
    result = CliRunner().invoke(sdq, ["score", "--help"])
    assert result.exit_code == 0
    assert "parent-4-17" in result.output and "teacher-2-4" in result.output
