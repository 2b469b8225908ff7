"""Reads for programmes, development plans and the initiatives overview.

Two audiences:

* **Municipality staff** (an :class:`~spor.accounts.access.Actor`): the PPR-leder and PPR
  staff read their own municipality's participations, plans and initiatives; the
  PPR-leder edits them. Other roles, and other municipalities, get 404.
* **The programme administrator** (a :class:`~spor.programme.access.ProgrammeActor`): the
  programme's participations and every participating municipality's initiatives, read in
  :func:`~spor.programme.access.national_context` and returned as lists.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404

from spor.accounts.access import Actor
from spor.accounts.models import Role
from spor.cases.models import (
    INITIATED_STATES,
    LEVEL_ORDER,
    Delivery,
    DeliveryHours,
    Intervention,
    Level,
    Target,
)
from spor.programme import charts
from spor.programme.access import ProgrammeActor, national_context, participating_municipalities
from spor.programme.models import (
    AgeGroup,
    AimedAt,
    Benchmark,
    BenchmarkFramework,
    DevelopmentPlan,
    Initiative,
    InitiativeBenchmark,
    InitiativeIntervention,
    InitiativeStatus,
    Milestone,
    Programme,
    ProgrammeParticipation,
    Scope,
)
from spor.tenancy.models import Municipality

PLAN_READERS = frozenset({Role.PPR, Role.LEAD})


def may_read_plans(actor: Actor) -> bool:
    return actor.role in PLAN_READERS


def may_edit_plan(actor: Actor) -> bool:
    return actor.is_lead


# --------------------------------------------------------------------------- framework


def frameworks() -> list[BenchmarkFramework]:
    return list(BenchmarkFramework.objects.order_by("valid_from", "version"))


def framework_with_items(framework: BenchmarkFramework) -> list[Benchmark]:
    return list(
        Benchmark.objects.filter(framework=framework).prefetch_related("items").order_by("number")
    )


def benchmarks_of(programme: Programme) -> QuerySet[Benchmark]:
    return Benchmark.objects.filter(framework_id=programme.framework_id).order_by("number")


# --------------------------------------------------------------------------- municipality


def participations_for(actor: Actor) -> list[ProgrammeParticipation]:
    """The programmes the actor's municipality takes part in, newest first, with the plan."""
    if not may_read_plans(actor):
        return []
    return list(
        ProgrammeParticipation.objects.filter(municipality_id=actor.municipality_id)
        .select_related("programme", "plan")
        .order_by("-programme__start_on", "programme__name")
    )


def get_participation_for_user(actor: Actor, participation_id: int) -> ProgrammeParticipation:
    if not may_read_plans(actor):
        raise Http404
    return get_object_or_404(
        ProgrammeParticipation.objects.select_related("programme__framework"),
        municipality_id=actor.municipality_id,
        pk=participation_id,
    )


def plan_exists(participation: ProgrammeParticipation) -> DevelopmentPlan | None:
    return DevelopmentPlan.objects.filter(
        municipality_id=participation.municipality_id, participation=participation
    ).first()


def get_developmentplan_for_user(actor: Actor, plan_id: int) -> DevelopmentPlan:
    if not may_read_plans(actor):
        raise Http404
    return get_object_or_404(
        DevelopmentPlan.objects.select_related(
            "participation__programme__framework", "municipality"
        ),
        municipality_id=actor.municipality_id,
        pk=plan_id,
    )


def _initiative_qs(municipality_ids: Iterable[int] | None = None) -> QuerySet[Initiative]:
    qs = Initiative.objects.select_related(
        "plan__participation__programme", "municipality"
    ).prefetch_related(
        Prefetch("benchmarks", queryset=Benchmark.objects.order_by("number")),
        Prefetch("interventions", queryset=Intervention.objects.order_by("name")),
        Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "pk")),
    )
    if municipality_ids is not None:
        qs = qs.filter(municipality_id__in=list(municipality_ids))
    return qs


def plan_initiatives(plan: DevelopmentPlan) -> list[Initiative]:
    return list(_initiative_qs([plan.municipality_id]).filter(plan=plan).order_by("pk"))


def get_initiative_for_user(actor: Actor, initiative_id: int) -> Initiative:
    if not may_read_plans(actor):
        raise Http404
    return get_object_or_404(_initiative_qs([actor.municipality_id]), pk=initiative_id)


def get_milestone_for_user(actor: Actor, milestone_id: int) -> Milestone:
    if not may_read_plans(actor):
        raise Http404
    return get_object_or_404(
        Milestone.objects.select_related("initiative__plan__participation__programme"),
        municipality_id=actor.municipality_id,
        pk=milestone_id,
    )


