"""Writes for trivselsvurdering. Each service takes the acting :class:`Actor`, checks what it
may do, validates everything before it writes (a :class:`ScreeningError` with a Danish
message says what to fix) and runs in one transaction, so nothing is half-saved. Changes
to a child's ratings are written to the access log in the same transaction."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, Field, OuterRef, Q
from django.http import QueryDict
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import GroupAssignment, Role
from spor.audit.models import Action, Purpose
from spor.audit.services import access_log_record
from spor.lib.context import RequestContext
from spor.registry import selectors as registry
from spor.registry.models import Child, Enrolment, Group, Institution
from spor.screening import areas
from spor.screening import selectors as sel
from spor.screening.models import (
    Assessment,
    Consent,
    ParentNotice,
    Recipient,
    RoundGroup,
    ScreeningRound,
)


class ScreeningError(Exception):
    """Bad input or an action the actor may not take; the message is for the user."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# ---------------------------------------------------------------------------- rounds


@transaction.atomic
def round_open(
    *,
    actor: Actor,
    name: str,
    starts: dt.date | None,
    ends: dt.date | None,
    institution_ids: Sequence[int] | None = None,
) -> ScreeningRound:
    """Open a round for the whole municipality (``institution_ids`` empty/None: every group
    with children in it now) or for the groups of the chosen institutions."""
    if not sel.may_open_rounds(actor):
        raise ScreeningError("Kun PPR-lederen kan åbne en trivselsrunde.")
    name = (name or "").strip()
    if not name:
        raise ScreeningError(
            "Giv runden et navn, fx »Trivselsvurdering efterår 2026«.", field="name"
        )
    if starts is None or ends is None:
        raise ScreeningError("Angiv både start- og slutdato for runden.", field="starts")
    if ends < starts:
        raise ScreeningError(
            "Slutdatoen ligger før startdatoen. Ret datoerne, så runden slutter efter den starter.",
            field="ends",
        )
    today = timezone.localdate()
    current = Enrolment.objects.filter(
        Q(start__lte=today) & (Q(end__isnull=True) | Q(end__gte=today)),
        municipality_id=actor.municipality_id,
        group=OuterRef("pk"),
    )
    groups = registry.groups_for(actor).filter(Exists(current))
    if institution_ids:
        wanted = set(institution_ids)
        found = set(
            registry.institutions_for(actor).filter(pk__in=wanted).values_list("pk", flat=True)
        )
        if found != wanted:
            raise ScreeningError("En af de valgte institutioner findes ikke.", field="institutions")
        groups = groups.filter(institution_id__in=wanted)
    group_ids = list(groups.values_list("pk", flat=True))
    if not group_ids:
        raise ScreeningError(
            "Der er ingen grupper med børn i de valgte institutioner.", field="institutions"
        )
    round = ScreeningRound.objects.create(
        municipality_id=actor.municipality_id,
        name=name,
        starts=starts,
        ends=ends,
        areas=areas.current_definition(),
        opened_by=actor.membership,
    )
    enrolled = _enrolled_now(actor.municipality_id, group_ids)
    RoundGroup.objects.bulk_create(
        [
            RoundGroup(
                municipality_id=actor.municipality_id,
                round=round,
                group_id=g,
                enrolled=enrolled.get(g, 0),
            )
            for g in group_ids
        ],
        batch_size=2000,
    )
    return round


@transaction.atomic
def round_close(*, actor: Actor, round: ScreeningRound) -> ScreeningRound:
    if not sel.may_open_rounds(actor):
        raise ScreeningError("Kun PPR-lederen kan lukke en trivselsrunde.")
    round.status = ScreeningRound.Status.CLOSED
    round.save(update_fields=["status"])
    return round


# ---------------------------------------------------------------------------- parents


