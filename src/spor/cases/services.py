"""Writes to cases and the catalogue. Each service takes the acting :class:`Actor`, checks
its input again (the forms check first, for the screens), makes the change, appends a line
to the case's timeline and writes the access log for a child's case, all in one
transaction: either everything is saved or nothing is.

Bad input raises :class:`django.core.exceptions.ValidationError` with a Danish message that
says what to fix (a dict by field name where one field is at fault). Someone who may not
make the change gets :class:`django.core.exceptions.PermissionDenied`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import Membership, Profession, Role
from spor.audit.models import Action, Purpose
from spor.audit.services import access_log_record
from spor.cases import kle, selectors
from spor.cases.matching import NEEDS
from spor.cases.models import (
    CLOSE_FIELDS,
    PEJLEMAERKER,
    SPECIALISED_KINDS,
    START_FIELDS,
    Case,
    CaseEvent,
    CaseMember,
    CoordinatorAssignment,
    Delivery,
    DeliveryHours,
    DeliveryStatus,
    EventKind,
    Goal,
    GoalStatus,
    Intervention,
    InterventionType,
    KnowledgeBase,
    Level,
    Meeting,
    OpenedFrom,
    Outcome,
    Participant,
    Relation,
    Status,
    Target,
)
from spor.concerns.models import Concern
from spor.concerns.services import concern_case_started
from spor.lib.context import RequestContext
from spor.lib.forms import raise_errors
from spor.notifications.services import (
    Overdue,
    notifications_overdue,
    notify_case_member_added,
)
from spor.registry.models import Child, Group
from spor.screening.models import Consent
from spor.screening.selectors import RECIPIENT_OF_ROLE

# The messages, shared with the forms so that the screens and the services say the same.
MSG_NOT_ALLOWED_OPEN = "Kun PPR-medarbejdere og PPR-lederen kan starte et forløb."
MSG_NOT_ALLOWED = "Kun forløbets team og PPR-lederen kan ændre forløbet."
MSG_NOT_ALLOWED_REMOVE = "Kun forløbets tovholder og PPR-lederen kan stoppe andre i teamet."
MSG_NOT_ALLOWED_CATALOGUE = "Kun PPR-lederen kan ændre indsatsvifte."
MSG_CLOSED = "Forløbet er afsluttet og kan ikke ændres. Du kan stadig skrive et notat."
MSG_CHILD_OR_GROUP = (
    "Et forløb handler om ét barn eller ét børnefællesskab, ikke begge og ikke ingen."
)
MSG_OTHER_MUNICIPALITY_CHILD = "Barnet findes ikke i din kommune."
MSG_OTHER_MUNICIPALITY_GROUP = "Gruppen findes ikke i din kommune."
MSG_CONCERN = "Bekymringen findes ikke i din kommune."
MSG_TITLE = "Skriv en kort titel, der siger, hvad forløbet handler om."
MSG_LEVEL = "Vælg forløbets niveau: forebyggende, foregribende eller indgribende."
MSG_OPENED_FUTURE = "Startdatoen kan ikke ligge i fremtiden."
MSG_DATE_MISSING = "Angiv en dato."
MSG_STAFF = "Personen skal være en aktiv medarbejder i din kommune."
MSG_MEMBER_OTHER_MUNICIPALITY = (
    "Teammedlemmet skal være en aktiv medarbejder i din kommune. "
    "Personer fra andre kommuner kan ikke være med i teamet."
)
MSG_NEEDS = "Vælg behovsområderne i listen."
MSG_ALREADY_MEMBER = "Personen er allerede med i teamet."
MSG_MEMBER_ROLE = "Skriv personens rolle i forløbet, fx »Samtaler med barnet«."
MSG_MEMBER_BASIS = (
    "Personen er ikke i PPR: angiv forældremyndighedens samtykke eller hjemlen i "
    "lovgivningen, før oplysningerne om barnet deles med hende eller ham."
)
# Roles inside PPR: their staff may join a team without a consent or legal basis of its own.
PPR_ROLES = (Role.PPR, Role.LEAD)
MSG_COORDINATOR_LEAVES = "Tovholderen kan ikke forlade teamet. Vælg først en ny tovholder."
MSG_ALREADY_LEFT = "Personen er allerede stoppet i teamet."
MSG_COORDINATOR_NOT_MEMBER = "Tovholderen skal være med i teamet. Tilføj personen til teamet først."
MSG_PARTICIPANT_NAME = "Skriv deltagerens navn."
MSG_RELATION = "Vælg deltagerens relation til barnet."
MSG_GOAL_TEXT = "Skriv målet, som det er aftalt med barnet og familien."
MSG_GOAL_RESPONSIBLE = "Den ansvarlige for målet skal være med i forløbets team."
MSG_FOLLOW_UP_PAST = "Opfølgningsdatoen kan ikke ligge før i dag. Vælg i dag eller en senere dato."
MSG_FOLLOW_UP_MISSING = "Angiv en opfølgningsdato."
MSG_GOAL_STATUS = "Vælg målets status."
MSG_MEETING_FUTURE = "Mødedatoen kan ikke ligge i fremtiden. Skriv referatet, når mødet er holdt."
MSG_MEETING_BEFORE = "Mødet kan ikke ligge før forløbet startede ({day})."
MSG_MEETING_PARTICIPANTS = "Skriv, hvem der deltog i mødet."
MSG_MEETING_DECISIONS = "Skriv, hvad der blev besluttet på mødet."
MSG_NOTE = "Skriv notatet, før du gemmer det."
MSG_INTERVENTION = "Vælg en aktiv indsats fra kommunens indsatsvifte."
MSG_START_MISSING = "Angiv, hvornår indsatsen starter."
MSG_END_BEFORE_START = "Slutdatoen kan ikke ligge før startdatoen. Ret en af datoerne."
MSG_FINISHED_NEEDS_END = "En afsluttet indsats skal have en slutdato."
MSG_DELIVERY_STATUS = "Vælg indsatsens status."
MSG_HOURS = "Timer skal være et tal fra 0 til 2000, fx 4 eller 2,5."
MSG_OUTCOME = "Vælg et udfald for at afslutte forløbet."
MSG_CLOSED_FUTURE = "Afslutningsdatoen kan ikke ligge i fremtiden."
MSG_CLOSED_BEFORE = "Afslutningsdatoen kan ikke ligge før forløbet startede ({day})."
MSG_CLOSE_FLAG = "Angiv, om barnet ved afslutningen er henvist til eller modtager: {what}."
MSG_NAME = "Skriv indsatsens navn."
MSG_NAME_TAKEN = "Der er allerede en indsats med det navn i indsatsvifte."
MSG_DESCRIPTION = "Beskriv indsatsen kort."
MSG_KIND = "Vælg indsatsens type."
MSG_TARGETS = "Vælg mindst én målgruppe."
MSG_AGES = "Alderen »fra« kan ikke være højere end alderen »til«."
MSG_AGE_RANGE = "Alderen skal være mellem 0 og 25 år."
MSG_PROVIDER = "Skriv, hvem der udbyder indsatsen: PPR eller en anden enhed."
MSG_EXPECTED = "Angiv forventede timer og varighed som tal, 0 eller mere."
MSG_KNOWLEDGE = "Vælg indsatsens vidensgrundlag."
MSG_PEJLEMAERKER = "Pejlemærker er tallene 1 til 5."

MAX_HOURS = Decimal(2000)


def _person(m: Membership) -> str:
    return m.user.get_full_name() or m.user.get_username()


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _check_work(actor: Actor, case: Case, *, allow_closed: bool = False) -> None:
    if not selectors.may_work_on(actor, case):
        raise PermissionDenied(MSG_NOT_ALLOWED)
    if not allow_closed and not case.is_open:
        raise ValidationError(MSG_CLOSED)


def _locked(case: Case) -> Case:
    """The case re-read under a row lock, so that two people changing it at once queue."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("child", "group__institution")
        .get(pk=case.pk, municipality_id=case.municipality_id)
    )


