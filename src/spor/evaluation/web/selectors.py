"""Scoped reads for the evaluation page: the municipality's catalogue and one query of the
SDQ responses behind the figures (never per child)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import itertools
import marshal
import zoneinfo
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    F,
    FilteredRelation,
    Func,
    IntegerField,
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
from spor.evaluation.web.models import SUBSCALE_COLUMNS, OutcomeCell, OutcomeCellsState
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


def cells_key(cells: list[Cell]) -> list[tuple[Any, ...]]:
    """Every field of every cell as plain tuples, for :func:`spor.lib.memo.digest` (whose
    ``repr`` of tuples is done in C; a dataclass's is Python, per field)."""
    return [
        (c.form, c.norm_before, c.norm_after, c.before, c.after, c.band_before, c.band_after,
         c.n, c.subscales, c.municipality_id, c.kind, c.intervention_id, c.level, c.age, c.half)
        for c in cells
    ]  # fmt: skip


def cells_in_order(cells: list[Cell]) -> tuple[list[Cell], str]:
    """The cells in one fixed order, whatever order the database's ``GROUP BY`` gave them
    in (PostgreSQL's differs from one read to the next), and a digest of every field of
    every cell (:func:`cells_key`). Each cell is written by
    :mod:`marshal` (version 2: no references to earlier objects; an int and a float differ,
    as in their ``repr``), the cells sorted by those bytes and the bytes hashed: equal bytes
    are equal cells (an interned string is marked as such, so equal cells could at worst
    hash apart: computed again, never another's result). The key of every result kept
    from the cells (:mod:`spor.evaluation.web.lattice`, the programme's figures and
    publication): what is kept under it is computed from the cells in this order."""
    # The tuples of cells_key, made in C.
    fields = attrgetter(*(f.name for f in dataclasses.fields(Cell)))
    blobs = list(map(marshal.dumps, map(fields, cells), itertools.repeat(2)))
    order = sorted(range(len(blobs)), key=blobs.__getitem__)
    digest = hashlib.sha256(b"".join([blobs[i] for i in order])).hexdigest()
    return [cells[i] for i in order], digest


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


def stored_cells(municipality_ids: list[int], informant: str) -> list[Cell]:
    """The stored cells of these municipalities (:class:`OutcomeCell`) as they were last
    built, in the order they were built in: a scan of one table, no join."""
    rows = (
        OutcomeCell.objects.filter(municipality_id__in=municipality_ids, informant=informant)
        .order_by("municipality_id", "pk")
        .values_list(*_STORED)
    )
    # Each subscale's five sums are a slice of the row (a tuple already): no work per value.
    out = []
    for r in rows:
        subs = (r[14:19], r[19:24], r[24:29], r[29:34], r[34:39])
        out.append(Cell(*r[1:9], subs, r[0], *r[9:14]))  # type: ignore[call-arg]
    return out


@dataclass(frozen=True)
class ProgrammeCells:
    cells: list[Cell]
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
    (:func:`grouped_cells`), the same cells either way. Only for a national reader, as
    :func:`pair_cells_across`. With ``stored=False`` the stored cells are not read: their
    builds stand for them (``ProgrammeCells.builds``; :func:`builds_cells` reads them)."""
    fresh, live, built, builds = _split(municipality_ids)
    cells = stored_cells(fresh, informant) if fresh and stored else []
    if live:
        cells += grouped_cells(live, informant)
        # Each municipality's cells stay in their own order.
        cells.sort(key=lambda c: c.municipality_id or 0)
    return ProgrammeCells(cells, built, () if stored else tuple((m, builds[m]) for m in fresh))


def builds_cells(builds: tuple[tuple[int, str], ...], informant: str) -> tuple[list[Cell], bool]:
    """The stored cells of these municipalities (:func:`stored_cells`), and whether they are
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
    cells = stored_cells(ids, informant)
    _, _, _, now = _split(ids)
    return cells, all(now.get(m) == b for m, b in builds)


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
        for form, nb, na, tb, ta, bb, ba, n, *subs in rows:
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
