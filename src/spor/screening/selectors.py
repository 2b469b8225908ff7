"""Scoped reads of screening rounds, ratings, parent notices and consents.

Every function takes the acting :class:`Actor` and filters in the query; the ``get_*``
functions raise the same ``Http404`` for "does not exist" and "not yours".

Who sees what:

- PPR-leder and PPR-medarbejder see every round of the municipality and the counts by
  colour per institution and group. They see an individual child's position only where a
  consent or legal basis for sharing with PPR is recorded (:func:`sharing_allowed`).
- A teacher or pedagogue sees the rounds that cover one of their own groups, and rates
  the children now in those groups.
- Everybody else sees nothing.

These functions read; they do not write the access log. A view (or a colleague's code)
that shows a child's screening data writes it, one bulk call per page.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, overload

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import GroupAssignment, Role
from spor.lib import paging
from spor.registry import selectors as registry
from spor.registry.models import Child, Enrolment, Group, Institution
from spor.registry.selectors import own_group_ids
from spor.screening import areas
from spor.screening.models import (
    Assessment,
    Consent,
    ParentNotice,
    Recipient,
    RoundGroup,
    RoundInstitution,
    ScreeningRound,
)

# ---------------------------------------------------------------------------- who may


def may_see_overview(actor: Actor) -> bool:
    return actor.sees_whole_municipality


def may_open_rounds(actor: Actor) -> bool:
    return actor.is_lead


def rates_group(actor: Actor, group: Group) -> bool:
    """Whether the actor is on the staff of the group (and so rates its children)."""
    if actor.role != Role.EDUCATOR:
        return False
    return GroupAssignment.objects.filter(
        municipality_id=actor.municipality_id, membership=actor.membership, group=group
    ).exists()


# ---------------------------------------------------------------------------- consent


def _active_consent_q(on: dt.date) -> Q:
    return (
        Q(valid_from__lte=on)
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=on))
        & Q(covers=Consent.Covers.SCREENING)
    )


def _consents_of_ref(
    child_ref: str,
    municipality_id: int,
    recipient: str,
    on: dt.date,
    institution: Institution | None = None,
) -> QuerySet[Consent]:
    qs = Consent.objects.filter(
        _active_consent_q(on),
        municipality_id=municipality_id,
        child=OuterRef(child_ref),
        recipient=recipient,
    )
    if institution is not None:
        qs = qs.filter(Q(institution__isnull=True) | Q(institution=institution))
    return qs


def _shared_with_ref(
    child_ref: str,
    municipality_id: int,
    recipient: str,
    on: dt.date,
    institution: Institution | None = None,
) -> Exists:
    return Exists(_consents_of_ref(child_ref, municipality_id, recipient, on, institution))


def sharing_allowed(
    *,
    child: Child,
    recipient: str,
    institution: Institution | None = None,
    on: dt.date | None = None,
) -> bool:
    """Whether a consent or legal basis to share the child's screening with ``recipient``
    (a :class:`Recipient`) is recorded and in force on ``on`` (today). A record for a
    named institution covers that institution only; one without covers the recipient as a
    whole."""
    on = on or timezone.localdate()
    qs = Consent.objects.filter(
        _active_consent_q(on),
        municipality_id=child.municipality_id,
        child=child,
        recipient=recipient,
    )
    if institution is not None:
        qs = qs.filter(Q(institution__isnull=True) | Q(institution=institution))
    return qs.exists()


def consents_of_child(actor: Actor, child: Child) -> QuerySet[Consent]:
    return (
        Consent.objects.filter(municipality_id=actor.municipality_id, child=child)
        .select_related("institution", "recorded_by__user")
        .order_by("-valid_from", "-id")
    )


def get_consent_for_user(actor: Actor, consent_id: int) -> Consent:
    return get_object_or_404(
        Consent.objects.select_related("child"),
        pk=consent_id,
        municipality_id=actor.municipality_id,
        child__in=registry.children_for(actor),
    )


# ---------------------------------------------------------------------------- rounds


def rounds_for(actor: Actor) -> QuerySet[ScreeningRound]:
    qs = ScreeningRound.objects.filter(municipality_id=actor.municipality_id)
    if actor.sees_whole_municipality:
        return qs
    if actor.role == Role.EDUCATOR:
        covers_own = RoundGroup.objects.filter(
            municipality_id=actor.municipality_id,
            round=OuterRef("pk"),
            group__in=own_group_ids(actor),
        )
        return qs.filter(Exists(covers_own))
    return qs.none()


def get_round_for_user(actor: Actor, screeninground_id: int) -> ScreeningRound:
    return get_object_or_404(rounds_for(actor), pk=screeninground_id)


def get_round_for_overview(actor: Actor, screeninground_id: int) -> ScreeningRound:
    """A round for the overview pages: PPR and the PPR-leder only."""
    if not may_see_overview(actor):
        raise Http404
    return get_round_for_user(actor, screeninground_id)


def round_groups(actor: Actor, round: ScreeningRound) -> QuerySet[Group]:
    """The groups of the round the actor sees (all for PPR, their own for staff)."""
    in_round = RoundGroup.objects.filter(
        municipality_id=actor.municipality_id, round=round, group=OuterRef("pk")
    )
    return (
        registry.groups_for(actor)
        .filter(Exists(in_round))
        .order_by("institution__name", "name", "id")
    )


def get_round_group_for_user(actor: Actor, round: ScreeningRound, group_id: int) -> Group:
    """A group of the round that the actor sees (:func:`round_groups`); else 404."""
    return get_object_or_404(round_groups(actor, round), pk=group_id)


@dataclass(frozen=True)
class GroupInRound:
    """A group's row in a round, as the actor reaches it: ``on_staff`` says whether the
    actor is on the group's staff and so rates its children (:func:`rates_group`)."""

    round: ScreeningRound
    group: Group
    on_staff: bool


