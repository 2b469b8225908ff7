"""Writing to the access log. Every read, change and export of a child's data calls one of
these, in the same transaction as the work it records."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from spor.accounts.access import Actor
from spor.audit.models import AccessLogEntry, Action, Purpose
from spor.lib.bulk import insert_rows
from spor.lib.context import RequestContext


def access_log_record(
    *,
    actor: Actor,
    child_ids: Iterable[int],
    action: Action,
    purpose: Purpose,
    what: str,
    context: RequestContext | None = None,
) -> int:
    """Append one entry per child; returns how many. A few multi-row INSERTs however many
    children (an import logs tens of thousands: rows, not model instances)."""
    source = context.address if context is not None else None
    at = timezone.now()
    user_id = actor.user.pk
    role, what = actor.role_label, what[:200]
    action_value, purpose_value = str(action), str(purpose)  # plain str for the driver
    return insert_rows(
        AccessLogEntry,
        _COLUMNS,
        (
            (
                actor.municipality_id,
                at,
                user_id,
                role,
                child_id,
                action_value,
                purpose_value,
                what,
                source,
            )
            for child_id in dict.fromkeys(child_ids)
        ),
    )


_COLUMNS = (
    "municipality_id",
    "at",
    "actor_id",
    "actor_role",
    "child_id",
    "action",
    "purpose",
    "what",
    "source",
)
