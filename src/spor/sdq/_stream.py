"""``spor sdq score``'s path for the common CSV file: read, checked, scored and written in
pieces, on both cores at once.

The common file has no quote character, every row as wide as the header, and every answer cell
one digit or blank. PyArrow's streaming CSV reader parses it a block at a time (a few MB) on the
main thread, answer columns straight into int8, while a pool of threads turns each block that is
ready into output text: the answers into the engine's row order, the range checks, the scores,
the bands, the formula guard on ids and the CSV lines (:class:`CsvLines`). Arrow and NumPy
release the GIL, so the reader and the workers run side by side; the text is written in file
order as soon as it is ready, into a temporary file that replaces the output only at the end.

That the reader took each answer cell exactly as written is checked by counting bytes, summed
over the blocks: the file is exactly as long as its header line, its text cells, one byte per
non-blank answer cell and one per separator and line end. A cell the reader would also take
(``" 1"``, ``"01"``, ``"-1"``) is longer than one byte and breaks the count. Anything else (a
value out of range, a bad sex or age, a ragged row, a failed count) stops this path: its
temporary file is removed, and the command reads the file cell by cell instead
(:func:`spor.sdq._table.score_file`), which names every bad cell; so nothing is written unless
the whole file is valid. Trailing blank rows (spreadsheets keep them) are held back until a
later row shows they are not trailing, and dropped at the end, as the cell-by-cell path does.
"""

from __future__ import annotations

import csv
import mmap
import os
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

from spor.sdq._base import MISSING, SDQError
from spor.sdq._engine import score
from spor.sdq._instrument import Instrument
from spor.sdq._norms import NormSet, band, load_norm_set
from spor.sdq._table import (
    Columns,
    CsvLines,
    Parsed,
    _answer_codes,
    _formula_guarded,
    _sex_age,
    _threads,
    csv_header,
    resolve_columns,
)

BLOCK_BYTES = 4 << 20
"""Bytes of the file per block: about 60,000 rows of the SDQ with impact; a block's answers,
scores and text stay in the cache, and 17 blocks a million rows keep both cores busy."""
AHEAD = 4
"""Blocks read ahead of the one being written (bounds the memory to a few blocks)."""


class NotCommon(Exception):
    """The file is not the common kind: the cell-by-cell path reads it (and names what is
    wrong with it)."""


@dataclass(frozen=True)
class Layout:
    """What the header line says about the file."""

    path: Path
    header: list[str]
    cols: Columns
    codes: dict[int, int]  # answer column → its number of codes
    delim: str
    header_bytes: int
    size: int
    ends_with_newline: bool

    @property
    def width(self) -> int:
        return len(self.header)


def layout(inst: Instrument, path: Path) -> Layout | None:
    """The file's layout, or ``None`` if it is not the common kind by its header or a quote
    character (the cell-by-cell path then reads it and reports its errors)."""
    try:
        with path.open("rb") as fh:
            first_raw = fh.readline()
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                return None
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
                if m.find(b'"') >= 0:
                    return None
                ends_with_newline = m[size - 1 : size] in (b"\n", b"\r")
        first = first_raw.decode("utf-8-sig")
        delim = max((",", ";", "\t"), key=first.count)
        header = [
            h.strip().lstrip("\ufeff") for h in next(csv.reader([first], delimiter=delim), [])
        ]
        if not any(header):
            return None
        cols = resolve_columns(inst, header)
    except (OSError, ValueError):  # SDQError and UnicodeDecodeError too
        return None
    codes = _answer_codes(inst, cols)
    return Layout(path, header, cols, codes, delim, len(first_raw), size, ends_with_newline)


