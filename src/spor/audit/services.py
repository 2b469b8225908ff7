"""Writing to the access log. Every read, change and export of a child's data calls one of
these, in the same transaction as the work it records."""

from __future__ import annotations

from collections.abc import Iterable

from spor.accounts.access import Actor
from spor.audit.models import AccessLogEntry, Action, Purpose
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
    """Append one entry per child; returns how many. One INSERT however many children."""
    source = context.address if context is not None else None
    entries = [
        AccessLogEntry(
            municipality_id=actor.municipality_id,
            actor=actor.user,
            actor_role=actor.role_label,
            child_id=child_id,
            action=action,
            purpose=purpose,
            what=what[:200],
            source=source,
        )
        for child_id in dict.fromkeys(child_ids)
    ]
    AccessLogEntry.objects.bulk_create(entries)
    return len(entries)
