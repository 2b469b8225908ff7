"""The programme's evaluation cells kept per municipality (issue #18, goal 5): the stored
cells (``OutcomeCell``, built by ``spor_outcome_cells``) are the cells computed from the
responses, field by field, on random data; after each kind of write the figures are the
live ones at once (a write through a service marks the municipality stale, and it is
computed from its responses until the job builds it again); a bulk change waits for the
job, and the page says when the cells were built; the evaluator's page from the stored
cells is the page from the live read, row by row, with the same publication."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
import zipfile
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from spor.accounts.models import Membership
from spor.archive.models import Disposal, RecordType, RetentionRule
from spor.archive.services import retention_run
from spor.cases.models import (
    CLOSE_FIELDS,
    Case,
    Delivery,
    DeliveryStatus,
    InterventionType,
    Level,
    OpenedFrom,
    Outcome,
    Status,
)
from spor.demo import measurement as demo
from spor.evaluation.national import exports as national_exports
from spor.evaluation.national import selectors as national_selectors
from spor.evaluation.national import tables
from spor.evaluation.national import views as national_views
from spor.evaluation.national.access import EvaluatorActor
from spor.evaluation.web import figures, selectors
from spor.evaluation.web.forms import Filters
from spor.evaluation.web.models import OutcomeCell, OutcomeCellsPacked, OutcomeCellsState
from spor.evaluation.web.services import outcome_cells_refresh
from spor.lib import memo, spreadsheets
from spor.measurement import questionnaire
from spor.measurement.models import Informant, Phase, Response
from spor.registry.models import Child
from spor.tenancy import rls
from tests.cases.world import intervention
from tests.conftest import World
from tests.programme.test_evaluator import evaluator, url, xlsx_sheets, zip_sheets

PRO = Informant.PROFESSIONAL
LEVELS = list(Level)
KINDS = list(InterventionType)


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def random_world(w: World, seed: int, per_municipality: int = 40) -> dict[str, Any]:
    """Children in Aby and Bby with random birth dates (ages 1–19 at the baseline: every age
    group and some outside them), interventions of every type and level, baselines in
    2017–2020 (several half-years), random totals, by the PPR professional and (for some)
    a parent, and about one in four without a follow-up."""
    rng = random.Random(seed)
    made: dict[str, Any] = {"deliveries": [], "interventions": [], "children": []}
    for muni, user in ((w.a, w.ppr_a), (w.b, w.ppr_b)):
        ppr = Membership.objects.get(user=user, municipality=muni)
        ivs = [
            intervention(muni, f"Indsats {k}", min_age=0, max_age=20, kind=KINDS[k % 3],
                         level=LEVELS[(k // 3) % 3])
            for k in range(4)
        ]  # fmt: skip
        made["interventions"] += ivs
        for i in range(per_municipality):
            baseline = dt.date(2017, 1, 1) + dt.timedelta(days=rng.randrange(4 * 365))
            age = rng.randint(1, 19)
            born = baseline - dt.timedelta(days=365 * age + rng.randrange(365))
            child = Child(municipality=muni, first_name=f"Tilfældig{i}", last_name="Testesen")
            child.set_cpr(f"{1 + i % 28:02d}0{i % 9 + 1}16-4{i:03d}")
            child.birth_date = born
            child.save()
            case = Case.objects.create(
                municipality=muni, child=child, title="Forløb", level=Level.ANTICIPATORY,
                opened_from=OpenedFrom.DIRECT, opened_on=baseline, opened_by=ppr,
            )  # fmt: skip
            d = Delivery.objects.create(
                municipality=muni, case=case, intervention=rng.choice(ivs), start=baseline,
                status=DeliveryStatus.RUNNING,
            )  # fmt: skip
            made["deliveries"].append(d)
            made["children"].append(child)
            informants = [PRO] + ([Informant.PARENT] if rng.random() < 0.3 else [])
            for informant in informants:
                form_age = min(max(age, 4), 17)
                after = None if rng.random() < 0.25 else rng.randint(0, 40)
                for phase, total, on in (
                    (Phase.BEFORE, rng.randint(0, 40), baseline),
                    (Phase.AFTER, after, baseline + dt.timedelta(days=rng.randint(60, 300))),
                ):
                    if total is None:
                        continue
                    form = questionnaire.form_for(informant, phase, form_age)
                    answers = demo._items(form, total, rng.randint(0, 10), rng)
                    scores = questionnaire.score(form, answers, {})
                    Response.objects.create(
                        municipality=muni, delivery=d, phase=phase, informant=informant,
                        form=form, answers=answers, scores=scores,
                        norm_set=scores["norm_set"], entered_by=ppr, answered_at=_at(on),
                    )  # fmt: skip
    return made


def ids(w: World) -> list[int]:
    return sorted([w.a.pk, w.b.pk])


def stored_cells(municipality_ids: list[int], informant: str) -> list[selectors.Cell]:
    """The stored cells of these municipalities as they were last built, in the order they
    were built in, one :class:`~spor.evaluation.web.selectors.Cell` per row: the per-row
    reference for the columns the programme reads (``selectors.stored_arrays``)."""
    rows = (
        OutcomeCell.objects.filter(municipality_id__in=municipality_ids, informant=informant)
        .order_by("municipality_id", "pk")
        .values_list(*selectors._STORED)
    )
    out = []
    for r in rows:
        subs = (r[14:19], r[19:24], r[24:29], r[29:34], r[34:39])
        out.append(selectors.Cell(*r[1:9], subs, r[0], *r[9:14]))  # type: ignore[call-arg]
    return out


def build_all() -> None:
    call_command("spor_outcome_cells", "--all", stdout=open("/dev/null", "w"))  # noqa: SIM115


def build_stale() -> None:
    call_command("spor_outcome_cells", stdout=open("/dev/null", "w"))  # noqa: SIM115


def pooled(cells: list[selectors.Cell]) -> dict[Any, list[float]]:
    """Cells added up by everything but their origin: every count and sum."""
    out: dict[Any, list[float]] = {}
    for c in cells:
        key = (c.form, c.norm_before, c.norm_after, c.before, c.after, c.band_before,
               c.band_after)  # fmt: skip
        acc = out.setdefault(key, [0] * 26)
        acc[0] += c.n
        for k, v in enumerate(x for s in c.subscales for x in s):
            acc[k + 1] += v
    return out


def assert_figures_are_live(w: World) -> None:
    """What the programme's figures read (stored where fresh, live where stale) is the
    cells computed from the responses now, field by field, for every informant; and so are
    the pooled cells, and the pooled figures computed from them."""
    for informant in (PRO, Informant.PARENT):
        read = selectors.programme_cells(ids(w), informant).cells
        assert read == selectors.grouped_cells(ids(w), informant)
        live = selectors.pair_cells_across(ids(w), Filters(informant=informant))
        kept = selectors.pooled_cells(ids(w), informant).cells
        assert pooled(kept) == pooled(live)
        filters = Filters(informant=informant)
        got, want = figures.compute_cells(kept, filters), figures.compute_cells(live, filters)

        def fields(f: figures.Figures) -> tuple[Any, ...]:
            return (f.n_started, f.n_paired, f.total, f.effects, f.categories, f.unions,
                    f.n_categorised, f.transitions, f.subscales, f.attrition, f.regression,
                    f.norm_titles, sorted(zip(f.before, f.after, strict=True)))  # fmt: skip

        assert fields(got) == fields(want)


def assert_stored_are_live(w: World) -> None:
    """Every municipality fresh and its stored cells the live ones, field by field."""
    states = OutcomeCellsState.objects.filter(municipality_id__in=ids(w))
    assert sorted(s.municipality_id for s in states if s.stale_since is None) == ids(w)
    for informant in (PRO, Informant.PARENT):
        stored = stored_cells(ids(w), informant)
        assert stored == selectors.grouped_cells(ids(w), informant)
        assert selectors.programme_cells(ids(w), informant).cells == stored
        live = selectors.pair_cells_across(ids(w), Filters(informant=informant))
        kept = selectors.pooled_cells(ids(w), informant).cells
        # Built and fresh: one cell per key, as the live read gives them.
        assert sorted(kept, key=repr) == sorted(live, key=repr)
    assert_figures_are_live(w)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_stored_cells_are_the_live_cells_field_by_field(world: World, seed: int) -> None:
    random_world(world, seed)
    build_all()
    assert OutcomeCell.objects.exists()
    assert_stored_are_live(world)
    # And the age group is all they lose: the cells kept apart by age, added up per group,
    # give every count and sum (an independent sum, not the code under test).
    for informant in (PRO, Informant.PARENT):
        fine = selectors.pair_cells_across(ids(world), Filters(informant=informant),
                                           by_origin=True)  # fmt: skip
        stored = stored_cells(ids(world), informant)

        def totals(cells: list[selectors.Cell], age: Any) -> dict[Any, list[float]]:
            out: dict[Any, list[float]] = {}
            for c in cells:
                key = (c.municipality_id, c.form, c.norm_before, c.norm_after, c.before,
                       c.after, c.band_before, c.band_after, c.kind, c.intervention_id,
                       c.level, age(c.age), c.half)  # fmt: skip
                acc = out.setdefault(key, [0] * 26)
                acc[0] += c.n
                for k, v in enumerate(x for s in c.subscales for x in s):
                    acc[k + 1] += v
            return out

        assert totals(stored, lambda a: a) == totals(fine, selectors.group_age)
        assert sum(c.n for c in stored) == sum(c.n for c in fine) > 0
    assert {c.age for c in stored_cells(ids(world), PRO)} <= {2, 6, 11, None}


def _page_rows(report: tables.Report) -> list[Any]:
    out: list[Any] = [(report.overall.cells, report.overall.change, report.overall.dz)]
    for b in report.breakdowns:
        for r in b.rows:
            out.append((b.key, r.label, r.cells, r.started, r.paired, r.categorised, r.change,
                        r.dz, r.unions, r.beyond))  # fmt: skip
    if report.transitions is not None:
        out.append(report.transitions.rows)
    out.append(report.variation)
    out.append(report.norm_titles)
    return out


def test_the_evaluators_page_from_the_stored_cells_is_the_page_from_the_live_read(
    world: World,
) -> None:
    random_world(world, 7, per_municipality=60)
    build_all()
    client = evaluator(world)
    r = client.get(url(world))
    assert r.status_code == 200
    report = r.context["report"]
    # Read from the stored cells: the page says when they were built.
    built = OutcomeCellsState.objects.get(municipality=world.a).refreshed_at
    assert r.context["refreshed_at"] == min(
        s.refreshed_at for s in OutcomeCellsState.objects.filter(municipality_id__in=ids(world))
    )
    assert built is not None and "Opdateret" in r.content.decode()
    # The live read kept apart by age (as before the stored cells), built afresh.
    eactor = EvaluatorActor(world.extra["programme_evaluator"], world.extra["programme"])
    data = national_selectors.programme_data(eactor, Filters())
    live = national_selectors.ProgrammeData(
        data.municipality_ids,
        selectors.pair_cells_across(data.municipality_ids, Filters(), by_origin=True),
        data.benchmark_uses,
        data.benchmarks,
    )
    assert len(live.cells) >= len(data.cells)
    expected = tables.build(live, world.extra["programme"].pk, Filters())
    assert _page_rows(report) == _page_rows(expected)
    # The same publication: every published count and the same hidden ones.
    assert report.hidden == expected.hidden
    assert report.publication is not None and expected.publication is not None
    keys = report.publication.keys
    assert keys == expected.publication.keys
    assert [report.publication.value(k) for k in keys] == [
        expected.publication.value(k) for k in keys
    ]


def test_every_kind_of_write_is_in_the_figures_at_once_and_in_the_stored_cells_after_the_job(
    world: World,
) -> None:
    made = random_world(world, 11)
    build_all()
    assert_stored_are_live(world)
    rng = random.Random(5)
    ppr = Membership.objects.get(user=world.ppr_a, municipality=world.a)

    def after_write(stale: list[int]) -> None:
        got = sorted(
            OutcomeCellsState.objects.filter(
                municipality_id__in=ids(world), stale_since__isnull=False
            ).values_list("municipality_id", flat=True)
        )
        assert got == sorted(stale)
        assert_figures_are_live(world)
        build_stale()
        assert_stored_are_live(world)

    # A response saved (a follow-up where there was none).
    d = next(
        d for d in made["deliveries"]
        if d.municipality_id == world.a.pk
        and not Response.objects.filter(delivery=d, phase=Phase.AFTER, informant=PRO).exists()
    )  # fmt: skip
    before = Response.objects.get(delivery=d, phase=Phase.BEFORE, informant=PRO)
    form = questionnaire.form_for(PRO, Phase.AFTER, 10)
    answers = demo._items(form, 9, 6, rng)
    scores = questionnaire.score(form, answers, {})
    Response.objects.create(
        municipality=world.a, delivery=d, phase=Phase.AFTER, informant=PRO, form=form,
        answers=answers, scores=scores, norm_set=scores["norm_set"], entered_by=ppr,
        answered_at=before.answered_at + dt.timedelta(days=90),
    )  # fmt: skip
    after_write([world.a.pk])
    # A response changed (its scores).
    r = Response.objects.filter(municipality=world.b, informant=PRO).first()
    assert r is not None
    answers = demo._items(r.form, 30, 2, rng)
    r.answers, r.scores = answers, questionnaire.score(r.form, answers, {})
    r.save()
    after_write([world.b.pk])
    # A delivery moved to another intervention.
    d = made["deliveries"][-1]
    d.intervention = next(
        iv for iv in made["interventions"]
        if iv.municipality_id == d.municipality_id and iv.pk != d.intervention_id
    )  # fmt: skip
    d.save()
    after_write([d.municipality_id])
    # An intervention's type and level changed.
    iv = made["interventions"][0]
    iv.kind, iv.level = InterventionType.TREATMENT, Level.INTERVENING
    iv.save()
    after_write([iv.municipality_id])
    # A child's birth date corrected (another age group).
    child = made["children"][3]
    child.birth_date = child.birth_date - dt.timedelta(days=365 * 6)
    child.save()
    after_write([child.municipality_id])
    # A case given another child.
    case = Case.objects.filter(municipality=world.b).order_by("pk").first()
    other = [c for c in made["children"] if c.municipality_id == world.b.pk][-1]
    assert case is not None and case.child_id != other.pk
    case.child = other
    case.save()
    after_write([world.b.pk])
    # Retention deletes old SDQ responses of closed cases (in bulk, without signals).
    Case.objects.filter(pk__in=[d.case_id for d in made["deliveries"]]).update(
        status=Status.CLOSED, outcome=Outcome.ACHIEVED, closed_on=dt.date(2021, 1, 1),
        **dict.fromkeys(CLOSE_FIELDS, False),
    )  # fmt: skip
    RetentionRule.objects.create(
        municipality=world.a, record_type=RecordType.SDQ, months=6 * 12,
        disposal=Disposal.DELETE, updated_by=ppr,
    )  # fmt: skip
    n = Response.objects.filter(municipality=world.a).count()
    retention_run(municipality_id=world.a.pk, today=dt.date(2025, 1, 1))
    assert 0 < Response.objects.filter(municipality=world.a).count() < n
    after_write([world.a.pk])


def test_a_bulk_change_waits_for_the_job_and_the_page_says_when_the_cells_were_built(
    world: World,
) -> None:
    made = random_world(world, 13)
    build_all()
    stored = selectors.programme_cells(ids(world), PRO)
    assert stored.refreshed_at is not None
    # An update over a queryset sends no signal: every child of Aby ten years younger.
    Child.objects.filter(pk__in=[c.pk for c in made["children"]]).update(
        birth_date=dt.date(2016, 1, 1)
    )
    now = selectors.programme_cells(ids(world), PRO)
    assert now == stored  # not yet: the stored cells, with the time they were built
    assert now.cells != selectors.grouped_cells(ids(world), PRO)
    build_stale()  # nothing stale: nothing built
    assert selectors.programme_cells(ids(world), PRO) == stored
    build_all()  # the night's job
    again = selectors.programme_cells(ids(world), PRO)
    assert again.cells == selectors.grouped_cells(ids(world), PRO)
    assert again.refreshed_at is not None and again.refreshed_at > stored.refreshed_at


def test_a_municipality_never_built_is_computed_from_its_responses(world: World) -> None:
    random_world(world, 17, per_municipality=10)
    read = selectors.programme_cells(ids(world), PRO)
    assert read.refreshed_at is None  # nothing stored: nothing to date
    assert read.cells == selectors.grouped_cells(ids(world), PRO) != []
    r = evaluator(world).get(url(world))
    assert r.status_code == 200 and "Opdateret" not in r.content.decode()


# ------------------------------------- the kept results keyed by the builds (session 9)


def _reads_stored_cells(queries: CaptureQueriesContext) -> bool:
    """Whether the stored cells were read: their rows, or their packed values (what a build
    writes beside the rows, read instead of them while they are of the current build)."""
    tables = (OutcomeCell._meta.db_table, OutcomeCellsPacked._meta.db_table)
    return any(f'"{t}"' in q["sql"] for q in queries.captured_queries for t in tables)


def _view(client: Any, path: str) -> tuple[Any, bool]:
    """The page, and whether it read the stored cells."""
    with CaptureQueriesContext(connection) as queries:
        r = client.get(path)
    assert r.status_code == 200
    return r, _reads_stored_cells(queries)


def _unzipped(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _oldest_build(w: World) -> dt.datetime | None:
    return min(
        s.refreshed_at
        for s in OutcomeCellsState.objects.filter(municipality_id__in=ids(w))
        if s.refreshed_at is not None
    )


def _live_report(w: World) -> tables.Report:
    """The evaluator's report built afresh from the cells computed from the responses now,
    in the kept results' order (nothing kept)."""
    eactor = EvaluatorActor(w.extra["programme_evaluator"], w.extra["programme"])
    data = national_selectors.programme_data(eactor, Filters())
    live = dataclasses.replace(data, cells=selectors.grouped_cells(ids(w), PRO))
    ordered, _ = tables.in_order(live, w.extra["programme"].pk)
    memo.clear()
    return tables.build(ordered, w.extra["programme"].pk, Filters())


