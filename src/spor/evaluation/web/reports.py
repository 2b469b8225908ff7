"""The evaluation page as files: a PDF report (WeasyPrint) and an XLSX workbook (openpyxl).

Both are made from the same :class:`~spor.evaluation.web.figures.Figures` as the page, so
they carry the same numbers and the same protection (hidden cells as "◆", one legend);
nothing about a single child goes in. The design caveat, the filters and the norm set
travel with the figures, on the title page and on every sheet of the workbook.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from spor.cases.models import InterventionType, Level, Target
from spor.evaluation import disclosure
from spor.evaluation.web import figures
from spor.evaluation.web.forms import AGE_GROUPS, Filters
from spor.lib import spreadsheets
from spor.measurement.models import Informant

CAVEAT_INTRO = (
    "Tallene er målinger før og efter et forløb, uden en kontrolgruppe. De viser, hvordan det "
    "gik børnene, ikke hvad forløbet gjorde. Vi ved ikke, hvordan det var gået uden forløbet."
)
CAVEAT = [
    (
        "Ingen sammenligning.",
        "Mange børn får det bedre med tiden alligevel. Det kan skyldes udvikling, en ny klasse "
        "eller hjælp andre steder fra.",
    ),
    (
        "Regression mod middelværdien.",
        "Børnene blev valgt, fordi de havde det svært netop da. Den, der måles på en dårlig "
        "dag, måles næste gang ofte på en mere almindelig dag. Derfor ser det ud som en "
        "forbedring, selv om intet er gjort.",
    ),
    (
        "Den, der udfylder skemaet, hjælper ofte barnet.",
        "I den nationale evaluering udfyldte den PPR-medarbejder, der kendte barnet bedst, "
        "lærerskemaet før og efter. Det kan give et mere positivt billede end en uafhængig "
        "vurdering.",
    ),
    (
        "Frafald.",
        "Børn uden eftermåling er ikke med. Hvis de havde det sværere ved start, er tallene for "
        "pæne (se »Frafald«).",
    ),
    (
        "n står altid ved tallet.",
        "Få børn giver brede intervaller. Tal om 1–4 børn vises ikke, og heller ikke tal, de "
        f"kunne regnes ud af. {figures.LEGEND}.",
    ),
    (
        "Normalområdet",
        "er defineret af et bestemt normsæt, som er nævnt ved tallene.",
    ),
    (
        "Effektstørrelsen",
        "siger, hvilken den er (dz, d_av eller g_av). De er ikke det samme tal, og dz er som "
        "regel den største.",
    ),
]
SUPPRESSION_NOTE = disclosure.PROTECTION_NOTE_DA
ALL = "Alle"


@dataclass
class Report:
    """What a report shows: the page's figures and what they are about."""

    municipality: str
    made_on: dt.date
    fig: figures.Figures
    filters: list[tuple[str, str]]
    informant: str

    @property
    def norm_sets(self) -> str:
        return "; ".join(self.fig.norm_titles) or "intet normsæt"

    @property
    def title(self) -> str:
        return f"Evaluering: SDQ før og efter — {self.municipality}"


def _label(choices: Any, value: str) -> str:
    return str(dict(choices).get(value, value)) if value else ALL


def describe(filters: Filters) -> list[tuple[str, str]]:
    """The filters as the page's form labels and chosen values, in Danish."""
    ages = {code: label for code, label, _, _ in AGE_GROUPS}
    period = _half(filters.date_from) if filters.date_from else ALL
    return [
        ("Indsats", filters.intervention.name if filters.intervention else ALL),
        ("Type", _label(InterventionType.choices, filters.kind)),
        ("Niveau", _label(Level.choices, filters.level)),
        ("Målgruppe", _label(Target.choices, filters.target)),
        ("Aldersgruppe (ved førmålingen)", ages.get(filters.age_group, ALL)),
        ("Informant", _label(Informant.choices, filters.informant)),
        ("Førmåling i halvåret", period),
    ]


def _half(day: dt.date) -> str:
    return f"{1 if day.month <= 6 else 2}. halvår {day.year}"


def report(municipality: str, fig: figures.Figures, made_on: dt.date) -> Report:
    return Report(
        municipality=municipality,
        made_on=made_on,
        fig=fig,
        filters=describe(fig.filters),
        informant=str(Informant(fig.filters.informant).label),
    )