def _event(
    actor: Actor, case: Case, kind: EventKind, text: str, on: dt.date | None = None
) -> CaseEvent:
    return CaseEvent.objects.create(
        municipality_id=actor.municipality_id,
        case=case,
        on=on or timezone.localdate(),
        author=actor.membership,
        kind=kind,
        text=text,
    )


def _touch(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())


def _log(
    actor: Actor, case: Case, action: Action, what: str, context: RequestContext | None
) -> None:
    """The access log is per child; a case about a group names no child."""
    if case.child_id is not None:
        access_log_record(
            actor=actor,
            child_ids=[case.child_id],
            action=action,
            purpose=Purpose.CASEWORK,
            what=what,
            context=context,
        )


def _staff_ok(actor: Actor, membership: Membership | None) -> bool:
    return (
        membership is not None
        and membership.municipality_id == actor.municipality_id
        and membership.active
    )


def _check_not_past(day: dt.date | None, field: str, errors: dict[str, str]) -> None:
    if day is None:
        errors[field] = MSG_FOLLOW_UP_MISSING
    elif day < timezone.localdate():
        errors[field] = MSG_FOLLOW_UP_PAST


# --------------------------------------------------------------------------- opening


@transaction.atomic
def case_open(
    *,
    actor: Actor,
    title: str,
    level: str,
    child: Child | None = None,
    group: Group | None = None,
    source_concern: Concern | None = None,
    source_assessment_id: int | None = None,
    opened_on: dt.date | None = None,
    coordinator: Membership | None = None,
    specialised_at_start: Mapping[str, bool] | None = None,
    kle_number: str | None = None,
    context: RequestContext | None = None,
) -> Case:
    """Open a case about a child or a group of the actor's municipality. The opener joins
    the team, and is the coordinator unless another member of staff is named (who then
    joins the team too). ``specialised_at_start`` maps ``start_<kind>`` to True/False."""
    if not selectors.may_open(actor):
        raise PermissionDenied(MSG_NOT_ALLOWED_OPEN)
    today = timezone.localdate()
    opened_on = opened_on or today
    errors: dict[str, str] = {}
    if source_concern is not None:
        if source_concern.municipality_id != actor.municipality_id:
            errors["__all__"] = MSG_CONCERN
        elif child is None and group is None:
            child, group = source_concern.child, source_concern.group
    if (child is None) == (group is None):
        errors.setdefault("__all__", MSG_CHILD_OR_GROUP)
    elif child is not None and child.municipality_id != actor.municipality_id:
        errors["child"] = MSG_OTHER_MUNICIPALITY_CHILD
    elif group is not None and group.municipality_id != actor.municipality_id:
        errors["group"] = MSG_OTHER_MUNICIPALITY_GROUP
    if not title.strip():
        errors["title"] = MSG_TITLE
    if level not in Level.values:
        errors["level"] = MSG_LEVEL
    if opened_on > today:
        errors["opened_on"] = MSG_OPENED_FUTURE
    subject = kle.default()
    try:
        subject = kle.check(kle_number) if kle_number is not None else subject
    except kle.KLEError as exc:
        errors["kle_number"] = str(exc)
    coordinator = coordinator or actor.membership
    if not _staff_ok(actor, coordinator):
        errors["coordinator"] = MSG_STAFF
    raise_errors(errors)

    flags = {name: bool((specialised_at_start or {}).get(name, False)) for name in START_FIELDS}
    if child is None:  # the four questions are about a child
        flags = dict.fromkeys(START_FIELDS, False)
    opened_from = (
        OpenedFrom.CONCERN
        if source_concern is not None
        else OpenedFrom.SCREENING
        if source_assessment_id is not None
        else OpenedFrom.DIRECT
    )
    case = Case.objects.create(
        municipality_id=actor.municipality_id,
        child=child,
        group=group,
        title=title.strip(),
        level=level,
        kle_number=subject,
        opened_from=opened_from,
        source_concern=source_concern,
        source_assessment_id=source_assessment_id,
        opened_on=opened_on,
        opened_by=actor.membership,
        **flags,
    )
    team = [actor.membership] + ([coordinator] if coordinator.pk != actor.membership.pk else [])
    CaseMember.objects.bulk_create(
        [
            CaseMember(
                municipality_id=actor.municipality_id,
                case=case,
                membership=m,
                role=m.get_profession_display(),
                joined_on=opened_on,
            )
            for m in team
        ]
    )
    CoordinatorAssignment.objects.create(
        municipality_id=actor.municipality_id, case=case, membership=coordinator, from_on=opened_on
    )
    source = {
        OpenedFrom.CONCERN: "fra en bekymring",
        OpenedFrom.SCREENING: "fra en trivselsvurdering",
        OpenedFrom.DIRECT: "direkte",
    }[opened_from]
    _event(
        actor,
        case,
        EventKind.OPENED,
        f"Startet {source}: {case.title} ({case.get_level_display().lower()}). "
        f"Tovholder: {_person(coordinator)}.",
        on=opened_on,
    )
    _log(actor, case, Action.CREATE, "Forløb startet", context)
    if source_concern is not None:
        concern_case_started(actor=actor, concern=source_concern, case_id=case.pk, context=context)
    return case


