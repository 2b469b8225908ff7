"""The programme evaluator (issue 7, part 3): the evaluation's figures across the
participating municipalities, by pseudonym, with every count table suppressed (primary and
secondary); exports in XLSX and CSV with a data dictionary and the same protection; no
person-level page; municipality staff kept out."""

from __future__ import annotations

import csv
import io
import random
import zipfile
from typing import Any

import pytest
from django.utils.html import escape
from openpyxl import load_workbook

from spor import sdq
from spor.cases.models import InterventionType
from spor.evaluation import disclosure, stats
from spor.evaluation.national import tables as evaluation_tables
from spor.evaluation.national.access import municipality_pseudonym
from spor.evaluation.web import figures
from spor.registry.models import Child
from tests import factories as f
from tests.cases.world import intervention
from tests.conftest import World
from tests.programme.test_outcomes import SPEC, SPEC_B, bby_initiative, children, pairs

# Aby: 8 pairs and 3 children without a follow-up (the hand-worked small cell).
# Bby: 10 pairs and 6 without a follow-up.
SPEC_B10: list[tuple[int, int | None]] = [
    (21, 14), (19, 18), (26, 20), (15, 9), (22, 23), (18, 12), (24, 16), (17, 17), (20, 11),
    (23, 15), (16, None), (19, None), (25, None), (20, None), (22, None), (18, None),
]  # fmt: skip


def url(w: World, suffix: str = "evaluering/") -> str:
    return f"/partnerskab/{w.extra['programme'].pk}/{suffix}"


def evaluator(w: World):  # type: ignore[no-untyped-def]
    return w.client_for(w.extra["programme_evaluator"])


def both(w: World) -> None:
    iv_a = intervention(w.a, "Samtalegrupper", min_age=2, max_age=17)
    children(w, w.a, iv_a, SPEC)
    iv_b = intervention(w.b, "Grupper", min_age=2, max_age=17, kind=InterventionType.CONSULTATIVE)
    children(w, w.b, iv_b, SPEC_B10, start=200)


def breakdown(report: evaluation_tables.Report, key: str) -> evaluation_tables.Breakdown:
    return next(b for b in report.breakdowns if b.key == key)


def secrets_of_children() -> list[str]:
    """Every child's first and last name, and CPR number with and without the dash."""
    out: set[str] = set()
    for c in Child.objects.all():
        digits = c.cpr_digits()
        out |= {c.first_name, c.last_name, digits, f"{digits[:6]}-{digits[6:]}"}
    return sorted(s for s in out if s)


# --------------------------------------------------------------------------- the page


def test_the_evaluator_sees_pooled_figures_equal_to_the_pure_functions(world: World) -> None:
    both(world)
    r = evaluator(world).get(url(world))
    assert r.status_code == 200
    report = r.context["report"]
    before, after = pairs(SPEC)
    before_b, after_b = pairs(SPEC_B10)
    pc = stats.paired_change(before + before_b, after + after_b)
    o = report.overall
    assert o.started == 11 + 16 and o.paired == 18
    assert o.change is not None
    assert o.change.change == figures.num(pc.mean_change)
    assert o.change.ci == f"{figures.num(pc.ci_low)} til {figures.num(pc.ci_high)}"
    es = stats.effect_sizes(before + before_b, after + after_b)
    for key in ("dz", "d_av", "hedges_g_av"):
        assert (stats.EFFECT_LABELS_DA[key], figures.num(getattr(es, key), 2)) in report.effects
    text = r.content.decode()
    assert "18 par af 27 startet" in text
    assert "uden en kontrolgruppe" in text and "regression mod middelværdien" in text
    assert "uk-3band@1" in text and escape(disclosure.PROTECTION_NOTE_DA) in text
    # Next to the pooled change: regression to the mean alone, and the change beyond it.
    adj = stats.change_beyond_regression(
        before + before_b, after + after_b, population_mean=6.6, population_sd=6.0,
        reliability=0.62,
    )  # fmt: skip
    g = report.pooled.regression
    assert g is not None and (g.expected, g.beyond) == (
        figures.num(adj.expected_regression), figures.num(adj.beyond)
    )  # fmt: skip
    assert f"<td>{g.expected}</td><td>{g.beyond}</td><td>{g.ci}</td>" in text
    assert "Pålidelig ændring er beregnet med SD 6,0 og reliabilitet r = 0,62" in text
    # Every row with a change shows the change beyond regression to the mean beside it:
    # the same code as the page, on the row's own pairs (issue 15, item 3).
    adj_ci = f"{figures.num(adj.ci_low)} til {figures.num(adj.ci_high)}"
    assert o.beyond == f"{figures.num(adj.beyond)} ({adj_ci})"
    assert f"<td>{escape(o.beyond)}</td></tr>" in text
    both_rows = [(SPEC, before, after), (SPEC_B10, before_b, after_b)]
    for key, rows in (("kommune", both_rows), ("type", both_rows)):
        shown = [r for r in breakdown(report, key).rows if r.change is not None]
        assert all(r.beyond == "" for r in breakdown(report, key).rows if r.change is None)
        for row in shown:
            n = int(str(row.paired))
            _, b, a = next(x for x in rows if len(x[1]) == n)
            adj = stats.change_beyond_regression(
                b, a, population_mean=6.6, population_sd=6.0, reliability=0.62
            )
            ci = f"{figures.num(adj.ci_low)} til {figures.num(adj.ci_high)}"
            assert row.beyond == f"{figures.num(adj.beyond)} ({ci})"
            assert f"<td>{escape(row.beyond)}</td></tr>" in text


