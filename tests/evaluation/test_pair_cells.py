"""The page's figures come from one grouped query (``selectors.pair_cells``); they are the
same figures as those computed in Python from every response (``response_rows`` →
``figures.compute``), for every filter, on SQLite and PostgreSQL alike.

The data are drawn at random: ages on both sides of the age groups' edges (birthdays on the
baseline's day among them), baselines on both sides of a period's edges, follow-ups missing,
unscored, or by another informant, and a second intervention type.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import numpy as np
import pytest
from django.utils import timezone

from spor.accounts.models import Membership
from spor.cases.models import Case, Delivery, DeliveryStatus, InterventionType, Level, OpenedFrom
from spor.demo import measurement as demo
from spor.evaluation import stats
from spor.evaluation.web import figures, selectors
from spor.evaluation.web.forms import AGE_GROUPS, Filters
from spor.measurement import questionnaire
from spor.measurement.models import Informant, Phase, Response
from spor.registry.models import Child
from tests.cases.world import intervention
from tests.conftest import World

TODAY = dt.date(2026, 6, 15)
BASELINE_DAYS = [dt.date(2025, 9, 1), dt.date(2025, 11, 30), dt.date(2026, 2, 14)]


@dataclass(frozen=True)
class Scope:
    municipality_id: int


def _answer(w: World, d: Delivery, phase: str, informant: str, total: int, age: int,
            on: dt.date, ppr: Membership, rng: random.Random, *,
            scored: bool = True) -> None:  # fmt: skip
    form = questionnaire.form_for(informant, phase, age)
    answers = demo._items(form, total, 7, rng)
    scores = questionnaire.score(form, answers, {}) if scored else {"total": None}
    Response.objects.create(
        municipality=w.a, delivery=d, phase=phase, informant=informant, form=form,
        answers=answers, scores=scores, norm_set=scores.get("norm_set") or "",
        entered_by=ppr,
        # Late in the evening: the local date differs from the UTC date in summer.
        answered_at=timezone.make_aware(dt.datetime.combine(on, dt.time(23, 30))),
    )  # fmt: skip


def populate(w: World, n: int, seed: int) -> list:  # type: ignore[type-arg]
    rng = random.Random(seed)
    ppr = Membership.objects.get(user=w.ppr_a, municipality=w.a)
    ivs = [
        intervention(w.a, "Samtaler", kind=InterventionType.SUPPORTIVE, min_age=2, max_age=17),
        intervention(w.a, "Kursus", kind=InterventionType.CONSULTATIVE, min_age=2, max_age=17),
    ]
    for i in range(n):
        baseline = rng.choice(BASELINE_DAYS)
        age = rng.choice([lo for _, _, lo, _ in AGE_GROUPS] + [hi for *_, hi in AGE_GROUPS])
        born = baseline.replace(year=baseline.year - age)
        # Some turn `age` on the baseline's day, some the day after (still age − 1).
        born += dt.timedelta(days=rng.choice([0, 0, 1, -1, 40]))
        child = Child(municipality=w.a, first_name=f"Barn{i}", last_name="Test", birth_date=born)
        child.set_cpr(born.strftime("%d%m%y") + f"-4{i:03d}")
        child.save()
        case = Case.objects.create(
            municipality=w.a, child=child, title="Forløb", level=Level.ANTICIPATORY,
            opened_from=OpenedFrom.DIRECT, opened_on=baseline, opened_by=ppr,
        )  # fmt: skip
        d = Delivery.objects.create(
            municipality=w.a, case=case, intervention=rng.choice(ivs), start=baseline,
            status=DeliveryStatus.RUNNING,
        )  # fmt: skip
        informant = rng.choice([Informant.PROFESSIONAL, Informant.PROFESSIONAL, Informant.PARENT])
        at_baseline = child.age_on(baseline)
        if at_baseline < 2:
            continue
        _answer(w, d, Phase.BEFORE, informant, rng.randint(4, 30), at_baseline, baseline, ppr, rng)
        fate = rng.random()
        if fate < 0.6:
            _answer(w, d, Phase.AFTER, informant, rng.randint(2, 30), at_baseline, TODAY, ppr, rng)
        elif fate < 0.7:
            _answer(w, d, Phase.AFTER, informant, 10, at_baseline, TODAY, ppr, rng, scored=False)
        elif fate < 0.8:
            other = Informant.PARENT if informant == Informant.PROFESSIONAL else informant
            _answer(w, d, Phase.AFTER, other, 12, at_baseline, TODAY, ppr, rng)
    return ivs


def _same(a: figures.Figures, b: figures.Figures) -> None:
    assert (a.n_started, a.n_paired) == (b.n_started, b.n_paired)
    assert sorted(zip(a.before, a.after, a.category_codes, strict=True)) == sorted(
        zip(b.before, b.after, b.category_codes, strict=True)
    )
    assert a.norm_titles == b.norm_titles
    assert a.total == b.total and a.effects == b.effects and a.attrition == b.attrition
    assert a.categories == b.categories and a.unions == b.unions
    assert a.transitions == b.transitions and a.subscales == b.subscales
    assert a.histogram == b.histogram and a.per_child == b.per_child


@pytest.mark.django_db
def test_the_grouped_query_gives_the_figures_of_every_response_for_every_filter(
    world: World,
) -> None:
    ivs = populate(world, 160, seed=7)
    scope = Scope(world.a.pk)
    cuts = [
        Filters(),
        Filters(informant=Informant.PARENT),
        Filters(intervention=ivs[0]),
        Filters(kind=InterventionType.CONSULTATIVE),
        Filters(level=Level.ANTICIPATORY, target="barn"),
        *(Filters(age_group=code) for code, *_ in AGE_GROUPS),
        Filters(date_from=BASELINE_DAYS[1]),
        Filters(date_to=BASELINE_DAYS[1]),
        Filters(date_from=BASELINE_DAYS[1], date_to=BASELINE_DAYS[1], age_group="6-10"),
    ]
    shown = 0
    for f in cuts:
        fast = figures.compute_cells(selectors.pair_cells(scope, f), f)  # type: ignore[arg-type]
        slow = figures.compute(selectors.response_rows(scope, f), f)  # type: ignore[arg-type]
        _same(fast, slow)
        shown += fast.shown
    # The comparison is not empty: most cuts have enough pairs to show every figure.
    assert shown >= len(cuts) - 3


@pytest.mark.django_db
def test_the_programme_cells_have_each_baselines_local_age_and_half_year(world: World) -> None:
    """``by_origin`` (the programme's tables, the lead's filter views): the age at the
    baseline's local date and its half-year, computed in the database (on SQLite in its own
    text functions), are those of every baseline computed in Python. Some baselines are
    answered at 00:30 on the 1st of July: still 30 June in UTC, another half-year."""
    populate(world, 60, seed=11)
    midnight = timezone.make_aware(dt.datetime(2025, 7, 1, 0, 30))
    early = Response.objects.filter(municipality=world.a, phase=Phase.BEFORE).order_by("pk")[:6]
    Response.objects.filter(pk__in=[r.pk for r in early]).update(answered_at=midnight)
    scope = Scope(world.a.pk)
    edge = 0
    for informant in (Informant.PROFESSIONAL, Informant.PARENT):
        f = Filters(informant=informant)
        got: dict[tuple[int | None, int | None], int] = {}
        for c in selectors.pair_cells_across([world.a.pk], f, by_origin=True):
            got[(c.age, c.half)] = got.get((c.age, c.half), 0) + c.n
        want: dict[tuple[int | None, int | None], int] = {}
        for r in selectors.response_rows(scope, f):  # type: ignore[arg-type]
            if r.phase != Phase.BEFORE or r.scores.get("total") is None:
                continue
            day, born = r.answered_on, r.birth_date
            edge += day == dt.date(2025, 7, 1)
            age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
            key = (age, day.year * 10 + (1 if day.month <= 6 else 2))
            want[key] = want.get(key, 0) + 1
        assert got == want and want
    assert edge  # the comparison holds baselines of 00:30 on 1 July (30 June in UTC)


@pytest.mark.django_db
def test_another_municipality_is_not_in_the_cells(world: World) -> None:
    populate(world, 20, seed=3)
    assert selectors.pair_cells(Scope(world.b.pk), Filters()) == []  # type: ignore[arg-type]
    assert sum(c.n for c in selectors.pair_cells(Scope(world.a.pk), Filters())) > 0  # type: ignore[arg-type]


def test_subscale_sums_give_the_paired_change_of_the_pairs() -> None:
    rng = np.random.default_rng(5)
    for n in (2, 5, 40, 1000):
        b = rng.integers(0, 11, n).astype(float)
        a = rng.integers(0, 11, n).astype(float)
        d = a - b
        got = stats.paired_change_from_sums(n, b.sum(), a.sum(), d.sum(), (d * d).sum())
        want = stats.paired_change(b, a)
        for field in ("n", "mean_before", "mean_after", "mean_change", "df"):
            assert getattr(got, field) == pytest.approx(getattr(want, field), rel=1e-12)
        for field in ("sd_change", "se", "ci_low", "ci_high", "t", "p"):
            assert getattr(got, field) == pytest.approx(getattr(want, field), rel=1e-9, abs=1e-12)


def test_weights_count_each_entry_that_many_times() -> None:
    codes = [0, 1, 2, 3, 4, -1, 2]
    weights = [3, 0, 5, 1, 2, 4, 1]
    repeated = np.repeat(codes, weights)
    assert stats.change_categories(codes, weights=weights) == stats.change_categories(repeated)
    before = ["normal", "abnormal", "borderline", None]
    after = ["normal", "normal", "abnormal", "normal"]
    w = [2, 7, 1, 3]
    assert stats.band_transitions(before, after, weights=w) == stats.band_transitions(
        np.repeat(np.array(before, dtype=object), w), np.repeat(np.array(after, dtype=object), w)
    )
    with pytest.raises(stats.EvaluationError):
        stats.band_transitions(before, after, weights=[1, 2])
    with pytest.raises(stats.EvaluationError):
        stats.change_categories(codes, weights=[1, -1, 1, 1, 1, 1, 1])


@pytest.mark.django_db
def test_a_target_that_no_intervention_has_gives_an_empty_page_not_an_error(
    world: World,
) -> None:
    populate(world, 20, seed=4)  # every intervention here is for the child
    r = world.client_for(world.lead_a).get("/evaluering/", {"maalgruppe": "fagprofessionelle"})
    assert r.status_code == 200
    assert (r.context["fig"].n_started, r.context["fig"].n_paired) == (0, 0)
    f = Filters(target="fagprofessionelle")
    assert selectors.pair_cells(Scope(world.a.pk), f) == []  # type: ignore[arg-type]
