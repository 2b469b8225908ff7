"""Forløb (cases) and the municipality's indsatsvifte (catalogue of interventions).

A **case** is PPR's work with one child *or* one child community (a group): a team across
professions with a named coordinator (the history of coordinators is kept), family and
network as participants who are not users, goals agreed with child and family, meetings,
deliveries of catalogue interventions with hours by profession, and a timeline
(:class:`CaseEvent`, which the app only appends to). A case is opened directly, from a
concern or from a screening position, and closed with an outcome.

The programme's aim is that fewer children need specialised help or medication, so a case
records at the start and at the close whether the child is referred to or receives
specialised help of each kind and medication for mental difficulties. The values at close
are empty until the case is closed, and then all four are given (database constraints).

Writes go through :mod:`spor.cases.services`; reads through :mod:`spor.cases.selectors`.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from spor.accounts.models import Profession
from spor.cases import kle
from spor.cases.matching import NEEDS
from spor.lib.models import AppendOnlyModel
from spor.tenancy.models import TenantModel


class Level(models.TextChoices):
    PREVENTIVE = "forebyggende", "Forebyggende"
    ANTICIPATORY = "foregribende", "Foregribende"
    INTERVENING = "indgribende", "Indgribende"


LEVEL_ORDER: list[str] = [Level.PREVENTIVE, Level.ANTICIPATORY, Level.INTERVENING]


class InterventionType(models.TextChoices):
    """The national evaluation's typology of PPR interventions."""

    CONSULTATIVE = "konsultativ", "Konsultativ"
    SUPPORTIVE = "konsultativt_stoettende", "Konsultativt støttende"
    TREATMENT = "lettere_behandlende", "Lettere behandlende"


class Target(models.TextChoices):
    CHILD = "barn", "Barn"
    COMMUNITY = "boernefaellesskab", "Børnefællesskab"
    PARENTS = "foraeldre", "Forældre"
    PROFESSIONALS = "fagprofessionelle", "Fagprofessionelle"
    CONTEXT = "kontekst", "Kontekst"


class KnowledgeBase(models.TextChoices):
    RESEARCH = "forskning", "Effekt dokumenteret i forskning"
    INSPIRED = "inspireret", "Inspireret af en dokumenteret metode, lokalt tilpasset"
    PRACTICE = "praksis", "Erfaringsbaseret lokal praksis, ikke evalueret"


# The five faglige pejlemærker (Socialstyrelsen), by number; short titles for screens.
PEJLEMAERKER: dict[int, str] = {
    1: "Løsninger i tæt samarbejde med børn, familie og netværk",
    2: "Systematisk opmærksomhed på alle børns trivsel og opfølgning på bekymring",
    3: "Målrettede og helhedsorienterede interventioner",
    4: "Tværfagligt koordineret og målrettet praksis",
    5: "Høj faglighed og tydelig faglig retning i PPR",
}

PPR_PROVIDER = "PPR"