def _new_follow_up(w: World, made: dict[str, Any]) -> None:
    """A follow-up saved in Aby where there was none (its figures change)."""
    ppr = Membership.objects.get(user=w.ppr_a, municipality=w.a)
    d = next(
        d for d in made["deliveries"]
        if d.municipality_id == w.a.pk
        and not Response.objects.filter(delivery=d, phase=Phase.AFTER, informant=PRO).exists()
    )  # fmt: skip
    baseline = Response.objects.get(delivery=d, phase=Phase.BEFORE, informant=PRO)
    form = questionnaire.form_for(PRO, Phase.AFTER, 10)
    answers = demo._items(form, 3, 6, random.Random(3))
    scores = questionnaire.score(form, answers, {})
    Response.objects.create(
        municipality=w.a, delivery=d, phase=Phase.AFTER, informant=PRO, form=form,
        answers=answers, scores=scores, norm_set=scores["norm_set"], entered_by=ppr,
        answered_at=baseline.answered_at + dt.timedelta(days=90),
    )  # fmt: skip


def test_after_the_job_a_second_view_does_not_read_the_stored_cells(world: World) -> None:
    random_world(world, 19)
    build_all()
    memo.clear()
    client = evaluator(world)
    admin = world.client_for(world.extra["programme_admin"])
    pages = [
        (client, url(world)),
        (client, url(world, "evaluering.xlsx")),
        (client, url(world, "evaluering-csv.zip")),
        (admin, url(world)),  # the administrator's evaluation page
        (admin, url(world, "initiativer/")),  # the figures per pejlemærke
    ]
    first, read = _view(client, url(world))
    assert read  # nothing kept yet: computed from the stored cells
    assert first.context["refreshed_at"] == _oldest_build(world) is not None
    for who, path in pages:
        r, read = _view(who, path)
        r2, read2 = _view(who, path)
        assert not read2, path
        if path.endswith("evaluering/"):
            assert not read
            assert _page_rows(r2.context["report"]) == _page_rows(first.context["report"])
            assert r2.context["refreshed_at"] == first.context["refreshed_at"]
            assert "Opdateret" in r2.content.decode()
        elif path.endswith("initiativer/"):
            assert [o.fig.n_paired for o in r2.context["outcomes"].rows] == [
                o.fig.n_paired for o in r.context["outcomes"].rows
            ]
        elif path.endswith(".zip"):  # the same files (the archive's times aside)
            assert _unzipped(r2.content) == _unzipped(r.content)
    # The same figures as the report computed afresh from the live read.
    assert _page_rows(first.context["report"]) == _page_rows(_live_report(world))


