"""Writes of the economics screens: hourly rates, materials and implementation costs, and
investment scenarios. PPR-leder only. Each service checks its input again (the forms check
first), in one transaction: bad input raises :class:`django.core.exceptions.ValidationError`
with Danish messages by field, and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from spor.accounts.access import Actor
from spor.accounts.models import Membership, Profession
from spor.cases.models import Intervention
from spor.economics import investment
from spor.economics.models import (
    MAX_HORIZON,
    EffectSource,
    HourlyRate,
    InterventionCost,
    InvestmentScenario,
    Purse,
)
from spor.evaluation import economics
from spor.lib.forms import raise_errors

MSG_NOT_ALLOWED = "Kun PPR-lederen kan ændre kommunens økonomital."
MSG_PROFESSION = "Vælg en faggruppe."
MSG_VALID_FROM = "Angiv, fra hvilken dato timeprisen gælder."
MSG_RATE_TAKEN = "Der er allerede en timepris for denne faggruppe fra samme dato. Ret den i stedet."
MSG_RATE_EITHER = (
    "Angiv enten årlig lønudgift og produktive timer (og evt. overhead), så regnes timeprisen "
    "ud, eller en timepris direkte – ikke begge."
)
MSG_RATE_NONE = "Angiv årlig lønudgift og produktive timer, eller skriv timeprisen direkte."
MSG_ANNUAL = "Den årlige lønudgift skal være et beløb over 0 kr., fx 520000."
MSG_PRODUCTIVE = "Produktive timer pr. år skal være et tal mellem 1 og 2000, fx 1200."
MSG_OVERHEAD = "Overhead angives i procent fra 0 til 200, fx 25."
MSG_RATE = "Timeprisen skal være et beløb over 0 kr., fx 650."
MSG_RATE_HIGH = (
    "Timeprisen er over 10.000 kr. Tjek beløbet; er det en årsløn, så skriv den i feltet for "
    "årlig lønudgift."
)
MSG_INTERVENTION = "Vælg en indsats fra kommunens indsatsvifte."
MSG_YEAR = "Budgetåret skal være et årstal mellem 2000 og 2100."
MSG_AMOUNT = "Beløbet skal være 0 kr. eller mere."
MSG_COST_EMPTY = "Angiv et beløb til materialer eller implementering."
MSG_COST_TAKEN = "Der er allerede udgifter for denne indsats i {year}. Ret dem i stedet."
MSG_SHARED_TAKEN = "Der er allerede fælles udgifter for {year}. Ret dem i stedet."
MSG_NAME = "Giv beregningen et navn."
MSG_NAME_TAKEN = "Der er allerede en beregning med det navn."
MSG_HORIZON = f"Horisonten skal være 1 til {MAX_HORIZON} år."
MSG_DISCOUNT = "Diskonteringsrenten angives i procent fra 0 til 20, fx 3,5."
MSG_COMPLETION = "Gennemførelsen angives i procent fra 0 til 100."
MSG_EFFECT = "Effekten angives i procentpoint fra −100 til 100, fx 10."
MSG_EFFECT_SOURCE = (
    "Vælg, hvor effekten kommer fra: Spors egne resultater, en undersøgelse eller et scenarie."
)
MSG_EFFECT_NOTE = (
    "Skriv kilden til effekten: fx Spors tal med n, en undersøgelse (forfatter, år, titel) "
    "eller begrundelsen for scenariet."
)
MSG_EFFECT_INTERVAL = (
    "Effektens 95 %-interval skal have både en nedre og en øvre grænse fra −100 til 100, og "
    "effekten skal ligge inden for det."
)
MSG_UPPER_BOUND = "Den øvre grænse angives i procent fra 0 til 100."
MSG_AVOIDED = "De undgåede udgifter pr. barn og år skal være 0 kr. eller mere."
MSG_AVOIDED_NONE = "Angiv de undgåede udgifter pr. barn og år for mindst én kasse."
MSG_BENEFIT_START = "Besparelserne begynder 0 til 10 år efter, at barnet starter."
MSG_BENEFIT_YEARS = (
    "Angiv, hvor mange år besparelserne varer (1 eller flere), eller lad feltet stå tomt for "
    "resten af horisonten."
)
MSG_PAYER = "Vælg den kasse, der betaler indsatsen."
MSG_SERIES_NEGATIVE = "Beløb og antal pr. år skal være 0 eller mere ({what}, år {year})."
MSG_SERIES_BEYOND = (
    "Der er tal efter horisonten ({what}, år {year}). Forlæng horisonten eller slet tallene."
)
MSG_NO_CHILDREN = "Angiv antal børn, der starter, i mindst ét år."

SERIES_LABELS = {
    "staff_costs": "personaleudgifter",
    "other_costs": "øvrige udgifter",
    "children": "børn",
}


def _check_lead(actor: Actor) -> None:
    if not actor.is_lead:
        raise PermissionDenied(MSG_NOT_ALLOWED)


@transaction.atomic
def hourly_rate_save(
    *,
    actor: Actor,
    rate: HourlyRate | None = None,
    profession: str,
    valid_from: dt.date | None,
    annual_cost: Decimal | None = None,
    productive_hours: Decimal | None = None,
    overhead_pct: Decimal | None = None,
    rate_value: Decimal | None = None,
    note: str = "",
) -> HourlyRate:
    """Create (``rate=None``) or correct a profession's hourly rate from ``valid_from``."""
    _check_lead(actor)
    if rate is not None and rate.municipality_id != actor.municipality_id:
        raise PermissionDenied(MSG_NOT_ALLOWED)
    errors: dict[str, str] = {}
    if profession not in Profession.values:
        errors["profession"] = MSG_PROFESSION
    if valid_from is None:
        errors["valid_from"] = MSG_VALID_FROM
    elif profession in Profession.values:
        same = HourlyRate.objects.filter(
            municipality_id=actor.municipality_id, profession=profession, valid_from=valid_from
        )
        if rate is not None:
            same = same.exclude(pk=rate.pk)
        if same.exists():
            errors["valid_from"] = MSG_RATE_TAKEN
    derived = annual_cost is not None or productive_hours is not None or overhead_pct is not None
    value: float | None = None
    if derived and rate_value is not None:
        errors["rate_value"] = MSG_RATE_EITHER
    elif derived:
        if annual_cost is None or annual_cost <= 0:
            errors["annual_cost"] = MSG_ANNUAL
        if productive_hours is None or not 1 <= productive_hours <= 2000:
            errors["productive_hours"] = MSG_PRODUCTIVE
        if overhead_pct is not None and not 0 <= overhead_pct <= 200:
            errors["overhead_pct"] = MSG_OVERHEAD
        if not errors.keys() & {"annual_cost", "productive_hours", "overhead_pct"}:
            assert annual_cost is not None and productive_hours is not None
            value = economics.hourly_rate(
                float(annual_cost),
                float(productive_hours),
                overhead=float(overhead_pct or 0) / 100,
            )
    elif rate_value is None:
        errors["rate_value"] = MSG_RATE_NONE
    elif rate_value <= 0:
        errors["rate_value"] = MSG_RATE
    else:
        value = float(rate_value)
    if value is not None and value > 10000:
        errors["annual_cost" if derived else "rate_value"] = MSG_RATE_HIGH
    raise_errors(errors)
    assert value is not None and valid_from is not None
    item = rate or HourlyRate(municipality_id=actor.municipality_id)
    item.profession = profession
    item.valid_from = valid_from
    item.annual_cost = annual_cost if derived else None
    item.productive_hours = productive_hours if derived else None
    item.overhead_pct = (overhead_pct or Decimal(0)) if derived else None
    item.rate = Decimal(str(round(value, 2)))
    item.note = note.strip()
    item.save()
    return item