# ------------------------------------------------------------------------------------- PDF


def pdf_html(rep: Report) -> str:
    return render_to_string(
        "evaluation/report.html",
        {
            "r": rep,
            "fig": rep.fig,
            "caveat_intro": CAVEAT_INTRO,
            "caveat": CAVEAT,
            "suppressed": figures.SUPPRESSED,
            "legend": figures.LEGEND,
            "suppression_note": SUPPRESSION_NOTE,
        },
    )


class _PageProgress(logging.Handler):
    """Hears WeasyPrint lay out page n (its progress log) in this thread."""

    PAGE = re.compile(r"Creating layout - Page (\d+)")

    def __init__(self, on_page: Callable[[int], None]) -> None:
        super().__init__(logging.INFO)
        self.thread = threading.get_ident()
        self.on_page = on_page

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return  # another report, laid out at the same time
        found = self.PAGE.search(record.getMessage())
        if found:
            try:
                self.on_page(int(found.group(1)))
            except Exception:
                self.handleError(record)


def pdf(
    rep: Report,
    laid_out: Callable[[int], None] | None = None,
    on_page: Callable[[int], None] | None = None,
) -> tuple[bytes, int]:
    """(the PDF, its number of pages). ``on_page(n)`` is told as page n is laid out (when
    WeasyPrint's progress log is enabled, as it is at Spor's default log level), and
    ``laid_out(pages)`` when all are, before the file is written."""
    from weasyprint import HTML  # slow to import; only the report job needs it

    progress_log = logging.getLogger("weasyprint.progress")
    handler = _PageProgress(on_page) if on_page else None
    if handler:
        progress_log.addHandler(handler)
    try:
        document = HTML(string=pdf_html(rep), base_url=None).render()
    finally:
        if handler:
            progress_log.removeHandler(handler)
    pages = len(document.pages)
    if laid_out:
        laid_out(pages)
    data = document.write_pdf()
    assert data is not None
    return data, pages


# ------------------------------------------------------------------------------------ XLSX

NUMBER = re.compile(r"−?\d+(,\d+)?")
BOLD = Font(bold=True)


def cell_value(v: Any) -> Any:
    """The page's text as a spreadsheet value: '12,3' and '−1,5' become numbers, the rest
    (intervals, 'k af n', '◆') stays text as on the page."""
    if isinstance(v, str) and NUMBER.fullmatch(v):
        text = v.replace("−", "-").replace(",", ".")
        return float(text) if "." in text else int(text)
    return v


def _put(ws: Worksheet, row: int, col: int, value: Any, *, bold: bool = False) -> None:
    v = cell_value(value)
    cell = spreadsheets.put(ws, row, col, v)
    if isinstance(value, float):  # a share (a fraction): shown as a percent
        cell.number_format = "0%"
    elif isinstance(v, float):
        cell.number_format = "0.00" if len(str(value).split(",")[-1]) == 2 else "0.0"
    if bold:
        cell.font = BOLD


def _table(ws: Worksheet, head: list[str], rows: list[list[Any]], *, start: int = 1) -> int:
    """Write a header and rows from ``start``; the next free row."""
    for c, h in enumerate(head, 1):
        _put(ws, start, c, h, bold=True)
    for r, values in enumerate(rows, start + 1):
        for c, v in enumerate(values, 1):
            _put(ws, r, c, v)
    return start + len(rows) + 2


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w


def _note(ws: Worksheet, row: int, text: str) -> None:
    _put(ws, row, 1, text)
    ws.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")


