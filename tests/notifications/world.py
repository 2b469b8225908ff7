"""Notifications in the personas' world: one for Aby's PPR-leder (the first in Aby, so the
URL walk's owner is its recipient) pointing at Oliver's case."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spor.notifications.models import Kind, Notification

if TYPE_CHECKING:
    from tests.conftest import World


def extend(w: World) -> None:
    case = w.extra.get("case")
    link = f"/forloeb/{case.pk}/" if case is not None else "/"
    w.extra["notification_lead"] = Notification.objects.create(
        municipality=w.a,
        recipient=w.lead_a,
        kind=Kind.CASE_MEMBER,
        text=f"Du er tilføjet teamet i forløb #{case.pk if case else 0}.",
        link=link,
    )