@transaction.atomic
def intervention_cost_save(
    *,
    actor: Actor,
    cost: InterventionCost | None = None,
    intervention: Intervention | None,
    year: int | None,
    materials: Decimal | None,
    implementation: Decimal | None,
    note: str = "",
) -> InterventionCost:
    """Create or correct the materials and implementation costs of an intervention (or the
    shared costs, ``intervention=None``) in a budget year."""
    _check_lead(actor)
    if cost is not None and cost.municipality_id != actor.municipality_id:
        raise PermissionDenied(MSG_NOT_ALLOWED)
    errors: dict[str, str] = {}
    if intervention is not None and intervention.municipality_id != actor.municipality_id:
        errors["intervention"] = MSG_INTERVENTION
    if year is None or not 2000 <= year <= 2100:
        errors["year"] = MSG_YEAR
    for name, v in (("materials", materials), ("implementation", implementation)):
        if v is not None and v < 0:
            errors[name] = MSG_AMOUNT
    m, i = materials or Decimal(0), implementation or Decimal(0)
    if not errors and m == 0 and i == 0:
        errors["materials"] = MSG_COST_EMPTY
    if "year" not in errors and "intervention" not in errors:
        assert year is not None
        same = InterventionCost.objects.filter(municipality_id=actor.municipality_id, year=year)
        if intervention is None:
            same = same.filter(intervention__isnull=True)
        else:
            same = same.filter(intervention_id=intervention.pk)
        if cost is not None:
            same = same.exclude(pk=cost.pk)
        if same.exists():
            msg = MSG_SHARED_TAKEN if intervention is None else MSG_COST_TAKEN
            errors["year"] = msg.format(year=year)
    raise_errors(errors)
    assert year is not None
    item = cost or InterventionCost(municipality_id=actor.municipality_id)
    item.intervention = intervention
    item.year = year
    item.materials = m
    item.implementation = i
    item.note = note.strip()
    item.save()
    return item


