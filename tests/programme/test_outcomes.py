"""Outcomes per initiative and per pejlemærke (issue 8, part 6): the evaluation's figures for
the deliveries of an initiative's catalogue interventions, equal to the pure functions on the
same pairs, suppressed under 5 children, pooled across municipalities for the programme
administrator, and never shown to another municipality."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from spor import sdq
from spor.accounts.models import Membership
from spor.cases.models import Case, Delivery, DeliveryStatus, Intervention, Level, OpenedFrom
from spor.demo import measurement as demo
from spor.evaluation import stats
from spor.evaluation.web import figures
from spor.measurement import questionnaire
from spor.measurement.models import Informant, Phase, Response
from spor.programme.models import (
    Benchmark,
    Initiative,
    InitiativeBenchmark,
    InitiativeIntervention,
)
from spor.registry.models import Child
from spor.tenancy.models import Municipality
from tests.cases.world import intervention
from tests.conftest import World

TODAY = timezone.localdate()
SPEC: list[tuple[int, int | None]] = [
    (22, 12), (18, 15), (25, 19), (14, 16), (20, 8), (17, 17), (19, 11), (23, 22),
    (16, None), (21, None), (24, None),
]  # fmt: skip
SPEC_B: list[tuple[int, int | None]] = [(21, 14), (19, 18), (26, 20), (15, 9), (22, 23), (18, None)]

# Every child five times: every count of every table is a multiple of 5, so nothing is
# hidden, whatever complements the joint protection would choose (they depend on the ids,
# which differ between SQLite and PostgreSQL runs).
SPEC_5 = [s for s in [*SPEC, (20, None), (23, None)] for _ in range(5)]
SPEC_B_5 = [s for s in [*SPEC_B, *[(17, None)] * 4] for _ in range(5)]


def children(w: World, muni: Municipality, iv: Intervention,
             spec: list[tuple[int, int | None]], *, start: int = 0) -> None:  # fmt: skip
    """One child, case and delivery of ``iv`` per spec, with a before and (unless None) an
    after response from the PPR professional."""
    user = w.ppr_a if muni == w.a else w.ppr_b
    ppr = Membership.objects.get(user=user, municipality=muni)
    rng = random.Random(len(spec) + start)
    baseline = TODAY - dt.timedelta(days=120)
    for i, (before, after) in enumerate(spec, start=start):
        child = Child(municipality=muni, first_name=f"Navnløs{i}", last_name="Hemmeligsen")
        child.set_cpr(f"{1 + i % 28:02d}0116-4{i:03d}")
        child.save()
        case = Case.objects.create(
            municipality=muni, child=child, title="Forløb", level=Level.ANTICIPATORY,
            opened_from=OpenedFrom.DIRECT, opened_on=baseline, opened_by=ppr,
        )  # fmt: skip
        d = Delivery.objects.create(
            municipality=muni, case=case, intervention=iv, start=baseline,
            status=DeliveryStatus.RUNNING,
        )  # fmt: skip
        age = child.age_on(baseline)
        for phase, total, on in ((Phase.BEFORE, before, baseline), (Phase.AFTER, after, TODAY)):
            if total is None:
                continue
            form = questionnaire.form_for(Informant.PROFESSIONAL, phase, age)
            answers = demo._items(form, total, 7, rng)
            scores = questionnaire.score(form, answers, {})
            Response.objects.create(
                municipality=muni, delivery=d, phase=phase, informant=Informant.PROFESSIONAL,
                form=form, answers=answers, scores=scores, norm_set=scores["norm_set"],
                entered_by=ppr,
                answered_at=timezone.make_aware(dt.datetime.combine(on, dt.time(12))),
            )  # fmt: skip


def use_only(w: World, initiative: Initiative, iv: Intervention) -> None:
    InitiativeIntervention.objects.filter(initiative=initiative).delete()
    InitiativeIntervention.objects.create(
        municipality=initiative.municipality, initiative=initiative, intervention=iv
    )


def aby_groups(w: World) -> Intervention:
    iv = intervention(w.a, "Samtalegrupper", min_age=2, max_age=17)
    use_only(w, w.extra["initiative_a"], iv)
    return iv


def detail(w: World, user=None):  # type: ignore[no-untyped-def]
    url = f"/partnerskab/initiativer/{w.extra['initiative_a'].pk}/"
    return w.client_for(user or w.lead_a).get(url)


def pairs(spec: list[tuple[int, int | None]]) -> tuple[list[int], list[int]]:
    kept = [(b, a) for b, a in spec if a is not None]
    return [b for b, _ in kept], [a for _, a in kept]


def check_equal(fig: figures.Figures, before: list[int], after: list[int]) -> None:
    got = sorted(zip(fig.before, fig.after, strict=True))
    assert got == sorted(zip(before, after, strict=True))
    pc = stats.paired_change(before, after)
    es = stats.effect_sizes(before, after)
    assert fig.total is not None
    assert fig.total.change == figures.num(pc.mean_change)
    assert fig.total.ci == f"{figures.num(pc.ci_low)} til {figures.num(pc.ci_high)}"
    assert (stats.EFFECT_LABELS_DA["dz"], figures.num(es.dz, 2)) in fig.effects


# --------------------------------------------------------------------------- initiative


def test_initiative_figures_equal_the_pure_functions(world: World) -> None:
    children(world, world.a, aby_groups(world), SPEC_5)
    r = detail(world)
    assert r.status_code == 200
    (row,) = r.context["outcomes"].rows
    fig = row.fig
    assert fig.n_started == 65 and fig.n_paired == 40
    before, after = pairs(SPEC_5)
    check_equal(fig, before, after)
    codes = sdq.change_category(before, after, informant="teacher", norm_set="uk-3band")
    shares = stats.change_categories(codes)
    for share, key in ((row.improvement, "any_reliable_improvement"),
                       (row.normal, "into_normal_range")):  # fmt: skip
        assert share is not None
        k = shares[key].k
        if share.shown:
            p = stats.proportion(k, 40)
            assert share.text == f"{k} af 40 ({figures.pct(p.share)})"
            assert share.ci == f"{figures.pct(p.ci_low)} til {figures.pct(p.ci_high)}"
        else:
            assert share.text == figures.SUPPRESSED == "◆"
    text = r.content.decode()
    assert "40 par af 65 startet" in text
    assert row.dz == figures.num(stats.effect_sizes(before, after).dz, 2) and row.dz in text
    # The change beyond regression to the mean, the page's code on the row's pairs.
    adj = stats.change_beyond_regression(
        before, after, population_mean=6.6, population_sd=6.0, reliability=0.62
    )
    ci = f"{figures.num(adj.ci_low)} til {figures.num(adj.ci_high)}"
    assert row.beyond == f"{figures.num(adj.beyond)} ({ci})" and row.beyond in text
    assert "uden en kontrolgruppe" in text and "uk-3band@1" in text
    assert "Navnløs" not in text and "Hemmeligsen" not in text and "0116" not in text


def test_an_initiatives_counts_are_the_leads_published_counts_added_up(world: World) -> None:
    # 8 pairs of 11 started: the lead's view of the intervention hides the 3 without a
    # follow-up and one more count of the line; the initiative, which counts the same
    # children, shows exactly what the lead's view shows ("8 par af 11 startet" by itself
    # would give the 3 back). With a second intervention the counts are the two views'
    # published counts added up, hidden where a part is hidden.
    iv = aby_groups(world)
    children(world, world.a, iv, SPEC)
    lead = world.client_for(world.lead_a).get("/evaluering/", {"indsats": iv.pk})
    row = detail(world).context["outcomes"].rows[0]
    assert row.fig.n_started == 11  # the truth, never shown
    assert row.fig.paired_label == lead.context["fig"].paired_label
    assert "◆" in row.fig.paired_label
    other = intervention(world.a, "Klassetrivsel", min_age=2, max_age=17)
    children(world, world.a, other, SPEC_5, start=100)
    InitiativeIntervention.objects.create(
        municipality=world.a, initiative=world.extra["initiative_a"], intervention=other
    )
    both = detail(world).context["outcomes"].rows[0].fig
    lead = world.client_for(world.lead_a).get("/evaluering/", {"indsats": iv.pk})
    lead_other = world.client_for(world.lead_a).get("/evaluering/", {"indsats": other.pk})
    for name, text in (("started", both.started_text), ("paired", both.paired_text)):
        mine, theirs = (
            lead.context["fig"].published[name],
            lead_other.context["fig"].published[name],
        )
        assert text == ("◆" if mine is None or theirs is None else str(mine + theirs))


def test_other_informants_and_other_interventions_are_not_counted(world: World) -> None:
    iv = aby_groups(world)
    children(world, world.a, iv, SPEC)
    other = intervention(world.a, "Klassetrivsel", min_age=2, max_age=17)
    children(world, world.a, other, [(20, 10)] * 6, start=100)
    Response.objects.filter(delivery__intervention=iv).update(informant=Informant.PARENT)
    fig = detail(world).context["outcomes"].rows[0].fig
    assert fig.n_started == 0 and fig.n_paired == 0


def test_fewer_than_five_children_are_suppressed(world: World) -> None:
    children(world, world.a, aby_groups(world), [(22, 12), (18, 15), (25, 19), (14, None)])
    r = detail(world)
    fig = r.context["outcomes"].rows[0].fig
    assert not fig.shown and fig.total is None and fig.effects == []
    text = r.content.decode()
    assert "◆ par af ◆ startet" in text
    assert "Vises ikke: antallet af par er skjult." in text and "færre end" not in text


def test_ppr_staff_read_it_and_another_municipality_gets_404(world: World) -> None:
    children(world, world.a, aby_groups(world), SPEC)
    assert detail(world, world.ppr_a).status_code == 200
    for user in (world.lead_b, world.ppr_b, world.teacher_a):
        assert detail(world, user).status_code == 404


# --------------------------------------------------------------------------- pejlemærke


def bby_initiative(w: World, iv: Intervention, *numbers: int) -> Initiative:
    from spor.programme.models import DevelopmentPlan

    plan = DevelopmentPlan.objects.create(
        municipality=w.b, participation=w.extra["participation_b"], title="Tidligt ind"
    )
    item = Initiative.objects.create(
        municipality=w.b, plan=plan, title="Grupper i Bby", description="",
        scope="specifik", aimed_at=["boern"], level="foregribende",
        target_groups=["barn"], age_groups=["6_11"], responsible="PPR",
    )  # fmt: skip
    framework = w.extra["programme"].framework
    for n in numbers:
        InitiativeBenchmark.objects.create(
            municipality=w.b, initiative=item,
            benchmark=Benchmark.objects.get(framework=framework, number=n),
        )  # fmt: skip
    use_only(w, item, iv)
    return item


def overview(w: World, **params):  # type: ignore[no-untyped-def]
    client = w.client_for(w.extra["programme_admin"])
    return client.get(f"/partnerskab/{w.extra['programme'].pk}/initiativer/", params)


def test_the_programme_admin_sees_pooled_figures_per_pejlemaerke(world: World) -> None:
    # Aby's initiative serves pejlemærke 1 and 3; Bby's serves 1 only.
    children(world, world.a, aby_groups(world), SPEC_5)
    iv_b = intervention(world.b, "Grupper", min_age=2, max_age=17)
    children(world, world.b, iv_b, SPEC_B_5, start=200)
    bby_initiative(world, iv_b, 1)
    r = overview(world)
    assert r.status_code == 200
    rows = {row.label.split(".")[0]: row for row in r.context["outcomes"].rows}
    assert sorted(rows) == ["1", "2", "3", "4", "5"]
    b_a, a_a = pairs(SPEC_5)
    b_b, a_b = pairs(SPEC_B_5)
    assert rows["1"].fig.n_started == 115 and rows["1"].fig.n_paired == 65
    check_equal(rows["1"].fig, b_a + b_b, a_a + a_b)
    assert rows["1"].initiatives == 2
    check_equal(rows["3"].fig, b_a, a_a)
    assert rows["2"].fig.n_started == 0 and not rows["2"].fig.shown
    text = r.content.decode()
    assert "65 par af 115 startet" in text and "40 par af 65 startet" in text
    assert "uden en kontrolgruppe" in text
    assert "Navnløs" not in text and "Hemmeligsen" not in text and "0116" not in text
    # The overview's filters do not narrow the figures.
    narrowed = overview(world, kommune=world.b.pk).context["outcomes"].rows
    assert narrowed[0].fig.n_paired == 65


def test_a_child_counts_once_per_pejlemaerke_when_initiatives_share_an_intervention(
    world: World,
) -> None:
    iv = aby_groups(world)
    children(world, world.a, iv, SPEC)
    second = Initiative.objects.create(
        municipality=world.a, plan=world.extra["plan_a"], title="Samme grupper, andet navn",
        description="", scope="specifik", aimed_at=["boern"], level="foregribende",
        target_groups=["barn"], age_groups=["6_11"], responsible="PPR",
    )  # fmt: skip
    InitiativeBenchmark.objects.create(
        municipality=world.a, initiative=second,
        benchmark=Benchmark.objects.get(framework=world.extra["programme"].framework, number=1),
    )  # fmt: skip
    use_only(world, second, iv)
    row = overview(world).context["outcomes"].rows[0]
    assert row.initiatives == 2
    assert row.fig.n_started == 11 and row.fig.n_paired == 8


def test_a_pejlemaerke_with_fewer_than_five_pairs_is_suppressed(world: World) -> None:
    children(world, world.a, aby_groups(world), [(22, 12), (18, 15), (25, 19), (14, 16)])
    r = overview(world)
    row = r.context["outcomes"].rows[0]
    assert not row.fig.shown and row.fig.effects == [] and row.fig.before == []
    text = r.content.decode()
    assert "◆ par af ◆ startet" in text and "Vises ikke: antallet af par er skjult." in text
    assert "færre end" not in text and "◆ skjult af hensyn til fortrolighed" in text


def test_a_count_the_evaluators_tables_hide_is_hidden_on_the_overview_too(world: World) -> None:
    # 8 pairs of 11 started: the 3 without a follow-up are hidden in the evaluator's tables,
    # and with them the pairs of pejlemærke 3's row. Shown by itself, "8 par af 11 startet"
    # would give the 3 back; the overview shows the evaluator's published counts instead.
    children(world, world.a, aby_groups(world), SPEC)
    admin = world.client_for(world.extra["programme_admin"])
    base = f"/partnerskab/{world.extra['programme'].pk}/"
    page = admin.get(base + "evaluering/")
    (evaluator_row,) = [
        r
        for r in next(b for b in page.context["report"].breakdowns if b.key == "pejlemaerke").rows
        if r.label.startswith("3.")
    ]
    row = next(r for r in overview(world).context["outcomes"].rows if r.label.startswith("3."))
    assert row.fig.n_paired == 8 and row.fig.n_started == 11  # the truth, never shown
    assert (row.fig.paired_text, row.fig.started_text) == (
        str(evaluator_row.paired),
        str(evaluator_row.started),
    )
    assert "◆" in row.fig.paired_label and "8 par af 11 startet" not in row.fig.paired_label


def test_only_the_programmes_administrator_gets_the_overview(world: World) -> None:
    children(world, world.a, aby_groups(world), SPEC)
    url = f"/partnerskab/{world.extra['programme'].pk}/initiativer/"
    for user in (world.lead_a, world.lead_b, world.ppr_a):
        assert world.client_for(user).get(url).status_code == 404


def test_a_new_response_is_on_the_next_overview_although_the_figures_are_kept(
    world: World,
) -> None:
    """The figures per pejlemærke are kept per process under the data they are computed
    from (``spor.lib.memo``): a second view is served from the store, a new child's
    responses change the data, and a new initiative under another pejlemærke changes which
    pejlemærke the deliveries count under, so the next view counts them."""
    iv_a = aby_groups(world)
    children(world, world.a, iv_a, SPEC_5)
    first = overview(world).context["outcomes"].rows
    again = overview(world).context["outcomes"].rows
    assert again[0].fig is first[0].fig  # kept: the same data
    assert (first[0].fig.n_started, first[0].fig.n_paired) == (65, 40)
    children(world, world.a, iv_a, [(20, 12), (18, 15), (25, 19), (21, None), (19, 14)] * 5,
             start=300)  # fmt: skip
    after_new = overview(world).context["outcomes"].rows
    assert (after_new[0].fig.n_started, after_new[0].fig.n_paired) == (90, 60)
    text = overview(world).content.decode()
    assert "60 par af 90 startet" in text and "40 par af 65 startet" not in text
    # Pejlemærke 2 had no deliveries until Aby's initiative serves it too.
    assert after_new[1].fig.n_started == 0
    InitiativeBenchmark.objects.create(
        municipality=world.a, initiative=world.extra["initiative_a"],
        benchmark=Benchmark.objects.get(framework=world.extra["programme"].framework, number=2),
    )  # fmt: skip
    moved = overview(world).context["outcomes"].rows
    assert (moved[1].fig.n_started, moved[1].fig.n_paired) == (90, 60)
    assert moved[1].initiatives == 1
