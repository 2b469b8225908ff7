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

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from spor.accounts.access import Actor
from spor.concerns.models import OPEN_STATES, Concern
from spor.registry import selectors as registry
from spor.registry.models import Child, Enrolment, Group, Institution
from spor.screening.models import Assessment, Consent, Recipient

PAGE_SIZE = 100


def default_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """From the start of the current school year (1 August) through the next school start:
    the children who arrived this school year and those already enrolled for the next. Most
    moves happen on 1 August, so a window of a few months around today is often empty."""
    year = today.year if (today.month, today.day) >= (8, 1) else today.year - 1
    return dt.date(year, 8, 1), dt.date(year + 1, 8, 1)


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


@dataclass
class TransitionPage:
    """One page of the moves in a window, and how many there are in all."""

    start: dt.date
    end: dt.date
    lines: list[TransitionLine]
    page: Page[Enrolment]


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
    page_number: int | str | None = None,
    per_page: int = PAGE_SIZE,
) -> TransitionPage:
    """Moves into groups the actor may see: enrolments starting between ``start`` and ``end``
    (default: :func:`default_window`) that follow an earlier enrolment of the same child,
    newest first, then by name; one page of them. A constant number of queries, however
    many lines."""
    today = timezone.localdate()
    default_start, default_end = default_window(today)
    start = start or default_start
    end = end or default_end
    muni = actor.municipality_id
    earlier_enrolment = Enrolment.objects.filter(
        municipality_id=muni, child_id=OuterRef("child_id"), start__lt=OuterRef("start")
    )
    moves = (
        Enrolment.objects.filter(
            municipality_id=muni,
            start__gte=start,
            start__lte=end,
            group__in=registry.groups_for(actor).values("pk"),
        )
        .filter(Exists(earlier_enrolment))
        .select_related("child", "group__institution")
        .order_by("-start", "child__last_name", "child__first_name", "pk")
    )
    page = Paginator(moves, per_page).get_page(page_number)
    arrivals = list(page.object_list)
    if not arrivals:
        return TransitionPage(start=start, end=end, lines=[], page=page)
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
        if not before:  # cannot happen: the query asks for an earlier enrolment
            continue
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
    return TransitionPage(start=start, end=end, lines=lines, page=page)
