"""Trivselsvurdering: rounds, ratings, parents informed, consent to share.

A PPR-leder opens a :class:`ScreeningRound` for chosen groups (:class:`RoundGroup`). The
staff of each group rate every child green/yellow/red per area: first each their own
rating (:class:`Assessment` with ``is_agreement=False``), then the team's agreement
(``is_agreement=True``), which is the child's position in the round. No rating is saved
before the parents of the group are recorded as informed (:class:`ParentNotice`). A
child's position is shared with another profession or unit only under a recorded
:class:`Consent` (samtykke or lovhjemmel).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils import timezone

from spor.screening import areas
from spor.tenancy.models import TenantModel


class Colour(models.TextChoices):
    GREEN = areas.GREEN, "Grøn"
    YELLOW = areas.YELLOW, "Gul"
    RED = areas.RED, "Rød"


class ScreeningRound(TenantModel):
    class Status(models.TextChoices):
        OPEN = "aaben", "Åben"
        CLOSED = "lukket", "Lukket"

    name = models.CharField("navn", max_length=100)
    starts = models.DateField("fra")
    ends = models.DateField("til")
    status = models.CharField("status", max_length=10, choices=Status.choices, default="aaben")
    # The area definition the round was opened with (a copy of areas.json).
    areas = models.JSONField("områder")
    opened_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="åbnet af",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "trivselsrunde"
        verbose_name_plural = "trivselsrunder"
        ordering = ["-starts", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gte=models.F("starts")), name="round_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["municipality", "starts"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def area_list(self) -> list[dict[str, Any]]:
        return areas.area_list(self.areas)

    def area_keys(self) -> list[str]:
        return areas.area_keys(self.areas)


class RoundGroup(TenantModel):
    """A group the round covers."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="groups")
    group = models.ForeignKey(
        "registry.Group", on_delete=models.PROTECT, related_name="screening_rounds"
    )
    # Children of the group by agreed position, and those with own ratings but no agreement
    # yet: kept up to date by the services, so that overviews need not count assessments
    # (60,000 children: the municipality's overview reads ~2,700 of these rows).
    groen = models.PositiveIntegerField(default=0)
    gul = models.PositiveIntegerField(default=0)
    roed = models.PositiveIntegerField(default=0)
    own_only = models.PositiveIntegerField(default=0)
    # Children in the group now: counted when the round opens and at every save in it.
    enrolled = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "gruppe i trivselsrunde"
        verbose_name_plural = "grupper i trivselsrunder"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "round", "group"], name="round_group_unique"
            )
        ]


class RoundInstitution(TenantModel):
    """An institution's figures in a round: the sums of its groups' :class:`RoundGroup`
    figures, how many of its groups are done (every child agreed) and how many have their
    parents informed (a :class:`ParentNotice` for the group or the institution).

    Kept by database triggers (migration 0004) on ``screening_roundgroup`` and
    ``screening_parentnotice``, in the writing transaction: every writer (the services, the
    demo's bulk inserts, retention's deletes, raw SQL) is covered without code, and the
    round's overview reads one row per institution instead of summing every group of the
    round (docs/scaling.md, "The round overview on PostgreSQL (session 8)")."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="institutions")
    institution = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="+"
    )
    groen = models.PositiveIntegerField(default=0)
    gul = models.PositiveIntegerField(default=0)
    roed = models.PositiveIntegerField(default=0)
    own_only = models.PositiveIntegerField(default=0)
    enrolled = models.PositiveIntegerField(default=0)
    groups = models.PositiveIntegerField(default=0)
    groups_done = models.PositiveIntegerField(default=0)
    groups_informed = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "institution i trivselsrunde"
        verbose_name_plural = "institutioner i trivselsrunder"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "round", "institution"], name="round_institution_unique"
            )
        ]
        indexes = [
            # The trend of one institution over the rounds.
            models.Index(fields=["municipality", "institution"], name="round_institution_inst"),
        ]


class Assessment(TenantModel):
    """One rating of one child in one round: a staff member's own (``rater`` set) or the
    team's agreement (``is_agreement``), which is the child's position."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="assessments")
    child = models.ForeignKey(
        "registry.Child", on_delete=models.CASCADE, related_name="screening_assessments"
    )
    group = models.ForeignKey("registry.Group", on_delete=models.PROTECT, related_name="+")
    rater = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="vurderet af",
    )
    is_agreement = models.BooleanField("fælles vurdering", default=False)
    ratings = models.JSONField("vurderinger", default=dict)  # {area: colour}
    focus = models.JSONField("fokuspunkter", default=dict)  # {area: [point keys]}
    note = models.TextField("note", blank=True)
    # The worst colour across the areas, stored so that overviews count without JSON.
    position = models.CharField("position", max_length=5, choices=Colour.choices, blank=True)
    # For agreements: the child's agreed position in their latest earlier round, and
    # whether the child needs follow-up (red now, or yellow/red now and the time before).
    previous_position = models.CharField(
        "forrige position", max_length=5, choices=Colour.choices, blank=True
    )
    follow_up = models.BooleanField("skal følges op", default=False)
    updated_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "vurdering"
        verbose_name_plural = "vurderinger"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "round", "child", "rater"],
                condition=models.Q(is_agreement=False),
                name="assessment_one_own_per_rater",
            ),
            models.UniqueConstraint(
                fields=["municipality", "round", "child"],
                condition=models.Q(is_agreement=True),
                name="assessment_one_agreement",
            ),
            models.CheckConstraint(
                condition=models.Q(is_agreement=True) | models.Q(rater__isnull=False),
                name="assessment_own_has_rater",
            ),
        ]
        indexes = [
            # Overviews: counts by group and colour in a round.
            models.Index(
                fields=["municipality", "round", "is_agreement", "group", "position"],
                name="assessment_overview",
            ),
            # A child's earlier positions (follow-up, latest position).
            models.Index(fields=["municipality", "child", "is_agreement"], name="assessment_child"),
            # The follow-up list: a few per cent of a round's rows.
            models.Index(
                fields=["municipality", "round"],
                condition=models.Q(follow_up=True),
                name="assessment_follow_up",
            ),
            # The follow-up list's pages, read along this index in its order (by group,
            # then child): a page reads its own rows, not every flagged child of the round.
            models.Index(
                fields=["municipality", "round", "group", "child"],
                condition=models.Q(follow_up=True, is_agreement=True),
                name="assessment_follow_up_list",
            ),
        ]

    def __str__(self) -> str:
        kind = "fælles" if self.is_agreement else "egen"
        return f"Vurdering ({kind}) {self.position or '–'}"