def _about(ws: Worksheet, rep: Report) -> None:
    fig = rep.fig
    ws.title = "Om rapporten"
    _widths(ws, [34, 100])
    _put(ws, 1, 1, rep.title, bold=True)
    rows: list[list[Any]] = [
        ["Kommune", rep.municipality],
        ["Lavet", f"{rep.made_on:%d.%m.%Y}"],
        *[[k, v] for k, v in rep.filters],
        ["Normsæt", rep.norm_sets],
        ["Design", figures.DESIGN_DA],
        ["Hvem er med", f"{fig.paired_label} ({rep.informant})"],
    ]
    row = _table(ws, ["Emne", "Værdi"], rows, start=3)
    _put(ws, row, 1, "Sådan skal tallene læses", bold=True)
    _put(ws, row + 1, 1, "Kort sagt")
    _put(ws, row + 1, 2, CAVEAT_INTRO)
    for i, (head, text) in enumerate(CAVEAT, row + 2):
        _put(ws, i, 1, head.rstrip("."))
        _put(ws, i, 2, text)
        ws.cell(row=i, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    last = row + 2 + len(CAVEAT)
    _put(ws, last, 1, "Skjulte tal")
    _put(ws, last, 2, SUPPRESSION_NOTE)


def _suppressed(ws: Worksheet, rep: Report, what: str = "par") -> None:
    _note(ws, 1, f"Der er for få {what} med disse filtre til at vise tallene. {figures.LEGEND}.")


def xlsx(rep: Report) -> bytes:
    """One sheet per table of the page, after a sheet with filters, norm set and caveat."""
    fig = rep.fig
    wb = Workbook()
    first = wb.active
    assert first is not None
    _about(first, rep)

    ws = wb.create_sheet("Hvem er med")
    _widths(ws, [30, 20])
    _table(
        ws,
        ["Emne", "Antal"],
        [
            ["Par (før og efter)", fig.paired_text],
            ["Startet (med førmåling)", fig.started_text],
            ["Informant", rep.informant],
            ["Normsæt", rep.norm_sets],
        ],
    )

    ws = wb.create_sheet("Samlet score")
    _widths(ws, [30, 12, 16, 16, 22, 20])
    if fig.shown and fig.total is not None:
        t = fig.total
        _table(
            ws,
            ["Samlet vanskelighedsscore (0–40)", "n par", "Gennemsnit før", "Gennemsnit efter",
             "Ændring (efter − før)", "95 %-interval"],
            [[t.label, t.n, t.before, t.after, t.change, t.ci]],
        )  # fmt: skip
    else:
        _suppressed(ws, rep)

    ws = wb.create_sheet("Regression mod middelværdien")
    _widths(ws, [12, 30, 30, 22, 16])
    if fig.shown and (fig.regression is not None or fig.sensitivity):
        row = 1
        if fig.regression is not None:
            g = fig.regression
            row = _table(
                ws,
                ["n par", "Ændring ved regression mod middelværdien alene",
                 "Ændring ud over regression mod middelværdien", "95 %-interval",
                 "I SD for normgruppen"],
                [[g.n, g.expected, g.beyond, g.ci, g.standardised]],
            )  # fmt: skip
            _note(ws, row, f"Et skøn under antagelser (ingen kontrolgruppe): uden indsatsen "
                           f"forventes eftermålingen at ligge på μ + r·(førmåling − μ), med "
                           f"{g.parameters}.")  # fmt: skip
            row += 2
        else:  # the pairs of the norm set's parameters are too few to show (or hidden)
            _note(ws, row, "For få par med normsættets parametre til at vise skønnet; "
                           f"følsomheden står nedenfor. {figures.LEGEND}.")  # fmt: skip
            row += 2
        # The sensitivity, as on the page: also where the estimate itself is not shown.
        _table(
            ws,
            ["Reliabilitet r", "Slags", "Grænse (point)", "Par",
             "Pålidelig forbedring i alt (børn)", "Pålidelig forbedring i alt (andel)",
             "Pålidelig forværring (børn)", "Pålidelig forværring (andel)",
             "Ud over regression (95 %-interval)"],
            [[("" if not x.default else "standard: ") + x.reliability, x.kind, x.threshold,
              _n(x.n), *_k_share(x.improved_k, x.n, x.counted),
              *_k_share(x.deteriorated_k, x.n, x.counted), x.beyond] for x in fig.sensitivity],
            start=row,
        )  # fmt: skip
    elif fig.shown:
        _note(ws, 1, "Normsættet giver ikke gennemsnit og reliabilitet for denne informant.")
    else:
        _suppressed(ws, rep)

    ws = wb.create_sheet("Effektstørrelser")
    _widths(ws, [70, 12])
    if fig.shown:
        _table(ws, [f"Effektstørrelse (n = {fig.paired_text})", "Værdi"],
               [[label, v] for label, v in fig.effects])  # fmt: skip
    else:
        _suppressed(ws, rep)

    ws = wb.create_sheet("Pålidelig ændring")
    _widths(ws, [50, 24, 22])
    if fig.shown:
        cols = ["Børn", "Af par", "Andel", "95 %-interval (Wilson)"]
        head = ["Kategori (udelukker hinanden)", *cols]
        row = _table(ws, head, [_share_row(s) for s in fig.categories])
        head = ["Sammenlagt (overlapper kategorierne)", *cols]
        row = _table(ws, head, [_share_row(s) for s in fig.unions], start=row)
        _note(ws, row, f"n = {fig.categorised_label} par med samme normsæt før og efter. "
                       f"Normsæt: {rep.norm_sets}. "
                       f"Pålidelig ændring med {fig.rci_label}.")  # fmt: skip
    else:
        _suppressed(ws, rep)

    ws = wb.create_sheet("Bånd før og efter")
    _widths(ws, [28, 16, 16, 16, 12])
    if fig.shown and fig.transitions is not None:
        tr = fig.transitions
        row = _table(ws, ["Før \\ efter", *tr.labels, "I alt"],
                     [[label, *cells] for label, cells in tr.rows])  # fmt: skip
        _note(ws, row, f"Samlet vanskelighedsscore, {tr.norm_title}. "
                       f"{disclosure.HIDDEN_LEGEND_DA}.")  # fmt: skip
    elif fig.shown:
        _note(ws, 1, "Ingen par med samme normsæt før og efter, eller for få til at vise.")
    else:
        _suppressed(ws, rep)

    ws = wb.create_sheet("Delskalaer")
    _widths(ws, [38, 10, 10, 10, 12, 20])
    if fig.shown:
        _table(
            ws,
            ["Delskala (0–10)", "n par", "Før", "Efter", "Ændring", "95 %-interval"],
            [[c.label, c.n, c.before, c.after, c.change, c.ci] for c in fig.subscales],
        )
    else:
        _suppressed(ws, rep)

    ws = wb.create_sheet("Frafald")
    _widths(ws, [44, 30])
    if fig.started_shown:
        _table(ws, ["Frafald", "Værdi"], [[k, v] for k, v in fig.attrition])
    else:
        _suppressed(ws, rep, "startede forløb")

    for sheet in wb.worksheets[1:]:
        _labels(sheet, rep)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _n(v: int | None) -> int | str:
    return figures.SUPPRESSED if v is None else v


def _k_share(k: int | None, n: int | None, counted: bool = True) -> list[Any]:
    """A count and its share as two numbers (a share as a fraction, shown as a percent);
    the mark for both where hidden, '–' where not counted."""
    if not counted:
        return [figures.NOT_COUNTED, figures.NOT_COUNTED]
    if k is None:
        return [figures.SUPPRESSED, figures.SUPPRESSED]
    if not n:  # a 0 of a hidden number of pairs
        return [k, figures.SUPPRESSED]
    return [k, k / n]


def _share_row(s: figures.Share) -> list[Any]:
    if not s.shown:
        return [s.label, figures.SUPPRESSED, figures.SUPPRESSED, figures.SUPPRESSED, ""]
    if s.n is None:  # a 0 of a hidden number of pairs
        return [s.label, s.k, figures.SUPPRESSED, figures.SUPPRESSED, ""]
    return [s.label, s.k, s.n, s.share, s.ci]


def labels(rep: Report) -> list[list[str]]:
    """What every sheet carries besides its table: municipality, informant, norm set,
    filters, design, n, the caveat and the legend for hidden cells."""
    return [
        ["Kommune", rep.municipality],
        ["Informant", rep.informant],
        ["Normsæt", rep.norm_sets],
        *[[f"Filter: {k}", v] for k, v in rep.filters],
        ["Design", figures.DESIGN_DA],
        ["n", rep.fig.paired_label],
        ["Sådan skal tallene læses", CAVEAT_INTRO],
        ["Skjulte tal", SUPPRESSION_NOTE],
    ]


def _labels(ws: Worksheet, rep: Report) -> None:
    """:func:`labels` below the sheet's table, after a blank row."""
    row = ws.max_row + 2
    _put(ws, row, 1, "Om tallene", bold=True)
    for i, (k, v) in enumerate(labels(rep), row + 1):
        _put(ws, i, 1, k)
        _put(ws, i, 2, v)


def filename(rep: Report, ext: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", rep.municipality.lower().translate(_DANISH)).strip("-")
    return f"evaluering-{slug}-{rep.made_on:%Y-%m-%d}.{ext}"


_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})