def test_a_new_response_is_on_the_next_view_although_the_figures_are_kept(
    world: World,
) -> None:
    """The figures are kept per process under the data they are computed from
    (``spor.lib.memo``): a second view is served from the store, and a new child's
    responses change the data, so the next view counts them."""
    both(world)
    client = evaluator(world)
    first = client.get(url(world)).context["report"]
    assert client.get(url(world)).context["report"] is first  # kept: the same data
    iv_b = intervention(world.b, "Nye grupper", min_age=2, max_age=17)
    children(world, world.b, iv_b, [(20, 12), (18, 15), (25, 19), (21, None), (19, 14)],
             start=400)  # fmt: skip
    again = client.get(url(world)).context["report"]
    assert (first.overall.started, first.overall.paired) == (27, 18)
    assert (again.overall.started, again.overall.paired) == (32, 22)


def test_the_category_counts_equal_sdqs_change_categories(world: World) -> None:
    both(world)
    report = evaluator(world).get(url(world)).context["report"]
    before_b, after_b = pairs(SPEC_B10)
    codes = sdq.change_category(before_b, after_b, informant="teacher", norm_set="uk-3band")
    expected = [int((codes == i).sum()) for i in range(len(sdq.CHANGE_CATEGORIES))]
    muni = breakdown(report, "kommune")
    row = next(
        r
        for r in muni.rows
        if r.label == municipality_pseudonym(world.extra["programme"].pk, world.b.pk)
    )
    for got, want in zip(row.cells[:5], expected, strict=True):
        assert got == want or (got == disclosure.HIDDEN_MARK and want != 0)


def test_municipalities_appear_by_pseudonym_never_by_name(world: World) -> None:
    both(world)
    r = evaluator(world).get(url(world))
    text = r.content.decode()
    pid = world.extra["programme"].pk
    for m in (world.a, world.b):
        assert municipality_pseudonym(pid, m.pk) in text
        assert m.name not in text
    labels = [row.label for row in breakdown(r.context["report"], "kommune").rows]
    assert labels == sorted(labels)
    # A different programme gives other pseudonyms, so exports cannot be joined on them.
    assert municipality_pseudonym(pid + 1, world.a.pk) != municipality_pseudonym(pid, world.a.pk)
    for secret in secrets_of_children():
        assert secret not in text


