"""Writes to the registry. Each service takes the acting :class:`Actor`, works only in the
actor's municipality, and writes the access log in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from spor.accounts.access import Actor
from spor.audit.models import Action, Purpose
from spor.audit.services import access_log_record
from spor.lib.context import RequestContext
from spor.registry import cpr_vault
from spor.registry.importing import ImportRow, fold_name
from spor.registry.models import Child, Enrolment, Group, Institution

_CHUNK = 2000


@dataclass
class ImportResult:
    """What an import did, counted per kind of record."""

    children_created: int = 0
    children_updated: int = 0
    children_unchanged: int = 0
    institutions_created: int = 0
    institutions_updated: int = 0
    groups_created: int = 0
    groups_updated: int = 0
    enrolments_created: int = 0
    enrolments_updated: int = 0
    enrolments_unchanged: int = 0
    rows: int = 0

    def lines(self) -> list[str]:
        """The summary in Danish, one line per kind of record."""
        return [
            f"Børn: {self.children_created} oprettet, {self.children_updated} opdateret, "
            f"{self.children_unchanged} uændret",
            f"Institutioner: {self.institutions_created} oprettet, "
            f"{self.institutions_updated} opdateret",
            f"Grupper: {self.groups_created} oprettet, {self.groups_updated} opdateret",
            f"Indskrivninger: {self.enrolments_created} oprettet, "
            f"{self.enrolments_updated} opdateret, {self.enrolments_unchanged} uændret",
        ]


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@transaction.atomic
def children_import(
    *, actor: Actor, rows: Sequence[ImportRow], context: RequestContext | None = None
) -> ImportResult:
    """Save validated rows (from :func:`spor.registry.importing.parse_file`) in the actor's
    municipality: institutions and groups by name, children matched on the CPR hash (names
    updated), enrolments matched on child, group and start (end date updated). Running
    the same file again changes nothing. Every child touched is written to the access log.

    Only a PPR-leder imports. All or nothing: any error rolls the whole import back.
    """
    if not actor.is_lead:
        raise PermissionDenied("Kun PPR-lederen kan importere.")
    municipality_id = actor.municipality_id
    result = ImportResult(rows=len(rows))
    now = timezone.now()

    # Institutions, by name (case and spacing do not matter).
    institutions: dict[str, Institution] = {}
    for known in Institution.objects.filter(municipality_id=municipality_id).order_by("pk"):
        institutions.setdefault(fold_name(known.name), known)
    for row in rows:
        key = row.institution_key
        inst = institutions.get(key)
        if inst is None:
            inst = Institution.objects.create(
                municipality_id=municipality_id, name=row.institution, kind=row.institution_kind
            )
            institutions[key] = inst
            result.institutions_created += 1
        elif inst.kind != row.institution_kind:
            inst.kind = row.institution_kind
            inst.save(update_fields=["kind"])
            result.institutions_updated += 1

    # Groups, by institution, name and school year.
    groups: dict[tuple[str, str, int], Group] = {}
    by_institution_pk = {inst.pk: key for key, inst in institutions.items()}
    for known_group in Group.objects.filter(municipality_id=municipality_id).order_by("pk"):
        inst_key = by_institution_pk.get(known_group.institution_id)
        if inst_key is not None:
            groups.setdefault(
                (inst_key, fold_name(known_group.name), known_group.school_year), known_group
            )
    for row in rows:
        key3 = row.group_key
        group = groups.get(key3)
        if group is None:
            group = Group.objects.create(
                municipality_id=municipality_id,
                institution=institutions[row.institution_key],
                name=row.group,
                school_year=row.school_year,
                grade=row.grade,
            )
            groups[key3] = group
            result.groups_created += 1
        elif group.grade != row.grade and row.grade is not None:
            group.grade = row.grade
            group.save(update_fields=["grade"])
            result.groups_updated += 1

    # Children, matched on the keyed CPR hash: one query per 2000 numbers, not one per row.
    hash_of = {row.cpr: cpr_vault.lookup_hash(row.cpr) for row in rows}
    children: dict[str, Child] = {}
    for part in _chunks(list(set(hash_of.values()))):
        for known_child in Child.objects.filter(municipality_id=municipality_id, cpr_hash__in=part):
            children[known_child.cpr_hash] = known_child
    created: list[Child] = []
    renamed: list[Child] = []
    first_row_of: dict[str, ImportRow] = {}
    for row in rows:
        first_row_of.setdefault(hash_of[row.cpr], row)
    for cpr_hash, row in first_row_of.items():
        child = children.get(cpr_hash)
        if child is None:
            child = Child(
                municipality_id=municipality_id,
                first_name=row.first_name,
                last_name=row.last_name,
            )
            child.set_cpr(row.cpr)
            created.append(child)
            children[cpr_hash] = child
        elif (child.first_name, child.last_name) != (row.first_name, row.last_name):
            child.first_name, child.last_name = row.first_name, row.last_name
            child.updated_at = now
            renamed.append(child)
    Child.objects.bulk_create(created, batch_size=500)
    if any(c.pk is None for c in created):  # pragma: no cover - old SQLite without RETURNING
        fetched = Child.objects.filter(
            municipality_id=municipality_id, cpr_hash__in=[c.cpr_hash for c in created]
        )
        children.update({c.cpr_hash: c for c in fetched})
    Child.objects.bulk_update(renamed, ["first_name", "last_name", "updated_at"], batch_size=500)

    # Enrolments, matched on child, group and start; the end date is updated.
    child_ids = [c.pk for c in children.values()]
    existing: dict[tuple[int, int, object], Enrolment] = {}
    for i in range(0, len(child_ids), _CHUNK):
        for known_enrolment in Enrolment.objects.filter(
            municipality_id=municipality_id, child_id__in=child_ids[i : i + _CHUNK]
        ):
            key4 = (known_enrolment.child_id, known_enrolment.group_id, known_enrolment.start)
            existing[key4] = known_enrolment
    new_enrolments: list[Enrolment] = []
    changed_enrolments: list[Enrolment] = []
    changed_child_ids: set[int] = {c.pk for c in renamed}
    for row in rows:
        child = children[hash_of[row.cpr]]
        group = groups[row.group_key]
        enrolment_key = (child.pk, group.pk, row.start)
        enrolment = existing.get(enrolment_key)
        if enrolment is None:
            enrolment = Enrolment(
                municipality_id=municipality_id,
                child=child,
                group=group,
                start=row.start,
                end=row.end,
            )
            new_enrolments.append(enrolment)
            existing[enrolment_key] = enrolment
            changed_child_ids.add(child.pk)
        elif enrolment.end != row.end:
            enrolment.end = row.end
            changed_enrolments.append(enrolment)
            changed_child_ids.add(child.pk)
        else:
            result.enrolments_unchanged += 1
    Enrolment.objects.bulk_create(new_enrolments, batch_size=500)
    Enrolment.objects.bulk_update(changed_enrolments, ["end"], batch_size=500)
    result.enrolments_created = len(new_enrolments)
    result.enrolments_updated = len(changed_enrolments)

    # The access log: one entry per child, saying what the import did to it.
    created_ids = {c.pk for c in created}
    changed_ids = changed_child_ids - created_ids
    unchanged_ids = {c.pk for c in children.values()} - created_ids - changed_ids
    result.children_created = len(created_ids)
    result.children_updated = len(changed_ids)
    result.children_unchanged = len(unchanged_ids)
    for ids, action, what in (
        (created_ids, Action.CREATE, "Import: barnet oprettet"),
        (changed_ids, Action.CHANGE, "Import: navn eller indskrivning ændret"),
        (unchanged_ids, Action.IMPORT, "Import: barnet indlæst, intet ændret"),
    ):
        if ids:
            access_log_record(
                actor=actor,
                child_ids=sorted(ids),
                action=action,
                purpose=Purpose.DATA_ADMIN,
                what=what,
                context=context,
            )
    return result