@transaction.atomic
def parent_notice_record(
    *,
    actor: Actor,
    round: ScreeningRound,
    informed_on: dt.date | None,
    how: str,
    group: Group | None = None,
    institution: Institution | None = None,
    note: str = "",
) -> ParentNotice:
    """Record that the parents of a group (or of a whole institution) were told about the
    round. Staff record it for their own groups, the PPR-leder for any."""
    if (group is None) == (institution is None):
        raise ScreeningError("Vælg enten en gruppe eller en institution.")
    if informed_on is None:
        raise ScreeningError("Angiv datoen, forældrene blev informeret.", field="informed_on")
    if informed_on > timezone.localdate():
        raise ScreeningError(
            "Datoen ligger i fremtiden. Registrér forældreinformationen, når den er givet.",
            field="informed_on",
        )
    if how not in ParentNotice.How.values:
        raise ScreeningError("Vælg, hvordan forældrene blev informeret.", field="how")
    in_round = RoundGroup.objects.filter(municipality_id=actor.municipality_id, round=round)
    if group is not None:
        if not (actor.is_lead or sel.rates_group(actor, group)):
            raise ScreeningError("Du kan kun registrere forældreinformation for dine egne grupper.")
        if not in_round.filter(group=group).exists():
            raise ScreeningError("Gruppen er ikke med i runden.")
    if institution is not None:
        if not actor.is_lead and not (
            group is None
            and sel.round_groups(actor, round).filter(institution=institution).exists()
        ):
            raise ScreeningError("Du kan kun registrere forældreinformation for dine egne grupper.")
        if not in_round.filter(group__institution=institution).exists():
            raise ScreeningError("Institutionen er ikke med i runden.")
    return ParentNotice.objects.create(
        municipality_id=actor.municipality_id,
        round=round,
        group=group,
        institution=institution,
        informed_on=informed_on,
        how=how,
        note=(note or "").strip()[:300],
        recorded_by=actor.membership,
    )


# ---------------------------------------------------------------------------- ratings


@dataclass
class RowInput:
    """One child's rating as typed: colours per area, focus points per area, a note."""

    ratings: dict[str, str] = field(default_factory=dict)
    focus: dict[str, list[str]] = field(default_factory=dict)
    note: str | None = None


def _refuse_closed_or_early(*, is_open: bool, starts: dt.date, started: bool) -> None:
    if not is_open:
        raise ScreeningError("Runden er lukket; vurderinger kan ikke længere ændres.")
    if not started:
        raise ScreeningError(
            f"Runden begynder {starts:%d.%m.%Y}; vurderinger kan gemmes fra den dag."
        )


def _refuse_uninformed(informed: bool) -> None:
    if not informed:
        raise ScreeningError(
            "Forældrene er ikke registreret som informeret om trivselsvurderingen. "
            "Registrér forældreinformationen først; derefter kan du vurdere."
        )


_NOT_IN_GROUP = "Et af børnene går ikke i gruppen nu; du kan kun vurdere børn i din egen gruppe."


def _check_may_rate(actor: Actor, round: ScreeningRound, group: Group) -> None:
    _refuse_closed_or_early(
        is_open=round.is_open,
        starts=round.starts,
        started=timezone.localdate() >= round.starts,
    )
    # Locking the group's row in the round serialises saves in one group: the grid saves
    # cell by cell, and two saves at once would otherwise both create the same child's
    # first assessment, or each write counts that miss the other's change. The same query
    # asks whether the actor is on the group's staff and whether the parents are informed
    # (the grid's save-as-you-go is the screening week's most frequent request).
    rg = (
        RoundGroup.objects.select_for_update(of=("self",))
        .filter(municipality_id=actor.municipality_id, round=round, group=group)
        .annotate(
            on_staff=Exists(
                GroupAssignment.objects.filter(
                    municipality_id=actor.municipality_id,
                    membership=actor.membership,
                    group=group,
                )
            ),
            informed=Exists(
                ParentNotice.objects.filter(
                    sel.notice_q(round, group), municipality_id=round.municipality_id
                )
            ),
        )
        .values_list("on_staff", "informed")
        .first()
    )
    on_staff = rg[0] if rg is not None else sel.rates_group(actor, group)
    if actor.role != Role.EDUCATOR or not on_staff:
        raise ScreeningError("Du kan kun vurdere børn i dine egne grupper.")
    if rg is None:
        raise ScreeningError("Gruppen er ikke med i runden.")
    _refuse_uninformed(rg[1])


