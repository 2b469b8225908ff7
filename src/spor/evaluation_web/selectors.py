"""Scoped reads for the evaluation page: the municipality's catalogue and one query of the
SDQ responses behind the figures (never per child)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Field,
    FilteredRelation,
    FloatField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, ExtractDay, ExtractMonth, ExtractYear, TruncDate
from django.utils import timezone

from spor.cases.models import Intervention
from spor.evaluation_web.forms import Filters
from spor.measurement.models import Phase, Response
from spor.tenancy.access import Actor


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
    qs = _filtered(qs, actor, filters)
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


def _filtered(qs: QuerySet[Response], actor: Actor, filters: Filters) -> QuerySet[Response]:
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
            for pk, targets in interventions_for(actor).values_list("pk", "targets")
            if filters.target in (targets or [])
        ]
        qs = qs.filter(delivery__intervention_id__in=ids)
    return qs


def _key(relation: str, key: str, output: Field) -> Case:
    """A key of the scores as a number or text, NULL when missing or JSON null (SQLite's
    JSON text of a null is the word 'null')."""
    value = KeyTextTransform(key, f"{relation}scores")
    return Case(
        When(Q(**{f"{relation}scores__{key}": None}), then=Value(None, output_field=output)),
        default=Cast(value, output) if isinstance(output, FloatField) else value,
        output_field=output,
    )


def _score(relation: str, key: str) -> Case:
    return _key(relation, key, FloatField())


def _band(relation: str, key: str) -> Case:
    return _key(relation, f"{key}_band", CharField())


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


def pair_cells(actor: Actor, filters: Filters) -> list[Cell]:
    """The started deliveries of the municipality that match the filters, as :class:`Cell`s,
    in one query: each baseline response (the informant's, with a total score, in the age
    group and period) joined to the same delivery's follow-up by the same informant.

    The same deliveries as :func:`response_rows` + :func:`spor.evaluation_web.figures.select`.
    """
    post = FilteredRelation(
        "delivery__measurement_responses",
        condition=Q(
            delivery__measurement_responses__phase=Phase.AFTER,
            delivery__measurement_responses__informant=filters.informant,
        ),
    )
    qs = _filtered(
        Response.objects.filter(
            municipality_id=actor.municipality_id,
            informant=filters.informant,
            phase=Phase.BEFORE,
            delivery__case__child__isnull=False,
        ),
        actor,
        filters,
    ).annotate(post=post, _tb=_score("", "total"), _ta=_score("post__", "total"))
    qs = qs.filter(_tb__isnull=False)
    if filters.date_from:
        qs = qs.filter(answered_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(answered_at__date__lte=filters.date_to)
    if filters.age_range:
        age, parts = _age_at_baseline()
        qs = qs.annotate(**parts).annotate(_age=age)
        qs = qs.filter(_age__gte=filters.age_range[0], _age__lte=filters.age_range[1])
    # A follow-up without a total counts as no follow-up, as in figures.select.
    paired = Q(_ta__isnull=False)
    aggregates: dict[str, Any] = {"_n": Count("pk")}
    for s in SUBSCALES:
        b, a = _score("", s), _score("post__", s)
        both = paired & Q(**{f"_{s}_b__isnull": False, f"_{s}_a__isnull": False})
        qs = qs.annotate(**{f"_{s}_b": b, f"_{s}_a": a})
        d = F(f"_{s}_a") - F(f"_{s}_b")
        aggregates |= {
            f"_{s}_n": Count("pk", filter=both),
            f"_{s}_sb": Sum(f"_{s}_b", filter=both),
            f"_{s}_sa": Sum(f"_{s}_a", filter=both),
            f"_{s}_sd": Sum(d, filter=both),
            f"_{s}_sd2": Sum(d * d, filter=both),
        }
    groups = qs.annotate(
        _nb=F("norm_set"),
        _na=F("post__norm_set"),
        _bb=_band("", "total"),
        _ba=_band("post__", "total"),
    ).values("form", "_nb", "_na", "_tb", "_ta", "_bb", "_ba")
    out = []
    rows: Any = groups.annotate(**aggregates).order_by()
    for g in rows:
        after = g["_ta"]
        out.append(
            Cell(
                form=g["form"],
                norm_before=g["_nb"] or "",
                norm_after=(g["_na"] or "") if after is not None else None,
                before=float(g["_tb"]),
                after=None if after is None else float(after),
                band_before=g["_bb"],
                band_after=g["_ba"] if after is not None else None,
                n=int(g["_n"]),
                subscales=tuple(
                    (
                        int(g[f"_{s}_n"]),
                        float(g[f"_{s}_sb"] or 0.0),
                        float(g[f"_{s}_sa"] or 0.0),
                        float(g[f"_{s}_sd"] or 0.0),
                        float(g[f"_{s}_sd2"] or 0.0),
                    )
                    for s in SUBSCALES
                ),
            )
        )
    return out