def test_a_municipality_with_three_children_in_a_cell_hides_it_and_a_second_cell(
    world: World,
) -> None:
    # Aby has 3 children without a follow-up, Bby 6: the column is [3, 6 | 9]. The 3 is
    # hidden (primary); alone in its column it could be worked out as 9 − 6, so the 6 is
    # hidden too (secondary: the smallest other value in the column), and Aby's row gets a
    # second hidden cell as well.
    both(world)
    report = evaluator(world).get(url(world)).context["report"]
    muni = breakdown(report, "kommune")
    pid = world.extra["programme"].pk
    row_of = {r.label: r for r in muni.rows}
    aby = row_of[municipality_pseudonym(pid, world.a.pk)]
    bby = row_of[municipality_pseudonym(pid, world.b.pk)]
    no_followup = evaluation_tables.COLUMN_KEYS.index(evaluation_tables.NO_FOLLOWUP)
    assert aby.cells[no_followup] == disclosure.HIDDEN_MARK
    assert bby.cells[no_followup] == disclosure.HIDDEN_MARK
    assert muni.total.cells[no_followup] == 9
    assert sum(c == disclosure.HIDDEN_MARK for c in aby.cells) >= 2
    # Protected together with every other table of the same children.
    assert report.publication.check(report.hidden) == []
    # The pairs of each municipality (started − without follow-up) are hidden with them.
    assert aby.paired == disclosure.HIDDEN_MARK and bby.paired == disclosure.HIDDEN_MARK
    assert aby.change is None and bby.change is None
    text = evaluator(world).get(url(world)).content.decode()
    assert ">3<" not in text


def test_every_table_on_the_page_is_protected(world: World) -> None:
    both(world)
    r = evaluator(world).get(url(world))
    report = r.context["report"]
    keys = ["kommune", "type", "niveau", "alder", "halvaar", "pejlemaerke"]
    assert [b.key for b in report.breakdowns] == keys
    assert report.publication.check(report.hidden) == []
    for b in report.breakdowns:
        for row in [*b.rows, b.total]:
            for cell in row.cells:
                assert cell == disclosure.HIDDEN_MARK or cell == 0 or cell >= 5
    # The per-municipality and per-type tables count the same children: same hidden totals.
    muni, kind = breakdown(report, "kommune"), breakdown(report, "type")
    assert muni.total.cells == kind.total.cells


def test_a_cut_is_a_row_of_the_tables_not_a_filter(world: World) -> None:
    both(world)
    r = evaluator(world).get(url(world), {"informant": "ppr_fagperson"})
    assert r.status_code == 200
    kinds = breakdown(r.context["report"], "type")
    row = next(x for x in kinds.rows if x.label == InterventionType.CONSULTATIVE.label)
    # 10 pairs of 16 started; the pairs may be hidden to protect a neighbour.
    assert row.started == 16 and row.paired in (10, disclosure.HIDDEN_MARK)
    text = r.content.decode()
    assert "evaluering.xlsx?informant=ppr_fagperson" in text
    assert "evaluering-csv.zip?informant=ppr_fagperson" in text


def test_only_the_informant_can_be_chosen_and_bad_input_gets_a_danish_message(
    world: World,
) -> None:
    # A free combination of filters would count the same children in new groupings that
    # no protection keeps up with: the cuts are the rows, and nothing else is accepted.
    both(world)
    client = evaluator(world)
    assert client.get(url(world), {"informant": "foraelder"}).status_code == 200
    for params in ({"type": "konsultativ"}, {"alder": "6-10"}, {"aar": "2019"},
                   {"fra": "2019-01-01"}, {"informant": "x"}):  # fmt: skip
        bad = client.get(url(world), params)
        assert bad.status_code == 400, params
        assert "Filtrene kunne ikke bruges" in bad.content.decode()
        assert client.get(url(world, "evaluering.xlsx"), params).status_code == 400


def test_the_per_pejlemaerke_table_counts_the_initiatives_interventions(world: World) -> None:
    iv_a = intervention(world.a, "Samtalegrupper", min_age=2, max_age=17)
    children(world, world.a, iv_a, SPEC)
    iv_b = intervention(world.b, "Grupper", min_age=2, max_age=17)
    children(world, world.b, iv_b, SPEC_B, start=200)
    bby_initiative(world, iv_b, 1)
    report = evaluator(world).get(url(world)).context["report"]
    pejl = breakdown(report, "pejlemaerke")
    first = pejl.rows[0]
    assert first.label.startswith("1.")
    # 5 pairs and 1 without a follow-up: the 1 is hidden, so the pairs are too.
    assert first.started in (6, disclosure.HIDDEN_MARK) and first.paired == disclosure.HIDDEN_MARK
    assert all(r.started == 0 for r in pejl.rows[1:])
    assert report.publication.check(report.hidden) == []


