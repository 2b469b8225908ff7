"""Reads of notifications: a person sees their own, in the municipality they act in.
Someone else's notification answers 404, the same as one that does not exist."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from spor.accounts.access import Actor
from spor.notifications.models import EmailPreference, Kind, Notification


def notifications_for(actor: Actor) -> QuerySet[Notification]:
    return Notification.objects.filter(municipality_id=actor.municipality_id, recipient=actor.user)


def unread_count(actor: Actor) -> int:
    return notifications_for(actor).filter(read_at__isnull=True).count()


def get_notification_for_user(actor: Actor, notification_id: int) -> Notification:
    found = notifications_for(actor).filter(pk=notification_id).first()
    if found is None:
        raise Http404
    return found


def email_kinds(actor: Actor) -> set[str]:
    """The kinds this person also wants by e-mail."""
    return set(
        EmailPreference.objects.filter(
            municipality_id=actor.municipality_id, user=actor.user, email=True
        ).values_list("kind", flat=True)
    ) & set(Kind.values)
