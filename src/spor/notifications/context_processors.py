from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from spor.notifications import selectors


def unread(request: HttpRequest) -> dict[str, Any]:
    """The unread count for the badge in the top navigation (one COUNT per page)."""
    actor = getattr(request, "actor", None)
    if actor is None:
        return {}
    return {"notifications_unread": selectors.unread_count(actor)}
