"""Evaluation reports through the lead's path: order a PDF or a workbook from the evaluation
page with its filters, follow the progress, download it. The files carry the page's figures,
its suppression, the filters, the norm set and the design caveat, and no child's name or CPR
number; only their maker can fetch them."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from spor.accounts.models import Membership, Profession, Role
from spor.cases.models import Intervention, InterventionType
from spor.evaluation.web import figures, reports, services
from spor.evaluation.web.models import ReportJob, ReportStatus
from spor.evaluation.web.tasks import make_report
from spor.registry.models import Child
from tests import factories as f
from tests.cases.world import intervention
from tests.conftest import World, cpr_forms
from tests.evaluation.test_page import SPEC, make_children
from tests.ops.jobkit import manage

PAGE = "/evaluering/"
ORDER = "/evaluering/rapport/"
SUPPORTIVE = InterventionType.SUPPORTIVE
needs_pdftotext = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils")


@pytest.fixture(autouse=True)
def _no_scheduled_jobs(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SPOR_WORKER_JOBS = []  # the worker here makes the ordered reports, nothing else


def work() -> str:
    """What the background worker does with the ordered reports: `spor_worker --once`."""
    out = io.StringIO()
    call_command("spor_worker", "--once", stdout=out)
    return out.getvalue()


def data(w: World) -> None:
    """13 started / 8 paired of one type, and 6 pairs of another type the filter leaves out."""
    make_children(w, SPEC)
    make_children(w, [(20, 10)] * 6, name="Klassetrivsel", kind=InterventionType.CONSULTATIVE,
                  born_year=2022, start=100)  # fmt: skip


def order(w: World, fmt: str, user=None, *, worker: bool = True, **params):  # type: ignore[no-untyped-def]
    """Order a report from the page; then (unless ``worker=False``) the worker runs."""
    client = w.client_for(user or w.lead_a)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    r = client.post(f"{ORDER}?{query}" if query else ORDER, {"format": fmt})
    if worker:
        work()
    return r


def fetch(w: World, fmt: str, **params) -> tuple[bytes, ReportJob]:  # type: ignore[no-untyped-def]
    r = order(w, fmt, **params)
    assert r.status_code == 302, r.content.decode()[:500]
    job = ReportJob.objects.get(pk=int(r["Location"].rstrip("/").split("/")[-1]))
    client = w.client_for(w.lead_a)
    status = client.get(r["Location"])
    assert status.status_code == 200 and "Rapporten er klar" in status.content.decode()
    got = client.get(f"{r['Location']}hent/")
    assert got.status_code == 200
    assert job.filename in got["Content-Disposition"]
    return got.content, job


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "rapport.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode()


def page_fig(w: World, **params) -> figures.Figures:  # type: ignore[no-untyped-def]
    r = w.client_for(w.lead_a).get(PAGE, params)
    assert r.status_code == 200
    return r.context["fig"]


def assert_no_child_identity(w: World, text: str) -> None:
    for child in Child.objects.filter(municipality=w.a):
        assert child.first_name not in text
        for form in cpr_forms(child.cpr_digits()):
            assert form not in text


def test_the_page_offers_both_reports_with_its_filters(world: World) -> None:
    text = world.client_for(world.lead_a).get(PAGE, {"type": SUPPORTIVE}).content.decode()
    assert f'action="{ORDER}?type={SUPPORTIVE}"' in text
    assert "Hent PDF-rapport" in text and "Hent regneark (XLSX)" in text


@needs_pdftotext
def test_the_pdf_carries_the_pages_figures_filters_norm_set_and_caveat(
    world: World, tmp_path: Path
) -> None:
    # One intervention: every view the lead can set counts the same 13 children, so the
    # protection of the lattice (spor.evaluation.web.lattice) leaves the totals shown.
    make_children(world, SPEC)
    pdf, job = fetch(world, "pdf", type=SUPPORTIVE)
    assert pdf.startswith(b"%PDF")
    fig = page_fig(world, type=SUPPORTIVE)
    assert fig.n_paired == 8
    text = pdf_text(pdf, tmp_path)
    flat = " ".join(text.split())
    assert "Aby Kommune" in flat and "Konsultativt støttende" in flat
    assert "8 par af 13 startet" in flat
    for phrase in ("uden en kontrolgruppe", "Regression mod middelværdien",
                   "hjælper ofte barnet", "uk-3band@1"):  # fmt: skip
        assert phrase in flat
    assert f"{fig.total.before} {fig.total.after} {fig.total.change} {fig.total.ci}" in flat
    for label, value in fig.effects:
        assert f"{label} {value}" in flat
    g = fig.regression
    assert g is not None and f"{g.expected} {g.beyond} {g.ci}" in flat
    assert "Pålidelig ændring er beregnet med SD 6,0 og reliabilitet r = 0,62" in flat
    assert "Følsomhed: andre værdier af reliabiliteten" in flat
    for s in fig.categories + fig.unions:
        assert s.text in flat
    for c in fig.subscales:
        assert f"{c.before} {c.after} {c.change} {c.ci}" in flat
    # A band table of small cells is not published (it would hide its own total).
    assert fig.transitions is None and "Bånd før og efter" not in flat
    # No chart of each child's change or score histogram in a report meant for publishing.
    assert "Fordeling før og efter" not in flat and "Ændring pr. barn" not in flat
    assert "◆ skjult af hensyn til fortrolighed" in flat and "færre end" not in flat
    assert job.pages is not None and job.pages >= 2
    assert f"Side 1 af {job.pages}" in flat and f"Side {job.pages} af {job.pages}" in flat
    assert_no_child_identity(world, text)


def test_the_pdf_embeds_the_charts_as_vector_graphics(world: World) -> None:
    data(world)
    fig = page_fig(world)
    rep = reports.report("Aby Kommune", fig, timezone.localdate())
    with translation.override("da"):
        html = reports.pdf_html(rep)
    # No per-child chart and no histogram in a report meant for publishing.
    assert "<svg" not in html and fig.histogram is None and fig.per_child is None
    assert "◆ skjult af hensyn til fortrolighed" in html and "færre end" not in html


def test_the_workbook_has_one_sheet_per_table_with_the_pages_figures(world: World) -> None:
    make_children(world, SPEC)
    xlsx, job = fetch(world, "xlsx", type=SUPPORTIVE, informant="ppr_fagperson")
    assert job.filename.endswith(".xlsx")
    fig = page_fig(world, type=SUPPORTIVE, informant="ppr_fagperson")
    wb = load_workbook(io.BytesIO(xlsx))
    assert wb.sheetnames == [
        "Om rapporten", "Hvem er med", "Samlet score", "Regression mod middelværdien",
        "Effektstørrelser",
        "Pålidelig ændring", "Bånd før og efter", "Delskalaer", "Frafald",
    ]  # fmt: skip
    about = {r[0]: r[1] for r in wb["Om rapporten"].iter_rows(values_only=True) if r[0]}
    assert about["Kommune"] == "Aby Kommune"
    assert about["Type"] == "Konsultativt støttende" and about["Indsats"] == "Alle"
    assert "uk-3band@1" in about["Normsæt"]
    assert "Regression mod middelværdien" in about and "Skjulte tal" in about
    assert str(about["Hvem er med"]).startswith("8 par af 13 startet")

    def rows(name: str) -> list[tuple[object, ...]]:
        """The sheet's table, without the labels that end every sheet."""
        out = []
        for r in wb[name].iter_rows(min_row=2, values_only=True):
            if r[0] == "Om tallene":
                break
            if r[0]:
                out.append(r)
        return out

    t = fig.total
    assert t is not None
    assert rows("Samlet score")[0] == tuple(
        reports.cell_value(v) for v in (t.label, t.n, t.before, t.after, t.change, t.ci)
    )
    assert isinstance(rows("Samlet score")[0][4], float)  # a number, not text
    assert rows("Effektstørrelser") == [(k, reports.cell_value(v)) for k, v in fig.effects]

    # Counts and shares are numbers in their own columns; a hidden one is ◆ in both, and
    # has no interval (an empty cell).
    def share(s: figures.Share) -> tuple[object, ...]:
        if not s.shown:
            return (s.label, "◆", "◆", "◆", None)
        assert isinstance(s.k, int) and isinstance(s.n, int) and isinstance(s.share, float)
        return (s.label, s.k, s.n, s.share, s.ci)

    assert [r[:5] for r in rows("Pålidelig ændring")] == [
        *[share(s) for s in fig.categories],
        ("Sammenlagt (overlapper kategorierne)", "Børn", "Af par", "Andel",
         "95 %-interval (Wilson)"),
        *[share(s) for s in fig.unions],
        (f"n = {fig.categorised_label} par med samme normsæt før og efter. "
         f"Normsæt: {'; '.join(fig.norm_titles)}. Pålidelig ændring med {fig.rci_label}.",
         None, None, None, None),
    ]  # fmt: skip
    g = fig.regression
    assert g is not None and "r = 0,62 (test-retest)" in fig.rci_label
    reg = rows("Regression mod middelværdien")
    assert reg[0][:5] == tuple(
        reports.cell_value(v) for v in (g.n, g.expected, g.beyond, g.ci, g.standardised)
    )
    assert [r[1] for r in reg if r[1] in {x.kind for x in fig.sensitivity}] == [
        x.kind for x in fig.sensitivity
    ]
    assert fig.transitions is None  # small cells: not published (see the PDF test)
    assert rows("Delskalaer") == [
        tuple(reports.cell_value(v) for v in (c.label, c.n, c.before, c.after, c.change, c.ci))
        for c in fig.subscales
    ]
    assert rows("Frafald") == [(k, reports.cell_value(v)) for k, v in fig.attrition]
    text = "\n".join(
        str(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r if v
    )
    assert_no_child_identity(world, text)


@needs_pdftotext
def test_fewer_than_five_pairs_are_suppressed_in_both_files(world: World, tmp_path: Path) -> None:
    make_children(world, [(20, 10), (18, 12), (22, 15), (17, None)])
    pdf, _ = fetch(world, "pdf")
    flat = " ".join(pdf_text(pdf, tmp_path).split())
    assert "◆ par af ◆ startet" in flat
    assert "til at vise tallene" in flat and "Gennemsnit før" not in flat
    assert "Regression mod middelværdien" in flat
    xlsx, _ = fetch(world, "xlsx")
    wb = load_workbook(io.BytesIO(xlsx))
    for name in ("Samlet score", "Effektstørrelser", "Pålidelig ændring", "Delskalaer"):
        only = [v for r in wb[name].iter_rows(values_only=True) for v in r if v is not None]
        assert only[0].startswith("Der er for få par med disse filtre til at vise tallene.")
    assert ("Par (før og efter)", "◆") in [tuple(r[:2]) for r in wb["Hvem er med"].values]


def test_bad_filters_give_the_pages_danish_error_and_nothing_is_ordered(world: World) -> None:
    r = order(world, "pdf", halvaar="2025-12-31")  # a day: periods are whole half-years
    assert r.status_code == 400 and "Vælg et halvår" in r.content.decode()
    r = order(world, "pdf", halvaar="2026-2", type=SUPPORTIVE)  # one filter at a time
    assert r.status_code == 400 and "Vælg højst ét filter" in r.content.decode()
    other = intervention(world.b, "Bbys indsats")
    r = order(world, "pdf", indsats=other.pk)
    assert r.status_code == 400 and "kommunens indsatsvifte" in r.content.decode()
    r = order(world, "docx")
    assert r.status_code == 400 and services.MSG_FORMAT in r.content.decode()
    assert not ReportJob.objects.exclude(pk=world.extra["report_job"].pk).exists()


def test_ordering_is_a_post(world: World) -> None:
    assert world.client_for(world.lead_a).get(ORDER).status_code == 405


@pytest.mark.parametrize("who", ["ppr_a", "teacher_a", "health_a", "social_a", "ppr_b"])
def test_only_a_lead_orders_a_report(world: World, who: str) -> None:
    assert order(world, "pdf", getattr(world, who)).status_code == 404
    assert ReportJob.objects.count() == 1  # the world's own


def test_only_its_maker_sees_and_downloads_a_report(world: World) -> None:
    job = world.extra["report_job"]
    other_lead = f.user("leder_a2", world.a, Role.LEAD, Profession.LEADER)
    for user in (other_lead, world.lead_b, world.ppr_a):
        client = world.client_for(user)
        assert client.get(f"/evaluering/rapporter/{job.pk}/").status_code == 404
        assert client.get(f"/evaluering/rapporter/{job.pk}/hent/").status_code == 404
    got = world.client_for(world.lead_a).get(f"/evaluering/rapporter/{job.pk}/hent/")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"


def _job(w: World, **fields: object) -> ReportJob:
    lead = Membership.objects.get(user=w.lead_a, municipality=w.a)
    return ReportJob.objects.create(municipality=w.a, created_by=lead, format="pdf", steps=4,
                                    **fields)  # fmt: skip


def test_the_status_page_shows_progress_and_polls_until_done(world: World) -> None:
    job = _job(world, status=ReportStatus.RUNNING, step=2, step_label="Sætter siderne op (side 3)")
    client = world.client_for(world.lead_a)
    url = f"/evaluering/rapporter/{job.pk}/"
    full = client.get(url).content.decode()
    assert "<html" in full and "Trin 3 af 4: Sætter siderne op (side 3)" in full
    assert 'hx-trigger="every 1s"' in full and '<progress max="4" value="2"' in full
    part = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in part and f'hx-get="{url}"' in part
    # Not done: the download link leads back to the status page.
    got = client.get(f"{url}hent/")
    assert got.status_code == 302 and got["Location"] == url
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportStatus.DONE, step=4, result=b"%PDF", filename="r.pdf"
    )
    done = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-get" not in done and "Rapporten er klar" in done and f"{url}hent/" in done


