"""Reading answer tables (CSV/XLSX), scoring them and writing the result; used by the CLI.

Errors are collected for the whole file and reported by row and column (rows counted as in a
spreadsheet: the header is row 1), Danish first. Nothing is written unless every cell is valid.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

try:
    from pyarrow._compute import call_function as _call_function
except ImportError:  # pragma: no cover - a PyArrow that moved it
    from pyarrow.compute import call_function as _call_function

from spor.cells import FORMULA_START
from spor.sdq._base import MISSING, SDQError
from spor.sdq._engine import score
from spor.sdq._instrument import Instrument
from spor.sdq._norms import BandResult, NormSet, band, load_norm_set

if TYPE_CHECKING:
    from tqdm import tqdm

PROGRESS_MIN_ROWS = 20_000
"""Show a progress bar (on stderr) only for files with at least this many rows."""
MAX_REPORTED_ERRORS = 25
_CHUNK = 250_000
SUFFIXES = (".csv", ".xlsx")


@dataclass
class Table:
    """A table of text cells, one Arrow string array per header column (no nulls; a blank or
    absent cell is ``""``)."""

    header: list[str]
    columns: list[pa.Array]
    path: str

    @property
    def n(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    @property
    def rows(self) -> list[list[str]]:
        """The cells row by row (Python strings; slow for big files, meant for small ones)."""
        cols = [c.to_pylist() for c in self.columns]
        return [list(r) for r in zip(*cols, strict=True)] if cols else []


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _check_suffix(path: Path, what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SDQError(f"{what} {path} skal være .csv eller .xlsx / {what} must be .csv or .xlsx")
    return suffix


def _read_csv_arrow(p: Path, first: str, delim: str) -> list[pa.Array] | None:
    """The whole CSV file (header row included) as string columns with PyArrow's reader, or
    ``None`` if the file is not a plain rectangle of UTF-8 cells (ragged or blank lines, bad
    UTF-8, …): the csv module then reads it, as before, so the two give the same cells."""
    width = len(next(csv.reader([first], delimiter=delim), []))
    if width == 0:
        return None
    try:
        t = pacsv.read_csv(
            p,
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(
                delimiter=delim, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{j}": pa.string() for j in range(width)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, OSError):
        return None
    if t.num_columns != width:
        return None
    return [c.combine_chunks() for c in t.columns]


def _to_columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[pa.Array]:
    return [
        _string_array([(r[j] if j < len(r) else "").encode("utf-8") for r in rows])
        for j in range(len(header))
    ]


def read_table(path: str | Path) -> Table:
    """Read a CSV (``,``, ``;`` or tab separated, UTF-8) or XLSX file (first sheet)."""
    p = Path(path)
    suffix = _check_suffix(p, "inputfilen")
    header: list[str] | None
    columns: list[pa.Array] | None = None
    try:
        if suffix == ".csv":
            with p.open(encoding="utf-8-sig", newline="") as fh:
                first = fh.readline()
            delim = max((",", ";", "\t"), key=first.count)
            whole = _read_csv_arrow(p, first, delim)
            if whole is not None:
                header = [str(c[0].as_py()) for c in whole]
                columns = [c.slice(1) for c in whole]
            else:
                with p.open(encoding="utf-8-sig", newline="") as fh:
                    reader = csv.reader(fh, delimiter=delim)
                    header = next(reader, None)
                    rows: list[Sequence[str]] = list(reader)
        else:
            import openpyxl

            wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
            try:
                ws = wb.worksheets[0]
                it = ws.iter_rows(values_only=True)
                first_row = next(it, None)
                header = None if first_row is None else [_cell_text(v) for v in first_row]
                rows = [[_cell_text(v) for v in r] for r in it]
            finally:
                wb.close()
    except UnicodeDecodeError as exc:
        raise SDQError(f"kan ikke læse {p}: filen er ikke UTF-8 ({exc}) / not UTF-8") from exc
    except SDQError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged or fake file
        raise SDQError(f"kan ikke læse {p}: {exc} / cannot read {p}") from exc
    if not header or not any(h.strip() for h in header):
        raise SDQError(f"{p} er tom eller har ingen overskriftsrække / empty or no header row")
    if columns is None:
        # Drop trailing fully empty rows (spreadsheets keep them).
        while rows and not any(str(c).strip() for c in rows[-1]):
            rows.pop()
        columns = _to_columns(header, rows)
    else:
        n = len(columns[0])
        while n and not any(str(c[n - 1].as_py()).strip() for c in columns):
            n -= 1
        if n < len(columns[0]):
            columns = [c.slice(0, n) for c in columns]
    return Table([h.strip().lstrip("\ufeff") for h in header], columns, str(p))


@dataclass
class Columns:
    id: int
    items: list[int]
    impact: list[int] | None
    extras: dict[str, int]
    sex: int | None
    age: int | None


def resolve_columns(inst: Instrument, header: Sequence[str]) -> Columns:
    lower = [h.strip().lower() for h in header]
    aliases = inst.column_aliases()
    owner: dict[str, str] = {a: key for key, names in aliases.items() for a in names}
    found: dict[str, int] = {}
    errors: list[str] = []
    for j, name in enumerate(lower):
        key = owner.get(name)
        if key is None:
            continue
        if key in found:
            errors.append(
                f"kolonnerne '{header[found[key]]}' og '{header[j]}' angiver begge {key} / "
                f"columns '{header[found[key]]}' and '{header[j]}' are both {key}"
            )
        found[key] = j

    def col(*names: str) -> int | None:
        hits = [j for j, n in enumerate(lower) if n in names]
        if len(hits) > 1:
            errors.append(f"kolonnen '{names[0]}' findes flere gange / column repeated")
        return hits[0] if hits else None

    id_col = col("id")
    if id_col is None:
        errors.append("mangler kolonnen 'id' / missing column 'id'")
    missing_items = [k for k in inst.item_keys if k not in found]
    for k in missing_items:
        alts = ", ".join(aliases[k][1:])
        errors.append(f"mangler kolonnen '{k}' (eller {alts}) / missing column '{k}'")
    impact: list[int] | None = None
    if inst.impact is not None:
        present = [k for k in inst.impact.columns if k in found]
        if present:
            absent = [k for k in inst.impact.columns if k not in found]
            for k in absent:
                errors.append(
                    f"mangler impact-kolonnen '{k}' (eller {', '.join(aliases[k][1:])}); "
                    f"enten alle impact-kolonner eller ingen / missing impact column '{k}'"
                )
            impact = [found.get(k, -1) for k in inst.impact.columns]
    sex = col("sex", "køn", "koen")
    age = col("age", "alder")
    if errors:
        raise SDQError("\n".join(errors))
    assert id_col is not None
    extras = {e.key: found[e.key] for e in inst.extra_items if e.key in found}
    return Columns(id_col, [found[k] for k in inst.item_keys], impact, extras, sex, age)


def _utf8(arr: pa.Array) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """Offsets (n + 1, from 0 into the data) and bytes of a string array, without copying."""
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    return offsets.astype(np.int64), data


def _digit_codes(col: pa.Array, n_codes: int) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.intp]]:
    """The codes of the one-digit and blank cells of a string column, and the rows of the
    other cells (to be looked at by :func:`_other_codes`). NumPy only: runs on any thread."""
    bufs = col.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32)[col.offset : col.offset + len(col) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else None
    starts = offsets[:-1]
    lengths = offsets[1:] - starts
    if data is None or not len(data):
        digit = np.zeros(len(col), dtype=np.uint8)
    else:
        # The first byte of every cell (a blank cell's start may be the end of the data).
        digit = data[np.minimum(starts, len(data) - 1)] - np.uint8(ord("0"))  # wraps below '0'
    good = (lengths == 1) & (digit < n_codes)
    vals = np.where(good, digit.view(np.int8), np.int8(MISSING))
    return vals, np.flatnonzero(~good & (lengths != 0))


def _other_codes(
    col: pa.Array,
    vals: npt.NDArray[np.int8],
    other: npt.NDArray[np.intp],
    n_codes: int,
    name: str,
    row0: int,
    errors: list[str],
    counter: list[int],
) -> None:
    """Codes of the cells :func:`_digit_codes` left (``" 1"``, ``"2.0"``) into ``vals``, and an
    error for each cell that is none (row and column named)."""
    if len(other):
        lut: dict[str, int] = {"": MISSING}
        for c in range(n_codes):
            lut[str(c)] = c
            lut[f"{c}.0"] = c
        for i in other.tolist():
            raw = str(col[i].as_py())
            stripped = raw.strip()
            if stripped in lut:
                vals[i] = lut[stripped]
                continue
            counter[0] += 1
            if len(errors) < MAX_REPORTED_ERRORS:
                allowed = ", ".join(str(c) for c in range(n_codes))
                errors.append(
                    f"række {row0 + i}, kolonne '{name}': ugyldig værdi '{raw}' "
                    f"(tilladt: {allowed} eller tom) / row {row0 + i}, column '{name}': "
                    f"invalid value '{raw}' (allowed: {allowed} or blank)"
                )


def _progress(total: int, desc: str) -> tqdm[Any]:
    from tqdm import tqdm  # only on the paths that show one (its import takes a while)

    return tqdm(
        total=total,
        desc=desc,
        unit=" rækker",
        file=sys.stderr,
        disable=total < PROGRESS_MIN_ROWS,
        leave=False,
    )


@dataclass
class Parsed:
    ids: pa.Array
    answers: npt.NDArray[np.int8]
    impact: npt.NDArray[np.int8] | None
    sex: npt.NDArray[np.object_] | None
    age: npt.NDArray[np.float64] | None


def _report_cells(
    values: list[str],
    idx: npt.NDArray[np.intp],
    bad: list[int],
    errors: list[str],
    counter: list[int],
    message: Callable[[str], str],
) -> None:
    """One error per row whose value (``values[idx[row]]``) is one of the ``bad`` distinct
    values, counted in ``counter`` and listed up to the limit, in row order."""
    if not bad:
        return
    for i in np.flatnonzero(np.isin(idx, bad)).tolist():
        counter[0] += 1
        if len(errors) < MAX_REPORTED_ERRORS:
            errors.append(f"række {i + 2}, {message(values[idx[i]])}")


def _by_value(col: pa.Array) -> tuple[list[str], npt.NDArray[np.intp]]:
    """The distinct cells of a column and, for each row, the index of its cell among them."""
    enc = col.dictionary_encode()
    ind = enc.indices  # int32 without nulls (text cells are never null); read from its buffer,
    # as Arrow's to_numpy would import pandas (seconds of a short command's start)
    codes = np.frombuffer(ind.buffers()[1], dtype=np.int32, count=len(ind), offset=4 * ind.offset)
    return enc.dictionary.to_pylist(), codes.astype(np.intp)


def _sex_age(
    header: Sequence[str],
    columns: Sequence[pa.Array],
    cols: Columns,
    errors: list[str],
    counter: list[int],
) -> tuple[npt.NDArray[np.object_] | None, npt.NDArray[np.float64] | None]:
    """Sex and age per row (``None`` without the column), mapped per distinct value; an error
    for each bad cell."""
    sex = age = None
    if cols.sex is not None:
        sex_map = {"f": "f", "m": "m", "pige": "f", "dreng": "m", "k": "f", "": None}
        values, idx = _by_value(columns[cols.sex])
        norm = [v.strip().lower() for v in values]
        bad = [k for k, v in enumerate(norm) if v not in sex_map]
        name = header[cols.sex]
        _report_cells(
            values, idx, bad, errors, counter,
            lambda raw: f"kolonne '{name}': ugyldigt køn '{raw}' "
            f"(tilladt: f/pige, m/dreng eller tom) / invalid sex '{raw}'",
        )  # fmt: skip
        sex = np.array([sex_map.get(v) for v in norm], dtype=object)[idx]
    if cols.age is not None:
        values, idx = _by_value(columns[cols.age])
        ages = np.full(len(values), np.nan)
        bad = []
        for k, raw in enumerate(values):
            if not raw.strip():
                continue
            try:
                ages[k] = float(raw.replace(",", "."))
            except ValueError:
                bad.append(k)
        name = header[cols.age]
        _report_cells(
            values, idx, bad, errors, counter,
            lambda raw: f"kolonne '{name}': ugyldig alder '{raw}' / invalid age '{raw}'",
        )  # fmt: skip
        age = ages[idx]
    return sex, age


def parse_table(inst: Instrument, table: Table) -> Parsed:
    cols = resolve_columns(inst, table.header)
    n = table.n
    errors: list[str] = []
    counter = [0]
    n_codes = len(inst.response_codes)
    answers = np.empty((n, len(cols.items)), dtype=np.int8)
    impact: npt.NDArray[np.int8] | None = None
    spec = inst.impact
    if cols.impact is not None:
        impact = np.empty((n, len(cols.impact)), dtype=np.int8)
    # (target array or None, its column, table column, number of codes) per answer column.
    jobs: list[tuple[npt.NDArray[np.int8] | None, int, int, int]] = [
        (answers, q, j, n_codes) for q, j in enumerate(cols.items)
    ]
    if cols.impact is not None and spec is not None and impact is not None:
        widths = [len(spec.overall.codes), *(len(i.codes) for i in spec.items)]
        jobs += [(impact, q, j, widths[q]) for q, j in enumerate(cols.impact)]
    jobs += [
        (None, 0, cols.extras[e.key], len(e.codes))
        for e in inst.extra_items
        if e.key in cols.extras
    ]
    with _progress(n, "Læser") as bar, ThreadPoolExecutor(max_workers=_threads()) as pool:
        for start in range(0, n, _CHUNK):
            stop = min(n, start + _CHUNK)
            row0 = start + 2
            chunks = [table.columns[j].slice(start, stop - start) for _, _, j, _ in jobs]
            # The one-digit cells of every column at once (NumPy releases the GIL), then the
            # other cells and the errors in column order, as one after the other would.
            fast = pool.map(_digit_codes, chunks, [k for *_, k in jobs])
            for (target, q, j, k), chunk, (vals, other) in zip(jobs, chunks, fast, strict=True):
                _other_codes(chunk, vals, other, k, table.header[j], row0, errors, counter)
                if target is not None:
                    target[start:stop, q] = vals
            bar.update(stop - start)
    sex, age = _sex_age(table.header, table.columns, cols, errors, counter)
    if counter[0]:
        more = counter[0] - len(errors)
        tail = f"\n… og {more} fejl mere / and {more} more errors" if more > 0 else ""
        raise SDQError(
            f"{table.path}: {counter[0]} ugyldige celler; intet er skrevet / "
            f"{counter[0]} invalid cells; nothing written\n" + "\n".join(errors) + tail
        )
    return Parsed(table.columns[cols.id], answers, impact, sex, age)


def _answer_codes(inst: Instrument, cols: Columns) -> dict[int, int]:
    """Table column → number of codes, for every answer column (items, impact, extras)."""
    codes = {j: len(inst.response_codes) for j in cols.items}
    spec = inst.impact
    if cols.impact is not None and spec is not None:
        widths = [len(spec.overall.codes), *(len(i.codes) for i in spec.items)]
        codes.update(zip(cols.impact, widths, strict=True))
    for e in inst.extra_items:
        if e.key in cols.extras:
            codes[cols.extras[e.key]] = len(e.codes)
    return codes


_NEEDS_QUOTES = r'[,"\n]'
"""What makes the csv module quote a field (with ``lineterminator="\\n"``)."""


def _csv_field(v: str) -> str:
    if re.search(_NEEDS_QUOTES, v):
        return '"' + v.replace('"', '""') + '"'
    return v


def _string_array(values: Sequence[bytes]) -> pa.Array:
    """A string array of ``values`` built from its buffers (no conversion of Python objects,
    which would make PyArrow import pandas: seconds of a short command's start)."""
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum([len(v) for v in values], out=offsets[1:])
    return pa.StringArray.from_buffers(
        len(values), pa.py_buffer(offsets), pa.py_buffer(b"".join(values))
    )


def _any_byte(arr: pa.Array, chars: bytes) -> bool:
    """Whether any text of a string array holds any of the (ASCII) ``chars``."""
    offsets, data = _utf8(arr)
    text = data[offsets[0] : offsets[-1]]
    return any(bool((text == c).any()) for c in chars)


def _call(name: str, args: list[Any]) -> Any:
    """Arrow's compute function ``name`` on ``args``. Through ``call_function`` of
    ``pyarrow._compute`` (where ``pyarrow.compute`` takes it from): importing
    ``pyarrow.compute`` builds a Python wrapper with its docstring for every one of Arrow's
    functions, some 0.04 s of CPU of ``spor sdq score``'s 0.27 s start, which the common file
    does not need; its rare cases (ids to quote or guard) import it when they occur."""
    return _call_function(name, args)


def _take(lut: pa.Array, idx: npt.NDArray[Any]) -> pa.Array:
    """``lut[idx]`` for a NumPy index vector, in Arrow (one copy of the bytes, in C++)."""
    indices = np.ascontiguousarray(idx, dtype=np.int32)
    index = pa.Array.from_buffers(pa.int32(), len(indices), [None, pa.py_buffer(indices)])
    return _call("take", [lut, index])


_LUT_LIMIT = 1 << 16
"""Largest number of distinct texts of one joined group of output fields."""
_EMPTY = _string_array([b""])[0]
_QUOTE = _string_array([b'"'])[0]
_APOSTROPHE = _string_array([b"'"])[0]
_EMPTY_ARRAY = _string_array([])
"""Scalars made from buffers: a Python ``str`` given to Arrow makes PyArrow import pandas."""


def _joined_texts(fields: list[pa.Array]) -> list[tuple[pa.Array, list[int]]]:
    """Neighbouring fields joined into one while their texts stay few: a field is the array
    of its possible texts; two become the array of every pairing (in Arrow), whose row index
    is ``a * len(texts of b) + b``. Returns each group's texts and its fields' positions.
    Fewer, wider groups make the final join cheap."""
    out: list[tuple[pa.Array, list[int]]] = [(fields[0], [0])]
    for f, texts in enumerate(fields[1:], start=1):
        prev, members = out[-1]
        na, nb = len(prev), len(texts)
        if na * nb <= _LUT_LIMIT:
            pairs = _call(
                "binary_join_element_wise",
                [
                    _take(prev, np.repeat(np.arange(na), nb)),
                    _take(texts, np.tile(np.arange(nb), na)),
                    _EMPTY,
                ],
            )
            out[-1] = (pairs, [*members, f])
        else:
            out.append((texts, [f]))
    return out


class CsvLines:
    """The CSV lines of scored rows (UTF-8, ``\\n`` line ends), the text the csv module writes,
    built column-wise for any number of rows at a time: every score with its band is a small
    code, so the text after the id is a few entries of tables of the possible texts
    (:func:`_joined_texts`). The tables and the ids make one Arrow string array, and one
    ``take`` of every row's id and entries, in line order, gives the lines as its bytes; no
    Python loop over rows or cells. The tables are built once for the highest score seen so
    far; one object serves the pieces of a file on several threads (Arrow and NumPy release
    the GIL)."""

    def __init__(self, form: str, norm_set: str, band_codes: tuple[str, ...], banded: bool):
        self._prefix = f",{_csv_field(form)},{_csv_field(norm_set)}".encode()
        self._band_texts = [c.encode("utf-8") for c in band_codes] + [b""]
        self._banded = banded
        self._high: tuple[int, ...] = ()
        self._texts: pa.Array = _EMPTY_ARRAY
        self._groups: list[tuple[int, list[int]]] = []
        self._sizes: list[int] = []
        self._lock = threading.Lock()

    def _tables(
        self, high: tuple[int, ...]
    ) -> tuple[pa.Array, list[tuple[int, list[int]]], list[int]]:
        """Every group's texts in one array for scores up to ``high`` (or higher), where each
        group starts in it and its fields, and each field's number of texts."""
        with self._lock:
            if self._high and all(h <= k for h, k in zip(high, self._high, strict=True)):
                return self._texts, self._groups, self._sizes
            high = tuple(max(h, k) for h, k in zip(high, self._high or high, strict=True))
            fields = [_string_array([self._prefix])]
            for top in high:
                numbers = [str(k).encode() for k in range(top + 1)] + [b""]
                if self._banded:
                    fields.append(
                        _string_array(
                            [b"," + t + b"," + u for t in numbers for u in self._band_texts]
                        )
                    )
                else:
                    fields.append(_string_array([b"," + t for t in numbers]))
            fields.append(_string_array([b"\n"]))
            joined = _joined_texts(fields)
            starts = np.cumsum([0] + [len(t) for t, _ in joined])[:-1].tolist()
            self._texts = pa.concat_arrays([t for t, _ in joined])
            self._groups = [
                (start, members) for start, (_, members) in zip(starts, joined, strict=True)
            ]
            self._sizes = [len(f) for f in fields]
            self._high = high
            return self._texts, self._groups, self._sizes

    def __call__(
        self,
        ids: pa.Array,
        scores: Sequence[npt.NDArray[np.int8]],
        bands: Sequence[npt.NDArray[np.int8] | None] | None,
    ) -> memoryview:
        """The lines of these rows: ``ids`` (formula-guarded already), their scores and bands."""
        n = len(ids)
        high = tuple(max(int(sc.max()), 0) if n else 0 for sc in scores)
        texts, groups, sizes = self._tables(high)
        nb = len(self._band_texts)

        def field_index(q: int) -> npt.NDArray[np.int32]:
            """Each row's index into the texts of score ``q`` (its number, then its band)."""
            count = sizes[q + 1] // nb if self._banded else sizes[q + 1]
            remap = np.arange(256, dtype=np.int32)
            remap[255] = count - 1  # -1 read as uint8: blank, the last text
            idx = remap.take(scores[q].view(np.uint8))
            if self._banded:
                idx *= nb
                b = None if bands is None else bands[q]
                if b is None:
                    idx += nb - 1
                else:
                    remap = np.arange(256, dtype=np.int32)
                    remap[255] = nb - 1
                    idx += remap.take(b.view(np.uint8))
            return idx

        if _any_byte(ids, b',"\n'):
            import pyarrow.compute as pc  # only for ids that need quotes (see _call)

            quote = pc.match_substring_regex(ids, _NEEDS_QUOTES)
            quoted = pc.binary_join_element_wise(
                _QUOTE, pc.replace_substring(ids, '"', '""'), _QUOTE, _EMPTY
            )
            ids = pc.if_else(quote, quoted, ids)
        # row i's entries: its id (after the tables), then each group's text
        entries = np.empty((n, 1 + len(groups)), dtype=np.int32)
        entries[:, 0] = np.arange(len(texts), len(texts) + n, dtype=np.int32)
        for g, (start, members) in enumerate(groups, start=1):
            idx: npt.NDArray[np.int32] | None = None
            for f in members:
                if sizes[f] == 1:  # the prefix and the line end: one text, index 0
                    continue
                fi = field_index(f - 1)
                if idx is None:
                    idx = fi
                else:
                    idx *= np.int32(sizes[f])
                    idx += fi
            if idx is None:
                entries[:, g] = start
            else:
                np.add(idx, np.int32(start), out=entries[:, g])
        lines = _take(pa.concat_arrays([texts, ids]), entries.reshape(-1))
        return _text_bytes(lines)


def _text_bytes(arr: pa.Array) -> memoryview:
    """The bytes of a string array's texts, end to end, without a copy (nor one of its
    offsets, which :func:`_utf8` makes)."""
    if not len(arr):
        return memoryview(b"")
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32)
    start, stop = int(offsets[arr.offset]), int(offsets[arr.offset + len(arr)])
    if bufs[2] is None or start == stop:
        return memoryview(b"")
    return np.frombuffer(bufs[2], dtype=np.uint8)[start:stop].data


