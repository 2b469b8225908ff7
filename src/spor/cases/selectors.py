"""Scoped reads of cases (forløb) and the indsatsvifte.

Need to know: a case is seen by the people now on its team and by the PPR-leder of its
municipality; nobody else, not even other PPR staff. The catalogue is seen by PPR staff and
the PPR-leder. Everything filters in the query; the ``get_*`` functions answer 404 for an
object outside the actor's reach exactly as for one that does not exist. The callers write
the access log (these functions only read).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Max, Min, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import Membership, Role
from spor.accounts.selectors import attach_people
from spor.cases import matching
from spor.cases import needs as need_reads
from spor.cases.models import (
    LEVEL_ORDER,
    Case,
    CaseEvent,
    CaseMember,
    CoordinatorAssignment,
    Delivery,
    DeliveryHours,
    Goal,
    Intervention,
    Meeting,
    Participant,
    Status,
    Target,
)
from spor.registry.models import Enrolment

OPENING_ROLES = frozenset({Role.PPR, Role.LEAD})
CATALOGUE_ROLES = frozenset({Role.PPR, Role.LEAD})


def may_open(actor: Actor) -> bool:
    """PPR staff and the PPR-leder open cases."""
    return actor.role in OPENING_ROLES


def may_see_catalogue(actor: Actor) -> bool:
    return actor.role in CATALOGUE_ROLES


def may_edit_catalogue(actor: Actor) -> bool:
    return actor.is_lead


def _on_team(actor: Actor) -> Q:
    """The cases the actor is on the team of now, as ``pk IN (their team places)``: the
    query starts from the person's own places, not from every case of the municipality."""
    return Q(
        pk__in=CaseMember.objects.filter(
            municipality_id=actor.municipality_id,
            membership=actor.membership,
            left_on__isnull=True,
        ).values_list("case_id", flat=True)
    )


def _current_coordinator() -> Prefetch[Any]:
    return Prefetch(
        "coordinators",
        queryset=CoordinatorAssignment.objects.filter(to_on__isnull=True).select_related(
            "membership__user"
        ),
        to_attr="current_coordinators",
    )


def _of_municipality(actor: Actor) -> QuerySet[Case]:
    return Case.objects.filter(municipality_id=actor.municipality_id).select_related(
        "child", "group__institution"
    )


def cases_for(actor: Actor) -> QuerySet[Case]:
    """Every case the actor may see, open and closed: all of the municipality for the
    PPR-leder, the cases one is on the team of for everyone else."""
    qs = _of_municipality(actor)
    if actor.is_lead:
        return qs
    return qs.filter(_on_team(actor))


def my_cases(actor: Actor) -> QuerySet[Case]:
    """The cases the actor is on the team of (also for the PPR-leder)."""
    if not actor.is_lead:
        # cases_for is already "on the team" for everyone but the lead: filtering on it
        # again put the team's semi-join into each of the list's statements twice.
        return cases_for(actor)
    return cases_for(actor).filter(_on_team(actor))


def case_list(qs: QuerySet[Case], *, with_closed: bool = False) -> QuerySet[Case]:
    """Rows for a list: open cases (or all), the current coordinator prefetched."""
    if not with_closed:
        qs = qs.filter(status=Status.OPEN)
    return qs.prefetch_related(_current_coordinator()).order_by("-opened_on", "-pk")


def case_list_page(actor: Actor, rows: QuerySet[Case], number: str | None, size: int) -> Page[Case]:
    """One page of ``rows`` (:func:`case_list` of the actor's cases): the page's ids first,
    along the index of the list's order, then those rows with their relations. Read in one
    query, a deep page made PostgreSQL join every child of the municipality before skipping
    to the page (OFFSET 3,000: 28 ms, the last page 1.9x the small municipality's)."""
    ids: Page[int] = Paginator(rows.values_list("pk", flat=True), size).get_page(number)
    # The ids' paginator gives the count and the page numbers; the rows are the page's,
    # read by id in the actor's municipality without the list's conditions again (the
    # team's semi-join): the ids are already the list's, and PostgreSQL planned the team's
    # relations a second time for rows already chosen.
    paginator: Any = ids.paginator
    page = case_list(_of_municipality(actor).filter(pk__in=list(ids.object_list)), with_closed=True)
    return Page(list(page), ids.number, paginator)


def get_case_for_user(actor: Actor, case_id: int) -> Case:
    """The case, if it is one of :func:`cases_for`; else 404 (the same for another
    municipality's). Asked in two statements, whether the actor may see it and then the case
    with what its pages show: as one, PostgreSQL weighed the join orders of eight relations
    on every case page (~5 ms of its CPU, more than all the page's other queries). The
    PPR-leder may see every case of the municipality, so the read itself asks that."""
    if not actor.is_lead and not cases_for(actor).filter(pk=case_id).exists():
        raise Http404
    return get_object_or_404(
        _of_municipality(actor).select_related("source_concern", "opened_by__user"), pk=case_id
    )