# --------------------------------------------------------------------------- team


@transaction.atomic
def case_member_add(
    *,
    actor: Actor,
    case: Case,
    membership: Membership | None,
    role: str,
    basis: str = "",
    context: RequestContext | None = None,
) -> CaseMember:
    """Add a member of staff of the same municipality to the team, with their role. Someone
    outside PPR (a teacher, a health visitor, a social worker) joins only on a recorded
    ``basis``: the parents' consent or a legal basis, which the case's log keeps."""
    _check_work(actor, case)
    errors: dict[str, str] = {}
    if not _staff_ok(actor, membership):
        errors["membership"] = MSG_MEMBER_OTHER_MUNICIPALITY
    elif selectors.is_current_member(actor, case, membership):
        errors["membership"] = MSG_ALREADY_MEMBER
    elif membership is not None and membership.role not in PPR_ROLES and not basis.strip():
        errors["basis"] = MSG_MEMBER_BASIS
    if not role.strip():
        errors["role"] = MSG_MEMBER_ROLE
    raise_errors(errors)
    assert membership is not None
    case = _locked(case)
    member = CaseMember.objects.create(
        municipality_id=actor.municipality_id,
        case=case,
        membership=membership,
        role=role.strip(),
        joined_on=timezone.localdate(),
    )
    _event(
        actor,
        case,
        EventKind.MEMBER_ADDED,
        f"{_person(membership)} ({membership.get_profession_display().lower()}): {member.role}"
        + (f". Grundlag: {basis.strip()}" if basis.strip() else ""),
    )
    _record_screening_basis(actor, case, membership, basis)
    _touch(case)
    _log(actor, case, Action.CHANGE, "Nyt teammedlem i forløb", context)
    notify_case_member_added(actor=actor, case_id=case.pk, recipient=membership.user)
    return member