class ParentNotice(TenantModel):
    """Parents of a group, or of a whole institution, were told about the round."""

    class How(models.TextChoices):
        LETTER = "brev", "Brev"
        AULA = "aula", "Besked på Aula"
        MEETING = "moede", "Forældremøde"
        OTHER = "andet", "Andet"

    round = models.ForeignKey(
        ScreeningRound, on_delete=models.CASCADE, related_name="parent_notices"
    )
    group = models.ForeignKey(
        "registry.Group", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    informed_on = models.DateField("forældre informeret den")
    how = models.CharField("hvordan", max_length=10, choices=How.choices)
    note = models.CharField("note", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "forældreinformation"
        verbose_name_plural = "forældreinformationer"
        ordering = ["-informed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(group__isnull=False) | models.Q(institution__isnull=False),
                name="parent_notice_group_or_institution",
            )
        ]
        indexes = [models.Index(fields=["municipality", "round"])]


class Recipient(models.TextChoices):
    PPR = "ppr", "PPR"
    HEALTH = "sundhedspleje", "Sundhedsplejen"
    SOCIAL = "socialforvaltning", "Socialforvaltningen"
    INSTITUTION = "institution", "Modtagende institution"


class Consent(TenantModel):
    """A recorded basis for sharing a child's screening with another profession or unit:
    the parents' consent (samtykke) or a legal basis (lovhjemmel)."""

    class Kind(models.TextChoices):
        CONSENT = "samtykke", "Samtykke fra forældre"
        LEGAL = "lovhjemmel", "Lovhjemmel"

    class Covers(models.TextChoices):
        SCREENING = "trivselsvurdering", "Trivselsvurdering"

    child = models.ForeignKey(
        "registry.Child", on_delete=models.CASCADE, related_name="screening_consents"
    )
    kind = models.CharField("grundlag", max_length=12, choices=Kind.choices)
    legal_basis = models.CharField("hjemmel", max_length=200, blank=True)
    recipient = models.CharField("modtager", max_length=20, choices=Recipient.choices)
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="institution",
    )
    covers = models.CharField(
        "omfatter", max_length=20, choices=Covers.choices, default="trivselsvurdering"
    )
    given_by = models.CharField("givet af", max_length=150, blank=True)
    valid_from = models.DateField("gælder fra")
    valid_to = models.DateField("gælder til", null=True, blank=True)
    revoked_on = models.DateField("tilbagekaldt den", null=True, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "samtykke eller hjemmel"
        verbose_name_plural = "samtykker og hjemler"
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="consent_valid_to_after_from",
            )
        ]
        indexes = [models.Index(fields=["municipality", "child", "recipient"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.get_recipient_display()}"

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (
            self.valid_from <= on
            and (self.valid_to is None or self.valid_to >= on)
            and (self.revoked_on is None or self.revoked_on > on)
        )
