"""Writes to programmes, participations, development plans, initiatives and milestones.

Each service checks its input again (the forms check first, for the screens) and makes the
whole change in one transaction: either everything is saved or nothing is. Bad input raises
:class:`django.core.exceptions.ValidationError` with a Danish message that says what to fix
(a dict by field name where one field is at fault); someone who may not make the change gets
:class:`django.core.exceptions.PermissionDenied`.

The programme administrator's writes (programme, participations) go through
:func:`~spor.programme.access.national_context`; the PPR-leder's writes (plan, initiatives,
milestones) stay in their own municipality.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from spor.accounts.access import Actor
from spor.cases.models import Intervention, Level, Target
from spor.lib import danish
from spor.lib.forms import raise_errors
from spor.programme.access import ProgrammeActor, national_context
from spor.programme.models import (
    AIMS_BY_SCOPE,
    AgeGroup,
    Benchmark,
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

MSG_NOT_LEAD = "Kun PPR-lederen kan ændre kommunens udviklingsplan."
MSG_NAME = "Skriv programmets navn."
MSG_NAME_TAKEN = "Der findes allerede et program med det navn."
MSG_FUNDER = "Skriv, hvilken myndighed der står for programmet, fx Socialstyrelsen."
MSG_PERIOD = "Periodens slutning kan ikke ligge før dens start. Ret en af datoerne."
MSG_DATE_MISSING = "Angiv en dato."
MSG_POOL = "Puljen skal være et beløb i kroner, 0 eller mere, fx 123100000."
MSG_POOL_TOO_SMALL = (
    "Puljen kan ikke være mindre end de tilskud, der allerede er givet ({granted} kr.)."
)
MSG_MILESTONES_OUTSIDE = (
    "{n} milepæl(e) i kommunernes udviklingsplaner ligger uden for den nye periode. "
    "Kommunerne skal flytte dem først, eller vælg en periode, der dækker dem."
)
MSG_MUNICIPALITY = "Vælg en kommune."
MSG_ALREADY_IN = "{name} deltager allerede i programmet."
MSG_GRANT = "Tilskuddet skal være et beløb i kroner, 0 eller mere."
MSG_GRANT_OVER_POOL = (
    "Tilskuddene kan ikke overstige puljen på {pool} kr. Der er {left} kr. tilbage at fordele."
)
MSG_STAFF = "Ekstra årsværk skal være et tal fra 0 til 200, fx 2,5."
MSG_NOT_PARTICIPATING = (
    "{municipality} deltager ikke i »{programme}«. En udviklingsplan hører til en kommune i "
    "programmet; kontakt programmets administrator, hvis kommunen skal være med."
)
MSG_PLAN_EXISTS = "Kommunen har allerede en udviklingsplan i »{programme}«."
MSG_PLAN_TITLE = "Skriv planens navn, fx det lokale navn på projektet."
MSG_TITLE = "Skriv initiativets navn."
MSG_TITLE_TAKEN = "Planen har allerede et initiativ med det navn."
MSG_DESCRIPTION = "Beskriv initiativet kort: hvad gør I, og for hvem?"
MSG_SCOPE = "Vælg, om initiativet er specifikt eller generelt."
MSG_AIMED_AT = "Vælg, hvem initiativet er rettet mod."
MSG_AIMED_AT_SCOPE = (
    "Et specifikt initiativ er rettet mod børn, familier eller fagprofessionelle; et generelt "
    "mod organisationen eller den tværfaglige ramme. Ret valget."
)
MSG_LEVEL = "Vælg niveau for et specifikt initiativ: forebyggende, foregribende eller indgribende."
MSG_TARGETS = "Vælg mindst én målgruppe."
MSG_AGES = "Vælg mindst én aldersgruppe."
MSG_RESPONSIBLE = "Skriv, hvem der er ansvarlig: en funktion eller et team, fx »PPR-leder«."
MSG_STATUS = "Vælg initiativets status."
MSG_BENCHMARKS = "Vælg mindst ét af programmets pejlemærker, som initiativet tjener."
MSG_INTERVENTIONS = "Vælg kun aktive indsatser fra din kommunes indsatsvifte."
MSG_MILESTONE_TITLE = "Skriv, hvad milepælen er."
MSG_MILESTONE_DATE = "Angiv milepælens dato."
MSG_MILESTONE_OUTSIDE = "Milepælens dato skal ligge i programmets periode, {start}–{end}."
MSG_DONE_FUTURE = "En milepæl kan ikke være nået i fremtiden. Angiv i dag eller en tidligere dato."

MAX_STAFF = Decimal(200)


def day(d: dt.date) -> str:
    return d.strftime("%d.%m.%Y")


def kroner(amount: Decimal) -> str:
    return danish.number(amount, 0)


def _text(value: str | None) -> str:
    return (value or "").strip()


def _check_lead(actor: Actor) -> None:
    if not actor.is_lead:
        raise PermissionDenied(MSG_NOT_LEAD)


# --------------------------------------------------------------------------- programme


@transaction.atomic
def programme_update(
    *,
    actor: ProgrammeActor,
    name: str,
    funder: str,
    description: str,
    start_on: dt.date | None,
    end_on: dt.date | None,
    grant_pool: Decimal | None,
) -> Programme:
    programme = Programme.objects.select_for_update().get(pk=actor.programme.pk)
    errors: dict[str, Any] = {}
    name, funder = _text(name), _text(funder)
    if not name:
        errors["name"] = MSG_NAME
    elif Programme.objects.filter(name__iexact=name).exclude(pk=programme.pk).exists():
        errors["name"] = MSG_NAME_TAKEN
    if not funder:
        errors["funder"] = MSG_FUNDER
    if start_on is None:
        errors["start_on"] = MSG_DATE_MISSING
    if end_on is None:
        errors["end_on"] = MSG_DATE_MISSING
    if start_on and end_on and end_on < start_on:
        errors["end_on"] = MSG_PERIOD
    if grant_pool is None or grant_pool < 0:
        errors["grant_pool"] = MSG_POOL
    with national_context(actor):
        granted = ProgrammeParticipation.objects.filter(programme=programme).aggregate(
            s=Sum("grant")
        )["s"] or Decimal(0)
        outside = 0
        if start_on and end_on and "end_on" not in errors:
            outside = (
                Milestone.objects.filter(initiative__plan__participation__programme=programme)
                .exclude(due_on__gte=start_on, due_on__lte=end_on)
                .count()
            )
    if grant_pool is not None and "grant_pool" not in errors and grant_pool < granted:
        errors["grant_pool"] = MSG_POOL_TOO_SMALL.format(granted=kroner(granted))
    if outside:
        errors["end_on"] = MSG_MILESTONES_OUTSIDE.format(n=outside)
    raise_errors(errors)
    assert start_on is not None and end_on is not None and grant_pool is not None
    programme.name = name
    programme.funder = funder
    programme.description = _text(description)
    programme.start_on = start_on
    programme.end_on = end_on
    programme.grant_pool = grant_pool
    programme.save()
    return programme


def _check_grant(
    programme: Programme,
    grant: Decimal | None,
    extra_staff: Decimal | None,
    *,
    other_grants: Decimal,
    errors: dict[str, Any],
) -> None:
    if grant is None or grant < 0:
        errors["grant"] = MSG_GRANT
    elif other_grants + grant > programme.grant_pool:
        errors["grant"] = MSG_GRANT_OVER_POOL.format(
            pool=kroner(programme.grant_pool), left=kroner(programme.grant_pool - other_grants)
        )
    if extra_staff is None or not (0 <= extra_staff <= MAX_STAFF):
        errors["extra_staff"] = MSG_STAFF


@transaction.atomic
def participation_add(
    *,
    actor: ProgrammeActor,
    municipality: Municipality | None,
    grant: Decimal | None,
    extra_staff: Decimal | None,
    staff_note: str = "",
) -> ProgrammeParticipation:
    # The programme row is locked, so two administrators granting at once cannot pass the pool.
    programme = Programme.objects.select_for_update().get(pk=actor.programme.pk)
    errors: dict[str, Any] = {}
    with national_context(actor, also=municipality.pk if municipality is not None else None):
        taken = ProgrammeParticipation.objects.filter(programme=programme)
        other = taken.aggregate(s=Sum("grant"))["s"] or Decimal(0)
        if municipality is None:
            errors["municipality"] = MSG_MUNICIPALITY
        elif taken.filter(municipality=municipality).exists():
            errors["municipality"] = MSG_ALREADY_IN.format(name=municipality.name)
        _check_grant(programme, grant, extra_staff, other_grants=other, errors=errors)
        raise_errors(errors)
        assert municipality is not None and grant is not None and extra_staff is not None
        return ProgrammeParticipation.objects.create(
            programme=programme,
            municipality=municipality,
            grant=grant,
            extra_staff=extra_staff,
            staff_note=_text(staff_note),
        )


@transaction.atomic
def participation_update(
    *,
    actor: ProgrammeActor,
    participation: ProgrammeParticipation,
    grant: Decimal | None,
    extra_staff: Decimal | None,
    staff_note: str = "",
) -> ProgrammeParticipation:
    programme = Programme.objects.select_for_update().get(pk=actor.programme.pk)
    if participation.programme_id != programme.pk:
        raise PermissionDenied
    errors: dict[str, Any] = {}
    with national_context(actor):
        other = ProgrammeParticipation.objects.filter(programme=programme).exclude(
            pk=participation.pk
        ).aggregate(s=Sum("grant"))["s"] or Decimal(0)
        _check_grant(programme, grant, extra_staff, other_grants=other, errors=errors)
        raise_errors(errors)
        assert grant is not None and extra_staff is not None
        participation.grant = grant
        participation.extra_staff = extra_staff
        participation.staff_note = _text(staff_note)
        participation.save(update_fields=["grant", "extra_staff", "staff_note"])
    return participation


# --------------------------------------------------------------------------- plans


def _check_plan_fields(title: str, errors: dict[str, Any]) -> None:
    if not _text(title):
        errors["title"] = MSG_PLAN_TITLE


@transaction.atomic
def development_plan_create(
    *,
    actor: Actor,
    programme: Programme,
    title: str,
    ambition: str = "",
    analysis: str = "",
    goals: str = "",
) -> DevelopmentPlan:
    """The actor's municipality's plan in the programme; the municipality must take part."""
    _check_lead(actor)
    participation = (
        ProgrammeParticipation.objects.select_for_update()
        .filter(municipality_id=actor.municipality_id, programme=programme)
        .first()
    )
    if participation is None:
        raise ValidationError(
            MSG_NOT_PARTICIPATING.format(
                municipality=actor.membership.municipality.name, programme=programme.name
            )
        )
    if DevelopmentPlan.objects.filter(
        municipality_id=actor.municipality_id, participation=participation
    ).exists():
        raise ValidationError(MSG_PLAN_EXISTS.format(programme=programme.name))
    errors: dict[str, Any] = {}
    _check_plan_fields(title, errors)
    raise_errors(errors)
    return DevelopmentPlan.objects.create(
        municipality_id=actor.municipality_id,
        participation=participation,
        title=_text(title),
        ambition=_text(ambition),
        analysis=_text(analysis),
        goals=_text(goals),
    )


@transaction.atomic
def development_plan_update(
    *,
    actor: Actor,
    plan: DevelopmentPlan,
    title: str,
    ambition: str = "",
    analysis: str = "",
    goals: str = "",
) -> DevelopmentPlan:
    _check_lead(actor)
    if plan.municipality_id != actor.municipality_id:
        raise PermissionDenied(MSG_NOT_LEAD)
    errors: dict[str, Any] = {}
    _check_plan_fields(title, errors)
    raise_errors(errors)
    plan.title = _text(title)
    plan.ambition = _text(ambition)
    plan.analysis = _text(analysis)
    plan.goals = _text(goals)
    plan.save()
    return plan


# --------------------------------------------------------------------------- initiatives


def check_milestone_date(
    programme: Programme, due_on: dt.date | None, field: str, errors: dict[str, Any]
) -> None:
    if due_on is None:
        errors[field] = MSG_MILESTONE_DATE
    elif not (programme.start_on <= due_on <= programme.end_on):
        errors[field] = MSG_MILESTONE_OUTSIDE.format(
            start=day(programme.start_on), end=day(programme.end_on)
        )


@transaction.atomic
def initiative_save(
    *,
    actor: Actor,
    plan: DevelopmentPlan,
    initiative: Initiative | None = None,
    title: str,
    description: str,
    scope: str,
    aimed_at: Sequence[str],
    level: str,
    target_groups: Sequence[str],
    age_groups: Sequence[str],
    responsible: str,
    status: str,
    benchmarks: Sequence[Benchmark],
    interventions: Sequence[Intervention] = (),
    new_milestones: Sequence[tuple[str, dt.date | None]] = (),
) -> Initiative:
    """Create (``initiative=None``) or change an initiative of the plan, with its
    pejlemærker, catalogue interventions and any new milestones, all or nothing."""
    _check_lead(actor)
    if plan.municipality_id != actor.municipality_id or (
        initiative is not None and initiative.plan_id != plan.pk
    ):
        raise PermissionDenied(MSG_NOT_LEAD)
    programme = plan.participation.programme
    errors: dict[str, Any] = {}
    title, description, responsible = _text(title), _text(description), _text(responsible)
    if not title:
        errors["title"] = MSG_TITLE
    else:
        same = Initiative.objects.filter(
            municipality_id=plan.municipality_id, plan=plan, title__iexact=title
        )
        if initiative is not None:
            same = same.exclude(pk=initiative.pk)
        if same.exists():
            errors["title"] = MSG_TITLE_TAKEN
    if not description:
        errors["description"] = MSG_DESCRIPTION
    if scope not in Scope.values:
        errors["scope"] = MSG_SCOPE
    aims = list(dict.fromkeys(aimed_at))
    if not aims:
        errors["aimed_at"] = MSG_AIMED_AT
    elif scope in Scope.values and not set(aims) <= set(AIMS_BY_SCOPE[scope]):
        errors["aimed_at"] = MSG_AIMED_AT_SCOPE
    if (level and level not in Level.values) or (scope == Scope.SPECIFIC and not level):
        errors["level"] = MSG_LEVEL
    targets = list(dict.fromkeys(target_groups))
    if not targets or not set(targets) <= set(Target.values):
        errors["target_groups"] = MSG_TARGETS
    ages = list(dict.fromkeys(age_groups))
    if not ages or not set(ages) <= set(AgeGroup.values):
        errors["age_groups"] = MSG_AGES
    if not responsible:
        errors["responsible"] = MSG_RESPONSIBLE
    if status not in InitiativeStatus.values:
        errors["status"] = MSG_STATUS
    chosen_benchmarks = list({b.pk: b for b in benchmarks}.values())
    if not chosen_benchmarks or any(
        b.framework_id != programme.framework_id for b in chosen_benchmarks
    ):
        errors["benchmarks"] = MSG_BENCHMARKS
    chosen_interventions = list({i.pk: i for i in interventions}.values())
    if any(
        i.municipality_id != actor.municipality_id or not i.active for i in chosen_interventions
    ):
        errors["interventions"] = MSG_INTERVENTIONS
    for n, (m_title, m_due) in enumerate(new_milestones, 1):
        if not _text(m_title) and m_due is None:
            continue
        if not _text(m_title):
            errors[f"milestone_{n}_title"] = MSG_MILESTONE_TITLE
        check_milestone_date(programme, m_due, f"milestone_{n}_due_on", errors)
    raise_errors(errors)

    item = initiative or Initiative(municipality_id=actor.municipality_id, plan=plan)
    item.title = title
    item.description = description
    item.scope = scope
    item.aimed_at = aims
    item.level = level if scope == Scope.SPECIFIC or level else ""
    item.target_groups = targets
    item.age_groups = ages
    item.responsible = responsible
    item.status = status
    item.save()
    InitiativeBenchmark.objects.filter(
        municipality_id=item.municipality_id, initiative=item
    ).exclude(benchmark__in=chosen_benchmarks).delete()
    have = set(
        InitiativeBenchmark.objects.filter(
            municipality_id=item.municipality_id, initiative=item
        ).values_list("benchmark_id", flat=True)
    )
    InitiativeBenchmark.objects.bulk_create(
        InitiativeBenchmark(municipality_id=item.municipality_id, initiative=item, benchmark=b)
        for b in chosen_benchmarks
        if b.pk not in have
    )
    InitiativeIntervention.objects.filter(
        municipality_id=item.municipality_id, initiative=item
    ).exclude(intervention__in=chosen_interventions).delete()
    have = set(
        InitiativeIntervention.objects.filter(
            municipality_id=item.municipality_id, initiative=item
        ).values_list("intervention_id", flat=True)
    )
    InitiativeIntervention.objects.bulk_create(
        InitiativeIntervention(
            municipality_id=item.municipality_id, initiative=item, intervention=i
        )
        for i in chosen_interventions
        if i.pk not in have
    )
    Milestone.objects.bulk_create(
        Milestone(
            municipality_id=item.municipality_id,
            initiative=item,
            title=_text(m_title),
            due_on=m_due,
        )
        for m_title, m_due in new_milestones
        if _text(m_title) and m_due is not None
    )
    return item


@transaction.atomic
def milestone_update(
    *,
    actor: Actor,
    milestone: Milestone,
    title: str,
    due_on: dt.date | None,
    done_on: dt.date | None,
) -> Milestone:
    _check_lead(actor)
    if milestone.municipality_id != actor.municipality_id:
        raise PermissionDenied(MSG_NOT_LEAD)
    programme = milestone.initiative.plan.participation.programme
    errors: dict[str, Any] = {}
    if not _text(title):
        errors["title"] = MSG_MILESTONE_TITLE
    check_milestone_date(programme, due_on, "due_on", errors)
    if done_on is not None and done_on > timezone.localdate():
        errors["done_on"] = MSG_DONE_FUTURE
    raise_errors(errors)
    assert due_on is not None
    milestone.title = _text(title)
    milestone.due_on = due_on
    milestone.done_on = done_on
    milestone.save()
    return milestone