def intervention_choices(actor: Actor) -> QuerySet[Intervention]:
    """The municipality's active catalogue interventions an initiative can use."""
    return Intervention.objects.filter(municipality_id=actor.municipality_id, active=True).order_by(
        "name"
    )


@dataclass(frozen=True)
class InterventionUse:
    """What the evaluation records about a catalogue intervention so far: how many cases it
    was given in, how many deliveries, and the hours registered (all in the municipality)."""

    intervention: Intervention
    cases: int
    deliveries: int
    hours: Decimal


def intervention_use(actor: Actor, initiative: Initiative) -> list[InterventionUse]:
    interventions = list(initiative.interventions.all())
    ids = [i.pk for i in interventions]
    counts: dict[int, dict[str, int]] = {
        row["intervention_id"]: {"cases": row["cases"], "deliveries": row["deliveries"]}
        for row in Delivery.objects.filter(
            municipality_id=actor.municipality_id,
            intervention_id__in=ids,
            status__in=INITIATED_STATES,
        )
        .values("intervention_id")
        .annotate(cases=Count("case", distinct=True), deliveries=Count("pk"))
    }
    hours = {
        row["delivery__intervention_id"]: row["total"]
        for row in DeliveryHours.objects.filter(
            municipality_id=actor.municipality_id,
            delivery__intervention_id__in=ids,
            delivery__status__in=INITIATED_STATES,
        )
        .values("delivery__intervention_id")
        .annotate(total=Sum("hours"))
    }
    return [
        InterventionUse(
            i,
            counts.get(i.pk, {}).get("cases", 0),
            counts.get(i.pk, {}).get("deliveries", 0),
            hours.get(i.pk) or Decimal(0),
        )
        for i in interventions
    ]


# --------------------------------------------------------------------------- national


@dataclass
class ParticipationRow:
    participation: ProgrammeParticipation
    plan: DevelopmentPlan | None
    initiatives: int


@dataclass
class ProgrammePage:
    programme: Programme
    rows: list[ParticipationRow]
    total_grant: Decimal
    total_staff: Decimal
    initiatives: int

    @property
    def unallocated(self) -> Decimal:
        return self.programme.grant_pool - self.total_grant


def programme_page(pactor: ProgrammeActor) -> ProgrammePage:
    programme = pactor.programme
    with national_context(pactor):
        participations = list(
            ProgrammeParticipation.objects.filter(programme=programme)
            .select_related("municipality", "plan")
            .order_by("municipality__name")
        )
        counts = dict(
            Initiative.objects.filter(plan__participation__programme=programme)
            .values_list("plan__participation_id")
            .annotate(n=Count("pk"))
            .values_list("plan__participation_id", "n")
        )
    rows = [
        ParticipationRow(p, getattr(p, "plan", None), counts.get(p.pk, 0)) for p in participations
    ]
    return ProgrammePage(
        programme,
        rows,
        sum((p.grant for p in participations), Decimal(0)),
        sum((p.extra_staff for p in participations), Decimal(0)),
        sum(counts.values()),
    )


def get_participation_in_programme(
    pactor: ProgrammeActor, participation_id: int
) -> ProgrammeParticipation:
    with national_context(pactor):
        found = (
            ProgrammeParticipation.objects.filter(programme=pactor.programme, pk=participation_id)
            .select_related("municipality", "programme")
            .first()
        )
    if found is None:
        raise Http404
    return found


def municipalities_outside(pactor: ProgrammeActor) -> QuerySet[Municipality]:
    """Municipalities that could join the programme (the table is not a tenant table)."""
    taken = participating_municipalities(pactor)
    return Municipality.objects.exclude(pk__in=taken).order_by("name")


def get_plan_in_programme(
    pactor: ProgrammeActor, plan_id: int
) -> tuple[DevelopmentPlan, list[Initiative]]:
    with national_context(pactor):
        plan = (
            DevelopmentPlan.objects.filter(participation__programme=pactor.programme, pk=plan_id)
            .select_related("participation__programme", "municipality")
            .first()
        )
        if plan is None:
            raise Http404
        initiatives = list(_initiative_qs().filter(plan=plan).order_by("pk"))
    return plan, initiatives


# --------------------------------------------------------------------------- overview


@dataclass(frozen=True)
class OverviewFilter:
    benchmark: int | None = None
    municipality: int | None = None
    level: str = ""
    scope: str = ""
    target: str = ""
    age: str = ""
    status: str = ""
    text: str = ""

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


NOT_GIVEN = "Ikke angivet"