class Intervention(TenantModel):
    """An item of the municipality's indsatsvifte. ``targets`` and ``pejlemaerker`` are JSON
    lists (target codes; pejlemærke numbers 1–5), the same on SQLite and PostgreSQL."""

    name = models.CharField("navn", max_length=150)
    description = models.TextField("beskrivelse")
    level = models.CharField("niveau", max_length=15, choices=Level.choices)
    kind = models.CharField("type", max_length=25, choices=InterventionType.choices)
    targets = models.JSONField("målgruppe", default=list)
    min_age = models.PositiveSmallIntegerField("fra alder (år)", default=0)
    max_age = models.PositiveSmallIntegerField("til alder (år)", default=18)
    provider = models.CharField(
        "udbyder",
        max_length=150,
        default=PPR_PROVIDER,
        help_text="PPR eller en anden enhed i kommunen.",
    )
    expected_hours = models.DecimalField("forventede timer", max_digits=6, decimal_places=1)
    expected_weeks = models.PositiveSmallIntegerField("forventet varighed (uger)")
    knowledge_base = models.CharField(
        "vidensgrundlag", max_length=12, choices=KnowledgeBase.choices
    )
    knowledge_note = models.CharField("om vidensgrundlaget", max_length=300, blank=True)
    pejlemaerker = models.JSONField("pejlemærker", default=list)
    # Need areas the intervention addresses (keys of spor.cases.matching.NEEDS): the
    # suggestions rank by them against the child's concern, screening and SDQ profile.
    needs = models.JSONField("behovsområder", default=list, blank=True)
    active = models.BooleanField("aktiv", default=True)
    created_at = models.DateTimeField("oprettet", default=timezone.now)

    class Meta:
        verbose_name = "indsats"
        verbose_name_plural = "indsatsvifte"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="intervention_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(min_age__lte=F("max_age")), name="intervention_age_range"
            ),
            models.CheckConstraint(
                condition=Q(expected_hours__gte=0), name="intervention_hours_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_ppr(self) -> bool:
        return self.provider.strip().upper() == PPR_PROVIDER

    @property
    def target_labels(self) -> list[str]:
        return [Target(t).label for t in self.targets if t in Target.values]

    @property
    def pejlemaerke_labels(self) -> list[str]:
        return [f"{n}. {PEJLEMAERKER[n]}" for n in sorted(self.pejlemaerker) if n in PEJLEMAERKER]

    @property
    def need_labels(self) -> list[str]:
        return [NEEDS[n] for n in self.needs if n in NEEDS]

    def fits_age(self, low: int, high: int) -> bool:
        """Whether the age span ``low``–``high`` overlaps the intervention's."""
        return self.min_age <= high and low <= self.max_age


class OpenedFrom(models.TextChoices):
    DIRECT = "direkte", "Direkte"
    CONCERN = "bekymring", "Bekymring"
    SCREENING = "trivselsvurdering", "Trivselsvurdering"


class Status(models.TextChoices):
    OPEN = "aaben", "Åbent"
    CLOSED = "lukket", "Lukket"


class Outcome(models.TextChoices):
    ACHIEVED = "maal_naaet", "Mål nået"
    PARTLY = "delvist_naaet", "Mål delvist nået"
    NOT_ACHIEVED = "ikke_naaet", "Mål ikke nået"
    SPECIALISED = "specialiseret", "Videre til specialiseret indsats"
    MOVED = "flyttet", "Flyttet"
    OTHER = "andet", "Andet"


# Specialised help and medication recorded at the start and the close of a case:
# (field suffix, Danish label).
SPECIALISED_KINDS: list[tuple[str, str]] = [
    ("psychiatry", "Børne- og ungdomspsykiatri"),
    ("special_education", "Specialundervisning"),
    ("social_measures", "Sociale foranstaltninger efter barnets lov"),
    ("medication", "Medicin for psykiske vanskeligheder"),
]
START_FIELDS = [f"start_{k}" for k, _ in SPECIALISED_KINDS]
CLOSE_FIELDS = [f"close_{k}" for k, _ in SPECIALISED_KINDS]


def _all_null(fields: list[str], null: bool) -> Q:
    q = Q()
    for name in fields:
        q &= Q(**{f"{name}__isnull": null})
    return q


class Case(TenantModel):
    child = models.ForeignKey(
        "registry.Child",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name="barn",
    )
    group = models.ForeignKey(
        "registry.Group",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name="børnefællesskab (gruppe)",
    )
    title = models.CharField("titel", max_length=200)
    level = models.CharField("niveau", max_length=15, choices=Level.choices)
    # KL's Emnesystematik: the archive and the retention rules find a case by it.
    kle_number = models.CharField(
        "KLE-emnenummer",
        max_length=8,
        default=kle.default,
        help_text="Emnenummer efter KL's Emnesystematik (KLE), fx 27.20.00.",
    )
    opened_from = models.CharField(
        "startet fra", max_length=20, choices=OpenedFrom.choices, default=OpenedFrom.DIRECT
    )
    source_concern = models.ForeignKey(
        "concerns.Concern",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name="fra bekymring",
    )
    # A screening assessment the case came from: a plain id, as in the concerns app (the
    # screening app is built separately).
    source_assessment_id = models.PositiveBigIntegerField(
        "fra trivselsvurdering (id)", null=True, blank=True
    )
    opened_on = models.DateField("startet")
    opened_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+", verbose_name="startet af"
    )
    status = models.CharField("status", max_length=6, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField("afsluttet", null=True, blank=True)
    outcome = models.CharField("udfald", max_length=15, choices=Outcome.choices, blank=True)
    closing_note = models.TextField("afsluttende bemærkning", blank=True)

    start_psychiatry = models.BooleanField("børne- og ungdomspsykiatri ved start", default=False)
    start_special_education = models.BooleanField("specialundervisning ved start", default=False)
    start_social_measures = models.BooleanField("sociale foranstaltninger ved start", default=False)
    start_medication = models.BooleanField("medicin ved start", default=False)
    close_psychiatry = models.BooleanField(
        "børne- og ungdomspsykiatri ved afslutning", null=True, blank=True
    )
    close_special_education = models.BooleanField(
        "specialundervisning ved afslutning", null=True, blank=True
    )
    close_social_measures = models.BooleanField(
        "sociale foranstaltninger ved afslutning", null=True, blank=True
    )
    close_medication = models.BooleanField("medicin ved afslutning", null=True, blank=True)

    created_at = models.DateTimeField("oprettet", default=timezone.now)
    updated_at = models.DateTimeField("ændret", auto_now=True)

    class Meta:
        verbose_name = "forløb"
        verbose_name_plural = "forløb"
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(child__isnull=False) & Q(group__isnull=True))
                | (Q(child__isnull=True) & Q(group__isnull=False)),
                name="case_child_or_group",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=Status.CLOSED)
                    & ~Q(outcome="")
                    & Q(closed_on__isnull=False)
                    & _all_null(CLOSE_FIELDS, False)
                )
                | (
                    Q(status=Status.OPEN)
                    & Q(outcome="")
                    & Q(closed_on__isnull=True)
                    & _all_null(CLOSE_FIELDS, True)
                ),
                name="case_outcome_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="case_closed_after_opened",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "status", "opened_on"]),
            models.Index(fields=["municipality", "child"]),
            # The lead's list of all cases, closed ones included, reads its page in this
            # order instead of sorting the municipality's thousands of cases.
            models.Index(fields=["municipality", "opened_on", "id"], name="case_muni_opened_id"),
        ]

    def __str__(self) -> str:
        # No names: str() ends up in logs and admin history.
        return f"Forløb {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    @property
    def kle_title(self) -> str:
        return kle.title(self.kle_number)

    @property
    def target(self) -> str:
        return Target.CHILD if self.child_id is not None else Target.COMMUNITY

    @property
    def subject_label(self) -> str:
        if self.child is not None:
            return self.child.full_name
        group = self.group
        return f"{group.name} ({group.institution.name})" if group is not None else ""

    def specialised(self, when: str) -> list[tuple[str, bool | None]]:
        """[(label, value)] of the four kinds at ``when`` = "start" or "close"."""
        return [(label, getattr(self, f"{when}_{k}")) for k, label in SPECIALISED_KINDS]

    @property
    def specialised_at_start(self) -> list[tuple[str, bool | None]]:
        return self.specialised("start")

    @property
    def specialised_at_close(self) -> list[tuple[str, bool | None]]:
        return self.specialised("close")