# Someone outside PPR whose unit has a recipient of screening results: the basis given when
# they join a child's team is recorded as that unit's consent or legal basis, so the child's
# screening position is shown to them (spor.screening.selectors).
def _record_screening_basis(actor: Actor, case: Case, membership: Membership, basis: str) -> None:
    recipient = RECIPIENT_OF_ROLE.get(membership.role)
    basis = basis.strip()
    if recipient is None or case.child_id is None or not basis:
        return
    consent = basis.lower().startswith("samtykke")
    Consent.objects.create(
        municipality_id=actor.municipality_id,
        child_id=case.child_id,
        kind=Consent.Kind.CONSENT if consent else Consent.Kind.LEGAL,
        legal_basis="" if consent else basis[:200],
        given_by=basis[:150] if consent else "",
        recipient=recipient,
        valid_from=timezone.localdate(),
        recorded_by=actor.membership,
    )


@transaction.atomic
def case_member_leave(
    *, actor: Actor, member: CaseMember, context: RequestContext | None = None
) -> CaseMember:
    """A member leaves the team (kept in the history). Only the case's coordinator and the
    lead may stop someone else; anyone may stop themselves. The coordinator cannot leave
    before a new coordinator is chosen."""
    case = member.case
    _check_work(actor, case)
    case = _locked(case)
    member = CaseMember.objects.select_related("membership__user").get(
        pk=member.pk, municipality_id=actor.municipality_id
    )
    coordinator = selectors.current_coordinator(actor, case)
    if not (
        actor.is_lead
        or member.membership_id == actor.membership.pk
        or (coordinator is not None and coordinator.membership_id == actor.membership.pk)
    ):
        raise PermissionDenied(MSG_NOT_ALLOWED_REMOVE)
    if member.left_on is not None:
        raise ValidationError(MSG_ALREADY_LEFT)
    if coordinator is not None and coordinator.membership_id == member.membership_id:
        raise ValidationError(MSG_COORDINATOR_LEAVES)
    member.left_on = max(timezone.localdate(), member.joined_on)
    member.save(update_fields=["left_on"])
    _event(actor, case, EventKind.MEMBER_LEFT, f"{_person(member.membership)} ({member.role})")
    _touch(case)
    _log(actor, case, Action.CHANGE, "Teammedlem stoppet i forløb", context)
    return member


@transaction.atomic
def case_coordinator_change(
    *,
    actor: Actor,
    case: Case,
    membership: Membership | None,
    context: RequestContext | None = None,
) -> CoordinatorAssignment:
    """Name a new coordinator from the team; the earlier assignment ends today and is kept."""
    _check_work(actor, case)
    if not _staff_ok(actor, membership) or not selectors.is_current_member(actor, case, membership):
        raise ValidationError({"membership": MSG_COORDINATOR_NOT_MEMBER})
    assert membership is not None
    case = _locked(case)
    today = timezone.localdate()
    current = selectors.current_coordinator(actor, case)
    if current is not None and current.membership_id == membership.pk:
        return current
    before = ""
    if current is not None:
        current.to_on = max(today, current.from_on)
        current.save(update_fields=["to_on"])
        before = f"{_person(current.membership)} → "
    assignment = CoordinatorAssignment.objects.create(
        municipality_id=actor.municipality_id,
        case=case,
        membership=membership,
        from_on=today,
    )
    _event(actor, case, EventKind.COORDINATOR, f"{before}{_person(membership)}")
    _touch(case)
    _log(actor, case, Action.CHANGE, "Ny tovholder for forløb", context)
    return assignment


