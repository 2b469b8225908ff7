"""Writes to concerns. Each service takes the acting :class:`Actor`, checks its input again
(the forms check first, for the screens), changes the concern, appends to its follow-up log
and writes the access log for a child's concern, all in one transaction: either everything
is saved or nothing is.

Bad input raises :class:`django.core.exceptions.ValidationError` with a Danish message that
says what to fix (a dict by field name where one field is at fault).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import Membership
from spor.audit.models import Action, Purpose
from spor.audit.services import access_log_record
from spor.concerns.models import (
    OPEN_STATES,
    Category,
    Concern,
    ConcernEvent,
    EventKind,
    Outcome,
    State,
)
from spor.concerns.selectors import may_manage
from spor.lib.context import RequestContext
from spor.notifications.services import (
    Overdue,
    notifications_overdue,
    notify_concern_assigned,
)
from spor.registry.models import Child, Group

# The messages, shared with the forms so that the screens and the services say the same.
MSG_FOLLOW_UP_PAST = "Opfølgningsdatoen kan ikke ligge før i dag. Vælg i dag eller en senere dato."
MSG_FOLLOW_UP_MISSING = "Angiv en opfølgningsdato."
MSG_CHILD_OR_GROUP = "En bekymring handler om ét barn eller én gruppe, ikke begge og ikke ingen."
MSG_OTHER_MUNICIPALITY_CHILD = "Barnet findes ikke i din kommune."
MSG_OTHER_MUNICIPALITY_GROUP = "Gruppen findes ikke i din kommune."
MSG_RESPONSIBLE = "Den ansvarlige skal være en aktiv medarbejder i din kommune."
MSG_DESCRIPTION = "Beskriv kort, hvad bekymringen går ud på."
MSG_RESUBMITTED = "Formularen er allerede brugt. Åbn en ny formular for at oprette en bekymring."
MSG_CATEGORY = "Vælg en kategori."
MSG_NOTE = "Skriv notatet, før du gemmer det."
MSG_OUTCOME = "Vælg et udfald for at lukke bekymringen."
MSG_UNDERRETNING_DATE = "Angiv datoen, underretningen blev sendt til socialforvaltningen."
MSG_UNDERRETNING_FUTURE = "Datoen for underretningen kan ikke ligge i fremtiden."
MSG_UNDERRETNING_ONLY = "Dato for underretning udfyldes kun, når udfaldet er underretning."
MSG_CLOSED = "Bekymringen er lukket og kan ikke ændres. Opret en ny, hvis der er en ny bekymring."
MSG_STATE = "Vælg en status. Brug »Luk bekymringen« for at lukke den med et udfald."
MSG_NOT_ALLOWED = (
    "Kun PPR, den der oprettede bekymringen, og den ansvarlige kan ændre den. "
    "Du kan skrive et notat."
)


def _person(m: Membership) -> str:
    return m.user.get_full_name() or m.user.get_username()


def _check_follow_up(day: dt.date | None, today: dt.date) -> dt.date:
    if day is None:
        raise ValidationError({"follow_up_on": MSG_FOLLOW_UP_MISSING})
    if day < today:
        raise ValidationError({"follow_up_on": MSG_FOLLOW_UP_PAST})
    return day


def _check_responsible(actor: Actor, responsible: Membership | None) -> Membership:
    if (
        responsible is None
        or responsible.municipality_id != actor.municipality_id
        or not responsible.active
    ):
        raise ValidationError({"responsible": MSG_RESPONSIBLE})
    return responsible


def _check_manage(actor: Actor, concern: Concern) -> None:
    if concern.municipality_id != actor.municipality_id:
        raise PermissionDenied
    if not may_manage(actor, concern):
        raise PermissionDenied(MSG_NOT_ALLOWED)
    if not concern.is_open:
        raise ValidationError(MSG_CLOSED)


def _log_child(
    actor: Actor, concern: Concern, action: Action, what: str, context: RequestContext | None
) -> None:
    if concern.child_id is not None:
        access_log_record(
            actor=actor,
            child_ids=[concern.child_id],
            action=action,
            purpose=Purpose.CASEWORK,
            what=what,
            context=context,
        )


def _event(actor: Actor, concern: Concern, kind: EventKind, **fields: str) -> ConcernEvent:
    return ConcernEvent.objects.create(
        municipality_id=actor.municipality_id,
        concern=concern,
        author=actor.membership,
        kind=kind,
        **fields,
    )


def _locked(concern: Concern) -> Concern:
    """The concern re-read under a row lock, so that two people changing it at once queue."""
    return (
        Concern.objects.select_for_update(of=("self",))
        .select_related("responsible__user", "raised_by__user")
        .get(pk=concern.pk, municipality_id=concern.municipality_id)
    )


def _submitted(actor: Actor, key: uuid.UUID) -> Concern | None:
    """The concern this person already made with this form's key (someone else's key is
    no key: it makes nothing of theirs visible)."""
    found = Concern.objects.filter(municipality_id=actor.municipality_id, submission_key=key)
    concern = found.first()
    if concern is not None and concern.raised_by_id != actor.membership.pk:
        raise ValidationError({"__all__": MSG_RESUBMITTED})
    return concern


@transaction.atomic
def concern_raise(
    *,
    actor: Actor,
    description: str,
    category: str,
    responsible: Membership | None,
    follow_up_on: dt.date | None,
    child: Child | None = None,
    group: Group | None = None,
    source_assessment_id: int | None = None,
    submission_key: uuid.UUID | None = None,
    context: RequestContext | None = None,
) -> Concern:
    """Raise a concern about a child or a group of the actor's municipality.

    Which children and groups the actor may choose is the caller's business (the screen
    offers those the actor sees, or a child found by CPR); this checks the municipality.
    With ``submission_key`` (the form's one-time key) a form sent twice, even at the same
    moment, makes one concern: the second sending gets the first one's concern."""
    if submission_key is not None:
        sent = _submitted(actor, submission_key)
        if sent is not None:
            return sent
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if (child is None) == (group is None):
        errors["__all__"] = MSG_CHILD_OR_GROUP
    elif child is not None and child.municipality_id != actor.municipality_id:
        errors["child"] = MSG_OTHER_MUNICIPALITY_CHILD
    elif group is not None and group.municipality_id != actor.municipality_id:
        errors["group"] = MSG_OTHER_MUNICIPALITY_GROUP
    if not description.strip():
        errors["description"] = MSG_DESCRIPTION
    if category not in Category.values:
        errors["category"] = MSG_CATEGORY
    for check in (
        lambda: _check_responsible(actor, responsible),
        lambda: _check_follow_up(follow_up_on, today),
    ):
        try:
            check()
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    assert responsible is not None and follow_up_on is not None
    try:
        with transaction.atomic():  # a savepoint: a sending at the same moment may win
            concern = Concern.objects.create(
                municipality_id=actor.municipality_id,
                child=child,
                group=group,
                description=description.strip(),
                category=category,
                raised_by=actor.membership,
                responsible=responsible,
                follow_up_on=follow_up_on,
                source_assessment_id=source_assessment_id,
                submission_key=submission_key,
            )
    except IntegrityError:
        sent = _submitted(actor, submission_key) if submission_key is not None else None
        if sent is None:
            raise
        return sent
    _event(
        actor,
        concern,
        EventKind.CREATED,
        to_value=f"Ansvarlig: {_person(responsible)}; opfølgning {follow_up_on:%d.%m.%Y}",
    )
    _log_child(actor, concern, Action.CREATE, "Bekymring oprettet", context)
    notify_concern_assigned(actor=actor, concern_id=concern.pk, recipient=responsible.user)
    return concern


@transaction.atomic
def concern_note_add(
    *, actor: Actor, concern: Concern, text: str, context: RequestContext | None = None
) -> ConcernEvent:
    """Add a note to the follow-up log. Anyone who sees the concern may, also when closed."""
    if concern.municipality_id != actor.municipality_id:
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": MSG_NOTE})
    event = _event(actor, concern, EventKind.NOTE, text=text.strip())
    Concern.objects.filter(pk=concern.pk).update(updated_at=timezone.now())
    _log_child(actor, concern, Action.CHANGE, "Notat til bekymring", context)
    return event


@transaction.atomic
def concern_update_state(
    *,
    actor: Actor,
    concern: Concern,
    state: str,
    text: str = "",
    context: RequestContext | None = None,
) -> Concern:
    """Move an open concern between ny, under opfølgning and afventer (closing is
    :func:`concern_close`, which needs an outcome)."""
    _check_manage(actor, concern)
    if state not in OPEN_STATES:
        raise ValidationError({"state": MSG_STATE})
    concern = _locked(concern)
    _check_manage(actor, concern)
    before = concern.get_state_display()
    if concern.state != state:
        concern.state = state
        concern.save(update_fields=["state", "updated_at"])
        _event(
            actor,
            concern,
            EventKind.STATE,
            from_value=before,
            to_value=concern.get_state_display(),
            text=text.strip(),
        )
        _log_child(actor, concern, Action.CHANGE, "Bekymringens status ændret", context)
    return concern


@transaction.atomic
def concern_update_responsible(
    *,
    actor: Actor,
    concern: Concern,
    responsible: Membership | None,
    text: str = "",
    context: RequestContext | None = None,
) -> Concern:
    _check_manage(actor, concern)
    responsible = _check_responsible(actor, responsible)
    concern = _locked(concern)
    _check_manage(actor, concern)
    if concern.responsible_id != responsible.pk:
        before = _person(concern.responsible)
        concern.responsible = responsible
        concern.save(update_fields=["responsible", "updated_at"])
        _event(
            actor,
            concern,
            EventKind.RESPONSIBLE,
            from_value=before,
            to_value=_person(responsible),
            text=text.strip(),
        )
        _log_child(actor, concern, Action.CHANGE, "Ny ansvarlig for bekymring", context)
        notify_concern_assigned(actor=actor, concern_id=concern.pk, recipient=responsible.user)
    return concern


@transaction.atomic
def concern_update_follow_up(
    *,
    actor: Actor,
    concern: Concern,
    follow_up_on: dt.date | None,
    text: str = "",
    context: RequestContext | None = None,
) -> Concern:
    """Move the follow-up date; it must be today or later."""
    _check_manage(actor, concern)
    day = _check_follow_up(follow_up_on, timezone.localdate())
    concern = _locked(concern)
    _check_manage(actor, concern)
    if concern.follow_up_on != day:
        before = concern.follow_up_on
        concern.follow_up_on = day
        concern.save(update_fields=["follow_up_on", "updated_at"])
        _event(
            actor,
            concern,
            EventKind.FOLLOW_UP,
            from_value=f"{before:%d.%m.%Y}",
            to_value=f"{day:%d.%m.%Y}",
            text=text.strip(),
        )
        _log_child(actor, concern, Action.CHANGE, "Ny opfølgningsdato for bekymring", context)
    return concern


@transaction.atomic
def concern_close(
    *,
    actor: Actor,
    concern: Concern,
    outcome: str,
    underretning_on: dt.date | None = None,
    text: str = "",
    context: RequestContext | None = None,
) -> Concern:
    """Close with an outcome. The outcome *underretning* needs the date it was sent (not in
    the future); the other outcomes take no such date."""
    _check_manage(actor, concern)
    errors: dict[str, str] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = MSG_OUTCOME
    elif outcome == Outcome.NOTIFICATION:
        if underretning_on is None:
            errors["underretning_on"] = MSG_UNDERRETNING_DATE
        elif underretning_on > timezone.localdate():
            errors["underretning_on"] = MSG_UNDERRETNING_FUTURE
    elif underretning_on is not None:
        errors["underretning_on"] = MSG_UNDERRETNING_ONLY
    if errors:
        raise ValidationError(errors)
    concern = _locked(concern)
    _check_manage(actor, concern)
    before = concern.get_state_display()
    concern.state = State.CLOSED
    concern.outcome = outcome
    concern.underretning_on = underretning_on
    concern.closed_at = timezone.now()
    concern.save(update_fields=["state", "outcome", "underretning_on", "closed_at", "updated_at"])
    to_value = concern.get_outcome_display()
    if underretning_on is not None:
        to_value += f" ({underretning_on:%d.%m.%Y})"
    _event(
        actor, concern, EventKind.CLOSED, from_value=before, to_value=to_value, text=text.strip()
    )
    _log_child(actor, concern, Action.CHANGE, "Bekymring lukket", context)
    return concern


@transaction.atomic
def concern_case_started(
    *, actor: Actor, concern: Concern, case_id: int, context: RequestContext | None = None
) -> Concern:
    """A forløb was started from the concern: it is closed with the outcome "Forløb
    startet", says which forløb, and leaves the overdue lists. Called by the cases app in
    the transaction that opens the forløb (whoever may open one from the concern may do
    this); a concern already closed is left as it is."""
    if concern.municipality_id != actor.municipality_id:
        raise PermissionDenied
    concern = _locked(concern)
    if not concern.is_open:
        return concern
    before = concern.get_state_display()
    concern.state = State.CLOSED
    concern.outcome = Outcome.CASE
    concern.closed_at = timezone.now()
    concern.save(update_fields=["state", "outcome", "closed_at", "updated_at"])
    _event(
        actor,
        concern,
        EventKind.CLOSED,
        from_value=before,
        to_value=f"{concern.get_outcome_display()} (forløb #{case_id})",
        text=f"Forløb #{case_id} er startet ud fra bekymringen.",
    )
    _log_child(actor, concern, Action.CHANGE, "Bekymring lukket: forløb startet", context)
    return concern


def concerns_notify_overdue(*, today: dt.date) -> tuple[int, int]:
    """One notification to the person responsible for each open concern whose follow-up
    date has passed, once per concern and date (``manage.py spor_notify_due``; the system
    context of one municipality). Returns (made, made before)."""
    concerns = (
        Concern.objects.filter(
            state__in=OPEN_STATES, follow_up_on__lt=today, responsible__active=True
        )
        .select_related("responsible__user")
        .order_by("pk")
    )
    return notifications_overdue(
        Overdue(
            municipality_id=concern.municipality_id,
            recipient=concern.responsible.user,
            text=(
                f"Opfølgningsdatoen for bekymring #{concern.pk} er overskredet "
                f"({concern.follow_up_on:%d.%m.%Y})."
            ),
            link=reverse("concerns:concern_detail", kwargs={"concern_id": concern.pk}),
            key=f"concern:{concern.pk}:{concern.follow_up_on.isoformat()}",
        )
        for concern in concerns
    )
