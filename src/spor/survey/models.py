"""Organisationsmåling: a recurring, anonymous staff questionnaire on the pejlemærker.

* :class:`SurveyRound` – one round in a municipality, with its own copy of the items.
* :class:`SurveyInvitation` – a one-time link to one PPR staff member. It records only
  *whether* it has been used: no date, no time, no answer.
* :class:`SurveyAnswerSet` – one set of answers. It has **no** link to the invitation or to
  a person and no time finer than the date, so answers cannot be traced to whoever gave
  them (``tests/survey/test_anonymity.py`` keeps it so).
* :class:`BenchmarkSelfAssessment` – the lead's self-assessment of a pejlemærke after a
  round (lav/middel/høj), for the development plan.

All are tenant tables with row-level security on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from spor.tenancy.models import TenantModel


class SurveyRound(TenantModel):
    name = models.CharField("runde", max_length=120)
    opened_on = models.DateField("åbnet", default=timezone.localdate)
    closes_on = models.DateField("lukker")
    closed_on = models.DateField("lukket", null=True, blank=True)
    items = models.JSONField("udsagn (kopi)")
    opened_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+", verbose_name="åbnet af"
    )

    class Meta:
        verbose_name = "målingsrunde"
        verbose_name_plural = "målingsrunder"
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opened_on")), name="survey_round_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_closed(self, today: dt.date | None = None) -> bool:
        day = today or timezone.localdate()
        return self.closed_on is not None or self.closes_on < day


class SurveyInvitation(TenantModel):
    round = models.ForeignKey(
        SurveyRound, on_delete=models.CASCADE, related_name="invitations", verbose_name="runde"
    )
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+", verbose_name="modtager"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField("brugt", default=False)
    expires_on = models.DateField("udløber")

    class Meta:
        verbose_name = "invitation til måling"
        verbose_name_plural = "invitationer til måling"
        constraints = [
            models.UniqueConstraint(
                fields=["round", "membership"], name="survey_invitation_once_per_round"
            )
        ]


class SurveyAnswerSet(TenantModel):
    """One person's answers, deliberately unlinked: only the round and the date."""

    round = models.ForeignKey(
        SurveyRound, on_delete=models.CASCADE, related_name="answer_sets", verbose_name="runde"
    )
    answered_on = models.DateField("besvaret")
    answers = models.JSONField("svar")  # {item code: 1–5, or null for »Ved ikke«}

    class Meta:
        verbose_name = "besvarelse"
        verbose_name_plural = "besvarelser"


class Level(models.TextChoices):
    LOW = "lav", "Lav"
    MIDDLE = "middel", "Middel"
    HIGH = "hoej", "Høj"


class BenchmarkSelfAssessment(TenantModel):
    round = models.ForeignKey(
        SurveyRound,
        on_delete=models.CASCADE,
        related_name="self_assessments",
        verbose_name="runde",
    )
    benchmark_number = models.PositiveSmallIntegerField("pejlemærke")
    level = models.CharField("niveau", max_length=10, choices=Level.choices)
    note = models.TextField("note", blank=True)
    saved_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+", verbose_name="gemt af"
    )
    saved_on = models.DateField("gemt", default=timezone.localdate)

    class Meta:
        verbose_name = "selvvurdering af pejlemærke"
        verbose_name_plural = "selvvurderinger af pejlemærker"
        ordering = ["round", "benchmark_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "benchmark_number"], name="self_assessment_once_per_benchmark"
            ),
            models.CheckConstraint(
                condition=Q(benchmark_number__gte=1) & Q(benchmark_number__lte=5),
                name="self_assessment_benchmark_1_5",
            ),
        ]
