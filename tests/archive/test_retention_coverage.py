"""Retention of a child's own record, consents and parent notices, and the access log's floor,
through the retention job (``manage.py spor_retention``) and the lead's settings page
(/arkiv/). A child's record goes last, when nothing else about the child is left; the access
log is never disposed of before ACCESS_LOG_MIN_MONTHS, whatever the stored rule says."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.utils import timezone

from spor.archive.models import (
    ACCESS_LOG_MIN_MONTHS,
    Disposal,
    RecordType,
    RetentionRule,
    RetentionRun,
)
from spor.archive.periods import months_before
from spor.audit.models import AccessLogEntry
from spor.concerns.models import Concern
from spor.registry.models import Child, Enrolment
from spor.screening.models import Assessment, Consent, ParentNotice, Recipient
from tests import factories as f
from tests.archive.helpers import closed_case
from tests.archive.test_retention import closed_concern
from tests.conftest import World, cpr_forms

TODAY = timezone.localdate()
LATER = TODAY + dt.timedelta(days=7 * 365)
CPR_GONE = "050519-4003"
CPR_KEPT = "060519-4011"


def months_after(day: dt.date, months: int) -> dt.date:
    return months_before(day, -months)


def rule(w: World, record_type: str, months: int, disposal: str = Disposal.DELETE) -> RetentionRule:
    """Stored directly, as a rule could be by an older Spor or by hand: not through the form."""
    made, _ = RetentionRule.objects.update_or_create(
        municipality=w.a,
        record_type=record_type,
        kle_number="",
        defaults={"months": months, "disposal": disposal},
    )
    return made


def run(today: dt.date = LATER, *args: str) -> str:
    out = io.StringIO()
    call_command("spor_retention", "--today", today.isoformat(), *args, stdout=out)
    return out.getvalue()


def left_school(w: World, cpr: str, first: str, last: str) -> Child:
    """A child whose only enrolment ended yesterday."""
    child = f.child(w.a, cpr, first, last)
    Enrolment.objects.create(
        municipality=w.a,
        child=child,
        group=w.class_a,
        start=dt.date(2020, 8, 1),
        end=TODAY - dt.timedelta(days=1),
    )
    return child


def consent(w: World, child: Child, **dates: dt.date) -> Consent:
    return Consent.objects.create(
        municipality=w.a,
        child=child,
        kind=Consent.Kind.CONSENT,
        recipient=Recipient.PPR,
        given_by="Far",
        valid_from=dates.pop("valid_from", TODAY - dt.timedelta(days=100)),
        **dates,
    )


def log_entry(w: World, child: Child, at: dt.datetime | None = None) -> AccessLogEntry:
    return AccessLogEntry.objects.create(
        municipality=w.a,
        at=at or timezone.now(),
        actor=w.ppr_a,
        actor_role="PPR-medarbejder",
        child=child,
        action="vis",
        purpose="sagsbehandling",
        what="Barnets side",
    )


# ------------------------------------------------------------------ the child's own record


def test_a_childs_record_goes_last_once_nothing_else_about_the_child_is_left(
    world: World,
) -> None:
    w = world
    gone = left_school(w, CPR_GONE, "Emil", "Holm")
    open_ended = consent(w, gone)  # still in force: it goes with the child
    seen = log_entry(w, gone)
    kept = left_school(w, CPR_KEPT, "Karla", "Berg")
    case = closed_case(w, kept)  # a case kept 10 years holds the child's record
    rule(w, RecordType.CHILD, 36)
    rule(w, RecordType.CASE, 120)
    rule(w, RecordType.ACCESS_LOG, 120)

    out = run()

    assert not Child.objects.filter(pk=gone.pk).exists()
    assert not Enrolment.objects.filter(child_id=gone.pk).exists()
    assert not Consent.objects.filter(pk=open_ended.pk).exists()
    # The access log about the child outlives it (its own rule and floor).
    assert AccessLogEntry.objects.filter(pk=seen.pk, child_id=gone.pk).exists()
    # William was never enrolled and has nothing else in Spor: his record counts from when it
    # was made. Karla still has a case; Oliver and Ida are enrolled.
    assert not Child.objects.filter(pk=w.child_a3.pk).exists()
    assert Child.objects.filter(pk=kept.pk).exists() and case.child_id == kept.pk
    assert Child.objects.filter(pk__in=[w.child_a1.pk, w.child_a2.pk, w.child_b1.pk]).count() == 3

    recorded = RetentionRun.objects.get(municipality=w.a)
    rows = {r["record_type"]: r for r in recorded.counts}
    assert rows[RecordType.CHILD]["count"] == 2 and rows[RecordType.CHILD]["months"] == 36
    assert recorded.kept[RecordType.CHILD]["records"] >= 1
    assert "Barnets stamdata: 2 slettet (regel" in out
    assert "beholdt, barnet har stadig forløb, bekymringer eller trivselsvurderinger" in out
    # Counts only: not who went.
    for text in ("Emil", "Holm", "William", "Karla", *cpr_forms(CPR_GONE), *cpr_forms(CPR_KEPT)):
        assert text not in out and text not in str(recorded.counts)


def test_a_child_whose_last_record_expires_tonight_goes_tonight_and_a_dry_run_says_so(
    world: World,
) -> None:
    w = world
    child = left_school(w, CPR_GONE, "Emil", "Holm")
    concern = closed_concern(w, child)
    rule(w, RecordType.CONCERN, 24)
    rule(w, RecordType.CHILD, 36)

    run(LATER, "--dry-run")
    assert Child.objects.filter(pk=child.pk).exists()
    assert Concern.objects.filter(pk=concern.pk).exists()
    run()
    assert not Concern.objects.filter(pk=concern.pk).exists()
    assert not Child.objects.filter(pk=child.pk).exists()

    dry, real = RetentionRun.objects.filter(municipality=w.a).order_by("pk")
    assert dry.dry_run and not real.dry_run
    assert dry.counts == real.counts
    assert {r["record_type"] for r in real.counts} >= {RecordType.CONCERN, RecordType.CHILD}


def test_a_child_is_kept_until_its_last_enrolment_is_old_enough(world: World) -> None:
    w = world
    child = left_school(w, CPR_GONE, "Emil", "Holm")
    rule(w, RecordType.CHILD, 36)
    run(months_after(TODAY, 35))  # 35 months after the enrolment ended
    assert Child.objects.filter(pk=child.pk).exists()
    run(months_after(TODAY, 37))
    assert not Child.objects.filter(pk=child.pk).exists()


# ------------------------------------------------------------------ consents and notices


def test_consents_go_when_they_stopped_applying_long_enough_ago(world: World) -> None:
    w = world
    revoked = consent(w, w.child_a2, revoked_on=TODAY)
    ended = consent(w, w.child_a2, valid_to=TODAY)
    still = consent(w, w.child_a2, valid_to=LATER)
    in_force = w.extra["consent"]  # Oliver's, no end date
    of_open_case = consent(w, w.child_a1, revoked_on=TODAY)  # Oliver has an open case
    rule(w, RecordType.CONSENT, 36)

    out = run()

    assert not Consent.objects.filter(pk__in=[revoked.pk, ended.pk]).exists()
    assert Consent.objects.filter(pk__in=[still.pk, in_force.pk, of_open_case.pk]).count() == 3
    assert "Samtykke og hjemmel: 2 slettet" in out
    assert "Samtykke og hjemmel: 1 beholdt, hører til et åbent forløb" in out


def test_parent_notices_go_with_the_rounds_assessments(world: World) -> None:
    w = world
    notice, other = w.extra["notice"], ParentNotice.objects.get(municipality=w.b)
    rule(w, RecordType.PARENT_NOTICE, 36)

    # The round's assessments have no rule: they stay, and the notice that parents were told
    # about the round stays with them.
    out = run()
    assert ParentNotice.objects.filter(pk=notice.pk).exists()
    assert "Forældreinformation: 1 beholdt, rundens trivselsvurderinger er ikke slettet" in out

    rule(w, RecordType.SCREENING, 36)
    out = run()
    assert not Assessment.objects.filter(round=notice.round).exists()
    assert not ParentNotice.objects.filter(pk=notice.pk).exists()
    assert ParentNotice.objects.filter(pk=other.pk).exists()  # Bby has no rules
    assert "Forældreinformation: 1 slettet" in out


# ------------------------------------------------------------------ the access log's floor


def test_the_job_keeps_the_access_log_for_the_floor_even_under_a_shorter_stored_rule(
    world: World,
) -> None:
    w = world
    noon = dt.time(12, tzinfo=timezone.get_current_timezone())
    entry = log_entry(w, w.child_a2, at=dt.datetime.combine(months_before(TODAY, 25), noon))
    rule(w, RecordType.ACCESS_LOG, 1)  # past the form, e.g. straight into the database

    out = run(months_before(TODAY, 2))  # the entry was 23 months old then
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()
    assert "Adgangslog" not in out

    out = run(TODAY)
    assert not AccessLogEntry.objects.filter(pk=entry.pk).exists()
    last = RetentionRun.objects.filter(municipality=w.a).order_by("-pk").first()
    assert last is not None
    assert last.counts[0]["record_type"] == RecordType.ACCESS_LOG
    assert last.counts[0]["months"] == ACCESS_LOG_MIN_MONTHS  # what was applied, not 1
    assert f"Adgangslog: 1 slettet (regel {last.counts[0]['rule_id']}: 24 mdr.)" in out


def test_a_job_dated_in_the_future_still_keeps_the_last_24_months_of_the_log(
    world: World,
) -> None:
    # --today is a what-if; the floor is counted from the real date (and on PostgreSQL the
    # owner's disposal function holds it by the server's clock as well).
    w = world
    fresh = log_entry(w, w.child_a2)
    year_old = log_entry(w, w.child_a2, at=timezone.now() - dt.timedelta(days=365))
    rule(w, RecordType.ACCESS_LOG, ACCESS_LOG_MIN_MONTHS)
    out = run(LATER)
    assert AccessLogEntry.objects.filter(pk__in=[fresh.pk, year_old.pk]).count() == 2
    assert "Adgangslog" not in out


def test_anonymising_the_access_log_is_held_to_the_same_floor(world: World) -> None:
    w = world
    entry = log_entry(w, w.child_a2)
    rule(w, RecordType.ACCESS_LOG, 3, Disposal.ANONYMISE)
    run(months_after(TODAY, 12))
    entry.refresh_from_db()
    assert entry.actor_id == w.ppr_a.pk and entry.actor_role == "PPR-medarbejder"


def _rule_post(**changes: str) -> dict[str, str]:
    data = {
        "regel-record_type": "adgangslog",
        "regel-kle_number": "",
        "regel-months": str(ACCESS_LOG_MIN_MONTHS),
        "regel-disposal": "slet",
    }
    data.update({f"regel-{k}": v for k, v in changes.items()})
    return data


def test_the_settings_page_refuses_an_access_log_period_under_the_floor(world: World) -> None:
    client = world.client_for(world.lead_a)
    for months in ("1", str(ACCESS_LOG_MIN_MONTHS - 1)):
        for disposal in ("slet", "anonymiser"):
            response = client.post("/arkiv/regler/", _rule_post(months=months, disposal=disposal))
            assert response.status_code == 400
            assert (
                f"Adgangsloggen skal opbevares i mindst {ACCESS_LOG_MIN_MONTHS} måneder"
                in response.content.decode()
            )
    assert not RetentionRule.objects.filter(record_type=RecordType.ACCESS_LOG).exists()

    assert client.post("/arkiv/regler/", _rule_post()).status_code == 302
    stored = RetentionRule.objects.get(municipality=world.a, record_type=RecordType.ACCESS_LOG)
    assert stored.months == ACCESS_LOG_MIN_MONTHS
    # The floor is also said before anyone types a number.
    page = client.get("/arkiv/").content.decode()
    assert f"Adgangsloggen opbevares i mindst {ACCESS_LOG_MIN_MONTHS} måneder" in page


def test_the_lead_sets_rules_for_the_child_consents_and_notices_on_the_settings_page(
    world: World,
) -> None:
    client = world.client_for(world.lead_a)
    for record_type in ("barn", "samtykke", "foraeldreinformation"):
        ok = client.post("/arkiv/regler/", _rule_post(record_type=record_type, months="36"))
        assert ok.status_code == 302, ok.content.decode()[-2000:]
        wrong = client.post(
            "/arkiv/regler/", _rule_post(record_type=record_type, disposal="anonymiser")
        )
        assert wrong.status_code == 400
        assert "kan kun slettes." in wrong.content.decode()
        with_kle = client.post(
            "/arkiv/regler/", _rule_post(record_type=record_type, kle_number="27.20.00")
        )
        assert (
            with_kle.status_code == 400 and "har intet KLE-emnenummer" in with_kle.content.decode()
        )
    stored = {
        r.record_type: r.months
        for r in RetentionRule.objects.filter(municipality=world.a, kle_number="")
    }
    assert stored[RecordType.CHILD] == stored[RecordType.CONSENT] == 36
    assert stored[RecordType.PARENT_NOTICE] == 36
    page = client.get("/arkiv/").content.decode()
    assert "Barnets stamdata" in page and "Forældreinformation" in page

    # A dry run from the same page reports the child that would go, and changes nothing.
    child = left_school(world, CPR_GONE, "Emil", "Holm")
    Child.objects.filter(pk=child.pk).update(created_at=timezone.now() - dt.timedelta(days=2000))
    Enrolment.objects.filter(child=child).update(
        start=dt.date(2019, 8, 1), end=dt.date(2020, 6, 30)
    )
    response = client.post("/arkiv/proevekoersel/", follow=True)
    assert response.status_code == 200
    assert "Barnets stamdata: 1 slettet (regel 36 mdr.)" in response.content.decode()
    assert Child.objects.filter(pk=child.pk).exists()
