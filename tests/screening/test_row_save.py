"""The grid's save-as-you-go (one child's row, ``handling=raekke``) has its own checks
(``services.assessment_save_row``, one plain statement: it is the screening week's most
frequent request) and the save button's write (``services._save``). These tests hold it to
the same rules as the save button."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from spor.audit.models import AccessLogEntry, Action
from spor.registry.models import Enrolment
from spor.screening import services
from spor.screening.models import Assessment, RoundGroup
from tests import factories as f
from tests.conftest import World
from tests.screening.helpers import ALL_GREEN, actor_for, screening_log

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate()


def grid_url(w: World, group=None, round=None) -> str:  # type: ignore[no-untyped-def]
    return f"/trivsel/{(round or w.extra['round']).pk}/gruppe/{(group or w.class_a).pk}/"


def row(child, ratings, **extra):  # type: ignore[no-untyped-def]
    data = {f"r-{child.pk}-{k}": v for k, v in ratings.items()}
    data.update({"handling": "raekke", "barn": str(child.pk), **extra})
    return data


def test_only_the_groups_own_staff_reach_the_row_save_everyone_else_gets_404(
    world: World,
) -> None:
    data = row(world.child_a1, ALL_GREEN)
    # A colleague not on 3.A's staff, a health visitor, PPR, and a teacher of Bby.
    for user in (world.teacher_a2, world.health_a, world.ppr_a, world.lead_a, world.teacher_b):
        response = world.client_for(user).post(grid_url(world), data, **HTMX)
        assert response.status_code == 404, user.username
    # Bby's round through Aby's group, and Aby's round through Bby's group.
    teacher = world.client_for(world.teacher_a)
    assert teacher.post(grid_url(world, round=world.extra["round_b"]), data).status_code == 404
    assert teacher.post(grid_url(world, group=world.class_b), data).status_code == 404
    assert Assessment.objects.get(pk=world.extra["own"].pk).position == "gul"


def test_a_missing_child_is_a_clear_message_for_staff_and_404_for_others(world: World) -> None:
    data = {"handling": "raekke", f"r-{world.child_a1.pk}-trivsel": "groen"}
    response = world.client_for(world.teacher_a).post(grid_url(world), data, **HTMX)
    assert "Barnet mangler i forespørgslen." in response.content.decode()
    assert world.client_for(world.teacher_b).post(grid_url(world), data).status_code == 404


def test_an_area_the_round_does_not_have_is_refused_and_nothing_is_saved(world: World) -> None:
    client = world.client_for(world.teacher_a)
    data = row(world.child_a1, {**ALL_GREEN, "humør": "roed"})
    response = client.post(grid_url(world), data, **HTMX)
    assert "Ukendt område »humør«." in response.content.decode()
    assert Assessment.objects.get(pk=world.extra["own"].pk).position == "gul"


def test_a_round_not_yet_begun_refuses_the_row_with_its_first_day(world: World) -> None:
    r = world.extra["round"]
    r.starts = TODAY + dt.timedelta(days=3)
    r.save(update_fields=["starts"])
    response = world.client_for(world.teacher_a).post(
        grid_url(world), row(world.child_a1, ALL_GREEN), **HTMX
    )
    assert f"Runden begynder {r.starts:%d.%m.%Y}" in response.content.decode()
    assert Assessment.objects.get(pk=world.extra["own"].pk).position == "gul"


def test_a_child_who_has_left_the_group_cannot_be_rated_in_it(world: World) -> None:
    Enrolment.objects.filter(child=world.child_a1, group=world.class_a).update(
        end=TODAY - dt.timedelta(days=1)
    )
    response = world.client_for(world.teacher_a).post(
        grid_url(world), row(world.child_a1, ALL_GREEN), **HTMX
    )
    assert "går ikke i gruppen nu" in response.content.decode()
    assert Assessment.objects.get(pk=world.extra["own"].pk).position == "gul"


def test_a_childs_first_rating_is_created_counted_and_logged(world: World) -> None:
    alma = f.child(world.a, "050519-4003", "Alma", "Dahl", groups=[world.class_a])
    client = world.client_for(world.teacher_a)
    pk = alma.pk
    data = row(alma, {**ALL_GREEN, "laering": "gul"})
    data.update({f"f-{pk}-laering": ["koncentration"], f"n-{pk}": "  Ny i klassen.  "})
    response = client.post(grid_url(world), data, **HTMX)
    assert response.content.decode().strip().startswith("Gemt ")
    a = Assessment.objects.get(child=alma)
    assert (a.is_agreement, a.rater.user, a.group_id) == (False, world.teacher_a, world.class_a.pk)
    assert a.ratings == {**ALL_GREEN, "laering": "gul"} and a.position == "gul"
    assert a.focus == {"laering": ["koncentration"]} and a.note == "Ny i klassen."
    assert a.updated_by.user == world.teacher_a
    stored = RoundGroup.objects.get(round=world.extra["round"], group=world.class_a)
    assert stored.own_only == 1  # Alma: her teacher's own rating, no agreement yet
    (entry,) = screening_log(alma)
    assert entry.action == "aendr" and "egen vurdering" in entry.what


def test_saving_the_same_row_again_changes_and_logs_nothing(world: World) -> None:
    client = world.client_for(world.teacher_a)
    own = world.extra["own"]
    data = row(world.child_a1, own.ratings)
    data[f"f-{world.child_a1.pk}-trivsel"] = own.focus["trivsel"]
    before = AccessLogEntry.objects.count()
    response = client.post(grid_url(world), data, **HTMX)
    assert response.content.decode().strip().startswith("Gemt ")
    assert AccessLogEntry.objects.count() == before
    assert Assessment.objects.get(pk=own.pk).updated_at == own.updated_at


def test_an_agreement_row_recounts_the_group_and_flags_follow_up(world: World) -> None:
    client = world.client_for(world.teacher_a)
    data = row(world.child_a1, {**ALL_GREEN, "trivsel": "roed"}, vurdering="faelles")
    client.post(grid_url(world), data, **HTMX)
    agreed = Assessment.objects.get(pk=world.extra["agreement"].pk)
    assert agreed.position == "roed" and agreed.follow_up  # red now: follow up
    stored = RoundGroup.objects.get(round=world.extra["round"], group=world.class_a)
    assert (stored.groen, stored.gul, stored.roed) == (0, 0, 1)
    # The teacher's own rating is untouched.
    assert Assessment.objects.get(pk=world.extra["own"].pk).position == "gul"


def test_a_child_who_moved_group_is_rated_in_the_new_one_and_both_are_recounted(
    world: World,
) -> None:
    # Oliver moves from 3.A to 4.B (informed too), where his teacher also teaches.
    Enrolment.objects.filter(child=world.child_a1, group=world.class_a).update(
        end=TODAY - dt.timedelta(days=1)
    )
    Enrolment.objects.create(
        municipality=world.a, child=world.child_a1, group=world.class_a2, start=TODAY
    )
    f.assign(world.teacher_a, world.class_a2)
    round = world.extra["round"]
    services.parent_notice_record(
        actor=actor_for(world.teacher_a, world.a),
        round=round,
        group=world.class_a2,
        informed_on=TODAY,
        how="brev",
    )
    client = world.client_for(world.teacher_a)
    data = row(world.child_a1, ALL_GREEN, vurdering="faelles")
    client.post(grid_url(world, group=world.class_a2), data, **HTMX)
    agreed = Assessment.objects.get(pk=world.extra["agreement"].pk)
    assert agreed.group_id == world.class_a2.pk and agreed.position == "groen"
    old = RoundGroup.objects.get(round=round, group=world.class_a)
    new = RoundGroup.objects.get(round=round, group=world.class_a2)
    assert (old.gul, new.groen) == (0, 1)


def test_a_colleagues_agreement_saved_a_moment_ago_refuses_the_row_and_saves_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race: the colleague's agreement is committed after this save read none.
    alma = f.child(world.a, "050519-4003", "Alma", "Dahl", groups=[world.class_a])
    theirs = Assessment.objects.create(
        municipality=world.a,
        round=world.extra["round"],
        child=alma,
        group=world.class_a,
        is_agreement=True,
        ratings=ALL_GREEN,
        position="groen",
    )
    monkeypatch.setattr(services, "_stored_assessments", lambda *args: {})
    before = AccessLogEntry.objects.count()
    response = world.client_for(world.teacher_a).post(
        grid_url(world), row(alma, {**ALL_GREEN, "trivsel": "roed"}, vurdering="faelles"), **HTMX
    )
    assert "En kollega har netop gemt den fælles vurdering" in response.content.decode()
    assert list(Assessment.objects.filter(child=alma)) == [theirs]
    assert Assessment.objects.get(pk=theirs.pk).position == "groen"
    assert AccessLogEntry.objects.count() == before


def test_the_save_button_meets_a_colleagues_agreement_as_the_row_save_does(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One write path: the whole grid's save is refused by the same race, with the same
    # message, and nothing of it is kept (also not the other child's row).
    alma = f.child(world.a, "050519-4003", "Alma", "Dahl", groups=[world.class_a])
    theirs = Assessment.objects.create(
        municipality=world.a,
        round=world.extra["round"],
        child=alma,
        group=world.class_a,
        is_agreement=True,
        ratings=ALL_GREEN,
        position="groen",
    )
    # Bo has no agreement yet: his row is written first, and then undone with the rest.
    bo = f.child(world.a, "060519-4011", "Bo", "Berg", groups=[world.class_a])
    monkeypatch.setattr(services, "_stored_assessments", lambda *args: {})
    changes = AccessLogEntry.objects.filter(action=Action.CHANGE)
    before = changes.count()
    data = {"handling": "gem", "vurdering": "faelles", "boern": [str(bo.pk), str(alma.pk)]}
    for child in (bo, alma):
        data.update({f"r-{child.pk}-{area}": "roed" for area in ALL_GREEN})
    response = world.client_for(world.teacher_a).post(grid_url(world), data)
    assert response.status_code == 400
    assert "En kollega har netop gemt den fælles vurdering" in response.content.decode()
    assert list(Assessment.objects.filter(child=alma)) == [theirs]
    assert not Assessment.objects.filter(child=bo).exists()
    assert changes.count() == before  # (the re-shown grid logs its look)


@pytest.mark.django_db(transaction=True)
def test_two_saves_in_one_group_wait_for_each_other_so_the_counts_see_both(world: World) -> None:
    # A colleague's save of Oliver's agreement holds its transaction open; the teacher's
    # save of Alma's waits for it, and then counts Oliver's new colour too. (Without the
    # lock, PostgreSQL would count with the snapshot from before the colleague's commit.)
    alma = f.child(world.a, "050519-4003", "Alma", "Dahl", groups=[world.class_a])
    round = world.extra["round"]
    f.assign(world.teacher_a2, world.class_a)
    locked, release, saved = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def colleague() -> None:
        try:
            with transaction.atomic():
                services.assessment_save_row(
                    actor=actor_for(world.teacher_a2, world.a),
                    screeninground_id=round.pk,
                    group_id=world.class_a.pk,
                    child_id=world.child_a1.pk,
                    row=services.RowInput(ratings={**ALL_GREEN, "relationer": "roed"}),
                    agreement=True,
                )
                locked.set()
                release.wait(timeout=120)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
            locked.set()
        finally:
            connection.close()

    def teacher() -> None:
        try:
            client = world.client_for(world.teacher_a)
            data = row(alma, ALL_GREEN, vurdering="faelles")
            response = client.post(grid_url(world), data, **HTMX)
            assert response.content.decode().strip().startswith("Gemt "), response.content
            saved.set()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=colleague)
    first.start()
    assert locked.wait(timeout=120) and not errors, errors
    second = threading.Thread(target=teacher)
    second.start()
    assert not saved.wait(timeout=1.5)  # waits for the colleague's transaction
    release.set()
    first.join(timeout=120)
    second.join(timeout=120)
    assert not errors, errors
    assert saved.is_set()
    stored = RoundGroup.objects.get(round=round, group=world.class_a)
    assert (stored.groen, stored.gul, stored.roed, stored.own_only) == (1, 0, 1, 0)
