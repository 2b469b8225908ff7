"""``spor sdq score``'s fast CSV path (answer columns read straight into int8 by PyArrow) gives
what the cell-by-cell path gives, byte for byte and error for error, and a cell the fast reader
would take but the rules refuse (``01``, ``-1``) is still refused with its row and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from spor.sdq import SDQError, load_instrument
from spor.sdq._stream import read_answers_csv
from spor.sdq._table import read_table, score_table, write_table
from spor.sdq.cli import sdq

ITEMS = [f"sdq{n}" for n in range(1, 26)]
IMPACT = ["ebddiff", "distres", "imphome", "impfrie", "impclas", "impleis"]
HEAD = ",".join(["id", *ITEMS, *IMPACT])


def row(ident: str, k: int, blanks: tuple[int, ...] = (), **cells: str) -> str:
    """A row of answers, blank at ``blanks``; ``sdq2="01"`` puts a cell's text."""
    values = [str((k + q) % 3) for q in range(25)] + [str((k + q) % 4) for q in range(6)]
    values = ["" if q in blanks else c for q, c in enumerate(values)]
    for key, text in cells.items():
        values[[*ITEMS, *IMPACT].index(key)] = text
    return ",".join([ident, *values])


PLAIN = [row("a", 0), row("b", 1, (0, 5, 30)), row("æøå c", 2, tuple(range(25))), row("", 3)]

# name → (file text, whether the fast path reads it)
CASES: dict[str, tuple[str, bool]] = {
    "plain": ("\n".join([HEAD, *PLAIN]) + "\n", True),
    "no final newline": ("\n".join([HEAD, *PLAIN]), True),
    "trailing blank rows": ("\n".join([HEAD, *PLAIN, "," * 31, " " + "," * 31]) + "\n", True),
    "BOM": ("\ufeff" + "\n".join([HEAD, *PLAIN]) + "\n", True),
    "semicolons": ("\n".join([HEAD, *PLAIN]).replace(",", ";") + "\n", True),
    "text columns": (
        "\n".join(
            [
                HEAD + ",note,sex,age",
                *(r + f",n {i},{'fm'[i % 2]},{6 + i}" for i, r in enumerate(PLAIN)),
            ]
        )
        + "\n",
        True,
    ),
    "CRLF": ("\r\n".join([HEAD, *PLAIN]) + "\r\n", False),
    "spaced cell": ("\n".join([HEAD, PLAIN[0], row("b", 1, sdq3=" 1")]) + "\n", False),
    "1.0 cell": ("\n".join([HEAD, row("a", 0, impleis="2.0")]) + "\n", False),
    "leading zero": ("\n".join([HEAD, PLAIN[0], row("b", 1, sdq2="01")]) + "\n", False),
    "minus one": ("\n".join([HEAD, row("a", 0, sdq25="-1")]) + "\n", False),
    "out of range": ("\n".join([HEAD, PLAIN[0], row("b", 1, sdq9="3")]) + "\n", False),
    "impact out of range": ("\n".join([HEAD, row("a", 0, distres="4")]) + "\n", False),
    "letter": ("\n".join([HEAD, row("a", 0, sdq1="x")]) + "\n", False),
    "quoted id": ("\n".join([HEAD, PLAIN[0], '"b,c"' + PLAIN[1][1:]]) + "\n", False),
    "short row": ("\n".join([HEAD, PLAIN[0], "b,1,2"]) + "\n", False),
    "long row": ("\n".join([HEAD, PLAIN[0], PLAIN[1] + ",9"]) + "\n", False),
    "blank line": ("\n".join([HEAD, PLAIN[0], "", PLAIN[1]]) + "\n", False),
    "bad sex": ("\n".join([HEAD + ",sex,age", PLAIN[0] + ",x,7"]) + "\n", False),
    "header only": (HEAD + "\n", False),
}


def general(path: Path, out: Path) -> str:
    """What the cell-by-cell path (the csv-module-checked one) writes, or its error."""
    try:
        header, scored, n, _ = score_table(load_instrument("parent-4-17"), read_table(path), None)
        write_table(out, header, scored, n)
    except SDQError as exc:
        return f"error: {exc}"
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(CASES))
def test_the_command_gives_what_the_cell_by_cell_path_gives(tmp_path: Path, name: str) -> None:
    text, fast = CASES[name]
    inp = tmp_path / "in.csv"
    inp.write_bytes(text.encode("utf-8"))
    inst = load_instrument("parent-4-17")
    assert (read_answers_csv(inst, inp) is not None) == fast
    want = general(inp, tmp_path / "want.csv")
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(sdq, ["score", str(inp), "--form", "parent-4-17", "-o", str(out)])
    if want.startswith("error: "):
        assert res.exit_code == 1 and not out.exists()
        assert f"Fejl / error: {want.removeprefix('error: ')}" in res.output
    else:
        assert res.exit_code == 0, res.output
        assert out.read_text(encoding="utf-8") == want


def test_cells_the_reader_would_take_as_numbers_are_still_refused(tmp_path: Path) -> None:
    inp = tmp_path / "in.csv"
    lines = [HEAD, PLAIN[0], row("b", 1, sdq2="01"), row("c", 2, sdq1="-1", sdq7="1")]
    inp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(sdq, ["score", str(inp), "--form", "parent-4-17", "-o", str(out)])
    assert res.exit_code == 1 and not out.exists()
    assert "2 ugyldige celler" in res.output
    assert "række 3, kolonne 'sdq2': ugyldig værdi '01'" in res.output
    assert "række 4, kolonne 'sdq1': ugyldig værdi '-1'" in res.output