def _clean_row(definition: Any, child_name: str, row: RowInput) -> RowInput:
    """The row checked against the round's area definition (``round.areas``)."""
    keys = areas.area_keys(definition)
    clean = RowInput(note=row.note)
    for area, colour in row.ratings.items():
        if area not in keys:
            raise ScreeningError(f"Ukendt område »{area}«.")
        if colour in ("", None):
            continue
        if colour not in areas.COLOURS:
            raise ScreeningError(
                f"{child_name}, {areas.area_label(definition, area)}: »{colour}« er ikke på "
                "skalaen. Vælg grøn, gul eller rød."
            )
        clean.ratings[area] = colour
    for area, points in row.focus.items():
        if area not in keys:
            raise ScreeningError(f"Ukendt område »{area}«.")
        allowed = areas.focus_keys(definition, area)
        unknown = [p for p in points if p not in allowed]
        if unknown:
            raise ScreeningError(
                f"{child_name}, {areas.area_label(definition, area)}: ukendt fokuspunkt "
                f"»{unknown[0]}«."
            )
        if points:
            clean.focus[area] = list(dict.fromkeys(points))
    return clean


def _apply(a: Assessment, row: RowInput, *, replace: bool) -> bool:
    """Put the row on the assessment; focus points only for yellow and red areas. Returns
    whether anything changed."""
    before = (dict(a.ratings), dict(a.focus), a.note)
    ratings = dict(row.ratings) if replace else {**a.ratings, **row.ratings}
    focus = dict(row.focus) if replace else {**a.focus, **row.focus}
    a.ratings = ratings
    a.focus = {k: v for k, v in focus.items() if v and ratings.get(k) in areas.CONCERNING}
    if row.note is not None:
        a.note = row.note.strip()
    a.position = areas.worst(ratings.values())
    return (a.ratings, a.focus, a.note) != before


@transaction.atomic
def assessment_save_rows(
    *,
    actor: Actor,
    round: ScreeningRound,
    group: Group,
    rows: Mapping[int, RowInput],
    agreement: bool,
    replace: bool = True,
    context: RequestContext | None = None,
) -> list[Assessment]:
    """Save the actor's own ratings (or the team's agreement) for children of the group:
    the whole grid (the save button) or any rows of it. Returns the assessments that
    changed.

    All or nothing: a colour outside the scale, a child not now in the group, a group
    that is not the actor's or parents not informed refuses the whole save. The rows are
    written as :func:`assessment_save_row` writes one (:func:`_save`)."""
    _check_may_rate(actor, round, group)  # the actor is on the group's staff
    names = sel.names_in_group_now(actor, group, list(rows))
    if any(cid not in names for cid in rows):
        raise ScreeningError(_NOT_IN_GROUP)
    cleaned = {cid: _clean_row(round.areas, names[cid], row) for cid, row in rows.items()}
    where = _Where(round.pk, round.name, round.is_open, group.pk, group.name)
    saved = _save(actor, where, cleaned, agreement=agreement, replace=replace, context=context)
    if agreement and saved:
        flags = {
            pk: (previous, flag)
            for pk, previous, flag in Assessment.objects.filter(
                pk__in=[a.pk for a in saved]
            ).values_list("pk", "previous_position", "follow_up")
        }
        for a in saved:
            a.previous_position, a.follow_up = flags[a.pk]
    return saved


@transaction.atomic
def assessment_save_row(
    *,
    actor: Actor,
    screeninground_id: int,
    group_id: int,
    child_id: int,
    row: RowInput,
    agreement: bool,
    context: RequestContext | None = None,
) -> bool:
    """Save-as-you-go: one child's row of the grid (the actor's own ratings or the team's
    agreement), replacing what was there. Returns whether anything changed.

    The checks of :func:`assessment_save_rows` (which the save button uses) asked in one
    statement (:func:`~spor.screening.selectors.get_row_target_for_user`, the screening
    week's most frequent request, ``make load``), and then the same write, :func:`_save`."""
    t = sel.get_row_target_for_user(actor, screeninground_id, group_id, child_id, lock=True)
    _refuse_closed_or_early(is_open=t.is_open, starts=t.starts, started=t.started)
    _refuse_uninformed(t.informed)
    if t.child_name is None:
        raise ScreeningError(_NOT_IN_GROUP)
    clean = _clean_row(t.areas, t.child_name, row)
    where = _Where(screeninground_id, t.round_name, t.is_open, group_id, t.group_name)
    saved = _save(
        actor, where, {child_id: clean}, agreement=agreement, replace=True, context=context
    )
    return bool(saved)


@dataclass(frozen=True)
class _Where:
    """The round and group a save is in (checked by the caller)."""

    round_id: int
    round_name: str
    round_open: bool
    group_id: int
    group_name: str


