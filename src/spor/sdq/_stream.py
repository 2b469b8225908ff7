"""``spor sdq score``'s path for the common CSV file: read, checked, scored and written in
blocks, the reading beside the rest.

The common file has no quote character, every row as wide as the header, and every answer cell
one digit or blank. The main thread only cuts the file into pieces of about 1 MB that end at a
line end (:func:`chunks`); a worker thread (:data:`WORKERS`) does the rest of each piece: it
reads it (:func:`read_piece`: from each line's end backwards for the layout the help names,
else with PyArrow's CSV reader), the answers as int8 in the engine's order (with the checks
below), then the scores, the bands, the formula guard on ids and
the CSV lines (:class:`CsvLines`); the thread that made a piece's text writes it when the
pieces before it are written, while the main thread reads the next pieces (the file's reads
release the GIL); the text goes into a temporary file that replaces the output only at the
end.

Every answer cell is checked from its bytes to be blank or one digit in range, and the rows by
counting bytes, summed over the pieces: the file is exactly as long as its header line, its
cells, one byte per separator and one per line end (``\\r\\n`` line ends, say, break the
count). A quote character in the header or a text cell stops this path (the csv module would
read it otherwise; in an answer cell it is no digit). Anything else (a value out of range, a
bad sex or age, a ragged row, a failed count) stops it too: its temporary file is removed, and
the command reads the file cell by cell instead (:func:`spor.sdq._table.score_file`), which
names every bad cell; so nothing is written unless the whole file is valid. Trailing blank rows
(spreadsheets keep them) are held back until a later row shows they are not trailing, and
dropped at the end, as the cell-by-cell path does.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

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
    _take,
    csv_header,
    resolve_columns,
)

BLOCK_BYTES = 1 << 20
"""Bytes of the file per piece (:func:`chunks`): about 15,000 rows of the SDQ with impact. A
piece's cells, answers, scores and text stay in the cache; measured on 1 M rows (session 12,
with PyArrow's streaming reader), 1 MB blocks took the least CPU in all against 256 KB to
4 MB."""
AHEAD = 4
"""Pieces read ahead of the one being written (bounds the memory to a few blocks)."""
WORKERS = 1
"""Threads that parse, score and write the pieces, beside the thread that reads them. One:
a piece's work is many short NumPy and Arrow calls between lines of Python, and two such
threads mostly wait for each other's GIL. Measured on 1 M rows on the 2-core machine
(session 15), two workers took 0.35–0.47 s and 0.48–0.62 s of CPU where one took 0.30–0.33 s
and 0.32–0.35 s of CPU."""


class Writer(Protocol):
    """Where the text goes: a binary file, or a list held until the end (stdout)."""

    def write(self, data: bytes | memoryview, /) -> object: ...


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

    @property
    def tail_codes(self) -> list[int] | None:
        """Each column's number of codes after the first, when the file is laid out as the
        help names it (the id first, then only answer columns: no sex, age or other text
        column), which :func:`_tail_parse` reads; ``None`` otherwise."""
        if self.cols.id != 0 or self.width < 2 or len(self.delim) != 1:
            return None
        if any(j not in self.codes for j in range(1, self.width)):
            return None
        return [self.codes[j] for j in range(1, self.width)]


def layout(inst: Instrument, path: Path) -> Layout | None:
    """The file's layout, or ``None`` if it is not the common kind by its header line (the
    cell-by-cell path then reads it and reports its errors)."""
    try:
        with path.open("rb") as fh:
            first_raw = fh.readline()
            size = os.fstat(fh.fileno()).st_size
            if size == 0 or b'"' in first_raw:
                return None
            fh.seek(size - 1)
            ends_with_newline = fh.read(1) in (b"\n", b"\r")
        first = first_raw.decode("utf-8-sig")
        delim = max((",", ";", "\t"), key=first.count)
        header = [
            h.strip().lstrip("\ufeff") for h in next(csv.reader([first], delimiter=delim), [])
        ]
        if not any(header):
            return None
        cols = resolve_columns(inst, header)
    except (OSError, ValueError, csv.Error):  # SDQError and UnicodeDecodeError too
        return None
    codes = _answer_codes(inst, cols)
    return Layout(path, header, cols, codes, delim, len(first_raw), size, ends_with_newline)


def chunks(lay: Layout) -> Iterator[bytes]:
    """The file after its header line in pieces of about :data:`BLOCK_BYTES`, each ending at a
    line end (``\\n`` or ``\\r``; one is added after a last line without); a line longer
    than a piece makes its piece longer. Only reads and copies: the parsing is done where the
    pieces go (:func:`parse_chunk`), on any thread. :class:`NotCommon` if the file cannot be
    read."""
    try:
        with lay.path.open("rb") as fh:
            fh.seek(lay.header_bytes)
            held: list[bytes | memoryview] = []
            while data := fh.read(BLOCK_BYTES):
                cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
                if cut == 0:
                    held.append(data)
                    continue
                if not held and cut == len(data):
                    yield data
                else:
                    yield b"".join([*held, memoryview(data)[:cut]])
                held = [memoryview(data)[cut:]] if cut < len(data) else []
            if held:  # the last line, without a line end: one for the reader (which cannot
                # tell the columns of a piece without one), as the bytes are counted with one
                yield b"".join([*held, b"\n"])
    except OSError as exc:
        raise NotCommon from exc


Options = tuple[pacsv.ParseOptions, pacsv.ConvertOptions]


def _options(lay: Layout) -> Options:
    """How PyArrow's CSV reader reads the rows: the answer columns as bytes (no UTF-8 check, no
    number parsing: 0.29 s of CPU for 1 M rows instead of 0.48 s as int8; the workers read their
    digits, :func:`_int8_columns`), the others as text."""
    parse = pacsv.ParseOptions(delimiter=lay.delim, quote_char=False, ignore_empty_lines=False)
    convert = pacsv.ConvertOptions(
        column_types={
            f"f{j}": pa.binary() if j in lay.codes else pa.string() for j in range(lay.width)
        },
        null_values=[""],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    return parse, convert


def parse_chunk(
    lay: Layout,
    chunk: bytes,
    options: Options | None = None,
) -> pa.RecordBatch:
    """A piece of the file (:func:`chunks`) parsed by PyArrow's CSV reader, on this thread
    (which the reader leaves free of the GIL while it reads); :class:`NotCommon` if the reader
    refuses it or a row is not as wide as the header."""
    parse, convert = options or _options(lay)
    try:
        table = pacsv.read_csv(
            pa.BufferReader(chunk),
            read_options=pacsv.ReadOptions(
                autogenerate_column_names=True,
                use_threads=False,
                block_size=min(len(chunk) + 1, 1 << 30),
            ),
            parse_options=parse,
            convert_options=convert,
        )
    except (pa.ArrowException, OSError) as exc:
        raise NotCommon from exc
    if table.num_columns != lay.width:
        raise NotCommon
    batches = table.to_batches()
    if len(batches) != 1:
        batches = table.combine_chunks().to_batches()
    return batches[0]


def blocks(lay: Layout) -> Iterator[pa.RecordBatch]:
    """The file's rows, a piece at a time, parsed on this thread (``spor sdq score`` parses
    the pieces on its workers); :class:`NotCommon` if the reader refuses one."""
    options = _options(lay)
    for chunk in chunks(lay):
        yield parse_chunk(lay, chunk, options)


_ZERO = np.uint8(ord("0"))
_NL = np.uint8(ord("\n"))
_HIGH = np.uint8(0x80)


def _tail_parse(
    lay: Layout, chunk: bytes, codes: list[int]
) -> tuple[pa.Array, npt.NDArray[np.int8]]:
    """A piece of a file laid out as the help names it (:attr:`Layout.tail_codes`): its ids
    and its answer columns (one int8 row per column after the first, ``-1`` where blank),
    read from the end of each line backwards, a column at a time for all lines at once.

    An answer cell is blank or one digit, so from a line's end each cell is either a
    separator (blank: one byte back) or a digit after a separator (two bytes back); what is
    left of the line before the last separator is the id. :class:`NotCommon` for anything
    else: a value out of range, a cell of two bytes, a short line (the step reaches the line
    end before it), a quote character, ``\\r`` (the csv module reads those otherwise), a
    separator in an id (a long line: the file holds more separators than the lines' cells
    need), or an id that is not UTF-8. So every byte of the piece is accounted for, as the
    byte count of the other path does (:func:`counted_bytes`). Costs 0.3-0.4 s of CPU per
    1 M rows of the SDQ with impact, against 0.7-1.0 s for PyArrow's reader and the digits'
    conversion after it: its conversion of the 31 answer columns into arrays of bytes was
    most of that (``docs/scaling.md``)."""
    if b'"' in chunk or b"\r" in chunk or not chunk.endswith(b"\n"):
        raise NotCommon
    sep = np.uint8(ord(lay.delim))
    # a line end before the first line, so that stepping back over any line's start meets
    # one: a short line fails like any other
    data = b"\n" + chunk
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == _NL)
    n = len(ends) - 1
    w = len(codes)
    if np.count_nonzero(buf == sep) != n * w:
        raise NotCommon
    limits = [min(k, 10) for k in codes]  # a digit's code is below 10 (':' is no digit)
    out = np.empty((w, n), dtype=np.int8)
    after = buf[1:]
    pos = ends[1:] - 2  # a cell ends at pos + 2: a digit at pos + 1 after a separator at pos
    for q in range(w - 1, -1, -1):
        # "wrap": pos is -1 only on the first line of the piece, whose start is then passed;
        # both then read the piece's last byte, its final line end, which no cell has
        x = buf.take(pos, mode="wrap")
        y = after.take(pos, mode="wrap")
        blank = y == sep
        digit = y - _ZERO  # below '0' wraps high
        ok = digit < limits[q]
        ok &= x == sep
        ok |= blank
        if not ok.all():
            raise NotCommon
        np.bitwise_or(digit.view(np.int8), np.negative(blank.view(np.int8)), out=out[q])
        pos -= 2
        pos += blank
    # Each step took one separator; with as many in the piece, none is left in an id.
    offsets = np.empty(2 * n + 1, dtype=np.int32)
    offsets[0 : 2 * n : 2] = ends[:-1] + 1  # each line's start,
    offsets[1 : 2 * n : 2] = pos + 2  # its id's end (the separator after it)
    offsets[2 * n] = len(data)
    if (np.diff(offsets) < 0).any():  # cannot be after the checks above: Arrow's guard
        raise NotCommon
    lines = pa.StringArray.from_buffers(2 * n, pa.py_buffer(offsets), pa.py_buffer(data))
    ids = _take(lines, np.arange(0, 2 * n, 2, dtype=np.int32))
    if int(buf.max()) >= _HIGH:
        try:
            ids.validate(full=True)
        except pa.ArrowInvalid as exc:
            raise NotCommon from exc
    return ids, out


@dataclass
class Block:
    """A piece of the file read and checked: its rows, the bytes they take in the file (as
    counted, :func:`counted_bytes`), and how many rows come before its trailing blank ones."""

    parsed: Parsed
    counted: int
    keep: int

    @property
    def rows(self) -> int:
        return len(self.parsed.ids)


def read_piece(inst: Instrument, lay: Layout, options: Options, chunk: bytes) -> Block:
    """A piece of the file (:func:`chunks`) read and checked, on this thread: by
    :func:`_tail_parse` for the layout the help names, else by PyArrow's reader
    (:func:`parse_chunk`); :class:`NotCommon` if it is not the common kind."""
    codes = lay.tail_codes
    if codes is None:
        batch = parse_chunk(lay, chunk, options)
        counted = counted_bytes(lay, batch)
        keep = batch.num_rows - blank_tail(batch)
        return Block(parse_block(inst, lay, batch), counted, keep)
    ids, columns = _tail_parse(lay, chunk, codes)
    cols = lay.cols
    n = len(ids)
    keep = n
    while keep and not (columns[:, keep - 1] != MISSING).any() and _blank(ids[keep - 1].as_py()):
        keep -= 1
    answers = _rows_of(columns, [j - 1 for j in cols.items]).T
    impact = None
    if cols.impact is not None:
        impact = _rows_of(columns, [j - 1 for j in cols.impact]).T
    return Block(Parsed(ids, answers, impact, None, None), len(chunk), keep)


def _rows_of(columns: npt.NDArray[np.int8], rows: list[int]) -> npt.NDArray[np.int8]:
    """``columns[rows]``, a view where the rows follow each other (no copy)."""
    if rows == list(range(rows[0], rows[0] + len(rows))):
        return columns[rows[0] : rows[0] + len(rows)]
    return columns[rows]


def pieces(inst: Instrument, lay: Layout) -> Iterator[Block]:
    """The file's rows, a piece at a time, read on this thread (``spor sdq score`` reads the
    pieces on its workers); :class:`NotCommon` if one is not the common kind."""
    options = _options(lay)
    for chunk in chunks(lay):
        yield read_piece(inst, lay, options, chunk)


def _int8_columns(
    batch: pa.RecordBatch, columns: list[int], codes: list[int]
) -> npt.NDArray[np.int8]:
    """The answer columns (bytes) as the rows of one int8 array, ``-1`` where blank;
    :class:`NotCommon` unless every cell is blank or one digit below its column's number of
    codes. A column whose bytes are as many as its non-blank cells has only one-byte cells, and
    those bytes, in order, are its answers: no look-up per cell."""
    n = batch.num_rows
    out = np.empty((len(columns), n), dtype=np.int8)
    for q, j in enumerate(columns):
        col = batch.column(j)
        bufs = col.buffers()
        offsets = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=4 * col.offset)
        start, stop = int(offsets[0]), int(offsets[n])
        if start == stop:
            out[q].fill(MISSING)
            continue
        digits = np.frombuffer(bufs[2], dtype=np.uint8, count=stop - start, offset=start) - _ZERO
        if int(digits.max()) >= codes[q]:  # below '0' wraps high
            raise NotCommon
        answered = offsets[1:] != offsets[:-1]
        k = int(np.count_nonzero(answered))
        if k != stop - start:
            raise NotCommon  # a cell of two bytes or more
        if k == n:
            out[q] = digits.view(np.int8)
        else:
            out[q].fill(MISSING)
            out[q][answered] = digits.view(np.int8)
    return out


def counted_bytes(lay: Layout, batch: pa.RecordBatch) -> int:
    """The bytes these rows take as read: their cells, one per separator and one per line end
    (a file of ``\\r\\n`` line ends is longer). :class:`NotCommon` if a text cell holds a quote
    character: the csv module would read it otherwise (an answer cell with one is no digit,
    which :func:`_int8_columns` refuses)."""
    n = int(batch.num_rows)
    total = n * lay.width
    for j, col in enumerate(batch.columns):
        bufs = col.buffers()
        offsets = np.frombuffer(bufs[1], dtype=np.int32)
        start, stop = int(offsets[col.offset]), int(offsets[col.offset + n])
        total += stop - start
        text = j not in lay.codes  # an answer cell's bytes are checked as digits
        if text and stop > start and _QUOTE_BYTE in np.frombuffer(bufs[2], np.uint8)[start:stop]:
            raise NotCommon
    return total


_QUOTE_BYTE = np.uint8(ord('"'))


def parse_block(inst: Instrument, lay: Layout, batch: pa.RecordBatch) -> Parsed:
    """One block's answers in the engine's row order, with its ids, sex and age;
    :class:`NotCommon` for a value out of range or a bad sex or age."""
    cols = lay.cols
    # column-ordered (the transpose of the columns), which the engine reads without a copy
    answers = _int8_columns(batch, cols.items, [lay.codes[j] for j in cols.items]).T
    impact = None
    if cols.impact is not None:
        impact = _int8_columns(batch, cols.impact, [lay.codes[j] for j in cols.impact]).T
    extras = list(cols.extras.values())
    if extras:
        _int8_columns(batch, extras, [lay.codes[j] for j in extras])
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
    while k < n and all(_blank(col[n - 1 - k].as_py()) for col in batch.columns):
        k += 1
    return k


def _blank(cell: str | bytes) -> bool:
    """An empty text cell or one of spaces; an empty answer cell (one of spaces is no digit,
    which :func:`_int8_columns` refuses, so the cell-by-cell path decides)."""
    return not (cell.strip() if isinstance(cell, str) else cell)


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


@dataclass
class Piece:
    """A piece's output text: its rows up to its trailing blank ones (``None`` if it has no
    other), and those blank rows' (``None`` if none), each with its number of rows; and the
    bytes its rows take in the file, as counted (:func:`counted_bytes`)."""

    head: memoryview | None
    head_rows: int
    tail: memoryview | None
    tail_rows: int
    counted: int


def _text(inst: Instrument, lay: Layout, pl: Plan, options: Options, chunk: bytes) -> Piece:
    """Parse, check and score a piece of the file, and make its text."""
    block = read_piece(inst, lay, options, chunk)
    parsed, keep, n = block.parsed, block.keep, block.rows
    res = score(parsed.answers, parsed.impact, form=inst)
    scores = [res[nm] for nm in pl.names]
    bands = None
    if pl.norms is not None:
        b = band(res, pl.norms, sex=parsed.sex, age=parsed.age)
        bands = [b.get(nm) for nm in pl.names]
    ids = _formula_guarded(parsed.ids)

    def lines(start: int, stop: int) -> memoryview | None:
        if start == stop:
            return None
        return pl.lines(
            ids.slice(start, stop - start),
            [sc[start:stop] for sc in scores],
            None if bands is None else [None if b is None else b[start:stop] for b in bands],
        )

    return Piece(lines(0, keep), keep, lines(keep, n), n - keep, block.counted)


def _rows(parsed: Parsed, start: int, stop: int) -> Parsed:
    def part(a: npt.NDArray[Any] | None) -> npt.NDArray[Any] | None:
        return None if a is None else a[start:stop]

    return Parsed(
        parsed.ids.slice(start, stop - start),
        parsed.answers[start:stop],
        part(parsed.impact),
        part(parsed.sex),
        part(parsed.age),
    )


def read_answers_csv(inst: Instrument, path: str | Path) -> Parsed | None:
    """The common CSV file (no quote characters; every answer cell one digit or blank; every
    row as wide as the header), read straight into int8 columns the way ``spor sdq score``
    reads it (with the same checks, on this thread); ``None`` for any other file, which
    :func:`spor.sdq._table.read_table` and :func:`~spor.sdq._table.parse_table` then read cell
    by cell (they also name every bad cell)."""
    lay = layout(inst, Path(path))
    if lay is None:
        return None
    parts: list[Parsed] = []
    held: list[Parsed] = []  # trailing blank rows so far: kept if a later row is not blank
    counted = lay.header_bytes
    try:
        for block in pieces(inst, lay):
            counted += block.counted
            parsed, keep, n = block.parsed, block.keep, block.rows
            if keep:
                parts += held
                held = []
                parts.append(_rows(parsed, 0, keep))
            if keep < n:
                held.append(_rows(parsed, keep, n))
    except NotCommon:
        return None
    if not parts or lay.size != counted - (0 if lay.ends_with_newline else 1):
        return None
    sex = None if parts[0].sex is None else np.concatenate([p.sex for p in parts])
    age = None if parts[0].age is None else np.concatenate([p.age for p in parts])
    impact = None
    if parts[0].impact is not None:
        impact = np.concatenate([p.impact for p in parts])
    return Parsed(
        pa.concat_arrays([p.ids for p in parts]),
        np.concatenate([p.answers for p in parts]),
        impact,
        sex,
        age,
    )


def score_csv(
    inst: Instrument, path: Path, norms: str | Path | NormSet | None, out: Writer
) -> tuple[int, str | None]:
    """Score the common CSV file into ``out``; returns (rows, warning). Raises
    :class:`NotCommon` when the file is not the common kind (``out`` then holds part of the
    text, which the caller throws away)."""
    lay = layout(inst, path)
    if lay is None:
        raise NotCommon
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        # The worker makes the plan (the engine's tables, the norms) first (it is submitted
        # first), while this thread reads the first pieces.
        planned = pool.submit(plan, inst, lay, norms)
        options = _options(lay)
        sink = _Sink(out, lay.header_bytes)
        ahead: deque[Future[None]] = deque()
        for seq, chunk in enumerate(chunks(lay)):
            if sink.error is not None:
                break
            ahead.append(pool.submit(sink.put, seq, inst, lay, planned, options, chunk))
            while len(ahead) > AHEAD:
                ahead.popleft().result()
        pl = planned.result()
    if sink.error is not None:
        raise sink.error
    if pl is None or sink.rows == 0:
        raise NotCommon
    if lay.size != sink.counted - (0 if lay.ends_with_newline else 1):
        raise NotCommon
    return sink.rows, pl.warning


class _Sink:
    """The output, written in file order by the worker that made each piece's text (so the
    reading thread never waits for a write), the header first; trailing blank rows are held
    until a later piece has a row that is not blank. The first failure stops the writing."""

    def __init__(self, out: Writer, counted: int) -> None:
        self.out = out
        self.counted = counted
        self.rows = 0
        self.error: BaseException | None = None
        self._held: list[memoryview] = []
        self._held_rows = 0
        self._next = 0
        self._turn = threading.Condition()

    def put(
        self,
        seq: int,
        inst: Instrument,
        lay: Layout,
        planned: Future[Plan | None],
        options: Options,
        chunk: bytes,
    ) -> None:
        piece: Piece | None = None
        header = b""
        failure: BaseException | None = None
        try:
            if self.error is None:
                batch_plan = planned.result()
                if batch_plan is None:
                    raise NotCommon
                if seq == 0:
                    header = csv_header(batch_plan.header)
                piece = _text(inst, lay, batch_plan, options, chunk)
        except BaseException as exc:  # handed to the reading thread
            failure = exc
        with self._turn:
            while self._next != seq:
                self._turn.wait()
            try:
                if self.error is None and failure is not None:
                    self.error = failure
                elif self.error is None and piece is not None:
                    self._write(header, piece)
            except BaseException as exc:  # a failed write, as above
                self.error = exc
            finally:
                self._next += 1
                self._turn.notify_all()

    def _write(self, header: bytes, piece: Piece) -> None:
        if header:
            self.out.write(header)
        if piece.head is not None:
            for held in self._held:
                self.out.write(held)
            self.rows += self._held_rows + piece.head_rows
            self._held, self._held_rows = [], 0
            self.out.write(piece.head)
        if piece.tail is not None:
            self._held.append(piece.tail)
            self._held_rows += piece.tail_rows
        self.counted += piece.counted


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
            def write(self, data: bytes | memoryview, /) -> object:
                chunks.append(bytes(data))
                return None

        try:
            rows, warning = score_csv(inst, path, norms, _Collect())
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
        with os.fdopen(fd, "wb") as fh:  # buffered: its write writes every byte
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
