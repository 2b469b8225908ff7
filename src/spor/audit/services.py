"""Writing to the access log. Every read, change and export of a child's data calls one of
these, in the same transaction as the work it records."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.utils import timezone

from spor.accounts.access import Actor
from spor.audit.models import AccessLogEntry, Action, Purpose
from spor.lib.bulk import MANY, insert_rows
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
    children (an import logs tens of thousands: rows, not model instances); on PostgreSQL a
    page's worth is one INSERT of the children's ids as one array (:func:`_insert_page`)."""
    source = context.address if context is not None else None
    at = timezone.now()
    user_id = actor.user.pk
    role, what = actor.role_label, what[:200]
    action_value, purpose_value = str(action), str(purpose)  # plain str for the driver
    ids = list(dict.fromkeys(child_ids))
    if connection.vendor == "postgresql" and 0 < len(ids) < MANY:
        common = (actor.municipality_id, at, user_id, role, action_value, purpose_value)
        return _insert_page(common, what, source, ids)
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
            for child_id in ids
        ),
    )


# A page's entries differ only in the child: the shared values once and the ids as one
# array, in the order given. A multi-row VALUES of nine parameters a row cost the page of
# 50 children 2-4 ms of the driver's time quoting 450 values (client-side binding) and
# parsing a statement of another shape for every number of rows; this statement is one.
_INSERT_PAGE = (
    "INSERT INTO audit_accesslogentry (municipality_id, at, actor_id, actor_role, child_id,"
    " action, purpose, what, source)"
    " SELECT %s, %s, %s, %s, c.id, %s, %s, %s, %s::inet"
    " FROM unnest(%s::bigint[]) WITH ORDINALITY AS c(id, n) ORDER BY c.n"
)


def _insert_page(common: tuple[Any, ...], what: str, source: str | None, ids: list[int]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_PAGE, [*common, what, source, ids])
    return len(ids)


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
