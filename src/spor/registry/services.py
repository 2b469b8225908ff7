"""Writes to the registry. Each service takes the acting :class:`Actor`, works only in the
actor's municipality, and writes the access log in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from spor.accounts.access import Actor
from spor.audit.models import Action, Purpose
from spor.audit.services import access_log_record
from spor.lib.bulk import MANY, insert_rows, large_write
from spor.lib.context import RequestContext
from spor.lib.gcpause import gc_paused
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


@gc_paused()
@large_write()
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
    # Set-based throughout: each kind of record is read once, and what is new is written in
    # a few multi-row statements (spor.lib.bulk), not one query per row.

    # Institutions, by name (case and spacing do not matter).
    institutions: dict[str, Institution] = {}
    for known in Institution.objects.filter(municipality_id=municipality_id).order_by("pk"):
        institutions.setdefault(fold_name(known.name), known)
    new_institutions: list[Institution] = []
    kind_changed: dict[str, Institution] = {}
    # Each row's group key once (folded text; its first part is the institution's key), for
    # the institutions, the groups and the enrolments.
    group_keys = [row.group_key for row in rows]
    for row, (key, _, _) in zip(rows, group_keys, strict=True):
        inst = institutions.get(key)
        if inst is None:
            inst = Institution(
                municipality_id=municipality_id, name=row.institution, kind=row.institution_kind
            )
            institutions[key] = inst
            new_institutions.append(inst)
        elif inst.kind != row.institution_kind:
            inst.kind = row.institution_kind
            kind_changed[key] = inst
    _create(Institution, new_institutions)
    Institution.objects.bulk_update(kind_changed.values(), ["kind"])
    result.institutions_created = len(new_institutions)
    result.institutions_updated = len(kind_changed)

    # Groups, by institution, name and school year.
    groups: dict[tuple[str, str, int], Group] = {}
    by_institution_pk = {inst.pk: key for key, inst in institutions.items()}
    for known_group in Group.objects.filter(municipality_id=municipality_id).order_by("pk"):
        inst_key = by_institution_pk.get(known_group.institution_id)
        if inst_key is not None:
            groups.setdefault(
                (inst_key, fold_name(known_group.name), known_group.school_year), known_group
            )
    new_groups: list[Group] = []
    grade_changed: dict[tuple[str, str, int], Group] = {}
    for row, key3 in zip(rows, group_keys, strict=True):
        group = groups.get(key3)
        if group is None:
            group = Group(
                municipality_id=municipality_id,
                institution=institutions[key3[0]],
                name=row.group,
                school_year=row.school_year,
                grade=row.grade,
            )
            groups[key3] = group
            new_groups.append(group)
        elif group.grade != row.grade and row.grade is not None:
            group.grade = row.grade
            grade_changed[key3] = group
    _create(Group, new_groups)
    Group.objects.bulk_update(grade_changed.values(), ["grade"])
    result.groups_created = len(new_groups)
    result.groups_updated = len(grade_changed)

    # Children, matched on the keyed CPR hash: one query per 2000 numbers, not one per row.
    first_row_of: dict[str, ImportRow] = {}
    for row in rows:
        first_row_of.setdefault(row.cpr, row)
    hash_of = dict(zip(first_row_of, cpr_vault.lookup_hashes(list(first_row_of)), strict=True))
    child_pk: dict[str, int] = {}  # by CPR hash
    known_names: dict[str, tuple[str, str]] = {}
    of_municipality = Child.objects.filter(municipality_id=municipality_id)
    # A big file: the municipality's children in one read; a small one: only its numbers.
    parts = [of_municipality] if len(hash_of) > _CHUNK else [
        of_municipality.filter(cpr_hash__in=part) for part in _chunks(list(hash_of.values()))
    ]  # fmt: skip
    for query in parts:
        for pk, cpr_hash, first, last in query.values_list(
            "pk", "cpr_hash", "first_name", "last_name"
        ):
            child_pk[cpr_hash] = pk
            known_names[cpr_hash] = (first, last)
    new_rows: list[ImportRow] = []
    renamed: list[Child] = []
    for digits, row in first_row_of.items():
        cpr_hash = hash_of[digits]
        if cpr_hash not in child_pk:
            new_rows.append(row)
        elif known_names[cpr_hash] != (row.first_name, row.last_name):
            renamed.append(
                Child(
                    pk=child_pk[cpr_hash],
                    first_name=row.first_name,
                    last_name=row.last_name,
                    updated_at=now,
                )
            )
    existing_child_ids = set(child_pk.values())
    stored = Child.cpr_columns(
        [row.cpr for row in new_rows], [hash_of[row.cpr] for row in new_rows]
    )
    new_pks: list[int] = []
    with _name_search_filled_after(len(new_rows)):
        insert_rows(
            Child,
            _CHILD_COLUMNS,
            (
                (municipality_id, row.first_name, row.last_name, birth_date, sex, encrypted,
                 cpr_hash, now, now)
                for row, (encrypted, cpr_hash, birth_date, sex)
                in zip(new_rows, stored, strict=True)
            ),
            returning=new_pks,
        )  # fmt: skip
    child_pk.update(zip((s[1] for s in stored), new_pks, strict=True))
    Child.objects.bulk_update(renamed, ["first_name", "last_name", "updated_at"], batch_size=500)

    # Enrolments, matched on child, group and start; the end date is updated. A new child
    # has none yet, so only the known children's are read.
    existing: dict[tuple[int, int, object], tuple[int, object]] = {}
    known_ids = sorted(existing_child_ids)
    enrolments = Enrolment.objects.filter(municipality_id=municipality_id)
    # As for the children: a big file reads the municipality's enrolments in one query.
    enrolment_parts = [enrolments] if len(known_ids) > _CHUNK else [
        enrolments.filter(child_id__in=known_ids[i : i + _CHUNK])
        for i in range(0, len(known_ids), _CHUNK)
    ]  # fmt: skip
    for part in enrolment_parts:
        for pk, child_id, group_id, start, end in part.values_list(
            "pk", "child_id", "group_id", "start", "end"
        ):
            if child_id in existing_child_ids:
                existing[(child_id, group_id, start)] = (pk, end)
    new_enrolments: list[tuple[int, int, int, object, object]] = []
    changed_enrolments: list[Enrolment] = []
    changed_child_ids: set[int] = {c.pk for c in renamed}
    group_pk = {key: group.pk for key, group in groups.items()}
    for row, key3 in zip(rows, group_keys, strict=True):
        cid = child_pk[hash_of[row.cpr]]
        gid = group_pk[key3]
        enrolment_key = (cid, gid, row.start)
        known_enrolment = existing.get(enrolment_key)
        if known_enrolment is None:
            new_enrolments.append((municipality_id, cid, gid, row.start, row.end))
            existing[enrolment_key] = (0, row.end)
            changed_child_ids.add(cid)
        elif known_enrolment[1] != row.end:
            changed_enrolments.append(Enrolment(pk=known_enrolment[0], end=row.end))
            existing[enrolment_key] = (known_enrolment[0], row.end)
            changed_child_ids.add(cid)
        else:
            result.enrolments_unchanged += 1
    insert_rows(
        Enrolment, ("municipality_id", "child_id", "group_id", "start", "end"), new_enrolments
    )
    Enrolment.objects.bulk_update(changed_enrolments, ["end"], batch_size=500)
    result.enrolments_created = len(new_enrolments)
    result.enrolments_updated = len(changed_enrolments)

    # The access log: one entry per child, saying what the import did to it.
    all_ids = {child_pk[h] for h in hash_of.values()}
    created_ids = all_ids - existing_child_ids
    changed_ids = changed_child_ids - created_ids
    unchanged_ids = all_ids - created_ids - changed_ids
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


_CHILD_COLUMNS = (
    "municipality_id",
    "first_name",
    "last_name",
    "birth_date",
    "sex",
    "cpr_encrypted",
    "cpr_hash",
    "created_at",
    "updated_at",
)


# SQLite's name-search table and the trigger that fills it for every new child (registry
# migration 0004).
_NAME_SEARCH_TABLE = "registry_child_name"
_NAME_SEARCH_TRIGGER = "registry_child_name_insert"


@contextmanager
def _name_search_filled_after(count: int) -> Iterator[None]:
    """Around the insert of ``count`` new children: on SQLite, from :data:`MANY` rows, the
    name-search table (FTS5, migration registry 0004) gets the new children's names in one
    ``INSERT … SELECT`` after the insert, instead of from its ``AFTER INSERT`` trigger once
    per row (60,000 children: ~1.1 s of CPU through the trigger, ~0.1 s in one statement).

    The trigger is dropped and made again from its own stored SQL inside the import's
    transaction. SQLite's schema changes are transactional and it has one writer, so no
    other writer ever runs without the trigger: it commits with the import, and a failure
    rolls the drop back with everything else (the savepoint here, or the import's
    transaction). Every other writer (services, the demo, the organisation sync) goes
    through the trigger as before. PostgreSQL's name parts (migration registry 0005) are
    filled by a statement trigger: one ``INSERT … SELECT`` per insert statement already."""
    if connection.vendor != "sqlite" or count < MANY:
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
            [_NAME_SEARCH_TRIGGER],
        )
        found = cursor.fetchone()
        if found is None:  # pragma: no cover - a database without the search table
            yield
            return
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM registry_child")
        before = cursor.fetchone()[0]
        cursor.execute(f"DROP TRIGGER {_NAME_SEARCH_TRIGGER}")
        yield
        # The keys above the largest before are the new children's (AUTOINCREMENT, one
        # writer: as in spor.lib.bulk).
        cursor.execute(
            f"INSERT INTO {_NAME_SEARCH_TABLE} (rowid, first_name, last_name)"  # noqa: S608
            " SELECT id, first_name, last_name FROM registry_child WHERE id > %s",
            [before],
        )
        cursor.execute(found[0])


def _create(model: type[Institution] | type[Group], objs: list[Any]) -> None:
    """``bulk_create`` that leaves every object with its primary key (a few hundred
    institutions or groups; their keys are needed for what refers to them)."""
    model.objects.bulk_create(objs, batch_size=500)
    if any(o.pk is None for o in objs):  # pragma: no cover - old SQLite without RETURNING
        raise RuntimeError("the database did not return the new rows' keys")
