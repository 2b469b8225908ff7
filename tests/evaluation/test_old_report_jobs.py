"""Report jobs saved with the old period filters (``fra``/``til``, days or half-years) get a
real path (migration 0003 of evaluation_web): an exact half-year becomes ``halvaar``, any
other period is dropped, and the job's status page says in Danish what changed. Through the
lead's path: the status page, the worker making the report, the downloaded workbook."""

from __future__ import annotations

import datetime as dt
import importlib
import io

from django.apps import apps
from openpyxl import load_workbook

from spor.accounts.models import Membership
from spor.evaluation.web.models import ReportJob, ReportStatus
from spor.evaluation.web.tasks import make_report
from tests.conftest import World
from tests.evaluation.test_page import SPEC, TODAY, make_children
from tests.evaluation.test_reports import _no_scheduled_jobs, work  # noqa: F401

MIGRATION = importlib.import_module(
    "spor.evaluation.web.migrations.0003_old_periods_of_report_jobs"
)
BASELINE = TODAY - dt.timedelta(days=120)  # make_children's baselines
PART = 1 if BASELINE.month <= 6 else 2
FIRST = dt.date(BASELINE.year, 1 if PART == 1 else 7, 1)
LAST = dt.date(BASELINE.year, 6, 30) if PART == 1 else dt.date(BASELINE.year, 12, 31)
HALF = f"{PART}. halvår {BASELINE.year}"


def old_job(w: World, fmt: str = "xlsx", **filters: str) -> ReportJob:
    """A job as the page saved it before periods were half-years: its query, as it was."""
    lead = Membership.objects.get(user=w.lead_a, municipality=w.a)
    job = ReportJob.objects.create(
        municipality=w.a, created_by=lead, format=fmt, filters=filters, steps=3,
        step_label="Venter på at gå i gang",
    )  # fmt: skip
    make_report.enqueue(job_id=job.pk, municipality_id=job.municipality_id)
    return job


def migrate() -> None:
    MIGRATION.forward(apps, None)


def filters_sheet(job: ReportJob) -> dict[str, object]:
    job.refresh_from_db()
    assert job.status == ReportStatus.DONE, job.message
    wb = load_workbook(io.BytesIO(bytes(job.result)))
    return {str(r[0]): r[1] for r in wb["Hvem er med"].iter_rows(values_only=True) if r and r[0]}


def status_page(w: World, job: ReportJob) -> str:
    r = w.client_for(w.lead_a).get(f"/evaluering/rapporter/{job.pk}/")
    assert r.status_code == 200
    return r.content.decode()


def test_an_old_period_of_exactly_one_half_year_becomes_that_half_year(world: World) -> None:
    make_children(world, SPEC)
    days = old_job(world, fra=FIRST.isoformat(), til=LAST.isoformat())
    code = f"{BASELINE.year}-{PART}"
    halves = old_job(world, fra=code, til=code, informant="ppr_fagperson")
    migrate()
    for job in (days, halves):
        job.refresh_from_db()
        assert "fra" not in job.filters and "til" not in job.filters
        assert job.filters["halvaar"] == code
        page = status_page(world, job)
        assert "Filtrene er ændret siden bestillingen" in page
        assert f"perioden er lavet om til {HALF}: de samme dage og de samme børn" in page
    assert f"fra {FIRST:%d.%m.%Y} til {LAST:%d.%m.%Y}" in status_page(world, days)
    work()  # the worker makes both reports with the half-year
    for job in (days, halves):
        sheet = filters_sheet(job)
        assert sheet["Filter: Førmåling i halvåret"] == HALF
        assert sheet["n"] == "8 par af 13 startet"


def test_an_old_period_that_is_no_half_year_is_dropped_and_the_lead_is_told(
    world: World,
) -> None:
    make_children(world, SPEC)
    month = old_job(world, fra=FIRST.isoformat(), til=(FIRST + dt.timedelta(days=30)).isoformat())
    open_ended = old_job(world, fra=FIRST.isoformat())
    with_type = old_job(world, fra=FIRST.isoformat(), til=LAST.isoformat(), type="konsultativ")
    migrate()
    for job in (month, open_ended, with_type):
        job.refresh_from_db()
        assert not {"fra", "til", "halvaar"} & set(job.filters)
        page = status_page(world, job)
        assert "Perioden er fjernet" in page and "rapporten viser alle perioder" in page
    assert "perioden ikke er ét halvår" in status_page(world, month)
    assert f"fra {FIRST:%d.%m.%Y} og frem" in status_page(world, open_ended)
    assert "højst kan vælges ét filter ud over informanten" in status_page(world, with_type)
    assert with_type.filters["type"] == "konsultativ"  # the other filter is kept
    work()
    sheet = filters_sheet(month)
    assert sheet["Filter: Førmåling i halvåret"] == "Alle"
    assert sheet["n"] == "8 par af 13 startet"


def test_a_job_without_an_old_period_is_left_alone(world: World) -> None:
    job = old_job(world, type="konsultativ")
    migrate()
    job.refresh_from_db()
    assert job.filters == {"type": "konsultativ"} and job.notice == ""
    assert "Filtrene er ændret" not in status_page(world, job)


def test_a_job_whose_saved_filters_are_refused_says_why_on_its_status_page(
    world: World,
) -> None:
    # Two filters besides the informant (allowed once): the worker refuses the job and its
    # status page gives the form's reason, not "ret de markerede felter" with none marked.
    job = old_job(world, type="konsultativ", niveau="forebyggende")
    work()
    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED
    page = status_page(world, job)
    assert "Vælg højst ét filter ud over informanten" in page
    assert "Bestil rapporten igen fra evalueringssiden" in page
    assert "markerede felter" not in page
