"""Writes of notifications: making one (and its e-mail, if the person chose so), marking
read, and the one-per-key notification that the daily job about overdue follow-ups makes.

The e-mail says only "Du har en ny notifikation i Spor" and links to the notification
centre, never to the object and never with a child's name or CPR number: e-mail leaves
the municipality's systems. It is sent after the transaction commits, so a change that is
rolled back sends nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import User
from spor.notifications.models import EmailPreference, Kind, Notification

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


def notification_once(**fields: Any) -> bool:
    """:func:`notification_create` for a notification with a ``key``: made once, however
    often the job runs. False if it was already made (also by another run at the same
    moment)."""
    try:
        return notification_create(**fields) is not None
    except IntegrityError:  # another run made it at the same moment
        return False


@dataclass(frozen=True)
class Overdue:
    """One overdue follow-up to tell its responsible person about, once per ``key``."""

    municipality_id: int
    recipient: User
    text: str
    link: str
    key: str


def notifications_overdue(items: Iterable[Overdue]) -> tuple[int, int]:
    """One notification of the kind "overdue" per item, once per recipient and key however
    often the job runs (:func:`notification_once`). Each part of the loop finds its own
    overdue items and hands them here (``concerns_notify_overdue``, ``goals_notify_overdue``;
    the command ``spor_notify_due``). Returns (made now, made before)."""
    made = already = 0
    for item in items:
        new = notification_once(
            municipality_id=item.municipality_id,
            recipient=item.recipient,
            kind=Kind.OVERDUE,
            text=item.text,
            link=item.link,
            key=item.key,
        )
        made, already = (made + 1, already) if new else (made, already + 1)
    return made, already


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
