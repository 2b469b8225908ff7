from __future__ import annotations

from spor.accounts.access import Actor
from spor.accounts.models import Membership
from spor.audit.models import AccessLogEntry, Purpose


def actor_for(user, muni) -> Actor:  # type: ignore[no-untyped-def]
    return Actor(user=user, membership=Membership.objects.get(user=user, municipality=muni))


def screening_log(child) -> list[AccessLogEntry]:  # type: ignore[no-untyped-def]
    return list(
        AccessLogEntry.objects.filter(child_id=child.pk, purpose=Purpose.SCREENING).order_by("id")
    )


ALL_GREEN = {"trivsel": "groen", "udvikling": "groen", "laering": "groen", "relationer": "groen"}
