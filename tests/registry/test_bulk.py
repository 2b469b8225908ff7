"""``spor.lib.bulk.insert_rows`` with many rows: on PostgreSQL through ``COPY`` and one
``INSERT … SELECT`` (which the row-level-security policies still hold), on SQLite prepared
once; the new keys come back in the order of the rows."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from spor.lib.bulk import LARGE_WRITE_CACHE_KIB, MANY, insert_rows, large_write
from spor.registry.models import Institution
from spor.tenancy import rls
from tests.conftest import World

COLUMNS = ("municipality_id", "name", "kind")


@pytest.mark.django_db
@pytest.mark.parametrize("n", [3, MANY])
def test_many_rows_are_written_and_their_keys_come_back_in_order(world: World, n: int) -> None:
    keys: list[int] = []
    with rls.tenant(world.a.pk):
        rows = [(world.a.pk, f"Bulkskole {i}", "skole") for i in range(n)]
        assert insert_rows(Institution, COLUMNS, rows, returning=keys) == n
        names = dict(Institution.objects.filter(pk__in=keys).values_list("pk", "name"))
        assert [names[k] for k in keys] == [f"Bulkskole {i}" for i in range(n)]
        # Without keys wanted (SQLite: executemany), the same rows are written.
        more = [(world.a.pk, f"Bulkbørnehave {i}", "boernehave") for i in range(n)]
        assert insert_rows(Institution, COLUMNS, iter(more)) == n
        assert Institution.objects.filter(name__startswith="Bulkbørnehave ").count() == n


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security is PostgreSQL's")
def test_copied_rows_for_another_municipality_are_refused_by_the_policy(world: World) -> None:
    rows = [(world.b.pk, f"Fremmed {i}", "skole") for i in range(MANY)]
    refused = pytest.raises(DatabaseError, match="row-level security")
    with refused, transaction.atomic(), rls.tenant(world.a.pk):
        insert_rows(Institution, COLUMNS, rows)
    with rls.tenant(world.b.pk):
        assert not Institution.objects.filter(name__startswith="Fremmed ").exists()


@pytest.mark.django_db
def test_the_keys_come_back_right_after_the_newest_rows_were_deleted(world: World) -> None:
    # The largest key is then below the table's counter (SQLite's AUTOINCREMENT, PostgreSQL's
    # sequence): the new keys skip the deleted ones and still match their rows.
    with rls.tenant(world.a.pk):
        first: list[int] = []
        insert_rows(
            Institution,
            COLUMNS,
            [(world.a.pk, f"Gammel {i}", "skole") for i in range(MANY)],
            returning=first,
        )
        Institution.objects.filter(pk__in=first[-10:]).delete()
        keys: list[int] = []
        rows = [(world.a.pk, f"Ny {i}", "skole") for i in range(MANY)]
        assert insert_rows(Institution, COLUMNS, rows, returning=keys) == MANY
        assert min(keys) > max(first)
        names = dict(Institution.objects.filter(pk__in=keys).values_list("pk", "name"))
        assert [names[k] for k in keys] == [f"Ny {i}" for i in range(MANY)]


def _cache_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's page cache")
def test_a_large_write_has_a_large_page_cache_and_gives_the_old_one_back(world: World) -> None:
    before = _cache_size()
    with large_write():
        assert _cache_size() == -LARGE_WRITE_CACHE_KIB
    assert _cache_size() == before
    with pytest.raises(ZeroDivisionError), large_write():
        1 / 0  # noqa: B018
    assert _cache_size() == before