def _threads() -> int:
    """Threads for the column-wise work: the cores, at most 4."""
    return max(1, min(os.cpu_count() or 1, 4))


def _in_threads(work: Iterable[Callable[[], memoryview]]) -> Iterator[memoryview]:
    """The results of ``work``, in order, computed two at a time (Arrow's kernels release
    the GIL, so the pieces of a big file are built on both cores)."""
    jobs = list(work)
    if len(jobs) == 1:
        yield jobs[0]()
        return
    with ThreadPoolExecutor(max_workers=min(len(jobs), _threads())) as pool:
        yield from pool.map(lambda job: job(), jobs)


@dataclass
class Scored:
    """The scored table: rows for a spreadsheet, or the whole CSV text at once."""

    header: list[str]
    ids: pa.Array
    form: str
    norm_set: str
    scores: list[npt.NDArray[np.int8]]
    bands: list[npt.NDArray[np.int8] | None] | None
    band_codes: tuple[str, ...]

    def __iter__(self) -> Iterator[list[Any]]:
        ids = self.ids.to_pylist()
        score_cols = [s.tolist() for s in self.scores]
        codes = [*self.band_codes]
        band_cols = [
            [None] * len(ids) if b is None else [codes[v] if v >= 0 else None for v in b.tolist()]
            for b in self.bands or []
        ]
        for i, ident in enumerate(ids):
            row: list[Any] = [ident, self.form, self.norm_set]
            for q, sc in enumerate(score_cols):
                v = sc[i]
                row.append(None if v < 0 else v)
                if band_cols:
                    row.append(band_cols[q][i])
            yield row

    def csv_chunks(self, rows: int = 1 << 18) -> Iterator[bytes | memoryview]:
        """The CSV text in pieces of ``rows`` rows, the header first (see :class:`CsvLines`)."""
        yield csv_header(self.header)
        n = len(self.ids)
        if n == 0:
            return
        lines = CsvLines(self.form, self.norm_set, self.band_codes, self.bands is not None)
        bands = self.bands

        def piece(start: int, stop: int) -> memoryview:
            return lines(
                self.ids.slice(start, stop - start),
                [s[start:stop] for s in self.scores],
                None if bands is None else [None if b is None else b[start:stop] for b in bands],
            )

        bounds = [(a, min(n, a + rows)) for a in range(0, n, rows)]
        yield from _in_threads(functools.partial(piece, a, b) for a, b in bounds)


