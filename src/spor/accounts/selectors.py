"""Reads of staff shared by the parts of the loop."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spor.accounts.access import Actor
from spor.accounts.models import Membership


def attach_people(actor: Actor, *rows_and_fields: tuple[Sequence[Any], str]) -> None:
    """Set on each row the staff member its foreign key ``field`` names (a
    :class:`Membership`, with its user), for every ``(rows, field)`` given, read in one
    query for all of them: a page's reads then need not each join the membership and the
    user. PostgreSQL plans a statement in time that grows fast with its relations (the
    concern's own read joined eight: 5.5 ms of planning a page, docs/scaling.md "What
    PostgreSQL plans for a page (session 13)"). Only the actor's municipality is read."""
    wanted = {
        key
        for rows, field in rows_and_fields
        for row in rows
        if (key := getattr(row, f"{field}_id")) is not None
    }
    if not wanted:
        return
    found = (
        Membership.objects.filter(municipality_id=actor.municipality_id)
        .select_related("user")
        .in_bulk(wanted)
    )
    for rows, field in rows_and_fields:
        for row in rows:
            membership = found.get(getattr(row, f"{field}_id"))
            if membership is not None:
                setattr(row, field, membership)
