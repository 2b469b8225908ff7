"""Writes of the archive app: the lead's retention rules and archive holds, and the
retention job that disposes of what has expired.

The job never touches a case that is open or held for an archive delivery, nor anything that
belongs to such a case (its SDQ answers, the concern and the screening assessment it came
from, the consents and the access log of its child). A child's own record (name, encrypted
CPR number, enrolments) goes last, once nothing else about the child is left. The access
log is never disposed of younger than :data:`ACCESS_LOG_MIN_MONTHS`, whatever the rule says.
It records counts only (:class:`RetentionRun`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from spor.accounts.access import Actor
from spor.archive.models import (
    ACCESS_LOG_MIN_MONTHS,
    ALLOWED_DISPOSALS,
    KLE_TYPES,
    MAX_MONTHS,
    ArchiveHold,
    Disposal,
    RecordType,
    RetentionRule,
    RetentionRun,
)
from spor.archive.periods import months_before
from spor.audit.models import AccessLogEntry
from spor.cases import kle
from spor.cases.models import Case, Status
from spor.concerns.models import OPEN_STATES, Concern, State
from spor.evaluation.web.services import outcome_cells_mark_stale
from spor.lib.forms import raise_errors
from spor.measurement.models import MeasurementRequest, Response
from spor.registry.models import Child, Enrolment
from spor.screening.models import Assessment, Consent, ParentNotice
from spor.tenancy import rls

MSG_LEAD_ONLY = "Kun PPR-lederen kan ændre kommunens sletteregler og arkivhold."
MSG_RECORD_TYPE = "Vælg, hvilken slags oplysninger reglen gælder."
MSG_MONTHS = f"Skriv opbevaringsperioden som et helt antal måneder fra 1 til {MAX_MONTHS}."
MSG_DISPOSAL = "Vælg, om oplysningerne slettes eller anonymiseres, når perioden er udløbet."
MSG_ACCESS_LOG_FLOOR = (
    f"Adgangsloggen skal opbevares i mindst {ACCESS_LOG_MIN_MONTHS} måneder, så misbrug af "
    "adgangen til børnenes oplysninger kan opklares og forfølges."
)
MSG_DISPOSAL_NOT_ALLOWED = "{what} kan kun {allowed}."
MSG_KLE_NOT_FOR_TYPE = (
    "{what} har intet KLE-emnenummer. Lad feltet være tomt, så gælder reglen alle."
)
MSG_HOLD_CASE = "Forløbet findes ikke i din kommune."
MSG_HOLD_REFERENCE = "Skriv, hvilken arkivaflevering forløbet holdes til."
MSG_HOLD_EXISTS = "Forløbet er allerede holdt til en arkivaflevering."
MSG_HOLD_RELEASED = "Arkivholdet er allerede frigivet."

# On PostgreSQL the app role may only insert into and read the access log; expired entries
# are deleted or anonymised by this owner-owned SECURITY DEFINER function (spor.tenancy
# migration 0002, docs/retention.md), for the municipality the transaction is set to only.
ACCESS_LOG_DISPOSAL = "spor_access_log_dispose"

# Suggested periods (docs/retention.md). Not in force until the lead applies them.
DEFAULT_RULES: list[tuple[str, int, str]] = [
    (RecordType.SCREENING, 36, Disposal.DELETE),
    (RecordType.CONCERN, 24, Disposal.DELETE),
    (RecordType.CASE, 60, Disposal.DELETE),
    (RecordType.SDQ, 60, Disposal.ANONYMISE),
    (RecordType.CONSENT, 36, Disposal.DELETE),
    (RecordType.PARENT_NOTICE, 36, Disposal.DELETE),
    (RecordType.CHILD, 36, Disposal.DELETE),
    (RecordType.ACCESS_LOG, 60, Disposal.DELETE),
]

CHUNK = 500


def _lead(actor: Actor) -> None:
    if not actor.is_lead:
        raise PermissionDenied(MSG_LEAD_ONLY)


# --------------------------------------------------------------------------- rules


def check_rule(*, record_type: str, kle_number: str, months: Any, disposal: str) -> dict[str, str]:
    """Danish messages for what is wrong with a rule, by field; empty when it is right."""
    errors: dict[str, str] = {}
    if record_type not in RecordType.values:
        errors["record_type"] = MSG_RECORD_TYPE
        return errors
    what = RecordType(record_type).label
    if kle_number:
        if record_type not in KLE_TYPES:
            errors["kle_number"] = MSG_KLE_NOT_FOR_TYPE.format(what=what)
        else:
            try:
                kle.check(kle_number)
            except kle.KLEError as exc:
                errors["kle_number"] = str(exc)
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= MAX_MONTHS:
        errors["months"] = MSG_MONTHS
    elif record_type == RecordType.ACCESS_LOG and months < ACCESS_LOG_MIN_MONTHS:
        errors["months"] = MSG_ACCESS_LOG_FLOOR
    if disposal not in Disposal.values:
        errors["disposal"] = MSG_DISPOSAL
    elif disposal not in ALLOWED_DISPOSALS[record_type]:
        allowed = " eller ".join(Disposal(d).label.lower() for d in ALLOWED_DISPOSALS[record_type])
        errors["disposal"] = MSG_DISPOSAL_NOT_ALLOWED.format(what=what, allowed=allowed)
    return errors


@transaction.atomic
def retention_rule_set(
    *, actor: Actor, record_type: str, kle_number: str = "", months: int, disposal: str
) -> RetentionRule:
    """Create or change the municipality's rule for ``record_type`` and ``kle_number``."""
    _lead(actor)
    kle_number = (kle_number or "").strip()
    raise_errors(
        check_rule(record_type=record_type, kle_number=kle_number, months=months, disposal=disposal)
    )
    rule, _ = RetentionRule.objects.update_or_create(
        municipality_id=actor.municipality_id,
        record_type=record_type,
        kle_number=kle_number,
        defaults={
            "months": months,
            "disposal": disposal,
            "updated_by": actor.membership,
            "updated_at": timezone.now(),
        },
    )
    return rule


