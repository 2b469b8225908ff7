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

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from spor.accounts.access import Actor
from spor.concerns.models import OPEN_STATES, Concern
from spor.registry import selectors as registry
from spor.registry.models import Child, Enrolment, Group, Institution
from spor.screening.models import Assessment, Consent, Recipient

PAGE_SIZE = 50
# The count of a window's moves stops here: counting every move of a 60,000-children
# municipality's school start (some 19,000) took longer than the page itself, and past a
# thousand "more than 1,000" says as much to a reader as the exact figure.
COUNT_CAP = 1000


@dataclass(frozen=True)
class Cursor:
    """Where a page of moves starts or ends: an arrival's start date and id. The list is
    ordered by (start, id), newest first, so a page is "the next ``n`` after this key",
    found through the index on (municipality, start, id) however deep the page is."""

    on: dt.date
    pk: int

    def __str__(self) -> str:
        return f"{self.on.isoformat()}.{self.pk}"

    @classmethod
    def parse(cls, text: str) -> Cursor | None:
        day, _, pk = text.partition(".")
        try:
            return cls(dt.date.fromisoformat(day), int(pk)) if pk.isdigit() else None
        except ValueError:
            return None


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
    """One page of the moves in a window (newest first), how many there are in all (up to
    :data:`COUNT_CAP`; ``more`` when there are more), and the keys of the pages on either
    side (``None`` at the ends)."""

    start: dt.date
    end: dt.date
    lines: list[TransitionLine]
    total: int
    more: bool
    newer: Cursor | None
    older: Cursor | None


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


def _from_key(moves: QuerySet[Enrolment], key: Cursor, *, older: bool, n: int) -> list[Cursor]:
    """The ``n`` moves next to ``key`` in the list's order, going ``older`` (or newer): the
    rest of the key's date, then the dates beyond it. Two index ranges on (municipality,
    start, id), each read from the key onward: a single ``start < d OR (start = d AND id < k)``
    (or a row-value comparison) reads the key's whole date up to the key first, and on a
    school start that is tens of thousands of rows."""
    if older:
        same = moves.filter(start=key.on, pk__lt=key.pk).order_by("-pk")
        beyond = moves.filter(start__lt=key.on).order_by("-start", "-pk")
    else:
        same = moves.filter(start=key.on, pk__gt=key.pk).order_by("pk")
        beyond = moves.filter(start__gt=key.on).order_by("start", "pk")
    keys = _keys(same, n)
    if len(keys) < n:
        keys += _keys(beyond, n - len(keys))
    return keys


def _keys(moves: QuerySet[Enrolment], n: int) -> list[Cursor]:
    """The first ``n`` moves' keys: read from the index on (municipality, start, id,
    child) alone, with the earlier enrolment looked up in the unique index, so the rows
    skipped on the way (first enrolments) cost no table reads."""
    return [Cursor(on, pk) for on, pk in moves.values_list("start", "pk")[:n]]


def transitions_for(
    actor: Actor,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    after: Cursor | None = None,
    before: Cursor | None = None,
    per_page: int = PAGE_SIZE,
) -> TransitionPage:
    """Moves into groups the actor may see: enrolments starting between ``start`` and ``end``
    (default: :func:`default_window`) that follow an earlier enrolment of the same child,
    newest first (by start date, then the latest registered first); one page of them: the
    first, the one after the key ``after`` or the one before ``before``. The time and the
    number of queries do not grow with the municipality: the page's keys are read along the
    index on (municipality, start, id, child) and stop after ``per_page`` moves, the count
    stops at :data:`COUNT_CAP`, and only the page's rows are read in full."""
    today = timezone.localdate()
    default_start, default_end = default_window(today)
    start = start or default_start
    end = end or default_end
    muni = actor.municipality_id
    earlier_enrolment = Enrolment.objects.filter(
        municipality_id=muni, child_id=OuterRef("child_id"), start__lt=OuterRef("start")
    )
    moves = Enrolment.objects.filter(
        Exists(earlier_enrolment), municipality_id=muni, start__gte=start, start__lte=end
    )
    if not actor.sees_whole_municipality:
        # A handful of groups: the planner starts from them, not from the window.
        own = list(registry.groups_for(actor).values_list("pk", flat=True))
        moves = moves.filter(group_id__in=own)
    counted = moves.order_by().values("pk")[: COUNT_CAP + 1].count()
    if before is not None:
        keys = _from_key(moves, before, older=False, n=per_page + 1)
    elif after is not None:
        keys = _from_key(moves, after, older=True, n=per_page + 1)
    else:
        keys = _keys(moves.order_by("-start", "-pk"), per_page + 1)
    further = len(keys) > per_page
    keys = keys[:per_page]
    if before is not None:
        keys.reverse()
        newer_exists, older_exists = further, True
    else:
        newer_exists, older_exists = after is not None, further
    by_pk = (
        Enrolment.objects.filter(municipality_id=muni, pk__in=[k.pk for k in keys])
        .select_related("child", "group__institution")
        .in_bulk()
    )
    arrivals = [by_pk[k.pk] for k in keys]
    found = TransitionPage(
        start=start,
        end=end,
        lines=[],
        total=min(counted, COUNT_CAP),
        more=counted > COUNT_CAP,
        newer=keys[0] if keys and newer_exists else None,
        older=keys[-1] if keys and older_exists else None,
    )
    if not arrivals:
        return found
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

    pairs: list[tuple[Enrolment, Enrolment, bool]] = []
    for arrival in arrivals:
        prior = [e for e in earlier.get(arrival.child_id, []) if e.start < arrival.start]
        if not prior:  # cannot happen: the query asks for an earlier enrolment
            continue
        allowed = consented.get(arrival.child_id, set())
        shared = None in allowed or (
            recipient == Recipient.INSTITUTION and arrival.group.institution_id in allowed
        )
        pairs.append((arrival, prior[-1], shared))

    # Position and open concerns are read for the children whose hand-over is allowed only
    # (a fifth of a page, typically): nothing is read that the page may not show.
    shared_ids = {arrival.child_id for arrival, _, shared in pairs if shared}
    latest: dict[int, Assessment] = {}
    for a in (
        Assessment.objects.filter(municipality_id=muni, child_id__in=shared_ids, is_agreement=True)
        .exclude(position="")
        .select_related("round")
        .order_by("child_id", "-round__starts", "-round_id")
    ):
        latest.setdefault(a.child_id, a)
    concern_counts = dict(
        Concern.objects.filter(municipality_id=muni, child_id__in=shared_ids, state__in=OPEN_STATES)
        .values("child_id")
        .annotate(n=Count("pk"))
        .values_list("child_id", "n")
    )

    lines = [
        TransitionLine(
            child=arrival.child,
            on=arrival.start,
            kind=_kind(previous.group.institution, arrival.group.institution),
            from_group=previous.group,
            to_group=arrival.group,
            shared=shared,
            position=latest.get(arrival.child_id) if shared else None,
            open_concerns=concern_counts.get(arrival.child_id, 0) if shared else 0,
        )
        for arrival, previous, shared in pairs
    ]
    found.lines = lines
    return found