def _save(
    actor: Actor,
    where: _Where,
    rows: Mapping[int, RowInput],
    *,
    agreement: bool,
    replace: bool,
    context: RequestContext | None,
) -> list[Assessment]:
    """The one write of ratings, for one row (save-as-you-go) or many (the save button),
    on checked and cleaned rows: each child's stored assessment is locked and read, the
    row put on it (:func:`_apply`), and only a change is written, an INSERT or an UPDATE
    per child; then the agreements' follow-up flags, the group's stored counts and the
    access log, once for all rows. A row save is seven statements in all."""
    stored = _stored_assessments(actor, where.round_id, list(rows), agreement)
    now = timezone.now()
    saved: list[Assessment] = []
    moved_from: set[int] = set()
    for cid, row in rows.items():
        a = Assessment(
            municipality_id=actor.municipality_id,
            round_id=where.round_id,
            child_id=cid,
            group_id=where.group_id,
            rater=None if agreement else actor.membership,
            is_agreement=agreement,
        )
        before = stored.get(cid)
        if before is None:
            if not row.ratings and not row.note:
                continue
            _apply(a, row, replace=True)
        else:
            a.pk, a.ratings, a.focus, a.note = before.pk, before.ratings, before.focus, before.note
            if not _apply(a, row, replace=replace):
                continue
            if before.group_id != where.group_id:
                moved_from.add(before.group_id)
        a.updated_by, a.updated_at = actor.membership, now
        if before is None:
            _insert_assessment(a)
        else:
            _update_assessment(a)
        saved.append(a)
    if saved:
        if agreement:
            refresh_follow_up(actor.municipality_id, [a.child_id for a in saved])
        _refresh_counts(
            actor.municipality_id, where.round_id, where.round_open, [where.group_id, *moved_from]
        )
        kind = "fælles vurdering" if agreement else "egen vurdering"
        access_log_record(
            actor=actor,
            child_ids=[a.child_id for a in saved],
            action=Action.CHANGE,
            purpose=Purpose.SCREENING,
            what=f"Trivselsvurdering ({kind}): {where.round_name}, {where.group_name}",
            context=context,
        )
    return saved


@dataclass(frozen=True)
class _Stored:
    """An assessment as a save reads it."""

    pk: int
    group_id: int
    ratings: dict[str, str]
    focus: dict[str, list[str]]
    note: str


def _stored_assessments(
    actor: Actor, round_id: int, child_ids: Sequence[int], agreement: bool
) -> dict[int, _Stored]:
    """The actor's own assessments of the children in the round (or the agreements),
    locked until the transaction ends, by child."""
    if not child_ids:
        return {}
    marks = ", ".join(["%s"] * len(child_ids))
    sql = (
        "SELECT child_id, id, group_id, ratings, focus, note FROM screening_assessment "  # noqa: S608
        f"WHERE municipality_id = %s AND round_id = %s AND child_id IN ({marks}) "
        "AND is_agreement = %s"
    )
    params: list[Any] = [actor.municipality_id, round_id, *child_ids, agreement]
    if not agreement:
        sql += " AND rater_id = %s"
        params.append(actor.membership.pk)
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    return {
        child: _Stored(pk, group, _json(ratings), _json(focus), note)
        for child, pk, group, ratings, focus, note in found
    }


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


@functools.cache
def _statements() -> tuple[list[Field[Any, Any]], str, list[Field[Any, Any]], str]:
    """The two writes of an assessment, made once, on first use, from the model's fields
    (so a new column is in them; the names are the model's, no input reaches them):
    plain statements, because building them with the ORM per save took longer than
    running them (``make load``)."""
    quote = connection.ops.quote_name
    table = quote(Assessment._meta.db_table)  # quoted as the ORM quotes it
    insert_fields = [f for f in Assessment._meta.concrete_fields if not f.primary_key]
    insert = "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING RETURNING id".format(  # noqa: S608
        table,
        ", ".join(quote(str(f.column)) for f in insert_fields),
        ", ".join(["%s"] * len(insert_fields)),
    )
    update_fields = [
        f
        for f in Assessment._meta.concrete_fields
        if f.name in ("ratings", "focus", "note", "position", "group", "updated_by", "updated_at")
    ]
    update = "UPDATE {} SET {} WHERE id = %s".format(  # noqa: S608
        table, ", ".join(f"{quote(str(f.column))} = %s" for f in update_fields)
    )
    return insert_fields, insert, update_fields, update


