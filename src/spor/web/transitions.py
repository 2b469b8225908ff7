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
from typing import Any, TypeVar

from django.db.models import DEFERRED, Count, Exists, Model, OuterRef, Q, QuerySet
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

M = TypeVar("M", bound=Model)


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


# A move's key and its child.
Keyed = tuple[Cursor, int]


def _from_key(moves: QuerySet[Enrolment], key: Cursor, *, older: bool, n: int) -> list[Keyed]:
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


def _keys(moves: QuerySet[Enrolment], n: int) -> list[Keyed]:
    """The first ``n`` moves' keys and children: read from the index on (municipality,
    start, id, child) alone, with the earlier enrolment looked up in the unique index, so
    the rows skipped on the way (first enrolments) cost no table reads."""
    return [
        (Cursor(on, pk), child_id)
        for on, pk, child_id in moves.values_list("start", "pk", "child_id")[:n]
    ]


# The columns of an enrolment of a page's child, with its group, institution and child, as
# the page shows them; read as values (some 150 rows a page) and made into instances once
# per child, group and institution: as model instances with their relations they were four
# per row and a tenth of the page's time.
_ENROLMENT_COLUMNS = (
    "pk",
    "child_id",
    "start",
    "group_id",
    "group__name",
    "group__institution_id",
    "group__institution__name",
    "group__institution__kind",
    "child__first_name",
    "child__last_name",
)


def _loaded(model: type[M], db: str, **values: Any) -> M:
    """An instance of ``model`` as the database gave it with these fields only (the others
    deferred, read if ever asked for, as with ``QuerySet.only``)."""
    return model.from_db(
        db,
        list(values),
        [values.get(f.attname, DEFERRED) for f in model._meta.concrete_fields],
    )


def _enrolments_of(
    muni: int, child_ids: set[int]
) -> tuple[dict[int, list[tuple[int, dt.date, Group]]], dict[int, Child]]:
    """Each child's enrolments in order (id, start, group with its institution), and the
    children (their names): in one statement."""
    institutions: dict[int, Institution] = {}
    groups: dict[int, Group] = {}
    children: dict[int, Child] = {}
    enrolments: dict[int, list[tuple[int, dt.date, Group]]] = {}
    rows = (
        Enrolment.objects.filter(municipality_id=muni, child_id__in=child_ids)
        .order_by("child_id", "start", "pk")
        .values_list(*_ENROLMENT_COLUMNS)
    )
    for pk, child_id, start, group_id, group_name, inst_id, inst_name, kind, first, last in rows:
        group = groups.get(group_id)
        if group is None:
            institution = institutions.get(inst_id)
            if institution is None:
                institution = institutions[inst_id] = _loaded(
                    Institution,
                    rows.db,
                    id=inst_id,
                    municipality_id=muni,
                    name=inst_name,
                    kind=kind,
                )
            group = groups[group_id] = _loaded(
                Group,
                rows.db,
                id=group_id,
                municipality_id=muni,
                institution_id=inst_id,
                name=group_name,
            )
            group.institution = institution
        if child_id not in children:
            children[child_id] = _loaded(
                Child, rows.db, id=child_id, municipality_id=muni, first_name=first, last_name=last
            )
        enrolments.setdefault(child_id, []).append((pk, start, group))
    return enrolments, children


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
    found = TransitionPage(
        start=start,
        end=end,
        lines=[],
        total=min(counted, COUNT_CAP),
        more=counted > COUNT_CAP,
        newer=keys[0][0] if keys and newer_exists else None,
        older=keys[-1][0] if keys and older_exists else None,
    )
    if not keys:
        return found
    child_ids = {child_id for _, child_id in keys}
    # The arrivals and the enrolments before them are all enrolments of the page's children.
    enrolments, children = _enrolments_of(muni, child_ids)

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

    # Each arrival (child, date, to group) and the enrolment it follows: the latest one that
    # started before it.
    pairs: list[tuple[int, dt.date, Group, Group, bool]] = []
    for key, child_id in keys:
        childs = enrolments.get(child_id, [])
        arrival = next((e for e in childs if e[0] == key.pk), None)
        if arrival is None:  # cannot happen: the key is an enrolment of this child
            continue
        prior = [e for e in childs if e[1] < arrival[1]]
        if not prior:  # cannot happen: the keys are moves
            continue
        to_group = arrival[2]
        allowed = consented.get(child_id, set())
        shared = None in allowed or (
            recipient == Recipient.INSTITUTION and to_group.institution_id in allowed
        )
        pairs.append((child_id, arrival[1], prior[-1][2], to_group, shared))

    # Position and open concerns are read for the children whose hand-over is allowed only
    # (a fifth of a page, typically): nothing is read that the page may not show.
    shared_ids = {child_id for child_id, *_, shared in pairs if shared}
    latest: dict[int, Assessment] = {}
    for a in (
        Assessment.objects.filter(municipality_id=muni, child_id__in=shared_ids, is_agreement=True)
        .exclude(position="")
        .select_related("round")
        .only("child_id", "position", "round", "round__name", "round__starts")
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
            child=children[child_id],
            on=on,
            kind=_kind(from_group.institution, to_group.institution),
            from_group=from_group,
            to_group=to_group,
            shared=shared,
            position=latest.get(child_id) if shared else None,
            open_concerns=concern_counts.get(child_id, 0) if shared else 0,
        )
        for child_id, on, from_group, to_group, shared in pairs
    ]
    found.lines = lines
    return found