@dataclass
class Tally:
    """One diagram: counts of initiatives by a category, with its text alternative."""

    key: str
    title: str
    rows: list[tuple[str, int]]
    total: int
    note: str = ""
    chart: charts.BarChart = field(init=False)

    def __post_init__(self) -> None:
        self.chart = charts.bar_chart(self.rows, self.total)


@dataclass(frozen=True)
class InitiativeLine:
    """One initiative as the overview and its workbook show it: plain values read in four
    grouped queries, not model instances with three prefetches (the overview lists every
    initiative of every participating municipality)."""

    pk: int
    plan_id: int
    municipality_id: int
    municipality: str
    title: str
    description: str
    scope: str
    aimed_at: list[str]
    level: str
    target_groups: list[str]
    age_groups: list[str]
    responsible: str
    status: str
    benchmarks: list[tuple[int, str]] = field(default_factory=list)  # (number, title)
    interventions: list[str] = field(default_factory=list)  # names, sorted
    milestones: list[tuple[date, date | None, str]] = field(default_factory=list)
    intervention_ids: list[int] = field(default_factory=list)  # as ``interventions``

    @property
    def scope_label(self) -> str:
        return _SCOPES.get(self.scope, self.scope)

    @property
    def level_label(self) -> str:
        return _LEVELS.get(self.level, self.level)

    @property
    def status_label(self) -> str:
        return _STATUSES.get(self.status, self.status)

    @property
    def aimed_at_labels(self) -> list[str]:
        return [_AIMS[v] for v in self.aimed_at if v in _AIMS]

    @property
    def target_labels(self) -> list[str]:
        return [_TARGETS[v] for v in self.target_groups if v in _TARGETS]

    @property
    def age_labels(self) -> list[str]:
        return [_AGES[v] for v in self.age_groups if v in _AGES]


_SCOPES: dict[str, str] = {code: str(label) for code, label in Scope.choices}
_LEVELS: dict[str, str] = {code: str(label) for code, label in Level.choices}
_STATUSES: dict[str, str] = {code: str(label) for code, label in InitiativeStatus.choices}
_AIMS: dict[str, str] = {code: str(label) for code, label in AimedAt.choices}
_TARGETS: dict[str, str] = {code: str(label) for code, label in Target.choices}
_AGES: dict[str, str] = {code: str(label) for code, label in AgeGroup.choices}


# InitiativeLine's first fields, in order.
_LINE_FIELDS = (
    "pk", "plan_id", "municipality_id", "municipality__name", "title", "description",
    "scope", "aimed_at", "level", "target_groups", "age_groups", "responsible", "status",
)  # fmt: skip


def _initiative_lines(programme: Programme, *, milestones: bool = True) -> list[InitiativeLine]:
    """Every initiative of the programme's plans, by municipality name and id (with their
    milestones unless ``milestones`` is false: the overview page shows none, its workbook
    does). Call inside :func:`~spor.programme.access.national_context`."""
    mine = {"plan__participation__programme": programme}
    theirs = {"initiative__plan__participation__programme": programme}
    lines = [
        InitiativeLine(*row)
        for row in Initiative.objects.filter(**mine)
        .order_by("municipality__name", "pk")
        .values_list(*_LINE_FIELDS)
    ]
    by_pk = {line.pk: line for line in lines}
    for initiative_id, number, title in (
        InitiativeBenchmark.objects.filter(**theirs)
        .order_by("benchmark__number", "benchmark_id")
        .values_list("initiative_id", "benchmark__number", "benchmark__title")
    ):
        by_pk[initiative_id].benchmarks.append((number, title))
    for initiative_id, intervention_id, name in (
        InitiativeIntervention.objects.filter(**theirs)
        .order_by("intervention__name", "intervention_id")
        .values_list("initiative_id", "intervention_id", "intervention__name")
    ):
        by_pk[initiative_id].interventions.append(name)
        by_pk[initiative_id].intervention_ids.append(intervention_id)
    if not milestones:
        return lines
    for initiative_id, due_on, done_on, title in (
        Milestone.objects.filter(**theirs)
        .order_by("due_on", "pk")
        .values_list("initiative_id", "due_on", "done_on", "title")
    ):
        by_pk[initiative_id].milestones.append((due_on, done_on, title))
    return lines


@dataclass
class Overview:
    programme: Programme
    initiatives: list[InitiativeLine]
    all_count: int
    municipalities: list[Municipality]
    benchmarks: list[Benchmark]
    tallies: list[Tally]


