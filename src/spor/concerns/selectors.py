"""Scoped reads of concerns (bekymringer).

Who sees which concerns:

- PPR-leder and PPR-medarbejder: every concern of their municipality;
- lærer/pædagog: concerns they raised or are responsible for, concerns about children now
  in their own groups, and concerns about their own groups;
- sundhedsplejerske, socialrådgiver: concerns they raised or are responsible for.

Everything filters in the query; the ``get_*`` functions answer 404 for a concern outside
the actor's reach exactly as for one that does not exist. The callers write the access log
(these functions only read).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import Membership, Role
from spor.accounts.selectors import attach_people
from spor.concerns.models import OPEN_STATES, Category, Concern, ConcernEvent, Outcome, State
from spor.lib.paging import COUNT_CAP as COUNT_CAP
from spor.lib.paging import CappedPage, capped_page
from spor.registry import cpr_vault
from spor.registry.models import Child, Enrolment, Group, Institution
from spor.registry.selectors import current_on, own_group_ids


def _with_relations(qs: QuerySet[Concern]) -> QuerySet[Concern]:
    return qs.select_related("child", "group__institution", "responsible__user", "raised_by__user")


def concerns_for(actor: Actor, *, day: dt.date | None = None) -> QuerySet[Concern]:
    """Every concern the actor may see (open and closed)."""
    qs = _with_relations(Concern.objects.filter(municipality_id=actor.municipality_id))
    if actor.sees_whole_municipality:
        return qs
    if actor.role == Role.EDUCATOR:
        # One IN over the union of the person's own concerns and those about their groups
        # and the children in them: it starts from what the person sees, never from every
        # concern of the municipality.
        day = day or timezone.localdate()
        own_groups = own_group_ids(actor)
        base = Concern.objects.filter(municipality_id=actor.municipality_id).order_by()
        children_now = Enrolment.objects.filter(
            current_on(day), municipality_id=actor.municipality_id, group__in=own_groups
        ).values_list("child_id", flat=True)
        ids = (
            base.filter(raised_by=actor.membership)
            .values_list("pk", flat=True)
            .union(
                base.filter(responsible=actor.membership).values_list("pk", flat=True),
                base.filter(group__in=own_groups).values_list("pk", flat=True),
                base.filter(child__in=children_now).values_list("pk", flat=True),
            )
        )
        return qs.filter(pk__in=ids)
    return qs.filter(Q(raised_by=actor.membership) | Q(responsible=actor.membership))


def open_concerns(qs: QuerySet[Concern]) -> QuerySet[Concern]:
    # The same IN list as the partial index ``concern_open_follow_up`` names: SQLite uses
    # a partial index only for a WHERE term written as the index's condition.
    return qs.filter(state__in=OPEN_STATES)


# --------------------------------------------------------------------------- list rows


_ROW_FIELDS = (
    "pk",
    "child_id",
    "child__first_name",
    "child__last_name",
    "group__name",
    "group__institution__name",
    "category",
    "state",
    "outcome",
    "follow_up_on",
    "responsible__user__first_name",
    "responsible__user__last_name",
    "responsible__user__username",
)
_CATEGORY = dict(Category.choices)
_STATE = dict(State.choices)
_OUTCOME = dict(Outcome.choices)
_BADGE_LABEL = {"late": "forfalden", "today": "i dag"}


@dataclass(frozen=True, slots=True)
class ConcernRow:
    """One line of a concern list, its texts made once: a list shows up to a page of these,
    and a model instance per concern, child, group, person and user cost more than the
    page's fixed work."""

    pk: int
    child_id: int | None
    subject: str
    group_label: str  # "" for a concern about a child
    category: str
    state: str
    follow_up_on: dt.date
    follow_up_text: str
    badge: str  # "late", "today" or ""
    responsible: str

    @property
    def badge_label(self) -> str:
        return _BADGE_LABEL.get(self.badge, "")


def concern_rows(qs: QuerySet[Concern], today: dt.date) -> list[ConcernRow]:
    """The rows of ``qs`` (already filtered, ordered and sliced) for a list."""
    rows = []
    for (
        pk,
        child_id,
        first,
        last,
        group_name,
        institution_name,
        category,
        state,
        outcome,
        follow_up_on,
        r_first,
        r_last,
        r_username,
    ) in qs.select_related(None).values_list(*_ROW_FIELDS):
        is_open = state != State.CLOSED
        state_text = _STATE.get(state, state)
        if outcome:
            state_text = f"{state_text}: {_OUTCOME.get(outcome, outcome)}"
        rows.append(
            ConcernRow(
                pk=pk,
                child_id=child_id,
                subject=f"{first} {last}" if child_id is not None else "",
                group_label="" if child_id is not None else f"{group_name}, {institution_name}",
                category=_CATEGORY.get(category, category),
                state=state_text,
                follow_up_on=follow_up_on,
                follow_up_text=follow_up_on.strftime("%d.%m.%Y"),
                badge=(
                    ""
                    if not is_open
                    else "late"
                    if follow_up_on < today
                    else "today"
                    if follow_up_on == today
                    else ""
                ),
                responsible=f"{r_first} {r_last}".strip() or r_username,
            )
        )
    return rows