@transaction.atomic
def participant_add(
    *,
    actor: Actor,
    case: Case,
    name: str,
    relation: str,
    contact: str = "",
    context: RequestContext | None = None,
) -> Participant:
    """Family or network taking part (not users of Spor)."""
    _check_work(actor, case)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = MSG_PARTICIPANT_NAME
    if relation not in Relation.values:
        errors["relation"] = MSG_RELATION
    raise_errors(errors)
    participant = Participant.objects.create(
        municipality_id=actor.municipality_id,
        case=case,
        name=name.strip(),
        relation=relation,
        contact=contact.strip(),
        added_on=timezone.localdate(),
    )
    _event(
        actor,
        case,
        EventKind.PARTICIPANT,
        f"{participant.name} ({participant.get_relation_display().lower()})",
    )
    _touch(case)
    _log(actor, case, Action.CHANGE, "Ny deltager i forløb", context)
    return participant


# --------------------------------------------------------------------------- goals


@transaction.atomic
def goal_add(
    *,
    actor: Actor,
    case: Case,
    text: str,
    child_words: str = "",
    responsible: Membership | None,
    follow_up_on: dt.date | None,
    context: RequestContext | None = None,
) -> Goal:
    """A goal agreed with child and family: the child's own words, a responsible team
    member and a follow-up date today or later."""
    _check_work(actor, case)
    errors: dict[str, str] = {}
    if not text.strip():
        errors["text"] = MSG_GOAL_TEXT
    if not _staff_ok(actor, responsible) or not selectors.is_current_member(
        actor, case, responsible
    ):
        errors["responsible"] = MSG_GOAL_RESPONSIBLE
    _check_not_past(follow_up_on, "follow_up_on", errors)
    raise_errors(errors)
    assert responsible is not None and follow_up_on is not None
    goal = Goal.objects.create(
        municipality_id=actor.municipality_id,
        case=case,
        text=text.strip(),
        child_words=child_words.strip(),
        responsible=responsible,
        follow_up_on=follow_up_on,
        created_on=timezone.localdate(),
    )
    words = f" Barnets ord: »{_short(goal.child_words)}«." if goal.child_words else ""
    _event(
        actor,
        case,
        EventKind.GOAL_ADDED,
        f"{_short(goal.text)}.{words} Ansvarlig: {_person(responsible)}; "
        f"opfølgning {follow_up_on:%d.%m.%Y}.",
    )
    _touch(case)
    _log(actor, case, Action.CHANGE, "Mål i forløb", context)
    return goal


@transaction.atomic
def goal_update(
    *,
    actor: Actor,
    goal: Goal,
    status: str,
    follow_up_on: dt.date | None,
    note: str = "",
    context: RequestContext | None = None,
) -> Goal:
    """Follow up a goal: a new status and/or a new follow-up date (today or later)."""
    case = goal.case
    _check_work(actor, case)
    errors: dict[str, str] = {}
    if status not in GoalStatus.values:
        errors["status"] = MSG_GOAL_STATUS
    if follow_up_on is None:
        errors["follow_up_on"] = MSG_FOLLOW_UP_MISSING
    elif follow_up_on != goal.follow_up_on:
        _check_not_past(follow_up_on, "follow_up_on", errors)
    raise_errors(errors)
    assert follow_up_on is not None
    changes: list[str] = []
    if status != goal.status:
        changes.append(f"{goal.get_status_display()} → {GoalStatus(status).label}")
    if follow_up_on != goal.follow_up_on:
        changes.append(f"ny opfølgning {follow_up_on:%d.%m.%Y}")
    if not changes and not note.strip():
        return goal
    goal.status = status
    goal.follow_up_on = follow_up_on
    goal.save(update_fields=["status", "follow_up_on"])
    text = f"{_short(goal.text)}: " + ("; ".join(changes) or "opfølgning")
    if note.strip():
        text += f". {note.strip()}"
    _event(actor, case, EventKind.GOAL_CHANGED, text)
    _touch(case)
    _log(actor, case, Action.CHANGE, "Mål fulgt op i forløb", context)
    return goal


# --------------------------------------------------------------------------- meetings, notes


