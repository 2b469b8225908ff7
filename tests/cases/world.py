"""Cases in the personas' world: Aby's catalogue and one open case about Oliver (child A1)
with psychologist A as coordinator and teacher A on the team, a parent, a goal, a meeting,
a delivery with hours and its timeline. Nobody else is on the team: the PPR-leder sees the
case, everyone else in Aby (also other PPR staff) must get 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from spor.accounts.models import Membership, Profession
from spor.cases.models import (
    Case,
    CaseEvent,
    CaseMember,
    CoordinatorAssignment,
    Delivery,
    DeliveryHours,
    DeliveryStatus,
    EventKind,
    Goal,
    Intervention,
    InterventionType,
    KnowledgeBase,
    Level,
    Meeting,
    OpenedFrom,
    Participant,
    Relation,
    Target,
)

if TYPE_CHECKING:
    from tests.conftest import World


def membership(user, muni) -> Membership:  # type: ignore[no-untyped-def]
    return Membership.objects.get(user=user, municipality=muni)


def intervention(muni, name: str, **fields) -> Intervention:  # type: ignore[no-untyped-def]
    values = {
        "description": f"{name}: beskrivelse.",
        "level": Level.ANTICIPATORY,
        "kind": InterventionType.SUPPORTIVE,
        "targets": [Target.CHILD],
        "min_age": 6,
        "max_age": 12,
        "provider": "PPR",
        "expected_hours": Decimal("10.0"),
        "expected_weeks": 8,
        "knowledge_base": KnowledgeBase.PRACTICE,
        "pejlemaerker": [3],
    }
    values.update(fields)
    return Intervention.objects.create(municipality=muni, name=name, **values)


def extend(w: World) -> None:
    ppr = membership(w.ppr_a, w.a)
    teacher = membership(w.teacher_a, w.a)
    today = timezone.localdate()
    opened = today - dt.timedelta(days=30)

    talks = intervention(
        w.a,
        "Samtaleforløb for børn med bekymringer",
        pejlemaerker=[1, 3],
    )
    class_work = intervention(
        w.a,
        "Trivselsforløb i klassen",
        targets=[Target.COMMUNITY],
        kind=InterventionType.CONSULTATIVE,
        level=Level.PREVENTIVE,
    )
    parents = intervention(
        w.a,
        "Forældrekursus",
        targets=[Target.PARENTS],
        provider="Familiehuset",
        min_age=3,
        max_age=12,
    )

    case = Case.objects.create(
        municipality=w.a,
        child=w.child_a1,
        title="Trivsel i frikvartererne",
        level=Level.ANTICIPATORY,
        opened_from=OpenedFrom.CONCERN,
        source_concern=w.extra.get("concern_child"),
        opened_on=opened,
        opened_by=ppr,
        start_special_education=True,
    )
    CaseMember.objects.bulk_create(
        [
            CaseMember(
                municipality=w.a, case=case, membership=ppr, role="Psykolog", joined_on=opened
            ),
            CaseMember(
                municipality=w.a,
                case=case,
                membership=teacher,
                role="Klasselærer",
                joined_on=opened,
            ),
        ]
    )
    CoordinatorAssignment.objects.create(
        municipality=w.a, case=case, membership=ppr, from_on=opened
    )
    Participant.objects.create(
        municipality=w.a, case=case, name="Mette Nielsen", relation=Relation.MOTHER, added_on=opened
    )
    goal = Goal.objects.create(
        municipality=w.a,
        case=case,
        text="Oliver har en at lege med i frikvartererne.",
        child_words="Jeg vil gerne spille fodbold med de andre.",
        responsible=teacher,
        follow_up_on=today + dt.timedelta(days=14),
        created_on=opened,
    )
    meeting = Meeting.objects.create(
        municipality=w.a,
        case=case,
        held_on=opened + dt.timedelta(days=3),
        participants="Mor, klasselærer, psykolog",
        decisions="Samtaleforløb hos PPR; legegrupper i frikvartererne.",
        next_steps="Opfølgning om fire uger.",
        recorded_by=ppr,
    )
    delivery = Delivery.objects.create(
        municipality=w.a,
        case=case,
        intervention=talks,
        start=opened + dt.timedelta(days=7),
        status=DeliveryStatus.RUNNING,
    )
    DeliveryHours.objects.bulk_create(
        [
            DeliveryHours(
                municipality=w.a,
                delivery=delivery,
                profession=Profession.PSYCHOLOGIST,
                hours=Decimal("6.0"),
            ),
            DeliveryHours(
                municipality=w.a,
                delivery=delivery,
                profession=Profession.TEACHER,
                hours=Decimal("2.5"),
            ),
        ]
    )
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                municipality=w.a,
                case=case,
                on=opened,
                author=ppr,
                kind=EventKind.OPENED,
                text="Startet fra en bekymring.",
            ),
            CaseEvent(
                municipality=w.a,
                case=case,
                on=meeting.held_on,
                author=ppr,
                kind=EventKind.MEETING,
                text="Beslutninger: samtaleforløb.",
            ),
        ]
    )
    w.extra.update(
        case=case,
        case_goal=goal,
        case_meeting=meeting,
        case_delivery=delivery,
        intervention_talks=talks,
        intervention_class=class_work,
        intervention_parents=parents,
    )