def csv_header(header: Sequence[str]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(header)
    return buf.getvalue().encode("utf-8")


_FORMULA = "^[" + re.escape("".join(FORMULA_START)) + "]"
_FORMULA_FIRST = np.zeros(256, dtype=bool)
_FORMULA_FIRST[np.frombuffer("".join(FORMULA_START).encode(), np.uint8)] = True
"""Whether a byte is one an id that a spreadsheet would run as a formula starts with."""


def _formula_guarded(ids: pa.Array) -> pa.Array:
    """The ids with :data:`spor.cells.FORMULA_START`'s leading ``'`` where a spreadsheet would
    run one as a formula (the same guard as every export), column-wise."""
    n = len(ids)
    bufs = ids.buffers()
    if not n or bufs[2] is None or not bufs[2].size:
        return ids
    starts = np.frombuffer(bufs[1], dtype=np.int32, count=n, offset=4 * ids.offset)
    # the byte each id starts at (an empty id's is the next id's first byte, or the last byte:
    # at worst a needless look with the regular expression below); one table look-up per id
    first = np.frombuffer(bufs[2], dtype=np.uint8).take(starts, mode="clip")
    if not _FORMULA_FIRST.take(first).any():
        return ids
    import pyarrow.compute as pc  # only for ids that start like a formula (see _call)

    formula = pc.match_substring_regex(ids, _FORMULA)
    if not pc.any(formula).as_py():
        return ids
    return pc.if_else(formula, pc.binary_join_element_wise(_APOSTROPHE, ids, _EMPTY), ids)


def score_table(
    inst: Instrument, table: Table, norms: str | Path | NormSet | None
) -> tuple[list[str], Scored, int, str | None]:
    """Score a table; returns (header, rows, row count, warning or None)."""
    return score_parsed(inst, parse_table(inst, table), norms)


def score_file(
    inst: Instrument, path: str | Path, norms: str | Path | NormSet | None
) -> tuple[list[str], Scored, int, str | None]:
    """Read and score a CSV or XLSX file cell by cell (:func:`read_table`), naming every bad
    cell; ``spor sdq score`` first tries the common CSV file block by block
    (:mod:`spor.sdq._stream`)."""
    return score_parsed(inst, parse_table(inst, read_table(path)), norms)


def score_parsed(
    inst: Instrument, parsed: Parsed, norms: str | Path | NormSet | None
) -> tuple[list[str], Scored, int, str | None]:
    """Score parsed answers; returns (header, rows, row count, warning or None)."""
    res = score(parsed.answers, parsed.impact, form=inst)
    warning = None
    bands: BandResult | None = None
    ns_name = norms if norms is not None else inst.default_norms
    if ns_name is None:
        warning = (
            f"advarsel: Spor har intet normsæt til {inst.form}; båndkolonnerne udelades / "
            f"warning: no norm set for {inst.form}; band columns left out"
        )
    else:
        ns = load_norm_set(ns_name)
        if ns.strata is not None and (parsed.sex is None or parsed.age is None):
            raise SDQError(
                f"normsættet {ns.ref} er opdelt på køn og alder: inputfilen skal have kolonnerne "
                f"'sex' (eller 'køn') og 'age' (eller 'alder') / needs columns sex and age"
            )
        bands = band(res, ns, sex=parsed.sex, age=parsed.age)
    names = list(res)
    header = ["id", "form", "norm_set"]
    for name in names:
        header.append(name)
        if bands is not None:
            header.append(f"{name}_band")
    scored = Scored(
        header=header,
        ids=_formula_guarded(parsed.ids),
        form=inst.form,
        norm_set=bands.norm_set.ref if bands is not None else "",
        scores=[res[nm] for nm in names],
        bands=None if bands is None else [bands.get(nm) for nm in names],
        band_codes=bands.codes if bands is not None else (),
    )
    return header, scored, res.n, warning


def write_table(
    path: str | Path | None,
    header: list[str],
    rows: Iterable[list[Any]],
    n: int,
    stdout: TextIO | None = None,
) -> None:
    """Write CSV or XLSX atomically (temporary file, then rename); CSV to stdout if no path."""
    if path is None:
        out = stdout or sys.stdout
        if isinstance(rows, Scored):
            for chunk in rows.csv_chunks():
                out.write(bytes(chunk).decode("utf-8"))
            return
        w = csv.writer(out, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
        return
    p = Path(path)
    suffix = _check_suffix(p, "outputfilen")
    directory = p.resolve().parent
    if not directory.is_dir():
        raise SDQError(f"mappen {directory} findes ikke / directory does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".spor-sdq-", suffix=suffix, dir=directory)
    try:
        if suffix == ".csv" and isinstance(rows, Scored):
            # built in pieces on all cores, about a second a million rows: no progress bar
            with os.fdopen(fd, "wb") as bfh:
                for chunk in rows.csv_chunks():
                    bfh.write(chunk)
        else:
            _write_rows(fd, tmp, suffix, header, rows, n)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_rows(
    fd: int, tmp: str, suffix: str, header: list[str], rows: Iterable[list[Any]], n: int
) -> None:
    """Rows one by one into CSV or XLSX, with a progress bar for a big file."""
    with _progress(n, "Skriver") as bar:
        if suffix == ".csv":
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(header)
                for i, r in enumerate(rows):
                    w.writerow(["" if v is None else v for v in r])
                    if i % 10_000 == 9_999:
                        bar.update(10_000)
        else:
            os.close(fd)
            import openpyxl

            wb = openpyxl.Workbook(write_only=True)
            ws = wb.create_sheet("SDQ")
            ws.append(header)
            for i, r in enumerate(rows):
                ws.append(r)
                if i % 10_000 == 9_999:
                    bar.update(10_000)
            wb.save(tmp)
