"""The programme's exports: the initiatives overview as an XLSX workbook, one sheet of
initiatives and one of the diagrams' figures. Text that a spreadsheet would run as a formula
is written as text (:mod:`spor.lib.spreadsheets`, which every export writes through). The
evaluation's exports are the evaluation's (:mod:`spor.evaluation.national.exports`,
:mod:`spor.evaluation.web.reports`)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from spor.lib.spreadsheets import put
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


def _put(ws: Worksheet, row: int, col: int, value: Any) -> None:
    put(ws, row, col, value)


def workbook(data: Overview, f: OverviewFilter) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Initiativer"
    for col, (title, width) in enumerate(COLUMNS, 1):
        _put(ws, 1, col, title)
        ws.cell(row=1, column=col).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    for r, i in enumerate(data.initiatives, 2):
        milestones = list(i.milestones.all())
        upcoming = [m for m in milestones if m.done_on is None]
        nxt = upcoming[0] if upcoming else None
        values = [
            i.municipality.name,
            i.title,
            i.description,
            ", ".join(str(b.number) for b in i.benchmarks.all()),
            i.get_scope_display(),
            ", ".join(i.aimed_at_labels),
            i.get_level_display() if i.level else "",
            ", ".join(i.target_labels),
            ", ".join(i.age_labels),
            i.responsible,
            i.get_status_display(),
            f"{sum(1 for m in milestones if m.done_on)}/{len(milestones)}",
            f"{nxt.due_on:%d.%m.%Y} {nxt.title}" if nxt else "",
            ", ".join(x.name for x in i.interventions.all()),
        ]
        for col, value in enumerate(values, 1):
            _put(ws, r, col, value)
            ws.cell(row=r, column=col).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions

    figures = wb.create_sheet("Diagrammer")
    row = 1
    _put(figures, row, 1, data.programme.name)
    figures.cell(row=row, column=1).font = Font(bold=True, size=13)
    row += 1
    shown = f"{len(data.initiatives)} af {data.all_count} initiativer"
    _put(figures, row, 1, shown + (" (filtreret)" if f.active else ""))
    row += 2
    for tally in data.tallies:
        _put(figures, row, 1, tally.title)
        figures.cell(row=row, column=1).font = Font(bold=True)
        _put(figures, row, 2, "Antal")
        _put(figures, row, 3, "Andel af initiativerne (%)")
        row += 1
        for label, n in tally.rows:
            _put(figures, row, 1, label)
            _put(figures, row, 2, n)
            _put(figures, row, 3, round(100 * n / tally.total) if tally.total else 0)
            row += 1
        if tally.note:
            _put(figures, row, 1, tally.note)
            row += 1
        row += 1
    figures.column_dimensions["A"].width = 60
    figures.column_dimensions["B"].width = 10
    figures.column_dimensions["C"].width = 26

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