def _insert_assessment(a: Assessment) -> None:
    """INSERT the new assessment; a colleague's agreement saved a moment ago (the one
    agreement per child and round) refuses the save without aborting the transaction."""
    fields, sql, _, _ = _statements()
    values = [f.get_db_prep_save(f.pre_save(a, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        inserted = cursor.fetchone()
    if inserted is None:
        raise ScreeningError(
            "En kollega har netop gemt den fælles vurdering. Genindlæs siden og prøv igen."
        )
    a.pk = inserted[0]


def _update_assessment(a: Assessment) -> None:
    _, _, fields, sql = _statements()
    values = [f.get_db_prep_save(getattr(a, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, a.pk])


@transaction.atomic
def agreement_from_own(
    *, actor: Actor, round: ScreeningRound, group: Group, context: RequestContext | None = None
) -> int:
    """Start the team's agreement from the staff's own ratings: for each child of the group
    with own ratings and no agreement yet, each area gets the most concerned of the own
    ratings and the focus points of all of them. Returns how many children got one."""
    _check_may_rate(actor, round, group)
    children = list(sel.children_in_group_now(actor, group).values_list("pk", flat=True))
    own = Assessment.objects.filter(
        municipality_id=actor.municipality_id,
        round=round,
        child_id__in=children,
        is_agreement=False,
    ).order_by("id")
    agreed = set(
        Assessment.objects.filter(
            municipality_id=actor.municipality_id,
            round=round,
            child_id__in=children,
            is_agreement=True,
        ).values_list("child_id", flat=True)
    )
    rows: dict[int, RowInput] = {}
    for a in own:
        if a.child_id in agreed:
            continue
        row = rows.setdefault(a.child_id, RowInput())
        for area, colour in a.ratings.items():
            row.ratings[area] = areas.worst([row.ratings.get(area, ""), colour])
        for area, points in a.focus.items():
            row.focus[area] = list(dict.fromkeys([*row.focus.get(area, []), *points]))
    if not rows:
        return 0
    saved = assessment_save_rows(
        actor=actor, round=round, group=group, rows=rows, agreement=True, context=context
    )
    return len(saved)


# ---------------------------------------------------------------------------- stored figures


def refresh_counts(round: ScreeningRound, group_ids: Iterable[int]) -> None:
    """Recount the children by agreed position (and those with own ratings only) of some
    groups of the round, on their :class:`RoundGroup` rows: one UPDATE whose subqueries
    count each group's assessments (and, in an open round, its children now enrolled),
    each through the index ``assessment_overview``.

    Written in SQL, not built by the ORM: it runs with every save-as-you-go, the screening
    week's most frequent request, and building its six subqueries took longer than
    running them (``make load``). ``tests/screening`` checks the figures."""
    _refresh_counts(round.municipality_id, round.pk, round.is_open, group_ids)


def _refresh_counts(
    municipality_id: int, round_id: int, is_open: bool, group_ids: Iterable[int]
) -> None:
    ids = list(dict.fromkeys(group_ids))
    if not ids:
        return
    values: dict[str, Any] = {
        "m": municipality_id,
        "r": round_id,
        "yes": True,
        "no": False,
        "today": connection.ops.adapt_datefield_value(timezone.localdate()),
        **{c: c for c in areas.COLOURS},
    }
    with connection.cursor() as cursor:
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            sql, names = _counts_sql(is_open, len(part))
            cursor.execute(sql, [*(values[name] for name in names), *part])


# Parameters by name: m municipality, r round, yes/no is_agreement, today the date.
_COUNTS = """
UPDATE screening_roundgroup SET
  groen = (SELECT COUNT(*) FROM screening_assessment x WHERE x.municipality_id = %s
    AND x.round_id = %s AND x.is_agreement = %s AND x.group_id = screening_roundgroup.group_id
    AND x.position = %s),
  gul = (SELECT COUNT(*) FROM screening_assessment x WHERE x.municipality_id = %s
    AND x.round_id = %s AND x.is_agreement = %s AND x.group_id = screening_roundgroup.group_id
    AND x.position = %s),
  roed = (SELECT COUNT(*) FROM screening_assessment x WHERE x.municipality_id = %s
    AND x.round_id = %s AND x.is_agreement = %s AND x.group_id = screening_roundgroup.group_id
    AND x.position = %s),
  own_only = (SELECT COUNT(DISTINCT x.child_id) FROM screening_assessment x
    WHERE x.municipality_id = %s AND x.round_id = %s AND x.is_agreement = %s
    AND x.group_id = screening_roundgroup.group_id
    AND NOT EXISTS (SELECT 1 FROM screening_assessment y WHERE y.municipality_id = %s
      AND y.round_id = %s AND y.is_agreement = %s AND y.group_id = x.group_id
      AND y.child_id = x.child_id AND y.position <> ''))"""
_COUNTS_PARAMS = (
    *("m", "r", "yes", "groen"),
    *("m", "r", "yes", "gul"),
    *("m", "r", "yes", "roed"),
    *("m", "r", "no", "m", "r", "yes"),
)
_ENROLLED = """,
  enrolled = (SELECT COUNT(*) FROM registry_enrolment z WHERE z.municipality_id = %s
    AND z.group_id = screening_roundgroup.group_id AND z.start <= %s
    AND (z."end" IS NULL OR z."end" >= %s))"""
_ENROLLED_PARAMS = ("m", "today", "today")
_WHERE = """
WHERE municipality_id = %s AND round_id = %s AND group_id IN ({})"""
_WHERE_PARAMS = ("m", "r")


def _counts_sql(is_open: bool, n: int) -> tuple[str, tuple[str, ...]]:
    """The statement for ``n`` groups and the names of its parameters (before the ids). A
    closed round keeps the children it had."""
    sql = _COUNTS + (_ENROLLED if is_open else "") + _WHERE.format(", ".join(["%s"] * n))
    return sql, _COUNTS_PARAMS + (_ENROLLED_PARAMS if is_open else ()) + _WHERE_PARAMS


def _enrolled_now(municipality_id: int, group_ids: list[int]) -> dict[int, int]:
    today = timezone.localdate()
    return dict(
        Enrolment.objects.filter(
            Q(start__lte=today) & (Q(end__isnull=True) | Q(end__gte=today)),
            municipality_id=municipality_id,
            group_id__in=group_ids,
        )
        .values_list("group_id")
        .annotate(n=Count("id"))
        .order_by()
    )


def follow_up_needed(position: str, previous: str) -> bool:
    return position == areas.RED or (position in areas.CONCERNING and previous in areas.CONCERNING)


def refresh_follow_up(municipality_id: int, child_ids: Iterable[int]) -> None:
    """Set each agreement's previous position and follow-up flag for these children, in
    every round (a change in one round can change the next). Two queries per 2000."""
    ids = list(dict.fromkeys(child_ids))
    for i in range(0, len(ids), 2000):
        part = ids[i : i + 2000]
        rows = list(
            Assessment.objects.filter(
                municipality_id=municipality_id, child_id__in=part, is_agreement=True
            )
            .order_by("child_id", "round__starts", "round_id")
            .only("id", "child_id", "position", "previous_position", "follow_up")
        )
        changed = []
        last: dict[int, str] = {}
        for a in rows:
            previous = last.get(a.child_id, "")
            needed = follow_up_needed(a.position, previous)
            if (a.previous_position, a.follow_up) != (previous, needed):
                a.previous_position, a.follow_up = previous, needed
                changed.append(a)
            if a.position:
                last[a.child_id] = a.position
        Assessment.objects.bulk_update(changed, ["previous_position", "follow_up"], batch_size=500)


@transaction.atomic
def round_refresh(round: ScreeningRound) -> None:
    """Recompute a round's stored figures from its assessments (after data is loaded by
    other means than the services, e.g. an import)."""
    refresh_counts(round, round.groups.values_list("group_id", flat=True))
    refresh_follow_up(
        round.municipality_id,
        Assessment.objects.filter(round=round, is_agreement=True).values_list(
            "child_id", flat=True
        ),
    )


# ---------------------------------------------------------------------------- consent


def _consent_label(consent: Consent) -> str:
    return f"{consent.get_kind_display().lower()} ({consent.get_recipient_display()})"


@transaction.atomic
def consent_record(
    *,
    actor: Actor,
    child: Child,
    kind: str,
    recipient: str,
    valid_from: dt.date | None,
    valid_to: dt.date | None = None,
    legal_basis: str = "",
    given_by: str = "",
    institution: Institution | None = None,
    context: RequestContext | None = None,
) -> Consent:
    """Record parents' consent or a legal basis for sharing the child's screening."""
    if not registry.may_see_child(actor, child):
        raise ScreeningError("Barnet findes ikke.")
    if kind not in Consent.Kind.values:
        raise ScreeningError("Vælg samtykke eller lovhjemmel.", field="kind")
    if recipient not in Recipient.values:
        raise ScreeningError("Vælg, hvem oplysningerne må deles med.", field="recipient")
    legal_basis, given_by = (legal_basis or "").strip(), (given_by or "").strip()
    if kind == Consent.Kind.CONSENT and not given_by:
        raise ScreeningError(
            "Skriv, hvem der gav samtykket (navn og relation, fx »Mor, Anne Hansen«).",
            field="given_by",
        )
    if kind == Consent.Kind.LEGAL and not legal_basis:
        raise ScreeningError(
            "Skriv lovhjemlen, fx »Barnets lov § 11« eller »Serviceloven § 49 b«.",
            field="legal_basis",
        )
    if valid_from is None:
        raise ScreeningError("Angiv, fra hvilken dato det gælder.", field="valid_from")
    if valid_to is not None and valid_to < valid_from:
        raise ScreeningError("Slutdatoen ligger før startdatoen.", field="valid_to")
    if recipient == Recipient.INSTITUTION and institution is None:
        raise ScreeningError("Vælg den modtagende institution.", field="institution")
    if institution is not None and institution.municipality_id != actor.municipality_id:
        raise ScreeningError("Institutionen findes ikke.", field="institution")
    consent = Consent.objects.create(
        municipality_id=actor.municipality_id,
        child=child,
        kind=kind,
        legal_basis=legal_basis[:200],
        recipient=recipient,
        institution=institution,
        given_by=given_by[:150],
        valid_from=valid_from,
        valid_to=valid_to,
        recorded_by=actor.membership,
    )
    access_log_record(
        actor=actor,
        child_ids=[child.pk],
        action=Action.CREATE,
        purpose=Purpose.SCREENING,
        what=f"Registrerede {_consent_label(consent)}",
        context=context,
    )
    return consent


@transaction.atomic
def consent_revoke(
    *,
    actor: Actor,
    consent: Consent,
    on: dt.date | None = None,
    context: RequestContext | None = None,
) -> Consent:
    if consent.revoked_on is not None:
        raise ScreeningError("Samtykket er allerede tilbagekaldt.")
    consent.revoked_on = on or timezone.localdate()
    if consent.revoked_on < consent.valid_from:
        consent.revoked_on = consent.valid_from
    consent.save(update_fields=["revoked_on"])
    access_log_record(
        actor=actor,
        child_ids=[consent.child_id],
        action=Action.CHANGE,
        purpose=Purpose.SCREENING,
        what=f"Tilbagekaldte {_consent_label(consent)}",
        context=context,
    )
    return consent


def parse_row(data: QueryDict, child_id: int) -> RowInput:
    """One child's row of a grid form, before the round is known: every ``r-<child>-<area>``
    and ``f-<child>-<area>`` field; :func:`assessment_save_row` refuses unknown areas."""
    row = RowInput(note=data.get(f"n-{child_id}"))
    rating, focus = f"r-{child_id}-", f"f-{child_id}-"
    for name in data:
        if name.startswith(rating):
            row.ratings[name[len(rating) :]] = data.get(name, "")
        elif name.startswith(focus):
            row.focus[name[len(focus) :]] = list(data.getlist(name))
    return row


def parse_rows(
    data: QueryDict, round: ScreeningRound, child_ids: Iterable[int]
) -> dict[int, RowInput]:
    """Read a grid form (``r-<child>-<area>``, ``f-<child>-<area>`` checkboxes,
    ``n-<child>``) for the given children. ``data`` is a QueryDict."""
    rows: dict[int, RowInput] = {}
    keys = round.area_keys()
    for cid in child_ids:
        row = RowInput()
        for area in keys:
            value = data.get(f"r-{cid}-{area}")
            if value is not None:
                row.ratings[area] = value
            row.focus[area] = list(data.getlist(f"f-{cid}-{area}"))
        note = data.get(f"n-{cid}")
        row.note = note
        rows[cid] = row
    return rows
