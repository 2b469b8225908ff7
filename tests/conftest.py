"""Personas in two municipalities, so that every view test can check access across them.

Aby (901) and Bby (902) each have a PPR-leder, a PPR psychologist and a teacher linked to
one class; Aby also has a second teacher (another class), a health visitor and a social
worker, who see none of Aby's children until they are on a case.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from spor.accounts.models import Profession, Role, User
from spor.registry.models import Child, Enrolment, Group, Institution
from spor.tenancy.models import Municipality
from tests import factories as f

# Tests that load a benchmark by its path find its sibling modules (``import _results``), as
# the script does when run (its directory is first on sys.path then).
sys.path.append(str(Path(__file__).resolve().parents[1] / "benchmarks"))

# Synthetic CPR numbers: real dates, centuries from the 7th digit; odd last digit = boy.
CPR_A1 = "150318-4123"
CPR_A2 = "020419-4642"
CPR_A3 = "110112-4117"
CPR_B1 = "230518-4235"
ALL_CPR = [CPR_A1, CPR_A2, CPR_A3, CPR_B1]


@dataclass
class World:
    a: Municipality
    b: Municipality
    lead_a: User
    ppr_a: User
    teacher_a: User
    teacher_a2: User
    health_a: User
    social_a: User
    lead_b: User
    ppr_b: User
    teacher_b: User
    school_a: Institution
    daycare_a: Institution
    class_a: Group
    class_a2: Group
    room_a: Group
    child_a1: Child
    child_a2: Child
    child_a3: Child
    school_b: Institution
    class_b: Group
    child_b1: Child

    # Objects added by the extensions in WORLD_EXTENSIONS, by name.
    extra: dict[str, Any] = field(default_factory=dict)

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


def _owner_session(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Every test connection on PostgreSQL is the owner's session with its system switch on,
    so that fixtures are made and assertions read across municipalities; each request and
    each Spor command runs as the app role (``spor.tenancy.rls``), held by the walls."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET spor.system = 'on'")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """With two roles (``SPOR_OWNER_DATABASE_URL``), pytest-django creates and migrates the
    test database as the owner, and the suite connects as the owner too; the app role (the
    user of ``SPOR_DATABASE_URL``) is what requests and commands run as (``SET ROLE``; the
    owner role is a member of the app role: ``GRANT spor TO spor_owner``, .ci/run)."""
    from django.conf import settings
    from django.db import connections
    from django.db.backends.signals import connection_created

    connection_created.connect(_owner_session, weak=False)
    owner = getattr(settings, "SPOR_OWNER_DATABASE", None)
    if not owner:
        return
    default = connections["default"]
    default.close()
    for key in ("USER", "PASSWORD", "HOST", "PORT"):
        default.settings_dict[key] = owner.get(key)
    settings.SPOR_DATABASE_SET_ROLE = settings.SPOR_DATABASE_APP_ROLE
    settings.SPOR_OWNER_DATABASE = None  # the connection is the owner's already


@pytest.fixture(autouse=True)
def _spor_commands_run_as_the_app_role(monkeypatch: pytest.MonkeyPatch) -> None:
    """``call_command`` of a Spor command runs it as production does: as the app role with
    no municipality set (on PostgreSQL), unless the command says it needs the owner."""
    from django.core.management.base import BaseCommand

    from spor.tenancy import rls

    original = BaseCommand.execute

    def execute(self: BaseCommand, *args: Any, **options: Any) -> Any:
        if not type(self).__module__.startswith("spor.") or getattr(self, "requires_owner", False):
            return original(self, *args, **options)
        with rls.job(None):
            return original(self, *args, **options)

    monkeypatch.setattr(BaseCommand, "execute", execute)


@pytest.fixture(scope="session", autouse=True)
def _no_stray_connections_at_the_end(django_db_setup, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """On PostgreSQL, end the test database's other sessions before it is dropped. The
    live server answers each browser connection in a daemon thread that Django does not
    join, and one kept alive still holds its database connection when the run ends, so
    dropping the database warned "is being accessed by other users". Torn down before
    ``django_db_setup`` (it depends on it), i.e. just before the drop."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        # The same role's sessions only: what the suite itself opened.
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND usename = current_user"
        )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # The personas' passwords need not resist cracking; the default hasher costs ~0.2 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: None) -> World:
    a = f.municipality("Aby Kommune", "901")
    b = f.municipality("Bby Kommune", "902")
    school_a = f.institution(a, "Aby Skole", "skole")
    daycare_a = f.institution(a, "Solsikken", "boernehave")
    class_a = f.group(school_a, "3.A", grade=3)
    class_a2 = f.group(school_a, "4.B", grade=4)
    room_a = f.group(daycare_a, "Rød stue", school_year=2025)
    school_b = f.institution(b, "Bby Skole", "skole")
    class_b = f.group(school_b, "3.A", grade=3)

    child_a1 = f.child(a, CPR_A1, "Oliver", "Nielsen", groups=[class_a])
    # Child A1 came from the daycare: one ended enrolment before the class.
    Enrolment.objects.create(
        municipality=a,
        child=child_a1,
        group=room_a,
        start=dt.date(2021, 8, 1),
        end=dt.date(2026, 7, 31),
    )
    child_a2 = f.child(a, CPR_A2, "Ida", "Hansen", groups=[class_a2])
    child_a3 = f.child(a, CPR_A3, "William", "Larsen", groups=[])
    child_b1 = f.child(b, CPR_B1, "Noah", "Pedersen", groups=[class_b])

    w = World(
        a=a,
        b=b,
        lead_a=f.user("leder_a", a, Role.LEAD, Profession.LEADER),
        ppr_a=f.user("psykolog_a", a, Role.PPR, Profession.PSYCHOLOGIST),
        teacher_a=f.user("laerer_a", a, Role.EDUCATOR, Profession.TEACHER),
        teacher_a2=f.user("laerer_a2", a, Role.EDUCATOR, Profession.TEACHER),
        health_a=f.user("sundhed_a", a, Role.HEALTH_VISITOR, Profession.HEALTH_VISITOR),
        social_a=f.user("social_a", a, Role.SOCIAL_WORKER, Profession.SOCIAL_WORKER),
        lead_b=f.user("leder_b", b, Role.LEAD, Profession.LEADER),
        ppr_b=f.user("psykolog_b", b, Role.PPR, Profession.PSYCHOLOGIST),
        teacher_b=f.user("laerer_b", b, Role.EDUCATOR, Profession.TEACHER),
        school_a=school_a,
        daycare_a=daycare_a,
        class_a=class_a,
        class_a2=class_a2,
        room_a=room_a,
        child_a1=child_a1,
        child_a2=child_a2,
        child_a3=child_a3,
        school_b=school_b,
        class_b=class_b,
        child_b1=child_b1,
    )
    f.assign(w.teacher_a, class_a)
    f.assign(w.teacher_a2, class_a2)
    f.assign(w.teacher_b, class_b)
    extend_world(w)
    return w


# Each part of the loop adds its own objects to the personas' world (a screening round, a
# concern, …) in tests/<app>/world.py, so the URL walk finds one of every model in Aby.
WORLD_EXTENSIONS = [
    "tests.screening.world",
    "tests.concerns.world",
    "tests.cases.world",
    "tests.measurement.world",
    "tests.programme.world",
    "tests.survey.world",
    "tests.archive.world",
    "tests.notifications.world",
    "tests.orgsync.world",
    "tests.evaluation.world",
    "tests.economics.world",
]


def extend_world(w: World) -> None:
    import importlib
    import importlib.util

    for name in WORLD_EXTENSIONS:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # the app's test package does not exist yet
            found = False
        if found:
            importlib.import_module(name).extend(w)


def cpr_forms(value: str) -> list[str]:
    """Every way a CPR number could be written out: with and without the hyphen."""
    digits = value.replace("-", "")
    return [digits, f"{digits[:6]}-{digits[6:]}", f"{digits[:6]} {digits[6:]}"]