def _matches(i: InitiativeLine, f: OverviewFilter) -> bool:
    if f.benchmark and f.benchmark not in {number for number, _ in i.benchmarks}:
        return False
    if f.municipality and i.municipality_id != f.municipality:
        return False
    if f.level and i.level != f.level:
        return False
    if f.scope and i.scope != f.scope:
        return False
    if f.target and f.target not in i.target_groups:
        return False
    if f.age and f.age not in i.age_groups:
        return False
    if f.status and i.status != f.status:
        return False
    if f.text:
        needle = f.text.casefold()
        if needle not in i.title.casefold() and needle not in i.description.casefold():
            return False
    return True


def _count_many(
    values: Sequence[Sequence[str]], choices: Sequence[tuple[str, str]]
) -> list[tuple[str, int]]:
    counter: Counter[str] = Counter(v for vs in values for v in set(vs))
    return [(label, counter[code]) for code, label in choices]


def tallies_for(initiatives: list[InitiativeLine], benchmarks: list[Benchmark]) -> list[Tally]:
    n = len(initiatives)
    by_benchmark: Counter[int] = Counter(
        number for i in initiatives for number in {number for number, _ in i.benchmarks}
    )
    by_municipality: Counter[str] = Counter(i.municipality for i in initiatives)
    levels: Counter[str] = Counter(i.level for i in initiatives)
    scopes: Counter[str] = Counter(i.scope for i in initiatives)
    statuses: Counter[str] = Counter(i.status for i in initiatives)
    level_rows = [(Level(code).label, levels[code]) for code in LEVEL_ORDER]
    if levels[""]:
        level_rows.append((f"{NOT_GIVEN} (generelle initiativer)", levels[""]))
    return [
        Tally(
            "pejlemaerke",
            "Initiativer pr. pejlemærke",
            [(str(b), by_benchmark[b.number]) for b in benchmarks],
            n,
            "Et initiativ kan tjene flere pejlemærker, så tallene summerer til mere end "
            "antallet af initiativer.",
        ),
        Tally(
            "kommune",
            "Initiativer pr. kommune",
            sorted(by_municipality.items(), key=lambda kv: kv[0]),
            n,
        ),
        Tally(
            "specifik",
            "Specifikke og generelle initiativer",
            [(label, scopes[code]) for code, label in Scope.choices],
            n,
            "Specifikke initiativer er rettet mod børn, familier eller fagprofessionelle; "
            "generelle mod organisationen og den tværfaglige ramme.",
        ),
        Tally(
            "rettet_mod",
            "Hvem initiativerne er rettet mod",
            _count_many([i.aimed_at for i in initiatives], AimedAt.choices),
            n,
            "Et initiativ kan være rettet mod flere.",
        ),
        Tally("niveau", "Initiativer pr. niveau", level_rows, n),
        Tally(
            "maalgruppe",
            "Initiativer pr. målgruppe",
            _count_many([i.target_groups for i in initiatives], Target.choices),
            n,
            "Et initiativ kan have flere målgrupper.",
        ),
        Tally(
            "alder",
            "Initiativer pr. aldersgruppe",
            _count_many([i.age_groups for i in initiatives], AgeGroup.choices),
            n,
            "Et initiativ kan dække flere aldersgrupper.",
        ),
        Tally(
            "status",
            "Initiativer pr. status",
            [(label, statuses[code]) for code, label in InitiativeStatus.choices],
            n,
        ),
    ]


@dataclass
class Initiatives:
    """Everything the overview is drawn from, unfiltered: read once per request, so the
    filter form's choices and the filtered overview come from the same read."""

    programme: Programme
    lines: list[InitiativeLine]
    municipalities: list[Municipality]
    benchmarks: list[Benchmark]


def initiatives(pactor: ProgrammeActor, *, milestones: bool = True) -> Initiatives:
    """Every initiative of the programme's participating municipalities (with their
    milestones unless ``milestones`` is false), with the municipalities and pejlemærker the
    overview can be filtered by."""
    programme = pactor.programme
    with national_context(pactor):
        lines = _initiative_lines(programme, milestones=milestones)
    participating = ProgrammeParticipation.objects.filter(programme=programme)
    return Initiatives(
        programme,
        lines,
        # Neither table is a tenant table: one statement.
        list(
            Municipality.objects.filter(pk__in=participating.values("municipality_id")).order_by(
                "name"
            )
        ),
        list(benchmarks_of(programme)),
    )


def overview(everything: Initiatives, f: OverviewFilter) -> Overview:
    chosen = [i for i in everything.lines if _matches(i, f)]
    return Overview(
        everything.programme,
        chosen,
        len(everything.lines),
        everything.municipalities,
        everything.benchmarks,
        tallies_for(chosen, everything.benchmarks),
    )