# --------------------------------------------------------------------------- exports


def xlsx_sheets(content: bytes) -> dict[str, list[list[Any]]]:
    wb = load_workbook(io.BytesIO(content))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def zip_sheets(content: bytes) -> dict[str, list[list[Any]]]:
    out = {}
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        for name in zf.namelist():
            text = zf.read(name).decode("utf-8-sig")
            out[name] = [row for row in csv.reader(io.StringIO(text), delimiter=";")]
    return out


def count_table(rows: list[list[Any]]) -> list[list[Any]]:
    """The count table of a breakdown sheet (after the labels): rows and totals, without the
    row labels."""
    start = next(
        i for i, row in enumerate(rows) if row[1:2] == [evaluation_tables.COLUMN_LABELS[0]]
    )
    block = []
    for row in rows[start + 1 :]:
        if not row or all(v in (None, "") for v in row):
            break
        block.append([v for v in row[1:] if v not in (None, "")])
    return block


def exports(w: World, params: dict[str, str] | None = None) -> dict[str, bytes]:
    client = evaluator(w)
    got = {}
    for suffix in ("evaluering.xlsx", "evaluering-csv.zip"):
        r = client.get(url(w, suffix), params or {})
        assert r.status_code == 200
        assert "attachment" in r["Content-Disposition"]
        got[suffix] = r.content
    return got


def test_exports_leave_out_every_cpr_number_and_name(world: World) -> None:
    both(world)
    secrets = secrets_of_children()
    assert "Navnløs0" in secrets and any("-" in s and s[:6].isdigit() for s in secrets)
    for params in (None, {"informant": "foraelder"}):
        files = exports(world, params)
        sheets = {
            **xlsx_sheets(files["evaluering.xlsx"]),
            **zip_sheets(files["evaluering-csv.zip"]),
        }
        text = "\n".join(
            str(v) for rows in sheets.values() for row in rows for v in row if v is not None
        )
        for secret in secrets:
            assert secret not in text, secret
        for m in (world.a, world.b):
            assert m.name not in text
        # The raw bytes of the CSV files too (no encoding trick hides a number).
        with zipfile.ZipFile(io.BytesIO(files["evaluering-csv.zip"])) as zf:
            raw = b"".join(zf.read(n) for n in zf.namelist()).decode("utf-8-sig")
        for secret in secrets:
            assert secret not in raw


def test_every_exported_count_table_has_no_cell_under_five(world: World) -> None:
    both(world)
    files = exports(world)
    titles = ("kommune", "indsatstype", "niveau", "aldersgruppe", "halv", "pejlem")
    for sheets in (xlsx_sheets(files["evaluering.xlsx"]), zip_sheets(files["evaluering-csv.zip"])):
        tables = [
            count_table(rows)
            for name, rows in sheets.items()
            if any(t in name.lower() for t in titles)
        ]
        assert len(tables) == len(titles)
        for table in tables:
            assert table
            for row in table:
                for v in row:
                    assert v == disclosure.HIDDEN_MARK or int(v) == 0 or int(v) >= 5, v
        # Aby's 3 children without a follow-up are hidden, with more cells.
        assert sum(v == disclosure.HIDDEN_MARK for row in tables[0] for v in row) >= 4
        text = str(sheets)
        assert "færre end" not in text and ".." not in text
        first = next(rows for name, rows in sheets.items() if "samlet" in name.lower())
        start = next(i for i, row in enumerate(first) if row and row[0] == "Før \\ efter")
        bands = [[v for v in row[1:] if v not in (None, "")] for row in first[start + 1 :] if row]
        assert len(bands) == 4


