"""Reading answer tables (CSV/XLSX), scoring them and writing the result; used by the CLI.

Errors are collected for the whole file and reported by row and column (rows counted as in a
spreadsheet: the header is row 1), Danish first. Nothing is written unless every cell is valid.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from spor.sdq._base import MISSING, SDQError
from spor.sdq._engine import score
from spor.sdq._instrument import Instrument
from spor.sdq._norms import BandResult, NormSet, band, load_norm_set

PROGRESS_MIN_ROWS = 20_000
"""Show a progress bar (on stderr) only for files with at least this many rows."""
MAX_REPORTED_ERRORS = 25
_CHUNK = 50_000
SUFFIXES = (".csv", ".xlsx")


@dataclass
class Table:
    header: list[str]
    rows: list[Sequence[str]]
    path: str


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


def read_table(path: str | Path) -> Table:
    """Read a CSV (``,``, ``;`` or tab separated, UTF-8) or XLSX file (first sheet)."""
    p = Path(path)
    suffix = _check_suffix(p, "inputfilen")
    try:
        if suffix == ".csv":
            with p.open(encoding="utf-8-sig", newline="") as fh:
                first = fh.readline()
                fh.seek(0)
                delim = max((",", ";", "\t"), key=first.count)
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
    # Drop trailing fully empty rows (spreadsheets keep them).
    while rows and not any(str(c).strip() for c in rows[-1]):
        rows.pop()
    return Table([h.strip().lstrip("\ufeff") for h in header], rows, str(p))


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


def _codes(
    rows: Sequence[Sequence[str]],
    j: int,
    n_codes: int,
    name: str,
    row0: int,
    errors: list[str],
    counter: list[int],
) -> list[int]:
    lut: dict[str, int] = {"": MISSING}
    for c in range(n_codes):
        lut[str(c)] = c
        lut[f"{c}.0"] = c
    get = lut.get
    vals = [get(r[j] if j < len(r) else "", -99) for r in rows]
    if -99 in vals:
        for i, v in enumerate(vals):
            if v != -99:
                continue
            raw = rows[i][j]
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
    return vals


def _progress(total: int, desc: str) -> tqdm[Any]:
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
    ids: list[str]
    answers: npt.NDArray[np.int8]
    impact: npt.NDArray[np.int8] | None
    sex: npt.NDArray[np.object_] | None
    age: npt.NDArray[np.float64] | None


def parse_table(inst: Instrument, table: Table) -> Parsed:
    cols = resolve_columns(inst, table.header)
    n = len(table.rows)
    errors: list[str] = []
    counter = [0]
    n_codes = len(inst.response_codes)
    item_parts: list[list[list[int]]] = [[] for _ in cols.items]
    impact_parts: list[list[list[int]]] = [[] for _ in cols.impact or []]
    spec = inst.impact
    with _progress(n, "Læser") as bar:
        for start in range(0, n, _CHUNK):
            chunk = table.rows[start : start + _CHUNK]
            row0 = start + 2
            for q, j in enumerate(cols.items):
                item_parts[q].append(
                    _codes(chunk, j, n_codes, table.header[j], row0, errors, counter)
                )
            if cols.impact is not None and spec is not None:
                widths = [len(spec.overall.codes), *(len(i.codes) for i in spec.items)]
                for q, j in enumerate(cols.impact):
                    impact_parts[q].append(
                        _codes(chunk, j, widths[q], table.header[j], row0, errors, counter)
                    )
            for e in inst.extra_items:
                if e.key in cols.extras:
                    j = cols.extras[e.key]
                    _codes(chunk, j, len(e.codes), table.header[j], row0, errors, counter)
            bar.update(len(chunk))
    sex = age = None
    if cols.sex is not None:
        sex_map = {"f": "f", "m": "m", "pige": "f", "dreng": "m", "k": "f", "": None}
        sx: list[str | None] = []
        for i, r in enumerate(table.rows):
            raw = r[cols.sex] if cols.sex < len(r) else ""
            v = raw.strip().lower()
            if v not in sex_map:
                counter[0] += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append(
                        f"række {i + 2}, kolonne '{table.header[cols.sex]}': ugyldigt køn '{raw}' "
                        f"(tilladt: f/pige, m/dreng eller tom) / invalid sex '{raw}'"
                    )
            sx.append(sex_map.get(v))
        sex = np.array(sx, dtype=object)
    if cols.age is not None:
        ag = np.full(n, np.nan)
        for i, r in enumerate(table.rows):
            raw = r[cols.age] if cols.age < len(r) else ""
            if not raw.strip():
                continue
            try:
                ag[i] = float(raw.replace(",", "."))
            except ValueError:
                counter[0] += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append(
                        f"række {i + 2}, kolonne '{table.header[cols.age]}': ugyldig alder '{raw}' "
                        f"/ invalid age '{raw}'"
                    )
        age = ag
    if counter[0]:
        more = counter[0] - len(errors)
        tail = f"\n… og {more} fejl mere / and {more} more errors" if more > 0 else ""
        raise SDQError(
            f"{table.path}: {counter[0]} ugyldige celler; intet er skrevet / "
            f"{counter[0]} invalid cells; nothing written\n" + "\n".join(errors) + tail
        )
    answers = np.empty((n, len(cols.items)), dtype=np.int8)
    for q, parts in enumerate(item_parts):
        answers[:, q] = np.fromiter((v for part in parts for v in part), dtype=np.int8, count=n)
    impact = None
    if impact_parts:
        impact = np.empty((n, len(impact_parts)), dtype=np.int8)
        for q, parts in enumerate(impact_parts):
            impact[:, q] = np.fromiter((v for part in parts for v in part), np.int8, count=n)
    ids = [r[cols.id] if cols.id < len(r) else "" for r in table.rows]
    return Parsed(ids, answers, impact, sex, age)


def score_table(
    inst: Instrument, table: Table, norms: str | Path | NormSet | None
) -> tuple[list[str], Iterator[list[Any]], int, str | None]:
    """Score a table; returns (header, rows, row count, warning or None)."""
    parsed = parse_table(inst, table)
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
    ns_ref = bands.norm_set.ref if bands is not None else ""
    score_cols = [res[nm].tolist() for nm in names]
    band_cols: list[list[Any]] = []
    if bands is not None:
        for nm in names:
            band_cols.append(bands.labels(nm).tolist() if nm in bands else [None] * res.n)

    def rows() -> Iterator[list[Any]]:
        for i, ident in enumerate(parsed.ids):
            row: list[Any] = [ident, inst.form, ns_ref]
            for q in range(len(names)):
                v = score_cols[q][i]
                row.append(None if v < 0 else v)
                if band_cols:
                    row.append(band_cols[q][i])
            yield row

    return header, rows(), res.n, warning


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
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