class CaseMember(TenantModel):
    """A member of a case's team, from ``joined_on`` until ``left_on``. Only current members
    (no ``left_on``) see the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+", verbose_name="person"
    )
    role = models.CharField("rolle i forløbet", max_length=100)
    joined_on = models.DateField("med fra")
    left_on = models.DateField("stoppede", null=True, blank=True)

    class Meta:
        verbose_name = "teammedlem"
        verbose_name_plural = "team"
        ordering = ["joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "case", "membership"],
                condition=Q(left_on__isnull=True),
                name="case_member_once_at_a_time",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="case_member_left_after_joined",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "membership", "left_on"])]

    def __str__(self) -> str:
        return f"Teammedlem {self.pk} i forløb {self.case_id}"

    @property
    def is_current(self) -> bool:
        return self.left_on is None


class CoordinatorAssignment(TenantModel):
    """Who coordinated a case from when to when. One current (no ``to_on``) per case; the
    earlier ones are kept, so continuity can be seen."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="coordinators")
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+", verbose_name="tovholder"
    )
    from_on = models.DateField("fra")
    to_on = models.DateField("til", null=True, blank=True)

    class Meta:
        verbose_name = "tovholder"
        verbose_name_plural = "tovholdere"
        ordering = ["from_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "case"],
                condition=Q(to_on__isnull=True),
                name="case_one_current_coordinator",
            ),
            models.CheckConstraint(
                condition=Q(to_on__isnull=True) | Q(to_on__gte=F("from_on")),
                name="coordinator_to_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"Tovholder {self.pk} for forløb {self.case_id}"


class Relation(models.TextChoices):
    MOTHER = "mor", "Mor"
    FATHER = "far", "Far"
    CHILD = "barnet", "Barnet selv"
    NETWORK = "netvaerk", "Netværk"
    OTHER = "anden", "Anden"


class Participant(TenantModel):
    """Family and network taking part in a case. Not users of Spor."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField("navn", max_length=150)
    relation = models.CharField("relation", max_length=10, choices=Relation.choices)
    contact = models.CharField("kontakt (valgfri)", max_length=200, blank=True)
    added_on = models.DateField("tilføjet")

    class Meta:
        verbose_name = "deltager"
        verbose_name_plural = "deltagere"
        ordering = ["added_on", "id"]

    def __str__(self) -> str:
        return f"Deltager {self.pk} i forløb {self.case_id}"


class GoalStatus(models.TextChoices):
    ACTIVE = "i_gang", "I gang"
    ACHIEVED = "naaet", "Nået"
    PARTLY = "delvist", "Delvist nået"
    NOT_ACHIEVED = "ikke_naaet", "Ikke nået"


class Goal(TenantModel):
    """A goal agreed with child and family, with the child's own words."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField("mål")
    child_words = models.TextField("med barnets egne ord", blank=True)
    responsible = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+", verbose_name="ansvarlig"
    )
    follow_up_on = models.DateField("opfølgning")
    status = models.CharField(
        "status", max_length=10, choices=GoalStatus.choices, default=GoalStatus.ACTIVE
    )
    created_on = models.DateField("aftalt")

    class Meta:
        verbose_name = "mål"
        verbose_name_plural = "mål"
        ordering = ["created_on", "id"]

    def __str__(self) -> str:
        return f"Mål {self.pk} i forløb {self.case_id}"


