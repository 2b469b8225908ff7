from __future__ import annotations

from django.db.models import QuerySet

from spor.audit.models import AccessLogEntry
from spor.registry.models import Child
from spor.tenancy.access import Actor


def access_log_for_child(actor: Actor, child: Child) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(
        municipality_id=actor.municipality_id, child_id=child.pk
    ).order_by("-at", "-id")
