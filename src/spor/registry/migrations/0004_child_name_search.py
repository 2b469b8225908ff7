"""An index for the name search on the child list (``selectors.search_children``), so that it
does not read every child of the municipality with ``LIKE '%word%'`` (docs/scaling.md).

SQLite: an FTS5 table with the ``trigram`` tokenizer (substring match, case folded, also
æøå) over the first and last name, keyed by the child's id. Triggers keep it in step with
``registry_child``, so every write path (services, the demo, the organisation sync,
retention's deletes) is covered without code. The import's bulk insert of many children is the
one exception: it drops the insert trigger inside its transaction, fills the table in one
statement and makes the trigger again from its stored SQL (``registry.services``, session 8).

PostgreSQL: nothing here (migration 0005 gives PostgreSQL an index of name endings that row-level
security lets the app role use). GIN trigram indexes (``pg_trgm``) were tried and are of no use
under row-level security: the planner may not evaluate a user's condition before the
policy's unless its operators are ``LEAKPROOF`` (which only a superuser may declare), and
``LIKE``/``UPPER`` are not, so the app role's query scans the municipality either way
(docs/scaling.md, "The child search (session 7)").

A later migration that makes Django rebuild ``registry_child`` on SQLite (some column
changes do) drops these triggers with the old table: the search tests (a child written
after the migrations is found) then fail; re-create the triggers in that migration.
"""

from collections.abc import Callable
from typing import Any

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE registry_child_name"
    " USING fts5(first_name, last_name, tokenize='trigram')",
    "INSERT INTO registry_child_name (rowid, first_name, last_name)"
    " SELECT id, first_name, last_name FROM registry_child",
    "CREATE TRIGGER registry_child_name_insert AFTER INSERT ON registry_child BEGIN"
    " INSERT INTO registry_child_name (rowid, first_name, last_name)"
    " VALUES (new.id, new.first_name, new.last_name); END",
    "CREATE TRIGGER registry_child_name_update AFTER UPDATE OF id, first_name, last_name"
    " ON registry_child BEGIN DELETE FROM registry_child_name WHERE rowid = old.id;"
    " INSERT INTO registry_child_name (rowid, first_name, last_name)"
    " VALUES (new.id, new.first_name, new.last_name); END",
    "CREATE TRIGGER registry_child_name_delete AFTER DELETE ON registry_child BEGIN"
    " DELETE FROM registry_child_name WHERE rowid = old.id; END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS registry_child_name_insert",
    "DROP TRIGGER IF EXISTS registry_child_name_update",
    "DROP TRIGGER IF EXISTS registry_child_name_delete",
    "DROP TABLE IF EXISTS registry_child_name",
]


def _run(statements: dict[str, list[str]]) -> Callable[[Any, Any], None]:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_enrolment_start_index")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE_FORWARD}), _run({"sqlite": SQLITE_BACKWARD}))
    ]
