"""``spor sdq score`` reads, scores and writes the common CSV file block by block
(``spor.sdq._stream``): with blocks of a few hundred bytes, rows straddle blocks, blank rows sit
at block ends and ids to guard come late, and the command still writes what the cell-by-cell
path writes, byte for byte; a bad cell in a late block fails the whole command, names its row
and column and writes nothing (not even part of the file, on stdout or over an old output)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from spor.sdq import SDQError, _stream, load_instrument
from spor.sdq._stream import read_answers_csv
from spor.sdq._table import read_table, score_table, write_table
from spor.sdq.cli import sdq

ITEMS = [f"sdq{n}" for n in range(1, 26)]
IMPACT = ["ebddiff", "distres", "imphome", "impfrie", "impclas", "impleis"]
HEAD = ",".join(["id", *ITEMS, *IMPACT])
BLOCK = 300  # bytes: a row is about 70, so every few rows start a new block


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_stream, "BLOCK_BYTES", BLOCK)


def row(i: int, ident: str | None = None, **cells: str) -> str:
    """Row ``i``: answers varying with ``i`` (some blank); ``sdq2="01"`` puts a cell's text."""
    values = [str((i * 7 + q) % 3) for q in range(25)] + [str((i + q) % 4) for q in range(6)]
    values = ["" if (i + q) % 11 == 0 else v for q, v in enumerate(values)]
    for key, text in cells.items():
        values[[*ITEMS, *IMPACT].index(key)] = text
    return ",".join([f"c{i}" if ident is None else ident, *values])


def many(n: int = 200) -> list[str]:
    return [row(i) for i in range(n)]


def general(path: Path, out: Path, norms: str | None = None) -> str:
    """What the cell-by-cell path writes, or its error."""
    try:
        inst = load_instrument("parent-4-17")
        header, scored, n, _ = score_table(inst, read_table(path), norms)
        write_table(out, header, scored, n)
    except SDQError as exc:
        return f"error: {exc}"
    return out.read_text(encoding="utf-8")


def score_cli(inp: Path, out: Path | None, *extra: str) -> tuple[int, str]:
    args = ["score", str(inp), "--form", "parent-4-17", *extra]
    if out is not None:
        args += ["-o", str(out)]
    res = CliRunner().invoke(sdq, args)
    return res.exit_code, res.output


def blocks_of(inp: Path) -> int:
    lay = _stream.layout(load_instrument("parent-4-17"), inp)
    assert lay is not None
    return sum(1 for _ in _stream.blocks(lay))


FILES: dict[str, list[str]] = {
    "many blocks": many(),
    # blank rows inside the file (kept) where a block ends, and ids a spreadsheet would run
    "blank rows inside": [*many(40), "," * 31, "," * 31, " " + "," * 31, *many(40)],
    "late formulas": [*many(150), row(150, "=1+1"), row(151, "+45"), row(152, "@x"), row(153, "-")],
    # trailing blank rows over several blocks are dropped, as the cell-by-cell path does
    "trailing blank rows": [*many(30), *["," * 31] * 20],
    "one row": many(1),
    # a line longer than a block: its piece of the file grows until the line ends
    "a line longer than a block": [*many(40), row(40, "x" * 1000), *many(40)],
}


@pytest.mark.parametrize("name", list(FILES))
@pytest.mark.parametrize("norms", [None, "uk-4band"])
def test_block_by_block_gives_what_the_cell_by_cell_path_gives(
    tmp_path: Path, name: str, norms: str | None
) -> None:
    inp = tmp_path / "in.csv"
    inp.write_text("\n".join([HEAD, *FILES[name]]) + "\n", encoding="utf-8")
    inst = load_instrument("parent-4-17")
    assert read_answers_csv(inst, inp) is not None  # the block-by-block path takes it
    want = general(inp, tmp_path / "want.csv", norms)
    assert not want.startswith("error")
    extra = [] if norms is None else ["--norms", norms]
    out = tmp_path / "out.csv"
    code, output = score_cli(inp, out, *extra)
    assert code == 0, output
    assert out.read_text(encoding="utf-8") == want
    code, output = score_cli(inp, None, *extra)  # stdout: the same text
    assert code == 0 and output == want


def test_a_big_file_is_read_in_many_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inp = tmp_path / "in.csv"
    inp.write_text("\n".join([HEAD, *many()]), encoding="utf-8")  # no final newline
    assert blocks_of(inp) > 20
    want = general(inp, tmp_path / "want.csv")
    out = tmp_path / "out.csv"

    def cell_by_cell(*args: object, **kwargs: object) -> None:
        raise AssertionError("the command read the file cell by cell")

    monkeypatch.setattr("spor.sdq.cli.score_file", cell_by_cell)
    assert score_cli(inp, out)[0] == 0
    assert out.read_text(encoding="utf-8") == want
    assert want.count("\n") == 201


