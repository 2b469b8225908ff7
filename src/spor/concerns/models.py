"""Concerns (bekymringer) about a child or a child community, and their follow-up log.

A concern is about exactly one child *or* one group (a stue or klasse), has a person
responsible and a follow-up date, and moves from *ny* to *lukket*. Closing records an
outcome; the outcome *underretning* records the date the notification was sent (Spor
records it; the notification itself goes the municipality's usual way).

Every change is told in the follow-up log (:class:`ConcernEvent`), which the app only
appends to. Writes go through :mod:`spor.concerns.services`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from spor.lib.models import AppendOnlyModel
from spor.tenancy.models import TenantModel


class Category(models.TextChoices):
    WELLBEING = "trivsel", "Trivsel"
    BEHAVIOUR = "adfaerd", "Adfærd"
    LANGUAGE = "sprog", "Sprog og kommunikation"
    MOTOR = "motorik", "Motorik og sansning"
    LEARNING = "laering", "Læring"
    SOCIAL = "sociale_relationer", "Sociale relationer"
    ABSENCE = "fravaer", "Fravær"
    FAMILY = "familieforhold", "Familieforhold"
    OTHER = "andet", "Andet"


class State(models.TextChoices):
    NEW = "ny", "Ny"
    FOLLOWING_UP = "opfoelgning", "Under opfølgning"
    WAITING = "afventer", "Afventer"
    CLOSED = "lukket", "Lukket"


OPEN_STATES = (State.NEW, State.FOLLOWING_UP, State.WAITING)


class Outcome(models.TextChoices):
    NO_ACTION = "ingen", "Ingen yderligere handling"
    ADVICE = "raad", "Råd og vejledning til personale"
    CONSULTATION = "konsultation", "PPR-konsultation"
    CASE = "forloeb", "Forløb startet"
    NOTIFICATION = "underretning", "Underretning til socialforvaltningen"


class Concern(TenantModel):
    child = models.ForeignKey(
        "registry.Child",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concerns",
        verbose_name="barn",
    )
    group = models.ForeignKey(
        "registry.Group",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concerns",
        verbose_name="børnefællesskab (gruppe)",
    )
    description = models.TextField("beskrivelse")
    category = models.CharField("kategori", max_length=20, choices=Category.choices)
    raised_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="oprettet af",
    )
    responsible = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="ansvarlig",
    )
    follow_up_on = models.DateField("opfølgningsdato")
    state = models.CharField("status", max_length=12, choices=State.choices, default=State.NEW)
    outcome = models.CharField(
        "udfald", max_length=12, choices=Outcome.choices, blank=True, default=""
    )
    underretning_on = models.DateField("dato for underretning", null=True, blank=True)
    # A screening assessment ("rød position") the concern came from. A plain id, not a
    # foreign key: the screening app is built separately and may change shape.
    source_assessment_id = models.PositiveBigIntegerField(
        "fra trivselsvurdering (id)", null=True, blank=True
    )
    created_at = models.DateTimeField("oprettet", default=timezone.now)
    updated_at = models.DateTimeField("ændret", auto_now=True)
    closed_at = models.DateTimeField("lukket", null=True, blank=True)
    # The form's one-time key: a form sent twice (a double click, a resend after a timeout)
    # finds the concern the first sending made instead of making a second.
    submission_key = models.UUIDField("indsendelse", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "bekymring"
        verbose_name_plural = "bekymringer"
        ordering = ["follow_up_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(child__isnull=False) & Q(group__isnull=True))
                | (Q(child__isnull=True) & Q(group__isnull=False)),
                name="concern_child_or_group",
            ),
            models.CheckConstraint(
                condition=(Q(state=State.CLOSED) & ~Q(outcome="") & Q(closed_at__isnull=False))
                | (~Q(state=State.CLOSED) & Q(outcome="") & Q(closed_at__isnull=True)),
                name="concern_outcome_iff_closed",
            ),
            models.CheckConstraint(
                condition=(Q(outcome=Outcome.NOTIFICATION) & Q(underretning_on__isnull=False))
                | (~Q(outcome=Outcome.NOTIFICATION) & Q(underretning_on__isnull=True)),
                name="concern_underretning_date_iff_underretning",
            ),
            models.UniqueConstraint(
                fields=["municipality", "submission_key"], name="concern_submitted_once"
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "state", "follow_up_on"]),
            models.Index(fields=["municipality", "responsible", "state"]),
            models.Index(fields=["municipality", "child"]),
            # A teacher's lists start from what she raised and her groups' concerns.
            models.Index(fields=["municipality", "raised_by"]),
            models.Index(fields=["municipality", "group"]),
            # The lists' order (follow-up date, id): a page is read from the index with LIMIT
            # instead of sorting every concern of the municipality. The open list (the one a
            # lead works from) and the overdue overviews use the partial one.
            models.Index(fields=["municipality", "follow_up_on", "id"], name="concern_follow_up"),
            models.Index(
                fields=["municipality", "follow_up_on", "id"],
                condition=Q(state__in=OPEN_STATES),
                name="concern_open_follow_up",
            ),
        ]

    def __str__(self) -> str:
        # No names: str() ends up in logs and admin history.
        return f"Bekymring {self.pk} ({self.get_category_display()})"

    @property
    def is_open(self) -> bool:
        return self.state != State.CLOSED

    @property
    def subject_label(self) -> str:
        """Who the concern is about, for screens (full name, or group and institution)."""
        if self.child is not None:
            return self.child.full_name
        group = self.group
        return f"{group.name} ({group.institution.name})" if group is not None else ""


class EventKind(models.TextChoices):
    CREATED = "oprettet", "Oprettet"
    NOTE = "notat", "Notat"
    STATE = "status", "Statusændring"
    RESPONSIBLE = "ansvarlig", "Ny ansvarlig"
    FOLLOW_UP = "opfoelgning", "Ny opfølgningsdato"
    CLOSED = "lukket", "Lukket"


class ConcernEvent(AppendOnlyModel, TenantModel):
    """One line of a concern's follow-up log. The app only appends: ``save()`` of an existing
    entry and ``delete()`` are refused."""

    append_only_noun = "Opfølgningsloggen"
    append_only_error = ValueError

    concern = models.ForeignKey(
        Concern, on_delete=models.CASCADE, related_name="events", verbose_name="bekymring"
    )
    at = models.DateTimeField("tidspunkt", default=timezone.now)
    author = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+", verbose_name="af"
    )
    kind = models.CharField("slags", max_length=12, choices=EventKind.choices)
    text = models.TextField("tekst", blank=True)
    from_value = models.CharField("fra", max_length=200, blank=True)
    to_value = models.CharField("til", max_length=200, blank=True)

    class Meta:
        verbose_name = "opfølgningslog-post"
        verbose_name_plural = "opfølgningslog"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["municipality", "concern", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.concern_id})"


class ReminderSent(TenantModel):
    """A reminder digest sent to one person for one day, so that running the job again the
    same day does not send it twice."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+", verbose_name="modtager"
    )
    on = models.DateField("dato")
    count = models.PositiveIntegerField("antal bekymringer")
    sent_at = models.DateTimeField("sendt", default=timezone.now)

    class Meta:
        verbose_name = "sendt påmindelse"
        verbose_name_plural = "sendte påmindelser"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "membership", "on"], name="reminder_once_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"Påmindelse {self.on} ({self.count})"