@transaction.atomic
def meeting_add(
    *,
    actor: Actor,
    case: Case,
    held_on: dt.date | None,
    participants: str,
    decisions: str,
    next_steps: str = "",
    context: RequestContext | None = None,
) -> Meeting:
    _check_work(actor, case)
    errors: dict[str, str] = {}
    if held_on is None:
        errors["held_on"] = MSG_DATE_MISSING
    elif held_on > timezone.localdate():
        errors["held_on"] = MSG_MEETING_FUTURE
    elif held_on < case.opened_on:
        errors["held_on"] = MSG_MEETING_BEFORE.format(day=f"{case.opened_on:%d.%m.%Y}")
    if not participants.strip():
        errors["participants"] = MSG_MEETING_PARTICIPANTS
    if not decisions.strip():
        errors["decisions"] = MSG_MEETING_DECISIONS
    raise_errors(errors)
    assert held_on is not None
    meeting = Meeting.objects.create(
        municipality_id=actor.municipality_id,
        case=case,
        held_on=held_on,
        participants=participants.strip(),
        decisions=decisions.strip(),
        next_steps=next_steps.strip(),
        recorded_by=actor.membership,
    )
    text = f"Beslutninger: {_short(meeting.decisions, 120)}"
    if meeting.next_steps:
        text += f" Næste skridt: {_short(meeting.next_steps, 120)}"
    _event(actor, case, EventKind.MEETING, text, on=held_on)
    _touch(case)
    _log(actor, case, Action.CHANGE, "Mødereferat i forløb", context)
    return meeting


@transaction.atomic
def case_note_add(
    *, actor: Actor, case: Case, text: str, context: RequestContext | None = None
) -> CaseEvent:
    """A note on the timeline; also on a closed case."""
    _check_work(actor, case, allow_closed=True)
    if not text.strip():
        raise ValidationError({"text": MSG_NOTE})
    event = _event(actor, case, EventKind.NOTE, text.strip())
    _touch(case)
    _log(actor, case, Action.CHANGE, "Notat i forløb", context)
    return event


# --------------------------------------------------------------------------- deliveries


def _clean_hours(hours: Mapping[str, Any] | None, errors: dict[str, str]) -> dict[str, Decimal]:
    cleaned: dict[str, Decimal] = {}
    for profession, value in (hours or {}).items():
        if value in (None, ""):
            continue
        try:
            amount = Decimal(str(value).replace(",", "."))
        except ArithmeticError:
            amount = Decimal(-1)
        if profession not in Profession.values or not amount.is_finite():
            errors[f"hours_{profession}"] = MSG_HOURS
            continue
        if amount < 0 or amount > MAX_HOURS:
            errors[f"hours_{profession}"] = MSG_HOURS
        elif amount > 0:
            cleaned[profession] = amount.quantize(Decimal("0.1"))
    return cleaned


def _check_delivery(
    start: dt.date | None, end: dt.date | None, status: str, errors: dict[str, str]
) -> None:
    if start is None:
        errors["start"] = MSG_START_MISSING
    elif end is not None and end < start:
        errors["end"] = MSG_END_BEFORE_START
    if status not in DeliveryStatus.values:
        errors["status"] = MSG_DELIVERY_STATUS
    elif status == DeliveryStatus.FINISHED and end is None:
        errors.setdefault("end", MSG_FINISHED_NEEDS_END)


def _hours_text(hours: Mapping[str, Decimal]) -> str:
    if not hours:
        return "ingen timer registreret"
    return ", ".join(
        f"{Profession(p).label.lower()} {str(h).replace('.', ',')} t" for p, h in hours.items()
    )


@transaction.atomic
def delivery_add(
    *,
    actor: Actor,
    case: Case,
    intervention: Intervention | None,
    start: dt.date | None,
    end: dt.date | None = None,
    status: str = DeliveryStatus.PLANNED,
    hours: Mapping[str, Any] | None = None,
    note: str = "",
    context: RequestContext | None = None,
) -> Delivery:
    """Give a catalogue intervention in the case, with its hours by profession."""
    _check_work(actor, case)
    errors: dict[str, str] = {}
    if (
        intervention is None
        or intervention.municipality_id != actor.municipality_id
        or not intervention.active
    ):
        errors["intervention"] = MSG_INTERVENTION
    _check_delivery(start, end, status, errors)
    cleaned = _clean_hours(hours, errors)
    raise_errors(errors)
    assert intervention is not None and start is not None
    delivery = Delivery.objects.create(
        municipality_id=actor.municipality_id,
        case=case,
        intervention=intervention,
        start=start,
        end=end,
        status=status,
        note=note.strip(),
    )
    DeliveryHours.objects.bulk_create(
        [
            DeliveryHours(
                municipality_id=actor.municipality_id,
                delivery=delivery,
                profession=p,
                hours=h,
            )
            for p, h in cleaned.items()
        ]
    )
    period = f"fra {start:%d.%m.%Y}" + (f" til {end:%d.%m.%Y}" if end else "")
    _event(
        actor,
        case,
        EventKind.DELIVERY_ADDED,
        f"{intervention.name} ({delivery.get_status_display().lower()}, {period}); "
        f"{_hours_text(cleaned)}",
        on=min(start, timezone.localdate()),
    )
    _touch(case)
    _log(actor, case, Action.CHANGE, "Indsats iværksat i forløb", context)
    return delivery


