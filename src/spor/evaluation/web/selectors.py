"""Scoped reads for the evaluation page: the municipality's catalogue and one query of the
SDQ responses behind the figures (never per child)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import itertools
import json
import marshal
import operator
import zoneinfo
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, cast, overload

import numpy as np
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connection, transaction
from django.db.models import (
    Case,
    Exists,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear, TruncDate
from django.utils import timezone

from spor.accounts.access import Actor
from spor.cases.models import Intervention
from spor.evaluation.web.forms import AGE_GROUPS, Filters
from spor.evaluation.web.models import (
    SUBSCALE_COLUMNS,
    OutcomeCell,
    OutcomeCellsPacked,
    OutcomeCellsState,
)
from spor.measurement.models import Phase, Response


def interventions_for(actor: Actor) -> QuerySet[Intervention]:
    return Intervention.objects.filter(municipality_id=actor.municipality_id).order_by("name")


@dataclass(frozen=True)
class Row:
    """One saved response, as the figures need it."""

    delivery_id: int
    phase: str
    form: str
    scores: dict[str, Any]
    norm_set: str
    answered_on: dt.date
    birth_date: dt.date


def response_rows(actor: Actor, filters: Filters) -> list[Row]:
    """The informant's responses on deliveries of the municipality's child cases that match
    the intervention filters. Age group and period are about the baseline, so the caller
    applies them per delivery."""
    qs = Response.objects.filter(
        municipality_id=actor.municipality_id,
        informant=filters.informant,
        delivery__case__child__isnull=False,
    )
    qs = _filtered(qs, interventions_for(actor), filters)
    rows = qs.order_by("delivery_id", "phase", "pk").values_list(
        "delivery_id",
        "phase",
        "form",
        "scores",
        "norm_set",
        "answered_at",
        "delivery__case__child__birth_date",
    )
    return [
        Row(d, phase, form, scores or {}, norm_set, timezone.localtime(at).date(), born)
        for d, phase, form, scores, norm_set, at, born in rows
    ]


# ------------------------------------------------------------------ the fast path: in SQL

SUBSCALES = ("emotional", "conduct", "hyperactivity", "peer", "prosocial")


@dataclass(frozen=True)
class Cell:
    """Started deliveries that share their baseline and follow-up totals, bands, norm sets
    and form, counted in the database.

    Totals are whole numbers from 0 to 40, so the children of a municipality — or of the whole
    programme — fall into a few thousand cells; everything the page shows about totals can be
    computed exactly from the cells. Subscales are carried as sums over the cell's pairs:
    ``(n, Σ before, Σ after, Σ change, Σ change²)`` per subscale, in :data:`SUBSCALES` order.
    """

    form: str
    norm_before: str
    norm_after: str | None
    before: float
    after: float | None
    band_before: str | None
    band_after: str | None
    n: int
    subscales: tuple[tuple[int, float, float, float, float], ...] = ()
    # Where and when the children were helped, when asked for (``by_origin``): the
    # programme's tables. ``age`` is at the baseline; ``half`` is its half-year, as
    # ``year * 10 + 1`` (January–June) or ``+ 2`` (July–December).
    municipality_id: int | None = None
    kind: str = ""
    intervention_id: int | None = None
    level: str = ""
    age: int | None = None
    half: int | None = None


def _filtered(
    qs: QuerySet[Response], catalogue: QuerySet[Intervention], filters: Filters
) -> QuerySet[Response]:
    if filters.intervention is not None:
        qs = qs.filter(delivery__intervention_id=filters.intervention.pk)
    if filters.kind:
        qs = qs.filter(delivery__intervention__kind=filters.kind)
    if filters.level:
        qs = qs.filter(delivery__intervention__level=filters.level)
    if filters.target:
        # A JSON list: filtered in Python over the (small) catalogue, the same on every database.
        ids = [
            pk
            for pk, targets in catalogue.values_list("pk", "targets")
            if filters.target in (targets or [])
        ]
        qs = qs.filter(delivery__intervention_id__in=ids)
    return qs


def _age_at_baseline() -> Any:
    """Whole years between birth and the baseline's (local) date, in the database."""
    day = TruncDate("answered_at")
    born = "delivery__case__child__birth_date"
    before_birthday = Q(_m__lt=ExtractMonth(born)) | Q(
        _m=ExtractMonth(born), _d__lt=ExtractDay(born)
    )
    return (
        ExtractYear(day) - ExtractYear(born) - Case(When(before_birthday, then=1), default=0)
    ), {"_m": ExtractMonth(day), "_d": ExtractDay(day)}


_LOCAL_DAY = "spor_local_day"


_ZONE = zoneinfo.ZoneInfo(settings.TIME_ZONE)


@functools.lru_cache(maxsize=65536)
def _local_minute_day(minute: str) -> str:
    utc = dt.datetime.fromisoformat(minute).replace(tzinfo=dt.UTC)
    return utc.astimezone(_ZONE).date().isoformat()


def _local_day(stamp: str | None) -> str | None:
    """SQLite: the local date ('YYYY-MM-DD', ``settings.TIME_ZONE``) of a stored timestamp
    (UTC text, as Django writes it). One Python call per row, found again by the minute:
    Django's own date functions parse every timestamp in Python, several times a row, which
    was most of the programme's figures on SQLite."""
    if stamp is None:
        return None
    return _local_minute_day(stamp[:16])


class _SqliteBaseline(Func):
    """SQLite: the age in whole years at the baseline's local date (``age``: the timestamp
    and the birth date) or its half-year as ``year * 10 + 1 | 2`` (``half``), in SQLite's
    own text functions over :func:`_local_day`; the same values as
    :func:`_age_at_baseline` and ``ExtractYear`` on other databases (the tests compare
    them on both)."""

    output_field = IntegerField()

    def __init__(self, what: str, *columns: str) -> None:
        super().__init__(*(F(c) for c in columns))
        self.what = what

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        compiled = [compiler.compile(e) for e in self.source_expressions]
        params = [p for _, ps in compiled for p in ps]
        day = f"{_LOCAL_DAY}({compiled[0][0]})"
        year = f"CAST(substr({day}, 1, 4) AS INTEGER)"
        if self.what == "half":
            month = f"CAST(substr({day}, 6, 2) AS INTEGER)"
            return f"({year} * 10 + CASE WHEN {month} <= 6 THEN 1 ELSE 2 END)", params * 2
        born = compiled[1][0]
        sql = (
            f"({year} - CAST(substr({born}, 1, 4) AS INTEGER) - "
            f"CASE WHEN substr({day}, 6, 5) < substr({born}, 6, 5) THEN 1 ELSE 0 END)"
        )
        return sql, params + params


def pair_cells(actor: Actor, filters: Filters) -> list[Cell]:
    """The started deliveries of the municipality that match the filters, as :class:`Cell`s,
    in one query: each baseline response (the informant's, with a total score, in the age
    group and period) joined to the same delivery's follow-up by the same informant.

    The same deliveries as :func:`response_rows` + :func:`spor.evaluation.web.figures.select`.
    """
    return _pair_cells([actor.municipality_id], interventions_for(actor), filters)


