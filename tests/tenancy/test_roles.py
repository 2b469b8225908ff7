"""The two database roles (docs/tenancy.md): connected as the app role, the walls cannot be
switched off, the access log cannot be changed, and with no municipality set a tenant table
shows nothing; in production, a role the walls do not bind is refused.

PostgreSQL with two roles only (``SPOR_OWNER_DATABASE_URL``; .ci/run). The suite connects
as the owner and each test here becomes the app role with ``SET LOCAL ROLE`` inside the
test's transaction, so the fixtures are visible and the privileges are exactly the app
role's.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from spor.audit.models import AccessLogEntry, Action, Purpose
from spor.registry.models import Child
from spor.tenancy import rls
from spor.tenancy.checks import E001, E003, problems_of
from tests.conftest import World

APP_ROLE = getattr(settings, "SPOR_DATABASE_APP_ROLE", "")

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's roles"),
    pytest.mark.skipif(not APP_ROLE, reason="needs two roles (SPOR_OWNER_DATABASE_URL)"),
]


@contextmanager
def as_app_role(municipality: int | None = None) -> Iterator[Any]:
    """The app role, in a savepoint, with this municipality (or none) set."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{APP_ROLE}"')
        cursor.execute("SET LOCAL spor.system = ''")
        cursor.execute("SET LOCAL spor.user_id = ''")
        cursor.execute("SET LOCAL spor.municipality_id = %s", [str(municipality or "")])
        yield cursor
        # A released savepoint keeps SET LOCAL: back to the suite's owner session.
        cursor.execute("SET LOCAL ROLE NONE")
        cursor.execute("SET LOCAL spor.system = 'on'")
        cursor.execute("SET LOCAL spor.user_id = ''")
        cursor.execute("SET LOCAL spor.municipality_id = ''")


def refused(sql: str, municipality: int | None = None) -> None:
    with pytest.raises(DatabaseError), as_app_role(municipality) as cursor:
        cursor.execute(sql)


def log_entry(world: World, at: dt.datetime | None = None) -> AccessLogEntry:
    return AccessLogEntry.objects.create(
        municipality=world.a,
        at=at or timezone.now(),
        actor=world.lead_a,
        actor_role="PPR-leder",
        child=world.child_a1,
        action=Action.VIEW,
        purpose=Purpose.CASEWORK,
        what="barnets side",
    )


def test_the_app_role_is_no_superuser_has_no_bypassrls_and_owns_nothing(db: None) -> None:
    with as_app_role() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == APP_ROLE
        assert problems_of(cursor) == []


def test_with_no_municipality_set_the_children_table_shows_no_rows(world: World) -> None:
    with as_app_role() as cursor:
        cursor.execute("SELECT count(*) FROM registry_child")
        assert cursor.fetchone()[0] == 0
        assert Child.objects.count() == 0
        # The old "empty means all" and the owner's system switch do nothing for the app.
        cursor.execute("SELECT set_config('spor.system', 'on', true)")
        cursor.execute("SELECT set_config('spor.municipality_id', '', true)")
        cursor.execute("SELECT count(*) FROM registry_child")
        assert cursor.fetchone()[0] == 0
    with as_app_role(world.a.pk) as cursor:  # and the same query does see rows when set
        cursor.execute("SELECT DISTINCT municipality_id FROM registry_child")
        assert [r[0] for r in cursor.fetchall()] == [world.a.pk]


def test_memberships_show_the_persons_own_and_the_set_municipalitys(world: World) -> None:
    with as_app_role() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_membership")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT set_config('spor.user_id', %s, true)", [str(world.lead_b.pk)])
        cursor.execute("SELECT DISTINCT user_id FROM accounts_membership")
        assert [r[0] for r in cursor.fetchall()] == [world.lead_b.pk]
    with as_app_role(world.a.pk) as cursor:
        cursor.execute("SELECT DISTINCT municipality_id FROM accounts_membership")
        assert [r[0] for r in cursor.fetchall()] == [world.a.pk]


