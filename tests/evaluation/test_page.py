"""The municipality's evaluation page, through Django's test client: figures equal the pure
functions on the same pairs, filters narrow n, small n is suppressed, only the PPR-leder of
the municipality gets in, and bad filter input gives a Danish 400."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from spor import sdq
from spor.accounts.models import Membership
from spor.cases.models import Case, Delivery, DeliveryStatus, InterventionType, Level, OpenedFrom
from spor.demo import measurement as demo
from spor.evaluation import stats
from spor.evaluation.web import figures, lattice, selectors
from spor.measurement import questionnaire
from spor.measurement.models import Informant, Phase, Response
from spor.registry.models import Child
from tests.cases.world import intervention
from tests.conftest import World

URL = "/evaluering/"
CAVEAT = "Regression mod middelværdien"
TODAY = timezone.localdate()


def _response(w: World, delivery: Delivery, phase: str, informant: str, total: int, age: int,
              on: dt.date, ppr: Membership, rng: random.Random) -> None:  # fmt: skip
    form = questionnaire.form_for(informant, phase, age)
    answers = demo._items(form, total, 7, rng)
    scores = questionnaire.score(form, answers, {})
    Response.objects.create(
        municipality=w.a,
        delivery=delivery,
        phase=phase,
        informant=informant,
        form=form,
        answers=answers,
        scores=scores,
        norm_set=scores["norm_set"],
        entered_by=ppr,
        answered_at=timezone.make_aware(dt.datetime.combine(on, dt.time(12))),
    )


def make_children(w: World, spec: list[tuple[int, int | None]], *, born_year: int = 2016,
                  name: str = "Samtaler i skolen", kind: str = InterventionType.SUPPORTIVE,
                  informant: str = Informant.PROFESSIONAL, start: int = 0) -> None:  # fmt: skip
    """One child, case, delivery and before (and after, unless None) response per spec."""
    ppr = Membership.objects.get(user=w.ppr_a, municipality=w.a)
    rng = random.Random(len(spec) + start)
    iv = intervention(w.a, name, kind=kind, level=Level.ANTICIPATORY, min_age=2, max_age=17)
    baseline = TODAY - dt.timedelta(days=120)
    for i, (before, after) in enumerate(spec, start=start):
        child = Child(municipality=w.a, first_name=f"Barn{i}", last_name="Test")
        child.set_cpr(f"{1 + i % 28:02d}01{born_year % 100:02d}-4{i:03d}")
        child.save()
        case = Case.objects.create(
            municipality=w.a,
            child=child,
            title="Forløb",
            level=Level.ANTICIPATORY,
            opened_from=OpenedFrom.DIRECT,
            opened_on=baseline,
            opened_by=ppr,
        )
        d = Delivery.objects.create(
            municipality=w.a, case=case, intervention=iv, start=baseline,
            status=DeliveryStatus.RUNNING,
        )  # fmt: skip
        age = child.age_on(baseline)
        _response(w, d, Phase.BEFORE, informant, before, age, baseline, ppr, rng)
        if after is not None:
            _response(w, d, Phase.AFTER, informant, after, age, TODAY, ppr, rng)


SPEC: list[tuple[int, int | None]] = [
    (22, 12), (18, 15), (25, 19), (14, 16), (20, 8), (17, 17), (19, 11), (23, 22),
    (16, None), (21, None), (24, None), (12, None), (15, None),
]  # fmt: skip


def get(w: World, user=None, **params):  # type: ignore[no-untyped-def]
    return w.client_for(user or w.lead_a).get(URL, params)


def test_figures_equal_the_pure_functions(world: World) -> None:
    make_children(world, SPEC)
    r = get(world)
    assert r.status_code == 200
    fig = r.context["fig"]
    assert fig.n_started == 13 and fig.n_paired == 8
    before = [b for b, a in SPEC if a is not None]
    after = [a for b, a in SPEC if a is not None]
    # The page groups the children in the database, so compare the pairs, not their order.
    page_pairs = zip(fig.before, fig.after, strict=True)
    assert sorted(page_pairs) == sorted(zip(before, after, strict=True))
    pc = stats.paired_change(before, after)
    es = stats.effect_sizes(before, after)
    text = r.content.decode()
    assert "8 par af 13 startet" in text
    assert fig.total.change == figures.num(pc.mean_change)
    assert fig.total.ci == f"{figures.num(pc.ci_low)} til {figures.num(pc.ci_high)}"
    assert figures.num(pc.mean_before) in text and figures.num(pc.mean_after) in text
    assert ("Cohen's dz (ændring / SD af ændringen)", figures.num(es.dz, 2)) in fig.effects
    d_av = ("Cohen's d_av (ændring / gennemsnittet af SD før og SD efter)", figures.num(es.d_av, 2))
    assert d_av in fig.effects
    # Reliable change with the norm set the responses were banded with.
    expected = sdq.change_category(before, after, informant="teacher", norm_set="uk-3band")
    page_codes = zip(fig.before, fig.after, fig.category_codes, strict=True)
    assert sorted(page_codes) == sorted(zip(before, after, expected.tolist(), strict=True))
    shares = stats.change_categories(expected)
    assert fig.n_categorised == 8
    for s in fig.categories:
        k = shares[s.key].k
        if s.shown:
            assert s.text.startswith(f"{k} af 8")
        else:
            assert s.text == figures.SUPPRESSED == "◆"
    # The band transition table and the attrition come from the same pairs.
    # The band table of these 8 pairs has cells of 1–4: not published (it would hide its total).
    assert fig.transitions is None
    att = stats.attrition([b for b, _ in SPEC], [a is not None for _, a in SPEC])
    assert ("Med eftermåling", f"{att.n_completers} af 13") in fig.attrition
    assert ("Uden eftermåling", f"{att.n_noncompleters} af 13") in fig.attrition
    assert len(fig.subscales) == 5
    assert "<svg" not in text  # no per-child chart, no histogram in a publishable page
    assert "◆ skjult af hensyn til fortrolighed" in text and "færre end" not in text
    assert CAVEAT in text and "uk-3band@1" in text


def test_filters_narrow_n(world: World) -> None:
    make_children(world, SPEC)
    make_children(world, [(20, 10)] * 6, name="Klassetrivsel", kind=InterventionType.CONSULTATIVE,
                  born_year=2022, start=100)  # fmt: skip
    assert get(world).context["fig"].n_paired == 14
    assert get(world, type=InterventionType.CONSULTATIVE).context["fig"].n_paired == 6
    assert get(world, alder="11-17").context["fig"].n_started == 0
    assert get(world, alder="2-5").context["fig"].n_paired == 6
    assert get(world, informant=Informant.PARENT).context["fig"].n_started == 0
    assert get(world, halvaar="2015-1").context["fig"].n_started == 0
    half = f"{TODAY.year}-{1 if TODAY.month <= 6 else 2}"
    assert get(world, halvaar=half).context["fig"].n_paired > 0


def test_fewer_than_five_pairs_are_suppressed(world: World) -> None:
    make_children(world, [(20, 10), (18, 12), (22, 15), (17, None)])
    r = get(world)
    fig = r.context["fig"]
    text = r.content.decode()
    assert not fig.shown and fig.total is None and fig.effects == []
    assert "◆ par af ◆ startet" in text and "færre end" not in text
    assert "<svg" not in text
    assert CAVEAT in text


def test_bad_filter_is_a_danish_400(world: World) -> None:
    # Periods are whole half-years: no day (or month) can be chosen.
    for day in ("31-12-2025", "2025-12-31", "2025-3"):
        r = get(world, halvaar=day)
        assert r.status_code == 400
        assert "Vælg et halvår" in r.content.decode()
    assert get(world, alder="99").status_code == 400
    other = intervention(world.b, "Bbys indsats")
    r = get(world, indsats=other.pk)
    assert r.status_code == 400 and "kommunens indsatsvifte" in r.content.decode()
    # One filter besides the informant: two together would make views whose differences
    # give hidden counts away (the lattice of views is protected together).
    r = get(world, halvaar="2025-2", alder="2-5")
    assert r.status_code == 400 and "Vælg højst ét filter" in r.content.decode()


def test_a_bookmarked_link_with_the_old_day_period_says_it_shows_every_period(
    world: World,
) -> None:
    make_children(world, SPEC)
    r = get(world, fra="2025-01-01", til="2025-06-30")
    text = r.content.decode()
    assert r.status_code == 200
    assert "perioder vælges nu som et helt halvår" in text and "Siden viser alle perioder" in text
    assert r.context["fig"].n_paired == get(world).context["fig"].n_paired
    assert "Siden viser alle perioder" not in get(world, halvaar="2025-1").content.decode()


@pytest.mark.parametrize(
    "who", ["ppr_a", "teacher_a", "health_a", "social_a", "ppr_b", "teacher_b"]
)
def test_only_the_municipalitys_lead(world: World, who: str) -> None:
    assert get(world, getattr(world, who)).status_code == 404


def test_another_municipalitys_data_is_not_counted(world: World) -> None:
    make_children(world, SPEC)
    r = get(world, world.lead_b)
    assert r.status_code == 200 and r.context["fig"].n_started == 0


def test_start_page_tile(world: World) -> None:
    r = world.client_for(world.lead_a).get(reverse("home") if _has("home") else "/")
    assert reverse("evaluation:municipality") in r.content.decode()


def _has(name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def test_sums_match_numpy(world: World) -> None:
    make_children(world, SPEC)
    fig = get(world).context["fig"]
    assert fig.total.n == 8
    assert fig.total.before == figures.num(float(np.mean(fig.before)))


def test_small_attrition_counts_are_hidden_with_their_complement(world: World) -> None:
    make_children(world, [(20, 10), (18, 12), (22, 15), (17, 11), (19, 9), (21, 18), (16, None)])
    r = get(world)
    fig = r.context["fig"]
    assert fig.started_shown and fig.n_started == 7
    # 1 without a follow-up: hidden, and so is its complement (the total is shown).
    assert ("Uden eftermåling", "◆ af 7") in fig.attrition
    assert ("Med eftermåling", "◆ af 7") in fig.attrition
    assert len(fig.attrition) == 2  # no means for a group of fewer than 5
    # The pairs' number is hidden, so nothing about the pairs is shown: their means, n and
    # interval would give it away.
    assert not fig.shown and fig.total is None and fig.effects == []
    assert "◆ par af 7 startet" in r.content.decode()


def test_reliable_change_names_its_parameters_and_regression_to_the_mean_is_shown(
    world: World,
) -> None:
    make_children(world, SPEC)
    r = get(world)
    fig = r.context["fig"]
    text = r.content.decode()
    before = [float(b) for b, a in SPEC if a is not None]
    after = [float(a) for b, a in SPEC if a is not None]
    # The teacher form's parameters, named on the page: SD, retest reliability, norm set.
    assert (
        "Pålidelig ændring er beregnet med SD 6,0 og reliabilitet r = 0,62 (test-retest), "
        "normsæt uk-3band@1" in text
    )
    p = sdq.rci_details("teacher", "total", "uk-3band")
    assert f"større end {figures.num(p.critical_change)} point" in text
    # The change beyond regression to the mean equals the pure function on the same pairs.
    adj = stats.change_beyond_regression(
        before, after, population_mean=6.6, population_sd=6.0, reliability=0.62
    )
    g = fig.regression
    assert g.n == 8
    assert g.expected == figures.num(adj.expected_regression)
    assert g.beyond == figures.num(adj.beyond)
    assert g.ci == f"{figures.num(adj.ci_low)} til {figures.num(adj.ci_high)}"
    assert "Ændring ved regression mod middelværdien alene" in text
    assert "μ = 6,6, SD 6,0, test-retest-reliabilitet r = 0,62" in text
    assert "ingen sammenligningsgruppe" in text
    # The sensitivity over r: retest (default), .70, .80 and internal consistency .87.
    rows = fig.sensitivity
    assert [row.reliability for row in rows] == ["0,62", "0,70", "0,80", "0,87"]
    assert rows[0].default and rows[-1].kind == "intern konsistens (Cronbachs α)"
    for row, rel in zip(rows, (0.62, 0.70, 0.80, 0.87), strict=True):
        b = stats.change_beyond_regression(
            before, after, population_mean=6.6, population_sd=6.0, reliability=rel
        )
        assert row.beyond.startswith(figures.num(b.beyond))
        threshold = 1.96 * (2 * 36 * (1 - rel)) ** 0.5
        k = sum(1 for x, y in zip(before, after, strict=True) if x - y > threshold)
        # 8 children: every count below 5 or within 5 of another is hidden
        assert row.improved in (figures.SUPPRESSED, figures.NOT_COUNTED) or row.improved.startswith(
            f"{k} af 8"
        )
    assert "Følsomhed: andre værdier af reliabiliteten" in text


def test_the_sensitivity_hides_small_differences_between_rows() -> None:
    # nested counts under rising reliability: 10, 12, 20, 26 of 40
    ok = figures._protected_counts([10, 12, 20, 26], 40, 0, True)
    assert ok == [True, False, True, True]  # 12 − 10 = 2 children would be exposed
    assert figures._protected_counts([10, 12, 20, 26], 40, 0, False)[0] is False
    assert figures._protected_counts([3, 12, 20, 38], 40, 0, True) == [False, True, True, False]


def test_the_page_and_spor_sdq_evaluate_give_the_same_figures(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import csv
    import json

    from click.testing import CliRunner

    from spor.sdq.cli import sdq as sdq_group

    make_children(world, SPEC)
    fig = get(world).context["fig"]
    # The same responses as a researcher's file: one row per response.
    path = tmp_path / "svar.csv"
    items = [f"sdq{n}" for n in range(1, 26)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["child_id", "occasion", *items])
        for resp in Response.objects.filter(municipality=world.a).order_by("pk"):
            occasion = "før" if resp.phase == Phase.BEFORE else "efter"
            values = ["" if resp.answers.get(k) is None else resp.answers[k] for k in items]
            w.writerow([resp.delivery_id, occasion, *values])
    res = CliRunner().invoke(sdq_group, ["evaluate", str(path), "--form", "teacher-4-17"])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.output)
    page = fig.outcome.as_json()
    assert cli["n_pairs"] == page["n_pairs"] == fig.n_paired == 8
    for key in ("before_mean", "after_mean", "change", "change_beyond_regression",
                "reliable_change", "sensitivity", "norm_set"):  # fmt: skip
        assert _close(cli[key], page[key]), key
    # and the page's own texts are these figures
    assert fig.total.change == figures.num(cli["change"]["mean"])
    assert fig.regression.beyond == figures.num(cli["change_beyond_regression"]["mean"])
    union = next(s for s in fig.unions if s.key == "any_reliable_improvement")
    if union.shown:
        assert union.text.startswith(f"{cli['reliable_change']['improved']} af 8")


def _close(a: object, b: object) -> bool:
    """Equal JSON values, floats to 1e-12 (the page sums its pairs in another order)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12, abs=1e-12)
    return a == b


