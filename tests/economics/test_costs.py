"""The cost page through the test client: a hand-computed example, fixed prices with rate
history, hours without a rate, cost per child with reliable improvement from the evaluation's
pairs (suppressed under 5), and only the municipality's own lead and data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from spor import sdq
from spor.accounts.models import Membership, Profession
from spor.cases.models import Case, Delivery, DeliveryHours, DeliveryStatus, Level, OpenedFrom
from spor.economics.charts import kr
from spor.economics.models import InterventionCost
from spor.evaluation import stats
from tests.conftest import World
from tests.economics.measured import make_children

URL = "/oekonomi/"


def delivery(w: World, *, child=None, group=None, intervention, hours):  # type: ignore[no-untyped-def]
    ppr = Membership.objects.get(user=w.ppr_a, municipality=w.a)
    opened = timezone.localdate() - dt.timedelta(days=10)
    case = Case.objects.create(
        municipality=w.a,
        child=child,
        group=group,
        title="Forløb",
        level=Level.ANTICIPATORY,
        opened_from=OpenedFrom.DIRECT,
        opened_on=opened,
        opened_by=ppr,
    )
    d = Delivery.objects.create(
        municipality=w.a,
        case=case,
        intervention=intervention,
        start=opened,
        status=DeliveryStatus.RUNNING,
    )
    for profession, h in hours.items():
        DeliveryHours.objects.create(
            municipality=w.a, delivery=d, profession=profession, hours=Decimal(str(h))
        )
    return case


def test_a_hand_computed_example(world: World) -> None:
    """Rates today: psychologist 600, teacher 400 (tests/economics/world.py).

    * Oliver's case (world): talks, psychologist 6 h + teacher 2,5 h → 3.600 + 1.000 = 4.600
    * Ida's case: talks, psychologist 4 h → 2.400
    * 3.A (a group): class work, teacher 5 h → 2.000
    Staff 9.000 kr. over 17,5 h. The talks' materials 1.000 + implementation 2.000 = 3.000 go
    to the talks' 12,5 h: 240 kr./h → Oliver 2.040, Ida 960. Shared implementation 1.750 over
    all 17,5 h: 100 kr./h → 850, 400, 500. Cases: 7.490, 3.760, 2.500; total 13.750; per
    child (Oliver, Ida) (7.490 + 3.760) / 2 = 5.625; talks 11.250, class work 2.500.
    """
    talks, class_work = world.extra["intervention_talks"], world.extra["intervention_class"]
    ida = delivery(
        world, child=world.child_a2, intervention=talks, hours={Profession.PSYCHOLOGIST: 4}
    )
    group = delivery(
        world, group=world.class_a, intervention=class_work, hours={Profession.TEACHER: 5}
    )
    InterventionCost.objects.create(
        municipality=world.a,
        intervention=None,
        year=timezone.localdate().year,
        implementation=Decimal(1750),
    )
    r = world.client_for(world.lead_a).get(URL)
    assert r.status_code == 200
    report = r.context["page"].report
    oliver = world.extra["case"]
    assert report.per_case == pytest.approx({oliver.pk: 7490, ida.pk: 3760, group.pk: 2500})
    assert report.total == pytest.approx(13750)
    assert report.staff == pytest.approx(9000)
    assert report.materials == pytest.approx(1000) and report.implementation == pytest.approx(3750)
    assert report.per_child == pytest.approx(5625) and report.n_children == 2
    assert report.per_case_mean == pytest.approx(13750 / 3)
    lines = {i.name: i for i in report.interventions}
    assert lines[talks.name].total == pytest.approx(11250)
    assert lines[talks.name].own_costs == pytest.approx(3000)
    assert lines[talks.name].shared == pytest.approx(1250)
    assert lines[class_work.name].total == pytest.approx(2500)
    text = r.content.decode()
    for amount in ("13.750 kr.", "5.625 kr.", "11.250 kr.", "7.490 kr.", "9.000 kr."):
        assert amount in text


def test_hours_are_shown_with_a_thousands_separator(world: World) -> None:
    # Oliver's case has 8,5 h; with 4.729 h of class work the page said "4737,5".
    class_work = world.extra["intervention_class"]
    delivery(world, group=world.class_a, intervention=class_work, hours={Profession.TEACHER: 4729})
    text = world.client_for(world.lead_a).get(URL).content.decode()
    assert "<td>4.737,5</td>" in text and "4737,5" not in text


def test_hours_are_priced_with_the_rates_of_the_price_day(world: World) -> None:
    # In 2021 only the old psychologist rate (500) was valid; teachers had none.
    r = world.client_for(world.lead_a).get(URL, {"prisdato": "2021-06-01"})
    report = r.context["page"].report
    assert report.staff == pytest.approx(6 * 500)
    assert report.unpriced == {"Lærer": 2.5}
    text = r.content.decode()
    assert "Timer uden timepris er ikke med" in text and "Lærer 2,5 t" in text


def test_one_intervention_and_one_year(world: World) -> None:
    talks, class_work = world.extra["intervention_talks"], world.extra["intervention_class"]
    delivery(world, group=world.class_a, intervention=class_work, hours={Profession.TEACHER: 5})
    r = world.client_for(world.lead_a).get(URL, {"indsats": class_work.pk})
    report = r.context["page"].report
    assert report.total == pytest.approx(2000) and report.n_cases == 1
    assert report.per_child is None
    # The talks' own costs are not in a page about class work.
    assert report.unallocated == {}
    # Last year: one delivery of talks, 2 h of a psychologist, priced at today's rate; this
    # year's costs of the talks are not last year's.
    last_year = timezone.localdate().year - 1
    old = delivery(world, child=world.child_a3, intervention=talks,
                   hours={Profession.PSYCHOLOGIST: 2})  # fmt: skip
    Delivery.objects.filter(case=old).update(start=dt.date(last_year, 6, 1))
    r = world.client_for(world.lead_a).get(URL, {"aar": last_year})
    assert r.status_code == 200
    report = r.context["page"].report
    assert report.per_case == pytest.approx({old.pk: 1200})
    assert report.total == pytest.approx(1200)
    r = world.client_for(world.lead_a).get(URL, {"aar": last_year - 5})
    assert r.status_code == 400  # a year without deliveries is not a choice


def test_a_bad_filter_is_a_danish_400(world: World) -> None:
    r = world.client_for(world.lead_a).get(URL, {"prisdato": "i går", "indsats": "999999"})
    assert r.status_code == 400
    text = r.content.decode()
    assert "Filtrene kunne ikke bruges" in text and "Skriv datoen som dd.mm.åååå" in text


@pytest.mark.parametrize("who", ["ppr_a", "teacher_a", "health_a"])
def test_only_the_lead_gets_in(world: World, who: str) -> None:
    assert world.client_for(getattr(world, who)).get(URL).status_code == 404


def test_another_municipalitys_costs_are_not_counted(world: World) -> None:
    r = world.client_for(world.lead_b).get(URL)
    assert r.status_code == 200
    assert r.context["page"].report.n_cases == 0
    assert "Samtaleforløb" not in r.content.decode()


# Five children who recover reliably (22 → 8), five with no reliable change (20 → 19) and three
# without a follow-up: every published count is 0 or at least 5.
SUCCESS_SPEC: list[tuple[int, int | None]] = [(22, 8)] * 5 + [(20, 19)] * 5 + [(21, None)] * 3


def _hours_on_all(world: World, name: str, hours: float) -> None:
    for d in Delivery.objects.filter(municipality=world.a, intervention__name=name):
        DeliveryHours.objects.create(
            municipality=world.a,
            delivery=d,
            profession=Profession.PSYCHOLOGIST,
            hours=Decimal(str(hours)),
        )


def test_cost_per_child_with_reliable_improvement_uses_the_evaluation_pairs(world: World) -> None:
    make_children(world, SUCCESS_SPEC, name="Samtaler i skolen")
    _hours_on_all(world, "Samtaler i skolen", 10)
    from spor.cases.models import Intervention

    iv = Intervention.objects.get(municipality=world.a, name="Samtaler i skolen")
    r = world.client_for(world.lead_a).get(URL, {"indsats": iv.pk})
    page = r.context["page"]
    assert page.n_started == 13 and page.n_paired == 10
    # Every started delivery costs 10 h × 600 kr.; those without a follow-up count too.
    assert page.cost_of_started == pytest.approx(13 * 6000)
    before = [b for b, a in SUCCESS_SPEC if a is not None]
    after = [a for b, a in SUCCESS_SPEC if a is not None]
    shares = stats.change_categories(
        sdq.change_category(before, after, informant="teacher", norm_set="uk-3band")
    )
    success = {s.key: s for s in page.success}
    for key in ("any_reliable_improvement", "into_normal_range"):
        k = shares[key].k
        assert k == 5
        assert success[key].shown
        assert success[key].cost == pytest.approx(13 * 6000 / k)
        assert kr(13 * 6000 / k) in r.content.decode()
    assert "5 af 10" in r.content.decode()


def test_cost_per_success_is_hidden_under_five_children(world: World) -> None:
    make_children(world, [(22, 8)] * 3 + [(20, 19)] * 5, name="Samtaler i skolen")
    _hours_on_all(world, "Samtaler i skolen", 10)
    r = world.client_for(world.lead_a).get(URL)
    success = r.context["page"].success
    assert not any(s.shown for s in success)
    text = r.content.decode()
    assert "3 af 8" not in text and kr(11 * 6000 / 3) not in text
    # One symbol for a hidden figure, with the evaluation's legend; never "færre end 5" for
    # a cell that may be hidden to protect another.
    assert "eller ikke vist" not in text
    assert "◆ skjult af hensyn til fortrolighed" in text and "<td>◆</td>" in text


def test_the_initiative_page_and_the_cost_page_count_the_same_deliveries(world: World) -> None:
    # A planned delivery has not been given yet: the initiative page counted it (46), the
    # cost page did not (43). Both now count the deliveries that have started.
    talks = world.extra["intervention_talks"]
    planned = delivery(world, child=world.child_a2, intervention=talks, hours={})
    Delivery.objects.filter(case=planned).update(status=DeliveryStatus.PLANNED)
    lead = world.client_for(world.lead_a)
    costs = lead.get(URL).context["page"].report
    [line] = [i for i in costs.interventions if i.name == talks.name]
    initiative = lead.get(f"/partnerskab/initiativer/{world.extra['initiative_a'].pk}/")
    [use] = [u for u in initiative.context["uses"] if u.intervention == talks]
    assert use.deliveries == line.deliveries == 1
    assert use.cases == line.cases == 1


def test_pairs_without_a_change_category_give_no_cost_per_success(world: World) -> None:
    # Every follow-up banded with another norm set than its baseline: ten pairs, none with a
    # change category. The page once failed on them (a share of no children).
    from spor.measurement.models import Phase, Response

    make_children(world, SUCCESS_SPEC, name="Samtaler i skolen")
    _hours_on_all(world, "Samtaler i skolen", 10)
    Response.objects.filter(municipality=world.a, phase=Phase.AFTER).update(
        norm_set="uk-2-4-provisional@1"
    )
    r = world.client_for(world.lead_a).get(URL)
    assert r.status_code == 200
    page = r.context["page"]
    assert page.n_paired == 10
    assert [(s.k, s.n, s.shown, s.cost) for s in page.success] == [(0, 0, False, None)] * 2
