"""Reading a table that someone uploads (CSV from Excel or an export, in whatever encoding
and separator it came): one reader for every importer. Pure: imports no Django. XLSX is read
by openpyxl in the importer that accepts it; the messages for the user stay with the
importer, which knows what the file should have been.

>>> text = decode("navn;type\\r\\nSolsikken;børnehave\\r\\n".encode("cp1252"))
>>> sep = delimiter(first_line(text))
>>> sep, list(csv_rows(text, sep))
(';', [(1, ['navn', 'type']), (2, ['Solsikken', 'børnehave'])])
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from typing import Any

DELIMITERS = (";", ",", "\t")  # Danish Excel, everyone else, "Unicode text"


class CsvError(ValueError):
    """The text is not CSV from ``line`` on (e.g. a quote that is never closed)."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line}")
        self.line = line


def decode(data: bytes) -> str | None:
    """The text of an uploaded file: UTF-16 with its byte-order mark, UTF-8 (with or without
    one) or Windows-1252 (Danish Excel's "CSV"); None when it is none of them.

    >>> decode("æøå".encode("utf-8-sig")), decode("æøå".encode("cp1252")), decode(b"\\x81\\x8d")
    ('æøå', 'æøå', None)
    >>> decode("æøå".encode("utf-16"))
    'æøå'
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def first_line(text: str) -> str:
    """The first line with anything on it (the header)."""
    return next((line for line in text.splitlines() if line.strip()), "")


def delimiter(
    header: str,
    score: Callable[[Sequence[str]], Any] = len,
    candidates: Sequence[str] = DELIMITERS,
) -> str:
    """The separator that splits ``header`` best: by default into the most cells; an
    importer that knows its columns scores by how many it recognises. Ties go to ``;``.

    >>> delimiter("a,b,c"), delimiter("a;b,c"), delimiter("a\\tb"), delimiter("")
    (',', ';', '\\t', ';')
    """
    best, best_score = candidates[0], None
    for candidate in candidates:
        cells = next(csv.reader([header], delimiter=candidate), [])
        value = score(cells)
        if best_score is None or value > best_score:
            best, best_score = candidate, value
    return best


def csv_rows(text: str, sep: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for each record; :class:`CsvError` with the line where the text
    stops being CSV. A quoted cell may span lines: the number is the record's count."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    line = 0
    try:
        for row in reader:
            line += 1
            yield line, row
    except csv.Error:
        raise CsvError(line + 1) from None
