"""The concern services' edge cases: bad input is refused with a Danish message and nothing
is half-saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from spor.audit.models import AccessLogEntry
from spor.concerns import selectors, services
from spor.concerns.models import Concern, ConcernEvent, Outcome, State
from tests.concerns.helpers import actor, days, member
from tests.conftest import World


def raise_kwargs(w: World, **changes: object) -> dict[str, object]:
    kwargs: dict[str, object] = {
        "actor": actor(w, w.teacher_a),
        "child": w.child_a1,
        "description": "Trist og stille.",
        "category": "trivsel",
        "responsible": member(w, w.ppr_a),
        "follow_up_on": days(7),
    }
    kwargs.update(changes)
    return kwargs


def snapshot() -> tuple[int, int, int]:
    return Concern.objects.count(), ConcernEvent.objects.count(), AccessLogEntry.objects.count()


def messages(info: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return info.value.message_dict


def test_raising_a_concern_writes_the_concern_its_first_log_line_and_the_access_log(
    world: World,
) -> None:
    before = snapshot()
    concern = services.concern_raise(**raise_kwargs(world))  # type: ignore[arg-type]
    assert snapshot() == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert concern.state == State.NEW and concern.outcome == ""


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"follow_up_on": "past"}, "follow_up_on", "kan ikke ligge før i dag"),
        ({"follow_up_on": None}, "follow_up_on", "Angiv en opfølgningsdato"),
        ({"child": "b1"}, "child", "Barnet findes ikke i din kommune"),
        ({"child": None, "group": "class_b"}, "group", "Gruppen findes ikke i din kommune"),
        ({"group": "class_a"}, "__all__", "ét barn eller én gruppe"),
        ({"child": None}, "__all__", "ét barn eller én gruppe"),
        ({"responsible": "ppr_b"}, "responsible", "aktiv medarbejder i din kommune"),
        ({"responsible": None}, "responsible", "aktiv medarbejder i din kommune"),
        ({"description": "   "}, "description", "Beskriv kort"),
        ({"category": "hemmelig"}, "category", "Vælg en kategori"),
    ],
)
def test_bad_input_to_raise_is_refused_and_nothing_is_saved(
    world: World, changes: dict[str, object], field: str, message: str
) -> None:
    lookup = {
        "past": days(-1),
        "b1": world.child_b1,
        "class_b": world.class_b,
        "class_a": world.class_a,
        "ppr_b": member(world, world.ppr_b),
    }
    resolved = {k: lookup.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        services.concern_raise(**raise_kwargs(world, **resolved))  # type: ignore[arg-type]
    assert message in " ".join(messages(info)[field])
    assert snapshot() == before


def test_an_inactive_colleague_cannot_be_made_responsible(world: World) -> None:
    gone = member(world, world.ppr_a)
    gone.active = False
    gone.save()
    with pytest.raises(ValidationError, match="aktiv medarbejder"):
        services.concern_raise(**raise_kwargs(world, responsible=gone))  # type: ignore[arg-type]


def test_a_failure_half_way_leaves_nothing_behind(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(**kwargs: object) -> int:
        raise RuntimeError("the access log is down")

    monkeypatch.setattr(services, "access_log_record", broken)
    before = snapshot()
    with pytest.raises(RuntimeError):
        services.concern_raise(**raise_kwargs(world))  # type: ignore[arg-type]
    assert snapshot() == before


def test_closing_needs_an_outcome_and_an_underretning_needs_its_date(world: World) -> None:
    ppr = actor(world, world.ppr_a)
    concern = world.extra["concern_child"]
    before = snapshot()
    cases = [
        ({"outcome": ""}, "outcome", "Vælg et udfald"),
        ({"outcome": Outcome.NOTIFICATION}, "underretning_on", "Angiv datoen"),
        (
            {"outcome": Outcome.NOTIFICATION, "underretning_on": days(1)},
            "underretning_on",
            "kan ikke ligge i fremtiden",
        ),
        (
            {"outcome": Outcome.ADVICE, "underretning_on": days(0)},
            "underretning_on",
            "kun, når udfaldet er underretning",
        ),
    ]
    for kwargs, field, message in cases:
        with pytest.raises(ValidationError) as info:
            services.concern_close(actor=ppr, concern=concern, **kwargs)  # type: ignore[arg-type]
        assert message in messages(info)[field][0]
    concern.refresh_from_db()
    assert concern.is_open and snapshot() == before


def test_every_outcome_closes_a_concern(world: World) -> None:
    ppr = actor(world, world.ppr_a)
    for outcome in Outcome:
        concern = services.concern_raise(**raise_kwargs(world))  # type: ignore[arg-type]
        on = days(0) if outcome == Outcome.NOTIFICATION else None
        services.concern_close(actor=ppr, concern=concern, outcome=outcome, underretning_on=on)
        concern.refresh_from_db()
        assert concern.state == State.CLOSED and concern.outcome == outcome


def test_only_ppr_the_raiser_and_the_responsible_may_change_a_concern(world: World) -> None:
    concern = world.extra["concern_group"]  # raised by and responsible: teacher_a
    other_teacher = actor(world, world.teacher_a2)
    with pytest.raises(PermissionDenied):
        services.concern_update_state(actor=other_teacher, concern=concern, state=State.WAITING)
    services.concern_update_state(
        actor=actor(world, world.ppr_a), concern=concern, state=State.WAITING
    )


def test_another_municipality_cannot_touch_a_concern(world: World) -> None:
    concern = world.extra["concern_child"]
    with pytest.raises(PermissionDenied):
        services.concern_note_add(actor=actor(world, world.lead_b), concern=concern, text="x")
    with pytest.raises(PermissionDenied):
        services.concern_close(
            actor=actor(world, world.lead_b), concern=concern, outcome=Outcome.ADVICE
        )


def test_the_follow_up_log_is_append_only(world: World) -> None:
    event = world.extra["concern_child"].events.first()
    event.text = "omskrevet"
    with pytest.raises(ValueError, match="kun tilføjes"):
        event.save()
    with pytest.raises(ValueError, match="kun tilføjes"):
        event.delete()


def test_the_database_refuses_a_concern_about_both_a_child_and_a_group(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Concern.objects.create(
            municipality=world.a,
            child=world.child_a1,
            group=world.class_a,
            description="x",
            category="andet",
            raised_by=member(world, world.teacher_a),
            responsible=member(world, world.teacher_a),
            follow_up_on=days(1),
        )


def test_the_database_refuses_an_underretning_without_its_date(world: World) -> None:
    concern = world.extra["concern_child"]
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        Concern.objects.filter(pk=concern.pk).update(
            state=State.CLOSED, outcome=Outcome.NOTIFICATION, closed_at=timezone.now()
        )


def test_open_concerns_for_child_gives_colleagues_the_open_ones_in_reach(world: World) -> None:
    ppr = actor(world, world.ppr_a)
    open_one = world.extra["concern_child"]
    closed = services.concern_raise(**raise_kwargs(world))  # type: ignore[arg-type]
    services.concern_close(actor=ppr, concern=closed, outcome=Outcome.NO_ACTION)
    assert list(selectors.open_concerns_for_child(ppr, world.child_a1)) == [open_one]
    assert (
        list(selectors.open_concerns_for_child(actor(world, world.teacher_a2), world.child_a1))
        == []
    )
    assert list(selectors.open_concerns_for_child(actor(world, world.lead_b), world.child_a1)) == []