def test_the_exports_carry_a_data_dictionary_with_the_protection_note(world: World) -> None:
    both(world)
    files = exports(world)
    sheets = xlsx_sheets(files["evaluering.xlsx"])
    dictionary = sheets["Dataordbog"]
    dictionary = dictionary[dictionary.index(["kolonne", "beskrivelse"]) :]
    names = {row[0] for row in dictionary}
    assert set(evaluation_tables.COLUMN_LABELS) <= names and "Kommune (pseudonym)" in names
    assert ["beskyttelse", disclosure.PROTECTION_NOTE_DA] in dictionary
    csvs = zip_sheets(files["evaluering-csv.zip"])
    assert any(name.endswith("dataordbog.csv") for name in csvs)
    assert "uden en kontrolgruppe" in str(sheets["Samlet"])


# --------------------------------------------------------------------------- who gets in


def test_municipality_staff_even_leads_get_404_on_the_evaluator_routes(world: World) -> None:
    both(world)
    for suffix in ("evaluering/", "evaluering.xlsx", "evaluering-csv.zip"):
        for user in (world.lead_a, world.lead_b, world.ppr_a, world.teacher_a, world.social_a):
            assert world.client_for(user).get(url(world, suffix)).status_code == 404
        assert evaluator(world).get(url(world, suffix)).status_code == 200
        admin = world.client_for(world.extra["programme_admin"])
        assert admin.get(url(world, suffix)).status_code == 200
    missing = "/partnerskab/987654321/evaluering/"
    assert evaluator(world).get(missing).status_code == 404


def test_the_evaluator_finds_the_page_from_the_partnership_index(world: World) -> None:
    page = evaluator(world).get("/partnerskab/").content.decode()
    assert url(world) in page
    # The administrator's menu is not offered to the evaluator, but to the administrator.
    overview = url(world, "initiativer/")
    assert overview not in evaluator(world).get(url(world)).content.decode()
    admin = world.client_for(world.extra["programme_admin"])
    assert overview in admin.get(url(world)).content.decode()
    assert url(world) in admin.get(overview).content.decode()


def _municipality_routes(world: World) -> list[str]:
    from tests.tenancy.test_url_access import (
        fill,
        is_national_route,
        model_for,
        object_of,
        object_routes,
    )

    out = []
    for route, pattern in object_routes():
        if is_national_route(pattern):
            continue
        try:
            out.append(fill(route, pattern, lambda arg: object_of(world, model_for(arg)).pk))
        except AssertionError:
            # A route whose model the personas lack yet: the URL walk itself reports it.
            continue
    return out


def test_the_evaluator_gets_404_on_every_municipality_route(world: World) -> None:
    """The URL walk's routes with an Aby object (children, cases, deliveries, responses …):
    the evaluator has no role in any municipality, so every one answers 404."""
    both(world)
    client = evaluator(world)
    routes = _municipality_routes(world)
    assert any(r.startswith("/boern/") for r in routes)
    for path in routes:
        assert client.get(path).status_code in (404, 405), path
        assert client.post(path).status_code in (404, 405), path
        assert 404 in (client.get(path).status_code, client.post(path).status_code), path


def test_the_evaluator_gets_404_on_the_administrators_pages(world: World) -> None:
    from tests.tenancy.test_url_access import fill, is_national_route, object_routes

    client = evaluator(world)
    admin_routes = [
        (route, p)
        for route, p in object_routes()
        if is_national_route(p) and not (p.name or "").startswith("evaluation")
    ]
    assert admin_routes
    for route, p in admin_routes:
        path = fill(route, p, lambda arg: world.extra["programme"].pk)
        assert client.get(path).status_code == 404, path


def test_the_evaluator_reaches_no_municipality_list_page(world: World) -> None:
    """Routes without an object: the evaluator gets what a person with no role gets."""
    from django.urls import get_resolver

    from tests import factories as f
    from tests.tenancy.test_url_access import walk

    nobody = world.client_for(f.user("uden_rolle_eval"))
    client = evaluator(world)
    # A page that fails for everyone (another part's work in progress) fails alike.
    nobody.raise_request_exception = False
    client.raise_request_exception = False
    checked = 0
    for route, p in walk(get_resolver().url_patterns):
        if p.pattern.converters or "<" in route or route.startswith("partnerskab"):
            continue
        path = "/" + route
        if path.startswith("/log-ud") or "logout" in (p.name or ""):
            continue
        got, expected = client.get(path).status_code, nobody.get(path).status_code
        assert got == expected, f"{path}: evaluator {got}, no role {expected}"
        checked += 1
    assert checked > 5


