"""Retention rules, archive holds, and the record of what the retention job and the archive
export did.

A municipality's PPR-leder sets how long each kind of record is kept (:class:`RetentionRule`,
per record type and, for cases and SDQ answers, per KLE emnenummer). Nothing is disposed of
without a rule: Spor suggests defaults (``docs/retention.md``) but only the lead puts them in
force. A case held for an archive delivery (:class:`ArchiveHold`) and everything that belongs
to an open case is never touched. What the job did is kept in :class:`RetentionRun` as counts
only: never the content, the names or the CPR numbers of what went.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from spor.tenancy.models import TenantModel
from spor.tenancy.rls import ACCESS_LOG_FLOOR_MONTHS


class RecordType(models.TextChoices):
    SCREENING = "trivselsvurdering", "Trivselsvurdering"
    CONCERN = "bekymring", "Bekymring"
    CASE = "forloeb", "Forløb"
    SDQ = "sdq", "SDQ-besvarelse"
    CONSENT = "samtykke", "Samtykke og hjemmel"
    PARENT_NOTICE = "foraeldreinformation", "Forældreinformation"
    CHILD = "barn", "Barnets stamdata"
    ACCESS_LOG = "adgangslog", "Adgangslog"


class Disposal(models.TextChoices):
    DELETE = "slet", "Slettes"
    ANONYMISE = "anonymiser", "Anonymiseres"


# What may be done with each kind of record when its period has run out. A case, a concern
# and a screening assessment are about one named child through and through, so they go
# whole; an SDQ answer keeps its scores without the answers and the respondent, and an access
# log entry keeps what was done without who did it and from where.
ALLOWED_DISPOSALS: dict[str, list[str]] = {
    RecordType.SCREENING: [Disposal.DELETE],
    RecordType.CONCERN: [Disposal.DELETE],
    RecordType.CASE: [Disposal.DELETE],
    RecordType.SDQ: [Disposal.DELETE, Disposal.ANONYMISE],
    RecordType.CONSENT: [Disposal.DELETE],
    RecordType.PARENT_NOTICE: [Disposal.DELETE],
    RecordType.CHILD: [Disposal.DELETE],
    RecordType.ACCESS_LOG: [Disposal.DELETE, Disposal.ANONYMISE],
}

# Why an expired record was kept (RetentionRun.kept), as the screen and the command say it.
KEPT_REASONS: dict[str, str] = {
    "held": "holdt til arkivaflevering",
    "open_case": "hører til et åbent forløb",
    "records": "barnet har stadig forløb, bekymringer eller trivselsvurderinger i Spor",
    "assessments": "rundens trivselsvurderinger er ikke slettet endnu",
}

# Record types that carry a KLE emnenummer (an SDQ answer through its case).
KLE_TYPES: set[str] = {RecordType.CASE, RecordType.SDQ}

MAX_MONTHS = 1200

# The access log is kept at least this long, whatever a municipality's rule says: the rule
# form and the service refuse less, and the retention job never disposes of a younger entry
# even if a shorter rule got into the database some other way. Two years is the limitation
# period of the offences a misuse of access would be (docs/retention.md, "Legal basis"). The
# database's disposal function holds the same floor by its own clock (spor.tenancy.rls).
ACCESS_LOG_MIN_MONTHS = ACCESS_LOG_FLOOR_MONTHS


class RetentionRule(TenantModel):
    """Keep records of ``record_type`` (with ``kle_number``, or any when blank) for
    ``months`` after their reference date, then dispose of them as ``disposal`` says. A rule
    for one KLE number wins over the blank one of the same type."""

    record_type = models.CharField("slags", max_length=20, choices=RecordType.choices)
    kle_number = models.CharField(
        "KLE-emnenummer", max_length=8, blank=True, help_text="Tom: alle emnenumre."
    )
    months = models.PositiveIntegerField("opbevares (måneder)")
    disposal = models.CharField("derefter", max_length=12, choices=Disposal.choices)
    updated_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ændret af",
    )
    updated_at = models.DateTimeField("ændret", default=timezone.now)

    class Meta:
        verbose_name = "sletteregel"
        verbose_name_plural = "sletteregler"
        ordering = ["record_type", "kle_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "record_type", "kle_number"],
                name="retention_rule_one_per_type_and_kle",
            ),
            models.CheckConstraint(
                condition=Q(months__gte=1) & Q(months__lte=MAX_MONTHS),
                name="retention_rule_months_range",
            ),
        ]

    def __str__(self) -> str:
        kle = self.kle_number or "alle"
        return f"{self.get_record_type_display()} (KLE {kle}): {self.months} mdr."


class ArchiveHold(TenantModel):
    """A case kept back for an archive delivery until the archive has received it. While the
    hold is not released, neither the case nor anything of it is disposed of (and the
    database refuses to delete a case that has a hold)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="archive_holds", verbose_name="forløb"
    )
    reference = models.CharField(
        "arkivaflevering", max_length=200, help_text="Fx »Aflevering 2027 til Stadsarkivet«."
    )
    created_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="oprettet af",
    )
    created_at = models.DateTimeField("oprettet", default=timezone.now)
    released_at = models.DateTimeField("frigivet", null=True, blank=True)

    class Meta:
        verbose_name = "arkivhold"
        verbose_name_plural = "arkivhold"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "case"],
                condition=Q(released_at__isnull=True),
                name="archive_hold_one_active_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"Arkivhold {self.pk} for forløb {self.case_id}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class RetentionRun(TenantModel):
    """One run of the retention job for one municipality. ``counts`` is a list of
    ``{"record_type", "rule_id", "kle_number", "months", "disposal", "count"}`` and ``kept``
    ``{"record_type": {"held": n, "open_case": n}}``: numbers only, never what was disposed."""

    started_at = models.DateTimeField("startet", default=timezone.now)
    finished_at = models.DateTimeField("færdig", null=True, blank=True)
    dry_run = models.BooleanField("prøvekørsel", default=False)
    reference_day = models.DateField("skæringsdag")
    counts = models.JSONField("antal pr. slags og regel", default=list)
    kept = models.JSONField("beholdt trods udløb", default=dict)

    class Meta:
        verbose_name = "sletning"
        verbose_name_plural = "sletninger"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Sletning {self.pk} ({self.reference_day})"

    @property
    def total(self) -> int:
        return sum(int(row.get("count", 0)) for row in self.counts)


class ArchiveExport(TenantModel):
    """One archive export: the period, how many cases, whether CPR numbers were included,
    and the SHA-256 of the zip, so the archive can check what it received."""

    created_at = models.DateTimeField("dannet", default=timezone.now)
    created_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="dannet af",
    )
    closed_from = models.DateField("afsluttet fra")
    closed_to = models.DateField("afsluttet til")
    case_count = models.PositiveIntegerField("forløb")
    with_cpr = models.BooleanField("med CPR-numre", default=False)
    sha256 = models.CharField("SHA-256", max_length=64)

    class Meta:
        verbose_name = "arkiveksport"
        verbose_name_plural = "arkiveksporter"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Arkiveksport {self.pk} ({self.closed_from}–{self.closed_to})"
