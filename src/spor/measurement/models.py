"""SDQ before and after a delivery (issue 6, part 4).

A :class:`MeasurementRequest` asks one informant (parent, teacher/pedagogue, the PPR
professional who knows the child best, or the child from 11 years) to answer an SDQ form
before (*førmåling*) or after (*eftermåling*) a delivery. It is answered through a one-time
link: only a SHA-256 of the link's token is stored, so the database cannot give the link
away. A :class:`Response` is an answered form, through a link or typed in from paper by staff,
with the scores, bands and norm set computed by :mod:`spor.sdq` when it was saved, so that
every figure can be reproduced.

Writes go through :mod:`spor.measurement.services`; reads through
:mod:`spor.measurement.selectors`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from spor.tenancy.models import TenantModel


class Phase(models.TextChoices):
    BEFORE = "foer", "Førmåling"
    AFTER = "efter", "Eftermåling"


class Informant(models.TextChoices):
    PARENT = "foraelder", "Forælder"
    TEACHER = "laerer", "Lærer/pædagog"
    PROFESSIONAL = "ppr_fagperson", "PPR-fagperson, der kender barnet bedst"
    SELF = "barnet_selv", "Barnet selv"


class RequestStatus(models.TextChoices):
    SENT = "sendt", "Sendt"
    ANSWERED = "besvaret", "Besvaret"
    EXPIRED = "udloebet", "Udløbet"
    REVOKED = "tilbagekaldt", "Tilbagekaldt"


class MeasurementRequest(TenantModel):
    """One informant asked to answer one SDQ form through a one-time link."""

    delivery = models.ForeignKey(
        "cases.Delivery",
        on_delete=models.CASCADE,
        related_name="measurement_requests",
        verbose_name="iværksat indsats",
    )
    phase = models.CharField("måling", max_length=5, choices=Phase.choices)
    informant = models.CharField("informant", max_length=15, choices=Informant.choices)
    form = models.CharField("skema", max_length=40)
    recipient_name = models.CharField("modtagerens navn", max_length=150, blank=True)
    recipient_email = models.EmailField("modtagerens e-mail", blank=True)
    recipient_membership = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="modtager (medarbejder)",
    )
    token_hash = models.CharField("SHA-256 af linkets nøgle", max_length=64, unique=True)
    expires_at = models.DateTimeField("udløber")
    used_at = models.DateTimeField("besvaret", null=True, blank=True)
    revoked_at = models.DateTimeField("tilbagekaldt", null=True, blank=True)
    sent_at = models.DateTimeField("sendt", null=True, blank=True)
    reminded_at = models.DateTimeField("påmindet", null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="oprettet af",
    )
    created_at = models.DateTimeField("oprettet", default=timezone.now)

    class Meta:
        verbose_name = "anmodning om SDQ-besvarelse"
        verbose_name_plural = "anmodninger om SDQ-besvarelse"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(phase__in=[p.value for p in Phase]), name="measurement_request_phase"
            ),
            models.CheckConstraint(
                condition=Q(informant__in=[i.value for i in Informant]),
                name="measurement_request_informant",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "delivery", "phase"]),
            models.Index(fields=["used_at", "revoked_at", "sent_at"]),
        ]

    def __str__(self) -> str:
        # No names or tokens: str() ends up in logs.
        return f"SDQ-anmodning {self.pk} ({self.phase}, {self.informant})"

    def status_at(self, now: dt.datetime | None = None) -> str:
        moment = now or timezone.now()
        if self.used_at is not None:
            return RequestStatus.ANSWERED
        if self.revoked_at is not None:
            return RequestStatus.REVOKED
        if self.expires_at <= moment:
            return RequestStatus.EXPIRED
        return RequestStatus.SENT

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def status_label(self) -> str:
        return str(RequestStatus(self.status).label)

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.SENT


class ScoreKey(models.Func):
    """One key of ``scores`` as a stored column's expression: a number, or text for a band;
    NULL where the key is missing or JSON null. The key is a constant of this module (never
    input), written into the SQL, because a generated column's expression takes no
    parameters. Django's own key transform would give the text 'null' for a JSON null on
    SQLite."""

    def __init__(self, key: str, *, numeric: bool) -> None:
        if not key.replace("_", "").isalnum():
            raise ValueError(key)
        output = models.FloatField() if numeric else models.CharField(max_length=40)
        super().__init__(models.F("scores"), output_field=output)
        self.key, self.numeric = key, numeric

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        lhs, params = compiler.compile(self.source_expressions[0])
        sql = f"json_extract({lhs}, '$.\"{self.key}\"')"
        # A JSON string where a number belongs gives NULL, on both databases (the scorer
        # never writes one).
        if self.numeric:
            kind = f"json_type({lhs}, '$.\"{self.key}\"')"
            sql = f"(CASE WHEN {kind} IN ('integer', 'real') THEN {sql} END)"
            params = [*params, *params]
        return sql, params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        lhs, params = compiler.compile(self.source_expressions[0])
        sql = f"({lhs} ->> '{self.key}')"
        if self.numeric:
            sql = (
                f"(CASE WHEN jsonb_typeof({lhs} -> '{self.key}') = 'number' "
                f"THEN {sql}::double precision END)"
            )
            params = [*params, *params]
        return sql, params


def _score(key: str, label: str) -> models.GeneratedField:
    return models.GeneratedField(
        expression=ScoreKey(key, numeric=True),
        output_field=models.FloatField(),
        db_persist=True,
        verbose_name=label,
    )


class Response(TenantModel):
    """An answered SDQ form: through a link (``request``) or typed in from paper by staff
    (``entered_by``). The scores, bands and norm set are computed by :mod:`spor.sdq` when it is
    saved and kept with it. One response per delivery, phase and informant."""

    request = models.OneToOneField(
        MeasurementRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="response",
        verbose_name="anmodning",
    )
    delivery = models.ForeignKey(
        "cases.Delivery",
        on_delete=models.CASCADE,
        related_name="measurement_responses",
        verbose_name="iværksat indsats",
    )
    phase = models.CharField("måling", max_length=5, choices=Phase.choices)
    informant = models.CharField("informant", max_length=15, choices=Informant.choices)
    form = models.CharField("skema", max_length=40)
    answers = models.JSONField("svar (sdq1–sdq25: 0, 1, 2 eller tom)", default=dict)
    impact = models.JSONField("tillæg om påvirkning", default=dict)
    scores = models.JSONField("scorer og bånd", default=dict)
    norm_set = models.CharField("normsæt (id@version)", max_length=60, blank=True)
    respondent_name = models.CharField("udfyldt af", max_length=150, blank=True)
    entered_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="indtastet af (papirskema)",
    )
    answered_at = models.DateTimeField("besvaret", default=timezone.now)
    # What the evaluation figures group by, kept by the database beside ``scores`` whatever
    # writes it (the services, the demo's bulk inserts, a rescoring): the figures' grouped
    # read then reads plain columns, not every response's JSON (docs/scaling.md, issue #18).
    score_total = _score("total", "samlet vanskelighedsscore")
    band_total = models.GeneratedField(
        expression=ScoreKey("total_band", numeric=False),
        output_field=models.CharField(max_length=40),
        db_persist=True,
        verbose_name="bånd, samlet score",
    )
    score_emotional = _score("emotional", "følelsesmæssige symptomer")
    score_conduct = _score("conduct", "adfærdsproblemer")
    score_hyperactivity = _score("hyperactivity", "hyperaktivitet/opmærksomhed")
    score_peer = _score("peer", "problemer med jævnaldrende")
    score_prosocial = _score("prosocial", "prosocial adfærd")

    class Meta:
        verbose_name = "SDQ-besvarelse"
        verbose_name_plural = "SDQ-besvarelser"
        ordering = ["answered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "delivery", "phase", "informant"],
                name="measurement_one_response_per_informant",
            ),
            models.CheckConstraint(
                condition=Q(request__isnull=False) | Q(entered_by__isnull=False),
                name="measurement_response_by_link_or_paper",
            ),
        ]

    def __str__(self) -> str:
        return f"SDQ-besvarelse {self.pk} ({self.phase}, {self.informant})"

    @property
    def on_paper(self) -> bool:
        return self.request_id is None


class LicensedWording(TenantModel):
    """The official SDQ item wording of one form, loaded by a municipality that holds
    youthinmind's licence from the file it was given (Spor ships no wording). Checked
    against the form's instrument definition when loaded: every item key with a text, no
    unknown key. Parents, teachers and the child then see these texts on the answer pages
    of that municipality."""

    form = models.CharField("skema", max_length=40)
    texts = models.JSONField("ordlyd (nøgle → tekst)")
    licence_note = models.CharField("licens", max_length=200)
    source_name = models.CharField("fil", max_length=200, blank=True)
    loaded_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="indlæst af",
    )
    loaded_at = models.DateTimeField("indlæst", default=timezone.now)

    class Meta:
        verbose_name = "licenseret SDQ-ordlyd"
        verbose_name_plural = "licenseret SDQ-ordlyd"
        ordering = ["form"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "form"], name="measurement_wording_once_per_form"
            )
        ]

    def __str__(self) -> str:
        return self.form


class OutcomePair(TenantModel):
    """One earlier delivery with a before and an after response of the evaluation's default
    informant, as the local outcomes count it. Kept by the database's triggers, never by
    code (:mod:`spor.measurement.outcomes`); no foreign key to the delivery, so that deleting
    one is the triggers' business alone."""

    delivery_id = models.BigIntegerField("iværksat indsats", primary_key=True)
    intervention_id = models.BigIntegerField("indsats")
    emotional = models.BooleanField("følelsesmæssige symptomer ved start")
    peer = models.BooleanField("problemer med jævnaldrende ved start")
    conduct = models.BooleanField("adfærdsproblemer ved start")
    hyperactivity = models.BooleanField("hyperaktivitet/opmærksomhed ved start")
    prosocial = models.BooleanField("få prosociale styrker ved start")
    improved = models.BooleanField("pålideligt bedre (samlet score)")

    class Meta:
        verbose_name = "før/efter-par"
        verbose_name_plural = "før/efter-par"

    def __str__(self) -> str:
        return f"Før/efter-par {self.pk}"


class OutcomeCount(TenantModel):
    """How many :class:`OutcomePair` rows have this municipality, intervention, baseline
    needs and outcome: what the "iværksæt indsats" page reads (at most 64 rows per
    intervention). Kept by the database's triggers (:mod:`spor.measurement.outcomes`)."""

    intervention_id = models.BigIntegerField("indsats")
    emotional = models.BooleanField("følelsesmæssige symptomer ved start")
    peer = models.BooleanField("problemer med jævnaldrende ved start")
    conduct = models.BooleanField("adfærdsproblemer ved start")
    hyperactivity = models.BooleanField("hyperaktivitet/opmærksomhed ved start")
    prosocial = models.BooleanField("få prosociale styrker ved start")
    improved = models.BooleanField("pålideligt bedre (samlet score)")
    n = models.IntegerField("antal")

    class Meta:
        verbose_name = "antal før/efter-par"
        verbose_name_plural = "antal før/efter-par"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "municipality",
                    "intervention_id",
                    "emotional",
                    "peer",
                    "conduct",
                    "hyperactivity",
                    "prosocial",
                    "improved",
                ],
                name="measurement_outcome_count_key",
            )
        ]

    def __str__(self) -> str:
        return f"Antal før/efter-par {self.pk}"