def get_goal_for_user(actor: Actor, goal_id: int) -> Goal:
    return get_object_or_404(
        Goal.objects.filter(
            municipality_id=actor.municipality_id, case__in=cases_for(actor)
        ).select_related("case", "responsible__user"),
        pk=goal_id,
    )


def get_delivery_for_user(actor: Actor, delivery_id: int) -> Delivery:
    return get_object_or_404(
        Delivery.objects.filter(municipality_id=actor.municipality_id, case__in=cases_for(actor))
        .select_related("case__child", "case__group__institution", "intervention")
        .prefetch_related("hours"),
        pk=delivery_id,
    )


def get_casemember_for_user(actor: Actor, casemember_id: int) -> CaseMember:
    return get_object_or_404(
        CaseMember.objects.filter(
            municipality_id=actor.municipality_id, case__in=cases_for(actor)
        ).select_related("case", "membership__user"),
        pk=casemember_id,
    )


def is_current_member(actor: Actor, case: Case, membership: Membership | None = None) -> bool:
    membership = membership or actor.membership
    return CaseMember.objects.filter(
        municipality_id=actor.municipality_id,
        case=case,
        membership=membership,
        left_on__isnull=True,
    ).exists()


def may_work_on(actor: Actor, case: Case) -> bool:
    """Change the case: its current team and the PPR-leder."""
    if case.municipality_id != actor.municipality_id:
        return False
    return actor.is_lead or is_current_member(actor, case)


# --------------------------------------------------------------------------- staff