@pytest.mark.parametrize("table", ["registry_child", "audit_accesslogentry"])
def test_the_app_role_cannot_switch_row_level_security_off(db: None, table: str) -> None:
    refused(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    refused(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    refused(f"DROP POLICY {rls.POLICY} ON {table}")


@pytest.mark.parametrize("table", ["registry_child", "audit_accesslogentry"])
def test_the_app_role_cannot_truncate(world: World, table: str) -> None:
    refused(f"TRUNCATE {table}", world.a.pk)


def test_the_app_role_cannot_disable_the_access_logs_trigger(db: None) -> None:
    refused("ALTER TABLE audit_accesslogentry DISABLE TRIGGER audit_accesslogentry_append_only")
    refused("ALTER TABLE audit_accesslogentry DISABLE TRIGGER ALL")


def test_the_app_role_may_insert_and_read_the_access_log_but_not_change_it(
    world: World,
) -> None:
    entry = log_entry(world)
    with as_app_role(world.a.pk) as cursor:
        cursor.execute("SELECT count(*) FROM audit_accesslogentry WHERE id = %s", [entry.pk])
        assert cursor.fetchone()[0] == 1
        cursor.execute(
            "INSERT INTO audit_accesslogentry (municipality_id, at, actor_role, action, "
            "purpose, what) VALUES (%s, now(), 'x', 'vis', 'sag', 'y') RETURNING id",
            [world.a.pk],
        )
        assert cursor.fetchone()[0] > entry.pk
    for flag in ("spor.retention", "spor.log_disposal"):  # no setting opens it
        for sql in (
            "UPDATE audit_accesslogentry SET what = 'ændret' WHERE id = %s",
            "DELETE FROM audit_accesslogentry WHERE id = %s",
        ):
            with pytest.raises(DatabaseError), as_app_role(world.a.pk) as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [flag])
                cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.what == "barnets side"


def test_the_owners_disposal_function_works_only_in_the_set_municipality(
    world: World,
) -> None:
    old = log_entry(world, at=timezone.now() - dt.timedelta(days=26 * 31))
    later = timezone.now()
    with pytest.raises(DatabaseError), as_app_role(world.b.pk) as cursor:
        cursor.execute("SELECT spor_access_log_dispose(%s, %s, false, '{}')", [world.a.pk, later])
    with as_app_role(world.a.pk) as cursor:
        cursor.execute("SELECT spor_access_log_dispose(%s, %s, false, '{}')", [world.a.pk, later])
        assert cursor.fetchone()[0] == 1
    assert not AccessLogEntry.objects.filter(pk=old.pk).exists()


def test_the_disposal_function_keeps_the_floor_whatever_cut_off_it_is_given(
    world: World,
) -> None:
    # A caller passing a cut-off years ahead still gets nothing younger than 24 months.
    young = log_entry(world, at=timezone.now() - dt.timedelta(days=23 * 31))
    fresh = log_entry(world)
    years_ahead = timezone.now() + dt.timedelta(days=10 * 365)
    for anonymise in (True, False):
        with as_app_role(world.a.pk) as cursor:
            cursor.execute(
                "SELECT spor_access_log_dispose(%s, %s, %s, '{}')",
                [world.a.pk, years_ahead, anonymise],
            )
            assert cursor.fetchone()[0] == 0
    for entry in (young, fresh):
        entry.refresh_from_db()
        assert entry.actor_id == world.lead_a.pk and entry.actor_role == "PPR-leder"


def test_the_app_role_cannot_create_tables_of_its_own(db: None) -> None:
    refused("CREATE TABLE spor_stray (id int)")


# --------------------------------------------------------------------------- the check


def test_the_check_refuses_the_owner_as_spors_role(db: None) -> None:
    with connection.cursor() as cursor:  # the suite's own connection is the owner's
        assert E003 in [p.id for p in problems_of(cursor)]


def test_the_check_refuses_a_superuser(db: None) -> None:
    url = os.environ.get("SPOR_TEST_SUPERUSER_URL")
    if not url:
        pytest.skip("SPOR_TEST_SUPERUSER_URL is not set (.ci/run sets it)")
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        assert E001 in [p.id for p in problems_of(cursor)]


def _production(url: str) -> dict[str, str]:
    from cryptography.fernet import Fernet

    parts = urlsplit(url)
    test_db = urlunsplit(parts._replace(path="/" + str(connection.settings_dict["NAME"])))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOR_")}
    env.update(
        {
            "SPOR_ENV": "production",
            "SPOR_SECRET_KEY": "x" * 60,
            "SPOR_CPR_KEYS": Fernet.generate_key().decode(),
            "SPOR_CPR_HMAC_KEY": Fernet.generate_key().decode(),
            "SPOR_DATABASE_URL": test_db,
            "DJANGO_SETTINGS_MODULE": "spor.settings",
        }
    )
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=False
    )


def test_check_deploy_and_start_up_refuse_the_owner_and_accept_the_app_role(db: None) -> None:
    owner = _production(os.environ["SPOR_OWNER_DATABASE_URL"])
    app = _production(os.environ["SPOR_DATABASE_URL"])
    manage = ["-m", "django", "check", "--deploy"]
    result = _run(owner, *manage)
    assert result.returncode != 0
    assert E003 in result.stderr + result.stdout
    result = _run(app, *manage)
    assert "spor.E00" not in result.stderr + result.stdout
    # Start-up: the WSGI application refuses the owner and starts as the app role.
    started = _run(owner, "-c", "import spor.wsgi")
    assert started.returncode != 0
    assert "ejer" in started.stderr
    started = _run(app, "-c", "import spor.wsgi")
    assert started.returncode == 0, started.stderr