# A concern list's page (one pager helper for every capped list: spor.lib.paging).
ConcernPage = CappedPage[ConcernRow]


def concern_page(
    qs: QuerySet[Concern], number: str | None, *, size: int, today: dt.date
) -> ConcernPage:
    """Page ``number`` of ``qs`` (ordered), counting at most ``COUNT_CAP + 1`` rows."""
    return capped_page(qs, number, size=size, rows=lambda part: concern_rows(part, today))


def get_concern_for_user(actor: Actor, concern_id: int) -> Concern:
    """The concern, if it is one of :func:`concerns_for`; else 404. Its two people are read
    apart (:func:`attach_people`): joined, the look-up had eight relations for PostgreSQL
    to plan on every concern page (5.5 ms)."""
    concern = get_object_or_404(
        concerns_for(actor).select_related(None).select_related("child", "group__institution"),
        pk=concern_id,
    )
    attach_people(actor, ([concern], "responsible"), ([concern], "raised_by"))
    return concern


def may_manage(actor: Actor, concern: Concern) -> bool:
    """Change state, responsible person and follow-up date, and close: PPR, the person who
    raised it and the person responsible. Everyone who sees a concern may add a note."""
    return actor.sees_whole_municipality or actor.membership.pk in {
        concern.raised_by_id,
        concern.responsible_id,
    }


def open_concerns_for_child(actor: Actor, child: Child) -> QuerySet[Concern]:
    """Open concerns about ``child`` that the actor may see, next follow-up first.

    For other apps' pages (the child's page, a case). It only reads: the page that shows
    them writes the access log for the child (it usually does already)."""
    return open_concerns(concerns_for(actor).filter(child=child)).order_by("follow_up_on", "pk")


def concerns_about_child(actor: Actor, child: Child) -> QuerySet[Concern]:
    return concerns_for(actor).filter(child=child).order_by("-created_at", "-pk")


def my_concerns(actor: Actor) -> QuerySet[Concern]:
    """Concerns the actor raised or is responsible for."""
    return concerns_for(actor).filter(
        Q(raised_by=actor.membership) | Q(responsible=actor.membership)
    )


def events_of(actor: Actor, concern: Concern) -> QuerySet[ConcernEvent]:
    return (
        ConcernEvent.objects.filter(municipality_id=actor.municipality_id, concern=concern)
        .select_related("author__user")
        .order_by("at", "pk")
    )


def staff_for(actor: Actor) -> QuerySet[Membership]:
    """The people who can be made responsible for a concern: active staff of the actor's
    municipality."""
    return (
        Membership.objects.filter(municipality_id=actor.municipality_id, active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )


def cases_started_from(actor: Actor, concern: Concern) -> list[int]:
    """The ids of the forløb started from the concern (for a link; the forløb's page
    decides who may open it). Looked up by name: cases builds on concerns."""
    case = apps.get_model("cases", "Case")
    return list(
        case.objects.filter(municipality_id=actor.municipality_id, source_concern=concern)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def person_label(m: Membership) -> str:
    """How a person is named in the "Ansvarlig" field: full name and user name, which
    tells two Anne Nielsens apart and is what a typed name is matched against."""
    username = m.user.get_username()
    return f"{m.user.get_full_name() or username} ({username})"


_LABEL = re.compile(r"\s*(.*?)\s*\(([^()]+)\)\s*")


def search_people(staff: QuerySet[Membership], text: str, *, limit: int = 10) -> list[Membership]:
    """Those of ``staff`` a typed text names: "Navn (brugernavn)" exactly, else everyone
    whose first name, last name or user name holds each word typed. At most ``limit``."""
    text = text.strip()[:200]
    found = _LABEL.fullmatch(text)
    if found:
        exact = list(staff.filter(user__username=found.group(2))[:1])
        if exact:
            return exact
        text = found.group(1)
    words = text.split()[:5]
    if not words:
        return []
    qs = staff
    for word in words:
        qs = qs.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__username__icontains=word)
        )
    return list(qs[:limit])


def children_to_choose(actor: Actor) -> list[tuple[Group, list[Child]]]:
    """For a teacher's "Ny bekymring": her own groups, each with the children in it today,
    by name (a constant number of queries)."""
    today = timezone.localdate()
    groups = list(
        Group.objects.filter(municipality_id=actor.municipality_id, pk__in=own_group_ids(actor))
        .select_related("institution")
        .order_by("institution__name", "name", "pk")
    )
    by_group: dict[int, list[Child]] = {g.pk: [] for g in groups}
    for e in (
        Enrolment.objects.filter(
            current_on(today), municipality_id=actor.municipality_id, group__in=groups
        )
        .select_related("child")
        .order_by("child__first_name", "child__last_name", "child_id")
    ):
        by_group[e.group_id].append(e.child)
    return [(g, by_group[g.pk]) for g in groups]