@transaction.atomic
def retention_rule_delete(*, actor: Actor, rule: RetentionRule) -> None:
    _lead(actor)
    if rule.municipality_id != actor.municipality_id:
        raise PermissionDenied(MSG_LEAD_ONLY)
    rule.delete()


@transaction.atomic
def retention_rules_apply_defaults(*, actor: Actor) -> int:
    """Put the suggested periods in force for the record types that have no general rule
    yet; rules the lead has set are left alone. Returns how many rules were added."""
    _lead(actor)
    have = set(
        RetentionRule.objects.filter(
            municipality_id=actor.municipality_id, kle_number=""
        ).values_list("record_type", flat=True)
    )
    added = 0
    for record_type, months, disposal in DEFAULT_RULES:
        if record_type not in have:
            retention_rule_set(
                actor=actor, record_type=record_type, months=months, disposal=disposal
            )
            added += 1
    return added


# --------------------------------------------------------------------------- holds


@transaction.atomic
def archive_hold_add(*, actor: Actor, case_id: int, reference: str) -> ArchiveHold:
    _lead(actor)
    errors: dict[str, str] = {}
    case = Case.objects.filter(municipality_id=actor.municipality_id, pk=case_id).first()
    if case is None:
        errors["case_id"] = MSG_HOLD_CASE
    elif ArchiveHold.objects.filter(
        municipality_id=actor.municipality_id, case=case, released_at__isnull=True
    ).exists():
        errors["case_id"] = MSG_HOLD_EXISTS
    if not reference.strip():
        errors["reference"] = MSG_HOLD_REFERENCE
    raise_errors(errors)
    assert case is not None  # raise_errors has refused a missing case
    return ArchiveHold.objects.create(
        municipality_id=actor.municipality_id,
        case=case,
        reference=reference.strip(),
        created_by=actor.membership,
    )


