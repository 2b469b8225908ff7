"""Economics in the personas' world: Aby has hourly rates for psychologists (derived, with an
older one kept) and teachers (entered directly), materials and implementation costs for the
talks, shared costs, and a saved investment case; Bby has one rate of its own. So the URL
walk finds an HourlyRate, an InterventionCost and an InvestmentScenario in Aby."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from spor.accounts.models import Membership, Profession
from spor.economics.models import EffectSource, HourlyRate, InterventionCost, InvestmentScenario

if TYPE_CHECKING:
    from tests.conftest import World


def extend(w: World) -> None:
    today = timezone.localdate()
    year_start = dt.date(today.year, 1, 1)
    lead = Membership.objects.get(user=w.lead_a, municipality=w.a)
    old = HourlyRate.objects.create(
        municipality=w.a,
        profession=Profession.PSYCHOLOGIST,
        valid_from=dt.date(2020, 1, 1),
        rate=Decimal("500.00"),
        note="Gammel sats",
    )
    # 540.000 × 1,25 / 1.125 = 600 kr.
    psych = HourlyRate.objects.create(
        municipality=w.a,
        profession=Profession.PSYCHOLOGIST,
        valid_from=year_start - dt.timedelta(days=365),
        annual_cost=Decimal("540000"),
        productive_hours=Decimal("1125"),
        overhead_pct=Decimal("25"),
        rate=Decimal("600.00"),
    )
    teacher = HourlyRate.objects.create(
        municipality=w.a,
        profession=Profession.TEACHER,
        valid_from=year_start - dt.timedelta(days=365),
        rate=Decimal("400.00"),
    )
    HourlyRate.objects.create(
        municipality=w.b,
        profession=Profession.PSYCHOLOGIST,
        valid_from=dt.date(2020, 1, 1),
        rate=Decimal("999.00"),
    )
    talks = w.extra.get("intervention_talks")
    cost = InterventionCost.objects.create(
        municipality=w.a,
        intervention=talks,
        year=today.year,
        materials=Decimal("1000"),
        implementation=Decimal("2000"),
    )
    scenario = InvestmentScenario.objects.create(
        municipality=w.a,
        name="Samtaleforløb, fem år",
        intervention=talks,
        horizon=5,
        discount_rate_pct=Decimal("3.5"),
        staff_costs=[400000, 400000, 400000, 400000, 400000],
        other_costs=[50000, 10000, 10000, 10000, 10000],
        children=[40, 40, 40, 40, 40],
        completion_pct=Decimal("80"),
        effect_pct=Decimal("10"),
        effect_source=EffectSource.STUDY,
        effect_note="Et tænkt studie, 2024.",
        avoided_kommune=Decimal("60000"),
        avoided_region=Decimal("15000"),
        avoided_stat=Decimal("5000"),
        benefit_start=1,
        benefit_years=None,
        created_by=lead,
    )
    w.extra.update(
        rate_old=old,
        rate_psychologist=psych,
        rate_teacher=teacher,
        intervention_cost=cost,
        investment_scenario=scenario,
    )