def find_child_by_cpr(actor: Actor, value: str) -> Child | None:
    """A child of the actor's municipality, by CPR (keyed hash; raises ``CPRError`` for bad
    input). Anyone with a role may raise a concern about a child whose CPR number they know,
    also a child they cannot otherwise see (a health visitor, a social worker)."""
    return Child.objects.filter(
        municipality_id=actor.municipality_id, cpr_hash=cpr_vault.lookup_hash(value)
    ).first()


# --------------------------------------------------------------------------- overdue


def overdue(qs: QuerySet[Concern], today: dt.date) -> QuerySet[Concern]:
    """Open concerns whose follow-up date has passed, oldest first."""
    return open_concerns(qs).filter(follow_up_on__lt=today).order_by("follow_up_on", "pk")


def due_between(qs: QuerySet[Concern], first: dt.date, last: dt.date) -> QuerySet[Concern]:
    return (
        open_concerns(qs)
        .filter(follow_up_on__gte=first, follow_up_on__lte=last)
        .order_by("follow_up_on", "pk")
    )


def _require_overview(actor: Actor) -> None:
    """Overviews across people and units are for PPR; the others get 404."""
    if not actor.sees_whole_municipality:
        raise Http404


def get_person_for_overdue(actor: Actor, membership_id: int) -> Membership:
    """A person whose overdue list the actor may see: oneself, or anyone in the
    municipality for PPR."""
    if membership_id != actor.membership.pk:
        _require_overview(actor)
    return get_object_or_404(staff_for(actor), pk=membership_id)


@dataclass(frozen=True, slots=True)
class PersonCount:
    membership_id: int
    name: str
    role: str
    count: int


_ROLE = dict(Role.choices)


def overdue_per_person(actor: Actor, today: dt.date) -> list[PersonCount]:
    """Everyone with overdue concerns and how many, most first: one grouped read of the
    overdue concerns (from the open concerns' follow-up index) and one of their names."""
    _require_overview(actor)
    counts = dict(
        overdue(concerns_for(actor), today)
        .select_related(None)
        .order_by()
        .values_list("responsible_id")
        .annotate(n=Count("pk"))
        .values_list("responsible_id", "n")
    )
    people = Membership.objects.filter(
        municipality_id=actor.municipality_id, pk__in=counts
    ).values_list("pk", "user__first_name", "user__last_name", "user__username", "role")
    result = [
        PersonCount(pk, f"{first} {last}".strip() or username, _ROLE.get(role, role), counts[pk])
        for pk, first, last, username, role in people
    ]
    result.sort(key=lambda p: (-p.count, p.name))
    return result


@dataclass(frozen=True, slots=True)
class UnitCount:
    institution_id: int | None  # None: the child is in no group now
    name: str
    count: int


def overdue_per_unit(actor: Actor, today: dt.date) -> list[UnitCount]:
    """Overdue concerns counted per institution: a group's institution, or the institutions
    where the child is enrolled now (a child in school and SFO counts in both). Counted by
    the database in three grouped reads (children's, groups', no group now), so that the
    page's Python work does not follow the number of overdue concerns."""
    _require_overview(actor)
    late = overdue(concerns_for(actor), today).select_related(None).order_by()
    counts: Counter[int] = Counter()
    names: dict[int, str] = {}
    about_children = (
        Enrolment.objects.filter(
            current_on(today),
            municipality_id=actor.municipality_id,
            child__concerns__in=late.filter(child__isnull=False).values("pk"),
        )
        .order_by()
        .values_list("group__institution_id", "group__institution__name")
        .annotate(n=Count("child__concerns", distinct=True))
    )
    about_groups = (
        late.filter(group__isnull=False)
        .values_list("group__institution_id", "group__institution__name")
        .annotate(n=Count("pk"))
    )
    for institution_id, name, n in [*about_children, *about_groups]:
        counts[institution_id] += n
        names[institution_id] = name
    in_no_group = (
        late.filter(child__isnull=False)
        .exclude(
            Exists(
                Enrolment.objects.filter(
                    current_on(today),
                    municipality_id=actor.municipality_id,
                    child_id=OuterRef("child_id"),
                )
            )
        )
        .count()
    )
    result = [UnitCount(k, names[k], n) for k, n in counts.items()]
    result.sort(key=lambda u: (-u.count, u.name))
    if in_no_group:
        result.append(UnitCount(None, "", in_no_group))
    return result


def get_unit_for_overdue(actor: Actor, institution_id: int) -> Institution:
    _require_overview(actor)
    return get_object_or_404(
        Institution.objects, municipality_id=actor.municipality_id, pk=institution_id
    )


def overdue_in_unit(actor: Actor, institution: Institution, today: dt.date) -> QuerySet[Concern]:
    _require_overview(actor)
    child_there = Enrolment.objects.filter(
        current_on(today),
        municipality_id=actor.municipality_id,
        child=OuterRef("child_id"),
        group__institution=institution,
    )
    return overdue(concerns_for(actor), today).filter(
        Q(group__institution=institution) | Exists(child_there)
    )
