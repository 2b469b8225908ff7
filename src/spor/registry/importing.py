"""Reading and checking a file of children, groups and enrolments (CSV or XLSX).

This module only reads and validates; it writes nothing. :func:`parse_file` turns the bytes
of an uploaded file into :class:`ImportRow` objects and a list of :class:`RowError` for
everything that is wrong, all of them at once, with the line number the user sees in the
spreadsheet (the header is line 1). The service ``spor.registry.services.children_import``
saves the rows, and is only called when there are no errors.

No message ever repeats a CPR number: CPR problems are described ("datoen findes ikke"),
duplicates point at the other line, and every other value echoed back passes through
:func:`spor.cpr.redact`. :class:`ImportRow` keeps the number out of its ``repr``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, NamedTuple

from spor import cpr
from spor.cells import FORMULA_START
from spor.lib import tables
from spor.lib.gcpause import gc_paused
from spor.registry.models import Institution

__all__ = [
    "COLUMNS",
    "MAX_DATA_ROWS",
    "MAX_FILE_BYTES",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ImportRow",
    "ParsedFile",
    "RowError",
    "parse_file",
]

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DATA_ROWS = 100_000
# An XLSX is a zip: refuse one whose contents unpack to far more than any real export.
MAX_XLSX_UNPACKED_BYTES = 400 * 1024 * 1024

REQUIRED_COLUMNS = (
    "cpr",
    "fornavn",
    "efternavn",
    "institution",
    "institutionstype",
    "gruppe",
    "skoleaar",
    "fra",
)
OPTIONAL_COLUMNS = ("klassetrin", "til")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# Other spellings of the column names seen in exports (after folding, see _fold).
_COLUMN_ALIASES = {
    "cprnr": "cpr",
    "cprnummer": "cpr",
    "personnummer": "cpr",
    "institutionsnavn": "institution",
    "type": "institutionstype",
    "institutionstyper": "institutionstype",
    "tilbudstype": "institutionstype",
    "skoleaar": "skoleaar",
    "startdato": "fra",
    "fradato": "fra",
    "slutdato": "til",
    "tildato": "til",
}

_TEXT_LIMITS = {"fornavn": 100, "efternavn": 100, "institution": 150, "gruppe": 100}

_KIND_ALIASES = {
    "integreretdaginstitution": Institution.Kind.INTEGRERET,
    "aldersintegreret": Institution.Kind.INTEGRERET,
    "aldersintegreretinstitution": Institution.Kind.INTEGRERET,
    "folkeskole": Institution.Kind.SKOLE,
    "fritidsordning": Institution.Kind.SFO,
    "fritidshjem": Institution.Kind.SFO,
}

_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y")
_DATE_HELP = "brug ÅÅÅÅ-MM-DD, DD-MM-ÅÅÅÅ eller DD.MM.ÅÅÅÅ"


@dataclass(frozen=True)
class RowError:
    """Something wrong in the file. ``line`` is the spreadsheet's row number (header = 1);
    ``None`` for the file as a whole. ``column`` is the column's name, or empty."""

    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"række {self.line}")
        if self.column:
            where.append(f"kolonne {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class ImportRow:
    """One valid line of the file: a child in a group from a date."""

    line: int
    cpr: str = field(repr=False)  # ten digits; never in a repr, a log or a message
    first_name: str
    last_name: str
    institution: str
    institution_kind: str
    group: str
    school_year: int
    grade: int | None
    start: dt.date
    end: dt.date | None

    # Plain properties over the cached fold_name: functools.cached_property takes a lock on
    # every first read (Python 3.11), which cost more than the key on 60,000 rows.
    @property
    def institution_key(self) -> str:
        return fold_name(self.institution)

    @property
    def group_key(self) -> tuple[str, str, int]:
        return (self.institution_key, fold_name(self.group), self.school_year)


@dataclass
class ParsedFile:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    format: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def fail(self, message: str, line: int | None = None, column: str = "") -> ParsedFile:
        self.errors.append(RowError(line, column, message))
        return self


# --- small helpers ---------------------------------------------------------------------


def get_column_letter(index: int) -> str:
    """The spreadsheet's name of column ``index`` (1 = A, 27 = AA); openpyxl has it too, but
    a CSV import should not load openpyxl."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _fold(text: str) -> str:
    """A column name or type, lower case, Danish letters spelled out, no spaces or marks."""
    text = text.replace("\ufeff", "").strip().lower()
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[\s\-_./()]+", "", text)


@lru_cache(maxsize=8192)
def fold_name(text: str) -> str:
    """How institution and group names are compared: case and spacing do not matter."""
    return " ".join(text.split()).casefold()


def _clean_text(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _show(value: object) -> str:
    """A value safe to echo in a message: short, and with anything CPR-like blanked out."""
    text = _clean_text(str(value))
    if len(text) > 40:
        text = text[:37] + "…"
    return "«" + cpr.redact(text) + "»"


def _column_for(header: str) -> str | None:
    folded = _fold(header)
    if folded in COLUMNS:
        return folded
    return _COLUMN_ALIASES.get(folded)


@cache
def _kind_for(value: str) -> str | None:
    folded = _fold(value)
    for kind in Institution.Kind:
        if folded in (_fold(kind.value), _fold(str(kind.label))):
            return kind.value
    alias = _KIND_ALIASES.get(folded)
    return alias.value if alias is not None else None


def _kind_help() -> str:
    # The values as Danish is written; each folds to the stored value (børnehave → boernehave).
    return ", ".join(k.value.replace("oe", "ø") for k in Institution.Kind)


# --- reading the file into cells -------------------------------------------------------

# A cell as read: its value (str for CSV; any openpyxl value for XLSX) and whether it held a
# formula or an error value.


class _Cell(NamedTuple):
    value: Any
    formula: bool = False
    excel_error: bool = False

    @property
    def blank(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


_NO_CELL = _Cell(None)


_MAGIC = [
    (b"\x89PNG", "et billede (PNG)"),
    (b"\xff\xd8\xff", "et billede (JPEG)"),
    (b"GIF8", "et billede (GIF)"),
    (b"%PDF", "en PDF"),
]


def _read_csv(data: bytes, result: ParsedFile) -> Iterator[tuple[int, list[str]]]:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            result.fail(f"filen er {what}, ikke en CSV- eller XLSX-fil")
            return
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        result.fail("filen er i det gamle Excel-format (.xls) – gem den som .xlsx eller CSV")
        return
    text = _decode(data, result)
    if text is None:
        return
    result.format = "CSV"
    # The separator that splits the header into the most known column names.
    sep = tables.delimiter(tables.first_line(text), _known_columns)
    try:
        yield from tables.csv_rows(text, sep)
    except tables.CsvError as exc:
        result.fail("filen kan ikke læses som CSV (fx et anførselstegn uden afslutning)", exc.line)


def _known_columns(cells: Sequence[str]) -> tuple[int, int]:
    return sum(1 for c in cells if _column_for(c) is not None), len(cells)


def _decode(data: bytes, result: ParsedFile) -> str | None:
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in data and not utf16:
        result.fail(
            "filen ser ikke ud til at være en CSV- eller XLSX-fil (den indeholder binære data)"
        )
        return None
    text = tables.decode(data)
    if text is None:
        result.fail(
            "filen kan ikke læses som tekst (UTF-16)"
            if utf16
            else "filen kan ikke læses som tekst – gem den som CSV (UTF-8)"
        )
    return text


def _read_xlsx(data: bytes, result: ParsedFile) -> Iterator[tuple[int, list[_Cell]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        result.fail("filen kan ikke åbnes som XLSX (den er beskadiget eller ikke en XLSX-fil)")
        return
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        result.fail("XLSX-filen er for stor, når den pakkes ud")
        return
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign zip
        result.fail("filen kan ikke åbnes som XLSX (den er beskadiget eller ikke en XLSX-fil)")
        return
    result.format = "XLSX"
    try:
        sheets = workbook.worksheets
        if not sheets:
            result.fail("regnearket har ingen ark")
            return
        sheet = sheets[0]
        if len(sheets) > 1:
            result.warnings.append(
                f"Regnearket har {len(sheets)} ark; kun det første ({_show(sheet.title)}) er læst."
            )
        sheet.reset_dimensions()  # exporters often write a wrong size; read what is there
        yield from _xlsx_rows(sheet, result)
    finally:
        workbook.close()


def _xlsx_rows(sheet: Any, result: ParsedFile) -> Iterator[tuple[int, list[_Cell]]]:
    line = 0
    rows = sheet.iter_rows(min_row=1)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception:  # a damaged sheet: say where reading stopped
            result.fail("regnearket er beskadiget og kan ikke læses herfra", line + 1)
            return
        line += 1
        actual = next((c.row for c in row if getattr(c, "row", None)), None)
        if actual is not None:
            line = actual
        yield (
            line,
            [
                _Cell(
                    value=c.value,
                    formula=c.data_type == "f"
                    or (isinstance(c.value, str) and c.value.startswith("=")),
                    excel_error=c.data_type == "e",
                )
                for c in row
            ],
        )


# --- checking values -------------------------------------------------------------------


def _text(cell: _Cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return _clean_text(str(value))


def _check_cpr(cell: _Cell) -> tuple[str | None, str]:
    """(ten digits, "") or (None, what is wrong) – the message never contains the number."""
    value = cell.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        # A number cell loses a leading zero (a birthday on day 1-9): put it back.
        text = f"{value:010d}" if 0 < value < 10**10 else str(value)
    else:
        text = _clean_text(str(value or ""))
    if not text:
        return None, "CPR-nummer mangler"
    compact = re.sub(r"[\s\-]", "", text)
    if not (compact.isascii() and compact.isdigit()):
        return None, "ugyldigt CPR-nummer (må kun indeholde cifre og evt. bindestreg)"
    if len(compact) != 10:
        hint = " – mangler der et foranstillet 0?" if len(compact) == 9 else ""
        return None, (
            f"ugyldigt CPR-nummer ({len(compact)} cifre, der skal være 10: DDMMÅÅ-XXXX){hint}"
        )
    try:
        return cpr.normalize(compact), ""
    except cpr.CPRError:
        return None, "ugyldigt CPR-nummer (datoen findes ikke)"


def _check_date(cell: _Cell) -> tuple[dt.date | None, str]:
    value = cell.value
    if isinstance(value, dt.datetime):
        return value.date(), ""
    if isinstance(value, dt.date):
        return value, ""
    text = _text(cell)
    if isinstance(value, int | float):
        return None, f"ugyldig dato {_show(text)} – formatér cellen som dato, eller {_DATE_HELP}"
    return _date_of(text)


@lru_cache(maxsize=4096)
def _date_of(text: str) -> tuple[dt.date | None, str]:
    """A date written as text (the same few appear on thousands of rows: cached)."""
    # An ISO timestamp from some exports: keep the date part.
    text = re.sub(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2})?$", r"\1", text)
    for fmt in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if not 1900 <= day.year <= 2100:
            return None, f"ugyldig dato {_show(text)} – året skal være mellem 1900 og 2100"
        return day, ""
    if re.fullmatch(r"\d{1,2}[-./]\d{1,2}[-./]\d{2}", text):
        return None, f"ugyldig dato {_show(text)} – skriv året med fire cifre ({_DATE_HELP})"
    return None, f"ugyldig dato {_show(text)} – {_DATE_HELP}"


def _check_school_year(cell: _Cell) -> tuple[int | None, str]:
    return _school_year_of(_text(cell))


@lru_cache(maxsize=1024)
def _school_year_of(text: str) -> tuple[int | None, str]:
    match = re.fullmatch(r"(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?", text)
    help_ = "skriv startåret, fx 2026 eller 2026/27"
    if not match:
        return None, f"ugyldigt skoleår {_show(text)} – {help_}"
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        return None, f"ugyldigt skoleår {_show(text)} – året skal være mellem 2000 og 2100"
    if match.group(2):
        second = int(match.group(2))
        if second not in ((year + 1) % 100, year + 1):
            return None, f"ugyldigt skoleår {_show(text)} – andet år skal være året efter"
    return year, ""


def _check_grade(cell: _Cell) -> tuple[int | None, str]:
    return _grade_of(_text(cell))


@lru_cache(maxsize=1024)
def _grade_of(text: str) -> tuple[int | None, str]:
    folded = _fold(text)
    if folded in {"bh", "bhkl", "bhklasse", "boernehaveklasse", "0klasse"}:
        return 0, ""
    match = re.fullmatch(r"(\d{1,2})(klasse)?", folded)
    if not match or not 0 <= int(match.group(1)) <= 10:
        return None, f"ugyldigt klassetrin {_show(text)} – skriv et tal fra 0 til 10"
    return int(match.group(1)), ""


def _check_text(cell: _Cell, column: str) -> tuple[str, str]:
    return _text_of(_text(cell), column)


@lru_cache(maxsize=16384)
def _text_of(text: str, column: str) -> tuple[str, str]:
    if not text:
        return "", "skal udfyldes"
    if text.startswith(FORMULA_START):
        return "", "må ikke begynde med =, +, - eller @ (det kan læses som en formel)"
    if cpr.redact(text) != text:
        return "", "ligner et CPR-nummer – er kolonnerne byttet om?"
    limit = _TEXT_LIMITS[column]
    if len(text) > limit:
        return "", f"er for lang ({len(text)} tegn; højst {limit})"
    return text, ""


# --- the whole file --------------------------------------------------------------------


def _is_xlsx(name: str, data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04") or name.lower().endswith((".xlsx", ".xlsm"))


@gc_paused()
def parse_file(name: str, data: bytes) -> ParsedFile:
    """Read a CSV or XLSX file and check every row. Nothing is written anywhere."""
    result = ParsedFile()
    if len(data) > MAX_FILE_BYTES:
        return result.fail(f"filen er for stor (højst {MAX_FILE_BYTES // (1024 * 1024)} MB)")
    if not data.strip():
        return result.fail("filen er tom")
    if name.lower().endswith(".xls") and not data.startswith(b"PK"):
        return result.fail("filen er i det gamle Excel-format (.xls) – gem den som .xlsx eller CSV")
    if not _is_xlsx(name, data):
        return _parse_csv(_read_csv(data, result), result)
    lines = _read_xlsx(data, result)

    header: dict[int, str] | None = None
    seen_rows = 0
    state = _FileState()
    for line, cells in lines:
        if all(c.blank for c in cells):
            continue
        if header is None:
            header = _read_header(line, cells, result)
            if header is None:
                return result
            state.header_width = max(i for i, c in enumerate(cells) if not c.blank) + 1
            continue
        seen_rows += 1
        if seen_rows > MAX_DATA_ROWS:
            return result.fail(
                f"filen har mere end {MAX_DATA_ROWS} rækker – del den op i flere filer"
            )
        _read_row(line, cells, header, state, result)
    return _finish(header, result)


def _finish(header: dict[int, str] | None, result: ParsedFile) -> ParsedFile:
    if result.errors:
        return result
    if header is None:
        return result.fail("filen er tom")
    if not result.rows:
        return result.fail("filen har en overskrift, men ingen rækker med børn")
    return result


def _parse_csv(records: Iterator[tuple[int, list[str]]], result: ParsedFile) -> ParsedFile:
    """A CSV file, checked column by column: each distinct value of a column is checked once
    (a municipality's 60,000 rows hold a few hundred institutions, groups and dates), and a
    row all of whose values pass is made without the per-cell checks of :func:`_read_row`.
    A row with anything wrong goes through :func:`_read_row`, so its messages are the same
    as for XLSX, and the rows are taken in the file's order, so the cross-row checks and
    the order of the messages are too."""
    header: dict[int, str] | None = None
    state = _FileState()
    body: list[tuple[int, list[str]]] = []
    for line, record in records:
        if not "".join(record).strip():
            continue  # a blank line
        if header is None:
            cells = [_Cell(value) for value in record]
            header = _read_header(line, cells, result)
            if header is None:
                return result
            state.header_width = max(i for i, c in enumerate(cells) if not c.blank) + 1
            continue
        body.append((line, record))
    # A file that stops being CSV part way: its message comes after the rows read before.
    unreadable, result.errors = result.errors, []
    too_many = len(body) > MAX_DATA_ROWS
    if header is not None:
        _check_csv_rows(body[:MAX_DATA_ROWS], header, state, result)
    if too_many:
        return result.fail(f"filen har mere end {MAX_DATA_ROWS} rækker – del den op i flere filer")
    result.errors.extend(unreadable)
    return _finish(header, result)


_CPR_PLAIN = re.compile(r"[0-9]{6}-?[0-9]{4}")
_BAD = (None, False)  # a value the fast path does not take: the row goes to _read_row


def _check_csv_rows(
    body: list[tuple[int, list[str]]],
    header: dict[int, str],
    state: _FileState,
    result: ParsedFile,
) -> None:
    width = state.header_width
    index = {column: i for i, column in header.items()}

    def column(name: str) -> list[str]:
        i = index.get(name)
        if i is None:
            return [""] * len(body)
        return [record[i] if i < len(record) else "" for _, record in body]

    def checked(name: str, check: Any) -> list[tuple[Any, bool]]:
        raw = column(name)
        seen = {value: check(value) for value in set(raw)}
        return [seen[value] for value in raw]

    def text(name: str) -> Any:
        def check(value: str) -> tuple[Any, bool]:
            text, problem = _text_of(_clean_text(value), name)
            return text, not problem

        return check

    def parsed(parse: Any, *, blank: tuple[Any, bool]) -> Any:
        # ``blank``: what an empty cell gives (_BAD where the column is required).
        def check(value: str) -> tuple[Any, bool]:
            cleaned = _clean_text(value)
            if not cleaned:
                return blank
            result, problem = parse(cleaned)
            return result, not problem

        return check

    def kind(value: str) -> tuple[Any, bool]:
        found = _kind_for(_clean_text(value)) if value.strip() else None
        return found, found is not None

    born: dict[str, bool] = {}

    def cpr_number(value: str) -> tuple[Any, bool]:
        # Only the plain forms (DDMMÅÅXXXX, DDMMÅÅ-XXXX) with a real date; anything else
        # goes to _check_cpr through _read_row, for its message.
        if not _CPR_PLAIN.fullmatch(value):
            return _BAD
        digits = value.replace("-", "")
        ok = born.get(digits[:7])
        if ok is None:
            try:
                cpr.birth_date(digits)
                ok = True
            except cpr.CPRError:
                ok = False
            born[digits[:7]] = ok
        return digits, ok

    columns = zip(
        checked("cpr", cpr_number),
        checked("fornavn", text("fornavn")),
        checked("efternavn", text("efternavn")),
        checked("institution", text("institution")),
        checked("institutionstype", kind),
        checked("gruppe", text("gruppe")),
        checked("skoleaar", parsed(_school_year_of, blank=_BAD)),
        checked("klassetrin", parsed(_grade_of, blank=(None, True))),
        checked("fra", parsed(_date_of, blank=_BAD)),
        checked("til", parsed(_date_of, blank=(None, True))),
        strict=True,
    )
    for (line, record), values in zip(body, columns, strict=True):
        number, first, last, inst, kind_, group, year, grade, start, end = values
        if (
            number[1]
            and first[1]
            and last[1]
            and inst[1]
            and kind_[1]
            and group[1]
            and year[1]
            and grade[1]
            and start[1]
            and end[1]
            and (end[0] is None or end[0] >= start[0])
            and (len(record) <= width or not "".join(record[width:]).strip())
        ):
            row = ImportRow(
                line=line,
                cpr=number[0],
                first_name=first[0],
                last_name=last[0],
                institution=inst[0],
                institution_kind=kind_[0],
                group=group[0],
                school_year=year[0],
                grade=grade[0],
                start=start[0],
                end=end[0],
            )
            _check_against_earlier(row, state, result)
        else:
            _read_row(line, [_Cell(value) for value in record], header, state, result)


def _read_header(line: int, cells: list[_Cell], result: ParsedFile) -> dict[int, str] | None:
    header: dict[int, str] = {}
    first_line: dict[str, int] = {}
    unknown: list[str] = []
    for index, cell in enumerate(cells):
        if cell.blank:
            continue
        raw = _text(cell)
        column = _column_for(raw)
        if column is None:
            unknown.append(raw)
            continue
        if column in first_line:
            result.fail(
                f"kolonnen {column} står der to gange (i kolonne "
                f"{get_column_letter(first_line[column] + 1)} og {get_column_letter(index + 1)})",
                line,
            )
            continue
        first_line[column] = index
        header[index] = column
    missing = [c for c in REQUIRED_COLUMNS if c not in first_line]
    if missing:
        message = (
            "mangler "
            + ("kolonnen " if len(missing) == 1 else "kolonnerne ")
            + ", ".join(missing)
            + ". Første række skal være overskrifter: "
            + ";".join(COLUMNS)
        )
        if unknown:
            message += ". Ukendte kolonner: " + ", ".join(_describe_unknown(unknown))
        result.fail(message, line)
    elif unknown:
        result.warnings.append(
            "Disse kolonner kendes ikke og er sprunget over: "
            + ", ".join(_describe_unknown(unknown))
        )
    return None if result.errors else header


def _describe_unknown(names: list[str]) -> list[str]:
    described = []
    for name in names:
        close = difflib.get_close_matches(_fold(name), COLUMNS, n=1, cutoff=0.7)
        described.append(_show(name) + (f" (mente du {close[0]}?)" if close else ""))
    return described


@dataclass
class _FileState:
    """What earlier rows said, to find duplicates and contradictions."""

    header_width: int = 0
    by_enrolment: dict[tuple[str, tuple[str, str, int], dt.date], int] = field(default_factory=dict)
    child_names: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    institution_kinds: dict[str, tuple[int, str]] = field(default_factory=dict)
    group_grades: dict[tuple[str, str, int], tuple[int, int | None]] = field(default_factory=dict)


def _read_row(
    line: int,
    cells: list[_Cell],
    header: dict[int, str],
    state: _FileState,
    result: ParsedFile,
) -> None:
    errors: list[RowError] = []

    def err(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    values: dict[str, _Cell] = dict.fromkeys(COLUMNS, _NO_CELL)
    for index, cell in enumerate(cells):
        column = header.get(index)
        if column is None:
            if index >= state.header_width and not cell.blank and result.format == "CSV":
                err(
                    "",
                    "rækken har flere felter end overskriften (i kolonne "
                    f"{get_column_letter(index + 1)}) – tjek skilletegn og anførselstegn",
                )
                break
            continue
        if cell.formula:
            err(column, "formler er ikke tilladt – indsæt værdier")
        elif cell.excel_error:
            err(column, "cellen indeholder en fejlværdi fra regnearket")
        else:
            values[column] = cell
    bad = {e.column for e in errors}

    def need(column: str) -> bool:
        """True when the column has a value to check; records 'skal udfyldes' otherwise."""
        if column in bad:
            return False
        if values[column].blank:
            err(column, "skal udfyldes")
            return False
        return True

    digits = None
    if "cpr" not in bad:
        digits, problem = _check_cpr(values["cpr"])
        if problem:
            err("cpr", problem)
    texts: dict[str, str] = {}
    for column in ("fornavn", "efternavn", "institution", "gruppe"):
        if column not in bad:
            texts[column], problem = _check_text(values[column], column)
            if problem:
                err(column, problem)
    kind = None
    if need("institutionstype"):
        kind = _kind_for(_text(values["institutionstype"]))
        if kind is None:
            err(
                "institutionstype",
                f"ukendt institutionstype {_show(_text(values['institutionstype']))} – "
                f"brug en af: {_kind_help()}",
            )
    school_year = None
    if need("skoleaar"):
        school_year, problem = _check_school_year(values["skoleaar"])
        if problem:
            err("skoleaar", problem)
    grade = None
    if "klassetrin" not in bad and not values["klassetrin"].blank:
        grade, problem = _check_grade(values["klassetrin"])
        if problem:
            err("klassetrin", problem)
    start = None
    if need("fra"):
        start, problem = _check_date(values["fra"])
        if problem:
            err("fra", problem)
    end = None
    if "til" not in bad and not values["til"].blank:
        end, problem = _check_date(values["til"])
        if problem:
            err("til", problem)
        elif start is not None and end is not None and end < start:
            err("til", "slutdatoen er før startdatoen")

    if errors:
        result.errors.extend(errors)
        # Still remember the child's name etc. only from valid rows; stop here.
        return
    assert digits is not None and kind is not None and school_year is not None
    assert start is not None
    row = ImportRow(
        line=line,
        cpr=digits,
        first_name=texts["fornavn"],
        last_name=texts["efternavn"],
        institution=texts["institution"],
        institution_kind=kind,
        group=texts["gruppe"],
        school_year=school_year,
        grade=grade,
        start=start,
        end=end,
    )
    _check_against_earlier(row, state, result)


def _check_against_earlier(row: ImportRow, state: _FileState, result: ParsedFile) -> None:
    line = row.line
    before = len(result.errors)
    # The keys once (each is folded text; 60,000 rows asked for them 300,000 times).
    group_key = row.group_key
    institution_key = group_key[0]
    key = (row.cpr, group_key, row.start)
    if key in state.by_enrolment:
        result.fail(
            f"samme CPR-nummer som række {state.by_enrolment[key]}, med samme gruppe og "
            "startdato (rækken står der to gange)",
            line,
            "cpr",
        )
    earlier_child = state.child_names.get(row.cpr)
    if earlier_child is not None and (earlier_child[1], earlier_child[2]) != (
        row.first_name,
        row.last_name,
    ):
        result.fail(
            f"samme CPR-nummer som række {earlier_child[0]}, men et andet navn – "
            "et barn skal have samme navn i alle rækker",
            line,
            "cpr",
        )
    earlier_kind = state.institution_kinds.get(institution_key)
    if earlier_kind is not None and earlier_kind[1] != row.institution_kind:
        result.fail(
            f"institutionen har typen {earlier_kind[1]} i række {earlier_kind[0]} – "
            "en institution skal have samme type i alle rækker",
            line,
            "institutionstype",
        )
    earlier_grade = state.group_grades.get(group_key)
    if earlier_grade is not None and earlier_grade[1] != row.grade:
        shown = "intet" if earlier_grade[1] is None else str(earlier_grade[1])
        result.fail(
            f"gruppen har klassetrin {shown} i række {earlier_grade[0]} – "
            "en gruppe skal have samme klassetrin i alle rækker",
            line,
            "klassetrin",
        )
    state.by_enrolment.setdefault(key, line)
    state.child_names.setdefault(row.cpr, (line, row.first_name, row.last_name))
    state.institution_kinds.setdefault(institution_key, (line, row.institution_kind))
    state.group_grades.setdefault(group_key, (line, row.grade))
    if len(result.errors) == before:
        result.rows.append(row)