def get_round_and_group_for_user(
    actor: Actor, screeninground_id: int, group_id: int
) -> GroupInRound:
    """:func:`get_round_for_user` and then :func:`get_round_group_for_user`, in one query
    (the grid's row save is the screening week's most frequent request): the group's row in
    the round. A teacher reaches the row of one of her own groups (a round covering it is
    one she sees), PPR any row of the municipality, everyone else none."""
    if not (actor.sees_whole_municipality or actor.role == Role.EDUCATOR):
        raise Http404
    qs = RoundGroup.objects.filter(
        municipality_id=actor.municipality_id,
        round_id=screeninground_id,
        round__municipality_id=actor.municipality_id,
        group_id=group_id,
        group__municipality_id=actor.municipality_id,
    ).select_related("round", "group__institution")
    educator = not actor.sees_whole_municipality
    if educator:
        qs = qs.filter(group__in=own_group_ids(actor))
    rg = qs.first()
    if rg is None:
        raise Http404
    # For a teacher the group is one of her own: she is on its staff (rates_group).
    return GroupInRound(round=rg.round, group=rg.group, on_staff=educator)


@dataclass(frozen=True)
class RowTarget:
    """What a row save needs to know about its round, group and child (the grid's
    save-as-you-go: :func:`get_row_target_for_user`)."""

    round_name: str
    is_open: bool
    starts: dt.date
    started: bool
    areas: Any
    group_name: str
    informed: bool
    # The child's name if the child is in the group today, else None.
    child_name: str | None


# The round, the group, whether the parents are informed and the child's name if in the
# group today: one statement. Parameters by name, as in ``_ROW_TARGET_PARAMS``.
_ROW_TARGET = """
SELECT r.name, r.status, r.starts, r.starts <= %s, r.areas, g.name,
  EXISTS(SELECT 1 FROM screening_parentnotice n WHERE n.municipality_id = %s
    AND n.round_id = rg.round_id
    AND (n.group_id = rg.group_id OR n.institution_id = g.institution_id)),
  (SELECT c.first_name || ' ' || c.last_name FROM registry_enrolment e
    JOIN registry_child c ON c.id = e.child_id AND c.municipality_id = %s
    WHERE e.municipality_id = %s AND e.group_id = rg.group_id AND e.child_id = %s
    AND e.start <= %s AND (e."end" IS NULL OR e."end" >= %s) LIMIT 1)
FROM screening_roundgroup rg
JOIN screening_screeninground r ON r.id = rg.round_id AND r.municipality_id = %s
JOIN registry_group g ON g.id = rg.group_id AND g.municipality_id = %s
WHERE rg.municipality_id = %s AND rg.round_id = %s AND rg.group_id = %s
AND EXISTS(SELECT 1 FROM accounts_groupassignment s WHERE s.municipality_id = %s
  AND s.membership_id = %s AND s.group_id = rg.group_id)"""
