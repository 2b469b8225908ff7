from __future__ import annotations

from django.db.models import QuerySet

from spor.accounts.access import Actor
from spor.audit.models import AccessLogEntry


def access_log_for_child(actor: Actor, child_id: int) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(
        municipality_id=actor.municipality_id, child_id=child_id
    ).order_by("-at", "-id")
