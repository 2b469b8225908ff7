"""Partnerskab og pejlemærker: national programmes, the versioned framework of faglige
pejlemærker, and each participating municipality's development plan with its initiatives.

Two kinds of tables:

* **National** (no municipality; listed in ``NOT_TENANT`` in ``tests/test_conventions.py``):
  :class:`BenchmarkFramework` with its :class:`Benchmark` and :class:`BenchmarkItem` (the
  five pejlemærker and their "Hvordan får vi det til at lykkes", shipped as data and
  versioned, since the framework was revised during the project), :class:`Programme` (a
  funded partnership with a grant pool and a period) and :class:`ProgrammeAdmin` (the
  programme administrator, a person with no role in any municipality) and
  :class:`ProgrammeEvaluator` (the programme evaluator, likewise national).
* **Tenant** (``TenantModel``, row-level security on PostgreSQL): a municipality's
  :class:`ProgrammeParticipation` (its grant and the extra PPR staff it funds), its
  :class:`DevelopmentPlan`, the plan's :class:`Initiative` records with their
  :class:`Milestone` records, and the links of an initiative to the pejlemærker it serves
  and to the catalogue interventions (``cases.Intervention``) it uses.

Nothing here is about a child: initiatives are plans of work, so the programme
administrator may see them across municipalities (``docs/programme.md``).

Writes go through :mod:`spor.programme.services`; reads through
:mod:`spor.programme.selectors`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from spor.cases.models import Level, Target
from spor.tenancy.models import TenantModel

# --------------------------------------------------------------------------- national


class BenchmarkFramework(models.Model):
    """One version of the faglige pejlemærker."""

    version = models.CharField("version", max_length=20, unique=True)
    title = models.CharField("titel", max_length=200)
    publisher = models.CharField("udgiver", max_length=150)
    valid_from = models.DateField("gælder fra")
    note = models.TextField("om versionen", blank=True)

    class Meta:
        verbose_name = "version af pejlemærkerne"
        verbose_name_plural = "versioner af pejlemærkerne"
        ordering = ["valid_from", "version"]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class Benchmark(models.Model):
    """A fagligt pejlemærke. Its number (1–5) is the same across versions, so figures can
    be compared when the wording is revised."""

    framework = models.ForeignKey(
        BenchmarkFramework,
        on_delete=models.CASCADE,
        related_name="benchmarks",
        verbose_name="version",
    )
    number = models.PositiveSmallIntegerField("nummer")
    title = models.TextField("titel")
    short_title = models.CharField("kort titel", max_length=100)

    class Meta:
        verbose_name = "fagligt pejlemærke"
        verbose_name_plural = "faglige pejlemærker"
        ordering = ["framework", "number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="benchmark_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.short_title}"


class BenchmarkItem(models.Model):
    """One point of "Hvordan får vi det til at lykkes"."""

    benchmark = models.ForeignKey(
        Benchmark, on_delete=models.CASCADE, related_name="items", verbose_name="pejlemærke"
    )
    position = models.PositiveSmallIntegerField("nummer")
    text = models.TextField("tekst")

    class Meta:
        verbose_name = "hvordan får vi det til at lykkes"
        verbose_name_plural = "hvordan får vi det til at lykkes"
        ordering = ["benchmark", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["benchmark", "position"], name="benchmark_item_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.text[:80]


class Programme(models.Model):
    """A funded national partnership (pulje) with participating municipalities."""

    name = models.CharField("navn", max_length=200, unique=True)
    funder = models.CharField("ansvarlig myndighed", max_length=150, default="Socialstyrelsen")
    description = models.TextField("formål", blank=True)
    start_on = models.DateField("periodens start")
    end_on = models.DateField("periodens slutning")
    grant_pool = models.DecimalField("puljens størrelse (kr.)", max_digits=14, decimal_places=2)
    framework = models.ForeignKey(
        BenchmarkFramework,
        on_delete=models.PROTECT,
        related_name="programmes",
        verbose_name="pejlemærker (version)",
    )
    created_at = models.DateTimeField("oprettet", default=timezone.now)

    class Meta:
        verbose_name = "partnerskabsprogram"
        verbose_name_plural = "partnerskabsprogrammer"
        ordering = ["-start_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_on__lte=F("end_on")), name="programme_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(grant_pool__gte=0), name="programme_pool_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def period_label(self) -> str:
        if self.start_on.year == self.end_on.year:
            return str(self.start_on.year)
        return f"{self.start_on.year}–{self.end_on.year}"


class ProgrammeAdmin(models.Model):
    """A programme administrator (fx Socialstyrelsen's project lead): manages the programme
    and sees the initiatives overview; no role in any municipality, no child data."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="programme_roles",
        verbose_name="bruger",
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="admins", verbose_name="program"
    )

    class Meta:
        verbose_name = "programadministrator"
        verbose_name_plural = "programadministratorer"
        constraints = [
            models.UniqueConstraint(fields=["user", "programme"], name="programme_admin_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.programme}"


class ProgrammeEvaluator(models.Model):
    """A programme evaluator (fx Socialstyrelsen's evaluator or an external evaluation
    institute): sees the evaluation's figures across the participating municipalities,
    aggregated, suppressed under 5 children and with the municipalities pseudonymised; no
    role in any municipality, no plans to edit, never a child (``docs/programme.md``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="programme_evaluations",
        verbose_name="bruger",
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="evaluators", verbose_name="program"
    )

    class Meta:
        verbose_name = "programevaluator"
        verbose_name_plural = "programevaluatorer"
        constraints = [
            models.UniqueConstraint(fields=["user", "programme"], name="programme_evaluator_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.programme} (evaluator)"


# --------------------------------------------------------------------------- municipality


class ProgrammeParticipation(TenantModel):
    """A municipality's part in a programme: its grant and the extra staff it funds."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="participations", verbose_name="program"
    )
    grant = models.DecimalField("tilskud (kr.)", max_digits=14, decimal_places=2)
    extra_staff = models.DecimalField(
        "ekstra årsværk i PPR", max_digits=5, decimal_places=1, default=0
    )
    staff_note = models.CharField(
        "om de ekstra medarbejdere",
        max_length=300,
        blank=True,
        help_text="Fx »2 psykologer og 1 tale-hørekonsulent«.",
    )
    created_at = models.DateTimeField("oprettet", default=timezone.now)

    class Meta:
        verbose_name = "deltagende kommune"
        verbose_name_plural = "deltagende kommuner"
        ordering = ["programme", "municipality__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "municipality"], name="participation_once_per_programme"
            ),
            models.CheckConstraint(condition=Q(grant__gte=0), name="participation_grant_positive"),
            models.CheckConstraint(
                condition=Q(extra_staff__gte=0), name="participation_staff_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} i {self.programme}"


class DevelopmentPlan(TenantModel):
    """The municipality's udviklingsplan in one programme: local analysis, goals and
    initiatives anchored in the pejlemærker."""

    participation = models.OneToOneField(
        ProgrammeParticipation,
        on_delete=models.PROTECT,
        related_name="plan",
        verbose_name="deltagelse",
    )
    title = models.CharField(
        "planens navn", max_length=200, help_text="Fx det lokale navn, »PPR på sporet«."
    )
    ambition = models.TextField("overordnet ambition", blank=True)
    analysis = models.TextField("lokal analyse", blank=True)
    goals = models.TextField("mål", blank=True, help_text="Ét mål pr. linje.")
    created_at = models.DateTimeField("oprettet", default=timezone.now)
    updated_at = models.DateTimeField("ændret", auto_now=True)

    class Meta:
        verbose_name = "udviklingsplan"
        verbose_name_plural = "udviklingsplaner"

    def __str__(self) -> str:
        return self.title

    @property
    def goal_lines(self) -> list[str]:
        return [line.strip(" -•\t") for line in self.goals.splitlines() if line.strip(" -•\t")]


class Scope(models.TextChoices):
    SPECIFIC = "specifik", "Specifik indsats"
    GENERAL = "generel", "Generel indsats"


class AimedAt(models.TextChoices):
    CHILDREN = "boern", "Børn og unge"
    FAMILIES = "familier", "Familier"
    PROFESSIONALS = "fagprofessionelle", "Fagprofessionelle"
    ORGANISATION = "organisation", "Organisationen (PPR)"
    FRAME = "tvaerfaglig_ramme", "Den tværfaglige ramme"


# Specific initiatives are for children, families or professionals; general ones develop the
# organisation or the interdisciplinary frame (the national evaluation's distinction).
AIMS_BY_SCOPE: dict[str, list[str]] = {
    Scope.SPECIFIC: [AimedAt.CHILDREN, AimedAt.FAMILIES, AimedAt.PROFESSIONALS],
    Scope.GENERAL: [AimedAt.ORGANISATION, AimedAt.FRAME],
}


class AgeGroup(models.TextChoices):
    INFANT = "0_2", "0–2 år (dagpleje og vuggestue)"
    PRESCHOOL = "3_5", "3–5 år (børnehave)"
    SCHOOL = "6_11", "6–11 år (indskoling og mellemtrin)"
    YOUTH = "12_17", "12–17 år (udskoling og unge)"


class InitiativeStatus(models.TextChoices):
    PLANNED = "planlagt", "Planlagt"
    RUNNING = "i_gang", "I gang"
    ANCHORED = "forankret", "Forankret i drift"
    STOPPED = "stoppet", "Stoppet"


class Initiative(TenantModel):
    """An initiative of a development plan. ``aimed_at``, ``target_groups`` and
    ``age_groups`` are JSON lists of codes (the same on SQLite and PostgreSQL)."""

    plan = models.ForeignKey(
        DevelopmentPlan,
        on_delete=models.CASCADE,
        related_name="initiatives",
        verbose_name="udviklingsplan",
    )
    title = models.CharField("initiativ", max_length=200)
    description = models.TextField("beskrivelse")
    scope = models.CharField("specifik eller generel", max_length=10, choices=Scope.choices)
    aimed_at = models.JSONField("rettet mod", default=list)
    level = models.CharField("niveau", max_length=15, choices=Level.choices, blank=True)
    target_groups = models.JSONField("målgruppe", default=list)
    age_groups = models.JSONField("aldersgruppe", default=list)
    responsible = models.CharField("ansvarlig (funktion eller team)", max_length=150)
    status = models.CharField(
        "status",
        max_length=10,
        choices=InitiativeStatus.choices,
        default=InitiativeStatus.PLANNED,
    )
    benchmarks = models.ManyToManyField(
        Benchmark,
        through="InitiativeBenchmark",
        related_name="initiatives",
        verbose_name="pejlemærker",
    )
    interventions = models.ManyToManyField(
        "cases.Intervention",
        through="InitiativeIntervention",
        related_name="initiatives",
        verbose_name="indsatser fra indsatsvifte",
    )
    created_at = models.DateTimeField("oprettet", default=timezone.now)
    updated_at = models.DateTimeField("ændret", auto_now=True)

    class Meta:
        verbose_name = "initiativ"
        verbose_name_plural = "initiativer"
        ordering = ["plan", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "title"], name="initiative_title_unique"),
            models.CheckConstraint(
                condition=Q(scope=Scope.GENERAL) | ~Q(level=""), name="initiative_specific_level"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def aimed_at_labels(self) -> list[str]:
        return [AimedAt(v).label for v in self.aimed_at if v in AimedAt.values]

    @property
    def target_labels(self) -> list[str]:
        return [Target(v).label for v in self.target_groups if v in Target.values]

    @property
    def age_labels(self) -> list[str]:
        return [AgeGroup(v).label for v in self.age_groups if v in AgeGroup.values]

    @property
    def next_milestone(self) -> Milestone | None:
        """The earliest milestone not yet reached (uses prefetched milestones)."""
        return next((m for m in self.milestones.all() if m.done_on is None), None)


class InitiativeBenchmark(TenantModel):
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="benchmark_links"
    )
    benchmark = models.ForeignKey(Benchmark, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "initiativets pejlemærke"
        verbose_name_plural = "initiativernes pejlemærker"
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "benchmark"], name="initiative_benchmark_unique"
            )
        ]


class InitiativeIntervention(TenantModel):
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="intervention_links"
    )
    intervention = models.ForeignKey(
        "cases.Intervention", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "initiativets indsats"
        verbose_name_plural = "initiativernes indsatser"
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "intervention"], name="initiative_intervention_unique"
            )
        ]


class Milestone(TenantModel):
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="milestones", verbose_name="initiativ"
    )
    title = models.CharField("milepæl", max_length=200)
    due_on = models.DateField("dato")
    done_on = models.DateField("nået", null=True, blank=True)

    class Meta:
        verbose_name = "milepæl"
        verbose_name_plural = "milepæle"
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_on is not None
