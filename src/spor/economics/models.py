"""Economics: hourly rates per profession, materials and implementation costs per
intervention and year, and saved investment cases.

The formulas are in :mod:`spor.evaluation.economics` (pure, no Django); these tables hold
the municipality's own inputs to them. Rates keep their history: a new rate for a profession
gets a later ``valid_from``, and costs are priced with the rates valid on a chosen day.

Writes go through :mod:`spor.economics.services`; reads through
:mod:`spor.economics.selectors`.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

from spor.accounts.models import Profession
from spor.tenancy.models import TenantModel


class HourlyRate(TenantModel):
    """One profession's hourly rate in the municipality from ``valid_from``.

    Either derived — ``annual_cost · (1 + overhead) / productive_hours`` — or entered
    directly; ``rate`` is stored either way, so history stays as it was computed.
    """

    profession = models.CharField("faggruppe", max_length=20, choices=Profession.choices)
    valid_from = models.DateField("gælder fra")
    annual_cost = models.DecimalField(
        "årlig lønudgift pr. årsværk (kr.)", null=True, blank=True, max_digits=14, decimal_places=2
    )
    productive_hours = models.DecimalField(
        "produktive timer pr. år", max_digits=6, decimal_places=1, null=True, blank=True
    )
    overhead_pct = models.DecimalField(
        "overhead (%)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    rate = models.DecimalField("timepris (kr.)", max_digits=10, decimal_places=2)
    note = models.CharField("bemærkning", max_length=300, blank=True)
    created_at = models.DateTimeField("oprettet", default=timezone.now)

    class Meta:
        verbose_name = "timepris"
        verbose_name_plural = "timepriser"
        ordering = ["profession", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "profession", "valid_from"],
                name="hourly_rate_one_per_day",
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="hourly_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_profession_display()} fra {self.valid_from}"

    @property
    def is_derived(self) -> bool:
        return self.annual_cost is not None


class InterventionCost(TenantModel):
    """Materials and implementation costs of one intervention (or, without an intervention,
    shared by all) in one budget year. Shared costs are spread over the hours."""

    intervention = models.ForeignKey(
        "cases.Intervention",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="indsats",
    )
    year = models.PositiveSmallIntegerField("budgetår")
    materials = models.DecimalField(
        "materialer (kr.)", default=Decimal(0), max_digits=14, decimal_places=2
    )
    implementation = models.DecimalField(
        "implementering (kr.)",
        default=Decimal(0),
        help_text="Uddannelse, opstart, supervision og lignende.",
        max_digits=14,
        decimal_places=2,
    )
    note = models.CharField("bemærkning", max_length=300, blank=True)

    class Meta:
        verbose_name = "udgift til materialer og implementering"
        verbose_name_plural = "udgifter til materialer og implementering"
        ordering = ["-year", "intervention__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "intervention", "year"],
                name="intervention_cost_one_per_year",
            ),
            models.UniqueConstraint(
                fields=["municipality", "year"],
                condition=Q(intervention__isnull=True),
                name="shared_cost_one_per_year",
            ),
            models.CheckConstraint(
                condition=Q(materials__gte=0) & Q(implementation__gte=0),
                name="intervention_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Udgifter {self.year} ({self.intervention_id or 'fælles'})"

    @property
    def total(self) -> Decimal:
        return self.materials + self.implementation


class EffectSource(models.TextChoices):
    SPOR = "spor", "Spors egne resultater"
    STUDY = "studie", "En undersøgelse"
    SCENARIO = "scenarie", "Et scenarie (antagelse)"


class Purse(models.TextChoices):
    MUNICIPALITY = "kommune", "Kommune"
    REGION = "region", "Region"
    STATE = "stat", "Stat"


MAX_HORIZON = 10


class InvestmentScenario(TenantModel):
    """A saved investment case. Amounts in kroner; shares in per cent as entered.

    ``staff_costs``, ``other_costs`` and ``children`` are JSON lists, one number per budget
    year (year 1 first, at most ``horizon`` long).
    """

    name = models.CharField("navn", max_length=150)
    intervention = models.ForeignKey(
        "cases.Intervention",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="indsats",
    )
    horizon = models.PositiveSmallIntegerField("horisont (år)")
    discount_rate_pct = models.DecimalField(
        "diskonteringsrente (%)", max_digits=5, decimal_places=2
    )
    staff_costs = models.JSONField("personaleudgifter pr. år", default=list)
    other_costs = models.JSONField("øvrige udgifter pr. år", default=list)
    children = models.JSONField("børn, der starter, pr. år", default=list)
    completion_pct = models.DecimalField("gennemførelse (%)", max_digits=5, decimal_places=1)
    effect_pct = models.DecimalField(
        "ekstra andel, der klarer sig (procentpoint)", max_digits=5, decimal_places=1
    )
    effect_low_pct = models.DecimalField(
        "effektens 95 %-interval, nedre grænse (procentpoint)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
    )
    effect_high_pct = models.DecimalField(
        "effektens 95 %-interval, øvre grænse (procentpoint)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
    )
    upper_bound_pct = models.DecimalField(
        "øvre grænse: før/efter-andelen uden korrektion (%)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
    )
    effect_source = models.CharField("kilde til effekten", max_length=10, choices=EffectSource)
    effect_note = models.TextField("om kilden")
    avoided_kommune = models.DecimalField(
        "undgåede udgifter, kommune", max_digits=14, decimal_places=2
    )
    avoided_region = models.DecimalField(
        "undgåede udgifter, region", max_digits=14, decimal_places=2
    )
    avoided_stat = models.DecimalField("undgåede udgifter, stat", max_digits=14, decimal_places=2)
    benefit_start = models.PositiveSmallIntegerField("besparelser begynder (år efter start)")
    benefit_years = models.PositiveSmallIntegerField(
        "besparelser varer (år pr. barn)", null=True, blank=True
    )
    payer = models.CharField("betales af", max_length=10, choices=Purse, default=Purse.MUNICIPALITY)
    created_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="oprettet af",
    )
    created_at = models.DateTimeField("oprettet", default=timezone.now)
    updated_at = models.DateTimeField("ændret", auto_now=True)

    class Meta:
        verbose_name = "investeringsberegning"
        verbose_name_plural = "investeringsberegninger"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="investment_scenario_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(horizon__gte=1) & Q(horizon__lte=MAX_HORIZON),
                name="investment_scenario_horizon",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def avoided(self) -> dict[str, float]:
        return {
            "kommune": float(self.avoided_kommune),
            "region": float(self.avoided_region),
            "stat": float(self.avoided_stat),
        }
