"""Demo economics for a generated municipality: hourly rates, materials and implementation
costs, and two saved investment cases, so the economics pages show a plausible picture.

:func:`generate` needs the cases demo (catalogue and deliveries with hours) and, for the
investment cases, the measurement demo (SDQ before/after). It writes nothing if the
municipality has any hourly rate already. The rates are plausible Danish municipal wage
costs, not any municipality's real figures; the demo says so in each rate's note. The same
``rng`` state and ``today`` give the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from spor.accounts.models import Profession
from spor.cases.models import Delivery, Intervention, KnowledgeBase
from spor.demo.registry import lead_actor
from spor.economics import reports, services
from spor.economics.models import EffectSource, HourlyRate, InterventionCost
from spor.measurement.models import Phase
from spor.tenancy.models import Municipality

NOTE = "Demotal: et skøn, ikke en bestemt kommunes løn."
# (profession, annual wage cost for one full-time position, productive hours a year, overhead %)
RATES: list[tuple[str, int, int, int]] = [
    (Profession.PSYCHOLOGIST, 565_000, 1_150, 25),
    (Profession.SPEECH, 525_000, 1_150, 25),
    (Profession.PEDAGOGICAL, 535_000, 1_150, 25),
    (Profession.PHYSIO, 485_000, 1_200, 25),
    (Profession.TEACHER, 505_000, 1_250, 20),
    (Profession.PEDAGOGUE, 435_000, 1_300, 20),
    (Profession.HEALTH_VISITOR, 495_000, 1_250, 20),
    (Profession.SOCIAL_WORKER, 505_000, 1_200, 20),
    (Profession.LEADER, 720_000, 1_000, 25),
]
OTHER_RATE = Decimal("450.00")  # "andet": set directly
RAISE = Decimal("1.025")  # this year's wage increase over last year's
AVOIDED = {"kommune": Decimal(45_000), "region": Decimal(8_000), "stat": Decimal(2_000)}


def generate(municipality: Municipality, *, rng: random.Random, today: dt.date) -> None:
    mid = municipality.pk
    if HourlyRate.objects.filter(municipality_id=mid).exists():
        return
    first_year = today.year - 2
    rates = []
    for profession, annual, hours, overhead in RATES:
        for year, factor in ((first_year, Decimal(1)), (today.year, RAISE)):
            cost = (Decimal(annual) * factor).quantize(Decimal(1))
            rate = cost * (1 + Decimal(overhead) / 100) / hours
            rates.append(
                HourlyRate(municipality_id=mid, profession=profession,
                           valid_from=dt.date(year, 1, 1), annual_cost=cost,
                           productive_hours=Decimal(hours), overhead_pct=Decimal(overhead),
                           rate=rate.quantize(Decimal("0.01")), note=NOTE)
            )  # fmt: skip
    rates.append(
        HourlyRate(municipality_id=mid, profession=Profession.OTHER,
                   valid_from=dt.date(first_year, 1, 1), rate=OTHER_RATE, note=NOTE)
    )  # fmt: skip
    HourlyRate.objects.bulk_create(rates)

    used = dict(
        Delivery.objects.filter(municipality_id=mid)
        .values_list("intervention_id", "intervention__knowledge_base")
        .distinct()
    )
    costs = []
    for iv in Intervention.objects.filter(municipality_id=mid, pk__in=used).order_by("pk"):
        researched = iv.knowledge_base == KnowledgeBase.RESEARCH
        for year in range(first_year, today.year + 1):
            start = year == first_year
            implementation = (
                rng.randint(40, 120) * 1_000 if researched and start
                else rng.randint(5, 15) * 1_000 if researched
                else rng.randint(5, 20) * 1_000 if start
                else 0
            )  # fmt: skip
            costs.append(
                InterventionCost(
                    municipality_id=mid, intervention=iv, year=year,
                    materials=Decimal(rng.randint(2, 25) * 1_000),
                    implementation=Decimal(implementation),
                    note="Uddannelse og opstart" if start and implementation else "",
                )
            )  # fmt: skip
    for year in range(first_year, today.year + 1):
        costs.append(
            InterventionCost(
                municipality_id=mid, intervention=None, year=year, materials=Decimal(0),
                implementation=Decimal(75_000),
                note="Fælles kompetenceudvikling i SDQ og systematisk opfølgning",
            )
        )  # fmt: skip
    InterventionCost.objects.bulk_create(costs)
    _scenarios(municipality, today=today)


def _scenarios(municipality: Municipality, *, today: dt.date) -> None:
    """Two investment cases for the intervention with the most children measured (or all of
    PPR's forløb, if no one intervention has enough): one with Spor's own share of reliable
    improvement beyond regression to the mean, with its 95 % interval (the raw before/after
    share only as the labelled upper bound), one cautious case at the interval's lower end."""
    actor = lead_actor(municipality)
    if actor is None:
        return
    counts: dict[int, int] = {}
    for iv_id in Delivery.objects.filter(
        municipality_id=municipality.pk, measurement_responses__phase=Phase.AFTER
    ).values_list("intervention_id", flat=True):
        counts[iv_id] = counts.get(iv_id, 0) + 1
    if not counts:
        return
    best = Intervention.objects.get(pk=max(sorted(counts), key=lambda k: counts[k]))
    intervention: Intervention | None = best
    suggestion = reports.prefill(actor, intervention=best, today=today)
    if not suggestion.effect_from_spor:
        # Too few children in any one intervention: PPR's forløb together.
        whole = reports.prefill(actor, intervention=None, today=today)
        if whole.effect_from_spor:
            intervention, suggestion = None, whole
    title = intervention.name if intervention else "Alle PPR's forløb"
    initial = suggestion.initial
    h = int(initial["horizon"])
    series = {
        "staff_costs": [initial.get(f"staff_{t}") for t in range(1, h + 1)],
        "other_costs": [initial.get(f"other_{t}") for t in range(1, h + 1)],
        "children": [initial.get(f"children_{t}") for t in range(1, h + 1)],
    }
    if not any(series["children"]):
        return
    common: dict[str, Any] = {
        "intervention": intervention,
        "horizon": h,
        "discount_rate_pct": Decimal(str(initial["discount_rate_pct"])),
        "completion_pct": Decimal(str(initial["completion_pct"])),
        "avoided_kommune": AVOIDED["kommune"],
        "avoided_region": AVOIDED["region"],
        "avoided_stat": AVOIDED["stat"],
        "benefit_start": 1,
        "benefit_years": 3,
        "payer": "kommune",
        **series,
    }
    effect = Decimal(str(initial["effect_pct"]))
    if suggestion.effect_from_spor:
        low = Decimal(str(initial["effect_low_pct"]))
        services.scenario_save(
            actor=actor,
            name=f"{title}: Spors tal ud over regression mod middelværdien",
            effect_pct=effect,
            effect_low_pct=low,
            effect_high_pct=Decimal(str(initial["effect_high_pct"])),
            upper_bound_pct=(
                None
                if initial.get("upper_bound_pct") is None
                else Decimal(str(initial["upper_bound_pct"]))
            ),
            effect_source=EffectSource.SPOR,
            effect_note=str(initial["effect_note"]),
            **common,
        )
        effect = low
        why = (
            "Den nedre grænse af 95 %-intervallet for andelen med pålidelig forbedring ud over "
            "regression mod middelværdien i Spors egne før/efter-tal (ingen kontrolgruppe)."
        )
    else:
        why = "Et skøn: for få børn med før- og eftermåling til at bruge Spors egne tal."
    services.scenario_save(
        actor=actor,
        name=f"{title}: forsigtigt scenarie",
        effect_pct=effect,
        effect_source=EffectSource.SCENARIO,
        effect_note=(
            f"{why} Undgåede udgifter: demotal for specialundervisning og foranstaltninger "
            "(kommune), børne- og ungdomspsykiatri (region) og overførsler (stat) i tre år "
            "pr. barn."
        ),
        **common,
    )
