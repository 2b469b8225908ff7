"""The retention job as the municipality runs it (``manage.py spor_retention``): it disposes
of what the lead's rules say has expired, keeps what is held for an archive delivery or
belongs to an open case, records counts only, and does nothing where there are no rules."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from spor.archive.models import ArchiveHold, Disposal, RecordType, RetentionRule, RetentionRun
from spor.audit.models import AccessLogEntry
from spor.cases.models import Case, CaseEvent, Delivery
from spor.concerns.models import Category, Concern, State
from spor.concerns.models import Outcome as ConcernOutcome
from spor.measurement.models import MeasurementRequest, Response
from spor.registry.models import Child
from spor.screening.models import Assessment
from tests.archive.helpers import closed_case
from tests.cases.helpers import member
from tests.conftest import ALL_CPR, World, cpr_forms

# Seven years on, everything made today is past a 5-year period but not a 10-year one.
LATER = timezone.localdate() + dt.timedelta(days=7 * 365)


def rule(w: World, record_type: str, months: int, disposal: str, kle: str = "") -> None:
    RetentionRule.objects.update_or_create(
        municipality=w.a,
        record_type=record_type,
        kle_number=kle,
        defaults={"months": months, "disposal": disposal},
    )


def closed_concern(w: World, child: Child) -> Concern:
    return Concern.objects.create(
        municipality=w.a,
        child=child,
        description="Ida var ked af det efter skoleskiftet.",
        category=Category.WELLBEING,
        raised_by=member(w, w.teacher_a),
        responsible=member(w, w.ppr_a),
        follow_up_on=timezone.localdate(),
        state=State.CLOSED,
        outcome=ConcernOutcome.NO_ACTION,
        closed_at=timezone.now(),
    )


@pytest.fixture
def scene(world: World) -> dict[str, Any]:
    w = world
    expired = closed_case(w, w.child_a2, kle_number="17.13.00", title="Ordblindhed")
    young = closed_case(w, w.child_a3, kle_number="27.20.00")
    held = closed_case(w, w.child_a3, kle_number="17.13.00", title="Matematik")
    ArchiveHold.objects.create(municipality=w.a, case=held, reference="Aflevering 2027")
    concern = closed_concern(w, w.child_a2)
    # Ida's entries: one from before the access log's 24-month floor, one within it.
    old_a2, fresh_a2 = (
        AccessLogEntry.objects.create(
            municipality=w.a,
            at=at,
            actor=w.ppr_a,
            actor_role="PPR-medarbejder",
            child=w.child_a2,
            action="vis",
            purpose="sagsbehandling",
            what="Barnets side",
        )
        for at in (timezone.now() - dt.timedelta(days=30 * 31), timezone.now())
    )
    AccessLogEntry.objects.create(
        municipality=w.a,
        actor=w.ppr_a,
        actor_role="PPR-medarbejder",
        child=w.child_a1,
        action="vis",
        purpose="sagsbehandling",
        what="Barnets side",
    )
    rule(w, RecordType.CASE, 60, Disposal.DELETE, kle="17.13.00")
    rule(w, RecordType.CASE, 120, Disposal.DELETE)
    rule(w, RecordType.SDQ, 60, Disposal.ANONYMISE)
    rule(w, RecordType.SCREENING, 36, Disposal.DELETE)
    rule(w, RecordType.ACCESS_LOG, 60, Disposal.DELETE)
    return {
        "expired": expired,
        "young": young,
        "held": held,
        "concern": concern,
        "old_a2": old_a2,
        "fresh_a2": fresh_a2,
    }


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("spor_retention", "--today", LATER.isoformat(), *args, stdout=out)
    return out.getvalue()


def test_the_job_disposes_of_what_has_expired_and_keeps_held_and_open_cases(
    world: World, scene: dict[str, Any]
) -> None:
    w = world
    expired, young, held = scene["expired"], scene["young"], scene["held"]
    open_case = w.extra["case"]
    b_log_before = AccessLogEntry.objects.filter(municipality=w.b).count()

    out = run()

    # The KLE 17.13.00 case is past its 5 years and goes whole; the 27.20.00 one has 10.
    assert not Case.objects.filter(pk=expired.pk).exists()
    assert not Delivery.objects.filter(case_id=expired.pk).exists()
    assert not CaseEvent.objects.filter(case_id=expired.pk).exists()
    assert Case.objects.filter(pk__in=[young.pk, held.pk, open_case.pk]).count() == 3
    # The young case's SDQ answer is anonymised: scores kept, answers and respondent gone.
    answer = Response.objects.get(delivery__case=young)
    assert answer.answers == {} and answer.respondent_name == "" and answer.scores
    # The held case and the open case keep their answers as they were.
    assert Response.objects.get(delivery__case=held).answers != {}
    assert Response.objects.get(delivery__case=open_case).answers != {}
    assert MeasurementRequest.objects.filter(delivery__case=open_case).exists()
    # The closed concern is past its 2 years; the one the open case came from stays.
    assert not Concern.objects.filter(pk=scene["concern"].pk).exists()
    assert Concern.objects.filter(pk=w.extra["concern_child"].pk).exists()
    # Screening assessments are past 3 years.
    assert not Assessment.objects.filter(municipality=w.a).exists()
    # The access log of the children of the open and the held case stays; Ida's went, all
    # but the last 24 months of it (the floor counts from the real date). Bby has no rules.
    log = AccessLogEntry.objects.filter(municipality=w.a)
    assert not log.filter(pk=scene["old_a2"].pk).exists()
    assert log.filter(pk=scene["fresh_a2"].pk).exists()
    floor = timezone.now() - dt.timedelta(days=24 * 31)
    assert not log.filter(child=w.child_a2, at__lt=floor).exists()
    assert log.filter(child=w.child_a1).exists() and log.filter(child=w.child_a3).exists()
    assert AccessLogEntry.objects.filter(municipality=w.b).count() == b_log_before

    recorded = RetentionRun.objects.get(municipality=w.a)
    assert not recorded.dry_run and recorded.finished_at is not None
    by_type = {(r["record_type"], r["kle_number"]): r["count"] for r in recorded.counts}
    assert by_type[(RecordType.CASE, "17.13.00")] == 1
    assert (RecordType.CASE, "") not in by_type
    assert by_type[(RecordType.SDQ, "")] == 1
    assert by_type[(RecordType.CONCERN, "")] == 1
    assert recorded.kept[RecordType.CASE] == {"held": 1}
    # The open case is also held (tests/archive/world.py): held comes first.
    assert recorded.kept[RecordType.SDQ] == {"held": 2}
    assert RetentionRun.objects.get(municipality=w.b).counts == []

    assert "Aby Kommune (901)" in out and "Forløb: 1 slettet" in out
    assert "1 beholdt, holdt til arkivaflevering" in out
    # Counts only: no names, titles or CPR numbers in what the job prints or records.
    stored = str(recorded.counts) + str(recorded.kept)
    for text in ("Ida", "Hansen", "Ordblindhed", "Lærer Lise"):
        assert text not in out and text not in stored
    for value in ALL_CPR:
        for form in cpr_forms(value):
            assert form not in out and form not in stored


def test_a_dry_run_changes_nothing_but_tells_the_same_counts(
    world: World, scene: dict[str, Any]
) -> None:
    before = (
        Case.objects.count(),
        Response.objects.exclude(answers={}).count(),
        AccessLogEntry.objects.count(),
        Assessment.objects.count(),
        Concern.objects.count(),
    )
    out = run("--dry-run")
    after = (
        Case.objects.count(),
        Response.objects.exclude(answers={}).count(),
        AccessLogEntry.objects.count(),
        Assessment.objects.count(),
        Concern.objects.count(),
    )
    assert after == before
    dry = RetentionRun.objects.get(municipality=world.a)
    assert dry.dry_run and dry.total > 0
    assert "[prøvekørsel]" in out and "ville blive slettet" in out

    run()
    real = RetentionRun.objects.filter(municipality=world.a, dry_run=False).get()
    assert real.counts == dry.counts


def test_without_rules_nothing_is_disposed_of(world: World) -> None:
    RetentionRule.objects.all().delete()
    closed_case(world, world.child_a2)
    before = (Case.objects.count(), AccessLogEntry.objects.count(), Assessment.objects.count())
    out = run()
    assert (Case.objects.count(), AccessLogEntry.objects.count(), Assessment.objects.count()) == (
        before
    )
    assert "I alt 0 slettet" in out


def test_nothing_has_expired_before_its_period_has_run(world: World, scene: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command("spor_retention", stdout=out)  # today
    assert Case.objects.filter(pk=scene["expired"].pk).exists()
    assert RetentionRun.objects.get(municipality=world.a).total == 0


def test_a_second_run_finds_nothing_more_to_do(world: World, scene: dict[str, Any]) -> None:
    run()
    run()
    second = RetentionRun.objects.filter(municipality=world.a).order_by("-pk").first()
    assert second is not None and second.total == 0


def test_access_log_entries_can_be_anonymised_instead_of_deleted(
    world: World, scene: dict[str, Any]
) -> None:
    rule(world, RecordType.ACCESS_LOG, 60, Disposal.ANONYMISE)
    count = AccessLogEntry.objects.filter(municipality=world.a).count()
    run()
    assert AccessLogEntry.objects.filter(municipality=world.a).count() == count
    old = AccessLogEntry.objects.get(pk=scene["old_a2"].pk)
    assert old.actor_id is None and old.actor_role == "" and old.source is None
    fresh = AccessLogEntry.objects.get(pk=scene["fresh_a2"].pk)  # within the floor
    assert fresh.actor_id == world.ppr_a.pk and fresh.actor_role == "PPR-medarbejder"
    kept = AccessLogEntry.objects.filter(municipality=world.a, child=world.child_a1)
    assert kept.filter(actor__isnull=False).exists()


def test_the_database_refuses_to_delete_a_held_case(world: World) -> None:
    from django.db.models import ProtectedError

    case = closed_case(world, world.child_a2)
    ArchiveHold.objects.create(municipality=world.a, case=case, reference="Aflevering")
    with pytest.raises(ProtectedError):
        Case.objects.filter(pk=case.pk).delete()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_the_access_log_still_refuses_deletes_outside_the_retention_job(
    world: World,
) -> None:
    assert connection.vendor == "postgresql"
    AccessLogEntry.objects.create(
        municipality=world.a,
        actor=world.ppr_a,
        actor_role="PPR-medarbejder",
        child=world.child_a1,
        action="vis",
        purpose="sagsbehandling",
        what="Barnets side",
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(municipality=world.a).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(municipality=world.a).update(actor_role="")
    assert AccessLogEntry.objects.filter(municipality=world.a).exclude(actor_role="").exists()
