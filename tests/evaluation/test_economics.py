"""Economics worked by hand: costs, NPV with discounting, payback, break-even, sensitivity."""

from __future__ import annotations

from dataclasses import replace

import pytest

from spor.evaluation.economics import (
    DISCLAIMER_DA,
    DeliveryHours,
    EconomicsError,
    Scenario,
    cost_breakdown,
    cost_per_case,
    cost_per_success,
    hourly_rate,
    investment_case,
    sensitivity,
)

approx = pytest.approx


def test_hourly_rate_and_cost_per_case() -> None:
    assert hourly_rate(520_000, 1_300, overhead=0.25) == 500.0
    c = cost_per_case(
        {"psykolog": 10, "tale-hørekonsulent": 4},
        {"psykolog": 600, "tale-hørekonsulent": 500, "pædagog": 400},
        materials=500,
        implementation=1_000,
    )
    assert c.staff_by_profession == {"psykolog": 6_000, "tale-hørekonsulent": 2_000}
    assert (c.staff, c.materials, c.implementation, c.total) == (8_000, 500, 1_000, 9_500)
    with pytest.raises(EconomicsError, match="timepris for 'pædagog'"):
        cost_per_case({"pædagog": 2}, {"psykolog": 600})
    with pytest.raises(EconomicsError):
        cost_per_case({"psykolog": -2}, {"psykolog": 600})
    with pytest.raises(EconomicsError):
        hourly_rate(500_000, 0)


DELIVERIES = [
    DeliveryHours("f1", "c1", "Tidlig indsats", "psykolog", 10),
    ("f1", "c1", "Tidlig indsats", "pædagog", 5),
    ("f2", "c2", "Samtaler", "psykolog", 5),
    ("f3", "c1", "Samtaler", "psykolog", 5),
]
RATES = {"psykolog": 600, "pædagog": 400}


def test_cost_breakdown_by_hand() -> None:
    # staff: f1 10·600 + 5·400 = 8 000, f2 3 000, f3 3 000; 25 hours.
    # materials for "Tidlig indsats" (1 500) go to f1; other materials + implementation
    # (500 + 2 000) are spread by hours: f1 15/25, f2 5/25, f3 5/25.
    res = cost_breakdown(
        DELIVERIES,
        RATES,
        materials_by_intervention={"Tidlig indsats": 1_500},
        other_materials=500,
        implementation=2_000,
    )
    assert res.staff == 14_000 and res.hours == 25
    assert res.total == 18_000 and res.materials == 2_000 and res.implementation == 2_000
    assert res.per_case == {"f1": approx(11_000), "f2": approx(3_500), "f3": approx(3_500)}
    assert res.per_intervention == {"Tidlig indsats": approx(11_000), "Samtaler": approx(7_000)}
    assert (res.n_cases, res.n_children) == (3, 2)
    assert res.mean_per_case == 6_000 and res.mean_per_child == 9_000
    split = cost_breakdown(DELIVERIES, RATES, materials_by_intervention={"Samtaler": 1_000})
    assert split.per_case["f2"] == approx(3_500) and split.per_case["f3"] == approx(3_500)
    with pytest.raises(EconomicsError, match="uden leverancer"):
        cost_breakdown(DELIVERIES, RATES, materials_by_intervention={"Ukendt": 1})
    with pytest.raises(EconomicsError):
        cost_breakdown([], RATES)


def test_cost_per_success() -> None:
    assert cost_per_success(18_000, 4) == 4_500
    assert cost_per_success(18_000, 0) is None
    with pytest.raises(EconomicsError):
        cost_per_success(18_000, 1.5)  # type: ignore[arg-type]


# Scenario A, by hand. 10 children start in year 1; 80 % complete; the effect is 25 extra
# percentage points, so 10 · 0.8 · 0.25 = 2 children succeed. From year 2 each saves the
# kommune 30 000 and the stat 10 000 a year. Costs 100 000 staff + 20 000 other in year 1.
# Discount 5 %: year t is divided by 1.05^(t−1).
A = Scenario(
    horizon=3,
    discount_rate=0.05,
    staff_costs=[100_000],
    other_costs=[20_000],
    children=[10],
    completion=0.8,
    effect=0.25,
    avoided={"kommune": 30_000, "stat": 10_000},
    effect_source="Spors egne resultater",
)
PV = 1 / 1.05 + 1 / 1.05**2  # present value of 1 kr a year in years 2 and 3


def test_investment_case_by_hand() -> None:
    res = investment_case(A)
    y1, y2, y3 = res.years
    assert y1.cost == {"kommune": 120_000, "region": 0, "stat": 0}
    assert y1.avoided["kommune"] == 0 and y2.avoided == {
        "kommune": 60_000,
        "region": 0,
        "stat": 20_000,
    }
    assert y2.successful_children == 2 and y3.net_total == 80_000
    assert y3.discount_factor == approx(1 / 1.1025)
    assert y2.discounted_net_total == approx(80_000 / 1.05)
    assert y3.cumulated_total == 40_000
    assert res.npv == approx(-120_000 + 80_000 * PV)  # 28 752.83
    assert res.npv == approx(28_752.834467, abs=1e-5)
    assert res.npv_by_purse["kommune"] == approx(-120_000 + 60_000 * PV)  # −8 435.37
    assert res.npv_by_purse["stat"] == approx(20_000 * PV)
    assert [y.cumulated_discounted_total for y in res.years] == approx(
        [-120_000, -120_000 + 80_000 / 1.05, res.npv]
    )
    assert res.payback_year == 3
    assert res.payback_year_by_purse == {"kommune": None, "region": 1, "stat": 1}
    # NPV = effect · 8 · 40 000 · PV − 120 000 = 0  ⇔  effect = 120 000 / (320 000 · PV)
    assert res.break_even_effect == approx(120_000 / (320_000 * PV))  # 0.2017
    assert res.break_even_effect_by_purse == {
        "kommune": approx(120_000 / (240_000 * PV)),
        "region": None,
        "stat": 0.0,
    }
    assert res.break_even_effect is not None
    at_break_even = investment_case(replace(A, effect=res.break_even_effect))
    assert at_break_even.npv == approx(0, abs=1e-6)
    assert res.disclaimer == DISCLAIMER_DA
    assert DISCLAIMER_DA.startswith(
        "Dette er en budgetøkonomisk beregning, ikke en samfundsøkonomisk eller kausal analyse"
    )


