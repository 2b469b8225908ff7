"""Economics for Spor's evaluation: costs of PPR's work and a simplified investment case.

Pure functions over plain numbers (kroner, hours, shares); no Django. Every error is an
:class:`EconomicsError` (a ``ValueError``), Danish first, English after the slash.

* :func:`hourly_rate`, :func:`cost_per_case`, :func:`cost_breakdown`, :func:`cost_per_success`:
  what the work costs, from the deliveries' hours, each profession's hourly rate in the
  municipality, materials and implementation;
* :func:`investment_case` and :func:`sensitivity`: a budget calculation in the spirit of
  Socialstyrelsen's SØM (Socialøkonomisk Investeringsmodel), year by year and by purse
  (kommune, region, stat), discounted, with payback year and break-even effect.

    >>> cost_per_case({"psykolog": 10}, {"psykolog": 600.0}, materials=500).total
    6500.0

It is a budget calculation, not a welfare or causal one: :data:`DISCLAIMER_DA` says so, and it
must be shown with every result. Formulas and choices are in ``docs/evaluation.md``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final, NamedTuple

__all__ = [
    "DISCLAIMER_DA",
    "EFFECT_INTERVAL_LABEL_DA",
    "PURSES",
    "SENSITIVITY_LABELS_DA",
    "CaseCost",
    "CostBreakdown",
    "DeliveryHours",
    "EconomicsError",
    "InvestmentCase",
    "Scenario",
    "SensitivityRow",
    "YearResult",
    "cost_breakdown",
    "cost_per_case",
    "cost_per_success",
    "hourly_rate",
    "investment_case",
    "sensitivity",
]

PURSES: Final = ("kommune", "region", "stat")
"""The public purses an avoided cost can fall in."""

DISCLAIMER_DA: Final = (
    "Dette er en budgetøkonomisk beregning, ikke en samfundsøkonomisk eller kausal analyse. "
    "Den viser, hvad indsatsen koster, og hvilke udgifter kommune, region og stat kan undgå, "
    "hvis den antagne effekt holder. Effekten er en antagelse: Spors egne tal er før/efter-"
    "målinger uden kontrolgruppe og viser ikke, hvad der var sket uden indsatsen. De undgåede "
    "udgifter er brugerens egne skøn. Resultatet er et regneeksempel, ikke en gevinst, der "
    "kan indhentes i budgettet."
)

EFFECT_INTERVAL_LABEL_DA: Final = "Effekt over sit 95 %-interval"
SENSITIVITY_LABELS_DA: Final = {
    "effect": "Effekt (ekstra andel, der klarer sig)",
    "prices": "Priser (undgåede udgifter pr. barn)",
    "wages": "Lønninger (personaleudgift til indsatsen)",
    "completion": "Gennemførelse (andel, der gennemfører)",
}


class EconomicsError(ValueError):
    """Input the economics cannot use; the message says what to fix."""


def _amount(x: float, what: str, *, allow_negative: bool = False) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise EconomicsError(f"{what} skal være et tal, ikke {x!r} / must be a number") from None
    if not math.isfinite(v) or (v < 0 and not allow_negative):
        raise EconomicsError(f"{what} skal være et endeligt tal ≥ 0, ikke {x!r} / must be >= 0")
    return v


# --------------------------------------------------------------------------------------------
# Costs
# --------------------------------------------------------------------------------------------


def hourly_rate(annual_cost: float, productive_hours: float, *, overhead: float = 0.0) -> float:
    """Hourly rate of a profession: ``annual_cost · (1 + overhead) / productive_hours``.

    ``annual_cost`` is salary with pension and other wage costs for one full-time position;
    ``overhead`` the share added for management, premises and administration (e.g. 0.25);
    ``productive_hours`` the hours a year one position spends on children's cases (after
    holidays, absence, meetings, travel): the municipality's own figure.
    """
    cost = _amount(annual_cost, "årsløn")
    hours = _amount(productive_hours, "produktive timer")
    extra = _amount(overhead, "overhead")
    if hours <= 0:
        raise EconomicsError("produktive timer skal være > 0 / productive hours must be > 0")
    return cost * (1.0 + extra) / hours


@dataclass(frozen=True)
class CaseCost:
    """Cost of one forløb: staff by profession, materials, implementation, total."""

    staff_by_profession: Mapping[str, float]
    staff: float
    materials: float
    implementation: float
    total: float


def _staff_cost(
    hours_by_profession: Mapping[str, float], rates: Mapping[str, float]
) -> dict[str, float]:
    out: dict[str, float] = {}
    for profession, hours in hours_by_profession.items():
        if profession not in rates:
            raise EconomicsError(
                f"der mangler en timepris for {profession!r} / no hourly rate for {profession!r}"
            )
        h = _amount(hours, f"timer for {profession}")
        out[profession] = out.get(profession, 0.0) + h * _amount(rates[profession], "timepris")
    return out


def cost_per_case(
    hours_by_profession: Mapping[str, float],
    rates: Mapping[str, float],
    materials: float = 0.0,
    implementation: float = 0.0,
) -> CaseCost:
    """Cost of one forløb: ``Σ hours × rate`` per profession ``+ materials + implementation``.

    ``rates`` are the municipality's hourly rates per profession (see :func:`hourly_rate`);
    ``implementation`` is the forløb's share of implementation costs (training, start-up).
    """
    staff = _staff_cost(hours_by_profession, rates)
    m = _amount(materials, "materialer")
    impl = _amount(implementation, "implementering")
    s = sum(staff.values())
    return CaseCost(
        staff_by_profession=staff, staff=s, materials=m, implementation=impl, total=s + m + impl
    )


class DeliveryHours(NamedTuple):
    """Hours one profession spent on one intervention in one forløb (a delivery)."""

    case: Hashable
    child: Hashable
    intervention: str
    profession: str
    hours: float


@dataclass(frozen=True)
class CostBreakdown:
    """Costs of many forløb: totals, per forløb, per child and per intervention.

    Overheads (implementation, and materials not tied to an intervention) are spread over
    forløb and interventions in proportion to staff hours.
    """

    staff: float
    materials: float
    implementation: float
    total: float
    hours: float
    n_cases: int
    n_children: int
    per_case: Mapping[Hashable, float]
    per_intervention: Mapping[str, float]
    mean_per_case: float
    mean_per_child: float


def cost_breakdown(
    deliveries: Iterable[DeliveryHours | tuple[Hashable, Hashable, str, str, float]],
    rates: Mapping[str, float],
    *,
    materials_by_intervention: Mapping[str, float] | None = None,
    other_materials: float = 0.0,
    implementation: float = 0.0,
) -> CostBreakdown:
    """Cost per forløb, per child and per intervention from the deliveries' hours.

    * staff cost of a delivery = hours × the profession's rate;
    * materials tied to an intervention (``materials_by_intervention``) go to that
      intervention, and to its forløb in proportion to the intervention's hours in each;
    * ``other_materials`` and ``implementation`` are spread in proportion to staff hours;
    * per child = total / distinct children (a child in two forløb counts once).
    """
    rows = [DeliveryHours(*d) for d in deliveries]
    if not rows:
        raise EconomicsError("ingen leverancer / no deliveries")
    mats = {
        k: _amount(v, f"materialer til {k}") for k, v in (materials_by_intervention or {}).items()
    }
    other = _amount(other_materials, "øvrige materialer")
    impl = _amount(implementation, "implementering")
    total_hours = 0.0
    staff = 0.0
    case_staff: dict[Hashable, float] = {}
    case_hours: dict[Hashable, float] = {}
    iv_staff: dict[str, float] = {}
    iv_hours: dict[str, float] = {}
    case_iv_hours: dict[tuple[Hashable, str], float] = {}
    children: set[Hashable] = set()
    for d in rows:
        cost = _staff_cost({d.profession: d.hours}, rates)[d.profession]
        h = float(d.hours)
        total_hours += h
        staff += cost
        case_staff[d.case] = case_staff.get(d.case, 0.0) + cost
        case_hours[d.case] = case_hours.get(d.case, 0.0) + h
        iv_staff[d.intervention] = iv_staff.get(d.intervention, 0.0) + cost
        iv_hours[d.intervention] = iv_hours.get(d.intervention, 0.0) + h
        key = (d.case, d.intervention)
        case_iv_hours[key] = case_iv_hours.get(key, 0.0) + h
        children.add(d.child)
    unknown = sorted(set(mats) - set(iv_hours))
    if unknown:
        raise EconomicsError(
            f"materialer til indsatser uden leverancer: {', '.join(unknown)} / "
            "materials for interventions without deliveries"
        )
    if total_hours <= 0 and (other or impl):
        raise EconomicsError("ingen timer at fordele fællesudgifter på / no hours to spread on")
    overhead = other + impl

    def share(h: float) -> float:
        return overhead * h / total_hours if total_hours > 0 else 0.0

    per_iv = {iv: iv_staff[iv] + mats.get(iv, 0.0) + share(iv_hours[iv]) for iv in iv_staff}
    per_case = dict.fromkeys(case_staff, 0.0)
    for (case, iv), h in case_iv_hours.items():
        if iv in mats:
            per_case[case] += mats[iv] * (h / iv_hours[iv] if iv_hours[iv] > 0 else 0.0)
    for case in per_case:
        per_case[case] += case_staff[case] + share(case_hours[case])
    total = staff + sum(mats.values()) + overhead
    return CostBreakdown(
        staff=staff,
        materials=sum(mats.values()) + other,
        implementation=impl,
        total=total,
        hours=total_hours,
        n_cases=len(per_case),
        n_children=len(children),
        per_case=per_case,
        per_intervention=per_iv,
        mean_per_case=total / len(per_case),
        mean_per_child=total / len(children),
    )


def cost_per_success(total_cost: float, k: int) -> float | None:
    """Cost per child with the outcome (e.g. reliable improvement, or moved into the normal
    range): ``total_cost / k``; ``None`` when no child had it (there is no such cost).

    This divides all costs by the children who improved; it does not say what the
    improvement cost, because some would have improved anyway.
    """
    cost = _amount(total_cost, "samlet udgift")
    if isinstance(k, bool) or int(k) != k or k < 0:
        raise EconomicsError(f"antal børn skal være et helt tal ≥ 0, ikke {k!r} / need a count")
    return None if k == 0 else cost / int(k)


# --------------------------------------------------------------------------------------------
# Investment case
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """Inputs of the investment case. Years are budget years 1..``horizon``.

    * ``staff_costs``, ``other_costs``: the intervention's costs per year (kroner; staff is
      what "wages" varies in :func:`sensitivity`); shorter lists are padded with 0;
    * ``children``: children starting per year (cohorts);
    * ``completion``: share of them completing the forløb (0–1);
    * ``effect``: the *extra* share of completers who succeed, compared with no intervention
      (e.g. 0.10 = 10 percentage points); from Spor's own results, a study or a scenario
      (``effect_source``);
    * ``effect_low``, ``effect_high``: the effect's confidence interval, if it has one (both
      or neither, ``effect_low ≤ effect ≤ effect_high``); :func:`sensitivity` then varies the
      effect across it instead of by ±delta;
    * ``avoided``: avoided costs per successful child per year, per purse (kroner);
    * ``benefit_start``: years after the start year that savings begin (1 = the next year);
    * ``benefit_years``: how many years savings last per child (``None``: to the horizon);
    * ``discount_rate``: e.g. 0.035; year ``t`` is discounted by ``(1 + r)^−(t−1)``;
    * ``payer``: the purse that pays the intervention.
    """

    horizon: int
    discount_rate: float
    staff_costs: Sequence[float]
    children: Sequence[float]
    completion: float
    effect: float
    avoided: Mapping[str, float]
    other_costs: Sequence[float] = ()
    benefit_start: int = 1
    benefit_years: int | None = None
    payer: str = "kommune"
    effect_source: str = "scenarie"
    effect_low: float | None = None
    effect_high: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.horizon, bool) or not isinstance(self.horizon, int):
            raise EconomicsError("horisonten skal være et helt antal år / horizon in whole years")
        if not 1 <= self.horizon <= 10:
            raise EconomicsError(
                f"horisonten skal være 1–10 år, ikke {self.horizon} / horizon must be 1-10"
            )
        r = _amount(self.discount_rate, "diskonteringsrente")
        if r >= 1:
            raise EconomicsError("diskonteringsrenten angives som andel, fx 0.035 / e.g. 0.035")
        for name, seq in (
            ("personaleudgifter", self.staff_costs),
            ("øvrige udgifter", self.other_costs),
            ("børn", self.children),
        ):
            if len(seq) > self.horizon:
                raise EconomicsError(f"{name}: flere år end horisonten / more years than horizon")
            for v in seq:
                _amount(v, name)
        if not 0.0 <= _amount(self.completion, "gennemførelse") <= 1.0:
            raise EconomicsError("gennemførelse skal være 0–1 / completion must be 0-1")
        e = _amount(self.effect, "effekt", allow_negative=True)
        if not -1.0 <= e <= 1.0:
            raise EconomicsError("effekten er en andel mellem −1 og 1 / effect must be -1..1")
        if (self.effect_low is None) != (self.effect_high is None):
            raise EconomicsError(
                "effektens interval skal have både en nedre og en øvre grænse / give both ends"
            )
        if self.effect_low is not None and self.effect_high is not None:
            lo = _amount(self.effect_low, "effektens nedre grænse", allow_negative=True)
            hi = _amount(self.effect_high, "effektens øvre grænse", allow_negative=True)
            if not -1.0 <= lo <= e <= hi <= 1.0:
                raise EconomicsError(
                    "effektens interval skal omslutte effekten og ligge mellem −1 og 1 / "
                    "the interval must contain the effect, within -1..1"
                )
        for purse, v in self.avoided.items():
            if purse not in PURSES:
                raise EconomicsError(f"ukendt kasse {purse!r}; brug {', '.join(PURSES)}")
            _amount(v, f"undgåede udgifter ({purse})")
        if self.payer not in PURSES:
            raise EconomicsError(f"ukendt kasse {self.payer!r}; brug {', '.join(PURSES)}")
        if isinstance(self.benefit_start, bool) or self.benefit_start not in range(0, 11):
            raise EconomicsError("benefit_start skal være 0–10 år / must be 0-10")
        if self.benefit_years is not None and (
            isinstance(self.benefit_years, bool)
            or not isinstance(self.benefit_years, int)
            or self.benefit_years < 1
        ):
            raise EconomicsError("benefit_years skal være et helt antal år ≥ 1 / must be >= 1")


@dataclass(frozen=True)
class YearResult:
    """One budget year: amounts by purse (kroner, undiscounted unless named so)."""

    year: int
    discount_factor: float
    successful_children: float
    cost: Mapping[str, float]
    avoided: Mapping[str, float]
    net: Mapping[str, float]
    net_total: float
    discounted_net: Mapping[str, float]
    discounted_net_total: float
    cumulated: Mapping[str, float]
    cumulated_total: float
    cumulated_discounted: Mapping[str, float]
    cumulated_discounted_total: float


@dataclass(frozen=True)
class InvestmentCase:
    """Result of :func:`investment_case`. ``npv`` is the discounted net over the horizon.

    ``payback_year``: the first year from which the cumulated discounted net stays ≥ 0 to the
    horizon (``None`` if it is negative at the horizon). ``break_even_effect``: the effect at
    which ``npv`` is exactly 0 (``None`` if avoided costs are 0); above 1 means not reachable.
    """

    scenario: Scenario
    years: tuple[YearResult, ...]
    npv: float
    npv_by_purse: Mapping[str, float]
    payback_year: int | None
    payback_year_by_purse: Mapping[str, int | None]
    break_even_effect: float | None
    break_even_effect_by_purse: Mapping[str, float | None]
    disclaimer: str = field(default=DISCLAIMER_DA)


def _padded(seq: Sequence[float], n: int) -> list[float]:
    return [float(v) for v in seq] + [0.0] * (n - len(seq))


def _payback(cumulated: Sequence[float]) -> int | None:
    if not cumulated or cumulated[-1] < 0:
        return None
    year = len(cumulated)
    while year > 1 and cumulated[year - 2] >= 0:
        year -= 1
    return year


def investment_case(scenario: Scenario) -> InvestmentCase:
    """Net result per year and cumulated, by purse; NPV, payback year, break-even effect.

    For year ``t`` (1..H): successful children active in year ``t`` =
    ``Σ_c children_c · completion · effect`` over start years ``c`` with
    ``c + benefit_start ≤ t < c + benefit_start + benefit_years``; avoided per purse =
    active × avoided per child; cost (payer only) = staff + other; net = avoided − cost;
    discount factor ``(1 + r)^−(t−1)``. NPV is linear in the effect, so the break-even effect
    is exact: ``e* = PV(costs) / PV(avoided per unit of effect)``.
    """
    s = scenario
    h = s.horizon
    staff = _padded(s.staff_costs, h)
    other = _padded(s.other_costs, h)
    cohorts = _padded(s.children, h)
    last = s.benefit_years if s.benefit_years is not None else h
    purses = PURSES
    per_unit = [0.0] * h  # successful children active in year t per unit of effect
    for c in range(1, h + 1):
        for t in range(c + s.benefit_start, min(h, c + s.benefit_start + last - 1) + 1):
            per_unit[t - 1] += cohorts[c - 1] * s.completion
    years: list[YearResult] = []
    cum = dict.fromkeys(purses, 0.0)
    cum_d = dict.fromkeys(purses, 0.0)
    pv_cost = dict.fromkeys(purses, 0.0)
    pv_unit_avoided = dict.fromkeys(purses, 0.0)
    for t in range(1, h + 1):
        factor = (1.0 + s.discount_rate) ** -(t - 1)
        active = per_unit[t - 1] * s.effect
        cost = {p: (staff[t - 1] + other[t - 1]) if p == s.payer else 0.0 for p in purses}
        avoided = {p: active * float(s.avoided.get(p, 0.0)) for p in purses}
        net = {p: avoided[p] - cost[p] for p in purses}
        disc = {p: net[p] * factor for p in purses}
        for p in purses:
            cum[p] += net[p]
            cum_d[p] += disc[p]
            pv_cost[p] += cost[p] * factor
            pv_unit_avoided[p] += per_unit[t - 1] * float(s.avoided.get(p, 0.0)) * factor
        years.append(
            YearResult(
                year=t,
                discount_factor=factor,
                successful_children=active,
                cost=cost,
                avoided=avoided,
                net=net,
                net_total=sum(net.values()),
                discounted_net=disc,
                discounted_net_total=sum(disc.values()),
                cumulated=dict(cum),
                cumulated_total=sum(cum.values()),
                cumulated_discounted=dict(cum_d),
                cumulated_discounted_total=sum(cum_d.values()),
            )
        )
    total_cost = sum(pv_cost.values())
    total_unit = sum(pv_unit_avoided.values())
    return InvestmentCase(
        scenario=s,
        years=tuple(years),
        npv=years[-1].cumulated_discounted_total,
        npv_by_purse=dict(cum_d),
        payback_year=_payback([y.cumulated_discounted_total for y in years]),
        payback_year_by_purse={
            p: _payback([y.cumulated_discounted[p] for y in years]) for p in purses
        },
        break_even_effect=total_cost / total_unit if total_unit > 0 else None,
        break_even_effect_by_purse={
            p: pv_cost[p] / pv_unit_avoided[p] if pv_unit_avoided[p] > 0 else None for p in purses
        },
    )


@dataclass(frozen=True)
class SensitivityRow:
    """NPV with one input at ``(1 − delta)`` and ``(1 + delta)`` times its value, others kept.

    ``clipped`` is True when a varied share had to be capped at 1 (completion or effect).
    """

    parameter: str
    label_da: str
    npv_low_input: float
    npv_base: float
    npv_high_input: float
    clipped: bool
    low_input: float | None = None
    high_input: float | None = None
    """The input's value at each end, where it is not ``(1 ∓ delta)`` times the base (the
    effect across its interval)."""

    @property
    def swing(self) -> float:
        return abs(self.npv_high_input - self.npv_low_input)


def _scaled(s: Scenario, parameter: str, factor: float) -> tuple[Scenario, bool]:
    if parameter == "effect":
        e = s.effect * factor
        return replace(s, effect=max(-1.0, min(1.0, e))), abs(e) > 1.0
    if parameter == "completion":
        c = s.completion * factor
        return replace(s, completion=min(1.0, c)), c > 1.0
    if parameter == "prices":
        return replace(s, avoided={p: v * factor for p, v in s.avoided.items()}), False
    if parameter == "wages":
        return replace(s, staff_costs=[v * factor for v in s.staff_costs]), False
    raise EconomicsError(f"ukendt parameter {parameter!r}; brug {', '.join(SENSITIVITY_LABELS_DA)}")


def sensitivity(
    scenario: Scenario,
    delta: float = 0.2,
    parameters: Sequence[str] = ("effect", "prices", "wages", "completion"),
) -> tuple[SensitivityRow, ...]:
    """NPV when each of effect, prices (avoided costs), wages (staff costs) and completion is
    ``delta`` (default 20 %) lower and higher, one at a time; for a tornado chart, sorted by
    swing, largest first (ties in the order given). An effect with an interval
    (``effect_low``/``effect_high``) is varied across the interval instead."""
    d = _amount(delta, "delta")
    if not 0 < d < 1:
        raise EconomicsError("delta skal ligge mellem 0 og 1, fx 0.2 / delta must be in (0, 1)")
    base = investment_case(scenario).npv
    rows = []
    for p in parameters:
        if p == "effect" and scenario.effect_low is not None and scenario.effect_high is not None:
            lo, hi = scenario.effect_low, scenario.effect_high
            rows.append(
                SensitivityRow(
                    parameter=p,
                    label_da=EFFECT_INTERVAL_LABEL_DA,
                    npv_low_input=investment_case(replace(scenario, effect=lo)).npv,
                    npv_base=base,
                    npv_high_input=investment_case(replace(scenario, effect=hi)).npv,
                    clipped=False,
                    low_input=lo,
                    high_input=hi,
                )
            )
            continue
        low, clip_low = _scaled(scenario, p, 1.0 - d)
        high, clip_high = _scaled(scenario, p, 1.0 + d)
        rows.append(
            SensitivityRow(
                parameter=p,
                label_da=SENSITIVITY_LABELS_DA[p],
                npv_low_input=investment_case(low).npv,
                npv_base=base,
                npv_high_input=investment_case(high).npv,
                clipped=clip_low or clip_high,
            )
        )
    order = {p: i for i, p in enumerate(parameters)}
    return tuple(sorted(rows, key=lambda r: (-r.swing, order[r.parameter])))
