from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from spor import cpr
from spor.registry import cpr_vault
from spor.tenancy.models import TenantModel


class Institution(TenantModel):
    class Kind(models.TextChoices):
        DAGPLEJE = "dagpleje", "Dagpleje"
        VUGGESTUE = "vuggestue", "Vuggestue"
        BOERNEHAVE = "boernehave", "Børnehave"
        INTEGRERET = "integreret", "Integreret institution"
        SKOLE = "skole", "Skole"
        SFO = "sfo", "SFO/fritidsordning"
        SPECIALTILBUD = "specialtilbud", "Specialtilbud"

    DAYCARE_KINDS = frozenset({Kind.DAGPLEJE, Kind.VUGGESTUE, Kind.BOERNEHAVE, Kind.INTEGRERET})

    name = models.CharField("navn", max_length=150)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name = "institution"
        verbose_name_plural = "institutioner"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="institution_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_daycare(self) -> bool:
        return self.kind in self.DAYCARE_KINDS


class Group(TenantModel):
    """A stue or a klasse, for one school year (the year it starts: 2026 = 2026/27)."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField("navn", max_length=100)
    school_year = models.PositiveSmallIntegerField("skoleår (startår)")
    grade = models.PositiveSmallIntegerField("klassetrin", null=True, blank=True)

    class Meta:
        verbose_name = "gruppe"
        verbose_name_plural = "grupper"
        ordering = ["institution__name", "-school_year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "institution", "name", "school_year"],
                name="group_name_year_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.school_year_label})"

    @property
    def school_year_label(self) -> str:
        return f"{self.school_year}/{(self.school_year + 1) % 100:02d}"


class Child(TenantModel):
    class Sex(models.TextChoices):
        GIRL = "pige", "Pige"
        BOY = "dreng", "Dreng"

    first_name = models.CharField("fornavn", max_length=100)
    last_name = models.CharField("efternavn", max_length=100)
    birth_date = models.DateField("fødselsdato")
    sex = models.CharField("køn", max_length=5, choices=Sex.choices)
    cpr_encrypted = models.TextField("CPR (krypteret)", editable=False)
    cpr_hash = models.CharField("CPR-opslagsnøgle", max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "barn"
        verbose_name_plural = "børn"
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "cpr_hash"], name="child_cpr_unique")
        ]
        indexes = [models.Index(fields=["municipality", "last_name", "first_name"])]

    def __str__(self) -> str:
        # Deliberately no CPR: str() ends up in logs, admin history and error pages.
        return f"{self.first_name} {self.last_name}"

    def set_cpr(self, value: str) -> None:
        digits = cpr.normalize(value)
        [(self.cpr_encrypted, self.cpr_hash, self.birth_date, self.sex)] = self.cpr_columns(
            [digits]
        )

    @classmethod
    def cpr_columns(
        cls, numbers: list[str], hashes: list[str] | None = None
    ) -> list[tuple[str, str, dt.date, str]]:
        """What each CPR number (ten digits, normalised: :func:`spor.cpr.normalize`) is stored
        as: (``cpr_encrypted``, ``cpr_hash``, ``birth_date``, ``sex``). For :meth:`set_cpr` and
        for the import, which writes tens of thousands of rows without instances and has
        the look-up hashes already (``hashes``: :func:`cpr_vault.lookup_hashes` of them)."""
        encrypted = cpr_vault.encrypt_many(numbers)
        if hashes is None:
            hashes = cpr_vault.lookup_hashes(numbers)
        boy, girl = cls.Sex.BOY.value, cls.Sex.GIRL.value
        # The birth date is in the first seven digits; thousands of children share each.
        born: dict[str, dt.date] = {}
        for d in numbers:
            if d[:7] not in born:
                born[d[:7]] = cpr.birth_date(d)
        return [
            # The last digit is odd for boys and even for girls.
            (e, h, born[d[:7]], boy if d[-1] in "13579" else girl)
            for d, e, h in zip(numbers, encrypted, hashes, strict=True)
        ]

    def cpr_digits(self) -> str:
        return cpr_vault.decrypt(self.cpr_encrypted)

    @property
    def cpr_masked(self) -> str:
        return f"{self.birth_date:%d%m%y}-xxxx"

    def age_on(self, day: dt.date | None = None) -> int:
        day = day or timezone.localdate()
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Enrolment(TenantModel):
    """A child in a group from ``start`` to ``end`` (open while ``end`` is empty)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="enrolments")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="enrolments")
    start = models.DateField("fra")
    end = models.DateField("til", null=True, blank=True)

    class Meta:
        verbose_name = "indskrivning"
        verbose_name_plural = "indskrivninger"
        ordering = ["child", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "child", "group", "start"], name="enrolment_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="enrolment_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "group", "end"]),
            # The transitions page reads a window's moves newest first, a page at a time
            # from a key (start, id): along this index, not by sorting the window; with the
            # child in it, telling a move from a first enrolment needs no table read.
            models.Index(
                fields=["municipality", "start", "id", "child"], name="enrolment_muni_start_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child} i {self.group}"

    def is_current(self, day: dt.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.start <= day and (self.end is None or self.end >= day)
