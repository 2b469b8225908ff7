"""The investment case through the pages: the page's figures are
:func:`spor.evaluation.economics.investment_case` on the same inputs, the disclaimer is shown
with every result, the sensitivity chart is drawn, bad input saves nothing, and a new case is
prefilled from Spor's own results only where there are enough children."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

import pytest

from spor import sdq
from spor.cases.models import Intervention
from spor.economics import investment, services
from spor.economics.charts import kr
from spor.economics.models import EffectSource, InvestmentScenario
from spor.evaluation import economics, stats
from tests.conftest import World
from tests.economics.measured import make_children

LIST = "/oekonomi/investering/"
NEW = "/oekonomi/investering/ny/"


def detail(w: World, s: InvestmentScenario, user=None):  # type: ignore[no-untyped-def]
    return w.client_for(user or w.lead_a).get(f"{LIST}{s.pk}/")


def test_the_page_shows_exactly_the_pure_investment_case(world: World) -> None:
    s = world.extra["investment_scenario"]
    r = detail(world, s)
    assert r.status_code == 200
    expected = economics.investment_case(
        economics.Scenario(
            horizon=5,
            discount_rate=0.035,
            staff_costs=[400000] * 5,
            other_costs=[50000, 10000, 10000, 10000, 10000],
            children=[40] * 5,
            completion=0.8,
            effect=0.1,
            avoided={"kommune": 60000, "region": 15000, "stat": 5000},
            benefit_start=1,
            payer="kommune",
        )
    )
    case = r.context["case"]
    assert case.npv == pytest.approx(expected.npv, rel=1e-12)
    assert case.payback_year == expected.payback_year
    assert case.break_even_effect == pytest.approx(expected.break_even_effect, rel=1e-12)
    assert case.npv_by_purse == pytest.approx(expected.npv_by_purse, rel=1e-12)
    for got, want in zip(case.years, expected.years, strict=True):
        assert got.net_total == pytest.approx(want.net_total, rel=1e-12)
        assert got.cumulated_discounted_total == pytest.approx(want.cumulated_discounted_total)
        assert got.net == pytest.approx(want.net)
    text = r.content.decode()
    assert kr(expected.npv) in text
    for y in expected.years:
        assert kr(y.net_total) in text and kr(y.cumulated_discounted_total) in text
    for purse in economics.PURSES:
        assert kr(expected.npv_by_purse[purse]) in text
    # Sensitivity: the same rows as the pure function, in a drawn chart.
    rows = economics.sensitivity(economics.Scenario(**{**expected.scenario.__dict__}))
    assert [x.parameter for x in r.context["sensitivity"]] == [x.parameter for x in rows]
    assert text.count("<svg") >= 2
    # SVG coordinates need a decimal point: "230,4" would be read as two coordinates.
    assert not re.search(r'\b(x|y|x1|y1|width|height)="-?\d+,\d', text)
    assert re.search(r'<rect x="\d+(\.\d+)?" y="', text)
    # Region and state do not pay, so they have no payback year or break-even effect.
    assert text.count("Betaler ikke indsatsen") == 2
    for label in economics.SENSITIVITY_LABELS_DA.values():
        assert label in text
    assert economics.DISCLAIMER_DA in text


def valid(**override: str) -> dict[str, str]:
    data = {
        "name": "Forældrekursus, scenarie",
        "intervention": "",
        "horizon": "3",
        "discount_rate_pct": "3,5",
        "completion_pct": "75",
        "effect_pct": "8",
        "effect_source": EffectSource.SCENARIO,
        "effect_note": "Et forsigtigt skøn fra ledelsen.",
        "avoided_kommune": "50.000",
        "avoided_region": "",
        "avoided_stat": "10000",
        "benefit_start": "1",
        "benefit_years": "",
        "payer": "kommune",
        "staff_1": "300.000",
        "staff_2": "300000",
        "staff_3": "300000",
        "other_1": "40000",
        "children_1": "30",
        "children_2": "30",
        "children_3": "30",
    }
    data.update(override)
    return data


def test_a_new_case_is_saved_and_computed(world: World) -> None:
    r = world.client_for(world.lead_a).post(NEW, valid())
    assert r.status_code == 302
    s = InvestmentScenario.objects.get(municipality=world.a, name="Forældrekursus, scenarie")
    assert s.staff_costs == [300000.0] * 3 and s.other_costs == [40000.0, 0.0, 0.0]
    assert s.avoided_region == Decimal(0) and s.discount_rate_pct == Decimal("3.5")
    page = world.client_for(world.lead_a).get(r["Location"])
    want = economics.investment_case(
        economics.Scenario(
            horizon=3,
            discount_rate=0.035,
            staff_costs=[300000] * 3,
            other_costs=[40000],
            children=[30] * 3,
            completion=0.75,
            effect=0.08,
            avoided={"kommune": 50000, "stat": 10000},
        )
    )
    assert page.context["case"].npv == pytest.approx(want.npv, rel=1e-12)
    assert economics.DISCLAIMER_DA in page.content.decode()


@pytest.mark.parametrize(
    "override,message",
    [
        ({"horizon": "12"}, services.MSG_HORIZON),
        ({"staff_4": "1000"}, services.MSG_SERIES_BEYOND.format(what="personaleudgifter", year=4)),
        ({"effect_note": ""}, services.MSG_EFFECT_NOTE),
        ({"discount_rate_pct": "35"}, services.MSG_DISCOUNT),
        ({"completion_pct": "120"}, services.MSG_COMPLETION),
        ({"effect_pct": "-150"}, services.MSG_EFFECT),
        ({"avoided_kommune": "", "avoided_stat": ""}, services.MSG_AVOIDED_NONE),
        ({"children_1": "", "children_2": "", "children_3": ""}, services.MSG_NO_CHILDREN),
        ({"benefit_years": "0"}, services.MSG_BENEFIT_YEARS),
        ({"name": "Samtaleforløb, fem år"}, services.MSG_NAME_TAKEN),
        ({"effect_source": "gæt"}, services.MSG_EFFECT_SOURCE),
        ({"avoided_stat": "ti tusind"}, "Skriv et tal"),
    ],
)
def test_bad_input_gives_a_danish_error_and_saves_nothing(
    world: World, override: dict[str, str], message: str
) -> None:
    count = InvestmentScenario.objects.count()
    r = world.client_for(world.lead_a).post(NEW, valid(**override))
    assert r.status_code == 400
    assert message in r.content.decode()
    assert InvestmentScenario.objects.count() == count


def test_a_saved_case_is_changed_in_place(world: World) -> None:
    s = world.extra["investment_scenario"]
    form = world.client_for(world.lead_a).get(f"{LIST}{s.pk}/ret/")
    assert form.status_code == 200 and "Samtaleforløb, fem år" in form.content.decode()
    r = world.client_for(world.lead_a).post(f"{LIST}{s.pk}/ret/", valid(name=s.name, horizon="3"))
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.horizon == 3 and s.effect_pct == Decimal("8.0")
    assert InvestmentScenario.objects.filter(municipality=world.a).count() == 1


@pytest.mark.parametrize("who", ["ppr_a", "lead_b"])
def test_another_municipality_or_role_gets_404(world: World, who: str) -> None:
    s = world.extra["investment_scenario"]
    client = world.client_for(getattr(world, who))
    assert detail(world, s, getattr(world, who)).status_code == 404
    assert client.post(f"{LIST}{s.pk}/ret/", valid(name="Overtaget")).status_code == 404
    s.refresh_from_db()
    assert s.name == "Samtaleforløb, fem år"


def test_a_new_case_is_prefilled_with_the_effect_beyond_regression_to_the_mean(
    world: World,
) -> None:
    # 24 pairs: 12 recover reliably (22 → 8), 12 do not change (20 → 19); 6 without follow-up.
    spec = [(22, 8)] * 12 + [(20, 19)] * 12
    make_children(world, spec + [(21, None)] * 6)
    iv = Intervention.objects.get(municipality=world.a, name="Samtaler i skolen")
    r = world.client_for(world.lead_a).get(NEW, {"indsats": iv.pk})
    assert r.status_code == 200
    initial = r.context["form"].initial
    assert initial["effect_source"] == EffectSource.SPOR
    # The pure functions on the same pairs: the raw share (12 of 24) is only the upper bound;
    # the effect is the change beyond regression to the mean, as an extra share with a
    # reliable improvement, with its interval.
    before = [float(b) for b, _ in spec]
    after = [float(a) for _, a in spec]
    p = sdq.rci_details("teacher", "total", "uk-3band")
    adj = stats.change_beyond_regression(
        before, after, population_mean=p.mean, population_sd=p.sd, reliability=p.reliability
    )

    def share(shift: float) -> float:
        return stats.expected_improvement_share(
            before, population_mean=p.mean, population_sd=p.sd, reliability=p.reliability,
            critical_change=p.critical_change, shift=shift,
        )  # fmt: skip

    assert initial["upper_bound_pct"] == pytest.approx(50.0)
    assert initial["effect_pct"] == pytest.approx(round(100 * (share(adj.beyond) - share(0)), 1))
    assert initial["effect_low_pct"] == pytest.approx(
        round(100 * (share(adj.ci_high) - share(0)), 1)
    )
    assert initial["effect_high_pct"] == pytest.approx(
        round(100 * (share(adj.ci_low) - share(0)), 1)
    )
    assert initial["effect_pct"] < 50.0
    assert initial["completion_pct"] == pytest.approx(80.0)  # 24 of 30 followed up
    assert "12 af 24" in initial["effect_note"] and "øvre grænse" in initial["effect_note"]
    text = r.content.decode()
    assert "ud over det, regression mod middelværdien alene giver" in text
    assert "ud over det, regression mod middelværdien alene giver (" in initial["effect_note"]
    assert economics.DISCLAIMER_DA in text
    # Saved as suggested, the page shows the effect with its interval, the sensitivity runs
    # across the interval, and the raw share appears only as the labelled upper bound.
    form = r.context["form"]
    data = {
        k: ("" if v is None else str(v)) for k, v in form.initial.items() if k != "intervention"
    }
    data.update(intervention=str(iv.pk), avoided_kommune="40000", children_1="20", staff_1="90000")
    saved = world.client_for(world.lead_a).post(NEW, data)
    assert saved.status_code == 302, saved.context["form"].errors
    s = InvestmentScenario.objects.get(municipality=world.a, name=data["name"])
    page = detail(world, s, world.lead_a)
    text = page.content.decode()
    lo, hi = (str(initial[k]).replace(".", ",").replace("-", "−")
              for k in ("effect_low_pct", "effect_high_pct"))  # fmt: skip
    assert f"95 %-interval {lo} til {hi} procentpoint" in text
    assert "Øvre grænse, ikke en effekt" in text and "50,0 %" in text
    row = next(r for r in page.context["sensitivity"] if r.parameter == "effect")
    assert row.label_da == economics.EFFECT_INTERVAL_LABEL_DA
    assert (row.low_input, row.high_input) == pytest.approx(
        (initial["effect_low_pct"] / 100, initial["effect_high_pct"] / 100)
    )
    case = investment.to_scenario(s)
    assert row.npv_low_input == pytest.approx(
        economics.investment_case(replace(case, effect=case.effect_low)).npv
    )


def test_too_few_children_give_no_effect_from_spor(world: World) -> None:
    make_children(world, [(22, 8)] * 6 + [(20, 19)] * 6)
    iv = Intervention.objects.get(municipality=world.a, name="Samtaler i skolen")
    r = world.client_for(world.lead_a).get(NEW, {"indsats": iv.pk})
    initial = r.context["form"].initial
    assert initial["effect_source"] == EffectSource.SCENARIO
    assert "effect_note" not in initial
    assert "under 20 børn" in r.content.decode()


def test_the_list_links_to_saved_cases(world: World) -> None:
    r = world.client_for(world.lead_a).get(LIST)
    s = world.extra["investment_scenario"]
    assert r.status_code == 200 and f"{LIST}{s.pk}/" in r.content.decode()
    assert world.client_for(world.ppr_a).get(LIST).status_code == 404


def test_the_pages_use_no_inline_styles_which_the_content_security_policy_blocks(
    world: World,
) -> None:
    s = world.extra["investment_scenario"]
    for url in (LIST, NEW, f"{LIST}{s.pk}/", f"{LIST}{s.pk}/ret/", "/oekonomi/"):
        text = world.client_for(world.lead_a).get(url).content.decode()
        main = text[text.index("<main") :]
        assert "style=" not in main, url