def test_a_new_response_shows_at_once_and_the_next_build_keys_the_page_anew(
    world: World,
) -> None:
    made = random_world(world, 23)
    build_all()
    memo.clear()
    client = evaluator(world)
    before, _ = _view(client, url(world))
    _view(client, url(world))  # kept
    # A follow-up saved where there was none: Aby is stale and computed from its responses.
    _new_follow_up(world, made)
    stale, _ = _view(client, url(world))
    live = _page_rows(_live_report(world))
    assert _page_rows(stale.context["report"]) == live != _page_rows(before.context["report"])
    # Bby's stored cells still: the page says when they were built.
    b_built = OutcomeCellsState.objects.get(municipality=world.b).refreshed_at
    assert stale.context["refreshed_at"] == b_built
    # The job builds Aby again: the next view is keyed by the new build (a miss: it reads
    # the stored cells) and shows the same figures, to the last bit; the one after reads none.
    build_stale()
    assert OutcomeCellsState.objects.get(municipality=world.a).stale_since is None
    built, read = _view(client, url(world))
    assert read
    assert _page_rows(built.context["report"]) == live
    assert built.context["refreshed_at"] == _oldest_build(world)
    again, read = _view(client, url(world))
    assert not read and _page_rows(again.context["report"]) == live


def test_the_evaluators_files_are_written_once_per_kept_report_and_anew_after_a_change(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = random_world(world, 31)
    build_all()
    memo.clear()
    written: list[str] = []
    for name in ("workbook", "csv_zip"):
        real = getattr(spreadsheets, name)

        def counted(*args: Any, _real: Any = real, _name: str = name, **kw: Any) -> bytes:
            written.append(_name)
            return _real(*args, **kw)

        monkeypatch.setattr(spreadsheets, name, counted)
    client = evaluator(world)
    programme = world.extra["programme"]
    text = national_views.filter_text(Filters())

    def downloads() -> tuple[bytes, bytes]:
        xlsx, _ = _view(client, url(world, "evaluering.xlsx"))
        csvs, _ = _view(client, url(world, "evaluering-csv.zip"))
        return xlsx.content, csvs.content

    def expected() -> dict[str, list[list[Any]]]:
        """The sheets written afresh from the report of the live read, read back (before
        the downloads: this empties the kept results)."""
        live = _live_report(world)
        sheets = xlsx_sheets(national_exports.workbook(live, programme, text))
        written.clear()
        return sheets

    want = expected()
    first = downloads()
    assert written == ["workbook", "csv_zip"]
    assert xlsx_sheets(first[0]) == want
    written.clear()
    again = downloads()
    assert written == [] and again == first  # the same bytes, not written again
    # Another informant is another report: its own files.
    r = client.get(url(world, "evaluering.xlsx"), {"informant": "foraelder"})
    assert r.status_code == 200 and written == ["workbook"]
    assert xlsx_sheets(r.content) != xlsx_sheets(first[0])
    # A new response: a new report, so the next files are written from it.
    _new_follow_up(world, made)
    want = expected()
    after = downloads()
    assert written == ["workbook", "csv_zip"]
    assert xlsx_sheets(after[0]) == want != xlsx_sheets(first[0])
    assert zip_sheets(after[1]) != zip_sheets(first[1])


def test_another_municipalitys_build_does_not_disturb_the_others(world: World) -> None:
    random_world(world, 29)
    build_all()
    memo.clear()
    client = evaluator(world)
    first, _ = _view(client, url(world))
    a_build = OutcomeCellsState.objects.get(municipality=world.a).build
    b_build = OutcomeCellsState.objects.get(municipality=world.b).build
    # Bby built again (nothing changed): a new identity, the same cells; Aby's untouched.
    with rls.job(world.b.pk):
        outcome_cells_refresh(municipality_id=world.b.pk)
    assert OutcomeCellsState.objects.get(municipality=world.b).build not in (b_build, None)
    assert OutcomeCellsState.objects.get(municipality=world.a).build == a_build
    after, read = _view(client, url(world))
    assert read  # keyed by the new builds: computed from their cells
    assert _page_rows(after.context["report"]) == _page_rows(first.context["report"])
    assert after.context["refreshed_at"] == _oldest_build(world)
    again, read = _view(client, url(world))
    assert not read and _page_rows(again.context["report"]) == _page_rows(first.context["report"])


def test_a_build_between_the_state_and_the_cells_is_kept_under_the_cells_not_the_builds(
    world: World,
) -> None:
    random_world(world, 31)
    build_all()
    memo.clear()
    eactor = EvaluatorActor(world.extra["programme_evaluator"], world.extra["programme"])
    pid = world.extra["programme"].pk
    data = national_selectors.programme_data(eactor, Filters(), stored=False)
    assert [m for m, _ in data.builds] == ids(world) and data.cells == []
    builds_key = memo.digest(
        "national.build",
        (None, "", "", "", "", PRO, None, None),
        tables._data_key(data, pid, informant=PRO),
    )
    # A build commits after the states were read, before the cells are.
    with rls.job(world.a.pk):
        outcome_cells_refresh(municipality_id=world.a.pk)
    report = tables.build_cached(data, pid, Filters(), eactor=eactor)
    assert builds_key not in memo._store  # never kept under builds it is not
    assert _page_rows(report) == _page_rows(_live_report(world))
    # The page, keyed by the builds read now, computes afresh and shows the same.
    r, read = _view(evaluator(world), url(world))
    assert read and _page_rows(r.context["report"]) == _page_rows(report)


def test_an_intervention_deleted_gives_its_municipality_a_new_identity(world: World) -> None:
    random_world(world, 37, per_municipality=5)
    unused = intervention(world.a, "Ubrugt", min_age=0, max_age=20)
    build_all()
    state = OutcomeCellsState.objects.get(municipality=world.a)
    unused.delete()
    now = OutcomeCellsState.objects.get(municipality=world.a)
    assert now.build != state.build and now.stale_since is not None
    other = OutcomeCellsState.objects.get(municipality=world.b)
    assert other.stale_since is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
def test_the_pooled_cells_are_grouped_by_hashing_and_sorting_is_on_again_after(
    world: World,
) -> None:
    random_world(world, 4, per_municipality=15)
    build_all()
    seen: list[tuple[str, str]] = []

    def show_enable_sort(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "GROUP BY" in sql:
            context["cursor"].execute("SHOW enable_sort")
            seen.append(("GROUP BY", context["cursor"].fetchone()[0]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(show_enable_sort):
        kept = selectors.pooled_cells(ids(world), PRO).cells
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_sort")
        after = cursor.fetchone()[0]
    assert seen == [("GROUP BY", "off")]
    assert after == "on"
    live = selectors.pair_cells_across(ids(world), Filters(informant=PRO))
    assert kept and pooled(kept) == pooled(live)