def staff_for(actor: Actor) -> QuerySet[Membership]:
    """Active staff of the actor's municipality: who can join a case's team."""
    return (
        Membership.objects.filter(municipality_id=actor.municipality_id, active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )


def team_memberships(actor: Actor, case: Case) -> QuerySet[Membership]:
    """The people now on the case's team (for the coordinator and goal selects)."""
    on_case = CaseMember.objects.filter(
        municipality_id=actor.municipality_id, case=case, left_on__isnull=True
    ).values("membership_id")
    return staff_for(actor).filter(pk__in=on_case)


def current_coordinator(actor: Actor, case: Case) -> CoordinatorAssignment | None:
    return (
        CoordinatorAssignment.objects.filter(
            municipality_id=actor.municipality_id, case=case, to_on__isnull=True
        )
        .select_related("membership__user")
        .first()
    )


# --------------------------------------------------------------------------- case page


@dataclass
class CasePage:
    members: list[CaseMember]
    coordinators: list[CoordinatorAssignment]
    participants: list[Participant]
    goals: list[Goal]
    meetings: list[Meeting]
    deliveries: list[Delivery]
    events: list[CaseEvent]

    @property
    def current_members(self) -> list[CaseMember]:
        return [m for m in self.members if m.left_on is None]

    @property
    def former_members(self) -> list[CaseMember]:
        return [m for m in self.members if m.left_on is not None]

    @property
    def coordinator(self) -> CoordinatorAssignment | None:
        return next((c for c in self.coordinators if c.to_on is None), None)


def case_page(actor: Actor, case: Case) -> CasePage:
    """Everything the case page shows, in a fixed number of queries."""
    mid = actor.municipality_id

    def of_case(model: Any) -> Any:
        return model.objects.filter(municipality_id=mid, case=case)

    page = CasePage(
        members=list(of_case(CaseMember)),
        coordinators=list(of_case(CoordinatorAssignment)),
        participants=list(of_case(Participant)),
        goals=list(of_case(Goal)),
        meetings=list(of_case(Meeting)),
        deliveries=list(
            of_case(Delivery)
            .select_related("intervention")
            .prefetch_related(
                Prefetch("hours", queryset=DeliveryHours.objects.filter(municipality_id=mid))
            )
        ),
        events=list(of_case(CaseEvent)),
    )
    # The people of all five lists in one read, not a join of two relations in each.
    attach_people(
        actor,
        (page.members, "membership"),
        (page.coordinators, "membership"),
        (page.goals, "responsible"),
        (page.meetings, "recorded_by"),
        (page.events, "author"),
    )
    return page


# --------------------------------------------------------------------------- catalogue


def interventions_for(actor: Actor) -> QuerySet[Intervention]:
    """The municipality's catalogue, for PPR staff and the PPR-leder; nobody else."""
    qs = Intervention.objects.filter(municipality_id=actor.municipality_id)
    if may_see_catalogue(actor):
        return qs
    return qs.none()


def get_intervention_for_user(actor: Actor, intervention_id: int) -> Intervention:
    return get_object_or_404(interventions_for(actor), pk=intervention_id)


def active_interventions(actor: Actor) -> QuerySet[Intervention]:
    """What can be given in a case: the active items of the actor's municipality's
    catalogue (also for team members who do not browse the catalogue)."""
    return Intervention.objects.filter(municipality_id=actor.municipality_id, active=True)


@dataclass(frozen=True)
class Suggestion:
    intervention: Intervention
    reason: str
    same_level: bool
    already_given: bool
    need_reason: str = ""
    needs_met: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestions:
    """The ranked suggestions with the need profile behind them and, when asked for, what
    worked locally for similar children (per intervention id)."""

    items: list[Suggestion]
    need: matching.NeedProfile
    outcomes: dict[int, matching.LocalOutcome]

    def outcome_of(self, suggestion: Suggestion) -> matching.LocalOutcome | None:
        return self.outcomes.get(suggestion.intervention.pk)


def age_span(actor: Actor, case: Case, today: dt.date | None = None) -> tuple[int, int] | None:
    """The child's age, or the ages of the children now in the group (None if unknown)."""
    today = today or timezone.localdate()
    if case.child is not None:
        age = case.child.age_on(today)
        return age, age
    if case.group_id is None:
        return None
    span = Enrolment.objects.filter(
        Q(end__isnull=True) | Q(end__gte=today),
        municipality_id=actor.municipality_id,
        group_id=case.group_id,
        start__lte=today,
    ).aggregate(oldest=Min("child__birth_date"), youngest=Max("child__birth_date"))
    if span["oldest"] is None:
        group = case.group
        if group is not None and group.grade is not None:
            return group.grade + 6, group.grade + 7
        return None

    def years(born: dt.date) -> int:
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    return years(span["youngest"]), years(span["oldest"])


def suggest_interventions(
    actor: Actor,
    case: Case,
    *,
    sdq_bands: Mapping[str, str | None],
    past_pairs: Callable[[set[int]], list[matching.PastPair]] | None = None,
    today: dt.date | None = None,
    deliveries: Sequence[Delivery] | None = None,
) -> Suggestions:
    """Catalogue items that fit the case, ranked by the child's need.

    Hard filters: the child's age (or the group's ages) within the item's age range, the
    target (barn for a child, børnefællesskab for a group) and a level at most one step from
    the case's. Then :func:`spor.cases.matching.rank`: items already given last; the need
    areas the item addresses (``Intervention.needs``) weighed against the child's concern,
    screening and the SDQ bands given (:func:`spor.cases.needs.case_profile`); the level the
    screening position points at; the level's distance; PPR's own items; the name. With
    ``past_pairs`` (the reads of the municipality's earlier before/after pairs for a set of
    interventions) also what worked for similar children in the municipality, suppressed as
    the evaluation is. The SDQ reads are measurement's, a later stage: the caller above
    both gives them (:mod:`spor.measurement.needs`). ``deliveries``: the case's, when the
    caller has read them (the case page), so they are not read again."""
    ages = age_span(actor, case, today)
    target = case.target
    level_index = LEVEL_ORDER.index(case.level) if case.level in LEVEL_ORDER else 1
    if deliveries is not None:
        given = {d.intervention_id for d in deliveries}
    else:
        given = set(
            Delivery.objects.filter(municipality_id=actor.municipality_id, case=case).values_list(
                "intervention_id", flat=True
            )
        )
    need = need_reads.case_profile(actor, case, sdq_bands=sdq_bands)
    fitting: dict[int, tuple[Intervention, str, int]] = {}
    for item in active_interventions(actor):
        if target not in item.targets:
            continue
        if ages is not None and not item.fits_age(*ages):
            continue
        distance = abs(LEVEL_ORDER.index(item.level) - level_index)
        if distance > 1:
            continue
        if ages is None:
            age_text = "alderen er ikke kendt"
        elif ages[0] == ages[1]:
            age_text = f"passer til alderen ({ages[0]} år)"
        else:
            age_text = f"passer til alderen ({ages[0]}–{ages[1]} år)"
        level_text = (
            f"samme niveau ({item.get_level_display().lower()})"
            if distance == 0
            else f"niveauet ved siden af ({item.get_level_display().lower()})"
        )
        reason = f"{age_text.capitalize()}, målgruppen {Target(target).label.lower()}, {level_text}"
        if item.pk in given:
            reason += "; allerede iværksat i forløbet"
        fitting[item.pk] = (item, reason, distance)
    candidates = [
        matching.Candidate(
            id=item.pk,
            name=item.name,
            needs=list(item.needs or []),
            level=item.level,
            level_distance=distance,
            is_ppr=item.is_ppr,
            already_given=item.pk in given,
        )
        for item, _, distance in fitting.values()
    ]
    items = []
    for ranked in matching.rank(candidates, need):
        item, reason, distance = fitting[ranked.candidate.id]
        items.append(
            Suggestion(
                item,
                reason,
                distance == 0,
                item.pk in given,
                need_reason=ranked.reason_da() if need.known else "",
                needs_met=ranked.met,
            )
        )
    found = {}
    if past_pairs is not None and need.known and case.child_id is not None:
        found = matching.local_outcomes(past_pairs(set(fitting)), need)
    return Suggestions(items, need, found)
