"""spor.lib.triggers: a set of triggers installed by ``migrate`` is exactly the code's
afterwards, whatever the database held before (a lost trigger, one left from an older
version), and nothing outside its prefix is touched."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from spor.evaluation.web import versions
from spor.measurement import outcomes


def _trigger(cursor: Any, name: str, table: str) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {name}_fn() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN RETURN NULL; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER {name} AFTER UPDATE ON {table} FOR EACH ROW"
            f" EXECUTE FUNCTION {name}_fn()"
        )
    else:
        cursor.execute(f"CREATE TRIGGER {name} AFTER UPDATE ON {table} BEGIN SELECT 1; END")


def _names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {r[0] for r in cursor.fetchall()}


@pytest.mark.django_db
@pytest.mark.parametrize("part", [outcomes, versions], ids=lambda m: m.__name__)
def test_a_trigger_left_from_an_older_version_is_dropped_and_the_set_installed_again(
    part: Any,
) -> None:
    prefix = part.TRIGGERS.prefix
    # One of the set's names from an older version, and one the prefix's '_' would match
    # as a LIKE pattern but that is not the set's.
    stale, other = f"{prefix}renamed_long_ago", prefix.replace("_", "x") + "not_ours"
    with connection.cursor() as cursor:
        assert part.TRIGGERS.installed(cursor, connection.vendor)
        _trigger(cursor, stale, "registry_child")
        _trigger(cursor, other, "registry_child")
        assert not part.TRIGGERS.installed(cursor, connection.vendor)
    assert part.ensure(connection) is True
    names = _names()
    assert stale not in names and other in names
    if connection.vendor == "postgresql":  # the old trigger's function went with it
        with connection.cursor() as cursor:
            cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE %s", ["spor%_fn"])
            assert {r[0] for r in cursor.fetchall()} == {f"{other}_fn"}
    assert {n for n in names if n.startswith(prefix)} == set(
        part.TRIGGERS.pg_triggers() if connection.vendor == "postgresql" else part.TRIGGERS.sqlite()
    )
    assert part.ensure(connection) is False