# --------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize("seed", range(40))
def test_tables_with_the_same_totals_hide_the_same_totals(seed: int) -> None:
    rng = random.Random(seed)
    n_cols = rng.randint(2, 5)
    children_ = [(rng.randrange(6), rng.randrange(n_cols)) for _ in range(rng.randint(5, 60))]
    by_a = [[0] * n_cols for _ in range(6)]
    by_b = [[0] * n_cols for _ in range(3)]
    for group, col in children_:
        by_a[group][col] += 1
        by_b[group % 3][col] += 1
    a, b = disclosure.protect_together([by_a, by_b])
    assert a.hidden[-1] == b.hidden[-1]
    assert disclosure.is_protected(a) and disclosure.is_protected(b)
    for s, raw in ((a, by_a), (b, by_b)):
        plain = disclosure.suppress(raw)
        # Never less hidden than suppress alone.
        shown_hidden: Any = s.hidden
        plain_hidden: Any = plain.hidden
        for hs, hp in zip(shown_hidden, plain_hidden, strict=True):
            assert all(x or not y for x, y in zip(hs, hp, strict=True))


def test_a_forced_total_is_hidden_and_the_table_protected_again() -> None:
    # Alone, [[6, 7], [8, 9]] hides nothing; forcing the first column's total (14) to be
    # hidden needs a second hidden total in the last row and more cells around them.
    s = disclosure.suppress([[6, 7], [8, 9]], also_hide=[(2, 0)])
    assert s.values[2][0] is None  # type: ignore[index]
    assert disclosure.is_protected(s)
    assert s.n_hidden >= 4


# --------------------------------------------------------------------------- demo


def test_the_demo_has_an_evaluator_login_that_opens_the_page(db: None) -> None:
    import datetime as dt

    from django.test import Client

    from spor.demo import programme as demo
    from spor.demo.registry import DEMO_PASSWORD, demo_logins
    from spor.programme.models import Programme, ProgrammeEvaluator
    from tests import factories as f

    sporby = f.municipality("Sporby Kommune", "999")
    demo.generate(sporby, rng=random.Random(1), today=dt.date(2026, 11, 23))
    demo.generate(sporby, rng=random.Random(2), today=dt.date(2026, 11, 23))
    user = ProgrammeEvaluator.objects.get().user
    assert user.username == "programevaluator" and user.check_password(DEMO_PASSWORD)
    logins = {x.username: x for x in demo_logins()}
    assert logins["programevaluator"].role == "Programevaluator"
    client = Client()
    signed_in = client.post(
        "/log-ind/", {"username": "programevaluator", "password": DEMO_PASSWORD}
    )
    assert signed_in.status_code == 302
    page = client.get(f"/partnerskab/{Programme.objects.get().pk}/evaluering/")
    assert page.status_code == 200
    assert "Sporby Kommune" not in page.content.decode()
    assert len(breakdown(page.context["report"], "kommune").rows) == 11


def test_a_row_shows_no_share_or_means_of_hidden_pairs() -> None:
    # Cells per column, then categorised, paired, started (None = hidden).
    row = evaluation_tables._row("x", [None, 0, None, 0, 0, 0, 9, None, None, 12], None)
    assert row.started == 12 and row.paired == disclosure.HIDDEN_MARK
    assert row.categorised == disclosure.HIDDEN_MARK and row.change is None
    assert row.improvement == disclosure.HIDDEN_MARK
    ok = evaluation_tables._row("y", [5, 0, 0, 0, 0, 0, 9, 5, 5, 14], None)
    assert ok.paired == 5 and ok.categorised == 5 and ok.improvement.startswith("5 af 5")


