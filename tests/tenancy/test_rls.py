"""PostgreSQL's row-level security: the second wall behind the scoped selectors."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from spor.registry.models import Child
from spor.tenancy import rls
from spor.tenancy.models import TenantModel
from spor.tenancy.rls import SETTING
from tests.conftest import World

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"
)


def test_spor_does_not_connect_as_a_superuser_so_the_policies_bind_it(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)


def test_every_tenant_table_has_row_level_security_forced(db: None) -> None:
    from django.apps import apps

    tables = [m._meta.db_table for m in apps.get_models() if issubclass(m, TenantModel)]
    assert "accounts_membership" in tables
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relrowsecurity AND relforcerowsecurity "
            "AND relname = ANY(%s)",
            [tables],
        )
        protected = {row[0] for row in cursor.fetchall()}
    assert set(tables) == protected


def test_a_raw_query_without_the_apps_filter_sees_only_the_set_municipality(
    world: World,
) -> None:
    with rls.tenant(world.a.pk):
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT municipality_id FROM registry_child")
            assert [r[0] for r in cursor.fetchall()] == [world.a.pk]
            cursor.execute(
                "SELECT count(*) FROM registry_child WHERE municipality_id = %s", [world.b.pk]
            )
            assert cursor.fetchone()[0] == 0
        # The ORM without a filter is held by the same wall.
        assert not Child.objects.filter(pk=world.child_b1.pk).exists()


def test_writing_a_row_for_another_municipality_is_refused(world: World) -> None:
    with pytest.raises(DatabaseError), rls.tenant(world.a.pk), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_child SET first_name = 'X' WHERE id = %s RETURNING id",
            [world.child_b1.pk],
        )
        assert cursor.fetchone() is None  # the row is invisible, so nothing is updated
        cursor.execute(
            "INSERT INTO registry_institution (municipality_id, name, kind) "
            "VALUES (%s, 'Fremmed', 'skole')",
            [world.b.pk],
        )


def test_a_request_sets_the_actors_municipality_for_the_database(world: World) -> None:
    client = world.client_for(world.ppr_a)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/boern/").status_code == 200
    set_calls = [q["sql"] for q in queries.captured_queries if "set_config" in q["sql"]]
    assert any(f"'{world.a.pk}'" in sql for sql in set_calls), set_calls
    # and it is reset afterwards, so nothing leaks to the next use of the connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting(%s, true), '')", [SETTING])
        assert cursor.fetchone()[0] == ""


@pytest.mark.django_db(transaction=True)
def test_a_request_of_its_own_transaction_leaves_no_municipality_behind(world: World) -> None:
    client = world.client_for(world.ppr_a)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/boern/").status_code == 200
    sqls = [q["sql"] for q in queries.captured_queries]
    assert any("set_config" in sql and f"'{world.a.pk}'" in sql for sql in sqls), sqls
    # Undone by the end of the request's transaction, not by statements of its own.
    assert not any("current_setting(" in sql for sql in sqls), sqls
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting(%s, true), '')", [SETTING])
        assert cursor.fetchone()[0] == ""


def _settings_written(queries: CaptureQueriesContext) -> list[str]:
    """The request's own settings (the tests' fixtures set others: the system switch)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if "set_config('spor.municipality_id'" in q["sql"] and "'spor.system', ''" in q["sql"]
    ]


def test_a_request_after_the_first_sets_the_database_once(world: World) -> None:
    client = world.client_for(world.ppr_a)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/boern/").status_code == 200
    # The session's first request finds out where its person acts and switches to it ...
    assert len(_settings_written(first)) == 2, _settings_written(first)
    with CaptureQueriesContext(connection) as later:
        html = client.get("/boern/").content.decode()
    # ... later ones start there: one statement sets the municipality and the person.
    written = _settings_written(later)
    assert len(written) == 1 and f"'{world.a.pk}'" in written[0], written
    assert "Nielsen, Oliver" in html and "Pedersen" not in html


def test_a_session_that_guesses_another_municipality_still_sees_only_the_actors(
    world: World,
) -> None:
    from spor.accounts.middleware import ACTING_KEY

    client = world.client_for(world.ppr_a)
    session = client.session
    session[ACTING_KEY] = world.b.pk
    session.save()
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/boern/").content.decode()
    written = _settings_written(queries)
    assert f"'{world.b.pk}'" in written[0] and f"'{world.a.pk}'" in written[-1], written
    assert "Nielsen, Oliver" in html and "Pedersen" not in html
    assert client.get(f"/boern/{world.child_b1.pk}/").status_code == 404
    assert client.session[ACTING_KEY] == world.a.pk


def test_a_person_whose_membership_ends_sees_nothing_though_the_session_remembers_it(
    world: World,
) -> None:
    from spor.accounts.middleware import ACTING_KEY
    from spor.accounts.models import Membership

    client = world.client_for(world.ppr_a)
    assert client.get(f"/boern/{world.child_a1.pk}/").status_code == 200
    assert client.session[ACTING_KEY] == world.a.pk
    Membership.objects.filter(user=world.ppr_a).update(active=False)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/boern/{world.child_a1.pk}/").status_code == 404
    assert "'0'" in _settings_written(queries)[-1]
    assert client.session[ACTING_KEY] is None


def test_switching_municipality_moves_the_database_with_the_person(world: World) -> None:
    from spor.accounts.middleware import ACTING_KEY
    from spor.accounts.models import Membership, Role

    membership_b = Membership.objects.create(user=world.ppr_a, municipality=world.b, role=Role.PPR)
    client = world.client_for(world.ppr_a)
    assert "Nielsen, Oliver" in client.get("/boern/").content.decode()
    client.post("/skift-kommune/", {"membership": membership_b.pk})
    html = client.get("/boern/").content.decode()
    assert "Pedersen, Noah" in html and "Nielsen" not in html
    assert client.session[ACTING_KEY] == world.b.pk
    assert client.get(f"/boern/{world.child_a1.pk}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_tenant_block_in_a_job_gives_the_job_its_municipality_back(world: World) -> None:
    with rls.job(world.a.pk):
        with rls.tenant(world.b.pk):
            assert list(Child.objects.values_list("first_name", flat=True)) == ["Noah"]
        assert sorted(Child.objects.values_list("first_name", flat=True)) == [
            "Ida",
            "Oliver",
            "William",
        ]


def test_an_anonymous_request_sees_no_municipality(world: World) -> None:
    from django.test import Client

    with CaptureQueriesContext(connection) as queries:
        Client().get("/log-ind/")
    assert any("set_config" in q["sql"] and "'0'" in q["sql"] for q in queries.captured_queries)