_ROW_TARGET_PARAMS = ("today", "m", "m", "m", "child", "today", "today", "m", "m", "m",
                      "round", "group", "m", "membership")  # fmt: skip


def get_row_target_for_user(
    actor: Actor, screeninground_id: int, group_id: int, child_id: int, *, lock: bool
) -> RowTarget:
    """The group's row in the round for a save of one child's row, for a teacher on the
    group's staff; everyone else (and a round or group of another municipality, or a
    group the round does not cover) gets 404. With ``lock``, the group's row in the round
    is locked until the transaction ends (PostgreSQL; SQLite's write transaction already
    excludes other writers), which serialises saves in one group.

    Written in SQL, not built by the ORM: it is the screening week's most frequent
    request, and building the queries took longer than running them (``make load``).
    ``tests/screening`` checks who reaches what."""
    if actor.role != Role.EDUCATOR:
        raise Http404
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    values = {
        "today": today,
        "m": actor.municipality_id,
        "child": child_id,
        "round": screeninground_id,
        "group": group_id,
        "membership": actor.membership.pk,
    }
    sql = _ROW_TARGET
    if lock and connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF rg"
    with connection.cursor() as cursor:
        cursor.execute(sql, [values[name] for name in _ROW_TARGET_PARAMS])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    name, status, starts, started, definition, group_name, informed, child_name = row
    return RowTarget(
        round_name=name,
        is_open=status == ScreeningRound.Status.OPEN,
        starts=starts if isinstance(starts, dt.date) else dt.date.fromisoformat(starts),
        started=bool(started),
        areas=json.loads(definition) if isinstance(definition, str | bytes) else definition,
        group_name=group_name,
        informed=bool(informed),
        child_name=child_name,
    )


def institutions_in_round(actor: Actor, round: ScreeningRound) -> QuerySet[Institution]:
    in_round = RoundGroup.objects.filter(
        municipality_id=actor.municipality_id, round=round, group__institution=OuterRef("pk")
    )
    return registry.institutions_for(actor).filter(Exists(in_round)).order_by("name")


def get_institution_in_round(
    actor: Actor, round: ScreeningRound, institution_id: int
) -> Institution:
    return get_object_or_404(institutions_in_round(actor, round), pk=institution_id)


def previous_round(actor: Actor, round: ScreeningRound) -> ScreeningRound | None:
    return (
        rounds_for(actor)
        .filter(Q(starts__lt=round.starts) | Q(starts=round.starts, pk__lt=round.pk))
        .order_by("-starts", "-pk")
        .first()
    )


# ---------------------------------------------------------------------------- parents


def notice_q(round: ScreeningRound, group: Group) -> Q:
    return Q(round=round) & (Q(group=group) | Q(institution_id=group.institution_id))


def parents_informed(round: ScreeningRound, group: Group) -> ParentNotice | None:
    return (
        ParentNotice.objects.filter(notice_q(round, group), municipality_id=round.municipality_id)
        .order_by("-informed_on", "-id")
        .first()
    )


def notices_of_round(actor: Actor, round: ScreeningRound) -> QuerySet[ParentNotice]:
    qs = ParentNotice.objects.filter(municipality_id=actor.municipality_id, round=round)
    if not actor.sees_whole_municipality:
        own = own_group_ids(actor)
        qs = qs.filter(Q(group__in=own) | Q(institution__groups__in=own)).distinct()
    return qs.select_related("group", "institution", "recorded_by__user").order_by(
        "-informed_on", "-id"
    )


# ---------------------------------------------------------------------------- the grid


@dataclass
class GridRow:
    child: Child
    assessment: Assessment | None
    previous: str  # the child's agreed position in the previous round ('' if none)
    others: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # area -> [(who, c)]
    agreement: Assessment | None = None
    posted: Any = None  # what was typed, shown again when a save is refused
    cells: list[dict[str, Any]] = field(default_factory=list)  # filled by the view

    def rating(self, area: str) -> str:
        if self.posted is not None:
            return str(self.posted.ratings.get(area, ""))
        return self.assessment.ratings.get(area, "") if self.assessment else ""

    def focus(self, area: str) -> list[str]:
        if self.posted is not None:
            return list(self.posted.focus.get(area, []))
        return list(self.assessment.focus.get(area, [])) if self.assessment else []

    @property
    def note(self) -> str:
        if self.posted is not None:
            return str(self.posted.note or "")
        return self.assessment.note if self.assessment else ""

    @property
    def position(self) -> str:
        if self.posted is not None:
            return areas.worst(self.posted.ratings.values())
        return self.assessment.position if self.assessment else ""