def test_a_lost_job_says_so_and_stops_polling(world: World) -> None:
    job = _job(world, status=ReportStatus.RUNNING, step=1)
    ReportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=20))
    text = world.client_for(world.lead_a).get(f"/evaluering/rapporter/{job.pk}/").content.decode()
    assert services.MSG_LOST in text and "hx-get" not in text


def test_a_lead_cannot_pile_up_reports(world: World) -> None:
    for _ in range(services.MAX_RUNNING):
        _job(world, status=ReportStatus.QUEUED)
    r = order(world, "pdf")
    assert r.status_code == 400 and "allerede 3 rapporter" in r.content.decode()


def test_a_failure_is_recorded_with_a_danish_message(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("boom")

    monkeypatch.setattr(reports, "xlsx", broken)
    r = order(world, "xlsx")
    job = ReportJob.objects.get(pk=int(r["Location"].rstrip("/").split("/")[-1]))
    assert job.status == ReportStatus.FAILED and job.result is None
    text = world.client_for(world.lead_a).get(r["Location"]).content.decode()
    assert services.MSG_FAILED in text


def test_an_ordered_report_waits_for_the_worker_and_the_page_shows_its_state(
    world: World,
) -> None:
    make_children(world, SPEC)
    r = order(world, "xlsx", worker=False, type=SUPPORTIVE)
    assert r.status_code == 302
    job = ReportJob.objects.get(pk=int(r["Location"].rstrip("/").split("/")[-1]))
    # Ordered, not made: the request made no file (no thread); the task waits in the queue.
    assert job.status == ReportStatus.QUEUED and job.result is None
    task = DBTaskResult.objects.get()
    assert task.status == "READY" and task.args_kwargs["kwargs"]["job_id"] == job.pk
    client = world.client_for(world.lead_a)
    waiting = client.get(r["Location"]).content.decode()
    assert "Trin 1 af 3: Venter på at gå i gang" in waiting and "hx-get" in waiting
    work()
    job.refresh_from_db()
    task.refresh_from_db()
    assert job.status == ReportStatus.DONE and task.status == "SUCCESSFUL"
    wb = load_workbook(io.BytesIO(bytes(job.result)))
    assert wb["Hvem er med"]["B2"].value == 8
    done = client.get(r["Location"]).content.decode()
    assert "Rapporten er klar" in done and "hx-get" not in done
    # The task run again (a second worker, a retry) does not make the report again.
    made_at = job.finished_at
    make_report.call(job_id=job.pk, municipality_id=job.municipality_id)
    job.refresh_from_db()
    assert job.finished_at == made_at and job.status == ReportStatus.DONE


def test_an_order_that_fails_saves_neither_the_job_nor_the_task(world: World) -> None:
    for _ in range(services.MAX_RUNNING):
        _job(world, status=ReportStatus.QUEUED)
    assert order(world, "pdf", worker=False).status_code == 400
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_report_is_made_by_the_worker_process_not_the_web_process(
    world: World, tmp_path: Path
) -> None:
    data(world)
    r = order(world, "pdf", worker=False, type=SUPPORTIVE)
    assert r.status_code == 302
    job = ReportJob.objects.get(pk=int(r["Location"].rstrip("/").split("/")[-1]))
    assert job.status == ReportStatus.QUEUED
    # `spor manage spor_worker --once` in its own process, on the same database.
    out = manage("spor_worker", "--once")
    assert out.returncode == 0, out.stdout + out.stderr
    job.refresh_from_db()
    assert job.status == ReportStatus.DONE, job.message
    assert bytes(job.result).startswith(b"%PDF") and job.pages
    got = world.client_for(world.lead_a).get(f"{r['Location']}hent/")
    assert got.status_code == 200 and got.content.startswith(b"%PDF")


def test_the_filters_are_described_in_danish_on_the_title_page(world: World) -> None:
    data(world)
    iv = Intervention.objects.get(municipality=world.a, name="Samtaler i skolen")
    fig = page_fig(world, indsats=iv.pk)
    described = dict(reports.describe(fig.filters))
    assert described["Indsats"] == "Samtaler i skolen"
    assert described["Aldersgruppe (ved førmålingen)"] == "Alle"
    assert described["Type"] == described["Niveau"] == described["Målgruppe"] == "Alle"
    assert described["Førmåling i halvåret"] == "Alle"
    half = dict(reports.describe(page_fig(world, halvaar="2025-1").filters))
    assert half["Førmåling i halvåret"] == "1. halvår 2025"
    with translation.override("da"):
        html = reports.pdf_html(reports.report("Aby Kommune", fig, dt.date(2026, 11, 30)))
    assert "Samtaler i skolen" in html
    assert "Lavet 30. november 2026" in html


def test_a_leads_reports_older_than_a_week_are_deleted_when_they_order_a_new_one(
    world: World,
) -> None:
    old = _job(world, status=ReportStatus.DONE, step=4, result=b"%PDF")
    ReportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    other_lead = f.user("leder_a2", world.a, Role.LEAD, Profession.LEADER)
    theirs = ReportJob.objects.create(
        municipality=world.a,
        created_by=Membership.objects.get(user=other_lead),
        format="xlsx",
        created_at=timezone.now() - dt.timedelta(days=8),
    )
    assert order(world, "xlsx").status_code == 302
    assert not ReportJob.objects.filter(pk=old.pk).exists()
    assert ReportJob.objects.filter(pk=theirs.pk).exists()


def test_the_pdf_tells_its_progress_page_by_page(world: World) -> None:
    data(world)
    rep = reports.report("Aby Kommune", page_fig(world), timezone.localdate())
    seen: list[int] = []
    done: list[int] = []
    with translation.override("da"):
        pdf, pages = reports.pdf(rep, on_page=seen.append, laid_out=done.append)
    assert pdf.startswith(b"%PDF") and pages >= 2
    assert seen == list(range(1, pages + 1)) and done == [pages]


def test_every_sheet_of_the_workbook_carries_the_labels(world: World) -> None:
    # Issue 15, item 6: informant, norm set, filters, design, n and the caveat on every sheet.
    make_children(world, SPEC)
    xlsx, _ = fetch(world, "xlsx")
    wb = load_workbook(io.BytesIO(xlsx))
    assert len(wb.worksheets) > 5
    for ws in wb.worksheets:
        values = {str(r[0]): r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}
        assert values["Informant"] == "PPR-fagperson, der kender barnet bedst", ws.title
        assert "uk-3band@1" in str(values["Normsæt"]), ws.title
        assert "uden kontrolgruppe" in str(values["Design"]), ws.title
        assert any(k.startswith("Filter: ") or k == "Aldersgruppe (ved førmålingen)"
                   for k in values), ws.title  # fmt: skip
        if ws.title != "Om rapporten":
            assert values["n"] == "8 par af 13 startet", ws.title
            assert "uden en kontrolgruppe" in str(values["Sådan skal tallene læses"])
            assert str(values["Skjulte tal"]).startswith("◆ skjult af hensyn til fortrolighed")
