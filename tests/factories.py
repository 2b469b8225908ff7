"""Plain factory functions for tests: each makes one valid object with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from spor.accounts.models import GroupAssignment, Membership, Profession, Role, User
from spor.registry.models import Child, Enrolment, Group, Institution
from spor.tenancy.models import Municipality

PASSWORD = "korrekt-hest-batteri-42"
_seq = itertools.count(1)


def municipality(name: str, code: str) -> Municipality:
    return Municipality.objects.create(name=name, code=code)


def user(
    username: str,
    muni: Municipality | None = None,
    role: str = Role.PPR,
    profession: str = Profession.OTHER,
    **extra: Any,
) -> User:
    u = User.objects.create_user(
        username=username, password=PASSWORD, first_name=username.title(), **extra
    )
    if muni is not None:
        Membership.objects.create(user=u, municipality=muni, role=role, profession=profession)
    return u


def institution(muni: Municipality, name: str = "", kind: str = "skole") -> Institution:
    return Institution.objects.create(
        municipality=muni, name=name or f"Institution {next(_seq)}", kind=kind
    )


def group(inst: Institution, name: str = "", school_year: int = 2026, grade: int | None = None):
    return Group.objects.create(
        municipality_id=inst.municipality_id,
        institution=inst,
        name=name or f"Gruppe {next(_seq)}",
        school_year=school_year,
        grade=grade,
    )


def assign(u: User, g: Group) -> GroupAssignment:
    m = Membership.objects.get(user=u, municipality_id=g.municipality_id)
    return GroupAssignment.objects.create(municipality_id=g.municipality_id, membership=m, group=g)


def child(
    muni: Municipality,
    cpr: str,
    first_name: str = "Emma",
    last_name: str = "Jensen",
    groups: list[Group] | None = None,
    start: dt.date = dt.date(2026, 8, 1),
) -> Child:
    c = Child(municipality=muni, first_name=first_name, last_name=last_name)
    c.set_cpr(cpr)
    c.save()
    for g in groups or []:
        Enrolment.objects.create(municipality=muni, child=c, group=g, start=start)
    return c
