"""What the economics pages show, put together from the scoped selectors (this app's and the
evaluation page's) and the pure computations. Aggregates only: no child is shown, so nothing
is written to the access log (as on the evaluation page)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from spor.accounts.access import Actor
from spor.accounts.models import Profession
from spor.cases.models import Intervention
from spor.economics import costs, investment, selectors
from spor.evaluation import stats
from spor.evaluation.web import figures
from spor.evaluation.web import selectors as evaluation_selectors
from spor.evaluation.web.forms import DEFAULT_INFORMANT, Filters
from spor.measurement.models import Informant

LABELS = dict(Profession.choices)


@dataclass
class CostPage:
    report: costs.CostReport
    rates: dict[str, float]
    price_day: dt.date
    success: list[costs.SuccessCost] = field(default_factory=list)
    n_started: int = 0
    n_paired: int = 0
    cost_of_started: float = 0.0
    n_started_unpriced: int = 0
    informant_label: str = Informant(DEFAULT_INFORMANT).label
    threshold: int = figures.THRESHOLD
    hidden_mark: str = figures.SUPPRESSED
    hidden_legend: str = figures.LEGEND

    @property
    def started_label(self) -> str:
        return figures.count(self.n_started)

    @property
    def started_unpriced_label(self) -> str:
        return figures.count(self.n_started_unpriced)

    @property
    def paired_label(self) -> str:
        return figures.count(self.n_paired)


def _evaluation(
    actor: Actor, intervention: Intervention | None, delivery_ids: set[int]
) -> tuple[figures.Figures, list[int]]:
    """The evaluation page's figures on the deliveries in scope, and the deliveries with a
    baseline measurement (the "started")."""
    filters = Filters(intervention=intervention)
    rows = [
        r
        for r in evaluation_selectors.response_rows(actor, filters)
        if r.delivery_id in delivery_ids
    ]
    fig = figures.compute(rows, filters)
    started = [b.delivery_id for b, _ in figures.select(rows, filters)]
    return fig, started


def cost_page(
    actor: Actor, *, year: int | None, intervention: Intervention | None, price_day: dt.date
) -> CostPage:
    rates = {p: float(r.rate) for p, r in selectors.rates_on(actor, price_day).items()}
    rows = selectors.delivery_hours(actor, year=year, intervention=intervention)
    report = costs.compute(
        rows, rates, selectors.cost_rows(actor, year=year, intervention=intervention), LABELS
    )
    page = CostPage(report=report, rates=rates, price_day=price_day)
    scope = selectors.delivery_ids(actor, year=year, intervention=intervention)
    fig, started = _evaluation(actor, intervention, scope)
    page.n_started, page.n_paired = fig.n_started, fig.n_paired
    page.cost_of_started = report.cost_of(started)
    page.n_started_unpriced = sum(1 for d in set(started) if d not in report.per_delivery)
    page.success = costs.success_costs(
        cost_of_started=page.cost_of_started,
        category_codes=fig.category_codes,
        shown={s.key: s.shown for s in fig.unions},
        labels=stats.CHANGE_SUMMARY_LABELS_DA,
    )
    return page


def prefill(
    actor: Actor, *, intervention: Intervention | None, today: dt.date
) -> investment.Prefill:
    """Suggested inputs for a new investment case from the municipality's own figures."""
    years = selectors.delivery_years(actor)
    earlier = [y for y in years if y < today.year]
    year = earlier[0] if earlier else (years[0] if years else None)
    fig, _ = _evaluation(
        actor, intervention, selectors.delivery_ids(actor, intervention=intervention)
    )
    improved = next((s for s in fig.unions if s.key == "any_reliable_improvement"), None)
    k = (
        stats.change_category_counts(fig.category_codes)[0]["any_reliable_improvement"]
        if fig.shown
        else None
    )
    children = 0
    staff = 0.0
    own = {"materials": 0.0, "implementation": 0.0}
    if year is not None:
        rows = selectors.delivery_hours(actor, year=year, intervention=intervention)
        rates = {p: float(r.rate) for p, r in selectors.rates_on(actor, today).items()}
        report = costs.compute(rows, rates, [], LABELS)
        staff = report.staff
        children = len({r.child_id for r in rows if r.child_id is not None})
        for c in selectors.cost_rows(actor, year=year, intervention=intervention):
            own["materials"] += float(c.materials)
            own["implementation"] += float(c.implementation)
    honest = None
    out = fig.outcome
    if fig.shown and out is not None and out.effect_share is not None and out.beyond:
        x = out.effect_share
        honest = investment.HonestEffect(
            n=out.n_pairs,
            expected=x.expected,
            effect=x.effect,
            ci_low=x.ci_low,
            ci_high=x.ci_high,
            beyond=(
                f"{figures.num(out.beyond.beyond)} (95 %-interval {figures.num(out.beyond.ci_low)}"
                f" til {figures.num(out.beyond.ci_high)})"
            ),
            parameters=(
                f"normgruppens gennemsnit {figures.num(out.params.mean)}, SD "
                f"{figures.num(out.params.sd)}, test-retest r = "
                f"{figures.num(out.params.reliability, 2)}, {out.params.norm_set}"
            ),
            k=out.reliable.improved if out.reliable.n == fig.n_categorised else None,
        )
    return investment.prefill(
        intervention_name=intervention.name if intervention else "alle indsatser",
        n_paired=fig.n_paired,
        n_categorised=fig.n_categorised,
        n_started=fig.n_started,
        improved_k=k,
        improved_shown=bool(improved and improved.shown),
        year=year,
        children_in_year=children,
        staff_cost_in_year=staff,
        own_costs_in_year=own,
        today=today,
        honest=honest,
    )
