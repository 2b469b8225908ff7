"""Figures beside the SDQ on the evaluation page: the programme's ultimate aim (how many
forløb end in specialised help or medication), PPR's accessibility (pejlemærke 5: waiting
from a concern to PPR's first action and to a forløb), and children reached per funded PPR
position. Each is read in one scoped query and computed by :mod:`spor.evaluation.stats`;
anything about fewer than 5 is not shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import Role
from spor.cases.models import Case, Status
from spor.concerns.models import Concern, EventKind
from spor.evaluation import stats
from spor.evaluation.web.figures import SUPPRESSED, THRESHOLD, num, pct
from spor.evaluation.web.forms import Filters
from spor.programme.models import ProgrammeParticipation

SPECIALISED_FIELDS = ("close_psychiatry", "close_special_education", "close_social_measures")
PPR_ROLES = (Role.PPR, Role.LEAD)
SHARE_LABELS = {
    "specialised": "Afsluttet med specialiseret hjælp (psykiatri, specialundervisning "
    "eller sociale foranstaltninger)",
    "medication": "Afsluttet med medicin",
    "either": "Afsluttet med specialiseret hjælp eller medicin",
}


@dataclass
class Line:
    label: str
    value: str
    note: str = ""


@dataclass
class Beyond:
    period: str
    specialised: list[Line] = field(default_factory=list)
    n_closed: int = 0
    waiting: list[Line] = field(default_factory=list)
    reach: list[Line] = field(default_factory=list)


def _period(filters: Filters) -> tuple[dt.date | None, dt.date | None, str]:
    start, end = filters.date_from, filters.date_to
    if start is None and end is None:
        return None, None, "hele perioden"
    text = f"{start.isoformat() if start else '…'} til {end.isoformat() if end else '…'}"
    return start, end, text


def _cases(actor: Actor, filters: Filters) -> QuerySet[Case]:
    qs = Case.objects.filter(municipality_id=actor.municipality_id, child__isnull=False)
    if filters.intervention is not None:
        qs = qs.filter(deliveries__intervention_id=filters.intervention.pk)
    if filters.kind:
        qs = qs.filter(deliveries__intervention__kind=filters.kind)
    if filters.level:
        qs = qs.filter(deliveries__intervention__level=filters.level)
    return qs


def _flag(values: tuple[Any, ...]) -> bool | None:
    if any(v is True for v in values):
        return True
    if any(v is None for v in values):
        return None
    return False


def _share_line(key: str, p: stats.Proportion) -> Line:
    if p.n < THRESHOLD or 0 < p.k < THRESHOLD or 0 < p.n - p.k < THRESHOLD:
        return Line(
            SHARE_LABELS[key],
            SUPPRESSED,
            f"{p.n} forløb med oplysningen" if p.n >= THRESHOLD else "",
        )
    return Line(
        SHARE_LABELS[key],
        f"{p.label} ({pct(p.share)})",
        f"95 %-interval {pct(p.ci_low)} til {pct(p.ci_high)}",
    )


def _specialised(actor: Actor, filters: Filters, out: Beyond) -> None:
    start, end, _ = _period(filters)
    qs = _cases(actor, filters).filter(status=Status.CLOSED)
    if start:
        qs = qs.filter(closed_on__gte=start)
    if end:
        qs = qs.filter(closed_on__lte=end)
    rows = list(qs.distinct().values_list(*SPECIALISED_FIELDS, "close_medication"))
    out.n_closed = len(rows)
    if len(rows) < THRESHOLD:
        return
    shares = stats.share_specialised([_flag(r[:3]) for r in rows], [r[3] for r in rows])
    out.specialised = [_share_line(k, shares[k]) for k in ("specialised", "medication", "either")]


def _days(start: dt.datetime | dt.date, end: dt.datetime | dt.date | None) -> int | None:
    if end is None:
        return None
    a = timezone.localtime(start).date() if isinstance(start, dt.datetime) else start
    b = timezone.localtime(end).date() if isinstance(end, dt.datetime) else end
    return max(0, (b - a).days)


def _wait_line(label: str, days: list[int | None], note: str) -> Line:
    done = [d for d in days if d is not None]
    if len(done) < THRESHOLD:
        return Line(label, SUPPRESSED, note)
    w = stats.waiting_times(days)
    value = f"median {num(w.median, 0)} dage (kvartiler {num(w.p25, 0)}–{num(w.p75, 0)})"
    still = f"; {w.n_missing} venter stadig eller mangler" if w.n_missing >= THRESHOLD else ""
    return Line(label, value, f"{w.n} bekymringer{still}. {note}")


def _waiting(actor: Actor, filters: Filters, out: Beyond) -> None:
    start, end, _ = _period(filters)
    qs = Concern.objects.filter(municipality_id=actor.municipality_id, child__isnull=False)
    if start:
        qs = qs.filter(created_at__date__gte=start)
    if end:
        qs = qs.filter(created_at__date__lte=end)
    first_ppr = Min(
        "events__at",
        filter=Q(events__author__role__in=PPR_ROLES) & ~Q(events__kind=EventKind.CREATED),
    )
    rows = list(
        qs.annotate(first_ppr=first_ppr, case_start=Min("cases__opened_on")).values_list(
            "created_at", "first_ppr", "case_start"
        )
    )
    out.waiting = [
        _wait_line(
            "Fra bekymring til PPR's første handling",
            [_days(c, f) for c, f, _ in rows],
            "Første notat, statusændring eller opfølgning skrevet af PPR.",
        ),
        _wait_line(
            "Fra bekymring til forløbets start",
            [_days(c, s) for c, _, s in rows if s is not None],
            "Kun bekymringer, der blev til et forløb.",
        ),
    ]


def _reach(actor: Actor, filters: Filters, out: Beyond) -> None:
    participation = (
        ProgrammeParticipation.objects.filter(municipality_id=actor.municipality_id)
        .select_related("programme")
        .order_by("-programme__start_on")
        .first()
    )
    if participation is None or not participation.extra_staff:
        out.reach = [
            Line(
                "Børn nået pr. finansieret PPR-stilling",
                "–",
                "Kommunen har ingen ekstra årsværk registreret i et partnerskab.",
            )
        ]
        return
    programme = participation.programme
    # The positions are full-time equivalents a year: without a period chosen, a year back.
    end = filters.date_to or timezone.localdate()
    start = filters.date_from or end - dt.timedelta(days=365)
    children = list(
        _cases(actor, filters)
        .filter(opened_on__gte=start, opened_on__lte=end)
        .values_list("child_id", flat=True)
        .distinct()
    )
    per = stats.children_per_position(children, float(participation.extra_staff))
    hidden = 0 < per.children < THRESHOLD
    value = SUPPRESSED + " børn" if hidden else f"{num(per.per_position)} børn pr. årsværk"
    out.reach = [
        Line(
            "Børn nået pr. finansieret PPR-stilling",
            value,
            f"{SUPPRESSED if hidden else per.children} børn med et forløb "
            f"startet {start.isoformat()} til {end.isoformat()}, "
            f"{num(per.positions)} ekstra årsværk i {programme.name}. "
            "Alle kommunens forløb tæller med, ikke kun dem, de ekstra stillinger løftede.",
        )
    ]


def compute(actor: Actor, filters: Filters) -> Beyond:
    out = Beyond(period=_period(filters)[2])
    _specialised(actor, filters, out)
    _waiting(actor, filters, out)
    _reach(actor, filters, out)
    return out
