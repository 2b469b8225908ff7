"""``spor sdq score`` reads a file laid out as its help names it (the id, then only answer
columns) from each line's end backwards (``spor.sdq._stream._tail_parse``): the edges of that
reading give what the cell-by-cell path gives, byte for byte and error for error, and the
files it does not take (a lone ``\\r`` line end, an id that is not UTF-8, a separator too many
or too few) go to the cell-by-cell path, as do other layouts (the id not first)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from spor.sdq import _stream, load_instrument
from spor.sdq._stream import read_answers_csv
from spor.sdq.cli import sdq
from tests.sdq.test_table_fast import general

ITEMS = [f"sdq{n}" for n in range(1, 26)]
IMPACT = ["ebddiff", "distres", "imphome", "impfrie", "impclas", "impleis"]
HEAD = ",".join(["id", *ITEMS, *IMPACT])


def row(ident: str, k: int, blanks: tuple[int, ...] = ()) -> str:
    values = [str((k + q) % 3) for q in range(25)] + [str((k + q) % 4) for q in range(6)]
    return ",".join([ident, *("" if q in blanks else v for q, v in enumerate(values))])


ROWS = [row("a", 0), row("b", 1, (0, 30)), row("c", 2, tuple(range(31))), row("d", 3, (30,))]

# name → (file bytes, whether the block-by-block path reads it)
CASES: dict[str, tuple[bytes, bool]] = {
    # the first line's id empty and its first answer blank: the line starts the piece
    "empty id, first answer blank": (
        "\n".join([HEAD, row("", 0, (0,)), *ROWS]).encode() + b"\n",
        True,
    ),
    "every answer blank but not the id": (
        "\n".join([HEAD, row("x", 0, tuple(range(31)))]).encode() + b"\n",
        True,
    ),
    "ids of any UTF-8": (
        "\n".join([HEAD, row("æøå ü", 0), row("日本", 1), *ROWS]).encode() + b"\n",
        True,
    ),
    "tabs": ("\n".join([HEAD, *ROWS]).replace(",", "\t").encode() + b"\n", True),
    "an id of spaces and blank answers inside": (
        "\n".join([HEAD, ROWS[0], "  " + "," * 31, ROWS[1]]).encode() + b"\n",
        True,
    ),
    "the id last": (
        "\n".join(
            [
                ",".join([*ITEMS, *IMPACT, "id"]),
                *(r.split(",", 1)[1] + "," + r.split(",")[0] for r in ROWS),
            ]
        ).encode()
        + b"\n",
        True,
    ),
    "a lone CR line end": (
        ("\n".join([HEAD, ROWS[0]]) + "\r" + "\n".join(ROWS[1:])).encode() + b"\n",
        False,
    ),
    "an id not UTF-8": (
        "\n".join([HEAD, *ROWS]).encode() + b"\n" + b"\xff" + row("", 0).encode() + b"\n",
        False,
    ),
    "a short first line": (
        "\n".join([HEAD, ROWS[0].rsplit(",", 1)[0], *ROWS[1:]]).encode() + b"\n",
        False,
    ),
    "a short line and a long one": (
        "\n".join([HEAD, ROWS[0].rsplit(",", 1)[0], ROWS[1] + ",1", *ROWS[2:]]).encode() + b"\n",
        False,
    ),
    "a two-digit cell in a short line": (
        "\n".join([HEAD, ROWS[0].rsplit(",", 2)[0] + ",12", *ROWS[1:]]).encode() + b"\n",
        False,
    ),
    # the first line one cell short, starting with its separator (an empty id): stepping back
    # over its start must fail; the long line after it makes the separators add up
    "a short first line, empty id, and a long one": (
        "\n".join([HEAD, "," + ROWS[0].split(",", 2)[2], ROWS[1] + ",1", *ROWS[2:]]).encode()
        + b"\n",
        False,
    ),
    "an empty line first": ("\n".join([HEAD, "", *ROWS]).encode() + b"\n", False),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("block", [300, 1 << 20])
def test_the_command_gives_what_the_cell_by_cell_path_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, block: int
) -> None:
    monkeypatch.setattr(_stream, "BLOCK_BYTES", block)
    data, fast = CASES[name]
    inp = tmp_path / "in.csv"
    inp.write_bytes(data)
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


def test_the_layout_the_help_names_is_read_from_the_lines_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The common file goes through the backward reading, not PyArrow's reader."""
    inp = tmp_path / "in.csv"
    inp.write_bytes("\n".join([HEAD, *ROWS]).encode() + b"\n")

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("read by PyArrow's reader")

    monkeypatch.setattr(_stream, "parse_chunk", refused)
    parsed = read_answers_csv(load_instrument("parent-4-17"), inp)
    assert parsed is not None
    assert parsed.ids.to_pylist() == ["a", "b", "c", "d"]
    assert parsed.answers[1].tolist()[:2] == [-1, 2] and parsed.impact is not None
    assert parsed.impact[3].tolist() == [3, 0, 1, 2, 3, -1]