def open_reader(lay: Layout, block_bytes: int | None = None) -> pacsv.CSVStreamingReader:
    """PyArrow's streaming CSV reader on the rows after the header: the answer columns as int8
    (a blank cell is null), the others as text. Raises ``pa.ArrowException`` or ``OSError`` for
    a file it cannot read this way."""
    return pacsv.open_csv(
        lay.path,
        read_options=pacsv.ReadOptions(
            autogenerate_column_names=True, skip_rows=1, block_size=block_bytes or BLOCK_BYTES
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=lay.delim, quote_char=False, ignore_empty_lines=False
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={
                f"f{j}": pa.int8() if j in lay.codes else pa.string() for j in range(lay.width)
            },
            null_values=[""],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def blocks(lay: Layout, block_bytes: int | None = None) -> Iterator[pa.RecordBatch]:
    """The file's rows, a block at a time; :class:`NotCommon` if the reader refuses it."""
    try:
        reader = open_reader(lay, block_bytes)
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            if batch.num_columns != lay.width:
                raise NotCommon
            yield batch
    except (pa.ArrowException, OSError) as exc:
        raise NotCommon from exc


def _int8_rows(batch: pa.RecordBatch, columns: list[int]) -> npt.NDArray[np.int8]:
    """The int8 columns as one row-ordered array, ``-1`` where blank (null); read from the
    buffers (Arrow's ``to_numpy`` would import pandas: seconds of a short command's start)."""
    n = batch.num_rows
    by_column = np.empty((len(columns), n), dtype=np.int8)
    for q, j in enumerate(columns):
        col = batch.column(j)
        validity, data = col.buffers()
        values = np.frombuffer(data, dtype=np.int8, count=n, offset=col.offset)
        if col.null_count:
            bits = np.frombuffer(validity, dtype=np.uint8)
            valid = np.unpackbits(bits, count=col.offset + n, bitorder="little")[col.offset :]
            np.copyto(by_column[q], np.int8(MISSING))
            np.copyto(by_column[q], values, where=valid.view(np.bool_))
        else:
            np.copyto(by_column[q], values)
    return np.ascontiguousarray(by_column.T)


def _out_of_range(rows: npt.NDArray[np.int8], codes: list[int]) -> bool:
    """Whether any value of ``rows`` is outside ``-1 … codes - 1`` of its column."""
    if not rows.size:
        return False
    shifted = rows.view(np.uint8) + np.uint8(1)  # -1 → 0, 0 → 1, …; below -1 wraps high
    return bool((shifted.max(axis=0) > np.array(codes, dtype=np.uint8)).any())


def counted_bytes(lay: Layout, batch: pa.RecordBatch) -> int:
    """The bytes these rows take if every answer cell is one byte or blank: text cells, one per
    non-blank answer cell, one per separator and line end."""
    n = int(batch.num_rows)
    total = n * lay.width
    for j, col in enumerate(batch.columns):
        if j in lay.codes:
            total += n - int(col.null_count)
        else:
            offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)
            total += int(offsets[col.offset + n]) - int(offsets[col.offset])
    return total


def parse_block(inst: Instrument, lay: Layout, batch: pa.RecordBatch) -> Parsed:
    """One block's answers in the engine's row order, with its ids, sex and age;
    :class:`NotCommon` for a value out of range or a bad sex or age."""
    cols = lay.cols
    answers = _int8_rows(batch, cols.items)
    if _out_of_range(answers, [lay.codes[j] for j in cols.items]):
        raise NotCommon
    impact = None
    if cols.impact is not None:
        impact = _int8_rows(batch, cols.impact)
        if _out_of_range(impact, [lay.codes[j] for j in cols.impact]):
            raise NotCommon
    extras = list(cols.extras.values())
    if extras and _out_of_range(_int8_rows(batch, extras), [lay.codes[j] for j in extras]):
        raise NotCommon
    sex = age = None
    if cols.sex is not None or cols.age is not None:
        errors: list[str] = []
        counter = [0]
        sex, age = _sex_age(lay.header, batch.columns, cols, errors, counter)
        if counter[0]:
            raise NotCommon
    return Parsed(batch.column(cols.id), answers, impact, sex, age)


def blank_tail(batch: pa.RecordBatch) -> int:
    """How many rows at the end of the block are blank (every cell empty or spaces)."""
    n = batch.num_rows
    k = 0
    while k < n and all(
        not col[n - 1 - k].is_valid or not str(col[n - 1 - k].as_py()).strip()
        for col in batch.columns
    ):
        k += 1
    return k


@dataclass
class Plan:
    """How the scored rows are banded and written (the same for every block)."""

    header: list[str]
    names: list[str]
    norms: NormSet | None
    lines: CsvLines
    warning: str | None


def plan(inst: Instrument, lay: Layout, norms: str | Path | NormSet | None) -> Plan | None:
    """The output's header and banding, as :func:`spor.sdq._table.score_parsed` makes them;
    ``None`` where that would fail (the cell-by-cell path then gives its errors in its order)."""
    ns_name = norms if norms is not None else inst.default_norms
    empty = score(np.empty((0, len(inst.items)), dtype=np.int8), None, form=inst)
    names = list(empty)
    ns = None
    warning = None
    if ns_name is None:
        warning = (
            f"advarsel: Spor har intet normsæt til {inst.form}; båndkolonnerne udelades / "
            f"warning: no norm set for {inst.form}; band columns left out"
        )
    else:
        try:
            ns = load_norm_set(ns_name)
            if ns.strata is not None and (lay.cols.sex is None or lay.cols.age is None):
                return None
            band(empty, ns, sex=np.empty(0, dtype=object), age=np.empty(0))
        except SDQError:
            return None
    header = ["id", "form", "norm_set"]
    for name in names:
        header.append(name)
        if ns is not None:
            header.append(f"{name}_band")
    codes = ns.codes if ns is not None else ()
    lines = CsvLines(inst.form, ns.ref if ns is not None else "", codes, ns is not None)
    return Plan(header, names, ns, lines, warning)


def _text(inst: Instrument, lay: Layout, pl: Plan, batch: pa.RecordBatch, keep: int) -> memoryview:
    """The output lines of the block's first ``keep`` rows (every row is checked)."""
    parsed = parse_block(inst, lay, batch)
    res = score(parsed.answers[:keep], None if parsed.impact is None else parsed.impact[:keep],
                form=inst)  # fmt: skip
    bands = None
    if pl.norms is not None:
        sex = None if parsed.sex is None else parsed.sex[:keep]
        age = None if parsed.age is None else parsed.age[:keep]
        b = band(res, pl.norms, sex=sex, age=age)
        bands = [b.get(nm) for nm in pl.names]
    ids = _formula_guarded(parsed.ids.slice(0, keep))
    return pl.lines(ids, [res[nm] for nm in pl.names], bands)


def jobs(lay: Layout) -> Iterator[tuple[pa.RecordBatch, int, bool]]:
    """(block, rows to write, whether its bytes are counted) in file order, with trailing
    blank rows held back until a later row shows they are not trailing."""
    held: list[pa.RecordBatch] = []
    for batch in blocks(lay):
        n = batch.num_rows
        k = blank_tail(batch)
        if k == n:
            yield batch, 0, True  # counted now, written if a later row is not blank
            held.append(batch)
            continue
        for h in held:
            yield h, h.num_rows, False
        held = []
        yield batch, n - k, True
        if k:
            held.append(batch.slice(n - k))


def score_csv(
    inst: Instrument, path: Path, norms: str | Path | NormSet | None, out: BinaryIO
) -> tuple[int, str | None]:
    """Score the common CSV file into ``out``; returns (rows, warning). Raises
    :class:`NotCommon` when the file is not the common kind (``out`` then holds part of the
    text, which the caller throws away)."""
    lay = layout(inst, path)
    if lay is None:
        raise NotCommon
    pl = plan(inst, lay, norms)
    if pl is None:
        raise NotCommon
    out.write(csv_header(pl.header))
    counted = lay.header_bytes
    rows = 0

    def text(batch: pa.RecordBatch, keep: int, count: bool) -> tuple[memoryview, int]:
        return _text(inst, lay, pl, batch, keep), counted_bytes(lay, batch) if count else 0

    with ThreadPoolExecutor(max_workers=_threads()) as pool:
        futures: deque[Future[tuple[memoryview, int]]] = deque()
        try:
            for batch, keep, count in jobs(lay):
                rows += keep
                futures.append(pool.submit(text, batch, keep, count))
                while futures and (len(futures) > AHEAD or futures[0].done()):
                    piece, c = futures.popleft().result()
                    counted += c
                    out.write(piece)
            while futures:
                piece, c = futures.popleft().result()
                counted += c
                out.write(piece)
        finally:
            for f in futures:
                f.cancel()
    if rows == 0 or lay.size != counted - (0 if lay.ends_with_newline else 1):
        raise NotCommon
    return rows, pl.warning


def score_csv_to(
    inst: Instrument,
    path: Path,
    norms: str | Path | NormSet | None,
    output: Path | None,
    stdout: TextIO | None = None,
    warn: Callable[[str], object] | None = None,
) -> int | None:
    """:func:`score_csv` into ``output`` (atomically: a temporary file renamed at the end) or
    stdout (held until the whole file is scored); returns the number of rows, or ``None``, with
    nothing written, when the file is not the common kind or ``output`` is not a CSV file in an
    existing folder. ``warn`` gets the warning (no norm set), before any text on stdout."""
    if output is None:
        chunks: list[bytes] = []

        class _Collect:
            def write(self, b: bytes | memoryview) -> int:
                chunks.append(bytes(b))
                return len(b)

        try:
            rows, warning = score_csv(inst, path, norms, _Collect())  # type: ignore[arg-type]
        except NotCommon:
            return None
        if warning and warn is not None:
            warn(warning)
        target = stdout or sys.stdout
        for c in chunks:
            target.write(c.decode("utf-8"))
        return rows
    if output.suffix.lower() != ".csv" or not output.resolve().parent.is_dir():
        return None
    fd, tmp = tempfile.mkstemp(prefix=".spor-sdq-", suffix=".csv", dir=output.resolve().parent)
    try:
        with os.fdopen(fd, "wb", buffering=0) as fh:
            rows, warning = score_csv(inst, path, norms, fh)
        os.replace(tmp, output)
    except NotCommon:
        Path(tmp).unlink(missing_ok=True)
        return None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if warning and warn is not None:
        warn(warning)
    return rows