def lattice_cells(actor: Actor, informant: str) -> list[Cell]:
    """Every started delivery of the municipality with the informant's baseline, as
    :class:`Cell`s kept apart by intervention, age at the baseline and half-year
    (``by_origin``): the one read behind every filter view the lead can set
    (:mod:`spor.evaluation.web.lattice`), so they are protected together."""
    return _pair_cells(
        [actor.municipality_id],
        interventions_for(actor),
        Filters(informant=informant),
        by_origin=True,
    )


def pair_cells_across(
    municipality_ids: list[int], filters: Filters, *, by_origin: bool = False
) -> list[Cell]:
    """:func:`pair_cells` pooled over several municipalities, for the programme's figures;
    with ``by_origin`` the cells are also kept apart by municipality, intervention type and
    intervention (``Cell.municipality_id``, ``kind``, ``intervention_id``).

    Only for a national reader (``spor.programme.access.national_context``): the cells hold
    counts, never a child, and the caller still suppresses what is published.
    """
    catalogue = Intervention.objects.filter(municipality_id__in=municipality_ids)
    return _pair_cells(list(municipality_ids), catalogue, filters, by_origin=by_origin)


def _pair_cells(
    municipality_ids: list[int],
    catalogue: QuerySet[Intervention],
    filters: Filters,
    *,
    by_origin: bool = False,
) -> list[Cell]:
    post = FilteredRelation(
        "delivery__measurement_responses",
        condition=Q(
            delivery__measurement_responses__phase=Phase.AFTER,
            delivery__measurement_responses__informant=filters.informant,
        ),
    )
    qs = _filtered(
        Response.objects.filter(
            municipality_id__in=municipality_ids,
            informant=filters.informant,
            phase=Phase.BEFORE,
            delivery__case__child__isnull=False,
        ),
        catalogue,
        filters,
    )
    # The stored columns beside ``scores`` (spor.measurement.models.Response.score_total …),
    # so that no response's JSON is read here.
    values: dict[str, Any] = {
        "tb": F("score_total"),
        "ta": F("post__score_total"),
        "bb": F("band_total"),
        "ba": F("post__band_total"),
        "nb": F("norm_set"),
        "na": F("post__norm_set"),
    }
    for s in SUBSCALES:
        values[f"b_{s}"] = F(f"score_{s}")
        values[f"a_{s}"] = F(f"post__score_{s}")
    origin = ["mid", "ivk", "ivid", "ivl", "bage", "bhalf"] if by_origin else []
    if by_origin:
        values |= {
            "mid": F("municipality_id"),
            "ivk": F("delivery__intervention__kind"),
            "ivid": F("delivery__intervention_id"),
            "ivl": F("delivery__intervention__level"),
        }
        if connection.vendor == "sqlite":
            values |= {
                "bage": _SqliteBaseline("age", "answered_at", "delivery__case__child__birth_date"),
                "bhalf": _SqliteBaseline("half", "answered_at"),
            }
        else:
            age, parts = _age_at_baseline()
            qs = qs.annotate(**parts)
            day = TruncDate("answered_at")
            values |= {
                "bage": age,
                "bhalf": ExtractYear(day) * 10
                + Case(When(Q(_m__lte=6), then=1), default=2, output_field=IntegerField()),
            }
    qs = qs.annotate(post=post, **values).filter(tb__isnull=False)
    if filters.date_from:
        qs = qs.filter(answered_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(answered_at__date__lte=filters.date_to)
    if filters.age_range:
        age, parts = _age_at_baseline()
        if not by_origin:
            qs = qs.annotate(**parts)
        qs = qs.annotate(_age=age)
        qs = qs.filter(_age__gte=filters.age_range[0], _age__lte=filters.age_range[1])
    try:
        inner_sql, params = qs.order_by().values_list("form", *values).query.sql_with_params()
    except EmptyResultSet:
        # A filter that can match nothing (a target no intervention has: `IN ()`), which
        # Django decides without asking the database.
        return []
    # Grouped around the filtered query, so that each value is read once per response (Django
    # would repeat the expressions inside every aggregate). The sums of the stored (double
    # precision) columns come back as floats, the counts as ints. Only column names
    # of this function are put into the SQL; the values are parameters of the inner query.
    # A follow-up without a total counts as no follow-up, as in figures.select.
    sums = []
    for s in SUBSCALES:
        both = f"ta IS NOT NULL AND b_{s} IS NOT NULL AND a_{s} IS NOT NULL"
        d = f"(a_{s} - b_{s})"
        sums += [
            f"SUM(CASE WHEN {both} THEN 1 ELSE 0 END)",
            f"COALESCE(SUM(CASE WHEN {both} THEN b_{s} END), 0.0)",
            f"COALESCE(SUM(CASE WHEN {both} THEN a_{s} END), 0.0)",
            f"COALESCE(SUM(CASE WHEN {both} THEN {d} END), 0.0)",
            f"COALESCE(SUM(CASE WHEN {both} THEN {d} * {d} END), 0.0)",
        ]
    keys = "form, nb, CASE WHEN ta IS NULL THEN NULL ELSE na END, tb, ta, bb, " + (
        "CASE WHEN ta IS NULL THEN NULL ELSE ba END"
    )
    keys += "".join(f", {k}" for k in origin)
    sql = (
        f"WITH started AS MATERIALIZED ({inner_sql}) "  # noqa: S608 - see above
        f"SELECT {keys}, COUNT(*), {', '.join(sums)} FROM started GROUP BY {keys}"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite" and by_origin:
            connection.connection.create_function(_LOCAL_DAY, 1, _local_day, deterministic=True)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = []
    width = len(SUBSCALES) * 5
    for row in rows:
        form, nb, na, tb, ta, bb, ba, *rest = row
        where = rest[: len(origin)]
        n = rest[len(origin)]
        subs = rest[len(origin) + 1 : len(origin) + 1 + width]
        # Five per subscale: (n, Σ before, Σ after, Σ change, Σ change²), as they come.
        per_scale = cast(
            "tuple[tuple[int, float, float, float, float], ...]",
            tuple(tuple(subs[k : k + 5]) for k in range(0, width, 5)),
        )
        out.append(
            Cell(
                form=form,
                norm_before=nb or "",
                norm_after=None if ta is None else (na or ""),
                before=float(tb),
                after=None if ta is None else float(ta),
                band_before=bb,
                band_after=ba,
                n=int(n),
                subscales=per_scale,
                **(
                    {
                        "municipality_id": where[0],
                        "kind": where[1],
                        "intervention_id": where[2],
                        "level": where[3] or "",
                        "age": None if where[4] is None else int(where[4]),
                        "half": None if where[5] is None else int(where[5]),
                    }
                    if by_origin
                    else {}
                ),
            )
        )
    return out


@overload
def cells_in_order(cells: CellArrays) -> tuple[CellArrays, str]: ...
@overload
def cells_in_order(cells: list[Cell]) -> tuple[list[Cell], str]: ...
@overload
def cells_in_order(cells: Sequence[Cell]) -> tuple[Sequence[Cell], str]: ...
def cells_in_order(cells: Sequence[Cell]) -> tuple[Sequence[Cell], str]:
    """The cells in one fixed order, whatever order the database's ``GROUP BY`` gave them
    in (PostgreSQL's differs from one read to the next), and a digest of every field of
    every cell. The key of every result kept from the cells
    (:mod:`spor.evaluation.web.lattice`, the programme's figures and publication): what is
    kept under it is computed from the cells in this order.

    :class:`CellArrays` (the programme's stored cells, read as columns) are sorted and
    hashed as arrays (:meth:`CellArrays.in_order`). A list of cells: each cell is written
    by :mod:`marshal` (version 2: no references to earlier objects; an int and a float
    differ, as in their ``repr``), the cells sorted by those bytes and the bytes hashed:
    equal bytes are equal cells (an interned string is marked as such, so equal cells
    could at worst hash apart: computed again, never another's result). The two digests
    of the same cells differ (computed again, never another's result)."""
    if isinstance(cells, CellArrays):
        return cells.in_order()
    # Every field of every cell as plain tuples, made in C.
    fields = attrgetter(*(f.name for f in dataclasses.fields(Cell)))
    blobs = list(map(marshal.dumps, map(fields, cells), itertools.repeat(2)))
    order = sorted(range(len(blobs)), key=blobs.__getitem__)
    digest = hashlib.sha256(b"".join([blobs[i] for i in order])).hexdigest()
    return [cells[i] for i in order], digest


# ------------------------------------------------------------- the programme's cells as columns


def factorize(values: Iterable[Any], size: int) -> tuple[np.ndarray, list[Any]]:
    """Each value's code (dense, in the order first met) and the values by code."""
    seen: dict[Any, int] = {}
    first = np.fromiter(map(seen.setdefault, values, itertools.count()), np.int64, count=size)
    dense = np.zeros(size + 1, dtype=np.int64)
    dense[np.fromiter(seen.values(), np.int64, count=len(seen))] = np.arange(len(seen))
    return dense[first], list(seen)


# The fields of a Cell that take few values, each as codes into the values of its
# vocabulary (the norm sets before and after share one, so do the bands), in Cell order.
_CODED = {
    "form": "form", "norm_before": "norm", "norm_after": "norm", "band_before": "band",
    "band_after": "band", "municipality_id": "municipality_id", "kind": "kind",
    "intervention_id": "intervention_id", "level": "level", "age": "age", "half": "half",
}  # fmt: skip
_WIDTH = len(SUBSCALES)


def _rank_key(v: Any) -> tuple[Any, ...]:
    # One vocabulary holds one type and None (a str or an int column).
    return (v is None, type(v).__name__, 0 if v is None else v)


def joint_codes(
    columns: Sequence[np.ndarray], sizes: Sequence[int] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """One code per row for the values of several columns together: dense, in the order of
    the rows' values compared column by column (the first column first), and the first row
    of each code. ``sizes``: with more than one column, how many codes each has (a column's
    codes are 0 <= code < size), to pack a row's codes into one int64; one column may hold
    any values ``np.unique`` sorts."""
    if len(columns) == 1:
        key = columns[0]
    else:
        key = np.zeros(len(columns[0]), dtype=np.int64)
        for codes, size in zip(columns, sizes, strict=True):
            key = key * max(int(size), 1) + codes
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), first


def _rank(a: np.ndarray) -> tuple[np.ndarray, int]:
    """Each value's rank among the distinct values (as ``np.lexsort`` orders them), and
    how many there are."""
    codes, first = joint_codes([a])
    return codes, len(first)


class CellArrays(Sequence[Cell]):
    """Cells as NumPy columns, one entry per cell: the programme's stored cells read
    without a :class:`Cell` per row (:func:`stored_arrays`). The figures and the
    publication (``spor.evaluation.web.figures.Columns.from_arrays``,
    ``spor.evaluation.national.tables``) use the columns; anything that iterates over them
    gets the :class:`Cell`\\ s, made once on first use, equal field by field to the stored
    rows'.

    ``codes[name]``: per cell, an index into ``values[_CODED[name]]``; ``after`` is 0.0
    where ``paired`` is false (no follow-up: ``Cell.after`` is None); ``subs_n`` and
    ``subs``: per cell and subscale, the count and the four sums."""

    def __init__(
        self,
        codes: dict[str, np.ndarray],
        values: dict[str, list[Any]],
        before: np.ndarray,
        after: np.ndarray,
        paired: np.ndarray,
        n: np.ndarray,
        subs_n: np.ndarray,
        subs: np.ndarray,
    ) -> None:
        self.codes, self.values = codes, values
        self.before, self.after, self.paired, self.n = before, after, paired, n
        self.subs_n, self.subs = subs_n, subs
        self._cells: list[Cell] | None = None

    # -- as a sequence of cells

    def __len__(self) -> int:
        return len(self.n)

    @overload
    def __getitem__(self, i: int) -> Cell: ...
    @overload
    def __getitem__(self, i: slice) -> list[Cell]: ...
    def __getitem__(self, i: int | slice) -> Cell | list[Cell]:
        return self.cells()[i]

    def __iter__(self) -> Iterator[Cell]:
        return iter(self.cells())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CellArrays | list | tuple):
            return self.cells() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CellArrays({len(self)} cells)"

    def decoded(self, name: str) -> list[Any]:
        """One coded field's value per cell."""
        values = self.values[_CODED[name]]
        return [values[i] for i in self.codes[name].tolist()]

    def cells(self) -> list[Cell]:
        """The cells as :class:`Cell`\\ s (made once)."""
        if self._cells is None:
            sn, ss = self.subs_n.tolist(), self.subs.tolist()
            subs = [
                tuple((k, *s) for k, s in zip(ks, sums, strict=True))
                for ks, sums in zip(sn, ss, strict=True)
            ]
            after = [
                a if p else None
                for a, p in zip(self.after.tolist(), self.paired.tolist(), strict=True)
            ]
            d = self.decoded
            self._cells = list(
                map(
                    Cell, d("form"), d("norm_before"), d("norm_after"), self.before.tolist(),
                    after, d("band_before"), d("band_after"), self.n.tolist(), subs,
                    d("municipality_id"), d("kind"), d("intervention_id"), d("level"),
                    d("age"), d("half"),
                )
            )  # fmt: skip
        return self._cells

    # -- made from rows, from cells, from parts

    @classmethod
    def from_columns(cls, columns: Sequence[Sequence[Any]], size: int) -> CellArrays:
        """From the columns of :data:`_STORED` (each a sequence of one value per cell; the
        stored table's types: the totals and sums floats, the counts ints)."""
        by_name = dict(zip(_STORED, columns, strict=True))
        codes: dict[str, np.ndarray] = {}
        values: dict[str, list[Any]] = {}
        for vocab in dict.fromkeys(_CODED.values()):
            shared = [k for k, v in _CODED.items() if v == vocab]
            both, values[vocab] = factorize(
                itertools.chain.from_iterable(by_name[k] for k in shared), size * len(shared)
            )
            for j, k in enumerate(shared):
                codes[k] = both[j * size : (j + 1) * size]
        afters = by_name["after"]
        paired = np.fromiter(map(operator.is_not, afters, itertools.repeat(None)), bool, size)
        after = np.array(afters, dtype=float) if size else np.zeros(0)
        after[~paired] = 0.0
        sums = np.array(columns[len(_STORED) - len(SUBSCALE_COLUMNS) :], dtype=float)
        sums = sums.T.reshape(size, _WIDTH, 5)
        return cls(
            codes,
            values,
            np.array(by_name["before"], dtype=float).reshape(size),
            after.reshape(size),
            paired,
            np.array(by_name["n"], dtype=np.int64).reshape(size),
            np.ascontiguousarray(sums[:, :, 0]).astype(np.int64),
            np.ascontiguousarray(sums[:, :, 1:]),
        )

    @classmethod
    def from_cells(cls, cells: Sequence[Cell]) -> CellArrays | None:
        """The cells as columns, or None when a field is not of the type the stored table
        gives (a total or sum that is not a float, a count that is not an int, subscales
        missing): such cells are kept as they are."""
        size = len(cells)
        get = attrgetter
        subs = list(map(get("subscales"), cells))
        if not all(len(s) == _WIDTH for s in subs):
            return None
        flat = list(itertools.chain.from_iterable(itertools.chain.from_iterable(subs)))
        floats = [flat[k::5] for k in range(1, 5)]
        befores = list(map(get("before"), cells))
        afters = list(map(get("after"), cells))
        ns = list(map(get("n"), cells))
        if not (
            set(map(type, flat[0::5])) | set(map(type, ns)) <= {int}
            and all(set(map(type, col)) <= {float} for col in floats)
            and set(map(type, befores)) <= {float}
            and set(map(type, afters)) <= {float, type(None)}
        ):
            return None
        columns: list[Sequence[Any]] = []
        for name in _STORED[: len(_STORED) - len(SUBSCALE_COLUMNS)]:
            columns.append(
                {"before": befores, "after": afters, "n": ns}.get(name)
                or list(map(get(name), cells))
            )
        columns += [flat[k :: len(SUBSCALE_COLUMNS)] for k in range(len(SUBSCALE_COLUMNS))]
        return cls.from_columns(columns, size)

    @classmethod
    def concat(cls, parts: Sequence[CellArrays]) -> CellArrays:
        """The cells of every part, in their order."""
        values: dict[str, list[Any]] = {}
        remaps: list[dict[str, np.ndarray]] = [{} for _ in parts]
        for vocab in dict.fromkeys(_CODED.values()):
            index: dict[Any, int] = {}
            for part, remap in zip(parts, remaps, strict=True):
                remap[vocab] = np.array(
                    [index.setdefault(v, len(index)) for v in part.values[vocab]] or [0],
                    dtype=np.int64,
                )
            values[vocab] = list(index)
        codes = {
            name: np.concatenate(
                [r[vocab][p.codes[name]] for p, r in zip(parts, remaps, strict=True)]
            )
            for name, vocab in _CODED.items()
        }
        return cls(
            codes, values,
            *(np.concatenate([getattr(p, k) for p in parts])
              for k in ("before", "after", "paired", "n", "subs_n", "subs")),
        )  # fmt: skip

    def take(self, order: np.ndarray) -> CellArrays:
        """The cells at these positions."""
        return CellArrays(
            {k: v[order] for k, v in self.codes.items()}, self.values,
            self.before[order], self.after[order], self.paired[order], self.n[order],
            self.subs_n[order], self.subs[order],
        )  # fmt: skip

    def in_order(self) -> tuple[CellArrays, str]:
        """:func:`cells_in_order` over the columns: each vocabulary sorted (None last) and
        the codes renumbered by it, the cells sorted by every field (``np.lexsort``), and
        the sorted arrays' bytes hashed with the sorted vocabularies. The same cells in any
        order give the same arrays, to the last byte, and so the same digest and the same
        figures."""
        values: dict[str, list[Any]] = {}
        rank: dict[str, np.ndarray] = {}
        for vocab, vals in self.values.items():
            by = sorted(range(len(vals)), key=lambda i: _rank_key(vals[i]))
            values[vocab] = [vals[i] for i in by]
            r = np.empty(max(len(vals), 1), dtype=np.int64)
            r[np.array(by, dtype=np.int64)] = np.arange(len(vals))
            rank[vocab] = r
        codes = {name: rank[vocab][self.codes[name]] for name, vocab in _CODED.items()}
        size = len(self)
        # Every field but the subscale sums, as ranks packed into as few int64 words as
        # they fit (one or two): a lexsort of a few words, not of fifty columns.
        main = [
            (codes["municipality_id"], len(values["municipality_id"])),
            (codes["form"], len(values["form"])),
            (codes["norm_before"], len(values["norm"])),
            ((~self.paired).astype(np.int64), 2),
            (codes["norm_after"], len(values["norm"])),
            _rank(self.before),
            _rank(self.after),
            (codes["band_before"], len(values["band"])),
            (codes["band_after"], len(values["band"])),
            (codes["kind"], len(values["kind"])),
            (codes["intervention_id"], len(values["intervention_id"])),
            (codes["level"], len(values["level"])),
            (codes["age"], len(values["age"])),
            (codes["half"], len(values["half"])),
            _rank(self.n),
        ]  # fmt: skip
        words: list[np.ndarray] = []
        word, span = np.zeros(size, dtype=np.int64), 1
        for key, base in main:
            base = max(int(base), 1)
            if span * base >= 2**62:
                words.append(word)
                word, span = np.zeros(size, dtype=np.int64), 1
            word, span = word * base + key, span * base
        words.append(word)
        order = np.lexsort(words[::-1]) if size else np.zeros(0, dtype=np.int64)
        if size > 1:
            # Cells alike in all of that (few): ordered by their subscale sums too.
            tie = np.ones(size - 1, dtype=bool)
            for w in words:
                ws = w[order]
                tie &= ws[1:] == ws[:-1]
            if tie.any():
                segment = np.concatenate([[0], np.cumsum(~tie)])
                tied = np.flatnonzero(
                    np.concatenate([tie, [False]]) | np.concatenate([[False], tie])
                )
                sub = order[tied]
                rest = [*self.subs_n[sub].reshape(len(sub), -1).T,
                        *self.subs[sub].reshape(len(sub), -1).T]  # fmt: skip
                order[tied] = sub[np.lexsort([*rest[::-1], segment[tied]])]
        ordered = CellArrays(
            {k: v[order] for k, v in codes.items()}, values,
            self.before[order], self.after[order], self.paired[order], self.n[order],
            self.subs_n[order], self.subs[order],
        )  # fmt: skip
        h = hashlib.sha256(marshal.dumps([values[v] for v in sorted(values)], 2))
        for name in sorted(codes):
            h.update(name.encode())
            h.update(np.ascontiguousarray(ordered.codes[name], dtype=np.int64).data)
        for arr in (ordered.before, ordered.after, ordered.paired, ordered.n,
                    ordered.subs_n, ordered.subs):  # fmt: skip
            h.update(np.ascontiguousarray(arr).data)  # its bytes, not copied
        return ordered, h.hexdigest()


# ------------------------------------------- the programme's cells: kept per municipality

_AGE_LOWEST = [(lo, hi) for _, _, lo, hi in AGE_GROUPS]


def group_age(age: int | None) -> int | None:
    """The lowest age of the age group an age at the baseline is in
    (:data:`spor.evaluation.web.forms.AGE_GROUPS`), or None for any other age: what the
    programme's publication needs of the age (it shows age groups, nothing finer)."""
    if age is not None:
        for lo, hi in _AGE_LOWEST:
            if lo <= age <= hi:
                return lo
    return None


def _order(c: Cell) -> tuple[Any, ...]:
    """A fixed order of the cells of one read (a GROUP BY answers in any order), so that their
    sums are added in the same order on every read, stored or live."""
    return (
        c.municipality_id or 0, c.form, c.norm_before, c.after is None, c.norm_after or "",
        c.before, c.after or 0.0, c.band_before is None, c.band_before or "",
        c.band_after is None, c.band_after or "", c.kind, c.intervention_id or 0, c.level,
        c.age is None, c.age or 0, c.half is None, c.half or 0,
    )  # fmt: skip


def by_age_group(cells: list[Cell]) -> list[Cell]:
    """``by_origin`` cells with the age replaced by its age group (:func:`group_age`) and the
    cells that then agree in everything merged (their counts and sums added, in
    :func:`_order`), in that order."""
    merged: dict[tuple[Any, ...], tuple[Cell, int, list[list[Any]]]] = {}
    for c in sorted(cells, key=_order):
        g = Cell(
            c.form, c.norm_before, c.norm_after, c.before, c.after, c.band_before,
            c.band_after, 0, (), c.municipality_id, c.kind, c.intervention_id, c.level,
            group_age(c.age), c.half,
        )  # fmt: skip
        key = _order(g)
        found = merged.get(key)
        if found is None:
            merged[key] = (g, c.n, [list(s) for s in c.subscales])
        else:
            sums = found[2]
            for acc, s in zip(sums, c.subscales, strict=True):
                for k in range(5):
                    acc[k] += s[k]
            merged[key] = (found[0], found[1] + c.n, sums)
    out = []
    for key in sorted(merged):
        g, n, sums = merged[key]
        subs = cast(
            "tuple[tuple[int, float, float, float, float], ...]", tuple(tuple(s) for s in sums)
        )
        out.append(dataclasses.replace(g, n=n, subscales=subs))
    return out


def grouped_cells(municipality_ids: list[int], informant: str) -> list[Cell]:
    """The programme's cells of these municipalities computed from the responses now: the
    ``by_origin`` read (:func:`pair_cells_across`) at the age group (:func:`by_age_group`).
    What :func:`spor.evaluation.web.services.outcome_cells_refresh` stores."""
    if not municipality_ids:
        return []
    return by_age_group(
        pair_cells_across(municipality_ids, Filters(informant=informant), by_origin=True)
    )


_STORED = (
    "municipality_id", "form", "norm_before", "norm_after", "before", "after", "band_before",
    "band_after", "n", "kind", "intervention_id", "level", "age", "half", *SUBSCALE_COLUMNS,
)  # fmt: skip


def stored_arrays(municipality_ids: list[int], informant: str) -> CellArrays:
    """The stored cells of these municipalities (:class:`OutcomeCell`) as they were last
    built, in the order they were built in (by municipality, then as built), as columns
    (:class:`CellArrays`), with no :class:`Cell` per row. Each municipality's packed value
    (:class:`OutcomeCellsPacked`, one per municipality and informant) where it is of the
    municipality's current build, i.e. exactly its rows (:func:`_packed_arrays`); the rows of
    the others (:func:`_table_arrays`: cells built before the packed values were written,
    or changed since without a build)."""
    packed = _packed_arrays(municipality_ids, informant) if municipality_ids else {}
    rest = [m for m in municipality_ids if m not in packed]
    parts = [packed[m] for m in sorted(packed)]
    if rest or not parts:
        parts.append(_table_arrays(rest, informant))
    if len(parts) == 1:
        return parts[0]
    both = CellArrays.concat(parts)
    if not rest:  # the packed values, each one municipality's, already in its order
        return both
    muni = np.array([m or 0 for m in both.values["municipality_id"]] or [0], dtype=np.int64)
    return both.take(np.argsort(muni[both.codes["municipality_id"]], kind="stable"))


def _table_arrays(municipality_ids: list[int], informant: str) -> CellArrays:
    """The stored cells' rows of these municipalities as columns: on PostgreSQL one binary
    ``COPY`` of fixed-width fields read straight into arrays (:func:`_copied_arrays`);
    elsewhere the rows fetched in one go and turned into one array per column."""
    qs = OutcomeCell.objects.filter(municipality_id__in=municipality_ids, informant=informant)
    if connection.vendor == "postgresql" and municipality_ids:
        return _copied_arrays(municipality_ids, informant)
    try:
        sql, params = (
            qs.order_by("municipality_id", "pk").values_list(*_STORED).query.sql_with_params()
        )
    except EmptyResultSet:
        rows: list[tuple[Any, ...]] = []
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(_STORED)
    return CellArrays.from_columns(columns, len(rows))


# ------------------------------------------------ the stored cells packed per municipality

_PACKED_MAGIC = b"SPORCELLS\x01"
# How each array of a CellArrays travels (little-endian, whatever the machine) and what it
# is made again: whole numbers that fit in 32 bits as such (checked when packed).
_PACKED_ARRAYS = (
    *((f"code:{name}", "<i4", np.int64) for name in _CODED),
    ("before", "<f8", np.float64),
    ("after", "<f8", np.float64),
    ("paired", "|u1", np.bool_),
    ("n", "<i8", np.int64),
    ("subs_n", "<i4", np.int64),
    ("subs", "<f8", np.float64),
)


def pack_cells(municipality_id: int, cells: Sequence[OutcomeCell]) -> bytes:
    """One municipality's stored cells for one informant as one value: ``cells`` as written
    to the table (the build's order), their fields (:data:`_STORED`) taken as the table gives
    them back (a float column's value as a double, a count
    as an int: :meth:`CellArrays.from_columns`, as the rows' read makes them). The header
    holds the vocabularies (JSON: strings, whole numbers and nulls, exactly), then each
    array's bytes (:data:`_PACKED_ARRAYS`)."""
    size = len(cells)
    rows = list(map(attrgetter(*_STORED), cells))
    if any(r[0] != municipality_id for r in rows):
        raise ValueError("cells of another municipality")
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(_STORED)
    arrays = CellArrays.from_columns(columns, size)
    head = json.dumps(
        {"cells": size, "values": arrays.values}, ensure_ascii=False, separators=(",", ":")
    ).encode()
    out = [_PACKED_MAGIC, len(head).to_bytes(4, "little"), head]
    for name, dtype, _ in _PACKED_ARRAYS:
        a = _packed_part(arrays, name)
        packed = a.astype(dtype)
        # A code or count beyond 32 bits is refused, never cut.
        if packed.dtype.kind == "i" and not np.array_equal(packed, a):
            raise ValueError(f"{name} does not fit {dtype}")
        out.append(packed.tobytes())
    return b"".join(out)


def _packed_part(arrays: CellArrays, name: str) -> np.ndarray:
    if name.startswith("code:"):
        return arrays.codes[name[5:]]
    return cast("np.ndarray", getattr(arrays, name))


def unpack_cells(data: bytes | memoryview) -> CellArrays:
    """:func:`pack_cells`'s cells as columns: the same arrays, dtypes and values (the
    vocabularies in the order they were packed in)."""
    view = memoryview(data)
    start = len(_PACKED_MAGIC)
    if bytes(view[:start]) != _PACKED_MAGIC or len(view) < start + 4:
        raise DatabaseError("a packed value of another kind")
    length = int.from_bytes(view[start : start + 4], "little")
    pos = start + 4 + length
    head = json.loads(bytes(view[start + 4 : pos]))
    size = int(head["cells"])
    parts: dict[str, np.ndarray] = {}
    for name, dtype, native in _PACKED_ARRAYS:
        shape: tuple[int, ...] = (size,)
        if name == "subs_n":
            shape = (size, _WIDTH)
        elif name == "subs":
            shape = (size, _WIDTH, 4)
        count = int(np.prod(shape))
        width = np.dtype(dtype).itemsize * count
        if len(view) - pos < width:
            raise DatabaseError("a packed value cut short")
        raw = np.frombuffer(view, dtype=dtype, count=count, offset=pos)
        parts[name] = raw.astype(native).reshape(shape)  # a copy, native and aligned
        pos += width
    if pos != len(view):
        raise DatabaseError("a packed value of another size")
    values = {k: list(v) for k, v in head["values"].items()}
    return CellArrays(
        {name: parts[f"code:{name}"] for name in _CODED},
        values,
        parts["before"],
        parts["after"],
        parts["paired"],
        parts["n"],
        parts["subs_n"],
        parts["subs"],
    )


def _packed_arrays(municipality_ids: list[int], informant: str) -> dict[int, CellArrays]:
    """The packed values of these municipalities (:class:`OutcomeCellsPacked`) that are of
    their municipality's current build (``OutcomeCellsState.build``, in the same statement:
    only a build writes cells and packs them, in one transaction, and anything else that
    changes the cells gives the municipality a new identity), as columns, by municipality.
    A municipality without one is not in the answer. On PostgreSQL one binary ``COPY`` (a
    value is not written out as hex and parsed again)."""
    same_build = OutcomeCellsState.objects.filter(
        municipality_id=OuterRef("municipality_id"), build=OuterRef("build")
    )
    qs = (
        OutcomeCellsPacked.objects.filter(municipality_id__in=municipality_ids, informant=informant)
        .filter(Exists(same_build))
        .order_by()
        .values_list("municipality_id", "data")
    )
    found: list[tuple[int, bytes | memoryview]] = []
    if connection.vendor == "postgresql":
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            log = getattr(cursor, "debug_sql", None)  # in connection.queries, as any read
            copy_sql = f"COPY ({sql}) TO STDOUT (FORMAT BINARY)"
            logged = log(copy_sql, params) if log is not None else contextlib.nullcontext()
            with logged, cursor.cursor.copy(copy_sql, params) as copy:
                copy.set_types(["int8", "bytea"])
                found = list(copy.rows())
    else:
        found = list(qs)
    return {int(m): unpack_cells(data) for m, data in found}


# The stored cells' string columns, read on PostgreSQL as their positions in the values
# seen so far (per vocabulary, in this process): a row is then a fixed number of bytes.
_TEXT = ("form", "norm_before", "norm_after", "band_before", "band_after", "kind", "level")
_INTS = ("municipality_id", "intervention_id", "age", "half")
_SEEN: dict[str, tuple[str | None, ...]] = {}
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def _copy_sql(municipality_ids: list[int], informant: str) -> tuple[str, list[Any], list[str]]:
    """The ``COPY`` of the stored cells in binary, one row per municipality: its cells' rows
    as one ``bytea``, each row every field eight bytes, big-endian and never NULL (the
    strings as 1-based positions in :data:`_SEEN`, 0 for one not seen; a NULL number as 0
    with its bit set in ``nulls``; a float its own bits), ending with the row's id; and the
    fields' names in their order. (Every field of one width: the rows are then one
    two-dimensional array, made native and reordered whole.)

    A municipality's rows in one value, not a ``COPY`` row each: the driver takes a ``COPY``
    row by row, a Python step each (about 4 µs: 0.9 s of the national set's 218,880 rows),
    98 values instead. ``string_agg`` adds the rows in whatever order the plan gives them, so
    each row carries its id and the reader orders them (by municipality and id, the order
    they were built in). One value holds at most 1 GB: some 3.2 million cells of one
    municipality."""
    meta = OutcomeCell._meta
    table = connection.ops.quote_name(meta.db_table)
    col = {name: connection.ops.quote_name(name) for name in _STORED}  # as the model names them
    fields: list[str] = []
    exprs: list[str] = []
    params: list[Any] = []
    for name in _TEXT:
        exprs.append(f"int8send(coalesce(array_position(%s::text[], {col[name]}), 0)::int8)")
        params.append(list(_SEEN.get(_CODED[name], ())))
        fields.append(name)
    for name in _INTS:
        exprs.append(f"int8send(coalesce({col[name]}, 0)::int8)")
        fields.append(name)
    nullable = ("after", "intervention_id", "age", "half")
    exprs.append(
        "int8send(("
        + " | ".join(f"(({col[k]} IS NULL)::int4 << {i})" for i, k in enumerate(nullable))
        + ")::int8)"
    )
    fields.append("nulls")
    # float8send: the stored double's own bits.
    exprs += [
        f"float8send({col['before']}::float8)",
        f"float8send(coalesce({col['after']}, 0)::float8)",
        f"int8send({col['n']}::int8)",
    ]
    fields += ["before", "after", "n"]
    for name in SUBSCALE_COLUMNS:
        send = "int8send({}::int8)" if name.endswith("_n") else "float8send({}::float8)"
        exprs.append(send.format(col[name]))
        fields.append(name)
    muni, pk = col["municipality_id"], connection.ops.quote_name(str(meta.pk.column))
    exprs.append(f"int8send({pk}::int8)")
    fields.append("pk")
    # The only text put in: the model's own quoted names, and casts.
    query = (
        f"SELECT string_agg({_joined(exprs)}, ''::bytea) FROM {table} "  # noqa: S608
        f"WHERE {muni} = ANY(%s::int8[]) AND informant = %s GROUP BY {muni}"
    )
    sql = f"COPY ({query}) TO STDOUT (FORMAT BINARY)"
    return sql, [*params, list(municipality_ids), informant], fields


def _joined(exprs: list[str]) -> str:
    """``bytea`` expressions concatenated as a balanced tree: each byte copied a few times,
    not once per field after it (as a chain of ``||`` would)."""
    if len(exprs) == 1:
        return exprs[0]
    half = len(exprs) // 2
    return f"({_joined(exprs[:half])} || {_joined(exprs[half:])})"


def _copied_arrays(municipality_ids: list[int], informant: str) -> CellArrays:
    """:func:`stored_arrays` on PostgreSQL: one binary ``COPY`` into arrays. A string not
    seen before in this process (or none seen yet) is looked up (one ``SELECT DISTINCT``)
    and the copy made again."""
    if not all(v in _SEEN for v in ("form", "norm", "band", "kind", "level")):
        _learn(municipality_ids, informant)
    rows = _copy(municipality_ids, informant)
    if rows is None:
        _learn(municipality_ids, informant)
        rows = _copy(municipality_ids, informant)
        assert rows is not None  # every string is seen now
    return rows


def _learn(municipality_ids: list[int], informant: str) -> None:
    """Every string of the stored cells' string columns added to :data:`_SEEN`."""
    found = (
        OutcomeCell.objects.filter(municipality_id__in=municipality_ids, informant=informant)
        .order_by()
        .values_list(*_TEXT)
        .distinct()
    )
    seen = {
        vocab: dict.fromkeys(_SEEN.get(vocab, ()))
        for vocab in ("form", "norm", "band", "kind", "level")
    }
    for row in found:
        for name, value in zip(_TEXT, row, strict=True):
            seen[_CODED[name]].setdefault(value)
    for vocab, values in seen.items():
        _SEEN[vocab] = tuple(values)


def _copy(municipality_ids: list[int], informant: str) -> CellArrays | None:
    """The stored cells by one ``COPY``, or None when a string was not in :data:`_SEEN`."""
    sql, params, fields = _copy_sql(municipality_ids, informant)
    seen = {name: params[i] for i, name in enumerate(_TEXT)}
    rows = _CopyRows(len(fields))
    with connection.cursor() as cursor:
        log = getattr(cursor, "debug_sql", None)  # in connection.queries, as any read
        logged = log(sql, params) if log is not None else contextlib.nullcontext()
        with logged, cursor.cursor.copy(sql, params) as copy:
            # Each municipality's rows made native as they arrive, while the server builds
            # the next ones.
            for chunk in copy:
                rows.feed(chunk)
    table = rows.table()
    at = {name: j for j, name in enumerate(fields)}
    # In the order the cells were built in (municipality, then id), whatever order the
    # plan added them in.
    muni, pk = table[:, at["municipality_id"]], table[:, at["pk"]]
    up = (muni[1:] > muni[:-1]) | ((muni[1:] == muni[:-1]) & (pk[1:] > pk[:-1]))
    if not up.all():
        table = table[np.lexsort((pk, muni))]
    size = len(table)

    def ints(name: str) -> np.ndarray:
        return table[:, at[name]].copy()

    def floats(name: str) -> np.ndarray:
        return table[:, at[name]].view(np.float64)  # the double's own bits

    codes: dict[str, np.ndarray] = {}
    values: dict[str, list[Any]] = {}
    for vocab in ("form", "norm", "band", "kind", "level"):
        shared = [k for k in _TEXT if _CODED[k] == vocab]
        raw = {k: ints(k) for k in shared}
        if any((raw[k] == 0).any() for k in shared):
            return None
        words = seen[shared[0]]
        present = np.zeros(len(words) + 1, dtype=bool)
        for k in shared:
            present[raw[k]] = True
        renumber = np.cumsum(present) - 1
        values[vocab] = [words[i - 1] for i in np.flatnonzero(present).tolist()]
        for k in shared:
            codes[k] = renumber[raw[k]]
    nulls = ints("nulls")
    for bit, name in enumerate(("intervention_id", "age", "half"), start=1):
        codes[name], values[name] = _int_codes(ints(name), (nulls >> bit) & 1 == 1)
    codes["municipality_id"], values["municipality_id"] = _int_codes(
        ints("municipality_id"), np.zeros(size, dtype=bool)
    )
    paired = (nulls & 1) == 0
    # The subscales' fields side by side, per subscale its count and four sums.
    first = at[SUBSCALE_COLUMNS[0]]
    assert fields[first : first + len(SUBSCALE_COLUMNS)] == list(SUBSCALE_COLUMNS)
    block = table[:, first : first + len(SUBSCALE_COLUMNS)].reshape(size, _WIDTH, 5)
    subs_n = np.ascontiguousarray(block[:, :, 0])
    subs = np.ascontiguousarray(block[:, :, 1:]).view(np.float64)
    return CellArrays(
        {k: codes[k] for k in _CODED},
        values,
        floats("before").copy(),
        floats("after").copy(),
        paired,
        ints("n"),
        subs_n,
        subs,
    )


class _CopyRows:
    """The cells' rows of a binary ``COPY`` of :func:`_copy_sql` (a header, then per
    municipality one field: its rows' bytes; a trailer), parsed as its data arrives (in
    whatever pieces), as one native int64 array of ``width`` columns (a float's column
    viewed as float64 is the float). Each municipality's bytes are made native once, straight
    from the piece they came in where they are whole in it (the driver gives one ``COPY``
    row a piece): not gathered, joined and copied again after the last one."""

    _HEAD = len(_SIGNATURE) + 8

    def __init__(self, width: int) -> None:
        self.width = width
        self.parts: list[np.ndarray] = []
        self.pending = bytearray()  # a piece not parsed yet: the header or a row cut in two
        self.started = False
        self.ended = False

    def feed(self, chunk: bytes | bytearray | memoryview) -> None:
        if self.pending:
            self.pending += chunk
            with memoryview(self.pending) as view:
                used = self._parse(view)
            del self.pending[:used]
        else:
            view = memoryview(chunk)
            used = self._parse(view)
            self.pending += view[used:]

    def _parse(self, data: memoryview) -> int:
        """Every whole part of ``data`` parsed; how many bytes that was."""
        pos = 0
        if not self.started:
            if len(data) < self._HEAD:
                return 0
            if bytes(data[: len(_SIGNATURE)]) != _SIGNATURE:
                raise DatabaseError("COPY gave no binary header")
            extension = int.from_bytes(data[self._HEAD - 4 : self._HEAD], "big")
            if len(data) < self._HEAD + extension:
                return 0
            pos = self._HEAD + extension
            self.started = True
        while not self.ended and len(data) - pos >= 2:
            fields = int.from_bytes(data[pos : pos + 2], "big", signed=True)
            if fields == -1:  # the trailer
                self.ended = True
                pos += 2
                break
            if len(data) - pos < 6:
                break
            length = int.from_bytes(data[pos + 2 : pos + 6], "big", signed=True)
            if fields != 1 or length < 0 or length % (8 * self.width):
                raise DatabaseError("COPY gave rows of another layout than asked for")
            if len(data) - pos - 6 < length:
                break
            rows = np.frombuffer(data[pos + 6 : pos + 6 + length], dtype=">i8")
            self.parts.append(rows.reshape(-1, self.width).astype(np.int64))
            pos += 6 + length
        if self.ended and pos != len(data):
            raise DatabaseError("COPY gave rows of another size than asked for")
        return pos

    def table(self) -> np.ndarray:
        if not self.ended or self.pending:
            raise DatabaseError("COPY gave rows of another size than asked for")
        if not self.parts:
            return np.zeros((0, self.width), dtype=np.int64)
        return self.parts[0] if len(self.parts) == 1 else np.concatenate(self.parts)


def _int_codes(values: np.ndarray, null: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Whole numbers (and NULLs) as codes into their distinct values, None for NULL last."""
    codes, first = joint_codes([np.where(null, values.max(initial=0) + 1, values)])
    distinct = values[first].tolist()
    if null.any():
        distinct[int(codes[np.flatnonzero(null)[0]])] = None
    return codes, distinct


@dataclass(frozen=True)
class ProgrammeCells:
    # A CellArrays where the stored cells are read (programme_cells): the same cells.
    cells: Sequence[Cell]
    # The oldest build of the stored cells read (None: every municipality computed now).
    # What a service writes is in the cells at once (the municipality is computed from the
    # responses until it is built again); a bulk change (an import, a fix in the database)
    # only from the next build.
    refreshed_at: dt.datetime | None
    # With ``stored=False``: the fresh municipalities whose stored cells are *not* in
    # ``cells``, each with its build (``OutcomeCellsState.build``, hex): their stored cells
    # are exactly that build's (only a build writes them), read by :func:`builds_cells`.
    builds: tuple[tuple[int, str], ...] = ()


def _split(
    municipality_ids: list[int],
) -> tuple[list[int], list[int], dt.datetime | None, dict[int, str]]:
    """The municipalities whose stored cells are built and not stale, the others, the oldest
    build of the first, and the first's builds."""
    states = {
        m: (refreshed, stale, build)
        for m, refreshed, stale, build in OutcomeCellsState.objects.filter(
            municipality_id__in=municipality_ids
        ).values_list("municipality_id", "refreshed_at", "stale_since", "build")
    }
    # A build without its identity (none is written so) is read live: right, only slower.
    built = {
        m: (r, b.hex)
        for m, (r, stale, b) in states.items()
        if r is not None and stale is None and b is not None
    }
    fresh = [m for m in municipality_ids if m in built]
    live = [m for m in municipality_ids if m not in built]
    oldest = min(r for r, _ in built.values()) if built else None
    return fresh, live, oldest, {m: b for m, (_, b) in built.items()}


def programme_cells(
    municipality_ids: list[int], informant: str, *, stored: bool = True
) -> ProgrammeCells:
    """The programme's cells of these municipalities (``by_origin``, at the age group): the
    stored cells of every municipality whose cells are built and not stale
    (:class:`OutcomeCellsState`), the others' computed from the responses now
    (:func:`grouped_cells`), the same cells either way, as columns (:class:`CellArrays`:
    the stored ones read straight into arrays, the live ones turned into arrays once). Only
    for a national reader, as :func:`pair_cells_across`. With ``stored=False`` the stored
    cells are not read: their builds stand for them (``ProgrammeCells.builds``;
    :func:`builds_cells` reads them)."""
    fresh, live, built, builds = _split(municipality_ids)
    read = stored_arrays(fresh, informant) if fresh and stored else None
    cells = join_cells(read, grouped_cells(live, informant) if live else [])
    return ProgrammeCells(cells, built, () if stored else tuple((m, builds[m]) for m in fresh))


def join_cells(stored: CellArrays | None, live: list[Cell]) -> Sequence[Cell]:
    """Stored cells (columns) and live ones (cells) together, each municipality's cells in
    their own order, by municipality: as columns where the live cells can be made columns
    (turned into arrays once), else as cells."""
    if not live:
        return stored if stored is not None else CellArrays.from_columns([()] * len(_STORED), 0)
    arrays = CellArrays.from_cells(live)
    if arrays is None:  # not as the stored table gives them: kept as cells
        cells = [*(stored or []), *live]
        cells.sort(key=lambda c: c.municipality_id or 0)
        return cells
    both = CellArrays.concat([stored, arrays]) if stored is not None else arrays
    muni = np.array([m or 0 for m in both.values["municipality_id"]] or [0], dtype=np.int64)
    return both.take(np.argsort(muni[both.codes["municipality_id"]], kind="stable"))


def builds_cells(builds: tuple[tuple[int, str], ...], informant: str) -> tuple[CellArrays, bool]:
    """The stored cells of these municipalities (:func:`stored_arrays`), and whether they are
    the given builds' (:attr:`ProgrammeCells.builds`). They are not when a build committed
    after the builds were read: the states are read again *after* the cells, and each build's
    identity is new (a UUID, never repeated), written with its cells in one transaction, so
    the same fresh build before and after the cells' one statement (which sees one snapshot)
    means the cells read are that build's. A change of build in between, or the municipality
    made stale (an intervention deleted takes its stored cells with it: that marks it stale
    and gives it a new identity, in the deleting transaction), answers False: the caller then
    keys the cells by what they are (their digest), never by the builds. One re-read of a
    dozen state rows instead of a transaction held across the report's computation (a
    REPEATABLE READ snapshot would have to last from the state's read to the cells' read,
    which on a miss is the whole computation of the report, and on SQLite a read transaction
    that long holds back the WAL's checkpoints)."""
    ids = [m for m, _ in builds]
    cells = stored_arrays(ids, informant)
    _, _, _, now = _split(ids)
    return cells, all(now.get(m) == b for m, b in builds)


@contextlib.contextmanager
def _hashed_grouping() -> Iterator[None]:
    """On PostgreSQL, the statements inside group by hashing rather than by sorting.

    The planner estimates a few hundred rows for the pooled ``GROUP BY`` (row security hides
    the statistics from it) and so sorts the whole table on seven text columns, by
    collation, spilling to disk; hashing the same rows takes half the time. ``enable_sort``
    is set in a transaction (a savepoint inside a request's) and put back as it was at its
    end, so no later statement plans without sorts: a savepoint's release would keep the
    setting to the end of the request's transaction, its rollback (an error inside) undoes
    it."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # A planner setting, not one of the walls' (only spor.tenancy.rls writes those).
        cursor.execute("SHOW enable_sort")
        before = "on" if cursor.fetchone()[0] == "on" else "off"
        cursor.execute("SET LOCAL enable_sort = off")
        yield
        cursor.execute(f"SET LOCAL enable_sort = {before}")


_POOLED = ("form", "norm_before", "norm_after", "before", "after", "band_before", "band_after")


def pooled_cells(municipality_ids: list[int], informant: str) -> ProgrammeCells:
    """The programme's pooled cells (no origin: :func:`pair_cells_across` without
    ``by_origin``) of these municipalities: the stored cells of the fresh ones added up in
    the database (a scan of one table, grouped: a few thousand cells for the whole country),
    and the stale ones' computed from their responses now. The same counts and sums as
    :func:`pair_cells_across` (sums of whole scores exactly; of prorated ones up to the
    order of addition)."""
    fresh, live, built, _ = _split(municipality_ids)
    cells = []
    if fresh:
        rows = (
            OutcomeCell.objects.filter(municipality_id__in=fresh, informant=informant)
            .values(*_POOLED)
            .annotate(total=Sum("n"), **{f"s_{c}": Sum(c) for c in SUBSCALE_COLUMNS})
            .order_by()
            .values_list(*_POOLED, "total", *(f"s_{c}" for c in SUBSCALE_COLUMNS))
        )
        with _hashed_grouping():
            fetched = list(rows)
        for form, nb, na, tb, ta, bb, ba, n, *subs in fetched:
            per_scale = cast(
                "tuple[tuple[int, float, float, float, float], ...]",
                tuple(
                    (int(subs[k]), *(float(v) for v in subs[k + 1 : k + 5]))
                    for k in range(0, len(subs), 5)
                ),
            )
            cells.append(Cell(form, nb, na, tb, ta, bb, ba, int(n), per_scale))
    if live:
        cells += pair_cells_across(live, Filters(informant=informant))
    return ProgrammeCells(cells, built)