class Meeting(TenantModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField("holdt")
    participants = models.TextField("deltagere")
    decisions = models.TextField("beslutninger")
    next_steps = models.TextField("næste skridt", blank=True)
    recorded_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+", verbose_name="referent"
    )

    class Meta:
        verbose_name = "møde"
        verbose_name_plural = "møder"
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"Møde {self.pk} i forløb {self.case_id}"


class DeliveryStatus(models.TextChoices):
    PLANNED = "planlagt", "Planlagt"
    RUNNING = "i_gang", "I gang"
    FINISHED = "afsluttet", "Afsluttet"


# A delivery counts as given (an "iværksat indsats") once it has started, not while it is
# only planned. The one definition for every page that counts deliveries (the initiative
# page, the economics page).
INITIATED_STATES = (DeliveryStatus.RUNNING, DeliveryStatus.FINISHED)


class Delivery(TenantModel):
    """An intervention given in a case (iværksat indsats), from ``start`` to ``end``. The
    hours spent are in :class:`DeliveryHours`, one row per profession. A finished delivery
    has an end date; the end is never before the start (database constraints)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deliveries")
    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, related_name="deliveries", verbose_name="indsats"
    )
    start = models.DateField("start")
    end = models.DateField("slut", null=True, blank=True)
    status = models.CharField(
        "status", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PLANNED
    )
    note = models.TextField("bemærkning", blank=True)
    created_at = models.DateTimeField("oprettet", default=timezone.now)

    class Meta:
        verbose_name = "iværksat indsats"
        verbose_name_plural = "iværksatte indsatser"
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="delivery_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.FINISHED) | Q(end__isnull=False),
                name="delivery_finished_has_end",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "intervention"])]

    def __str__(self) -> str:
        return f"Iværksat indsats {self.pk} i forløb {self.case_id}"

    @property
    def total_hours(self) -> Any:
        return sum((h.hours for h in self.hours.all()), start=0)


class DeliveryHours(TenantModel):
    """Hours spent on a delivery by one profession (the economics prices them)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="hours")
    profession = models.CharField("faggruppe", max_length=20, choices=Profession.choices)
    hours = models.DecimalField("timer", max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = "timer pr. faggruppe"
        verbose_name_plural = "timer pr. faggruppe"
        ordering = ["profession"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "delivery", "profession"],
                name="delivery_hours_one_per_profession",
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="delivery_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_profession_display()}: {self.hours} t"


class EventKind(models.TextChoices):
    OPENED = "startet", "Forløb startet"
    MEMBER_ADDED = "medlem_ind", "Nyt teammedlem"
    MEMBER_LEFT = "medlem_ud", "Teammedlem stoppet"
    COORDINATOR = "tovholder", "Ny tovholder"
    PARTICIPANT = "deltager", "Ny deltager"
    GOAL_ADDED = "maal", "Mål aftalt"
    GOAL_CHANGED = "maal_status", "Mål fulgt op"
    MEETING = "moede", "Møde"
    DELIVERY_ADDED = "indsats", "Indsats iværksat"
    DELIVERY_CHANGED = "indsats_aendr", "Indsats ændret"
    NOTE = "notat", "Notat"
    CLOSED = "lukket", "Forløb afsluttet"


class CaseEvent(AppendOnlyModel, TenantModel):
    """One line of a case's timeline, written by the services in the same transaction as
    the change it tells about. ``on`` is the day the event concerns (a meeting's date),
    ``at`` when it was written. The app only appends."""

    append_only_noun = "Tidslinjen"
    append_only_error = ValueError

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    on = models.DateField("dato")
    at = models.DateTimeField("skrevet", default=timezone.now)
    author = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+", verbose_name="af"
    )
    kind = models.CharField("slags", max_length=15, choices=EventKind.choices)
    text = models.TextField("tekst", blank=True)

    class Meta:
        verbose_name = "tidslinje-post"
        verbose_name_plural = "tidslinje"
        ordering = ["on", "at", "id"]
        indexes = [models.Index(fields=["municipality", "case", "on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.case_id})"