def test_the_api_carries_the_same_honest_figures(world: World) -> None:
    make_children(world, SPEC)
    fig = get(world).context["fig"]
    body = world.client_for(world.lead_a).get("/api/evaluering/").json()
    assert body["reliable_change_parameters"] == fig.rci_label
    assert "r = 0,62 (test-retest)" in body["reliable_change_parameters"]
    g = body["change_beyond_regression"]
    assert (g["n"], g["expected"], g["beyond"], g["ci"]) == (
        fig.regression.n, fig.regression.expected, fig.regression.beyond, fig.regression.ci
    )  # fmt: skip
    assert [x["reliability"] for x in body["reliability_sensitivity"]] == [
        "0,62", "0,70", "0,80", "0,87"
    ]  # fmt: skip


def test_a_second_view_of_the_page_is_served_from_the_store(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lattice and its protection are kept per process under the cells they are
    computed from (``spor.lib.memo``): a second view of the same data is served from the
    store, whatever order the database's ``GROUP BY`` gives the cells in (PostgreSQL's
    differs from one read to the next), and a new child's responses make a new one."""
    made: list[lattice.Lattice] = []

    class Counted(lattice.Lattice):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(lattice, "Lattice", Counted)
    # The grouped read in another order on every read, as PostgreSQL gives it for a large
    # municipality (a small test set comes back in one order).
    read = selectors.lattice_cells
    rng = random.Random(8)

    def shuffled(*args: Any, **kwargs: Any) -> list[selectors.Cell]:
        cells = read(*args, **kwargs)
        rng.shuffle(cells)
        return cells

    monkeypatch.setattr(selectors, "lattice_cells", shuffled)
    make_children(world, SPEC)
    make_children(world, SPEC, born_year=2012, name="Ældre samtaler", start=100)
    assert get(world).status_code == 200
    assert len(made) == 1
    for _ in range(3):
        assert get(world).status_code == 200
    assert len(made) == 1  # kept: the same data
    make_children(world, [(20, 12), (18, 15)], name="Nye samtaler", start=200)
    get(world)
    assert len(made) == 2


def test_pairs_without_a_change_category_show_their_categories_as_too_few(
    world: World,
) -> None:
    # The 2–4 year parent form is banded with the provisional norm set, which has no
    # reliable-change parameters: eight pairs, none with a change category. The page once
    # failed on them (a share of no children); the pairs' change is still shown, and each
    # category counts 0 of the 0 pairs with a category.
    make_children(world, SPEC, born_year=TODAY.year - 3, informant=Informant.PARENT)
    r = get(world, informant=Informant.PARENT)
    assert r.status_code == 200
    fig = r.context["fig"]
    assert fig.n_paired == 8 and fig.n_categorised == 0
    assert set(fig.category_codes) == {-1}
    assert fig.total.change == figures.num(
        stats.paired_change(
            [b for b, a in SPEC if a is not None], [a for _, a in SPEC if a is not None]
        ).mean_change
    )
    assert [(s.key, s.text) for s in fig.categories] == [(k, "0") for k in figures.EXCLUSIVE]
    assert {s.text for s in fig.unions} == {"0"}
    assert "8 par af 13 startet" in r.content.decode()