@transaction.atomic
def delivery_update(
    *,
    actor: Actor,
    delivery: Delivery,
    start: dt.date | None,
    end: dt.date | None,
    status: str,
    hours: Mapping[str, Any] | None,
    note: str = "",
    context: RequestContext | None = None,
) -> Delivery:
    """Change a delivery's dates, status and hours (the hours replace the earlier ones)."""
    case = delivery.case
    _check_work(actor, case)
    errors: dict[str, str] = {}
    _check_delivery(start, end, status, errors)
    cleaned = _clean_hours(hours, errors)
    raise_errors(errors)
    assert start is not None
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("intervention")
        .get(pk=delivery.pk, municipality_id=actor.municipality_id)
    )
    delivery.start, delivery.end, delivery.status = start, end, status
    delivery.note = note.strip()
    delivery.save(update_fields=["start", "end", "status", "note"])
    DeliveryHours.objects.filter(municipality_id=actor.municipality_id, delivery=delivery).delete()
    DeliveryHours.objects.bulk_create(
        [
            DeliveryHours(
                municipality_id=actor.municipality_id, delivery=delivery, profession=p, hours=h
            )
            for p, h in cleaned.items()
        ]
    )
    period = f"fra {start:%d.%m.%Y}" + (f" til {end:%d.%m.%Y}" if end else "")
    _event(
        actor,
        case,
        EventKind.DELIVERY_CHANGED,
        f"{delivery.intervention.name} ({delivery.get_status_display().lower()}, {period}); "
        f"{_hours_text(cleaned)}",
    )
    _touch(case)
    _log(actor, case, Action.CHANGE, "Indsats ændret i forløb", context)
    return delivery


# --------------------------------------------------------------------------- closing


@transaction.atomic
def case_close(
    *,
    actor: Actor,
    case: Case,
    outcome: str,
    closed_on: dt.date | None = None,
    specialised_at_close: Mapping[str, bool | None] | None = None,
    note: str = "",
    context: RequestContext | None = None,
) -> Case:
    """Close with an outcome, recording for a child whether they are now referred to or
    receive each kind of specialised help and medication (all four must be answered)."""
    _check_work(actor, case)
    today = timezone.localdate()
    closed_on = closed_on or today
    errors: dict[str, str] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = MSG_OUTCOME
    if closed_on > today:
        errors["closed_on"] = MSG_CLOSED_FUTURE
    elif closed_on < case.opened_on:
        errors["closed_on"] = MSG_CLOSED_BEFORE.format(day=f"{case.opened_on:%d.%m.%Y}")
    given = dict(specialised_at_close or {})
    flags: dict[str, bool] = {}
    for (_, label), name in zip(SPECIALISED_KINDS, CLOSE_FIELDS, strict=True):
        value = given.get(name)
        if case.child_id is None:
            flags[name] = False
        elif value is None:
            errors[name] = MSG_CLOSE_FLAG.format(what=label.lower())
        else:
            flags[name] = bool(value)
    raise_errors(errors)
    case = _locked(case)
    _check_work(actor, case)
    case.status = Status.CLOSED
    case.outcome = outcome
    case.closed_on = closed_on
    case.closing_note = note.strip()
    for name, value in flags.items():
        setattr(case, name, value)
    case.save()
    summary = "; ".join(
        f"{label.lower()}: {'ja' if flags[name] else 'nej'}"
        for (_, label), name in zip(SPECIALISED_KINDS, CLOSE_FIELDS, strict=True)
    )
    text = f"Udfald: {case.get_outcome_display()}."
    if case.child_id is not None:
        text += f" Ved afslutning — {summary}."
    if case.closing_note:
        text += f" {case.closing_note}"
    _event(actor, case, EventKind.CLOSED, text, on=closed_on)
    _log(actor, case, Action.CHANGE, "Forløb afsluttet", context)
    return case