def test_cohorts_lag_and_duration_by_hand() -> None:
    # Two cohorts of 10; savings start the same year and last 2 years; no discounting.
    # Active successful children: 1, 2, 1, 0. Region saves 1 000 per child per year.
    b = Scenario(
        horizon=4,
        discount_rate=0,
        staff_costs=[5_000, 5_000],
        children=[10, 10],
        completion=1,
        effect=0.1,
        avoided={"region": 1_000},
        benefit_start=0,
        benefit_years=2,
    )
    res = investment_case(b)
    assert [y.successful_children for y in res.years] == approx([1, 2, 1, 0])
    assert [y.net_total for y in res.years] == approx([-4_000, -3_000, 1_000, 0])
    assert res.npv == approx(-6_000) and res.payback_year is None
    assert res.npv_by_purse["region"] == approx(4_000)
    assert res.break_even_effect == approx(10_000 / 40_000)


def test_payback_is_the_year_from_which_the_balance_stays_positive() -> None:
    # net 60, −90, 60, 60 -> cumulated 60, −30, 30, 90: paid back from year 3, not year 1.
    c = Scenario(
        horizon=4,
        discount_rate=0,
        staff_costs=[0, 150],
        children=[1],
        completion=1,
        effect=1,
        avoided={"kommune": 60},
        benefit_start=0,
    )
    res = investment_case(c)
    assert [y.cumulated_total for y in res.years] == [60, -30, 30, 90]
    assert res.payback_year == 3


def test_sensitivity_plus_minus_20_percent_by_hand() -> None:
    rows = {r.parameter: r for r in sensitivity(A)}
    base = -120_000 + 0.25 * 320_000 * PV
    assert all(r.npv_base == approx(base) for r in rows.values())
    # effect, prices and completion all scale the avoided costs linearly
    for p in ("effect", "prices", "completion"):
        assert rows[p].npv_low_input == approx(0.20 * 320_000 * PV - 120_000)
        assert rows[p].npv_high_input == approx(0.30 * 320_000 * PV - 120_000)
        assert not rows[p].clipped
    # wages scale the staff costs only: 80 000 or 120 000 + 20 000 other
    assert rows["wages"].npv_low_input == approx(0.25 * 320_000 * PV - 100_000)
    assert rows["wages"].npv_high_input == approx(0.25 * 320_000 * PV - 140_000)
    order = [r.parameter for r in sensitivity(A)]
    assert order == ["effect", "prices", "completion", "wages"]  # by swing, ties as given
    assert rows["wages"].swing == approx(40_000)
    clipped = {r.parameter: r for r in sensitivity(replace(A, completion=0.9))}
    assert clipped["completion"].clipped
    assert clipped["completion"].npv_high_input == approx(10 * 0.25 * 40_000 * PV - 120_000)
    with pytest.raises(EconomicsError):
        sensitivity(A, delta=1.5)
    with pytest.raises(EconomicsError):
        sensitivity(A, parameters=["rent"])


@pytest.mark.parametrize(
    "change",
    [
        {"horizon": 11},
        {"horizon": 0},
        {"discount_rate": -0.01},
        {"discount_rate": 3.5},
        {"completion": 1.2},
        {"effect": 2},
        {"avoided": {"kommunen": 1}},
        {"payer": "borger"},
        {"staff_costs": [1] * 4},
        {"children": [-1]},
        {"benefit_years": 0},
    ],
)
def test_bad_scenarios(change: dict[str, object]) -> None:
    with pytest.raises(EconomicsError):
        replace(A, **change)  # type: ignore[arg-type]


def test_the_sensitivity_runs_the_effect_across_its_interval() -> None:
    from dataclasses import replace as _replace

    from spor.evaluation import economics as ec

    base = ec.Scenario(
        horizon=3, discount_rate=0.05, staff_costs=[120_000], children=[10], completion=0.8,
        effect=0.25, avoided={"kommune": 30_000, "stat": 10_000},
    )  # fmt: skip
    s = _replace(base, effect_low=0.05, effect_high=0.40)
    rows = {r.parameter: r for r in ec.sensitivity(s)}
    eff = rows["effect"]
    assert eff.label_da == ec.EFFECT_INTERVAL_LABEL_DA
    assert (eff.low_input, eff.high_input) == (0.05, 0.40)
    assert eff.npv_low_input == pytest.approx(ec.investment_case(_replace(base, effect=0.05)).npv)
    assert eff.npv_high_input == pytest.approx(ec.investment_case(_replace(base, effect=0.4)).npv)
    # without an interval: ±20 % as before
    plain = {r.parameter: r for r in ec.sensitivity(base)}["effect"]
    assert plain.low_input is None
    assert plain.npv_low_input == pytest.approx(ec.investment_case(_replace(base, effect=0.2)).npv)
    # the interval must hold the effect, both ends or neither
    with pytest.raises(ec.EconomicsError, match="interval"):
        _replace(base, effect_low=0.3, effect_high=0.4)
    with pytest.raises(ec.EconomicsError, match="interval"):
        _replace(base, effect_low=0.1)
