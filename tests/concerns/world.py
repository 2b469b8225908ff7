"""Concerns in the personas' world: one about a child, one about a group, with log entries."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from spor.accounts.models import Membership
from spor.concerns.models import Category, Concern, ConcernEvent, EventKind, State

if TYPE_CHECKING:
    from tests.conftest import World


def membership(user, muni) -> Membership:  # type: ignore[no-untyped-def]
    return Membership.objects.get(user=user, municipality=muni)


def extend(w: World) -> None:
    teacher = membership(w.teacher_a, w.a)
    ppr = membership(w.ppr_a, w.a)
    today = timezone.localdate()
    about_child = Concern.objects.create(
        municipality=w.a,
        child=w.child_a1,
        description="Oliver trækker sig fra legen og virker trist i frikvartererne.",
        category=Category.WELLBEING,
        raised_by=teacher,
        responsible=ppr,
        follow_up_on=today + dt.timedelta(days=7),
        state=State.FOLLOWING_UP,
    )
    about_group = Concern.objects.create(
        municipality=w.a,
        group=w.class_a,
        description="Uro og drillerier i klassen efter sommerferien.",
        category=Category.SOCIAL,
        raised_by=teacher,
        responsible=teacher,
        follow_up_on=today + dt.timedelta(days=14),
    )
    events = [
        ConcernEvent(
            municipality=w.a,
            concern=about_child,
            author=teacher,
            kind=EventKind.CREATED,
            to_value="Ansvarlig: Psykolog_A",
        ),
        ConcernEvent(
            municipality=w.a,
            concern=about_child,
            author=ppr,
            kind=EventKind.NOTE,
            text="Talt med klasselæreren; observation aftalt.",
        ),
        ConcernEvent(
            municipality=w.a,
            concern=about_group,
            author=teacher,
            kind=EventKind.CREATED,
            to_value="Ansvarlig: Laerer_A",
        ),
    ]
    ConcernEvent.objects.bulk_create(events)
    w.extra["concern_child"] = about_child
    w.extra["concern_group"] = about_group