# name → (the late row, what the error names); each in row 181 of 200 (the header is row 1)
BAD: dict[str, tuple[str, str]] = {
    "out of range": (row(179, sdq9="3"), "række 181, kolonne 'sdq9': ugyldig værdi '3'"),
    "impact out of range": (row(179, distres="4"), "række 181, kolonne 'distres'"),
    "leading zero": (row(179, sdq2="01"), "række 181, kolonne 'sdq2': ugyldig værdi '01'"),
    "minus one": (row(179, sdq25="-1"), "række 181, kolonne 'sdq25': ugyldig værdi '-1'"),
    "spaced": (row(179, sdq3=" 1 x"), "række 181, kolonne 'sdq3': ugyldig værdi ' 1 x'"),
    "letter": (row(179, sdq1="x"), "række 181, kolonne 'sdq1': ugyldig værdi 'x'"),
    "too big for int8": (row(179, sdq4="300"), "række 181, kolonne 'sdq4': ugyldig værdi '300'"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_cell_in_a_late_block_fails_the_command_and_writes_nothing(
    tmp_path: Path, name: str
) -> None:
    bad, named = BAD[name]
    rows = many()
    inp = tmp_path / "in.csv"
    inp.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    assert blocks_of(inp) > 20  # so row 181 is in a late block
    rows[179] = bad
    inp.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    out.write_text("old\n", encoding="utf-8")
    code, output = score_cli(inp, out)
    assert code == 1
    assert named in output
    assert "intet er skrevet" in output
    assert out.read_text(encoding="utf-8") == "old\n"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]  # no temporary
    code, output = score_cli(inp, None)  # stdout: the error and no CSV text
    assert code == 1 and named in output and "c0," not in output


@pytest.mark.parametrize(
    "late",
    [
        row(170, '"c,170"'),  # the csv module reads one quoted id
        row(170, 'say "hi"'),  # a quote inside an id: the csv module keeps it
        row(170, sdq4='"1"'),  # a quoted answer: the csv module reads 1
    ],
)
def test_a_quote_in_a_late_block_is_read_as_the_csv_module_reads_it(
    tmp_path: Path, late: str
) -> None:
    rows = many()
    rows[170] = late
    inp = tmp_path / "in.csv"
    inp.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    assert read_answers_csv(load_instrument("parent-4-17"), inp) is None
    want = general(inp, tmp_path / "want.csv")
    out = tmp_path / "out.csv"
    code, output = score_cli(inp, out)
    if want.startswith("error: "):
        assert code == 1 and not out.exists() and want.removeprefix("error: ") in output
    else:
        assert code == 0, output
        assert out.read_text(encoding="utf-8") == want


def test_a_two_byte_answer_next_to_a_blank_one_is_refused(tmp_path: Path) -> None:
    """``10`` and a blank cell take as many bytes as two one-digit cells: still refused."""
    rows = many()
    rows[179] = row(179, sdq5="10")
    rows[180] = row(180, sdq5="")
    inp = tmp_path / "in.csv"
    inp.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    code, output = score_cli(inp, out)
    assert code == 1 and not out.exists()
    assert "række 181, kolonne 'sdq5': ugyldig værdi '10'" in output
    assert "1 ugyldige celler" in output


def test_a_ragged_row_or_bad_sex_in_a_late_block_is_named(tmp_path: Path) -> None:
    inp = tmp_path / "in.csv"
    rows = [r + f",{'fm'[i % 2]},{7 + i % 9}" for i, r in enumerate(many())]
    rows[150] = rows[150].rsplit(",", 2)[0] + ",x,7"
    inp.write_text("\n".join([HEAD + ",sex,age", *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    code, output = score_cli(inp, out)
    assert code == 1 and not out.exists()
    assert "række 152, kolonne 'sex': ugyldigt køn 'x'" in output
    rows = many()
    rows[170] += ",9"
    inp.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    want = general(inp, tmp_path / "want.csv")  # the cell-by-cell path's verdict on it
    code, output = score_cli(inp, out)
    if want.startswith("error: "):
        assert code == 1 and not out.exists()
        assert want.removeprefix("error: ") in output
    else:
        assert code == 0 and out.read_text(encoding="utf-8") == want


def test_a_file_with_old_mac_line_ends_is_scored_like_the_same_file_with_newlines(
    tmp_path: Path,
) -> None:
    # Only "\r" between the lines: the header line is then the whole file, which the
    # header's own reading refused with a traceback; the cell-by-cell path reads it.
    lines = [HEAD, *many(30)]
    unix, mac = tmp_path / "unix.csv", tmp_path / "mac.csv"
    unix.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mac.write_bytes(("\r".join(lines) + "\r").encode("utf-8"))
    assert score_cli(mac, None) == score_cli(unix, None)
    assert score_cli(mac, None)[1].count("\n") == 31
    bad = [HEAD, *many(10), row(10, sdq9="3")]
    mac.write_bytes("\r".join(bad).encode("utf-8"))
    code, output = score_cli(mac, tmp_path / "out.csv")
    assert code == 1
    assert "række 12, kolonne 'sdq9': ugyldig værdi '3'" in output
    assert "Traceback" not in output
    assert not (tmp_path / "out.csv").exists()