def archive_holds_add_for_export(
    *, municipality_id: int, case_ids: Iterable[int], reference: str, actor: Actor | None = None
) -> int:
    """Hold every exported case that is not held already (in the caller's transaction)."""
    held = set(
        ArchiveHold.objects.filter(
            municipality_id=municipality_id, released_at__isnull=True
        ).values_list("case_id", flat=True)
    )
    new = [
        ArchiveHold(
            municipality_id=municipality_id,
            case_id=case_id,
            reference=reference,
            created_by=actor.membership if actor is not None else None,
        )
        for case_id in case_ids
        if case_id not in held
    ]
    ArchiveHold.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def archive_hold_release(*, actor: Actor, hold: ArchiveHold) -> ArchiveHold:
    _lead(actor)
    if hold.municipality_id != actor.municipality_id:
        raise PermissionDenied(MSG_LEAD_ONLY)
    if hold.released_at is not None:
        raise ValidationError(MSG_HOLD_RELEASED)
    hold.released_at = timezone.now()
    hold.save(update_fields=["released_at"])
    return hold


# --------------------------------------------------------------------------- the job


@dataclass
class _Tally:
    counts: list[dict[str, Any]] = field(default_factory=list)
    kept: dict[str, dict[str, int]] = field(default_factory=dict)
    # Disposed of in this run (in a dry run: would be). What belongs to a case went with it;
    # a child goes only when none of its cases, concerns and assessments is left.
    cases_gone: set[int] = field(default_factory=set)
    concerns_gone: set[int] = field(default_factory=set)
    assessments_gone: set[int] = field(default_factory=set)

    def add(self, rule: RetentionRule, count: int, months: int | None = None) -> None:
        if count:
            self.counts.append(
                {
                    "record_type": rule.record_type,
                    "rule_id": rule.pk,
                    "kle_number": rule.kle_number,
                    "months": months or rule.months,
                    "disposal": rule.disposal,
                    "count": count,
                }
            )

    def keep(self, record_type: str, why: str, count: int) -> None:
        if count:
            slot = self.kept.setdefault(record_type, {})
            slot[why] = slot.get(why, 0) + count


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _start_of_day_after(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in Spor's time zone: ``at < this`` is "on or before"."""
    nxt = day + dt.timedelta(days=1)
    return dt.datetime.combine(nxt, dt.time.min, tzinfo=timezone.get_current_timezone())


def _by_kle(rules: list[RetentionRule]) -> tuple[list[RetentionRule], RetentionRule | None]:
    specific = [r for r in rules if r.kle_number]
    general = next((r for r in rules if not r.kle_number), None)
    return specific, general


def _kle_scoped(
    qs: QuerySet[Any], path: str, rule: RetentionRule, specific: list[RetentionRule]
) -> QuerySet[Any]:
    """Rows a rule governs: its own KLE number, or (the general rule) every number that has
    no rule of its own."""
    if rule.kle_number:
        return qs.filter(**{path: rule.kle_number})
    return qs.exclude(**{f"{path}__in": [r.kle_number for r in specific]})


def _delete_cases(ids: list[int]) -> None:
    for chunk in _chunks(ids):
        # A response protects its request; both go before the deliveries cascade.
        Response.objects.filter(delivery__case_id__in=chunk).delete()
        MeasurementRequest.objects.filter(delivery__case_id__in=chunk).delete()
        ArchiveHold.objects.filter(case_id__in=chunk, released_at__isnull=False).delete()
        Case.objects.filter(pk__in=chunk).delete()


def _cases(
    m: int,
    rules: list[RetentionRule],
    today: dt.date,
    protected: set[int],
    held: set[int],
    tally: _Tally,
    dry_run: bool,
) -> None:
    specific, general = _by_kle(rules)
    for rule in [*specific, *([general] if general else [])]:
        due = _kle_scoped(
            Case.objects.filter(
                municipality_id=m,
                status=Status.CLOSED,
                closed_on__lte=months_before(today, rule.months),
            ),
            "kle_number",
            rule,
            specific,
        )
        ids = list(due.values_list("pk", flat=True))
        tally.keep(RecordType.CASE, "held", sum(1 for i in ids if i in held))
        ids = [i for i in ids if i not in protected]
        tally.cases_gone.update(ids)
        if not dry_run:
            _delete_cases(ids)
        tally.add(rule, len(ids))


def _sdq(
    m: int,
    rules: list[RetentionRule],
    today: dt.date,
    protected: set[int],
    held: set[int],
    tally: _Tally,
    dry_run: bool,
) -> None:
    specific, general = _by_kle(rules)
    for rule in [*specific, *([general] if general else [])]:
        qs = _kle_scoped(
            Response.objects.filter(
                municipality_id=m,
                answered_at__lt=_start_of_day_after(months_before(today, rule.months)),
            ),
            "delivery__case__kle_number",
            rule,
            specific,
        )
        if rule.disposal == Disposal.ANONYMISE:
            qs = qs.exclude(answers={}, impact={}, respondent_name="")
        rows = list(qs.values_list("pk", "request_id", "delivery__case_id"))
        tally.keep(RecordType.SDQ, "held", sum(1 for r in rows if r[2] in held))
        tally.keep(RecordType.SDQ, "open_case", sum(1 for r in rows if r[2] in protected - held))
        rows = [r for r in rows if r[2] not in protected and r[2] not in tally.cases_gone]
        if not dry_run:
            ids = [r[0] for r in rows]
            request_ids = [r[1] for r in rows if r[1] is not None]
            for chunk in _chunks(ids):
                if rule.disposal == Disposal.DELETE:
                    Response.objects.filter(pk__in=chunk).delete()
                else:
                    Response.objects.filter(pk__in=chunk).update(
                        answers={}, impact={}, respondent_name=""
                    )
            for chunk in _chunks(request_ids):
                requests = MeasurementRequest.objects.filter(pk__in=chunk)
                if rule.disposal == Disposal.DELETE:
                    requests.delete()
                else:
                    requests.update(recipient_name="", recipient_email="")
        tally.add(rule, len(rows))


def _concerns(
    m: int, rule: RetentionRule, today: dt.date, protected: set[int], tally: _Tally, dry_run: bool
) -> None:
    kept_ids = set(
        Case.objects.filter(pk__in=protected, source_concern__isnull=False).values_list(
            "source_concern_id", flat=True
        )
    )
    ids = list(
        Concern.objects.filter(
            municipality_id=m,
            state=State.CLOSED,
            closed_at__lt=_start_of_day_after(months_before(today, rule.months)),
        ).values_list("pk", flat=True)
    )
    tally.keep(RecordType.CONCERN, "open_case", sum(1 for i in ids if i in kept_ids))
    ids = [i for i in ids if i not in kept_ids]
    tally.concerns_gone.update(ids)
    if not dry_run:
        for chunk in _chunks(ids):
            Concern.objects.filter(pk__in=chunk).delete()
    tally.add(rule, len(ids))


def _screenings(
    m: int, rule: RetentionRule, today: dt.date, protected: set[int], tally: _Tally, dry_run: bool
) -> None:
    # The assessment a kept case or an open concern came from stays with it.
    kept_ids = set(
        Case.objects.filter(pk__in=protected, source_assessment_id__isnull=False).values_list(
            "source_assessment_id", flat=True
        )
    ) | set(
        Concern.objects.filter(
            municipality_id=m, state__in=OPEN_STATES, source_assessment_id__isnull=False
        ).values_list("source_assessment_id", flat=True)
    )
    ids = list(
        Assessment.objects.filter(
            municipality_id=m, round__ends__lte=months_before(today, rule.months)
        ).values_list("pk", flat=True)
    )
    tally.keep(RecordType.SCREENING, "open_case", sum(1 for i in ids if i in kept_ids))
    ids = [i for i in ids if i not in kept_ids]
    tally.assessments_gone.update(ids)
    if not dry_run:
        for chunk in _chunks(ids):
            Assessment.objects.filter(pk__in=chunk).delete()
    tally.add(rule, len(ids))


def _children_of(protected: set[int]) -> set[int]:
    return set(
        Case.objects.filter(pk__in=protected, child__isnull=False).values_list(
            "child_id", flat=True
        )
    )


def _consents(
    m: int, rule: RetentionRule, today: dt.date, protected: set[int], tally: _Tally, dry_run: bool
) -> None:
    """Consents and legal bases that stopped applying (revoked, or past their end date)
    ``rule.months`` ago. One that is still in force has not expired: it goes with its child."""
    cutoff = months_before(today, rule.months)
    rows = list(
        Consent.objects.filter(municipality_id=m)
        .filter(Q(revoked_on__lte=cutoff) | Q(valid_to__lte=cutoff))
        .values_list("pk", "child_id")
    )
    children = _children_of(protected)
    tally.keep(RecordType.CONSENT, "open_case", sum(1 for r in rows if r[1] in children))
    ids = [r[0] for r in rows if r[1] not in children]
    if not dry_run:
        for chunk in _chunks(ids):
            Consent.objects.filter(pk__in=chunk).delete()
    tally.add(rule, len(ids))


def _parent_notices(
    m: int, rule: RetentionRule, today: dt.date, protected: set[int], tally: _Tally, dry_run: bool
) -> None:
    """The record that parents were told about a round, ``rule.months`` after the round's end;
    kept while any assessment of the round is kept (it documents their lawful basis)."""
    rows = list(
        ParentNotice.objects.filter(
            municipality_id=m, round__ends__lte=months_before(today, rule.months)
        ).values_list("pk", "round_id")
    )
    rounds = {r[1] for r in rows}
    kept_rounds = {
        round_id
        for pk, round_id in Assessment.objects.filter(
            municipality_id=m, round_id__in=rounds
        ).values_list("pk", "round_id")
        if pk not in tally.assessments_gone
    }
    tally.keep(RecordType.PARENT_NOTICE, "assessments", sum(1 for r in rows if r[1] in kept_rounds))
    ids = [r[0] for r in rows if r[1] not in kept_rounds]
    if not dry_run:
        for chunk in _chunks(ids):
            ParentNotice.objects.filter(pk__in=chunk).delete()
    tally.add(rule, len(ids))


def _children(
    m: int, rule: RetentionRule, today: dt.date, protected: set[int], tally: _Tally, dry_run: bool
) -> None:
    """A child's own record (name, encrypted CPR number, enrolments, and the consents still on
    it) ``rule.months`` after the child's last enrolment ended (or, with no enrolment, after the
    record was made), once none of the child's cases, concerns and assessments is left: those
    go by their own rules first. The access log about the child is not touched (it has its
    own rule and floor)."""
    cutoff = months_before(today, rule.months)
    enrolled = Enrolment.objects.filter(municipality_id=m).filter(
        Q(end__isnull=True) | Q(end__gt=cutoff)
    )
    candidates = list(
        Child.objects.filter(municipality_id=m, created_at__lt=_start_of_day_after(cutoff))
        .exclude(pk__in=enrolled.values("child_id"))
        .values_list("pk", flat=True)
    )
    blocked: set[int] = set()
    for chunk in _chunks(candidates):
        for model, gone in (
            (Case, tally.cases_gone),
            (Concern, tally.concerns_gone),
            (Assessment, tally.assessments_gone),
        ):
            rows = model.objects.filter(municipality_id=m, child_id__in=chunk).values_list(
                "pk", "child_id"
            )
            blocked.update(child for pk, child in rows if pk not in gone)
    tally.keep(RecordType.CHILD, "records", len(blocked))
    ids = [c for c in candidates if c not in blocked]
    if not dry_run:
        for chunk in _chunks(ids):
            Child.objects.filter(pk__in=chunk).delete()
    tally.add(rule, len(ids))


def _dispose_of_access_log(
    m: int, before: dt.datetime, *, anonymise: bool, keep_children: set[int]
) -> int:
    """Delete (or anonymise) the municipality's entries from before ``before``, except those
    of ``keep_children``. On PostgreSQL only the owner's function may; on SQLite the ORM."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {ACCESS_LOG_DISPOSAL}(%s, %s, %s, %s)",
                [m, before, anonymise, sorted(keep_children)],
            )
            return int(cursor.fetchone()[0])
    qs = AccessLogEntry.objects.filter(municipality_id=m, at__lt=before).exclude(
        child_id__in=keep_children
    )
    if anonymise:
        return qs.filter(
            Q(actor__isnull=False) | ~Q(actor_role="") | Q(source__isnull=False)
        ).update(actor=None, actor_role="", source=None)
    # QuerySet.delete, not the model's delete(), which refuses on purpose.
    return int(qs.delete()[0])


def _access_log(
    m: int, rule: RetentionRule, today: dt.date, protected: set[int], tally: _Tally, dry_run: bool
) -> None:
    children = _children_of(protected)
    # The floor holds even for a rule that got into the database past check_rule.
    months = max(rule.months, ACCESS_LOG_MIN_MONTHS)
    before = _start_of_day_after(months_before(today, months))
    # And by the real date, not only the job's "today" (a --today in the future is a what-if):
    # the database's disposal function refuses anything younger in any case.
    floor = dt.datetime.combine(
        months_before(timezone.localdate(), ACCESS_LOG_MIN_MONTHS),
        dt.time.min,
        tzinfo=timezone.get_current_timezone(),
    )
    before = min(before, floor)
    qs = AccessLogEntry.objects.filter(municipality_id=m, at__lt=before)
    if rule.disposal == Disposal.ANONYMISE:
        qs = qs.filter(Q(actor__isnull=False) | ~Q(actor_role="") | Q(source__isnull=False))
    tally.keep(RecordType.ACCESS_LOG, "open_case", qs.filter(child_id__in=children).count())
    qs = qs.exclude(child_id__in=children)
    count = qs.count()
    if not dry_run and count:
        _dispose_of_access_log(
            m, before, anonymise=rule.disposal != Disposal.DELETE, keep_children=children
        )
    tally.add(rule, count, months)


@transaction.atomic
def retention_run(
    *, municipality_id: int, today: dt.date | None = None, dry_run: bool = False
) -> RetentionRun:
    """Dispose of what has expired in one municipality by its rules, all or nothing, and
    record the counts. With ``dry_run`` nothing changes but the counts are the same. The
    database sees that municipality only (the scheduled command runs without a request)."""
    with rls.tenant(municipality_id):
        return _retention_run(municipality_id, today, dry_run)


def _retention_run(municipality_id: int, today: dt.date | None, dry_run: bool) -> RetentionRun:
    today = today or timezone.localdate()
    run = RetentionRun.objects.create(
        municipality_id=municipality_id, dry_run=dry_run, reference_day=today
    )
    rules: dict[str, list[RetentionRule]] = {}
    for rule in RetentionRule.objects.filter(municipality_id=municipality_id):
        rules.setdefault(rule.record_type, []).append(rule)
    held = set(
        ArchiveHold.objects.filter(
            municipality_id=municipality_id, released_at__isnull=True
        ).values_list("case_id", flat=True)
    )
    protected = held | set(
        Case.objects.filter(municipality_id=municipality_id, status=Status.OPEN).values_list(
            "pk", flat=True
        )
    )
    tally = _Tally()
    m = municipality_id
    if rules.get(RecordType.CASE):
        _cases(m, rules[RecordType.CASE], today, protected, held, tally, dry_run)
    if rules.get(RecordType.SDQ):
        _sdq(m, rules[RecordType.SDQ], today, protected, held, tally, dry_run)
    if not dry_run and (rules.get(RecordType.CASE) or rules.get(RecordType.SDQ)):
        # Deleted in bulk (no signals): the programme's stored evaluation cells are built
        # again by their job, the figures computed from the responses until then.
        outcome_cells_mark_stale(municipality_id=m)
    # The child's own record last: it goes only when nothing else about the child is left.
    for record_type, step in (
        (RecordType.CONCERN, _concerns),
        (RecordType.SCREENING, _screenings),
        (RecordType.CONSENT, _consents),
        (RecordType.PARENT_NOTICE, _parent_notices),
        (RecordType.ACCESS_LOG, _access_log),
        (RecordType.CHILD, _children),
    ):
        general = next((r for r in rules.get(record_type, []) if not r.kle_number), None)
        if general is not None:
            step(m, general, today, protected, tally, dry_run)
    run.counts = tally.counts
    run.kept = tally.kept
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "kept", "finished_at"])
    return run
