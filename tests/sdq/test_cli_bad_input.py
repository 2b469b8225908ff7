"""``spor sdq score`` with the files people really have (issue 19: the CLI is the path a
user takes): empty, repeated columns, a value out of range, Danish norms without sex and age,
an output folder that is not there. Each says what to fix and writes nothing."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner, Result

from spor.sdq.cli import sdq

ITEMS = [f"sdq{n}" for n in range(1, 26)]
ONES = ["1"] * 25


def write(path: Path, header: list[str], rows: list[list[str]]) -> str:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def score(*args: str) -> Result:
    return CliRunner().invoke(sdq, ["score", *args, "--form", "parent-4-17"])


def test_an_empty_file_and_a_repeated_column_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "tom.csv"
    empty.write_bytes(b"")
    res = score(str(empty))
    assert res.exit_code == 1 and "er tom eller har ingen overskriftsrække" in res.output
    twice = write(tmp_path / "to.csv", ["id", "id", *ITEMS], [["1", "2", *ONES]])
    res = score(twice)
    assert res.exit_code == 1 and "kolonnen 'id' findes flere gange" in res.output


def test_a_value_out_of_range_names_row_and_column_and_writes_nothing(tmp_path: Path) -> None:
    rows = [["a", *ONES], ["b", "-1", *ONES[1:]], ["c", *ONES[:-1], "2,0"]]
    inp = write(tmp_path / "ind.csv", ["id", *ITEMS], rows)
    out = tmp_path / "ud.csv"
    res = score(inp, "-o", str(out))
    assert res.exit_code == 1, res.output
    assert "2 ugyldige celler; intet er skrevet" in res.output
    assert "række 3, kolonne 'sdq1': ugyldig værdi '-1'" in res.output
    assert "række 4, kolonne 'sdq25'" in res.output
    assert not out.exists() and not list(tmp_path.glob(".spor-sdq-*"))


def test_danish_norms_need_sex_and_age_and_a_known_sex(tmp_path: Path) -> None:
    norms = ["--norms", "dk-parent-5-7-secondary"]
    plain = write(tmp_path / "uden.csv", ["id", *ITEMS], [["1", *ONES]])
    res = score(plain, *norms)
    assert res.exit_code == 1 and "skal have kolonnerne 'sex' (eller 'køn')" in res.output
    odd = write(tmp_path / "koen.csv", ["id", "køn", "alder", *ITEMS], [["1", "x", "6", *ONES]])
    res = score(odd, *norms)
    assert res.exit_code == 1 and "kolonne 'køn': ugyldigt køn 'x'" in res.output


def test_an_output_folder_that_is_not_there_is_named(tmp_path: Path) -> None:
    inp = write(tmp_path / "ind.csv", ["id", *ITEMS], [["1", *ONES]])
    res = score(inp, "-o", str(tmp_path / "mangler" / "ud.xlsx"))
    assert res.exit_code == 1 and "findes ikke" in res.output
    assert not (tmp_path / "mangler").exists()


def test_a_header_without_rows_gives_a_header_without_rows(tmp_path: Path) -> None:
    inp = write(tmp_path / "ind.csv", ["id", *ITEMS], [])
    res = score(inp)
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0].startswith("id,form,norm_set,emotional")
    assert len(res.output.splitlines()) == 1


def test_an_id_that_a_spreadsheet_would_run_as_a_formula_stays_text(tmp_path: Path) -> None:
    # The same guard as every export (spor.cells): a leading ' in CSV and in XLSX alike.
    import openpyxl

    ids = ['=HYPERLINK("http://x";"klik")', "+1", "-2", "@SUM(A1)", "\tx", "barn-7"]
    source = write(tmp_path / "ind.csv", ["id", *ITEMS], [[i, *ONES] for i in ids])
    out = tmp_path / "ud.csv"
    assert score(source, "-o", str(out)).exit_code == 0
    with out.open(encoding="utf-8", newline="") as fh:
        written = [row[0] for row in csv.reader(fh)][1:]
    assert written == ["'" + i for i in ids[:-1]] + ["barn-7"]
    book = tmp_path / "ud.xlsx"
    assert score(source, "-o", str(book)).exit_code == 0
    sheet = openpyxl.load_workbook(book).active
    assert sheet is not None
    cells = [sheet.cell(row=r, column=1) for r in range(2, len(ids) + 2)]
    assert [c.value for c in cells] == written
    assert all(c.data_type == "s" for c in cells)  # text, never a formula
