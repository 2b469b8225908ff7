"""Transitions (overgange og skift): children who change group or institution.

The receiving unit — the staff of the child's new group, and PPR — sees the child's move
and, where a consent or legal basis for handing over to the receiving institution is
recorded (``screening.Consent`` with recipient "modtagende institution"), the child's last
agreed screening position and the number of open concerns. Without one, it sees that
there is nothing it may be told. PPR sees what its own consent (recipient PPR) allows.

This module composes the registry, screening and concerns parts; it reads only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from spor.concerns.models import OPEN_STATES, Concern
from spor.registry import selectors as registry
from spor.registry.models import Child, Enrolment, Group, Institution
from spor.screening.models import Assessment, Consent, Recipient
from spor.tenancy.access import Actor

WINDOW_BEFORE = dt.timedelta(days=60)
WINDOW_AFTER = dt.timedelta(days=120)


@dataclass
class TransitionLine:
    child: Child
    on: dt.date
    kind: str
    from_group: Group
    to_group: Group
    shared: bool
    position: Assessment | None
    open_concerns: int


def _kind(a: Institution, b: Institution) -> str:
    if a.pk == b.pk:
        return "Gruppeskift i samme institution"
    if a.is_daycare and b.kind == Institution.Kind.SKOLE:
        return "Dagtilbud → skole"
    if a.is_daycare and b.is_daycare:
        return "Skift mellem dagtilbud"
    if a.kind == Institution.Kind.SKOLE and b.kind == Institution.Kind.SKOLE:
        return "Skoleskift"
    return "Skift af tilbud"


def transitions_for(
    actor: Actor,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int = 200,
) -> list[TransitionLine]:
    """Moves into groups the actor may see, with a new enrolment starting between ``start``
    and ``end`` (default: 60 days back to 120 days ahead), newest first. A constant number
    of queries, however many lines."""
    today = timezone.localdate()
    start = start or today - WINDOW_BEFORE
    end = end or today + WINDOW_AFTER
    muni = actor.municipality_id
    arrivals = list(
        Enrolment.objects.filter(
            municipality_id=muni,
            start__gte=start,
            start__lte=end,
            group__in=registry.groups_for(actor).values("pk"),
        )
        .select_related("child", "group__institution")
        .order_by("-start", "child__last_name", "pk")[:limit]
    )
    if not arrivals:
        return []
    child_ids = {e.child_id for e in arrivals}
    # The enrolment each arrival follows: the latest one that started before it.
    earlier: dict[int, list[Enrolment]] = {}
    for e in (
        Enrolment.objects.filter(municipality_id=muni, child_id__in=child_ids)
        .select_related("group__institution")
        .order_by("child_id", "start", "pk")
    ):
        earlier.setdefault(e.child_id, []).append(e)

    recipient = Recipient.PPR if actor.sees_whole_municipality else Recipient.INSTITUTION
    consents = Consent.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today),
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=today),
        municipality_id=muni,
        child_id__in=child_ids,
        recipient=recipient,
        valid_from__lte=today,
    ).values_list("child_id", "institution_id")
    consented: dict[int, set[int | None]] = {}
    for child_id, institution_id in consents:
        consented.setdefault(child_id, set()).add(institution_id)

    latest: dict[int, Assessment] = {}
    for a in (
        Assessment.objects.filter(municipality_id=muni, child_id__in=child_ids, is_agreement=True)
        .exclude(position="")
        .select_related("round", "group__institution")
        .order_by("child_id", "-round__starts", "-round_id")
    ):
        latest.setdefault(a.child_id, a)
    concern_counts = dict(
        Concern.objects.filter(municipality_id=muni, child_id__in=child_ids, state__in=OPEN_STATES)
        .values("child_id")
        .annotate(n=Count("pk"))
        .values_list("child_id", "n")
    )

    lines: list[TransitionLine] = []
    for arrival in arrivals:
        before = [e for e in earlier.get(arrival.child_id, []) if e.start < arrival.start]
        if not before:
            continue  # a first enrolment is an arrival, not a transition
        previous = before[-1]
        to_institution = arrival.group.institution
        allowed = consented.get(arrival.child_id, set())
        shared = None in allowed or (
            recipient == Recipient.INSTITUTION and to_institution.pk in allowed
        )
        lines.append(
            TransitionLine(
                child=arrival.child,
                on=arrival.start,
                kind=_kind(previous.group.institution, to_institution),
                from_group=previous.group,
                to_group=arrival.group,
                shared=shared,
                position=latest.get(arrival.child_id) if shared else None,
                open_concerns=concern_counts.get(arrival.child_id, 0) if shared else 0,
            )
        )
    return lines
