"""The column-wise CSV path of ``spor sdq score``: the same cells, errors and output text as the
csv module gives, for odd but valid cells, ids that need quoting, ragged rows and bad values."""

from __future__ import annotations

import csv
import importlib.util
import io
from pathlib import Path

from click.testing import CliRunner

from spor.sdq import load_instrument
from spor.sdq._table import read_table, score_table, write_table
from spor.sdq.cli import sdq

ITEMS = [f"sdq{n}" for n in range(1, 26)]
IMPACT = ["ebddiff", "distres", "imphome", "impfrie", "impclas", "impleis"]
ANSWERS = [str((n - 1) % 3) for n in range(1, 26)]  # total 22, as in test_cli
BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "sdq_cli_bench.py"


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def score_cli(inp: Path, out: Path, *extra: str) -> tuple[int, str]:
    res = CliRunner().invoke(
        sdq, ["score", str(inp), "--form", "parent-4-17", "-o", str(out), *extra]
    )
    return res.exit_code, res.output


def test_ids_that_need_quoting_come_back_unchanged(tmp_path: Path) -> None:
    ids = ["plain", "a,b", 'say "hi"', "two\nlines", " spaced ", "æøå", ""]
    inp = write(tmp_path / "in.csv", ["id", *ITEMS], [[i, *ANSWERS] for i in ids])
    out = tmp_path / "out.csv"
    code, output = score_cli(inp, out)
    assert code == 0, output
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ids
    assert {r["total"] for r in rows} == {"22"}


def test_the_text_is_what_the_csv_module_writes_for_the_same_rows(tmp_path: Path) -> None:
    rows = [
        ["x,1", *ANSWERS, "1", "2", "2", "", "", ""],
        ['y"', *["2"] * 25, "0", *[""] * 5],
        ["z", *[""] * 25, *[""] * 6],
        ["w", *["1"] * 3, *[""] * 22, "1", "3", "3", "3", "3", "3"],
    ]
    inp = write(tmp_path / "in.csv", ["id", *ITEMS, *IMPACT], rows)
    inst = load_instrument("parent-4-17")
    for norms in ("uk-3band", "uk-4band"):
        table = read_table(inp)
        header, scored, n, _ = score_table(inst, table, norms)
        text = io.StringIO()
        write_table(None, header, scored, n, stdout=text)
        expected = io.StringIO()
        w = csv.writer(expected, lineterminator="\n")
        w.writerow(header)
        w.writerows([["" if v is None else v for v in r] for r in scored])
        assert text.getvalue() == expected.getvalue()
        assert text.getvalue().count("\n") == 5
        # Built in pieces (on two threads for a big file), the text is the same.
        pieces = list(scored.csv_chunks(rows=3))
        assert len(pieces) == 3  # the header and two pieces of rows
        assert b"".join(pieces).decode("utf-8") == expected.getvalue()
        out = tmp_path / f"{norms}.csv"
        write_table(out, header, scored, n)
        assert out.read_text(encoding="utf-8") == expected.getvalue()


def test_odd_but_valid_cells_are_read_as_before(tmp_path: Path) -> None:
    odd = [" 0", "1.0", "2.0 ", *ANSWERS[3:]]
    inp = write(tmp_path / "in.csv", ["id", *ITEMS], [["a", *ANSWERS], ["b", *odd]])
    out = tmp_path / "out.csv"
    code, output = score_cli(inp, out)
    assert code == 0, output
    with out.open(encoding="utf-8", newline="") as fh:
        totals = [r["total"] for r in csv.DictReader(fh)]
    assert totals == ["22", "22"]


def test_ragged_and_blank_rows_keep_their_spreadsheet_row_numbers(tmp_path: Path) -> None:
    inp = tmp_path / "in.csv"
    lines = [
        ",".join(["id", *ITEMS]),
        ",".join(["a", *ANSWERS]),
        "",
        ",".join(["b", "1", "2"]),
        ",".join(["c", *ANSWERS[:4], "7", *ANSWERS[5:]]),
        ",".join(["d", *ANSWERS]),
        "",
        "",
    ]
    inp.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "out.csv"
    code, output = score_cli(inp, out)
    assert code == 1
    assert "række 5, kolonne 'sdq5': ugyldig værdi '7'" in output
    assert "1 ugyldige celler" in output and not out.exists()
    lines[4] = ",".join(["c", *ANSWERS])
    inp.write_text("\n".join(lines), encoding="utf-8")
    code, output = score_cli(inp, out)
    assert code == 0, output
    with out.open(encoding="utf-8", newline="") as fh:
        got = [(r["id"], r["total"]) for r in csv.DictReader(fh)]
    assert got == [("a", "22"), ("", ""), ("b", ""), ("c", "22"), ("d", "22")]


def test_bad_cells_in_many_columns_are_all_named_and_nothing_is_written(tmp_path: Path) -> None:
    rows = [[str(i), *ANSWERS] for i in range(40)]
    rows[0][1] = "x"
    rows[39][25] = "-1"
    rows[10][12] = "+1"
    inp = write(tmp_path / "in.csv", ["id", *ITEMS], rows)
    out = tmp_path / "out.csv"
    code, output = score_cli(inp, out)
    assert code == 1 and not out.exists()
    assert "3 ugyldige celler" in output
    assert "række 2, kolonne 'sdq1': ugyldig værdi 'x'" in output
    assert "række 12, kolonne 'sdq12': ugyldig værdi '+1'" in output
    assert "række 41, kolonne 'sdq25': ugyldig værdi '-1'" in output


def test_sex_and_age_errors_name_the_row(tmp_path: Path) -> None:
    rows = [["a", *ANSWERS, "pige", "6"], ["b", *ANSWERS, "x", "7,5"], ["c", *ANSWERS, "m", "år"]]
    inp = write(tmp_path / "in.csv", ["id", *ITEMS, "køn", "alder"], rows)
    out = tmp_path / "out.csv"
    code, output = score_cli(inp, out, "--norms", "dk-parent-5-7-secondary")
    assert code == 1 and not out.exists()
    assert "række 3, kolonne 'køn': ugyldigt køn 'x'" in output
    assert "række 4, kolonne 'alder': ugyldig alder 'år'" in output


def test_cli_benchmark_runs_small() -> None:
    spec = importlib.util.spec_from_file_location("sdq_cli_bench", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    r = mod.run(n=2_000, repeats=1, warm_up=False)  # also checks the totals against the engine
    assert r["n"] == 2_000 and r["cli_s"] > 0 and r["reader_s"] > 0
