"""Writing tables to XLSX and CSV, the one way every export does it.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (CSV injection). In an XLSX file such text is written as text
(:func:`put`); in a CSV file it gets a leading apostrophe (:func:`csv_value`). A *sheet* is
``(name, rows)``, where a row is a list of values and ``None`` is a blank line; the same
sheets become a workbook (:func:`workbook`) or a ZIP of semicolon-separated CSV files in
UTF-8 with a byte order mark, one per sheet (:func:`csv_zip`).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from typing import Any, TypeAlias

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from spor.cells import FORMULA_START, csv_value

__all__ = ["FORMULA_START", "Sheet", "csv_value", "csv_zip", "put", "slug", "workbook"]

Sheet: TypeAlias = tuple[str, Sequence[Sequence[Any] | None]]


def put(ws: Worksheet, row: int, col: int, value: Any) -> Cell:
    """Write ``value``; text that would run as a formula stays text."""
    cell: Cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.value = value
        cell.data_type = "s"  # never a formula
    return cell


def workbook(sheets: Sequence[Sheet], *, first_column_width: int = 34) -> bytes:
    """An XLSX workbook with one worksheet per sheet (names cut to Excel's 31 characters);
    the first cell of each is bold."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for name, rows in sheets:
        ws: Worksheet = wb.create_sheet(name[:31])
        for r, row in enumerate(rows, 1):
            if row is None:
                continue
            for col, value in enumerate(row, 1):
                put(ws, r, col, value)
        ws.cell(row=1, column=1).font = Font(bold=True)
        ws.column_dimensions["A"].width = first_column_width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def slug(name: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": "-", ".": ""})
    return name.lower().translate(table)


def csv_zip(sheets: Sequence[Sheet]) -> bytes:
    """A ZIP of CSV files ``01-<sheet>.csv``, ``02-…``: ``;``-separated, UTF-8 with BOM."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, (name, rows) in enumerate(sheets, 1):
            text = io.StringIO()
            writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
            for row in rows:
                writer.writerow([] if row is None else [csv_value(v) for v in row])
            zf.writestr(f"{n:02d}-{slug(name)}.csv", "\ufeff" + text.getvalue())
    return out.getvalue()