def children_in_group_now(actor: Actor, group: Group) -> QuerySet[Child]:
    """The children in the group today, as far as the actor reaches them. Starts from the
    group's enrolments (an index), so the cost does not grow with the municipality."""
    today = timezone.localdate()
    ids = Enrolment.objects.filter(
        Q(start__lte=today) & (Q(end__isnull=True) | Q(end__gte=today)),
        municipality_id=actor.municipality_id,
        group=group,
    ).values("child_id")
    return registry.children_for(actor).filter(pk__in=ids).order_by("first_name", "last_name", "id")


def names_in_group_now(actor: Actor, group: Group, child_ids: list[int]) -> dict[int, str]:
    """Those of ``child_ids`` in the group today, by name: for the group's own staff (the
    caller has checked :func:`rates_group`), who see every child now in their group, so
    this is :func:`children_in_group_now` in one plain query (each row save asks it)."""
    today = timezone.localdate()
    return {
        pk: f"{first} {last}"
        for pk, first, last in Enrolment.objects.filter(
            Q(start__lte=today) & (Q(end__isnull=True) | Q(end__gte=today)),
            municipality_id=actor.municipality_id,
            group=group,
            child_id__in=child_ids,
        ).values_list("child_id", "child__first_name", "child__last_name")
    }


def grid_rows(
    actor: Actor, round: ScreeningRound, group: Group, *, agreement: bool
) -> list[GridRow]:
    """The children now in the group, each with the actor's own rating (or the team's
    agreement), their previous agreed position and, for the agreement, the colleagues' own
    ratings. A constant number of queries."""
    children = list(children_in_group_now(actor, group))
    ids = [c.pk for c in children]
    base = Assessment.objects.filter(
        municipality_id=actor.municipality_id, round=round, child_id__in=ids
    )
    agreements = {a.child_id: a for a in base.filter(is_agreement=True)}
    if agreement:
        mine = agreements
    else:
        mine = {a.child_id: a for a in base.filter(is_agreement=False, rater=actor.membership)}
    others: dict[int, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    if agreement:
        for a in base.filter(is_agreement=False).select_related("rater__user").order_by("id"):
            who = a.rater.user.get_full_name() or a.rater.user.username if a.rater else "?"
            for area, colour in a.ratings.items():
                others[a.child_id][area].append((who, colour))
    previous = previous_positions(actor, round, ids)
    return [
        GridRow(
            child=c,
            assessment=mine.get(c.pk),
            previous=previous.get(c.pk, ""),
            others={k: list(v) for k, v in others.get(c.pk, {}).items()},
            agreement=agreements.get(c.pk),
        )
        for c in children
    ]


def previous_positions(actor: Actor, round: ScreeningRound, child_ids: list[int]) -> dict[int, str]:
    """Each child's agreed position in their latest earlier round (one query)."""
    earlier = Assessment.objects.filter(
        municipality_id=actor.municipality_id,
        child_id__in=child_ids,
        is_agreement=True,
        round__starts__lt=round.starts,
    ).order_by("child_id", "-round__starts", "-round_id")
    result: dict[int, str] = {}
    for child_id, position in earlier.values_list("child_id", "position"):
        result.setdefault(child_id, position)
    return result


# ---------------------------------------------------------------------------- overviews


@dataclass
class Counts:
    """Children by agreed position; ``own_only`` rated by someone but not agreed yet;
    ``unrated`` in the group now with no rating at all (open rounds)."""

    groen: int = 0
    gul: int = 0
    roed: int = 0
    own_only: int = 0
    enrolled: int = 0

    @property
    def rated(self) -> int:
        return self.groen + self.gul + self.roed

    @property
    def unrated(self) -> int:
        return max(0, self.enrolled - self.rated)

    @property
    def total(self) -> int:
        return max(self.enrolled, self.rated)

    def add(self, other: Counts) -> None:
        self.groen += other.groen
        self.gul += other.gul
        self.roed += other.roed
        self.own_only += other.own_only
        self.enrolled += other.enrolled

    def share(self, colour: str) -> float:
        return 100 * getattr(self, colour) / self.total if self.total else 0.0

    @property
    def status(self) -> str:
        if self.enrolled and self.rated >= self.enrolled:
            return "faerdig"
        if self.rated or self.own_only:
            return "i_gang"
        return "ikke_startet"


@dataclass
class GroupLine:
    group: Group
    counts: Counts
    informed: bool


@dataclass(frozen=True)
class InstitutionRef:
    pk: int
    name: str


@dataclass
class InstitutionLine:
    institution: InstitutionRef
    counts: Counts
    groups: int
    groups_done: int


def _stored(actor: Actor, round: ScreeningRound) -> QuerySet[RoundGroup]:
    return RoundGroup.objects.filter(municipality_id=actor.municipality_id, round=round)


# A group is done when every child in it has an agreed position.
_RATED = F("groen") + F("gul") + F("roed")
_DONE = Q(enrolled__gt=0) & Q(enrolled__lte=_RATED)


def _group_counts(
    actor: Actor, round: ScreeningRound, group_ids: Iterable[int] | None = None
) -> dict[int, Counts]:
    """Counts per group of the round, from the figures the services keep on each
    :class:`RoundGroup`. One query."""
    stored = _stored(actor, round)
    if group_ids is not None:
        stored = stored.filter(group_id__in=list(group_ids))
    return {
        group_id: Counts(groen, gul, roed, own_only, enrolled)
        for group_id, groen, gul, roed, own_only, enrolled in stored.values_list(
            "group_id", "groen", "gul", "roed", "own_only", "enrolled"
        )
    }


def _informed_group_ids(actor: Actor, round: ScreeningRound, groups: list[Group]) -> set[int]:
    # Only the notices of these groups and their institutions: a round of a large
    # municipality has thousands, a page shows a few groups.
    notices = ParentNotice.objects.filter(
        Q(group_id__in=[g.pk for g in groups])
        | Q(institution_id__in={g.institution_id for g in groups}),
        municipality_id=actor.municipality_id,
        round=round,
    )
    group_ids, institution_ids = set(), set()
    for g, i in notices.values_list("group_id", "institution_id").order_by():
        if g:
            group_ids.add(g)
        if i:
            institution_ids.add(i)
    return {g.pk for g in groups if g.pk in group_ids or g.institution_id in institution_ids}


def group_lines(
    actor: Actor, round: ScreeningRound, institution: Institution | None = None
) -> list[GroupLine]:
    """The actor's groups of the round (of one institution), with their counts."""
    groups_qs = round_groups(actor, round)
    if institution is not None:
        groups_qs = groups_qs.filter(institution=institution)
    groups = list(groups_qs)
    return lines_for_groups(actor, round, groups)


def lines_for_groups(actor: Actor, round: ScreeningRound, groups: list[Group]) -> list[GroupLine]:
    counts = _group_counts(actor, round, [g.pk for g in groups])
    informed = _informed_group_ids(actor, round, groups)
    return [GroupLine(g, counts.get(g.pk, Counts()), g.pk in informed) for g in groups]


class NotDoneGroups:
    """The groups of an open round where some child has no agreed position yet, for the
    overview (PPR): their rows in the round, with their stored counts and institution, by
    institution name and group name. A sequence for the overview's pager: its length is
    the overview's figures' (each institution's groups less those done), and a page reads
    only the groups of the institutions it spans (by those figures), not every group of
    the round."""

    def __init__(self, actor: Actor, round: ScreeningRound, overview: Overview) -> None:
        self.actor, self.round = actor, round
        # (institution, groups not done), in the overview's order: by name.
        self.spans = [
            (line.institution.pk, line.groups - line.groups_done)
            for line in overview.institutions
            if line.groups > line.groups_done
        ]
        self.ordered = True

    def count(self) -> int:
        return sum(n for _, n in self.spans)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[RoundGroup]:
        return iter(self[0 : self.count()])

    @overload
    def __getitem__(self, part: int) -> RoundGroup: ...

    @overload
    def __getitem__(self, part: slice) -> list[RoundGroup]: ...

    def __getitem__(self, part: int | slice) -> RoundGroup | list[RoundGroup]:
        if isinstance(part, int):
            return self[part : part + 1][0]
        assert part.step is None, part
        start, stop = part.start or 0, part.stop if part.stop is not None else self.count()
        wanted: list[int] = []
        skipped = seen = 0
        for institution_id, n in self.spans:
            if seen + n > start and seen < stop:
                if not wanted:
                    skipped = seen
                wanted.append(institution_id)
            seen += n
        if not wanted:
            return []
        rows: list[RoundGroup] = list(
            _stored(self.actor, self.round)
            .filter(group__institution_id__in=wanted)
            .exclude(_DONE)
            .select_related("group__institution")
            .order_by(
                "group__institution__name", "group__institution_id", "group__name", "group_id"
            )
        )
        return rows[start - skipped : stop - skipped]


def groups_not_done(actor: Actor, round: ScreeningRound, overview: Overview) -> NotDoneGroups:
    """:class:`NotDoneGroups` of the round (none for a closed round, or for staff)."""
    if not (round.is_open and actor.sees_whole_municipality):
        overview = Overview(Counts(), [], 0, 0, 0)
    return NotDoneGroups(actor, round, overview)


def lines_for_stored(
    actor: Actor, round: ScreeningRound, stored: list[RoundGroup]
) -> list[GroupLine]:
    """:func:`lines_for_groups` for rows of :func:`groups_not_done`, which carry their counts."""
    informed = _informed_group_ids(actor, round, [rg.group for rg in stored])
    return [
        GroupLine(
            rg.group,
            Counts(rg.groen, rg.gul, rg.roed, rg.own_only, rg.enrolled),
            rg.group_id in informed,
        )
        for rg in stored
    ]


@dataclass
class Overview:
    total: Counts
    institutions: list[InstitutionLine]
    groups: int
    groups_done: int
    groups_informed: int


def round_overview(actor: Actor, round: ScreeningRound) -> Overview:
    """The municipality's round in figures, per institution (no children). One query over
    the institutions' stored figures (:class:`RoundInstitution`, kept by triggers), one row
    per institution, whatever the number of groups and children."""
    rows = (
        RoundInstitution.objects.filter(
            municipality_id=actor.municipality_id, round=round, groups__gt=0
        )
        .values_list(
            "institution_id",
            "institution__name",
            "groen",
            "gul",
            "roed",
            "own_only",
            "enrolled",
            "groups",
            "groups_done",
            "groups_informed",
        )
        .order_by("institution__name", "institution_id")
    )
    total = Counts()
    lines = []
    groups = done = informed = 0
    for pk, name, groen, gul, roed, own_only, enrolled, n_groups, n_done, n_informed in rows:
        counts = Counts(groen, gul, roed, own_only, enrolled)
        total.add(counts)
        groups += n_groups
        done += n_done
        informed += n_informed
        lines.append(InstitutionLine(InstitutionRef(pk, name), counts, n_groups, n_done))
    return Overview(total, lines, groups, done, informed)


@dataclass
class TrendPoint:
    round: ScreeningRound
    counts: Counts


def trend(actor: Actor, institution: Institution | None = None) -> list[TrendPoint]:
    """Agreed positions per round, oldest first (the municipality, or one institution).
    Two queries, over the stored figures of the rounds' institutions."""
    rounds = list(rounds_for(actor).order_by("starts", "id"))
    stored = RoundInstitution.objects.filter(municipality_id=actor.municipality_id)
    if institution is not None:
        stored = stored.filter(institution=institution)
    counts: dict[int, Counts] = defaultdict(Counts)
    for round_id, groen, gul, roed in (
        stored.values("round_id")
        .annotate(g=Sum("groen"), y=Sum("gul"), r=Sum("roed"))
        .values_list("round_id", "g", "y", "r")
        .order_by()
    ):
        counts[round_id] = Counts(groen or 0, gul or 0, roed or 0)
    return [TrendPoint(r, counts.get(r.pk, Counts())) for r in rounds]


# ---------------------------------------------------------------------------- follow-up


REASONS = {"roed": "Rød nu", "twice": "Gul eller rød to gange i træk"}


def reasons(a: Assessment) -> list[str]:
    found = []
    if a.position == areas.RED:
        found.append(REASONS["roed"])
    if a.previous_position in areas.CONCERNING and a.position in areas.CONCERNING:
        found.append(REASONS["twice"])
    return found


@dataclass
class FollowUpList:
    named: QuerySet[Assessment]  # the children PPR may see, in index order, paged by the view
    awaiting_consent: int
    previous_round: ScreeningRound | None
    named_count: int = 0
    # More than paging.COUNT_CAP children flagged: the figures are those of the first
    # paging.COUNT_CAP + 1 (at least so many), not of all.
    capped: bool = False


def follow_up(actor: Actor, round: ScreeningRound, *, on: dt.date | None = None) -> FollowUpList:
    """Children who need follow-up in the round: red now, or yellow/red now and in the
    child's previous round (the flag the services keep on each agreement). Named only
    where a consent or legal basis for PPR is recorded; the others are only counted.

    Nothing here grows with the municipality: the list is read along the partial index
    ``assessment_follow_up_list`` (by group, then child; a page reads its own rows), and
    the figures count at most ``COUNT_CAP + 1`` flagged children."""
    on = on or timezone.localdate()
    mid = actor.municipality_id
    flagged = Assessment.objects.filter(
        municipality_id=mid, round=round, follow_up=True, is_agreement=True
    )
    # A consent per flagged child, looked up child by child: as an EXISTS, PostgreSQL hashed
    # every PPR consent of the municipality first (12,000 at 60,000 children, ~12 ms of a
    # 24 ms count), however few children the count stops at.
    consent = Subquery(
        _consents_of_ref("child", mid, Recipient.PPR, on).order_by().values("pk")[:1]
    )
    figures = (
        flagged.order_by()
        .annotate(consent=consent)
        .values("pk", "consent")[: paging.COUNT_CAP + 1]
        .aggregate(flagged=Count("pk"), awaiting=Count("pk", filter=Q(consent__isnull=True)))
    )
    named = (
        flagged.filter(_shared_with_ref("child", mid, Recipient.PPR, on))
        .select_related("child", "group__institution")
        .order_by("group_id", "child_id")
    )
    return FollowUpList(
        named,
        figures["awaiting"],
        previous_round(actor, round),
        figures["flagged"] - figures["awaiting"],
        capped=figures["flagged"] > paging.COUNT_CAP,
    )


# ---------------------------------------------------------------------------- a child


RECIPIENT_OF_ROLE: dict[str, str] = {
    Role.HEALTH_VISITOR: Recipient.HEALTH,
    Role.SOCIAL_WORKER: Recipient.SOCIAL,
}


def _may_see_positions_of(actor: Actor, child: Child, on: dt.date) -> Q | None:
    """Which of the child's assessments the actor may see, as a filter; None for none."""
    if actor.sees_whole_municipality:
        return Q() if sharing_allowed(child=child, recipient=Recipient.PPR, on=on) else None
    if actor.role == Role.EDUCATOR:
        # The staff of a group see the ratings made in their own groups.
        return Q(group__in=own_group_ids(actor))
    recipient = RECIPIENT_OF_ROLE.get(actor.role)
    if recipient is not None and registry.may_see_child(actor, child):
        # A health visitor or social worker on the child's case team, with a consent or
        # legal basis recorded for their unit (recorded when they joined the team).
        return Q() if sharing_allowed(child=child, recipient=recipient, on=on) else None
    return None


def positions_of_child(actor: Actor, child: Child) -> QuerySet[Assessment]:
    """The child's agreed positions the actor may see, newest round first."""
    on = timezone.localdate()
    qs = Assessment.objects.filter(
        municipality_id=actor.municipality_id, child=child, is_agreement=True
    ).exclude(position="")
    allowed = _may_see_positions_of(actor, child, on)
    if allowed is None:
        return qs.none()
    return (
        qs.filter(allowed)
        .select_related("round", "group__institution")
        .order_by("-round__starts", "-round_id")
    )


def latest_position(actor: Actor, child: Child) -> Assessment | None:
    """The child's latest agreed position, if the actor may see it (staff of the group it
    was made in; PPR with a recorded consent or legal basis for PPR). The caller writes
    the access log when it shows it (``Purpose.SCREENING``)."""
    return positions_of_child(actor, child).first()


def get_assessment_for_user(actor: Actor, assessment_id: int) -> Assessment:
    """An agreed assessment the actor may see (for colleagues linking to it)."""
    a = get_object_or_404(
        Assessment.objects.select_related("child", "round", "group"),
        pk=assessment_id,
        municipality_id=actor.municipality_id,
        is_agreement=True,
    )
    if not positions_of_child(actor, a.child).filter(pk=a.pk).exists():
        raise Http404
    return a


def round_groups_for_rating(actor: Actor) -> QuerySet[RoundGroup]:
    """The actor's own groups in open rounds (a teacher's to-do list)."""
    return (
        RoundGroup.objects.filter(
            municipality_id=actor.municipality_id,
            group__in=own_group_ids(actor),
            round__status=ScreeningRound.Status.OPEN,
        )
        .select_related("round", "group__institution")
        .order_by("-round__starts", "group__name")
    )
