"""Writes of notifications: making one (and its e-mail, if the person chose so), marking
read, and the daily job that tells people about overdue follow-ups.

The e-mail says only "Du har en ny notifikation i Spor" and links to the notification
centre, never to the object and never with a child's name or CPR number: e-mail leaves
the municipality's systems. It is sent after the transaction commits, so a change that is
rolled back sends nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from spor.accounts.models import User
from spor.notifications.models import EmailPreference, Kind, Notification
from spor.tenancy.access import Actor

logger = logging.getLogger(__name__)

EMAIL_SUBJECT = "Du har en ny notifikation i Spor"


def _email_body() -> str:
    url = settings.SPOR_BASE_URL.rstrip("/") + reverse("notifications:notification_list")
    return (
        "Du har en ny notifikation i Spor.\n\n"
        f"Log ind for at læse den: {url}\n\n"
        "Denne e-mail er sendt automatisk. Du kan vælge, hvilke notifikationer der også "
        "sendes som e-mail, under Notifikationer i Spor.\n"
    )


def _send_email(address: str) -> None:
    try:
        send_mail(EMAIL_SUBJECT, _email_body(), settings.DEFAULT_FROM_EMAIL, [address])
    except Exception as exc:  # a failing mail server must not undo the change it is about
        logger.warning("Notifikationsmail kunne ikke sendes: %s", type(exc).__name__)


@transaction.atomic
def notification_create(
    *,
    municipality_id: int,
    recipient: User,
    kind: str,
    text: str,
    link: str = "",
    key: str = "",
) -> Notification | None:
    """Make a notification. With a ``key``, at most one per recipient, kind and key: the
    second call returns ``None`` and changes nothing."""
    if kind not in Kind.values:
        raise ValueError(f"ukendt slags notifikation: {kind}")
    if key:
        exists = Notification.objects.filter(
            municipality_id=municipality_id, recipient=recipient, kind=kind, key=key
        ).exists()
        if exists:
            return None
    note = Notification.objects.create(
        municipality_id=municipality_id,
        recipient=recipient,
        kind=kind,
        text=text[:300],
        link=link[:300],
        key=key[:100],
    )
    wants_email = EmailPreference.objects.filter(
        municipality_id=municipality_id, user=recipient, kind=kind, email=True
    ).exists()
    if wants_email and recipient.email and recipient.is_active:
        address = recipient.email
        transaction.on_commit(lambda: _send_email(address))
    return note


@transaction.atomic
def notification_mark_read(*, actor: Actor, notification: Notification) -> Notification:
    if notification.recipient_id != actor.user.pk or (
        notification.municipality_id != actor.municipality_id
    ):
        raise PermissionError("Ikke din notifikation.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: Actor) -> int:
    return Notification.objects.filter(
        municipality_id=actor.municipality_id, recipient=actor.user, read_at__isnull=True
    ).update(read_at=timezone.now())


@transaction.atomic
def email_preferences_save(*, actor: Actor, kinds: set[str]) -> None:
    """Store which kinds this person also wants by e-mail (all others: screens only)."""
    for kind in Kind.values:
        EmailPreference.objects.update_or_create(
            municipality_id=actor.municipality_id,
            user=actor.user,
            kind=kind,
            defaults={"email": kind in kinds},
        )


# --------------------------------------------------------------------------- the daily job


@dataclass
class DueResult:
    concerns: int = 0
    goals: int = 0
    already: int = 0

    @property
    def created(self) -> int:
        return self.concerns + self.goals


def notify_due(*, today: dt.date | None = None) -> DueResult:
    """One notification per overdue item and follow-up date, to the person responsible:
    open concerns and active goals of open cases whose follow-up date has passed. Running
    it again the same day (or the next) makes none twice; moving the date and letting it
    pass again makes a new one. Runs in the system context, for every municipality."""
    from spor.cases.models import Goal, GoalStatus, Status
    from spor.concerns.models import OPEN_STATES, Concern

    today = today or timezone.localdate()
    result = DueResult()

    def once(**fields: Any) -> Notification | None:
        try:
            return notification_create(**fields)
        except IntegrityError:  # another run made it at the same moment
            return None

    concerns = (
        Concern.objects.filter(
            state__in=OPEN_STATES, follow_up_on__lt=today, responsible__active=True
        )
        .select_related("responsible__user")
        .order_by("pk")
    )
    for concern in concerns:
        made = once(
            municipality_id=concern.municipality_id,
            recipient=concern.responsible.user,
            kind=Kind.OVERDUE,
            text=(
                f"Opfølgningsdatoen for bekymring #{concern.pk} er overskredet "
                f"({concern.follow_up_on:%d.%m.%Y})."
            ),
            link=reverse("concerns:concern_detail", kwargs={"concern_id": concern.pk}),
            key=f"concern:{concern.pk}:{concern.follow_up_on.isoformat()}",
        )
        if made is None:
            result.already += 1
        else:
            result.concerns += 1
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
    for goal in goals:
        made = once(
            municipality_id=goal.municipality_id,
            recipient=goal.responsible.user,
            kind=Kind.OVERDUE,
            text=(
                f"Opfølgningen af et mål i forløb #{goal.case_id} er overskredet "
                f"({goal.follow_up_on:%d.%m.%Y})."
            ),
            link=reverse("cases:case_detail", kwargs={"case_id": goal.case_id}),
            key=f"goal:{goal.pk}:{goal.follow_up_on.isoformat()}",
        )
        if made is None:
            result.already += 1
        else:
            result.goals += 1
    return result


# --------------------------------------------------------------------------- called by others


def notify_case_member_added(*, actor: Actor, case_id: int, recipient: User) -> None:
    """Someone was put on a case's team (not when they add themselves)."""
    if recipient.pk == actor.user.pk:
        return
    notification_create(
        municipality_id=actor.municipality_id,
        recipient=recipient,
        kind=Kind.CASE_MEMBER,
        text=f"Du er tilføjet teamet i forløb #{case_id}.",
        link=reverse("cases:case_detail", kwargs={"case_id": case_id}),
    )


def notify_concern_assigned(*, actor: Actor, concern_id: int, recipient: User) -> None:
    """Someone was made responsible for a concern (not when they chose themselves)."""
    if recipient.pk == actor.user.pk:
        return
    notification_create(
        municipality_id=actor.municipality_id,
        recipient=recipient,
        kind=Kind.CONCERN,
        text=f"Du er ansvarlig for opfølgningen af bekymring #{concern_id}.",
        link=reverse("concerns:concern_detail", kwargs={"concern_id": concern_id}),
    )


def notify_questionnaire_answered(
    *, municipality_id: int, case_id: int, recipient: User | None, phase_label: str
) -> None:
    """A one-time link was answered: tell the person who sent it."""
    if recipient is None:
        return
    notification_create(
        municipality_id=municipality_id,
        recipient=recipient,
        kind=Kind.ANSWERED,
        text=f"Et spørgeskema (SDQ-{phase_label}) er besvaret i forløb #{case_id}.",
        link=reverse("cases:case_detail", kwargs={"case_id": case_id}),
    )
