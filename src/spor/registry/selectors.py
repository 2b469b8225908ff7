"""Scoped reads of institutions, groups and children.

Every function takes the acting :class:`Actor` and filters in the query: a record outside
the actor's reach is simply not found, and the ``get_*`` functions answer 404 for it exactly
as for a record that does not exist. Views never touch ``Model.objects`` directly (a test
enforces that); they come here.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import GroupAssignment, Role
from spor.registry import cpr_vault
from spor.registry.models import Child, Enrolment, Group, Institution


def own_group_ids(actor: Actor) -> QuerySet[GroupAssignment, int]:
    return GroupAssignment.objects.filter(
        municipality_id=actor.municipality_id, membership=actor.membership
    ).values_list("group_id", flat=True)


def current_on(day: dt.date) -> Q:
    """Enrolments in force on ``day``."""
    return Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day))


def institutions_for(actor: Actor) -> QuerySet[Institution]:
    qs = Institution.objects.filter(municipality_id=actor.municipality_id)
    if actor.sees_whole_municipality:
        return qs
    if actor.role == Role.EDUCATOR:
        return qs.filter(groups__in=own_group_ids(actor)).distinct()
    return qs.none()


def groups_for(actor: Actor) -> QuerySet[Group]:
    qs = Group.objects.filter(municipality_id=actor.municipality_id).select_related("institution")
    if actor.sees_whole_municipality:
        return qs
    if actor.role == Role.EDUCATOR:
        return qs.filter(pk__in=own_group_ids(actor))
    return qs.none()


def _case_child_ids(actor: Actor) -> QuerySet[Any, int]:
    """Ids of the children of the cases (forløb) the actor is on the team of now: from the
    actor's own team places, not from the municipality's children."""
    # Looked up by name: the cases app builds on the registry, not the other way round.
    case_member = apps.get_model("cases", "CaseMember")
    return (
        case_member.objects.filter(
            municipality_id=actor.municipality_id,
            membership=actor.membership,
            left_on__isnull=True,
            case__child__isnull=False,
        )
        .order_by()
        .values_list("case__child_id", flat=True)
    )


def _own_group_child_ids(actor: Actor, day: dt.date) -> QuerySet[Enrolment, int]:
    """Ids of the children in the actor's own groups on ``day``."""
    return (
        Enrolment.objects.filter(
            current_on(day),
            municipality_id=actor.municipality_id,
            group__in=own_group_ids(actor),
        )
        .order_by()
        .values_list("child_id", flat=True)
    )


def children_for(actor: Actor, *, day: dt.date | None = None) -> QuerySet[Child]:
    """The children the actor may see: all of the municipality for PPR; for everyone else
    the children of the cases (forløb) they are on the team of, and for a teacher or
    pedagogue also the children now in their own groups.

    For everyone but PPR the query starts from the person's own groups and team places (one
    ``IN`` over their union), so its cost follows what the person sees, not the size of the
    municipality."""
    qs = Child.objects.filter(municipality_id=actor.municipality_id)
    if actor.sees_whole_municipality:
        return qs
    if actor.role == Role.EDUCATOR:
        day = day or timezone.localdate()
        return qs.filter(pk__in=_own_group_child_ids(actor, day).union(_case_child_ids(actor)))
    return qs.filter(pk__in=_case_child_ids(actor))


def may_see_child(actor: Actor, child_id: int | None) -> bool:
    """Whether the actor may open the child's page (e.g. to link a name to it)."""
    return child_id is not None and children_for(actor).filter(pk=child_id).exists()


def get_institution_for_user(actor: Actor, institution_id: int) -> Institution:
    return get_object_or_404(institutions_for(actor), pk=institution_id)


def get_group_for_user(actor: Actor, group_id: int) -> Group:
    return get_object_or_404(groups_for(actor), pk=group_id)


def get_child_for_user(actor: Actor, child_id: int) -> Child:
    return get_object_or_404(children_for(actor), pk=child_id)


def find_children_by_cpr(actor: Actor, value: str) -> QuerySet[Child]:
    """Look a child up by CPR through the keyed hash. Raises ``CPRError`` for bad input."""
    return children_for(actor).filter(cpr_hash=cpr_vault.lookup_hash(value))


# SQLite's trigram table (registry_child_name, migration registry 0004) cannot match a word
# of fewer letters: it has no trigram.
_TRIGRAM = 3


def search_children(actor: Actor, text: str) -> QuerySet[Child]:
    """The actor's children whose first or last name contains every word (case-insensitive).

    On SQLite through an index at any size (docs/scaling.md): words of three letters or more
    go to the FTS5 trigram table (which also folds æøå, unlike SQLite's ``LIKE``), only
    shorter ones are matched with ``LIKE``, within those. On PostgreSQL still ``icontains``
    over the municipality (a trigram index is of no use under row-level security, see
    registry migration 0004). The scope is :func:`children_for`, in the same query."""
    qs = children_for(actor)
    words = text.split()
    if connection.vendor == "sqlite":
        indexed = [w for w in words if len(w) >= _TRIGRAM]
        if indexed:
            # Each word a quoted FTS5 string (a substring of one column); all must match.
            match = " AND ".join('"' + w.replace('"', '""') + '"' for w in indexed)
            qs = qs.filter(
                # The words are a parameter; the statement is a constant.
                pk__in=RawSQL(
                    "SELECT rowid FROM registry_child_name WHERE registry_child_name MATCH %s",
                    (match,),
                )
            )
            words = [w for w in words if len(w) < _TRIGRAM]
    for word in words:
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return qs


def current_children_of_group(actor: Actor, group: Group) -> QuerySet[Child]:
    day = timezone.localdate()
    return (
        children_for(actor, day=day)
        .filter(
            Exists(
                Enrolment.objects.filter(
                    current_on(day),
                    municipality_id=actor.municipality_id,
                    child=OuterRef("pk"),
                    group=group,
                )
            )
        )
        .order_by("first_name", "last_name", "id")
    )


def enrolments_of_child(actor: Actor, child: Child) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(municipality_id=actor.municipality_id, child=child)
        .select_related("group__institution")
        .order_by("start", "id")
    )


@dataclass(frozen=True)
class Transition:
    """A move between groups, derived from two consecutive enrolments."""

    date: dt.date
    kind: str
    from_group: Group
    to_group: Group


def transitions(enrolments: list[Enrolment]) -> list[Transition]:
    result: list[Transition] = []
    for before, after in itertools.pairwise(enrolments):
        a, b = before.group.institution, after.group.institution
        if a.pk == b.pk:
            kind = "Gruppeskift i samme institution"
        elif a.is_daycare and b.kind == Institution.Kind.SKOLE:
            kind = "Dagtilbud → skole"
        elif a.is_daycare and b.is_daycare:
            kind = "Skift mellem dagtilbud"
        elif a.kind == Institution.Kind.SKOLE and b.kind == Institution.Kind.SKOLE:
            kind = "Skoleskift"
        else:
            kind = "Skift af tilbud"
        result.append(Transition(after.start, kind, before.group, after.group))
    return result
