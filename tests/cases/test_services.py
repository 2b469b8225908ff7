"""The case services and the database behind them: the rules hold also without the
screens, and a refused change leaves nothing behind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from spor.cases import selectors, services
from spor.cases.models import (
    Case,
    CaseEvent,
    CaseMember,
    Delivery,
    DeliveryHours,
    Goal,
    Level,
    Status,
    Target,
)
from tests.cases.helpers import actor, days, member, today
from tests.cases.world import intervention
from tests.conftest import World


def test_a_teacher_cannot_open_a_case(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.case_open(
            actor=actor(world, world.teacher_a),
            title="Trivsel",
            level=Level.PREVENTIVE,
            child=world.child_a1,
        )


def test_a_case_about_a_child_of_another_municipality_is_refused(world: World) -> None:
    before = Case.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.case_open(
            actor=actor(world, world.ppr_a),
            title="Trivsel",
            level=Level.PREVENTIVE,
            child=world.child_b1,
        )
    assert exc.value.message_dict["child"] == [services.MSG_OTHER_MUNICIPALITY_CHILD]
    assert Case.objects.count() == before


def test_a_case_is_about_a_child_or_a_group_never_both(world: World) -> None:
    with pytest.raises(ValidationError, match="ikke begge"):
        services.case_open(
            actor=actor(world, world.ppr_a),
            title="Trivsel",
            level=Level.PREVENTIVE,
            child=world.child_a1,
            group=world.class_a,
        )


def test_a_team_member_from_another_municipality_is_refused_by_the_service(
    world: World,
) -> None:
    case = world.extra["case"]
    before = (CaseMember.objects.count(), CaseEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.case_member_add(
            actor=actor(world, world.ppr_a),
            case=case,
            membership=member(world, world.ppr_b),
            role="Psykolog",
        )
    assert exc.value.message_dict["membership"] == [services.MSG_MEMBER_OTHER_MUNICIPALITY]
    assert (CaseMember.objects.count(), CaseEvent.objects.count()) == before


def test_someone_not_on_the_team_cannot_change_the_case(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.case_note_add(
            actor=actor(world, world.health_a), case=world.extra["case"], text="Hej"
        )


def test_a_goal_follow_up_date_in_the_past_is_refused_by_the_service(world: World) -> None:
    before = Goal.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.goal_add(
            actor=actor(world, world.ppr_a),
            case=world.extra["case"],
            text="Mål",
            responsible=member(world, world.ppr_a),
            follow_up_on=days(-1),
        )
    assert exc.value.message_dict["follow_up_on"] == [services.MSG_FOLLOW_UP_PAST]
    assert Goal.objects.count() == before


def test_a_delivery_ending_before_it_starts_is_refused_by_the_service(world: World) -> None:
    before = (Delivery.objects.count(), DeliveryHours.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.delivery_add(
            actor=actor(world, world.ppr_a),
            case=world.extra["case"],
            intervention=world.extra["intervention_talks"],
            start=days(-1),
            end=days(-3),
            hours={"psykolog": "2"},
        )
    assert exc.value.message_dict["end"] == [services.MSG_END_BEFORE_START]
    assert (Delivery.objects.count(), DeliveryHours.objects.count()) == before


def test_one_bad_hours_value_saves_none_of_the_delivery(world: World) -> None:
    before = (Delivery.objects.count(), DeliveryHours.objects.count(), CaseEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.delivery_add(
            actor=actor(world, world.ppr_a),
            case=world.extra["case"],
            intervention=world.extra["intervention_talks"],
            start=days(-1),
            hours={"psykolog": "2", "laerer": "mange"},
        )
    assert "hours_laerer" in exc.value.message_dict
    after = (Delivery.objects.count(), DeliveryHours.objects.count(), CaseEvent.objects.count())
    assert after == before


def test_an_intervention_of_another_municipality_cannot_be_given(world: World) -> None:
    foreign = intervention(world.b, "Bby-indsats")
    with pytest.raises(ValidationError) as exc:
        services.delivery_add(
            actor=actor(world, world.ppr_a),
            case=world.extra["case"],
            intervention=foreign,
            start=today(),
        )
    assert exc.value.message_dict["intervention"] == [services.MSG_INTERVENTION]


def test_the_database_refuses_a_delivery_ending_before_it_starts(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(
            municipality=world.a,
            case=world.extra["case"],
            intervention=world.extra["intervention_talks"],
            start=today(),
            end=days(-1),
        )


def test_the_database_refuses_a_closed_case_without_outcome(world: World) -> None:
    case = world.extra["case"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status=Status.CLOSED, closed_on=today())


def test_the_database_refuses_two_current_coordinators(world: World) -> None:
    from spor.cases.models import CoordinatorAssignment

    with pytest.raises(IntegrityError), transaction.atomic():
        CoordinatorAssignment.objects.create(
            municipality=world.a,
            case=world.extra["case"],
            membership=member(world, world.teacher_a),
            from_on=today(),
        )


def test_closing_without_outcome_is_refused_by_the_service_and_writes_nothing(
    world: World,
) -> None:
    case = world.extra["case"]
    events = CaseEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.case_close(
            actor=actor(world, world.ppr_a),
            case=case,
            outcome="",
            specialised_at_close=dict.fromkeys(
                [
                    "close_psychiatry",
                    "close_special_education",
                    "close_social_measures",
                    "close_medication",
                ],
                False,
            ),
        )
    assert exc.value.message_dict["outcome"] == [services.MSG_OUTCOME]
    case.refresh_from_db()
    assert case.is_open and CaseEvent.objects.count() == events


def test_closing_a_group_case_needs_no_answers_about_a_child(world: World) -> None:
    a = actor(world, world.ppr_a)
    case = services.case_open(actor=a, title="Uro", level=Level.PREVENTIVE, group=world.class_a)
    services.case_close(actor=a, case=case, outcome="maal_naaet")
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.close_medication is False


def test_a_closing_date_before_the_case_started_is_refused(world: World) -> None:
    case = world.extra["case"]
    with pytest.raises(ValidationError) as exc:
        services.case_close(
            actor=actor(world, world.ppr_a),
            case=case,
            outcome="andet",
            closed_on=case.opened_on - dt.timedelta(days=1),
        )
    assert "closed_on" in exc.value.message_dict


def test_the_timeline_is_append_only(world: World) -> None:
    event = CaseEvent.objects.filter(case=world.extra["case"]).first()
    assert event is not None
    event.text = "ændret"
    with pytest.raises(ValueError, match="kun tilføjes"):
        event.save()
    with pytest.raises(ValueError, match="kun tilføjes"):
        event.delete()


# --------------------------------------------------------------------------- suggestions


def test_suggestions_fit_age_target_and_level_same_level_first(world: World) -> None:
    a = actor(world, world.ppr_a)
    same = intervention(world.a, "Samme niveau", level=Level.ANTICIPATORY, min_age=7, max_age=9)
    adjacent = intervention(world.a, "Ved siden af", level=Level.INTERVENING)
    intervention(world.a, "For små børn", min_age=0, max_age=5)
    intervention(world.a, "Inaktiv", active=False)
    case = services.case_open(
        actor=a, title="Trivsel", level=Level.ANTICIPATORY, child=world.child_a2
    )  # Ida, 7 years old
    found = selectors.suggest_interventions(a, case, sdq_bands={}).items
    names = [s.intervention.name for s in found]
    assert names.index(same.name) < names.index(adjacent.name)
    assert "For små børn" not in names and "Inaktiv" not in names
    assert "Forældrekursus" not in names and "Trivselsforløb i klassen" not in names
    reason = found[names.index(same.name)].reason
    assert "alderen (7 år)" in reason and "samme niveau" in reason
    assert "niveauet ved siden af (indgribende)" in found[names.index(adjacent.name)].reason


def test_a_preventive_case_is_not_offered_the_most_intervening_items(world: World) -> None:
    a = actor(world, world.ppr_a)
    intervention(world.a, "Indgribende", level=Level.INTERVENING)
    case = services.case_open(
        actor=a, title="Trivsel", level=Level.PREVENTIVE, child=world.child_a1
    )
    assert "Indgribende" not in [
        s.intervention.name for s in selectors.suggest_interventions(a, case, sdq_bands={}).items
    ]


def test_a_group_case_is_offered_items_for_the_child_community(world: World) -> None:
    a = actor(world, world.ppr_a)
    case = services.case_open(actor=a, title="Uro", level=Level.PREVENTIVE, group=world.class_a)
    found = selectors.suggest_interventions(a, case, sdq_bands={}).items
    assert [s.intervention.name for s in found] == ["Trivselsforløb i klassen"]
    assert Target.COMMUNITY in found[0].intervention.targets


def test_the_case_page_needs_the_same_number_of_queries_however_much_is_in_it(
    world: World,
) -> None:
    case = world.extra["case"]
    client = world.client_for(world.ppr_a)
    client.get(f"/forloeb/{case.pk}/")
    with CaptureQueriesContext(connection) as small:
        client.get(f"/forloeb/{case.pk}/")
    # Counted now: the next request's start empties the connection's log of queries.
    n_small = len(small.captured_queries)
    a = actor(world, world.ppr_a)
    services.case_member_add(
        actor=a,
        case=case,
        membership=member(world, world.social_a),
        role="Familien",
        basis="Hjemmel i lovgivningen",
    )
    for n in range(5):
        services.goal_add(
            actor=a,
            case=case,
            text=f"Mål {n}",
            responsible=member(world, world.ppr_a),
            follow_up_on=days(5),
        )
        services.delivery_add(
            actor=a,
            case=case,
            intervention=world.extra["intervention_talks"],
            start=days(-3),
            hours={"psykolog": Decimal("1.5"), "laerer": "1"},
        )
        services.case_note_add(actor=a, case=case, text=f"Notat {n}")
    with CaptureQueriesContext(connection) as large:
        client.get(f"/forloeb/{case.pk}/")
    assert len(large.captured_queries) == n_small
