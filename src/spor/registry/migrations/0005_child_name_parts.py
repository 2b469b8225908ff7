"""An index for the name search on the child list on PostgreSQL (``selectors.search_children``),
usable by the app role under row-level security (docs/scaling.md, "The child search on
PostgreSQL (session 8)").

``registry_child_name_part(municipality_id, part, child_id, last_name, first_name)`` holds,
for every child, every ending of at least three letters of ``upper(first_name)`` and of
``upper(last_name)`` ("NIELSEN", "IELSEN", ..., "SEN"), with ``part`` in the ``C``
collation. A word is a substring of a name exactly when it begins one of the name's
endings, so the children whose first or last name contains the word ``w`` are the rows with
``part >= upper(w) AND part < upper(w) || chr(1114111)`` (and ``starts_with``): one range
of the index on ``(municipality_id, part)``. Every operator there (``=`` on bigint, ``<``,
``>=`` and ``starts_with`` on text) is ``LEAKPROOF``, so the planner may use the index under
the tenant policy, which ``pg_trgm``'s ``LIKE``/``upper`` may not. The child's names are
copied alongside (in the database's collation, as on ``registry_child``), so a page of
matches is sorted and counted from the index alone. ``upper`` is the database's own, on
both the names (here) and the search words (in the query), so the matches are those of
Django's ``icontains`` (``UPPER(name) LIKE UPPER('%w%')``), æøå included.

Statement triggers with transition tables keep it in step with ``registry_child`` (insert;
an update that changes a name or the municipality; delete; truncate), so every write path (the
import's bulk insert, services, the demo, the organisation sync, retention's deletes) is
covered without code, and a bulk insert of 60,000 children fills it with one statement.
The table has the tenant policy of every tenant table: the triggers run as the writer.

SQLite: nothing here (its FTS5 trigram table, migration 0004, does the job).
"""

from collections.abc import Callable
from typing import Any

from django.db import migrations

from spor.tenancy.rls import disable_sql, enable_sql

TABLE = "registry_child_name_part"

# The endings of at least three letters of both names of the rows in ``rows``.
_PARTS = """
    INSERT INTO registry_child_name_part (municipality_id, part, child_id, last_name, first_name)
    SELECT DISTINCT n.municipality_id, substr(v.name, i), n.id, n.last_name, n.first_name
    FROM {rows}
    CROSS JOIN LATERAL (VALUES (upper(n.first_name::text)), (upper(n.last_name::text))) v(name)
    CROSS JOIN LATERAL generate_series(1, length(v.name) - 2) i
    {where}"""

_CHANGED = (
    "(o.municipality_id, o.first_name, o.last_name)"
    " IS DISTINCT FROM (n.municipality_id, n.first_name, n.last_name)"
)

_CHANGED_PARTS = _PARTS.format(
    rows="new_rows n JOIN old_rows o ON o.id = n.id", where=f"WHERE {_CHANGED}"
)

POSTGRES_FORWARD = [
    f"""CREATE TABLE {TABLE} (
        municipality_id bigint NOT NULL,
        part text COLLATE "C" NOT NULL,
        child_id bigint NOT NULL,
        last_name text NOT NULL,
        first_name text NOT NULL
    )""",
    f"CREATE INDEX {TABLE}_find ON {TABLE} (municipality_id, part)"
    " INCLUDE (last_name, first_name, child_id)",
    f"CREATE INDEX {TABLE}_child ON {TABLE} (child_id)",
    *enable_sql(TABLE),
    _PARTS.format(rows="registry_child n", where=""),
    f"""CREATE FUNCTION {TABLE}_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
        {_PARTS.format(rows="new_rows n", where="")};
        RETURN NULL;
    END $fn$""",
    f"""CREATE FUNCTION {TABLE}_update() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
        DELETE FROM {TABLE} p USING old_rows o JOIN new_rows n ON n.id = o.id
        WHERE p.child_id = o.id AND {_CHANGED};
        {_CHANGED_PARTS};
        RETURN NULL;
    END $fn$""",  # noqa: S608 - constant SQL
    f"""CREATE FUNCTION {TABLE}_delete() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
        DELETE FROM {TABLE} p USING old_rows o WHERE p.child_id = o.id;
        RETURN NULL;
    END $fn$""",  # noqa: S608 - constant SQL
    # A TRUNCATE (only the owner may: the test suite's flush) empties it too.
    f"""CREATE FUNCTION {TABLE}_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
        TRUNCATE {TABLE};
        RETURN NULL;
    END $fn$""",
    f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON registry_child"
    f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_insert()",
    f"CREATE TRIGGER {TABLE}_update AFTER UPDATE ON registry_child"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    f" FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_update()",
    f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON registry_child"
    f" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_delete()",
    f"CREATE TRIGGER {TABLE}_truncate AFTER TRUNCATE ON registry_child"
    f" FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_truncate()",
    f"ANALYZE {TABLE}",
]
POSTGRES_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {TABLE}_insert ON registry_child",
    f"DROP TRIGGER IF EXISTS {TABLE}_update ON registry_child",
    f"DROP TRIGGER IF EXISTS {TABLE}_delete ON registry_child",
    f"DROP TRIGGER IF EXISTS {TABLE}_truncate ON registry_child",
    f"DROP FUNCTION IF EXISTS {TABLE}_insert()",
    f"DROP FUNCTION IF EXISTS {TABLE}_update()",
    f"DROP FUNCTION IF EXISTS {TABLE}_delete()",
    f"DROP FUNCTION IF EXISTS {TABLE}_truncate()",
    *disable_sql(TABLE),
    f"DROP TABLE IF EXISTS {TABLE}",
]


def _run(statements: dict[str, list[str]]) -> Callable[[Any, Any], None]:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_child_name_search")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD}), _run({"postgresql": POSTGRES_BACKWARD})
        )
    ]
