"""The partnership as its users meet it: the programme administrator manages the programme
and reads the initiatives overview; the PPR-leder writes the municipality's development plan;
PPR staff read it. Bad input gets a clear Danish message and saves nothing."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from openpyxl import load_workbook

from spor.programme.models import (
    DevelopmentPlan,
    Initiative,
    InitiativeBenchmark,
    InitiativeIntervention,
    Milestone,
    Programme,
    ProgrammeAdmin,
    ProgrammeParticipation,
)
from tests import factories as f
from tests.conftest import World


def admin(world: World):  # type: ignore[no-untyped-def]
    return world.client_for(world.extra["programme_admin"])


def programme_url(world: World, rest: str = "") -> str:
    return f"/partnerskab/{world.extra['programme'].pk}/{rest}"


def benchmark_ids(world: World, *numbers: int) -> list[int]:
    framework = world.extra["programme"].framework
    return [b.pk for b in framework.benchmarks.filter(number__in=numbers)]


def initiative_data(world: World, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Konsultationsmodel i dagtilbud",
        "description": "Fast konsultativt møde hver måned i alle dagtilbud.",
        "scope": "specifik",
        "aimed_at": ["fagprofessionelle"],
        "level": "forebyggende",
        "target_groups": ["fagprofessionelle", "kontekst"],
        "age_groups": ["0_2", "3_5"],
        "responsible": "Pædagogisk konsulent, PPR",
        "status": "i_gang",
        "benchmarks": benchmark_ids(world, 2, 4),
        "interventions": [world.extra["intervention_class"].pk],
        "milestone_1_title": "Alle dagtilbud har haft første møde",
        "milestone_1_due_on": "2018-06-01",
        "milestone_2_title": "Evaluering med pædagogerne",
        "milestone_2_due_on": "01.03.2019",
    }
    data.update(changes)
    return data


def plan_counts() -> tuple[int, ...]:
    models = (DevelopmentPlan, Initiative, InitiativeBenchmark, InitiativeIntervention, Milestone)
    return tuple(m.objects.count() for m in models)


# --------------------------------------------------------------------------- pejlemærker


def test_the_five_pejlemaerker_are_shipped_with_their_how_to_succeed_points(world: World) -> None:
    page = world.client_for(world.teacher_a).get("/partnerskab/pejlemaerker/").content.decode()
    assert page.count("Hvordan får vi det til at lykkes") == 5
    assert "Løsninger udviklet i tæt samarbejde med børn, familie og netværk" in page
    assert "Høj faglighed og tydelig faglig retning i PPRs virke" in page
    assert "PPR supplerer og bygger bro til kommunens øvrige tilbudsvifte" in page
    framework = world.extra["programme"].framework
    assert framework.version == "1"
    assert [b.items.count() for b in framework.benchmarks.order_by("number")] == [5, 3, 6, 6, 5]


# --------------------------------------------------------------------------- programme


def test_the_administrator_sees_the_programme_with_pool_grants_and_extra_staff(
    world: World,
) -> None:
    page = admin(world).get(programme_url(world)).content.decode()
    assert "Investering i den tidlige og forebyggende indsats i PPR" in page
    assert "123.100.000 kr. (123,1 mio. kr.)" in page
    assert "Aby Kommune" in page and "11.200.000" in page and "Bby Kommune" in page
    assert "3 psykologer og 1 tale-hørekonsulent" in page
    assert "ikke fordelt</span>" not in page and "101.900.000 kr." in page  # 123,1 − 21,2 mio.
    assert "PPR på sporet" in page


def test_the_administrator_adds_a_municipality_with_its_grant(world: World) -> None:
    cby = f.municipality("Cby Kommune", "903")
    response = admin(world).post(
        programme_url(world, "kommuner/ny/"),
        {"municipality": cby.pk, "grant": "9.500.000", "extra_staff": "4,5", "staff_note": ""},
    )
    assert response.status_code == 302
    p = ProgrammeParticipation.objects.get(municipality=cby)
    assert p.grant == Decimal("9500000") and p.extra_staff == Decimal("4.5")


def test_a_grant_beyond_the_pool_is_refused_and_nothing_is_saved(world: World) -> None:
    cby = f.municipality("Cby Kommune", "903")
    response = admin(world).post(
        programme_url(world, "kommuner/ny/"),
        {"municipality": cby.pk, "grant": "102.000.000", "extra_staff": "4"},
    )
    assert response.status_code == 400
    assert (
        "Tilskuddene kan ikke overstige puljen på 123.100.000 kr. "
        "Der er 101.900.000 kr. tilbage at fordele." in response.content.decode()
    )
    assert not ProgrammeParticipation.objects.filter(municipality=cby).exists()


def test_a_grant_that_is_not_an_amount_gets_a_danish_message(world: World) -> None:
    part = world.extra["participation_b"]
    response = admin(world).post(
        programme_url(world, f"kommuner/{part.pk}/"), {"grant": "mange penge", "extra_staff": "-1"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Tilskuddet skal være et beløb i kroner, 0 eller mere." in page
    assert "Ekstra årsværk skal være et tal fra 0 til 200" in page
    part.refresh_from_db()
    assert part.grant == Decimal("10000000")


def test_shortening_the_period_past_the_plans_milestones_is_refused(world: World) -> None:
    response = admin(world).post(
        programme_url(world, "ret/"),
        {
            "name": "Investering i den tidlige og forebyggende indsats i PPR",
            "funder": "Socialstyrelsen",
            "start_on": "2019-01-01",
            "end_on": "2020-12-31",
            "grant_pool": "123100000",
        },
    )
    assert response.status_code == 400
    assert "1 milepæl(e) i kommunernes udviklingsplaner ligger uden for den nye periode" in (
        response.content.decode()
    )
    assert Programme.objects.get().start_on.year == 2017


def test_municipality_staff_and_other_programmes_administrators_get_404(world: World) -> None:
    other = Programme.objects.create(
        name="Et andet program",
        start_on=world.extra["programme"].start_on,
        end_on=world.extra["programme"].end_on,
        grant_pool=Decimal(1),
        framework=world.extra["programme"].framework,
    )
    stranger = f.user("anden_admin")
    ProgrammeAdmin.objects.create(user=stranger, programme=other)
    for user in (world.lead_a, world.ppr_a, stranger):
        client = world.client_for(user)
        assert client.get(programme_url(world)).status_code == 404
        assert client.get(programme_url(world, "initiativer/")).status_code == 404
        assert client.get(programme_url(world, "initiativer.xlsx")).status_code == 404


# --------------------------------------------------------------------------- plans


def test_the_ppr_leder_writes_a_plan_for_the_municipalitys_part_in_the_programme(
    world: World,
) -> None:
    client = world.client_for(world.lead_b)
    index = client.get("/partnerskab/").content.decode()
    url = f"/partnerskab/deltagelse/{world.extra['participation_b'].pk}/udviklingsplan/"
    assert url in index and "Opret udviklingsplan" in index
    response = client.post(
        url,
        {
            "title": "Tidligt ind",
            "ambition": "Rette indsats til rette tid.",
            "analysis": "Mange henvisninger til udredning.",
            "goals": "Kortere ventetid\n- Færre henvisninger",
        },
    )
    plan = DevelopmentPlan.objects.get(municipality=world.b)
    assert response["Location"] == f"/partnerskab/udviklingsplaner/{plan.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "<li>Kortere ventetid</li>" in page and "<li>Færre henvisninger</li>" in page
    # A second plan in the same programme: the page leads to the existing one.
    assert client.get(url)["Location"] == f"/partnerskab/udviklingsplaner/{plan.pk}/"


def test_a_municipality_outside_the_programme_has_no_plan_to_write(world: World) -> None:
    cby = f.municipality("Cby Kommune", "903")
    lead_c = f.user("leder_c", cby, "leder", "leder")
    client = world.client_for(lead_c)
    assert "Din kommune deltager ikke i et partnerskabsprogram" in (
        client.get("/partnerskab/").content.decode()
    )
    aby_part = world.extra["participation_a"]
    assert client.get(f"/partnerskab/deltagelse/{aby_part.pk}/udviklingsplan/").status_code == 404
    assert (
        client.get(f"/partnerskab/udviklingsplaner/{world.extra['plan_a'].pk}/").status_code == 404
    )


def test_the_ppr_leder_adds_an_initiative_with_pejlemaerker_interventions_and_milestones(
    world: World,
) -> None:
    plan = world.extra["plan_a"]
    client = world.client_for(world.lead_a)
    response = client.post(
        f"/partnerskab/udviklingsplaner/{plan.pk}/initiativer/ny/", initiative_data(world)
    )
    item = Initiative.objects.get(title="Konsultationsmodel i dagtilbud")
    assert response["Location"] == f"/partnerskab/initiativer/{item.pk}/"
    assert sorted(b.number for b in item.benchmarks.all()) == [2, 4]
    assert list(item.interventions.all()) == [world.extra["intervention_class"]]
    assert [str(m.due_on) for m in item.milestones.all()] == ["2018-06-01", "2019-03-01"]
    page = client.get(f"/partnerskab/udviklingsplaner/{plan.pk}/").content.decode()
    assert "Konsultationsmodel i dagtilbud" in page and "01.06.2018: Alle dagtilbud" in page


def test_a_milestone_outside_the_programme_period_is_refused_and_nothing_is_saved(
    world: World,
) -> None:
    plan = world.extra["plan_a"]
    before = plan_counts()
    response = world.client_for(world.lead_a).post(
        f"/partnerskab/udviklingsplaner/{plan.pk}/initiativer/ny/",
        initiative_data(world, milestone_2_due_on="2021-03-01"),
    )
    assert response.status_code == 400
    assert "Milepælens dato skal ligge i programmets periode, 01.01.2017–31.12.2020." in (
        response.content.decode()
    )
    assert plan_counts() == before  # not the initiative, its links or the first milestone


def test_changing_a_milestone_to_a_date_outside_the_period_is_refused(world: World) -> None:
    milestone = world.extra["milestone_a"]
    client = world.client_for(world.lead_a)
    url = f"/partnerskab/milepaele/{milestone.pk}/"
    response = client.post(url, {"title": "Første gruppe holdt", "due_on": "2016-12-31"})
    assert response.status_code == 400
    assert "Milepælens dato skal ligge i programmets periode" in response.content.decode()
    milestone.refresh_from_db()
    assert str(milestone.due_on) == "2018-09-01"
    response = client.post(
        url, {"title": "Første gruppe holdt", "due_on": "2018-09-01", "done_on": "2018-09-03"}
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert str(milestone.done_on) == "2018-09-03"


def test_a_specific_initiative_needs_a_level_and_aims_that_fit_it(world: World) -> None:
    plan = world.extra["plan_a"]
    before = plan_counts()
    response = world.client_for(world.lead_a).post(
        f"/partnerskab/udviklingsplaner/{plan.pk}/initiativer/ny/",
        initiative_data(world, level="", aimed_at=["organisation"], benchmarks=[]),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Vælg niveau for et specifikt initiativ" in page
    assert "Et specifikt initiativ er rettet mod børn, familier eller fagprofessionelle" in page
    assert "Vælg mindst ét af programmets pejlemærker" in page
    assert plan_counts() == before


def test_a_general_initiative_needs_no_level(world: World) -> None:
    plan = world.extra["plan_a"]
    response = world.client_for(world.lead_a).post(
        f"/partnerskab/udviklingsplaner/{plan.pk}/initiativer/ny/",
        initiative_data(
            world,
            title="Tværfagligt forum for tidlig indsats",
            scope="generel",
            aimed_at=["tvaerfaglig_ramme"],
            level="",
            interventions=[],
        ),
    )
    assert response.status_code == 302
    assert Initiative.objects.get(title="Tværfagligt forum for tidlig indsats").level == ""


def test_ppr_staff_read_the_plan_and_only_the_ppr_leder_edits_it(world: World) -> None:
    plan, item = world.extra["plan_a"], world.extra["initiative_a"]
    client = world.client_for(world.ppr_a)
    page = client.get(f"/partnerskab/udviklingsplaner/{plan.pk}/").content.decode()
    assert "Samtalegrupper for børn i skilsmissefamilier" in page and "Nyt initiativ" not in page
    assert client.get(f"/partnerskab/udviklingsplaner/{plan.pk}/ret/").status_code == 404
    assert client.get(f"/partnerskab/initiativer/{item.pk}/ret/").status_code == 404
    teacher = world.client_for(world.teacher_a)
    assert teacher.get(f"/partnerskab/udviklingsplaner/{plan.pk}/").status_code == 404


def test_the_plan_shows_each_initiative_with_the_overviews_cells_escaped(world: World) -> None:
    plan, item = world.extra["plan_a"], world.extra["initiative_a"]
    Initiative.objects.filter(pk=item.pk).update(responsible='"PPR" <i>team</i>')
    page = world.client_for(world.ppr_a).get(f"/partnerskab/udviklingsplaner/{plan.pk}/")
    row = page.content.decode().split(f'/partnerskab/initiativer/{item.pk}/">')[1]
    row = row.split("</tr>")[0]
    # Its pejlemærker 1 and 3, level, age group, the responsible escaped, and its status:
    # the same cells as the programme's overview (programme_tags._cells).
    assert '<span class="visually-hidden">Pejlemærke </span>1</span>' in row
    assert '<span class="visually-hidden">Pejlemærke </span>3</span>' in row
    assert "<td>Foregribende</td>" in row and "6–11 år (indskoling og mellemtrin)" in row
    assert "<td>&quot;PPR&quot; &lt;i&gt;team&lt;/i&gt;</td>" in row
    assert '<span class="istatus istatus-i_gang">I gang</span>' in row


def test_the_initiative_shows_what_the_cases_record_about_its_interventions(world: World) -> None:
    item = world.extra["initiative_a"]
    page = world.client_for(world.lead_a).get(f"/partnerskab/initiativer/{item.pk}/").content
    text = page.decode()
    assert "Samtaleforløb for børn med bekymringer" in text
    # one case, one delivery, 6 + 2,5 hours (tests/cases/world.py)
    assert '<td class="num">1</td><td class="num">1</td><td class="num">8,5</td>' in text
    assert "Oliver" not in text  # no child on a plan's page


# --------------------------------------------------------------------------- overview


def test_the_overview_shows_every_diagram_with_its_table_and_filters(world: World) -> None:
    client = admin(world)
    page = client.get(programme_url(world, "initiativer/")).content.decode()
    assert page.count("<svg") == 8 and page.count('class="prog-counts"') == 8
    for title in (
        "Initiativer pr. pejlemærke",
        "Initiativer pr. kommune",
        "Specifikke og generelle initiativer",
        "Initiativer pr. niveau",
        "Initiativer pr. målgruppe",
        "Initiativer pr. aldersgruppe",
    ):
        assert title in page
    assert "Viser 1 af 1 initiativer." in page
    assert "Samtalegrupper for børn i skilsmissefamilier" in page

    filtered = client.get(programme_url(world, "initiativer/?pejlemaerke=2")).content.decode()
    assert "Viser 0 af 1 initiativer." in filtered
    kept = client.get(programme_url(world, "initiativer/?pejlemaerke=3&alder=6_11&art=specifik"))
    assert "Viser 1 af 1 initiativer." in kept.content.decode()
    odd = client.get(programme_url(world, "initiativer/?pejlemaerke=9")).content.decode()
    assert "Ukendt valg; filteret er ikke brugt." in odd and "Viser 1 af 1" in odd


def test_the_overview_lists_each_initiative_with_its_plan_link_and_escapes_its_text(
    world: World,
) -> None:
    item = world.extra["initiative_a"]
    Initiative.objects.filter(pk=item.pk).update(
        title="<script>alert(1)</script> Grupper",
        description="Beskrivelse & <b>fed</b> " + " ".join(f"ord{n}" for n in range(40)),
        responsible='"PPR" <i>team</i>',
    )
    page = admin(world).get(programme_url(world, "initiativer/")).content.decode()
    assert "<script>alert(1)" not in page and "<b>fed</b>" not in page and "<i>team" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Grupper</a>" in page
    plan = programme_url(world, f"planer/{item.plan_id}/")
    assert f'<a href="{plan}">&lt;script&gt;' in page
    # The description is cut after 30 words, as the template's truncatewords did.
    assert "Beskrivelse &amp; &lt;b&gt;fed&lt;/b&gt; ord0" in page and "ord26 …" in page
    assert "ord27" not in page
    assert "<td>&quot;PPR&quot; &lt;i&gt;team&lt;/i&gt;</td>" in page
    # Its pejlemærker 1 and 3, level, age group and status.
    row = page.split(f'<a href="{plan}">')[1].split("</tr>")[0]
    assert '<span class="visually-hidden">Pejlemærke </span>1</span>' in row
    assert '<span class="visually-hidden">Pejlemærke </span>3</span>' in row
    assert "<td>Foregribende</td>" in row and "6–11 år (indskoling og mellemtrin)" in row
    assert '<span class="istatus istatus-i_gang">I gang</span>' in row
    none = admin(world).get(programme_url(world, "initiativer/?niveau=indgribende"))
    assert '<td colspan="9">Ingen initiativer matcher filtrene.</td>' in none.content.decode()


def test_the_overview_exports_the_filtered_initiatives_as_xlsx(world: World) -> None:
    Initiative.objects.filter(pk=world.extra["initiative_a"].pk).update(
        responsible='=HYPERLINK("http://example.com")'
    )
    response = admin(world).get(programme_url(world, "initiativer.xlsx?niveau=foregribende"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment;" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    rows = list(wb["Initiativer"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Kommune", "Initiativ", "Beskrivelse", "Pejlemærker")
    assert rows[1][0] == "Aby Kommune" and rows[1][3] == "1, 3"
    assert rows[1][9] == '=HYPERLINK("http://example.com")'  # text, not a formula
    assert wb["Initiativer"].cell(row=2, column=10).data_type == "s"
    figures = [r for r in wb["Diagrammer"].iter_rows(values_only=True) if r[0]]
    assert ("1. Tæt samarbejde med børn, familie og netværk", 1, 100) in figures
    empty = admin(world).get(programme_url(world, "initiativer.xlsx?niveau=indgribende"))
    assert len(list(load_workbook(io.BytesIO(empty.content))["Initiativer"].iter_rows())) == 1


def test_the_overview_has_a_print_stylesheet(world: World) -> None:
    page = admin(world).get(programme_url(world, "initiativer/")).content.decode()
    assert 'class="print-only"' in page and "window.print()" in page
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "src/spor/static/spor/spor.css").read_text()
    assert "/* programme */" in css and "@media print" in css.split("/* programme */")[1]


# --------------------------------------------------------------------------- start page


def test_the_start_page_tiles_lead_each_role_to_its_part(world: World) -> None:
    template = Template("{% load programme_tags %}{% programme_tiles %}")

    def render(user):  # type: ignore[no-untyped-def]
        from spor.accounts.access import resolve_actor

        request = RequestFactory().get("/")
        request.user = user
        request.session = {}  # type: ignore[assignment]
        request.actor = resolve_actor(request)  # type: ignore[attr-defined]
        return template.render(Context({"request": request}))

    assert programme_url(world, "initiativer/") in render(world.extra["programme_admin"])
    lead = render(world.lead_a)
    assert f"/partnerskab/udviklingsplaner/{world.extra['plan_a'].pk}/" in lead
    assert "/partnerskab/" not in render(world.teacher_a)


def test_the_overview_workbook_is_written_once_for_the_same_data_and_anew_after_any_change(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spor.lib import memo
    from spor.programme import exports

    memo.clear()
    written: list[int] = []
    real = exports._workbook

    def counted(data: Any, f: Any) -> bytes:
        written.append(len(data.initiatives))
        return real(data, f)

    monkeypatch.setattr(exports, "_workbook", counted)
    client = admin(world)

    def download(query: str = "") -> tuple[bytes, Any]:
        r = client.get(programme_url(world, "initiativer.xlsx" + query))
        assert r.status_code == 200
        return r.content, load_workbook(io.BytesIO(r.content))

    first, wb = download()
    again, _ = download()
    assert written == [1] and again == first  # the same bytes, not written again
    # The same sheets, cells and styles as written row by row with a font per cell.
    sheet = wb["Initiativer"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Kommune", "Initiativ") and len(rows) == 2
    assert all(c.font.b for c in sheet[1]) and not any(c.alignment.wrap_text for c in sheet[1])
    assert all(c.alignment.wrap_text and c.alignment.vertical == "top" for c in sheet[2])
    assert not any(c.font.b for c in sheet[2])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:N2"
    assert sheet.column_dimensions["C"].width == 60
    title = wb["Diagrammer"]["A1"]
    assert title.value == world.extra["programme"].name and title.font.b and title.font.sz == 13
    assert wb["Diagrammer"]["A4"].font.b and not wb["Diagrammer"]["B4"].font.b
    # Filtered: another file.
    _, filtered = download("?niveau=indgribende")
    assert written == [1, 0] and len(list(filtered["Initiativer"].iter_rows())) == 1
    # Any change to what the file shows, even one no service made, writes it again.
    Initiative.objects.filter(pk=world.extra["initiative_a"].pk).update(title="Nyt navn")
    changed, wb = download()
    assert written == [1, 0, 1] and changed != first
    assert "Nyt navn" in [r[1] for r in wb["Initiativer"].iter_rows(values_only=True)]
    Milestone.objects.create(
        initiative=world.extra["initiative_a"],
        municipality=world.extra["initiative_a"].municipality,
        title="Første møde",
        due_on=date(2018, 1, 1),
    )
    _, wb = download()
    assert written == [1, 0, 1, 1]
    assert "01.01.2018 Første møde" in [
        r[12] for r in wb["Initiativer"].iter_rows(values_only=True)
    ]
