"""Importing the organisation system's export: institutions, users, roles and group
assignments, matched on the export's uuids, so the next export updates instead of
duplicating and ends the roles of people whose engagement ended or vanished.

:func:`sync` does the whole import in one transaction. A preview (``dry_run=True``) runs
exactly the same code and rolls it back, so the preview shows what confirming will do;
any error rolls everything back too: all or nothing.

Only units of an institution type become institutions; units of type klasse/stue are
matched to an existing group of the institution above them (groups come from the import
of children, with their school year). A job function gives a role through the
municipality's mapping (``JobFunctionMapping``) or the defaults in
:mod:`spor.orgsync.mapping`; one that gives none is skipped with a note.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import GroupAssignment, Membership, Profession, Role, User
from spor.orgsync import mapping
from spor.orgsync.models import ExternalPerson, ExternalUnit, JobFunctionMapping, OrgImport
from spor.orgsync.parsing import OrgFile, RowError, fold
from spor.registry.importing import fold_name
from spor.registry.models import Group, Institution

CREATE, UPDATE, END = "opret", "opdater", "afslut"
ACTION_LABELS = {CREATE: "Oprettes", UPDATE: "Opdateres", END: "Afsluttes"}

MSG_LEAD_ONLY = "Kun PPR-lederen kan importere organisationen."
MSG_ALREADY_APPLIED = "Importen er allerede gennemført."


@dataclass(frozen=True)
class Change:
    action: str  # CREATE, UPDATE or END
    what: str  # "Institution", "Bruger", "Rolle", "Gruppetilknytning"
    text: str


@dataclass
class SyncResult:
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped_persons: int = 0
    applied: bool = False

    def add(self, action: str, what: str, text: str) -> None:
        self.changes.append(Change(action, what, text))

    def by_action(self) -> list[tuple[str, list[Change]]]:
        return [
            (ACTION_LABELS[a], [c for c in self.changes if c.action == a])
            for a in (CREATE, UPDATE, END)
        ]

    def lines(self) -> list[str]:
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for c in self.changes:
            counts[(c.action, c.what)] += 1
        out = [
            f"{ACTION_LABELS[action]}: {n} × {what.lower()}"
            for (action, what), n in sorted(counts.items())
        ] or ["Ingen ændringer."]
        if self.skipped_persons:
            out.append(f"Personer uden en stilling, der giver adgang: {self.skipped_persons}")
        return out

    def summary(self) -> list[dict[str, str]]:
        return [c.__dict__ for c in self.changes]


def _role_text(role: str, profession: str) -> str:
    text = str(Role(role).label)
    if profession and profession in Profession.values and profession not in ("andet", "leder"):
        text += f", {str(Profession(profession).label).lower()}"
    return text


def job_function_rules(municipality_id: int) -> dict[str, tuple[str, str]]:
    """Folded job function → (role, profession); an empty role means "no access"."""
    rules = dict(mapping.DEFAULT_JOB_FUNCTIONS)
    for m in JobFunctionMapping.objects.filter(municipality_id=municipality_id):
        rules[m.key] = (m.role, m.profession)
    return rules


def sync(
    *,
    municipality_id: int,
    org: OrgFile,
    today: dt.date | None = None,
    dry_run: bool = False,
    own_membership_id: int | None = None,
) -> SyncResult:
    """Import ``org`` into the municipality (or, with ``dry_run``, only say what would
    happen). ``own_membership_id``: the importing person's own role is never changed or
    ended by the import, so nobody locks themselves out."""
    result = SyncResult()
    today = today or timezone.localdate()
    with transaction.atomic():
        _Sync(municipality_id, org, today, own_membership_id, result).run()
        if dry_run or result.errors:
            transaction.set_rollback(True)
        else:
            result.applied = True
    return result


class _Sync:
    def __init__(
        self,
        municipality_id: int,
        org: OrgFile,
        today: dt.date,
        own_membership_id: int | None,
        result: SyncResult,
    ) -> None:
        self.mid = municipality_id
        self.org = org
        self.today = today
        self.own = own_membership_id
        self.result = result
        self.now = timezone.now()
        self.units = {u.uuid: u for u in org.units}
        self.ext_units: dict[str, ExternalUnit] = {}

    def run(self) -> None:
        self._units()
        if self.result.errors:
            return
        self._persons()

    # ----------------------------------------------------------------- units

    def _units(self) -> None:
        known = {e.uuid: e for e in ExternalUnit.objects.filter(municipality_id=self.mid)}
        institutions = list(Institution.objects.filter(municipality_id=self.mid).order_by("pk"))
        by_name: dict[str, Institution] = {}
        for inst in institutions:
            by_name.setdefault(fold_name(inst.name), inst)
        by_pk = {inst.pk: inst for inst in institutions}
        for unit in self.org.units:
            ext = known.get(unit.uuid) or ExternalUnit(municipality_id=self.mid, uuid=unit.uuid)
            kind = mapping.institution_kind(unit.unit_type)
            if kind is not None:
                found = by_pk.get(ext.institution_id) if ext.institution_id else None
                if found is None:
                    found = by_name.get(fold_name(unit.name))
                if found is None:
                    inst = Institution.objects.create(
                        municipality_id=self.mid, name=unit.name, kind=kind
                    )
                    by_name[fold_name(inst.name)] = by_pk[inst.pk] = inst
                    self.result.add(
                        CREATE, "Institution", f"{unit.name} ({inst.get_kind_display().lower()})"
                    )
                else:
                    inst = found
                    self._update_institution(inst, unit.name, kind, unit.where, by_name)
                ext.institution = inst
            else:
                ext.institution = None
            ext.name, ext.unit_type = unit.name, unit.unit_type
            ext.parent_uuid = unit.parent or ""
            ext.seen_at = self.now
            ext.group = None
            ext.save()
            self.ext_units[unit.uuid] = ext
        for unit in self.org.units:
            if mapping.is_group_type(unit.unit_type):
                self._match_group(unit.uuid)
        # A unit gone from the export: its institution holds children and their history,
        # so it is kept as it is; the lead is told, to close or merge it by hand.
        imported = {unit.uuid for unit in self.org.units}
        for uuid, ext in sorted(known.items(), key=lambda kv: kv[1].name):
            if uuid not in imported and ext.institution_id is not None:
                self.result.warnings.append(
                    f"Enheden {ext.name!r} findes ikke længere i udtrækket. Institutionen "
                    f"{by_pk[ext.institution_id].name!r} beholdes i Spor med sine børn og sin "
                    "historik; er den nedlagt eller lagt sammen med en anden, så ret det i Spor."
                )

    def _update_institution(
        self, inst: Institution, name: str, kind: str, where: str, by_name: dict[str, Institution]
    ) -> None:
        changed = []
        if inst.name != name:
            other = by_name.get(fold_name(name))
            if other is not None and other.pk != inst.pk:
                self.result.errors.append(
                    RowError(
                        where,
                        "navn",
                        f"institutionen {inst.name!r} skal omdøbes til {name!r}, men det navn "
                        "har en anden institution i Spor allerede",
                    )
                )
                return
            by_name.pop(fold_name(inst.name), None)
            changed.append(f"navn {inst.name} → {name}")
            inst.name = name
            by_name[fold_name(name)] = inst
        if inst.kind != kind:
            old = inst.get_kind_display().lower()
            inst.kind = kind
            changed.append(f"type {old} → {inst.get_kind_display().lower()}")
        if changed:
            inst.save(update_fields=["name", "kind"])
            self.result.add(UPDATE, "Institution", f"{name}: " + ", ".join(changed))

    def _institution_above(self, unit_uuid: str) -> Institution | None:
        seen: set[str] = set()
        current = self.units[unit_uuid].parent
        while current and current not in seen and current in self.units:
            seen.add(current)
            ext = self.ext_units.get(current)
            if ext is not None and ext.institution is not None:
                return ext.institution
            current = self.units[current].parent
        return None

    def _match_group(self, unit_uuid: str) -> None:
        unit = self.units[unit_uuid]
        inst = self._institution_above(unit_uuid)
        group = None
        if inst is not None:
            candidates = [
                g
                for g in Group.objects.filter(municipality_id=self.mid, institution=inst)
                if fold_name(g.name) == fold_name(unit.name)
            ]
            group = max(candidates, key=lambda g: g.school_year, default=None)
        if group is None:
            where = f" under {inst.name}" if inst is not None else ""
            self.result.warnings.append(
                f"Enheden {unit.name!r} ({unit.where}) svarer ikke til en gruppe{where} i Spor – "
                "importér børn og grupper først. Medarbejderne der får ingen gruppetilknytning."
            )
            return
        ext = self.ext_units[unit_uuid]
        ext.group = group
        ext.save(update_fields=["group"])

    # ----------------------------------------------------------------- persons

    def _persons(self) -> None:
        rules = job_function_rules(self.mid)
        engagements = defaultdict(list)
        for e in self.org.engagements:
            engagements[e.person].append(e)
        known = {
            p.uuid: p
            for p in ExternalPerson.objects.filter(municipality_id=self.mid).select_related("user")
        }
        memberships = {m.user_id: m for m in Membership.objects.filter(municipality_id=self.mid)}
        unmapped: set[str] = set()
        in_file: set[str] = set()
        for person in self.org.persons:
            in_file.add(person.uuid)
            roles: list[tuple[str, str]] = []
            groups: set[int] = set()
            for e in engagements[person.uuid]:
                if not e.is_current(self.today):
                    continue
                rule = rules.get(fold(e.job_function))
                if rule is None:
                    unmapped.add(e.job_function)
                    continue
                if not rule[0]:
                    continue
                roles.append(rule)
                ext_unit = self.ext_units.get(e.unit)
                if ext_unit is not None and ext_unit.group_id is not None:
                    groups.add(ext_unit.group_id)
            ext = known.get(person.uuid)
            if not roles:
                if ext is not None:
                    self._end(
                        ext, memberships, "har ikke længere et aktuelt engagement, der giver adgang"
                    )
                else:
                    self.result.skipped_persons += 1
                continue
            user = self._user(person, ext)
            if user is None:
                continue
            if ext is None:
                ext = ExternalPerson(municipality_id=self.mid, uuid=person.uuid, user=user)
            membership = self._membership(user, mapping.strongest(roles), person.name, memberships)
            self._groups(ext, membership, groups, person.name)
            ext.engagements = [
                {"uuid": e.key, "enhed": e.unit, "stilling": e.job_function,
                 "fra": e.start.isoformat(), "til": e.end.isoformat() if e.end else None}
                for e in engagements[person.uuid]
            ]  # fmt: skip
            ext.seen_at = self.now
            ext.save()
        for uuid, ext in known.items():
            if uuid not in in_file:
                self._end(ext, memberships, "findes ikke længere i udtrækket")
        if unmapped:
            names = ", ".join(f"«{n}»" for n in sorted(unmapped)[:20])
            more = f" og {len(unmapped) - 20} flere" if len(unmapped) > 20 else ""
            self.result.warnings.append(
                f"Stillingerne {names}{more} giver ikke adgang til Spor, og engagementerne er "
                "sprunget over. Tilføj stillingerne under »Stillinger«, hvis de skal give en rolle."
            )

    def _user(self, person: Any, ext: ExternalPerson | None) -> User | None:
        if ext is not None:
            user = ext.user
            changed = []
            if person.first_name and user.first_name != person.first_name:
                user.first_name = person.first_name
                changed.append("fornavn")
            if user.last_name != person.last_name and person.last_name:
                user.last_name = person.last_name
                changed.append("efternavn")
            if person.email and user.email.lower() != person.email:
                user.email = person.email
                changed.append("e-mail")
            if changed:
                user.save(update_fields=["first_name", "last_name", "email"])
                self.result.add(UPDATE, "Bruger", f"{person.name}: {', '.join(changed)}")
            return user
        if person.email:
            same = list(User.objects.filter(email__iexact=person.email).order_by("pk")[:2])
            if len(same) > 1:
                self.result.errors.append(
                    RowError(
                        person.where,
                        "email",
                        f"flere brugere i Spor har e-mailadressen {person.email} – ret det i "
                        "Spor, så importen ved, hvem personen er",
                    )
                )
                return None
            if same:
                self.result.add(
                    UPDATE, "Bruger", f"{person.name}: knyttet til organisationssystemet"
                )
                return same[0]
        base = person.email or f"mo-{person.uuid[:8]}"
        username, n = base, 1
        while User.objects.filter(username__iexact=username).exists():
            n += 1
            username = f"{base}-{n}"
        user = User(
            username=username[:150],
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
        )
        # They log in through the municipality's login (or get a password from the lead).
        user.set_unusable_password()
        user.save()
        self.result.add(CREATE, "Bruger", f"{person.name} ({person.email or 'uden e-mail'})")
        return user

    def _membership(
        self, user: User, rp: tuple[str, str], name: str, memberships: dict[int, Membership]
    ) -> Membership:
        role, profession = rp
        profession = profession if profession in Profession.values else Profession.OTHER
        m = memberships.get(user.pk)
        if m is None:
            m = Membership.objects.create(
                municipality_id=self.mid, user=user, role=role, profession=profession
            )
            memberships[user.pk] = m
            self.result.add(CREATE, "Rolle", f"{name}: {_role_text(role, profession)}")
            return m
        if m.active and m.role == role and m.profession == profession:
            return m
        if m.pk == self.own:
            self.result.warnings.append(
                f"Din egen rolle ({name}) ændres ikke af importen; ret den i administrationen."
            )
            return m
        before = "ikke aktiv" if not m.active else _role_text(m.role, m.profession)
        m.role, m.profession, m.active = role, profession, True
        m.save(update_fields=["role", "profession", "active"])
        self.result.add(UPDATE, "Rolle", f"{name}: {before} → {_role_text(role, profession)}")
        return m

    def _groups(self, ext: ExternalPerson, m: Membership, wanted: set[int], name: str) -> None:
        managed = set(ext.managed_group_ids)
        labels = {
            g.pk: f"{g.name} ({g.institution.name}, {g.school_year_label})"
            for g in Group.objects.filter(pk__in=wanted | managed).select_related("institution")
        }
        for gid in sorted(wanted):
            _, created = GroupAssignment.objects.get_or_create(
                municipality_id=self.mid, membership=m, group_id=gid
            )
            if created:
                managed.add(gid)
                self.result.add(CREATE, "Gruppetilknytning", f"{name}: {labels.get(gid, gid)}")
        for gid in sorted(managed - wanted):
            GroupAssignment.objects.filter(
                municipality_id=self.mid, membership=m, group_id=gid
            ).delete()
            managed.discard(gid)
            if gid in labels:
                self.result.add(END, "Gruppetilknytning", f"{name}: {labels[gid]}")
        ext.managed_group_ids = sorted(managed)

    def _end(self, ext: ExternalPerson, memberships: dict[int, Membership], why: str) -> None:
        user = ext.user
        name = user.get_full_name() or user.get_username()
        m = memberships.get(user.pk)
        if m is not None and m.active:
            if m.pk == self.own:
                self.result.warnings.append(
                    f"Din egen rolle ({name}) afsluttes ikke af importen, selv om personen {why}."
                )
                return
            self._groups(ext, m, set(), name)
            m.active = False
            m.save(update_fields=["active"])
            self.result.add(END, "Rolle", f"{name}: {_role_text(m.role, m.profession)} – {why}")
        ext.seen_at = self.now
        ext.save()


# --------------------------------------------------------------------------- the page's flow


def _check_lead(actor: Actor) -> None:
    if not actor.is_lead:
        raise PermissionDenied(MSG_LEAD_ONLY)


@transaction.atomic
def orgimport_create(*, actor: Actor, org: OrgFile, file_name: str) -> OrgImport:
    """Keep a checked upload until the PPR-leder has seen the preview and confirms."""
    _check_lead(actor)
    return OrgImport.objects.create(
        municipality_id=actor.municipality_id,
        file_name=file_name[:200],
        file_format=org.format,
        data=org.to_data(),
        warnings=list(org.warnings),
        created_by=actor.membership,
    )


def orgimport_preview(*, actor: Actor, orgimport: OrgImport) -> SyncResult:
    _check_lead(actor)
    return sync(
        municipality_id=actor.municipality_id,
        org=OrgFile.from_data(orgimport.data),
        dry_run=True,
        own_membership_id=actor.membership.pk,
    )


@transaction.atomic
def orgimport_confirm(*, actor: Actor, orgimport: OrgImport) -> SyncResult:
    """Carry the import out. If anything is wrong now (the data changed since the preview),
    nothing is saved and the errors are returned."""
    _check_lead(actor)
    locked = OrgImport.objects.select_for_update().get(
        pk=orgimport.pk, municipality_id=actor.municipality_id
    )
    if locked.applied_at is not None:
        raise ValidationError(MSG_ALREADY_APPLIED)
    result = sync(
        municipality_id=actor.municipality_id,
        org=OrgFile.from_data(locked.data),
        own_membership_id=actor.membership.pk,
    )
    if result.applied:
        locked.applied_at = timezone.now()
        locked.summary = result.summary()
        # The engagements are not needed once applied; keep only what was done.
        locked.data = {}
        locked.save(update_fields=["applied_at", "summary", "data"])
    return result


@transaction.atomic
def job_function_save(*, actor: Actor, job_function: str, role: str, profession: str) -> None:
    _check_lead(actor)
    name = " ".join(job_function.split())
    errors = {}
    if not name or len(name) > 150:
        errors["job_function"] = "Skriv stillingsbetegnelsen (højst 150 tegn)."
    if role and role not in Role.values:
        errors["role"] = "Vælg en rolle, eller »ingen adgang«."
    if profession and profession not in Profession.values:
        errors["profession"] = "Vælg en faggruppe."
    if errors:
        raise ValidationError(errors)
    JobFunctionMapping.objects.update_or_create(
        municipality_id=actor.municipality_id,
        key=fold(name),
        defaults={
            "job_function": name,
            "role": role,
            "profession": (profession or Profession.OTHER) if role else "",
        },
    )


@transaction.atomic
def job_function_delete(*, actor: Actor, job_function: str) -> int:
    _check_lead(actor)
    deleted, _ = JobFunctionMapping.objects.filter(
        municipality_id=actor.municipality_id, key=fold(job_function)
    ).delete()
    return deleted