# --------------------------------------------------------------------------- catalogue


@transaction.atomic
def intervention_save(
    *,
    actor: Actor,
    intervention: Intervention | None = None,
    name: str,
    description: str,
    level: str,
    kind: str,
    targets: Sequence[str],
    min_age: int | None,
    max_age: int | None,
    provider: str,
    expected_hours: Decimal | None,
    expected_weeks: int | None,
    knowledge_base: str,
    knowledge_note: str = "",
    pejlemaerker: Sequence[int] = (),
    needs: Sequence[str] = (),
    active: bool = True,
) -> Intervention:
    """Create (``intervention=None``) or change an item of the catalogue. PPR-leder only."""
    if not selectors.may_edit_catalogue(actor):
        raise PermissionDenied(MSG_NOT_ALLOWED_CATALOGUE)
    if intervention is not None and intervention.municipality_id != actor.municipality_id:
        raise PermissionDenied(MSG_NOT_ALLOWED_CATALOGUE)
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = MSG_NAME
    else:
        same = Intervention.objects.filter(municipality_id=actor.municipality_id, name__iexact=name)
        if intervention is not None:
            same = same.exclude(pk=intervention.pk)
        if same.exists():
            errors["name"] = MSG_NAME_TAKEN
    if not description.strip():
        errors["description"] = MSG_DESCRIPTION
    if level not in Level.values:
        errors["level"] = MSG_LEVEL
    if kind not in InterventionType.values:
        errors["kind"] = MSG_KIND
    chosen_targets = [t for t in Target.values if t in set(targets)]
    if not chosen_targets or len(chosen_targets) != len(set(targets)):
        errors["targets"] = MSG_TARGETS
    if min_age is None or max_age is None or not (0 <= min_age <= 25 and 0 <= max_age <= 25):
        errors["min_age"] = MSG_AGE_RANGE
    elif min_age > max_age:
        errors["max_age"] = MSG_AGES
    if not provider.strip():
        errors["provider"] = MSG_PROVIDER
    if expected_hours is None or expected_hours < 0 or expected_weeks is None or expected_weeks < 0:
        errors["expected_hours"] = MSG_EXPECTED
    if knowledge_base not in KnowledgeBase.values:
        errors["knowledge_base"] = MSG_KNOWLEDGE
    numbers = sorted({int(n) for n in pejlemaerker})
    if any(n not in PEJLEMAERKER for n in numbers):
        errors["pejlemaerker"] = MSG_PEJLEMAERKER
    chosen_needs = [n for n in NEEDS if n in set(needs)]
    if len(chosen_needs) != len(set(needs)):
        errors["needs"] = MSG_NEEDS
    raise_errors(errors)
    item = intervention or Intervention(municipality_id=actor.municipality_id)
    item.name = name
    item.description = description.strip()
    item.level = level
    item.kind = kind
    item.targets = chosen_targets
    item.min_age = min_age  # type: ignore[assignment]
    item.max_age = max_age  # type: ignore[assignment]
    item.provider = provider.strip()
    item.expected_hours = expected_hours  # type: ignore[assignment]
    item.expected_weeks = expected_weeks  # type: ignore[assignment]
    item.knowledge_base = knowledge_base
    item.knowledge_note = knowledge_note.strip()
    item.pejlemaerker = numbers
    item.needs = chosen_needs
    item.active = active
    item.save()
    return item


def goals_notify_overdue(*, today: dt.date) -> tuple[int, int]:
    """One notification to the person responsible for each active goal of an open case
    whose follow-up date has passed, once per goal and date (``manage.py spor_notify_due``;
    the system context of one municipality). Returns (made, made before)."""
    goals = (
        Goal.objects.filter(
            status=GoalStatus.ACTIVE,
            follow_up_on__lt=today,
            case__status=Status.OPEN,
            responsible__active=True,
        )
        .select_related("responsible__user")
        .order_by("pk")
    )
    return notifications_overdue(
        Overdue(
            municipality_id=goal.municipality_id,
            recipient=goal.responsible.user,
            text=(
                f"Opfølgningen af et mål i forløb #{goal.case_id} er overskredet "
                f"({goal.follow_up_on:%d.%m.%Y})."
            ),
            link=reverse("cases:case_detail", kwargs={"case_id": goal.case_id}),
            key=f"goal:{goal.pk}:{goal.follow_up_on.isoformat()}",
        )
        for goal in goals
    )
