"""The investment case of a saved scenario, and a starting point from Spor's own results.

The calculation is :func:`spor.evaluation.economics.investment_case` on the scenario's inputs
(per cent → shares); nothing is computed here that the pure module does not. The prefill is
only a suggestion: Spor's results are uncontrolled before/after measurements, so the share
of children with reliable improvement is *not* the extra share the intervention causes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spor.economics.models import EffectSource, InvestmentScenario
from spor.evaluation import economics
from spor.lib import danish

# Fewer pairs than this give too wide an interval to suggest an effect from.
MIN_PAIRS_FOR_PREFILL = 20
DEFAULT_HORIZON = 5
DEFAULT_DISCOUNT_PCT = 3.5  # Finansministeriets samfundsøkonomiske diskonteringsrente


def _floats(values: Any) -> list[float]:
    return [float(v) for v in (values or [])]


def to_scenario(s: InvestmentScenario) -> economics.Scenario:
    return economics.Scenario(
        horizon=int(s.horizon),
        discount_rate=float(s.discount_rate_pct) / 100,
        staff_costs=_floats(s.staff_costs),
        other_costs=_floats(s.other_costs),
        children=_floats(s.children),
        completion=float(s.completion_pct) / 100,
        effect=float(s.effect_pct) / 100,
        avoided=s.avoided,
        benefit_start=int(s.benefit_start),
        benefit_years=None if s.benefit_years is None else int(s.benefit_years),
        payer=s.payer,
        effect_source=s.effect_source,
        effect_low=None if s.effect_low_pct is None else float(s.effect_low_pct) / 100,
        effect_high=None if s.effect_high_pct is None else float(s.effect_high_pct) / 100,
    )


@dataclass(frozen=True)
class Computed:
    case: economics.InvestmentCase
    sensitivity: tuple[economics.SensitivityRow, ...]


def compute(s: InvestmentScenario) -> Computed:
    scenario = to_scenario(s)
    return Computed(economics.investment_case(scenario), economics.sensitivity(scenario))


@dataclass
class Prefill:
    """Initial values for a new scenario and what they came from, in Danish."""

    initial: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    effect_from_spor: bool = False


@dataclass(frozen=True)
class HonestEffect:
    """The change beyond regression to the mean as an extra share with a reliable improvement
    (:class:`spor.evaluation.outcome.EffectShare`), its interval, what it rests on, and the
    raw before/after share (``k`` of ``n``) when the evaluation page shows that count."""

    n: int
    expected: float
    effect: float
    ci_low: float
    ci_high: float
    beyond: str
    parameters: str
    k: int | None = None


def _pct(share: float) -> str:
    return danish.number(100 * share, 1)


def prefill(
    *,
    intervention_name: str,
    n_paired: int,
    n_categorised: int,
    n_started: int,
    improved_k: int | None,
    improved_shown: bool,
    year: int | None,
    children_in_year: int,
    staff_cost_in_year: float,
    own_costs_in_year: Mapping[str, float],
    today: dt.date,
    honest: HonestEffect | None = None,
) -> Prefill:
    """Suggested inputs from the municipality's own figures for one intervention (or all):
    effect and completion from the SDQ pairs when there are at least
    :data:`MIN_PAIRS_FOR_PREFILL`; children, staff and other costs per year from the last
    year with deliveries, repeated over the horizon (implementation in year 1 only).

    The effect is the share with a reliable improvement *beyond* regression to the mean, with
    its 95 % interval (the sensitivity runs across it); the raw before/after share is kept
    only as the labelled upper bound."""
    p = Prefill()
    h = DEFAULT_HORIZON
    p.initial.update(
        name=f"{intervention_name[:1].upper()}{intervention_name[1:]} {today.year}",
        horizon=h,
        discount_rate_pct=DEFAULT_DISCOUNT_PCT,
        benefit_start=1,
        payer="kommune",
        effect_source=EffectSource.SCENARIO,
        completion_pct=80,
        effect_pct=10,
    )
    if n_categorised >= MIN_PAIRS_FOR_PREFILL and n_started > 0 and honest is not None:
        e = honest
        p.effect_from_spor = True
        raw = ""
        if e.k is not None and improved_shown:
            share = e.k / e.n
            p.initial["upper_bound_pct"] = round(100 * share, 1)
            raw = (
                f" Den rå før/efter-andel, {e.k} af {e.n} børn med pålidelig forbedring "
                f"({_pct(share)} %), er en øvre grænse, ikke en effekt."
            )
        p.initial.update(
            effect_source=EffectSource.SPOR,
            effect_pct=round(100 * e.effect, 1),
            effect_low_pct=round(100 * e.ci_low, 1),
            effect_high_pct=round(100 * e.ci_high, 1),
            completion_pct=round(100 * n_paired / n_started, 1),
            effect_note=(
                f"Spors egne tal for {intervention_name}, ud over regression mod "
                f"middelværdien: {e.n} børn med før- og eftermåling ændrede sig {e.beyond} point "
                f"ud over det, regression mod middelværdien alene giver ({e.parameters}). Som "
                f"andel med pålidelig forbedring er det {_pct(e.effect)} procentpoint "
                f"(95 %-interval {_pct(e.ci_low)} til {_pct(e.ci_high)}) ud over de "
                f"{_pct(e.expected)} %, regression mod middelværdien alene ville give. Det er et "
                "skøn under antagelser, ikke en målt effekt: der er ingen kontrolgruppe."
                f"{raw} {n_paired} af {n_started} med førmåling fik en eftermåling."
            ),
        )
        p.notes.append(
            f"Effekten er foreslået ud fra {e.n} børn med før- og eftermåling: ændringen ud over "
            "det, regression mod middelværdien alene giver, omregnet til en ekstra andel med "
            "pålidelig forbedring, med sit 95 %-interval. Følsomheden løber over hele "
            "intervallet. Den rå før/efter-andel står kun som øvre grænse: den tæller de børn "
            "med, der var blevet bedre alligevel."
        )
        p.notes.append(
            "Gennemførelsen er foreslået som andelen af børn med førmåling, der fik en eftermåling."
        )
    else:
        p.notes.append(
            f"Der er under {MIN_PAIRS_FOR_PREFILL} børn med før- og eftermåling, så effekt og "
            "gennemførelse er ikke foreslået ud fra Spors tal. Angiv dem selv, med kilde."
        )
    if year is not None and children_in_year:
        materials = float(own_costs_in_year.get("materials", 0.0))
        implementation = float(own_costs_in_year.get("implementation", 0.0))
        p.initial.update(
            {f"children_{t}": children_in_year for t in range(1, h + 1)}
            | {f"staff_{t}": round(staff_cost_in_year) for t in range(1, h + 1)}
            | {
                f"other_{t}": round(materials + (implementation if t == 1 else 0))
                for t in range(1, h + 1)
            }
        )
        p.notes.append(
            f"Børn og udgifter pr. år er foreslået ud fra {year}: {children_in_year} børn "
            "startede i et forløb, personaleudgiften er timerne gange timepriserne, og "
            "materialer og implementering er kommunens egne tal (implementering kun i år 1)."
        )
    return p


PURSE_LABELS = {"kommune": "Kommune", "region": "Region", "stat": "Stat"}


@dataclass(frozen=True)
class YearRow:
    year: int
    children: float
    cost: float
    avoided: tuple[float, ...]
    net: float
    discounted_net: float
    cumulated: float
    cumulated_discounted: float


@dataclass(frozen=True)
class PurseRow:
    purse: str
    label: str
    net: tuple[float, ...]
    cumulated: tuple[float, ...]
    cumulated_discounted: tuple[float, ...]
    npv: float
    payback_year: int | None
    break_even_effect: float | None


def year_rows(case: economics.InvestmentCase) -> list[YearRow]:
    """All purses together, year by year, as the page's main table shows them."""
    return [
        YearRow(
            year=y.year,
            children=y.successful_children,
            cost=sum(y.cost.values()),
            avoided=tuple(y.avoided[p] for p in economics.PURSES),
            net=y.net_total,
            discounted_net=y.discounted_net_total,
            cumulated=y.cumulated_total,
            cumulated_discounted=y.cumulated_discounted_total,
        )
        for y in case.years
    ]


def purse_rows(case: economics.InvestmentCase) -> list[PurseRow]:
    """Per purse: net per year, cumulated (undiscounted and discounted), NPV, payback year
    and break-even effect."""
    return [
        PurseRow(
            purse=p,
            label=PURSE_LABELS[p],
            net=tuple(y.net[p] for y in case.years),
            cumulated=tuple(y.cumulated[p] for y in case.years),
            cumulated_discounted=tuple(y.cumulated_discounted[p] for y in case.years),
            npv=case.npv_by_purse[p],
            payback_year=case.payback_year_by_purse[p],
            break_even_effect=case.break_even_effect_by_purse[p],
        )
        for p in economics.PURSES
    ]