def _series(
    name: str, values: Sequence[Decimal | float | None], horizon: int | None, errors: dict[str, str]
) -> list[float]:
    """The first ``horizon`` values (blank = 0); a value after the horizon is an error."""
    out: list[float] = []
    for year, v in enumerate(values, start=1):
        x = float(v) if v is not None else 0.0
        if x < 0:
            errors.setdefault(name, MSG_SERIES_NEGATIVE.format(what=SERIES_LABELS[name], year=year))
        if horizon is not None and year > horizon:
            if x != 0:
                errors.setdefault(
                    name, MSG_SERIES_BEYOND.format(what=SERIES_LABELS[name], year=year)
                )
            continue
        out.append(x)
    return out


@transaction.atomic
def scenario_save(
    *,
    actor: Actor,
    scenario: InvestmentScenario | None = None,
    name: str,
    intervention: Intervention | None,
    horizon: int | None,
    discount_rate_pct: Decimal | None,
    staff_costs: Sequence[Decimal | float | None],
    other_costs: Sequence[Decimal | float | None],
    children: Sequence[Decimal | float | None],
    completion_pct: Decimal | None,
    effect_pct: Decimal | None,
    effect_source: str,
    effect_note: str,
    avoided_kommune: Decimal | None,
    avoided_region: Decimal | None,
    avoided_stat: Decimal | None,
    benefit_start: int | None,
    benefit_years: int | None,
    payer: str,
    effect_low_pct: Decimal | None = None,
    effect_high_pct: Decimal | None = None,
    upper_bound_pct: Decimal | None = None,
) -> InvestmentScenario:
    """Create or change a saved investment case. The inputs are checked here and once more
    by :class:`spor.evaluation.economics.Scenario`; either error leaves nothing saved."""
    _check_lead(actor)
    if scenario is not None and scenario.municipality_id != actor.municipality_id:
        raise PermissionDenied(MSG_NOT_ALLOWED)
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = MSG_NAME
    else:
        same = InvestmentScenario.objects.filter(
            municipality_id=actor.municipality_id, name__iexact=name
        )
        if scenario is not None:
            same = same.exclude(pk=scenario.pk)
        if same.exists():
            errors["name"] = MSG_NAME_TAKEN
    if intervention is not None and intervention.municipality_id != actor.municipality_id:
        errors["intervention"] = MSG_INTERVENTION
    if horizon is None or not 1 <= horizon <= MAX_HORIZON:
        errors["horizon"] = MSG_HORIZON
        horizon = None
    if discount_rate_pct is None or not 0 <= discount_rate_pct <= 20:
        errors["discount_rate_pct"] = MSG_DISCOUNT
    if completion_pct is None or not 0 <= completion_pct <= 100:
        errors["completion_pct"] = MSG_COMPLETION
    if effect_pct is None or not -100 <= effect_pct <= 100:
        errors["effect_pct"] = MSG_EFFECT
    if (effect_low_pct is None) != (effect_high_pct is None) or (
        effect_low_pct is not None
        and effect_high_pct is not None
        and not (
            -100 <= effect_low_pct <= effect_high_pct <= 100
            and (effect_pct is None or effect_low_pct <= effect_pct <= effect_high_pct)
        )
    ):
        errors["effect_low_pct"] = MSG_EFFECT_INTERVAL
    if upper_bound_pct is not None and not 0 <= upper_bound_pct <= 100:
        errors["upper_bound_pct"] = MSG_UPPER_BOUND
    if effect_source not in EffectSource.values:
        errors["effect_source"] = MSG_EFFECT_SOURCE
    if not effect_note.strip():
        errors["effect_note"] = MSG_EFFECT_NOTE
    avoided = {"kommune": avoided_kommune, "region": avoided_region, "stat": avoided_stat}
    for purse, v in avoided.items():
        if v is not None and v < 0:
            errors[f"avoided_{purse}"] = MSG_AVOIDED
    if not errors.keys() & {f"avoided_{p}" for p in avoided} and not any(avoided.values()):
        errors["avoided_kommune"] = MSG_AVOIDED_NONE
    if benefit_start is None or not 0 <= benefit_start <= 10:
        errors["benefit_start"] = MSG_BENEFIT_START
    if benefit_years is not None and benefit_years < 1:
        errors["benefit_years"] = MSG_BENEFIT_YEARS
    if payer not in Purse.values:
        errors["payer"] = MSG_PAYER
    staff = _series("staff_costs", staff_costs, horizon, errors)
    other = _series("other_costs", other_costs, horizon, errors)
    cohorts = _series("children", children, horizon, errors)
    if "children" not in errors and not any(cohorts):
        errors["children"] = MSG_NO_CHILDREN
    raise_errors(errors)
    assert horizon is not None and discount_rate_pct is not None
    assert completion_pct is not None and effect_pct is not None and benefit_start is not None
    item = scenario or InvestmentScenario(
        municipality_id=actor.municipality_id, created_by=_membership(actor)
    )
    item.name = name
    item.intervention = intervention
    item.horizon = horizon
    item.discount_rate_pct = discount_rate_pct
    item.staff_costs = staff
    item.other_costs = other
    item.children = cohorts
    item.completion_pct = completion_pct
    item.effect_pct = effect_pct
    item.effect_low_pct = effect_low_pct
    item.effect_high_pct = effect_high_pct
    item.upper_bound_pct = upper_bound_pct
    item.effect_source = effect_source
    item.effect_note = effect_note.strip()
    item.avoided_kommune = avoided_kommune or Decimal(0)
    item.avoided_region = avoided_region or Decimal(0)
    item.avoided_stat = avoided_stat or Decimal(0)
    item.benefit_start = benefit_start
    item.benefit_years = benefit_years
    item.payer = payer
    # The pure module is the last word on what the calculation can use.
    try:
        investment.to_scenario(item)
    except economics.EconomicsError as exc:
        raise ValidationError(str(exc).split(" / ", 1)[0]) from exc
    item.save()
    return item


def _membership(actor: Actor) -> Membership:
    return actor.membership
