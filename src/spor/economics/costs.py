"""The cost page's figures, from the selectors' rows and the pure
:func:`spor.evaluation.economics.cost_breakdown`. No database access here.

Choices (``docs/economics.md``):

* all hours are priced with the rates valid on one *price day* (fixed prices), so a year's
  costs can be compared with another's; hours of a profession without a rate are left out
  and listed;
* materials and implementation of an intervention go to that intervention and to its
  deliveries in proportion to their hours; shared costs (no intervention) are spread over
  all hours;
* per forløb = a case's deliveries summed; per child = the costs of the cases about one child
  divided by the distinct children (cases about a group count per forløb only).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from spor.economics.models import InterventionCost
from spor.economics.selectors import HoursRow
from spor.evaluation import economics


@dataclass(frozen=True)
class InterventionLine:
    name: str
    deliveries: int
    cases: int
    hours: float
    staff: float
    own_costs: float
    shared: float
    total: float

    @property
    def per_delivery(self) -> float:
        return self.total / self.deliveries if self.deliveries else 0.0


@dataclass(frozen=True)
class ProfessionLine:
    profession: str
    label: str
    hours: float
    rate: float
    cost: float


@dataclass
class CostReport:
    """Everything the cost page shows. Empty (``total`` 0, ``n_cases`` 0) when no priced
    hours are in scope."""

    staff: float = 0.0
    materials: float = 0.0
    implementation: float = 0.0
    total: float = 0.0
    hours: float = 0.0
    n_deliveries: int = 0
    n_cases: int = 0
    n_child_cases: int = 0
    n_children: int = 0
    per_case_mean: float | None = None
    per_case_median: float | None = None
    per_case_min: float | None = None
    per_case_max: float | None = None
    per_child: float | None = None
    interventions: list[InterventionLine] = field(default_factory=list)
    professions: list[ProfessionLine] = field(default_factory=list)
    # Hours left out for want of a rate, by profession label.
    unpriced: dict[str, float] = field(default_factory=dict)
    # Costs entered for interventions with no priced deliveries in scope (name → kroner).
    unallocated: dict[str, float] = field(default_factory=dict)
    per_delivery: dict[int, float] = field(default_factory=dict)
    per_case: dict[int, float] = field(default_factory=dict)

    def cost_of(self, delivery_ids: Iterable[int]) -> float:
        return sum(self.per_delivery.get(d, 0.0) for d in set(delivery_ids))


SHARED = ""


def compute(
    rows: Sequence[HoursRow],
    rates: Mapping[str, float],
    cost_rows: Iterable[InterventionCost],
    profession_labels: Mapping[str, str],
) -> CostReport:
    priced = [r for r in rows if r.profession in rates]
    unpriced: dict[str, float] = defaultdict(float)
    for r in rows:
        if r.profession not in rates:
            unpriced[profession_labels.get(r.profession, r.profession)] += r.hours
    tied_materials: dict[str, float] = defaultdict(float)
    tied_impl: dict[str, float] = defaultdict(float)
    shared_materials = shared_impl = 0.0
    for c in cost_rows:
        if c.intervention_id is None:
            shared_materials += float(c.materials)
            shared_impl += float(c.implementation)
        else:
            assert c.intervention is not None
            tied_materials[c.intervention.name] += float(c.materials)
            tied_impl[c.intervention.name] += float(c.implementation)
    report = CostReport(unpriced=dict(unpriced))
    names_in_scope = {r.intervention for r in priced}
    for name in sorted(set(tied_materials) | set(tied_impl)):
        if name not in names_in_scope:
            report.unallocated[name] = tied_materials[name] + tied_impl[name]
    if not priced:
        return report
    tied = {
        name: tied_materials[name] + tied_impl[name]
        for name in set(tied_materials) | set(tied_impl)
        if name in names_in_scope
    }
    # The pure function's "case" is the delivery here, so that the costs of exactly the
    # measured deliveries can be summed for the cost per success; cases are summed below.
    breakdown = economics.cost_breakdown(
        [
            economics.DeliveryHours(
                r.delivery_id, r.child_id, r.intervention, r.profession, r.hours
            )
            for r in priced
        ],
        rates,
        materials_by_intervention=tied,
        other_materials=shared_materials,
        implementation=shared_impl,
    )
    report.per_delivery = {int(k): v for k, v in breakdown.per_case.items()}  # type: ignore[call-overload]
    case_of = {r.delivery_id: r.case_id for r in priced}
    child_of = {r.case_id: r.child_id for r in priced}
    per_case: dict[int, float] = defaultdict(float)
    for d, cost in report.per_delivery.items():
        per_case[case_of[d]] += cost
    report.per_case = dict(per_case)
    report.staff = breakdown.staff
    report.materials = sum(tied_materials[n] for n in tied) + shared_materials
    report.implementation = sum(tied_impl[n] for n in tied) + shared_impl
    report.total = breakdown.total
    report.hours = breakdown.hours
    report.n_deliveries = len(report.per_delivery)
    report.n_cases = len(per_case)
    values = sorted(per_case.values())
    report.per_case_mean = statistics.fmean(values)
    report.per_case_median = statistics.median(values)
    report.per_case_min, report.per_case_max = values[0], values[-1]
    child_cases = [c for c in per_case if child_of[c] is not None]
    children = {child_of[c] for c in child_cases}
    report.n_child_cases = len(child_cases)
    report.n_children = len(children)
    if children:
        report.per_child = sum(per_case[c] for c in child_cases) / len(children)

    staff_iv: dict[str, float] = defaultdict(float)
    hours_iv: dict[str, float] = defaultdict(float)
    deliveries_iv: dict[str, set[int]] = defaultdict(set)
    cases_iv: dict[str, set[int]] = defaultdict(set)
    hours_p: dict[str, float] = defaultdict(float)
    for r in priced:
        staff_iv[r.intervention] += r.hours * rates[r.profession]
        hours_iv[r.intervention] += r.hours
        deliveries_iv[r.intervention].add(r.delivery_id)
        cases_iv[r.intervention].add(r.case_id)
        hours_p[r.profession] += r.hours
    for name in sorted(breakdown.per_intervention):
        total = breakdown.per_intervention[name]
        own = tied.get(name, 0.0)
        report.interventions.append(
            InterventionLine(
                name=name,
                deliveries=len(deliveries_iv[name]),
                cases=len(cases_iv[name]),
                hours=hours_iv[name],
                staff=staff_iv[name],
                own_costs=own,
                shared=total - staff_iv[name] - own,
                total=total,
            )
        )
    for p in sorted(hours_p, key=lambda p: -hours_p[p]):
        report.professions.append(
            ProfessionLine(
                p, profession_labels.get(p, p), hours_p[p], rates[p], hours_p[p] * rates[p]
            )
        )
    return report


@dataclass(frozen=True)
class SuccessCost:
    """Cost per child with an outcome, from the evaluation's pairs."""

    key: str
    label: str
    shown: bool
    k: int
    n: int
    text: str
    cost: float | None


def success_costs(
    *,
    cost_of_started: float,
    category_codes: Sequence[int],
    shown: Mapping[str, bool],
    labels: Mapping[str, str],
) -> list[SuccessCost]:
    """Cost per child with reliable improvement and per child moved into the normal range:
    the costs of every delivery with a baseline measurement, divided by the children with
    the outcome among the pairs. Shown only where the evaluation page shows the count."""
    from spor.evaluation import stats

    counts, n = stats.change_category_counts(list(category_codes))
    out = []
    for key in ("any_reliable_improvement", "into_normal_range"):
        k = counts[key]
        ok = shown.get(key, False)
        cost = economics.cost_per_success(cost_of_started, k) if ok else None
        out.append(
            SuccessCost(
                key, labels.get(key, key), ok and cost is not None, k, n, f"{k} af {n}", cost
            )
        )
    return out
