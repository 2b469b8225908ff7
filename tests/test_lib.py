"""spor.lib, the shared small pieces (issue 19): their docstring examples run, and the
append-only base refuses a change and a deletion on each log that uses it."""

from __future__ import annotations

import csv
import doctest

import pytest

from spor import cells
from spor.audit.models import AccessLogEntry
from spor.cases.models import CaseEvent
from spor.concerns.models import ConcernEvent
from spor.lib import danish, ids, redact, spreadsheets, svg, tables


@pytest.mark.parametrize(
    "module", [cells, danish, ids, redact, svg, tables], ids=lambda m: m.__name__
)
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("model", "error", "noun"),
    [
        (AccessLogEntry, PermissionError, "Adgangsloggen"),
        (CaseEvent, ValueError, "Tidslinjen"),
        (ConcernEvent, ValueError, "Opfølgningsloggen"),
    ],
)
def test_an_append_only_row_is_neither_changed_nor_deleted(
    model: type, error: type[Exception], noun: str
) -> None:
    """No database needed: a saved row (pk set, not adding) is refused before any query."""
    row = model(pk=7)
    row._state.adding = False
    with pytest.raises(error, match=f"{noun} kan kun tilføjes, ikke ændres"):
        row.save()
    with pytest.raises(error, match=f"{noun} kan kun tilføjes, ikke slettes"):
        row.delete()


@pytest.mark.parametrize("text", ["=1+1", "+45 12", "-3", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_that_a_spreadsheet_would_run_stays_text_in_xlsx_and_csv(text: str) -> None:
    import io
    import zipfile

    from openpyxl import load_workbook

    data = spreadsheets.workbook([("Ark", [["overskrift"], [text]])])
    cell = load_workbook(io.BytesIO(data)).active["A2"]  # type: ignore[index]
    assert cell.data_type == "s" and cell.value.strip() == text.strip()  # XML keeps \r as \n
    with zipfile.ZipFile(io.BytesIO(spreadsheets.csv_zip([("Ark", [[text, "ok"]])]))) as zf:
        line = zf.read(zf.namelist()[0]).decode("utf-8-sig")
    assert line.startswith(("'", "\"'")), line
    assert spreadsheets.csv_value("ok") == "ok" and spreadsheets.csv_value(3) == 3


def test_a_table_that_stops_being_csv_says_where() -> None:
    too_long = "x" * (csv.field_size_limit() + 1)  # a cell csv refuses
    rows = tables.csv_rows(f"navn;type\r\nA;b\r\nC;{too_long}\r\n", ";")
    assert next(rows) == (1, ["navn", "type"])
    assert next(rows) == (2, ["A", "b"])
    with pytest.raises(tables.CsvError) as caught:
        list(rows)
    assert caught.value.line == 3


def test_a_value_kept_beside_an_object_lives_as_long_as_that_object() -> None:
    from spor.lib import memo

    class Report:  # a kept result: any object that takes a weak reference
        pass

    memo.clear()
    calls: list[str] = []

    def compute(value: str) -> str:
        calls.append(value)
        return value

    one = Report()
    assert memo.beside(one, "k", lambda: compute("a")) == "a"
    assert memo.beside(one, "k", lambda: compute("b")) == "a"  # kept
    assert memo.beside(one, "other", lambda: compute("c")) == "c"  # its own key
    assert calls == ["a", "c"]
    ident = id(one)
    del one
    # Another object (perhaps at the same address) finds nothing of the old one's.
    two = [Report() for _ in range(50)]
    assert all(memo.beside(r, "k", lambda: compute("d")) == "d" for r in two)
    assert ident not in memo._beside or memo._beside[ident][0]() is not None
    memo.clear()
    assert memo.beside(two[0], "k", lambda: compute("e")) == "e"
