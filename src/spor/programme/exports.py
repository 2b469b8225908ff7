"""The programme's exports: the initiatives overview as an XLSX workbook, one sheet of
initiatives and one of the diagrams' figures. Text that a spreadsheet would run as a formula
is written as text (:mod:`spor.lib.spreadsheets`, which every export writes through). The
evaluation's exports are the evaluation's (:mod:`spor.evaluation.national.exports`,
:mod:`spor.evaluation.web.reports`)."""

from __future__ import annotations

import io
from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from spor.lib import memo
from spor.lib.spreadsheets import FORMULA_START
from spor.programme.selectors import Overview, OverviewFilter

COLUMNS = [
    ("Kommune", 18),
    ("Initiativ", 40),
    ("Beskrivelse", 60),
    ("Pejlemærker", 14),
    ("Specifik/generel", 16),
    ("Rettet mod", 28),
    ("Niveau", 14),
    ("Målgruppe", 28),
    ("Aldersgruppe", 30),
    ("Ansvarlig", 22),
    ("Status", 14),
    ("Milepæle (nået/alle)", 12),
    ("Næste milepæl", 36),
    ("Indsatser fra indsatsvifte", 40),
]

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
WRAP = Alignment(wrap_text=True, vertical="top")


def _cell(ws: Any, value: Any, style: StyleArray | None = None) -> Cell:
    """A cell of a write-only sheet, by :func:`spor.lib.spreadsheets.put`'s rule: text that
    would run as a formula stays text. ``style``: one of :func:`_styles`' arrays, copied
    (setting a font or an alignment on each cell looks the style up by hashing it: most of
    the workbook's time)."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"  # never a formula
    if style is not None:
        # The stubs lack a cell's style array (openpyxl's own copy_worksheet sets it so).
        cell._style = copy(style)  # type: ignore[attr-defined]
    return cell


def _styles(ws: Any) -> tuple[StyleArray, StyleArray, StyleArray]:
    """The three styles (bold, title, wrapped) registered in ``ws``'s workbook once, as
    setting them on a cell does; each cell then gets a copy."""
    out = []
    for font, alignment in ((BOLD, None), (TITLE, None), (None, WRAP)):
        cell: Any = WriteOnlyCell(ws)
        if font is not None:
            cell.font = font
        if alignment is not None:
            cell.alignment = alignment
        out.append(cell._style)
    return out[0], out[1], out[2]


def workbook(data: Overview, f: OverviewFilter) -> bytes:
    """The workbook, kept in the process (:mod:`spor.lib.memo`) under a digest of
    everything it is written from: the initiatives as read for this request, the
    diagrams' counts, the programme's name and whether the list is filtered. So a file
    found is the file this read would give (nothing to invalidate, never an older one),
    and only a change to the programme's data writes it again."""
    key = memo.digest(
        "programme.initiatives.xlsx",
        data.programme.name,
        data.all_count,
        f.active,
        data.initiatives,  # frozen dataclasses of plain values: their repr is their data
        [(t.title, t.rows, t.total, t.note) for t in data.tallies],
    )
    return memo.cached(key, lambda: _workbook(data, f))


def _workbook(data: Overview, f: OverviewFilter) -> bytes:
    """The workbook, written row by row in openpyxl's write-only mode (no sheet of cell
    objects kept and styled one by one: that was most of the export's time)."""
    wb = Workbook(write_only=True)
    # Any: openpyxl's type stubs lack a write-only sheet's column widths and filter.
    ws: Any = wb.create_sheet("Initiativer")
    for col, (_, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    bold, title_style, wrap = _styles(ws)
    ws.append([_cell(ws, title, bold) for title, _ in COLUMNS])
    for i in data.initiatives:
        upcoming = [m for m in i.milestones if m[1] is None]
        nxt = upcoming[0] if upcoming else None
        values = [
            i.municipality,
            i.title,
            i.description,
            ", ".join(str(number) for number, _ in i.benchmarks),
            i.scope_label,
            ", ".join(i.aimed_at_labels),
            i.level_label if i.level else "",
            ", ".join(i.target_labels),
            ", ".join(i.age_labels),
            i.responsible,
            i.status_label,
            f"{sum(1 for m in i.milestones if m[1])}/{len(i.milestones)}",
            f"{nxt[0]:%d.%m.%Y} {nxt[2]}" if nxt else "",
            ", ".join(i.interventions),
        ]
        ws.append([_cell(ws, value, wrap) for value in values])
    last = get_column_letter(len(COLUMNS))
    ws.auto_filter.ref = f"A1:{last}{len(data.initiatives) + 1}"

    figures: Any = wb.create_sheet("Diagrammer")
    for letter, width in (("A", 60), ("B", 10), ("C", 26)):
        figures.column_dimensions[letter].width = width
    figures.append([_cell(figures, data.programme.name, title_style)])
    shown = f"{len(data.initiatives)} af {data.all_count} initiativer"
    figures.append([_cell(figures, shown + (" (filtreret)" if f.active else ""))])
    figures.append([])
    for tally in data.tallies:
        figures.append(
            [
                _cell(figures, tally.title, bold),
                _cell(figures, "Antal"),
                _cell(figures, "Andel af initiativerne (%)"),
            ]
        )
        for label, n in tally.rows:
            share = round(100 * n / tally.total) if tally.total else 0
            figures.append([_cell(figures, label), _cell(figures, n), _cell(figures, share)])
        if tally.note:
            figures.append([_cell(figures, tally.note)])
        figures.append([])

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