def test_the_pseudonym_key_comes_from_the_settings() -> None:
    from django.test import override_settings

    with override_settings(SPOR_PSEUDONYM_KEY="a-key-of-at-least-sixteen-bytes-1"):
        one = municipality_pseudonym(1, 2)
    with override_settings(SPOR_PSEUDONYM_KEY="a-key-of-at-least-sixteen-bytes-2"):
        two = municipality_pseudonym(1, 2)
    with override_settings(SPOR_PSEUDONYM_KEY=""):
        derived = municipality_pseudonym(1, 2)
    assert len({one, two, derived}) == 3 and one.startswith("Kommune ")


def test_variation_between_municipalities_is_the_pure_functions_over_shown_municipalities(
    world: World,
) -> None:
    spec_a = [(b, a) for b, a in SPEC if a is not None]
    spec_b = [(b, a) for b, a in SPEC_B10 if a is not None]
    children(world, world.a, intervention(world.a, "Samtaler", min_age=2, max_age=17), spec_a)
    iv_b = intervention(world.b, "Grupper", min_age=2, max_age=17)
    children(world, world.b, iv_b, spec_b, start=200)
    r = evaluator(world).get(url(world))
    lines = dict(r.context["report"].variation)
    changes = [a - b for b, a in spec_a] + [a - b for b, a in spec_b]
    ids = ["a"] * len(spec_a) + ["b"] * len(spec_b)
    v = stats.between_municipalities(changes, ids)
    assert lines["Kommuner med mindst 5 par"] == f"2 kommuner, {len(changes)} par"
    sd_label = "Spredning (SD) mellem kommunernes gennemsnitlige ændring"
    assert lines[sd_label] == figures.num(v.sd_of_means)
    assert lines["F-test for ens gennemsnit (p)"] == figures.num(v.p_f, 3)
    assert "Variation mellem kommunerne" in r.content.decode()


def test_no_variation_is_shown_when_only_one_municipality_has_five_shown_pairs(
    world: World,
) -> None:
    # Aby's 3 children without a follow-up are hidden, so its pairs are not shown.
    both(world)
    assert evaluator(world).get(url(world)).context["report"].variation == []


def test_the_evaluators_start_page_leads_to_the_evaluation_not_to_a_missing_role(
    world: World,
) -> None:
    page = evaluator(world).get("/").content.decode()
    assert f'href="{url(world)}"' in page and "Evaluering på tværs af kommunerne" in page
    assert "Du arbejder med partnerskabet" in page and "ingen rolle i en kommune" not in page
    # The programme's administrator gets the evaluation beside the initiatives.
    admin_page = world.client_for(world.extra["programme_admin"]).get("/").content.decode()
    assert f'href="{url(world)}"' in admin_page and "Initiativoversigt" in admin_page
    assert "ingen rolle i en kommune" not in admin_page
    # Someone with neither a municipality nor a programme is told so.
    nobody = world.client_for(f.user("uden_rolle")).get("/").content.decode()
    assert "ingen rolle i en kommune" in nobody and "Evaluering på tværs" not in nobody


def test_every_sheet_and_every_csv_file_carries_the_labels(world: World) -> None:
    # Issue 15, item 6: informant, norm set, filters, design, n and the caveat on every file
    # and every sheet, the sheets per municipality, type and pejlemærke included.
    both(world)
    files = exports(world, {"informant": "ppr_fagperson"})
    book = xlsx_sheets(files["evaluering.xlsx"])
    csvs = zip_sheets(files["evaluering-csv.zip"])
    assert {"Pr. kommune", "Pr. indsatstype", "Pr. pejlemærke"} <= set(book)
    assert len(csvs) == len(book) > 3
    for name, rows in [*book.items(), *csvs.items()]:
        first = {str(r[0]): r[1] for r in rows[:12] if r and len(r) > 1 and r[0]}
        assert first["Informant"] == "PPR-fagperson, der kender barnet bedst", name
        assert "uk-3band@1" in str(first["Normsæt"]), name
        assert first["Udvalg"].startswith("informant: PPR-fagperson"), name
        assert "uden kontrolgruppe" in first["Design"], name
        assert first["n"] == "18 par af 27 startet", name
        assert "regression mod middelværdien" in first["Sådan skal tallene læses"], name
        assert first["Skjulte tal"].startswith("◆ skjult af hensyn til fortrolighed"), name
