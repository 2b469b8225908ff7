"""The evaluator's export: the page's tables as an XLSX workbook or a ZIP of CSV files (one
per sheet, semicolon-separated, UTF-8), each with a data dictionary.

Only what the page shows leaves: the suppressed count tables (via
:func:`spor.evaluation.disclosure.export_rows`, hidden cells as ``..``), the figures beside
them where their row's pairs are shown, and the data dictionary with the protection note
(:func:`spor.evaluation.disclosure.data_dictionary`). No name, CPR number, child, case or
delivery id is read here. Text a spreadsheet would run as a formula is written as text.
"""

from __future__ import annotations

from typing import Any

from spor.evaluation import disclosure
from spor.evaluation.national.tables import (
    COLUMN_DESCRIPTIONS_DA,
    COLUMN_KEYS,
    COLUMN_LABELS,
    DZ_LABEL,
    TOTAL_LABEL,
    Breakdown,
    Report,
)
from spor.evaluation.web import figures
from spor.lib import memo, spreadsheets
from spor.measurement.models import Informant
from spor.programme.models import Programme

DICTIONARY_SHEET = "Dataordbog"

MEANS_HEADER = [
    "Par (før og efter)",
    "Gennemsnit før",
    "Gennemsnit efter",
    "Ændring (efter − før)",
    "95 %-interval for ændringen",
    DZ_LABEL,
    "Pålidelig forbedring i alt",
    "Ind i normalområdet i alt",
    "Ændring ud over regression mod middelværdien (95 %-interval; et skøn)",
]


def _means_rows(b: Breakdown) -> list[list[str | int]]:
    out: list[list[str | int]] = [[b.row_heading, *MEANS_HEADER]]
    rows = [*b.rows, b.total] if b.means_in_total else b.rows
    for r in rows:
        c = r.change
        out.append(
            [
                r.label,
                r.paired,
                c.before if c else disclosure.HIDDEN_MARK,
                c.after if c else disclosure.HIDDEN_MARK,
                c.change if c else disclosure.HIDDEN_MARK,
                c.ci if c else disclosure.HIDDEN_MARK,
                r.dz or disclosure.HIDDEN_MARK,
                r.improvement,
                r.normal,
                (r.beyond or "–") if c else disclosure.HIDDEN_MARK,
            ]
        )
    return out


def labels(report: Report, programme: Programme, filter_text: str) -> list[Any]:
    """What every sheet and every CSV file starts with: programme, informant, norm set,
    filters, design, n, the caveat and the legend for hidden cells; then a blank line."""
    o = report.overall
    return [
        [programme.name],
        ["Informant", str(Informant(report.filters.informant).label)],
        ["Normsæt", "; ".join(report.norm_titles) or "intet"],
        ["Udvalg", filter_text],
        ["Design", figures.DESIGN_DA],
        ["n", f"{o.paired} par af {o.started} startet"],
        ["Sådan skal tallene læses", report.caveat],
        ["Skjulte tal", disclosure.PROTECTION_NOTE_DA],
        None,
    ]


def sheets(report: Report, programme: Programme, filter_text: str) -> list[tuple[str, list[Any]]]:
    """(sheet name, rows) for every sheet, each starting with :func:`labels`; a ``None``
    row is a blank line."""
    head = labels(report, programme, filter_text)
    about: list[Any] = [*head, ["Samlet", "Værdi"]]
    o = report.overall
    c = o.change
    about += [
        ["Startet", o.started],
        ["Par (før og efter)", o.paired],
        ["Gennemsnit før", c.before if c else disclosure.HIDDEN_MARK],
        ["Gennemsnit efter", c.after if c else disclosure.HIDDEN_MARK],
        ["Ændring (efter − før)", c.change if c else disclosure.HIDDEN_MARK],
        ["95 %-interval for ændringen", c.ci if c else disclosure.HIDDEN_MARK],
        *[[label, value] for label, value in report.effects],
        ["Pålidelig forbedring i alt", o.improvement],
        ["Ind i normalområdet i alt", o.normal],
    ]
    t = report.transitions
    if t is not None:
        about += [None, [f"Bånd før (rækker) og efter (kolonner), {t.norm_title}"]]
        about.append(["Før \\ efter", *t.labels, t.total_label])
        about += [[label, *cells] for label, cells in t.rows]
    out: list[tuple[str, list[Any]]] = [("Samlet", about)]
    for b in report.breakdowns:
        rows: list[Any] = [*head, *b.export_rows(), None, *_means_rows(b), None, [b.note]]
        out.append((b.title, rows))
    columns = {
        "Kommune (pseudonym)": (
            "Et nøglet pseudonym (HMAC-SHA256) for kommunen, det samme i hele programmet. "
            "Det kan ikke regnes tilbage til kommunen uden nøglen."
        ),
        "Indsatstype": "Den nationale evaluerings typologi af PPR's indsatser.",
        "Niveau": "Indsatsens niveau i indsatsviften.",
        "Aldersgruppe ved førmålingen": "Barnets alder ved førmålingen.",
        "Førmåling i halvåret": "Halvåret, hvor førmålingen blev udfyldt.",
        "Pejlemærke": "Fagligt pejlemærke; et barn kan tælle under flere.",
        **{
            label: COLUMN_DESCRIPTIONS_DA[key]
            for key, label in zip(COLUMN_KEYS, COLUMN_LABELS, strict=True)
        },
        TOTAL_LABEL: "Forløb med en førmåling (rækkens sum).",
        "Par (før og efter)": "Startet minus uden eftermåling; skjult, hvis en af dem er.",
        "Gennemsnit før": "Samlet vanskelighedsscore (0–40, lavere er bedre) ved førmålingen.",
        "Gennemsnit efter": "Samlet vanskelighedsscore ved eftermålingen.",
        "Ændring (efter − før)": "Gennemsnitlig ændring; negativ er en bedring.",
        "95 %-interval for ændringen": "Konfidensinterval for den gennemsnitlige ændring.",
        DZ_LABEL: "Effektstørrelse: ændringen delt med standardafvigelsen af ændringen.",
        "Pålidelig forbedring i alt": (
            "Pålidelig forbedring med og uden bedring til normalområdet: k af n, andel og "
            "95 %-interval (Wilson)."
        ),
        "Ind i normalområdet i alt": (
            "Flyttet ind i normalområdet med og uden pålidelig forbedring: k af n, andel og "
            "95 %-interval (Wilson)."
        ),
        "Normsæt": "Normsættet bag båndene og normalområdet.",
    }
    out.append((DICTIONARY_SHEET, [*head, *disclosure.data_dictionary(columns)]))
    return out


def workbook(report: Report, programme: Programme, filter_text: str) -> bytes:
    """The workbook, kept beside the kept report it is written from (:func:`memo.beside`):
    the same report, programme name and filters give the same file; a changed report is a
    new object, so a file is never of an older one."""
    return memo.beside(
        report,
        ("xlsx", programme.name, filter_text),
        lambda: spreadsheets.workbook(sheets(report, programme, filter_text)),
    )


def csv_zip(report: Report, programme: Programme, filter_text: str) -> bytes:
    """The CSV files, kept beside the report as :func:`workbook`."""
    return memo.beside(
        report,
        ("csv", programme.name, filter_text),
        lambda: spreadsheets.csv_zip(sheets(report, programme, filter_text)),
    )
